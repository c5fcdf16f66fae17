/**
 * The serializer layer: message types, the four built-in formats (protobuf,
 * msgpack, flatbuffers, json, plus msgpack with shared structures), a
 * registry keyed by wire ids, and {@link defineMessageType} for your own types.
 *
 * @module
 */
export { SerializerId, MessageTypeId } from './types.js'
export type { MessageType, Serializer } from './types.js'
export { BlockType, PeerInfoType } from './messages.js'
export type { Block, PeerInfo } from './messages.js'
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
export type { JsonSerializerInit } from './json.js'
export {
  BUILTIN_SERIALIZERS, BUILTIN_STRUCTURE_VERSION, SerializerRegistry, createSerializerRegistry,
  createMsgpackStructuredBlock, createMsgpackStructuredPeerInfo, defaultSerializerRegistry, msgpackStructuredBlock,
  msgpackStructuredPeerInfo
} from './registry.js'
export type { SerializerRegistryInit } from './registry.js'
