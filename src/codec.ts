/**
 * The seal/open pipeline: values in, signed envelope bytes out, and back.
 *
 * seal: serialize -> compress (size-aware policy) -> SHA-256 of the carried
 * bytes (+ Merkle root over the items of a batch) -> header -> sign(domain ||
 * header) -> envelope.
 *
 * open, in this order (ARCHITECTURE "Principles"; RFC 4303 3.4.3 for replay):
 * bounded parse -> channel / type / negotiated serializer and compression /
 * declared-size caps (channel, message type) -> cheap replay pre-check ->
 * signature -> payload digest -> replay commit -> decompress, capped by the
 * signed declared length -> deserialize (every decoder bounded in CPU and
 * memory by its input: see the serialize module's "Limits"). An
 * unauthenticated peer never makes us decompress, parse or allocate in
 * proportion to what it claims, and an authenticated one never makes us run
 * a decompressor or decoder the channel did not accept.
 *
 * Rejections of bytes are values (`{ ok: false, reason }`), never exceptions;
 * invalid options (the caller's) throw {@link InvalidConfigError}.
 *
 * @module
 */
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { MalformedInputError, SizeLimitError, UnknownCodecError, WiresealError, InvalidConfigError, WireFormatError, type WireRule } from './errors.js'
import { DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN, type WireLimits } from './limits.js'
import type { MessageType, Serializer } from './serialize/types.js'
import { SerializerId } from './serialize/types.js'
import { defaultSerializerRegistry } from './serialize/registry.js'
import type { CompressionName, Compressor } from './compress/types.js'
import { createCompressionPolicy, type CompressionPolicy } from './compress/policy.js'
import { defaultCompressors, type CompressorSet } from './compress/registry.js'
import { sha256Equals, sha256Into } from './integrity/sha256.js'
import { buildMerkleTree, decodeProof, encodeProof, hashLeaf, verifyInclusion, type MerkleTree } from './integrity/merkle.js'
import { createReplayGuard, type ReplayGuard } from './replay/guard.js'
import { createSequencer, type Sequencer } from './replay/sequencer.js'
import { createSigner, SenderKeyCache, type EnvelopeSigner, type SenderKey } from './envelope/keys.js'
import { ENVELOPE_VERSION, EnvelopeKind, encodeChannel, type EnvelopeHeader, type EnvelopeKindId } from './envelope/header.js'
import { SigningBuffer, domainPrefix, encodeEnvelope, parseEnvelope, verifyEnvelopeSignature, type ParsedEnvelope } from './envelope/envelope.js'
import { joinBatchItems, splitBatchItems } from './envelope/batch.js'
import { encodeChunkFrame, parseChunkFrame } from './envelope/chunk-frame.js'
import { ChunkAssembler, splitIntoChunks, type ChunkRejection } from './integrity/chunked.js'

/** Why {@link Codec.open} refused an envelope. */
export type RejectReason =
  | 'invalid-signature'
  | 'replayed'
  | 'too-old'
  | 'out-of-window'
  | 'wrong-channel'
  | 'wrong-type'
  | 'digest-mismatch'
  | 'too-large'
  | 'malformed'
  | 'unknown-codec'
  | 'clock-skew'

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

/** Why a chunk frame was refused: the chunk assembler's reasons, or an unparseable frame. */
export type ChunkFrameRejection = ChunkRejection | 'malformed'

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

/** Finds the serializer for a (message type id, serializer id) pair. */
export interface SerializerLookup {
  /** Throws {@link UnknownCodecError} when the pair is not registered. `serializer` is a wire id or a format name. */
  get(typeId: number, serializer: number | string): Serializer
}

/** Options of {@link createCodec}. */
export interface CodecInit {
  /** Key that signs sealed envelopes; without it the codec can only open. */
  privateKey?: PrivateKey
  /**
   * Serializers by (message type, format); register your own types in a
   * registry from `createSerializerRegistry()`.
   * @default defaultSerializerRegistry (protobuf, msgpack, flatbuffers, json, msgpack-structured for Block and PeerInfo)
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

/** Options of {@link Codec.seal} and {@link Codec.sealBatch}. */
export interface SealOptions {
  /** Gossip topic or protocol id the message is for. */
  channel: string
  /**
   * Serializer wire id or name (`protobuf`, `msgpack`, `flatbuffers`, `json`, ...).
   * @default SerializerId.protobuf
   */
  serializer?: number | string
  /**
   * `auto` lets the policy choose; a name forces that codec (still `none` under the policy's savings threshold is NOT applied when forced).
   * @default 'auto'
   */
  compression?: 'auto' | CompressionName
  /** Compression ids the receiving peer accepts (policy falls back, e.g. zstd -> gzip). */
  peerAccepts?: ReadonlySet<number>
}

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
 * (missing, `channel` not a string, a set that is not an array of integers, a
 * cap that is not a positive integer) is a programming error and throws
 * {@link InvalidConfigError}, whatever the bytes. Bad bytes never throw.
 */
export interface OpenOptions {
  /** The channel the bytes arrived on; an envelope signed for another one is `wrong-channel`. */
  channel: string
  /** Message type ids accepted here; others are `wrong-type`. @default any type the serializer lookup knows */
  types?: ReadonlyArray<number>
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

/** A configured pipeline. */
export interface Codec {
  /** The signer's id, when the codec has a key. */
  readonly id: string | undefined
  /** The budget in force. */
  readonly limits: WireLimits
  /** Seals one value. Throws {@link errors!InvalidValueError} for a value that does not fit its type, {@link SizeLimitError} when too large. */
  seal<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array
  /** Seals up to `limits.maxBatchItems` values of one type under ONE signature over their Merkle root. */
  sealBatch<T>(type: MessageType<T>, values: readonly T[], options: SealOptions): Uint8Array
  /**
   * Serializes one value exactly as {@link sealBatch} serializes a batch item
   * (same checks: `InvalidValueError`, the type's cap and the budget as
   * {@link SizeLimitError}), without signing or consuming a seq: for sizing
   * and checking a value before it joins a batch (e.g. batched gossip).
   */
  encode<T>(type: MessageType<T>, value: T, serializer?: number | string): Uint8Array
  /**
   * Seals one large value as a head envelope followed by chunk frames of
   * `limits.chunkBytes`, each provable against the Merkle root the head signs,
   * so a receiver verifies every chunk as it arrives. Returns `[head, ...chunks]`.
   */
  sealChunked<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array[]
  /**
   * Verifies a chunked head envelope (signature, replay) and returns a receiver
   * for its chunk frames, or the rejection.
   */
  openChunked<T = unknown>(head: Uint8Array, options: OpenOptions): ChunkedReceiver<T> | OpenRejected
  /**
   * Verifies and decodes an envelope (single, batch or forwarded item). Never
   * throws for bad input: anything that is not a valid envelope (including
   * `null` or a non-`Uint8Array`) is a rejection, `malformed` at worst. Throws
   * {@link InvalidConfigError} only for invalid `options` (see {@link OpenOptions}).
   */
  open<T = unknown>(bytes: Uint8Array, options: OpenOptions): OpenResult<T>
  /**
   * Checks an envelope's authenticity WITHOUT replay checks, state changes,
   * decompression or decoding: bounded parse, channel/type/codec, signature,
   * and the payload digest (or, for a forwarded batch item, its inclusion proof).
   */
  verify(bytes: Uint8Array, options: OpenOptions): OpenRejected | { ok: true, header: EnvelopeHeader, from: string }
}

const MAX_UINT32 = 0xffff_ffff

function reject (reason: RejectReason, detail: string, rule?: WireRule): OpenRejected {
  return rule === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, rule }
}

function rejectFromError (err: unknown): OpenRejected {
  if (err instanceof SizeLimitError) return reject('too-large', err.message)
  if (err instanceof UnknownCodecError) return reject('unknown-codec', err.message)
  if (err instanceof WireFormatError) return reject('malformed', err.message, err.details.rule)
  if (err instanceof WiresealError) return reject('malformed', err.message)
  throw err
}

function checkIdSet (option: string, ids: unknown): void {
  if (ids === undefined) return
  if (!Array.isArray(ids)) throw new InvalidConfigError(option, `an array of integer ids, got ${ids === null ? 'null' : typeof ids}`)
  for (let i = 0; i < ids.length; i++) {
    if (!Number.isSafeInteger(ids[i])) throw new InvalidConfigError(`${option}[${i}]`, `an integer id, got ${String(ids[i])}`)
  }
}

/**
 * Validates the caller's {@link OpenOptions} (a programming error is an
 * {@link InvalidConfigError}, never a rejection of the peer's bytes).
 */
function checkOpenOptions (options: OpenOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidConfigError('options', 'an OpenOptions object with a channel')
  if (typeof options.channel !== 'string') throw new InvalidConfigError('options.channel', `a string, got ${options.channel === null ? 'null' : typeof options.channel}`)
  checkIdSet('options.types', options.types)
  checkIdSet('options.serializers', options.serializers)
  checkIdSet('options.compressions', options.compressions)
  const cap = options.maxPayloadBytes
  if (cap !== undefined && (!Number.isSafeInteger(cap) || cap < 1)) throw new InvalidConfigError('options.maxPayloadBytes', `a positive integer, got ${String(cap)}`)
  const now = options.now
  if (now !== undefined && !Number.isFinite(now)) throw new InvalidConfigError('options.now', `a finite number of ms, got ${String(now)}`)
}

/** Largest length prefix of one batch item (`uvarint` of a length below 2^35; see envelope/batch.ts). */
const MAX_ITEM_PREFIX_BYTES = 5

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
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

/** Header checks shared by open() and verify(), before any signature work. */
interface Prechecked {
  env: ParsedEnvelope
  sender: SenderKey
  serializer: Serializer
  /** Largest accepted batch item (the message type's cap), or undefined for none below the budget. */
  itemCap: number | undefined
}

class PipelineCodec implements Codec {
  readonly limits: WireLimits
  readonly id: string | undefined
  private readonly signer: EnvelopeSigner | undefined
  private readonly serializers: SerializerLookup
  private readonly policy: CompressionPolicy
  private readonly compressors: CompressorSet
  private readonly replay: ReplayGuard | undefined
  private readonly sequencer: Sequencer
  private readonly prefix: SigningBuffer
  /** Digest of the payload being sealed (copied into the header, so one buffer serves every seal). */
  private readonly digest = new Uint8Array(32)
  private readonly keys: SenderKeyCache
  private readonly now: () => number
  private readonly channelCache = new Map<string, Uint8Array>()

  constructor (init: CodecInit) {
    this.limits = init.limits ?? DEFAULT_LIMITS
    this.signer = init.privateKey === undefined ? undefined : createSigner(init.privateKey)
    this.id = this.signer?.id
    this.serializers = init.serializers ?? defaultSerializerRegistry
    this.policy = init.compression ?? createCompressionPolicy()
    this.compressors = init.compressors ?? defaultCompressors
    this.now = init.now ?? Date.now
    this.replay = init.replay === false ? undefined : (init.replay ?? createReplayGuard({ now: this.now }))
    this.sequencer = init.sequencer ?? createSequencer({ now: this.now })
    this.prefix = new SigningBuffer(domainPrefix(init.domain ?? DEFAULT_SIGNATURE_DOMAIN))
    this.keys = init.keyCache ?? new SenderKeyCache()
  }

  private channelBytes (channel: string): Uint8Array {
    let bytes = this.channelCache.get(channel)
    if (bytes === undefined) {
      bytes = encodeChannel(channel)
      if (bytes.length > this.limits.maxChannelBytes) throw new SizeLimitError('channel', this.limits.maxChannelBytes, bytes.length)
      if (this.channelCache.size > 1024) this.channelCache.clear()
      this.channelCache.set(channel, bytes)
    }
    return bytes
  }

  private requireSigner (): EnvelopeSigner {
    if (this.signer === undefined) throw new InvalidConfigError('privateKey', 'a private key to seal envelopes')
    return this.signer
  }

  private compress (payload: Uint8Array, options: SealOptions, batch: boolean): { compressor: Compressor, bytes: Uint8Array } {
    const mode = options.compression ?? 'auto'
    if (mode === 'auto') return this.policy.compress(payload, batch || options.peerAccepts !== undefined ? { batch, peerAccepts: options.peerAccepts } : undefined)
    const compressor = this.compressors.get(mode)
    return { compressor, bytes: compressor.compress(payload) }
  }

  /** What every seal shares: serialize, bound, compress. */
  private pack<T>(type: MessageType<T>, options: SealOptions, batch: boolean, encode: (serializer: Serializer<T>) => Uint8Array): Packed {
    const signer = this.requireSigner()
    const serializer = this.serializers.get(type.id, options.serializer ?? SerializerId.protobuf) as Serializer<T>
    const serialized = encode(serializer)
    if (serialized.length > this.limits.maxPayloadBytes) throw new SizeLimitError('payload', this.limits.maxPayloadBytes, serialized.length)
    // A batch's items were checked one by one against the type's cap (sealBatch).
    if (!batch) checkTypeCap(type, serialized.length)
    const channelBytes = this.channelBytes(options.channel)
    const { compressor, bytes } = this.compress(serialized, options, batch)
    return { signer, typeId: type.id, serializerId: serializer.id, channel: options.channel, channelBytes, uncompressedLength: serialized.length, compressor, bytes }
  }

  /** Signs the header of a packed payload and lays out the envelope around `inline`. */
  private sign (p: Packed, kind: EnvelopeKindId, seq: number, digest: Uint8Array, count: number, itemsRoot: Uint8Array, inline: Uint8Array, chunkBytes = 0): Uint8Array {
    return encodeEnvelope(p.signer, this.prefix, {
      version: ENVELOPE_VERSION,
      kind,
      type: p.typeId,
      serializer: p.serializerId,
      compression: p.compressor.id,
      channel: p.channel,
      channelBytes: p.channelBytes,
      seq,
      timestamp: this.now(),
      uncompressedLength: p.uncompressedLength,
      payloadLength: p.bytes.length,
      digest,
      count,
      itemsRoot,
      publicKey: p.signer.publicKey,
      chunkBytes
    }, inline)
  }

  seal<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array {
    const p = this.pack(type, options, false, (s) => s.encode(value))
    sha256Into(p.bytes, this.digest)
    return this.sign(p, EnvelopeKind.single, this.sequencer.next(options.channel), this.digest, 1, EMPTY, p.bytes)
  }

  sealBatch<T>(type: MessageType<T>, values: readonly T[], options: SealOptions): Uint8Array {
    if (values.length === 0) throw new InvalidConfigError('values', 'at least one value')
    if (values.length > this.limits.maxBatchItems) throw new SizeLimitError('batch-items', this.limits.maxBatchItems, values.length)
    let items: Uint8Array[] = []
    const p = this.pack(type, options, true, (s) => {
      items = values.map((v) => s.encode(v))
      for (const item of items) checkTypeCap(type, item.length)
      return joinBatchItems(items)
    })
    // a batch consumes one seq per item: seq .. seq + n - 1
    const seq = this.sequencer.next(options.channel)
    for (let i = 1; i < values.length; i++) this.sequencer.next(options.channel)
    sha256Into(p.bytes, this.digest)
    return this.sign(p, EnvelopeKind.batch, seq, this.digest, values.length, buildMerkleTree(items).root, p.bytes)
  }

  encode<T>(type: MessageType<T>, value: T, serializer: number | string = SerializerId.protobuf): Uint8Array {
    const bytes = (this.serializers.get(type.id, serializer) as Serializer<T>).encode(value)
    if (bytes.length > this.limits.maxPayloadBytes) throw new SizeLimitError('payload', this.limits.maxPayloadBytes, bytes.length)
    checkTypeCap(type, bytes.length)
    return bytes
  }

  sealChunked<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array[] {
    const p = this.pack(type, options, false, (s) => s.encode(value))
    const chunked = splitIntoChunks(p.bytes, this.limits.chunkBytes, this.limits)
    // the chunk size travels in the signed head (SPEC.md 9.1): the receiver needs no out-of-band agreement
    const head = this.sign(p, EnvelopeKind.chunked, this.sequencer.next(options.channel), chunked.root, chunked.chunkCount, EMPTY, EMPTY, chunked.chunkBytes)
    return [head, ...chunked.chunks.map((c) => encodeChunkFrame(c.index, encodeProof(c.proof), c.bytes))]
  }

  openChunked<T = unknown>(head: Uint8Array, options: OpenOptions): ChunkedReceiver<T> | OpenRejected {
    checkOpenOptions(options)
    const nowMs = options.now ?? this.now()
    const pre = this.precheck(head, options, nowMs)
    if ('ok' in pre) return pre
    const { env, sender } = pre
    const h = env.header
    if (h.kind !== EnvelopeKind.chunked) return reject('malformed', 'not a chunked head envelope')
    let assembler: ChunkAssembler
    try {
      assembler = new ChunkAssembler({ root: h.digest, totalLength: h.payloadLength, chunkBytes: h.chunkBytes }, this.limits)
    } catch (err) {
      return rejectFromError(err)
    }
    const verdict = this.commit(sender.id, h, h.seq, nowMs)
    if (verdict !== undefined) return verdict
    const serializer = pre.serializer as Serializer<T>
    const limits = this.limits
    const finish = (): OpenResult<T> => {
      if (!assembler.complete) return reject('malformed', `${assembler.chunkCount - assembler.receivedCount} chunks missing`)
      try {
        const value = serializer.decode(this.decompress(assembler.bytes() ?? EMPTY, h))
        return this.accepted('single', sender, h, value, [{ value, seq: h.seq, index: 0 }])
      } catch (err) {
        return rejectFromError(err)
      }
    }
    return {
      ok: true,
      chunkCount: assembler.chunkCount,
      get complete () { return assembler.complete },
      accept (frame: Uint8Array) {
        let parsed
        let proof
        if (!(frame instanceof Uint8Array)) return { ok: false, reason: 'malformed' } as const
        try {
          parsed = parseChunkFrame(frame, limits)
          proof = decodeProof(parsed.proof, limits.maxProofDepth)
        } catch (err) {
          return err instanceof WireFormatError ? { ok: false, reason: 'malformed', rule: err.details.rule } as const : { ok: false, reason: 'malformed' } as const
        }
        return assembler.accept(parsed.index, parsed.data, proof)
      },
      finish
    }
  }

  /** Everything up to and including the signature check; state is untouched. */
  private precheck (bytes: Uint8Array, options: OpenOptions, nowMs: number, checkReplay = true): Prechecked | OpenRejected {
    if (!(bytes instanceof Uint8Array)) return reject('malformed', `expected envelope bytes (Uint8Array), got ${bytes === null ? 'null' : typeof bytes}`)
    let env: ParsedEnvelope
    try {
      env = parseEnvelope(bytes, this.limits)
    } catch (err) {
      return rejectFromError(err)
    }
    const h = env.header
    if (h.channel !== options.channel) return reject('wrong-channel', `signed for "${h.channel}", received on "${options.channel}"`)
    if (options.types !== undefined && !options.types.includes(h.type)) return reject('wrong-type', `message type ${h.type} is not accepted here`)
    // What this channel negotiated or is configured for, before any lookup, signature or decompressor.
    if (options.serializers !== undefined && !options.serializers.includes(h.serializer)) return reject('unknown-codec', `serializer ${h.serializer} is not accepted here`)
    if (options.compressions !== undefined && !options.compressions.includes(h.compression)) return reject('unknown-codec', `compression ${h.compression} is not accepted here`)
    let serializer: Serializer
    try {
      serializer = this.serializers.get(h.type, h.serializer)
      this.compressors.get(h.compression)
    } catch (err) {
      return rejectFromError(err)
    }
    const itemCap = serializer.type.maxPayloadBytes
    const tooLarge = this.checkDeclaredSize(env, options.maxPayloadBytes, itemCap)
    if (tooLarge !== undefined) return tooLarge
    if (h.compression === 0 && env.index === undefined && h.uncompressedLength !== h.payloadLength) return reject('malformed', 'uncompressed payload with a different declared length', 'payload-length')
    if (h.seq + h.count - 1 > Number.MAX_SAFE_INTEGER) return reject('malformed', 'seq range overflows')
    let sender: SenderKey
    try {
      sender = this.keys.get(h.publicKey)
    } catch (err) {
      return rejectFromError(err)
    }
    if (checkReplay && this.replay !== undefined) {
      const first = env.index === undefined ? h.seq : h.seq + env.index
      const verdict = this.replay.precheck(sender.id, h.channel, first, h.timestamp, nowMs)
      if (!verdict.ok && !(h.kind === EnvelopeKind.batch && env.index === undefined && verdict.reason === 'replayed')) {
        return reject(verdict.reason, `seq ${first} from ${sender.id}`)
      }
    }
    if (!verifyEnvelopeSignature(env, this.prefix, sender.verify)) return reject('invalid-signature', `from ${sender.id}`)
    return { env, sender, serializer, itemCap }
  }

  /**
   * The size caps, on what the signed header declares (or, for a forwarded
   * item, on the item itself): nothing has been decompressed yet.
   * `channelCap` bounds the bytes this envelope makes us decompress and
   * decode; `typeCap` bounds each message (a batch may declare at most
   * `count` items of `typeCap` bytes plus their length prefixes).
   */
  private checkDeclaredSize (env: ParsedEnvelope, channelCap: number | undefined, typeCap: number | undefined): OpenRejected | undefined {
    const h = env.header
    const item = env.index !== undefined
    const size = item ? env.payload.length : h.uncompressedLength
    if (channelCap !== undefined && size > channelCap) return reject('too-large', `${item ? 'item' : 'payload'} of ${size} bytes over this channel's cap of ${channelCap}`)
    if (typeCap === undefined) return undefined
    const typeLimit = h.kind === EnvelopeKind.batch && !item ? h.count * (typeCap + MAX_ITEM_PREFIX_BYTES) : typeCap
    if (size > typeLimit) return reject('too-large', `${h.kind === EnvelopeKind.batch && !item ? `batch of ${h.count}` : 'message'} of ${size} bytes over the type's cap of ${typeLimit}`)
    return undefined
  }

  verify (bytes: Uint8Array, options: OpenOptions): OpenRejected | { ok: true, header: EnvelopeHeader, from: string } {
    checkOpenOptions(options)
    const pre = this.precheck(bytes, options, options.now ?? this.now(), false)
    if ('ok' in pre) return pre
    const { env, sender } = pre
    if (env.index !== undefined) {
      const bad = this.checkItemProof(env)
      if (bad !== undefined) return bad
    } else if (env.header.kind !== EnvelopeKind.chunked && !sha256Equals(env.payload, env.header.digest)) {
      return reject('digest-mismatch', 'payload digest differs from the signed one')
    }
    return { ok: true, header: env.header, from: sender.id }
  }

  open<T = unknown>(bytes: Uint8Array, options: OpenOptions): OpenResult<T> {
    checkOpenOptions(options)
    const nowMs = options.now ?? this.now()
    const pre = this.precheck(bytes, options, nowMs)
    if ('ok' in pre) return pre
    const { env, sender } = pre
    const h = env.header
    const serializer = pre.serializer as Serializer<T>

    if (h.kind === EnvelopeKind.chunked) return reject('malformed', 'a chunked head envelope: use openChunked()')
    if (env.index !== undefined && env.proof !== undefined) return this.openItem(env, sender, serializer, nowMs)

    if (!sha256Equals(env.payload, h.digest)) return reject('digest-mismatch', 'payload digest differs from the signed one')

    if (h.kind === EnvelopeKind.single) {
      const verdict = this.commit(sender.id, h, h.seq, nowMs)
      if (verdict !== undefined) return verdict
      try {
        const payload = this.decompress(env.payload, h)
        const value = serializer.decode(payload)
        return this.accepted('single', sender, h, value, [{ value, seq: h.seq, index: 0 }])
      } catch (err) {
        return rejectFromError(err)
      }
    }
    return this.openBatch(env, sender, serializer, pre.itemCap, nowMs)
  }

  private openBatch<T>(env: ParsedEnvelope, sender: SenderKey, serializer: Serializer<T>, itemCap: number | undefined, nowMs: number): OpenResult<T> {
    const h = env.header
    let items: Uint8Array[]
    let tree: MerkleTree
    try {
      items = splitBatchItems(this.decompress(env.payload, h), h.count)
      if (itemCap !== undefined) for (const item of items) checkCap(itemCap, item.length)
      tree = buildMerkleTree(items)
    } catch (err) {
      return rejectFromError(err)
    }
    // The signer vouched for both digests; a batch whose items do not match its root is refused whole.
    if (!equalBytes(tree.root, h.itemsRoot)) return reject('digest-mismatch', 'items root differs from the signed one')
    // Decode every fresh item first, then commit them all: a batch is accepted
    // or refused whole, never half-committed and half-delivered.
    const messages: Array<OpenedMessage<T>> = []
    let failure: OpenRejected | undefined
    for (let i = 0; i < items.length; i++) {
      const seq = h.seq + i
      if (this.replay !== undefined && !this.replay.precheck(sender.id, h.channel, seq, h.timestamp, nowMs).ok) continue
      try {
        messages.push({ value: serializer.decode(items[i] as Uint8Array), seq, index: i })
      } catch (err) {
        failure = rejectFromError(err)
        break
      }
    }
    if (this.replay !== undefined) {
      // An authenticated batch consumes its seqs even when an item does not decode (as a single envelope does).
      for (let i = 0; i < items.length; i++) this.replay.commit(sender.id, h.channel, h.seq + i, h.timestamp, nowMs)
    }
    if (failure !== undefined) return failure
    if (messages.length === 0) return reject('replayed', `every item of batch seq ${h.seq}..${h.seq + h.count - 1}`)
    const signed = { headerBytes: env.headerBytes, signature: env.signature }
    const itemEnvelope = (index: number): Uint8Array => {
      const item = items[index]
      if (item === undefined) throw new InvalidConfigError('index', `0..${items.length - 1}`)
      return encodeEnvelope(undefined, this.prefix, undefined, item, { index, proof: encodeProof(tree.proof(index)) }, signed)
    }
    return this.accepted('batch', sender, h, (messages[0] as OpenedMessage<T>).value, messages, itemEnvelope)
  }

  private openItem<T>(env: ParsedEnvelope, sender: SenderKey, serializer: Serializer<T>, nowMs: number): OpenResult<T> {
    const h = env.header
    const index = env.index as number
    const bad = this.checkItemProof(env)
    if (bad !== undefined) return bad
    const seq = h.seq + index
    const verdict = this.commit(sender.id, h, seq, nowMs)
    if (verdict !== undefined) return verdict
    try {
      const value = serializer.decode(env.payload)
      return this.accepted('item', sender, h, value, [{ value, seq, index }])
    } catch (err) {
      return rejectFromError(err)
    }
  }

  /** A forwarded item must be a leaf of the signed items root (RFC 9162 2.1.3.2). */
  private checkItemProof (env: ParsedEnvelope): OpenRejected | undefined {
    const h = env.header
    let proof: Uint8Array[]
    try {
      proof = decodeProof(env.proof as Uint8Array, this.limits.maxProofDepth)
    } catch (err) {
      return rejectFromError(err)
    }
    if (env.payload.length > h.uncompressedLength) return reject('malformed', 'item larger than its batch')
    if (!verifyInclusion(hashLeaf(env.payload), env.index as number, h.count, proof, h.itemsRoot, this.limits.maxProofDepth)) {
      return reject('digest-mismatch', `item ${String(env.index)} is not in the signed batch`)
    }
    return undefined
  }

  private commit (from: string, h: EnvelopeHeader, seq: number, nowMs: number): OpenRejected | undefined {
    if (this.replay === undefined) return undefined
    const verdict = this.replay.commit(from, h.channel, seq, h.timestamp, nowMs)
    return verdict.ok ? undefined : reject(verdict.reason, `seq ${seq} from ${from}`)
  }

  private decompress (payload: Uint8Array, h: EnvelopeHeader): Uint8Array {
    const out = this.compressors.get(h.compression).decompress(payload, h.uncompressedLength)
    if (out.length !== h.uncompressedLength) throw new MalformedInputError('envelope', `payload decompressed to ${out.length} bytes, header says ${h.uncompressedLength}`)
    return out
  }

  private accepted<T>(kind: OpenAccepted['kind'], sender: SenderKey, h: EnvelopeHeader, value: T, messages: Array<OpenedMessage<T>>, itemEnvelope?: (index: number) => Uint8Array): OpenAccepted<T> {
    const result: OpenAccepted<T> = {
      ok: true,
      kind,
      from: sender.id,
      peerId: sender.peerId,
      channel: h.channel,
      type: h.type,
      serializer: h.serializer,
      compression: h.compression,
      timestamp: h.timestamp,
      seq: (messages[0] as OpenedMessage<T>).seq,
      value,
      messages,
      ...(itemEnvelope === undefined ? {} : { itemEnvelope })
    }
    return result
  }
}

const EMPTY = new Uint8Array(0)
void MAX_UINT32

function checkCap (cap: number, length: number): void {
  if (length > cap) throw new SizeLimitError('payload', cap, length)
}

/** Seal side of {@link MessageType.maxPayloadBytes}. */
function checkTypeCap (type: MessageType<unknown>, length: number): void {
  if (type.maxPayloadBytes !== undefined) checkCap(type.maxPayloadBytes, length)
}

/** Creates a seal/open pipeline. */
export function createCodec (init: CodecInit = {}): Codec {
  return new PipelineCodec(init)
}
