/**
 * What the pipeline returns: accepted and refused envelopes, the chunked
 * receiver, and the {@link Codec} interface itself.
 *
 * @module
 */
import type { PeerId } from '@libp2p/interface'
import type { WireRule } from '../errors.js'
import type { WireLimits } from '../limits.js'
import type { MessageType, SerializerChoice } from '../serialize/types.js'
import type { EnvelopeHeader } from '../envelope/header.js'
import type { AcceptedType, OpenOptions, SealOptions, SerializerLookup, ValueOfTypes } from './options.js'
import type { ChunkFrameRejection, RejectReason } from './reasons.js'

/**
 * A refused envelope. Nothing is committed to replay state for an envelope
 * refused before its signature and digest verified; an authenticated one that
 * fails to decompress or decode consumes its seq (so its replays cost nothing).
 */
export interface OpenRejected {
  readonly ok: false
  readonly reason: RejectReason
  /** One line for logs. */
  readonly detail: string
  /** For `malformed` bytes: the SPEC.md wire rule they break (see {@link WireRule}). */
  readonly rule?: WireRule
}

/** One message carried by an accepted envelope. */
export interface OpenedMessage<T = unknown> {
  /** The decoded value. */
  readonly value: T
  /** Its sequence number (for a batch: header seq + index). */
  readonly seq: number
  /** Its index in a batch (0 for a single message). */
  readonly index: number
}

/** An accepted envelope. */
export interface OpenAccepted<T = unknown> {
  readonly ok: true
  /** `single`, `batch`, or `item` (one batch item forwarded with its proof). */
  readonly kind: 'single' | 'batch' | 'item'
  /** Sender id (peer id string). */
  readonly from: string
  /** Sender peer id (undefined for ECDSA keys, which have no libp2p peer id type). */
  readonly peerId: PeerId | undefined
  readonly channel: string
  readonly type: number
  readonly serializer: number
  readonly compression: number
  /** Sender clock of the envelope, ms since the epoch. */
  readonly timestamp: number
  /** Seq of the first message. */
  readonly seq: number
  /** The first accepted message's value (the only one unless `kind` is `batch`). */
  readonly value: T
  /**
   * Every accepted message. For a batch, items already seen (e.g. forwarded
   * to us alone earlier) are left out; an envelope with none left is `replayed`.
   */
  readonly messages: ReadonlyArray<OpenedMessage<T>>
  /** Batch only: builds the forwardable envelope of item `index` (signed header + inclusion proof). Item indices are those of the batch, not of `messages`. */
  readonly itemEnvelope?: (index: number) => Uint8Array
}

/** Result of {@link Codec.open}. */
export type OpenResult<T = unknown> = OpenAccepted<T> | OpenRejected

/** An envelope {@link Codec.verify} found authentic: the header it signs and its sender. */
export interface VerifyAccepted {
  ok: true
  header: EnvelopeHeader
  /** Sender id (peer id string). */
  from: string
}

/** Result of {@link Codec.verify}. */
export type VerifyResult = VerifyAccepted | OpenRejected

/** Receives the chunk frames of one verified chunked envelope. */
export interface ChunkedReceiver<T = unknown> {
  readonly ok: true
  /** Number of chunk frames expected. */
  readonly chunkCount: number
  /** True once every chunk verified. */
  readonly complete: boolean
  /** Verifies one chunk frame against the signed root and keeps its data; nothing unverified is kept. */
  accept(frame: Uint8Array): { ok: true } | { ok: false, reason: ChunkFrameRejection, rule?: WireRule }
  /** Once complete: decompresses (capped by the signed length) and decodes. */
  finish(): OpenResult<T>
}

/** A configured pipeline. */
export interface Codec {
  /** The signer's id, when the codec has a key. */
  readonly id: string | undefined
  /** The budget in force. */
  readonly limits: WireLimits
  /** The serializers (and through a registry, the message types) it seals and opens with. */
  readonly serializers: SerializerLookup
  /** Seals one value. Throws {@link errors!InvalidValueError} for a value that does not fit its type, {@link errors!SizeLimitError} when too large. */
  seal<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array
  /** Seals up to `limits.maxBatchItems` values of one type under ONE signature over their Merkle root. */
  sealBatch<T>(type: MessageType<T>, values: readonly T[], options: SealOptions): Uint8Array
  /**
   * Serializes one value exactly as {@link sealBatch} serializes a batch item
   * (same checks: `InvalidValueError`, the type's cap and the budget as
   * {@link errors!SizeLimitError}), without signing or consuming a seq: for sizing
   * and checking a value before it joins a batch (e.g. batched gossip).
   */
  encode<T>(type: MessageType<T>, value: T, serializer?: SerializerChoice): Uint8Array
  /**
   * Seals one large value as a head envelope followed by chunk frames of
   * `limits.chunkBytes`, each provable against the Merkle root the head signs,
   * so a receiver verifies every chunk as it arrives. Returns `[head, ...chunks]`.
   */
  sealChunked<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array[]
  /**
   * Verifies a chunked head envelope (signature, replay) and returns a receiver
   * for its chunk frames, or the rejection. The value type follows `types`
   * as for {@link open}.
   */
  openChunked<const Types extends ReadonlyArray<AcceptedType>>(head: Uint8Array, options: OpenOptions & { readonly types: Types }): ChunkedReceiver<ValueOfTypes<Types>> | OpenRejected
  openChunked(head: Uint8Array, options: OpenOptions): ChunkedReceiver | OpenRejected
  /** @deprecated `T` is not checked against what arrives: pass `types: [Type]` and the value type follows. */
  openChunked<T>(head: Uint8Array, options: OpenOptions): ChunkedReceiver<T> | OpenRejected
  /**
   * Verifies and decodes an envelope (single, batch or forwarded item). Never
   * throws for bad input: anything that is not a valid envelope (including
   * `null` or a non-`Uint8Array`) is a rejection, `malformed` at worst. Throws
   * {@link errors!InvalidConfigError} only for invalid `options` (see {@link OpenOptions}).
   *
   * With `types: [BlockType, ...]`, only those message types are opened
   * (others are `wrong-type`) and the value is typed as theirs
   * (`OpenResult<Block>`). Without `types`, any type the serializer lookup
   * knows is opened and the value is `unknown`.
   */
  open<const Types extends ReadonlyArray<AcceptedType>>(bytes: Uint8Array, options: OpenOptions & { readonly types: Types }): OpenResult<ValueOfTypes<Types>>
  open(bytes: Uint8Array, options: OpenOptions): OpenResult
  /** @deprecated `T` is not checked against what arrives: pass `types: [Type]` and the value type follows. */
  open<T>(bytes: Uint8Array, options: OpenOptions): OpenResult<T>
  /**
   * Checks an envelope's authenticity WITHOUT replay checks, state changes,
   * decompression or decoding: bounded parse, channel/type/codec, signature,
   * and the payload digest (or, for a forwarded batch item, its inclusion proof).
   */
  verify(bytes: Uint8Array, options: OpenOptions): VerifyResult
}
