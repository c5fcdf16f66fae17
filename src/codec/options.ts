/**
 * The codec's options: how it is built ({@link CodecInit}), what a seal
 * writes ({@link SealOptions}) and what a channel accepts ({@link OpenOptions}).
 *
 * @module
 */
import type { PrivateKey } from '@libp2p/interface'
import type { WireLimits } from '../limits.js'
import type { MessageType, Serializer, SerializerChoice, ValueOf } from '../serialize/types.js'
import type { CompressionName } from '../compress/types.js'
import type { CompressionPolicy } from '../compress/policy.js'
import type { CompressorSet } from '../compress/registry.js'
import type { ReplayGuard } from '../replay/guard.js'
import type { Sequencer } from '../replay/sequencer.js'
import type { SenderKeyCache } from '../envelope/keys.js'

/** Finds the serializer for a (message type id, serializer id) pair. */
export interface SerializerLookup {
  /** Throws {@link errors!UnknownCodecError} when the pair is not registered. `serializer` is a wire id or a format name. */
  get(typeId: number, serializer: number | string): Serializer
  /**
   * The serializer of a type that a seal without `serializer` uses
   * ({@link serialize!SerializerRegistry.defaultFor}).
   * @default protobuf when absent
   */
  defaultFor?(typeId: number): Serializer
  /** Every message type it has serializers for (a registry's; the stream codec names protocol ids after them). */
  types?(): MessageType[]
}

/**
 * Options of {@link createCodec}. Checked at runtime too, for plain-JS
 * callers: an unknown key (a misspelt option), a `privateKey` that is not a
 * libp2p private key or an option of the wrong kind throws
 * {@link errors!InvalidConfigError} naming the option.
 */
export interface CodecInit {
  /** Key that signs sealed envelopes; without it the codec can only open. */
  privateKey?: PrivateKey
  /**
   * Serializers by (message type, format); register your own types in a
   * registry from `createSerializerRegistry()`.
   * @default defaultSerializerRegistry (protobuf, msgpack, flatbuffers, json, msgpackStructured and capnp for Block and PeerInfo)
   */
  serializers?: SerializerLookup
  /**
   * The size budget shared with every peer.
   * @default DEFAULT_LIMITS
   */
  limits?: WireLimits
  /**
   * Picks the compression of outgoing payloads.
   * @default createCompressionPolicy()
   */
  compression?: CompressionPolicy
  /**
   * Decompressors by wire id, for incoming payloads.
   * @default defaultCompressors (fastest installed backend per format)
   */
  compressors?: CompressorSet
  /**
   * Receiver replay state; `false` disables replay, age and skew checks (stateless verification only).
   * @default createReplayGuard() (in memory)
   */
  replay?: ReplayGuard | false
  /**
   * Sender sequence numbers.
   * @default createSequencer() (in memory, seeded from the clock)
   */
  sequencer?: Sequencer
  /**
   * Signature domain; both ends must use the same one.
   * @default DEFAULT_SIGNATURE_DOMAIN
   */
  domain?: string
  /**
   * Sender keys kept imported.
   * @default new SenderKeyCache()
   */
  keyCache?: SenderKeyCache
  /**
   * Clock, ms since the epoch.
   * @default Date.now
   */
  now?: () => number
}

/**
 * Options of {@link Codec.seal}, {@link Codec.sealBatch} and
 * {@link Codec.sealChunked}. Checked at runtime too: no `channel` (or an
 * empty one), an unknown key or an option of the wrong kind throws
 * {@link errors!InvalidConfigError} naming the option.
 */
export interface SealOptions {
  /** Gossip topic or protocol id the message is for; not empty. */
  channel: string
  /**
   * Built-in serializer name (`protobuf`, `msgpack`, `flatbuffers`, `json`,
   * `msgpackStructured`, `capnp`) or any wire id (a user format by its id).
   * @default SerializerId.protobuf
   */
  serializer?: SerializerChoice
  /**
   * `auto` lets the policy choose; a name forces that codec (still `none` under the policy's savings threshold is NOT applied when forced).
   * @default 'auto'
   */
  compression?: 'auto' | CompressionName
  /** Compression ids the receiving peer accepts (policy falls back, e.g. zstd -> gzip). */
  peerAccepts?: ReadonlySet<number>
}

/**
 * A message type a channel accepts: the {@link MessageType} itself, so that
 * {@link Codec.open} infers the value type from it, or its wire id.
 */
export type AcceptedType = MessageType<unknown> | number

/**
 * The value type of what `types` accepts: the union of its message types'
 * values; `unknown` as soon as one is a bare wire id, or without `types`.
 */
export type ValueOfTypes<Types> = Types extends ReadonlyArray<AcceptedType> ? ValueOf<Types[number]> : unknown

/**
 * Options of {@link Codec.open}, {@link Codec.verify} and {@link Codec.openChunked}:
 * what this channel accepts. Every check below runs in the cheap precheck, on
 * the signed header alone, BEFORE the signature is verified and long before
 * anything is decompressed or decoded, for single, batch, forwarded-item and
 * chunked envelopes alike. Pass what the channel negotiated (a stream's
 * protocol id) or is configured for (a gossip topic): a peer, even one
 * signing with its own valid key, then cannot make the receiver run a
 * decompressor or a decoder it did not agree to.
 *
 * Options are the caller's, not the peer's: a malformed options object
 * (missing, an unknown key, `channel` not a string, a set that is not an
 * array of ids, a cap that is not a positive integer) is a programming error
 * and throws {@link errors!InvalidConfigError} naming the option, whatever
 * the bytes. Bad bytes never throw.
 */
export interface OpenOptions {
  /**
   * The channel the bytes arrived on; an envelope signed for another one is
   * `wrong-channel`. The empty channel is the wire's default value (SPEC.md
   * 4.2), so it is accepted here (seal refuses it).
   */
  channel: string
  /**
   * The message types accepted here, as types or wire ids; any other is
   * `wrong-type`, refused before the signature is checked. Given as types
   * (`types: [BlockType]`), they set the value type {@link Codec.open}
   * returns. A type is matched by its id; its values are decoded by the
   * serializer the codec's lookup has for that id.
   * @default every type the serializer lookup knows: name the types a channel carries, or any registered type is decoded on it
   */
  types?: ReadonlyArray<AcceptedType>
  /**
   * Serializer wire ids accepted here (e.g. the one a stream negotiated);
   * others are `unknown-codec`.
   * @default any serializer the lookup knows for the type
   */
  serializers?: ReadonlyArray<number>
  /**
   * Compression wire ids accepted here (`CompressionId`); others are
   * `unknown-codec`, refused before any decompressor runs.
   * @default any compression the codec's compressor set has
   */
  compressions?: ReadonlyArray<number>
  /**
   * Cap on the signed declared uncompressed length of an envelope on this
   * channel (bytes); over it is `too-large`, before anything is decompressed.
   * For a batch it bounds the whole batch payload; for a forwarded item, the
   * item (the bytes it makes us decode). The budget's `maxPayloadBytes` and the
   * message type's own cap ({@link MessageType.maxPayloadBytes}, per message)
   * apply as well; the smallest wins.
   * @default limits.maxPayloadBytes
   */
  maxPayloadBytes?: number
  /** Current time for age/skew checks. @default init.now() */
  now?: number
}

