/**
 * The serializer layer: message types, the built-in formats (protobuf,
 * msgpack, flatbuffers, json, Cap'n Proto, plus msgpack with shared structures), a
 * registry keyed by wire ids, and {@link defineMessageType} for your own types.
 *
 * ## Limits
 *
 * Every decoder's CPU and memory are bounded in proportion to its input, with
 * small constants, whatever the bytes (issue 9; tested by
 * `test/serialize/bounded.test.ts`: success or a typed error, and at most
 * `4 * input + 256` units materialised). Refusals are
 * {@link errors!SizeLimitError} (`quantity` `field` for counts, `depth` for
 * nesting, with `limit` and `actual`) or {@link errors!MalformedInputError}
 * (naming the format and reason), raised before the offending part is
 * materialised.
 *
 * | serializer | nesting | element counts | allocation | CPU |
 * |---|---|---|---|---|
 * | protobuf (Block, PeerInfo) | flat (PeerInfo map entries one level); groups (wire types 3, 4) refused everywhere | each singular field at most 16 times, 16 unknown fields; PeerInfo: 64 multiaddrs, 64 distinct metadata keys (1024 entries); checked as each tag is read | bytes are views into the input; unknown fields skipped without allocating; strings at most the input | one decode pass of at most 113 tags for a Block; varints at most 10 bytes, skipped ones too |
 * | msgpack, msgpackStructured (schema types) | 2 (message, then list / map); `SizeLimitError` `depth` beyond | top level: fields + 16; nested: the largest list/map limit (at least 16); checked from each header before its elements; ext types and nested records refused | bin are views; str at most the input (valid UTF-8 checked first) | one scan + one decode (or one fast-path pass) |
 * | flatbuffers (Block, PeerInfo) | fixed by the schema | vectors of tables at most 64 (PeerInfo), checked before any element is visited | byte vectors are views; the strings copied out add up to at most the buffer length (aliased offsets refused) | O(1) per verified table, field, vector, string |
 * | capnp (Block, PeerInfo) | fixed by the schema (at most 3 objects deep, no recursion); at most 16 segments, table checked against the input first | PeerInfo 64 multiaddrs / 64 metadata entries, checked from the list pointer (composite tag) before any element | byte fields are views; strings (valid UTF-8, NUL-terminated) at most the input: every object is charged to a traversal budget of the message's own words, so aliased pointers are refused | O(1) per pointer followed, far pointers included |
 * | json (schema types) | 3 (message, field, one level inside an unknown field's value) | top level: fields + 16; nested: the largest list/map limit (at least 16) | the bytes are scanned (no allocation) before the fatal TextDecoder and `JSON.parse`, then about 5x the input at most (text, parsed strings, base64-decoded bytes) | one scan pass (at most one step per byte), refused at the first offending byte; 10 MiB of `[` is one byte of work |
 *
 * The PeerInfo counts (64 multiaddrs, 64 metadata entries) are the defaults
 * of `WireLimits.maxPeerInfoMultiaddrs` / `maxPeerInfoMetadataEntries`;
 * `createSerializerRegistry({ limits })` builds the PeerInfo serializers on
 * other ones ({@link definePeerInfoType}).
 *
 * A message type may also cap its serialized size
 * ({@link MessageTypeInit.maxPayloadBytes}; PeerInfo: 64 KiB), which the codec
 * checks on the signed declared length before decompressing anything.
 *
 * @module
 */
export { SerializerId, MessageTypeId } from './types.js'
export type { MessageType, Serializer, SerializerChoice, SerializerName, ValueOf } from './types.js'
export { SERIALIZER_NAMES, serializerIdOf, serializerNameOf } from './names.js'
export { BlockType, PeerInfoType, definePeerInfoType } from './messages.js'
export type { Block, PeerInfo, PeerInfoLimits, PeerInfoMessageType } from './messages.js'
export { defineMessageType, withFastCheck, RESERVED_KEYS } from './schema.js'
export type {
  FieldDescriptor, FieldSpec, FieldValue, InferMessage, ListFieldSpec, MapFieldSpec,
  MessageSchema, MessageTypeInit, MessageValue, ScalarKind, ScalarTypes
} from './schema.js'
export { createProtobufBlockSerializer, createProtobufPeerInfoSerializer, protobufBlock, protobufPeerInfo } from './protobuf.js'
export { createMsgpackSerializer, msgpackBlock, msgpackPeerInfo } from './msgpack.js'
export type { MsgpackFastPath, MsgpackSerializerInit } from './msgpack.js'
export { createMsgpackStructuredSerializer } from './msgpack-structured.js'
export type { MsgpackStructuredInit, MsgpackStructuredSerializer } from './msgpack-structured.js'
export { createFlatbuffersBlockSerializer, createFlatbuffersPeerInfoSerializer, flatbuffersBlock, flatbuffersPeerInfo } from './flatbuffers.js'
export { createJsonSerializer, jsonBlock, jsonPeerInfo } from './json.js'
export { createCapnpBlockSerializer, createCapnpPeerInfoSerializer, capnpBlock, capnpPeerInfo } from './capnp.js'
export type { JsonSerializerInit } from './json.js'
export {
  BUILTIN_SERIALIZERS, BUILTIN_STRUCTURE_VERSION, SerializerRegistry, createSerializerRegistry,
  createMsgpackStructuredBlock, createMsgpackStructuredPeerInfo, defaultSerializerRegistry, msgpackStructuredBlock,
  msgpackStructuredPeerInfo
} from './registry.js'
export type { SerializerRegistryInit } from './registry.js'
