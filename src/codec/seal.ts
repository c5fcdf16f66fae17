/**
 * The seal path: serialize -> bound (the budget, the message type's cap) ->
 * compress (size-aware policy) -> SHA-256 of the carried bytes (+ Merkle root
 * over the items of a batch, or over the chunks of a chunked payload) ->
 * header -> sign(domain || header) -> envelope (SPEC.md 4-9).
 *
 * @module
 */
import { InvalidConfigError, SizeLimitError } from '../errors.js'
import type { WireLimits } from '../limits.js'
import type { MessageType, Serializer, SerializerChoice } from '../serialize/types.js'
import { SerializerId } from '../serialize/types.js'
import type { Compressor } from '../compress/types.js'
import type { CompressionPolicy } from '../compress/policy.js'
import type { CompressorSet } from '../compress/registry.js'
import { sha256Into } from '../integrity/sha256.js'
import { buildMerkleTree, encodeProof } from '../integrity/merkle.js'
import { splitIntoChunks } from '../integrity/chunked.js'
import type { Sequencer } from '../replay/sequencer.js'
import type { EnvelopeSigner } from '../envelope/keys.js'
import { ENVELOPE_VERSION, EnvelopeKind, encodeChannel, type EnvelopeKindId } from '../envelope/header.js'
import { encodeEnvelope, type SigningBuffer } from '../envelope/envelope.js'
import { joinBatchItems } from '../envelope/batch.js'
import { encodeChunkFrame } from '../envelope/chunk-frame.js'
import type { SealOptions, SerializerLookup } from './options.js'

/** What a {@link Sealer} is built from (resolved by `createCodec`). */
export interface SealerInit {
  /** Signs every header; without one, every seal throws {@link InvalidConfigError} `privateKey`. */
  signer: EnvelopeSigner | undefined
  limits: WireLimits
  serializers: SerializerLookup
  policy: CompressionPolicy
  compressors: CompressorSet
  sequencer: Sequencer
  /** `domainPrefix(domain)`, the start of every signed message. */
  prefix: SigningBuffer
  now: () => number
}

/** A serialized, bounded, compressed payload ready to be signed. */
interface Packed {
  signer: EnvelopeSigner
  typeId: number
  serializerId: number
  channel: string
  channelBytes: Uint8Array
  uncompressedLength: number
  compressor: Compressor
  bytes: Uint8Array
}

/** The header fields that differ per envelope kind, and the bytes carried inline. */
interface Signed {
  kind: EnvelopeKindId
  seq: number
  /** Single and batch: SHA-256 of the carried payload; chunked: the Merkle root of the chunks. */
  digest: Uint8Array
  count: number
  /** Batch only: the Merkle root of the items. */
  itemsRoot?: Uint8Array
  /** The payload carried in the envelope (none for a chunked head). */
  inline?: Uint8Array
  /** Chunked only: the size of every chunk but the last (SPEC.md 9.1). */
  chunkBytes?: number
}

/** What {@link Sealer.pack} serializes. */
interface PackInput<T> {
  type: MessageType<T>
  options: SealOptions
  /** A batch's payload is its joined items, each already checked against the type's cap. */
  batch: boolean
  /** Produces the serialized payload with the serializer the options chose. */
  encode: (serializer: Serializer<T>) => Uint8Array
}

const EMPTY = new Uint8Array(0)

/** Most channels a sealer keeps encoded before starting over. */
const MAX_CACHED_CHANNELS = 1024

/** Seals values into envelopes: single, batch and chunked. */
export class Sealer {
  readonly #init: SealerInit
  /** Digest of the payload being sealed (copied into the header, so one buffer serves every seal). */
  readonly #digest = new Uint8Array(32)
  readonly #channels = new Map<string, Uint8Array>()

  constructor (init: SealerInit) {
    this.#init = init
  }

  seal<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array {
    const p = this.pack({ type, options, batch: false, encode: (s) => s.encode(value) })
    sha256Into(p.bytes, this.#digest)
    return this.sign(p, { kind: EnvelopeKind.single, seq: this.#init.sequencer.next(options.channel), digest: this.#digest, count: 1, inline: p.bytes })
  }

  sealBatch<T>(type: MessageType<T>, values: readonly T[], options: SealOptions): Uint8Array {
    const { limits, sequencer } = this.#init
    if (values.length === 0) throw new InvalidConfigError('values', 'at least one value')
    if (values.length > limits.maxBatchItems) throw new SizeLimitError('batch-items', limits.maxBatchItems, values.length)
    let items: Uint8Array[] = []
    const p = this.pack({
      type,
      options,
      batch: true,
      encode: (s) => {
        items = values.map((v) => s.encode(v))
        for (const item of items) checkTypeCap(type, item.length)
        return joinBatchItems(items)
      }
    })
    // a batch consumes one seq per item: seq .. seq + n - 1 (SPEC.md 13)
    const seq = sequencer.next(options.channel)
    for (let i = 1; i < values.length; i++) sequencer.next(options.channel)
    sha256Into(p.bytes, this.#digest)
    return this.sign(p, { kind: EnvelopeKind.batch, seq, digest: this.#digest, count: values.length, itemsRoot: buildMerkleTree(items).root, inline: p.bytes })
  }

  encode<T>(type: MessageType<T>, value: T, serializer?: SerializerChoice): Uint8Array {
    const { limits } = this.#init
    const bytes = this.#serializer(type, serializer).encode(value)
    if (bytes.length > limits.maxPayloadBytes) throw new SizeLimitError('payload', limits.maxPayloadBytes, bytes.length)
    checkTypeCap(type, bytes.length)
    return bytes
  }

  sealChunked<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array[] {
    const { limits, sequencer } = this.#init
    const p = this.pack({ type, options, batch: false, encode: (s) => s.encode(value) })
    const chunked = splitIntoChunks(p.bytes, limits.chunkBytes, limits)
    // the chunk size travels in the signed head (SPEC.md 9.1): the receiver needs no out-of-band agreement
    const head = this.sign(p, { kind: EnvelopeKind.chunked, seq: sequencer.next(options.channel), digest: chunked.root, count: chunked.chunkCount, chunkBytes: chunked.chunkBytes })
    return [head, ...chunked.chunks.map((c) => encodeChunkFrame(c.index, encodeProof(c.proof), c.bytes))]
  }

  private channelBytes (channel: string): Uint8Array {
    const maxChannelBytes = this.#init.limits.maxChannelBytes
    let bytes = this.#channels.get(channel)
    if (bytes === undefined) {
      bytes = encodeChannel(channel)
      if (bytes.length > maxChannelBytes) throw new SizeLimitError('channel', maxChannelBytes, bytes.length)
      if (this.#channels.size > MAX_CACHED_CHANNELS) this.#channels.clear()
      this.#channels.set(channel, bytes)
    }
    return bytes
  }

  private requireSigner (): EnvelopeSigner {
    const signer = this.#init.signer
    if (signer === undefined) throw new InvalidConfigError('privateKey', 'a private key to seal envelopes')
    return signer
  }

  private compress (payload: Uint8Array, options: SealOptions, batch: boolean): { compressor: Compressor, bytes: Uint8Array } {
    const mode = options.compression ?? 'auto'
    if (mode === 'auto') return this.#init.policy.compress(payload, batch || options.peerAccepts !== undefined ? { batch, peerAccepts: options.peerAccepts } : undefined)
    const compressor = this.#init.compressors.get(mode)
    return { compressor, bytes: compressor.compress(payload) }
  }

  /** The named serializer of `type`, or its default (SerializerLookup.defaultFor; protobuf for a lookup without one). */
  #serializer<T>(type: MessageType<T>, choice: SerializerChoice | undefined): Serializer<T> {
    const { serializers } = this.#init
    if (choice !== undefined) return serializers.get(type.id, choice) as Serializer<T>
    return (serializers.defaultFor === undefined ? serializers.get(type.id, SerializerId.protobuf) : serializers.defaultFor(type.id)) as Serializer<T>
  }

  /** What every seal shares: serialize, bound, compress. */
  private pack<T>({ type, options, batch, encode }: PackInput<T>): Packed {
    const { limits } = this.#init
    const signer = this.requireSigner()
    const serializer = this.#serializer(type, options.serializer)
    const serialized = encode(serializer)
    if (serialized.length > limits.maxPayloadBytes) throw new SizeLimitError('payload', limits.maxPayloadBytes, serialized.length)
    // A batch's items were checked one by one against the type's cap (sealBatch).
    if (!batch) checkTypeCap(type, serialized.length)
    const channelBytes = this.channelBytes(options.channel)
    const { compressor, bytes } = this.compress(serialized, options, batch)
    return { signer, typeId: type.id, serializerId: serializer.id, channel: options.channel, channelBytes, uncompressedLength: serialized.length, compressor, bytes }
  }

  /** Signs the header of a packed payload and lays out the envelope around `s.inline`. */
  private sign (p: Packed, s: Signed): Uint8Array {
    return encodeEnvelope({
      signer: p.signer,
      prefix: this.#init.prefix,
      header: {
        version: ENVELOPE_VERSION,
        kind: s.kind,
        type: p.typeId,
        serializer: p.serializerId,
        compression: p.compressor.id,
        channel: p.channel,
        channelBytes: p.channelBytes,
        seq: s.seq,
        timestamp: this.#init.now(),
        uncompressedLength: p.uncompressedLength,
        payloadLength: p.bytes.length,
        digest: s.digest,
        count: s.count,
        itemsRoot: s.itemsRoot ?? EMPTY,
        publicKey: p.signer.publicKey,
        chunkBytes: s.chunkBytes ?? 0
      },
      payload: s.inline ?? EMPTY
    })
  }
}

/** Seal side of {@link MessageType.maxPayloadBytes}. */
function checkTypeCap (type: MessageType<unknown>, length: number): void {
  if (type.maxPayloadBytes !== undefined && length > type.maxPayloadBytes) throw new SizeLimitError('payload', type.maxPayloadBytes, length)
}
