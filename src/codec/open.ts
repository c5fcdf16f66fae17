/**
 * The open path, in this order (SPEC.md 12.1; RFC 4303 3.4.3 for replay):
 * bounded parse -> channel / type / negotiated serializer and compression /
 * declared-size caps (channel, message type) -> cheap replay pre-check ->
 * signature -> payload digest -> replay commit -> decompress, capped by the
 * signed declared length -> deserialize (every decoder bounded in CPU and
 * memory by its input: see the serialize module's "Limits"). An
 * unauthenticated peer never makes us decompress, parse or allocate in
 * proportion to what it claims, and an authenticated one never makes us run
 * a decompressor or decoder the channel did not accept.
 *
 * @module
 */
import { InvalidConfigError, MalformedInputError, SizeLimitError } from '../errors.js'
import type { WireLimits } from '../limits.js'
import type { Serializer } from '../serialize/types.js'
import type { CompressorSet } from '../compress/registry.js'
import { bytesEqual } from '../bytes.js'
import { sha256Equals } from '../integrity/sha256.js'
import { buildMerkleTree, decodeProof, encodeProof, hashLeaf, verifyInclusion, type MerkleTree } from '../integrity/merkle.js'
import type { ReplayGuard } from '../replay/guard.js'
import type { SenderKey, SenderKeyCache } from '../envelope/keys.js'
import { EnvelopeKind, type EnvelopeHeader } from '../envelope/header.js'
import { encodeSignedEnvelope, parseEnvelope, verifyEnvelopeSignature, type ParsedEnvelope, type SigningBuffer } from '../envelope/envelope.js'
import { splitBatchItems } from '../envelope/batch.js'
import type { AcceptedType, OpenOptions, SerializerLookup } from './options.js'
import { REPLAY_REJECT_REASON, reject, rejectFromError } from './reasons.js'
import type { OpenAccepted, OpenedMessage, OpenRejected, OpenResult, VerifyResult } from './types.js'

/** What an {@link Opener} is built from (resolved by `createCodec`). */
export interface OpenerInit {
  limits: WireLimits
  serializers: SerializerLookup
  compressors: CompressorSet
  /** Receiver replay state; undefined: no replay, age or skew checks. */
  replay: ReplayGuard | undefined
  keys: SenderKeyCache
  /** `domainPrefix(domain)`, the start of every signed message. */
  prefix: SigningBuffer
}

/** When and against what a precheck runs. */
export interface PrecheckAt {
  /** The receiver's clock, ms since the epoch. */
  now: number
  /** The replay state to pre-check the seq against; none for a stateless verification. */
  guard: ReplayGuard | undefined
}

/** Header checks shared by open(), verify() and openChunked(), up to and including the signature. */
export interface Prechecked {
  env: ParsedEnvelope
  sender: SenderKey
  serializer: Serializer
  /** Largest accepted batch item (the message type's cap), or undefined for none below the budget. */
  itemCap: number | undefined
}

/** Largest length prefix of one batch item (`uvarint` of a length below 2^35; see envelope/batch.ts). */
const MAX_ITEM_PREFIX_BYTES = 5

const EMPTY = new Uint8Array(0)

/** True when `types` (message types or their ids) holds the type of id `id`. */
function acceptsType (types: ReadonlyArray<AcceptedType>, id: number): boolean {
  for (const t of types) if ((typeof t === 'number' ? t : t.id) === id) return true
  return false
}

function checkCap (cap: number, length: number): void {
  if (length > cap) throw new SizeLimitError('payload', cap, length)
}

/** Verifies and decodes envelopes. Options are validated by the caller (`createCodec`'s codec). */
export class Opener {
  readonly #init: OpenerInit

  constructor (init: OpenerInit) {
    this.#init = init
  }

  /** The receiver's replay state, if any. */
  get replay (): ReplayGuard | undefined {
    return this.#init.replay
  }

  /** The budget in force. */
  get limits (): WireLimits {
    return this.#init.limits
  }

  /** Everything up to and including the signature check; state is untouched. */
  precheck (bytes: Uint8Array, options: OpenOptions, at: PrecheckAt): Prechecked | OpenRejected {
    const { limits, serializers, compressors, keys, prefix } = this.#init
    if (!(bytes instanceof Uint8Array)) return reject('malformed', `expected envelope bytes (Uint8Array), got ${bytes === null ? 'null' : typeof bytes}`)
    let env: ParsedEnvelope
    try {
      env = parseEnvelope(bytes, limits)
    } catch (err) {
      return rejectFromError(err)
    }
    const h = env.header
    if (h.channel !== options.channel) return reject('wrong-channel', `signed for "${h.channel}", received on "${options.channel}"`)
    if (options.types !== undefined && !acceptsType(options.types, h.type)) return reject('wrong-type', `message type ${h.type} is not accepted here`)
    // What this channel negotiated or is configured for, before any lookup, signature or decompressor.
    if (options.serializers !== undefined && !options.serializers.includes(h.serializer)) return reject('unknown-codec', `serializer ${h.serializer} is not accepted here`)
    if (options.compressions !== undefined && !options.compressions.includes(h.compression)) return reject('unknown-codec', `compression ${h.compression} is not accepted here`)
    let serializer: Serializer
    try {
      serializer = serializers.get(h.type, h.serializer)
      compressors.get(h.compression)
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
      sender = keys.get(h.publicKey)
    } catch (err) {
      return rejectFromError(err)
    }
    if (at.guard !== undefined) {
      const first = env.index === undefined ? h.seq : h.seq + env.index
      const verdict = at.guard.precheck(sender.id, h.channel, first, h.timestamp, at.now)
      // a batch whose first seq was seen may still hold fresh items: decided item by item (openBatch)
      if (!verdict.ok && !(h.kind === EnvelopeKind.batch && env.index === undefined && verdict.reason === 'replayed')) {
        return reject(REPLAY_REJECT_REASON[verdict.reason], `seq ${first} from ${sender.id}`)
      }
    }
    if (!verifyEnvelopeSignature(env, prefix, sender.verify)) return reject('invalid-signature', `from ${sender.id}`)
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

  verify (bytes: Uint8Array, options: OpenOptions, now: number): VerifyResult {
    const pre = this.precheck(bytes, options, { now, guard: undefined })
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

  open<T>(bytes: Uint8Array, options: OpenOptions, now: number): OpenResult<T> {
    const pre = this.precheck(bytes, options, { now, guard: this.#init.replay })
    if ('ok' in pre) return pre
    const { env, sender } = pre
    const h = env.header
    const serializer = pre.serializer as Serializer<T>

    if (h.kind === EnvelopeKind.chunked) return reject('malformed', 'a chunked head envelope: use openChunked()')
    if (env.index !== undefined && env.proof !== undefined) return this.openItem(env, sender, serializer, now)

    if (!sha256Equals(env.payload, h.digest)) return reject('digest-mismatch', 'payload digest differs from the signed one')

    if (h.kind === EnvelopeKind.single) {
      const verdict = this.commit(sender.id, h, h.seq, now)
      if (verdict !== undefined) return verdict
      try {
        const payload = this.decompress(env.payload, h)
        const value = serializer.decode(payload)
        return this.accepted('single', sender, h, [{ value, seq: h.seq, index: 0 }])
      } catch (err) {
        return rejectFromError(err)
      }
    }
    return this.openBatch<T>(pre, now)
  }

  private openBatch<T>({ env, sender, serializer: anySerializer, itemCap }: Prechecked, now: number): OpenResult<T> {
    const serializer = anySerializer as Serializer<T>
    const replay = this.#init.replay
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
    if (!bytesEqual(tree.root, h.itemsRoot)) return reject('digest-mismatch', 'items root differs from the signed one')
    // Decode every fresh item first, then commit them all: a batch is accepted
    // or refused whole, never half-committed and half-delivered.
    const messages: Array<OpenedMessage<T>> = []
    let failure: OpenRejected | undefined
    for (let i = 0; i < items.length; i++) {
      const seq = h.seq + i
      if (replay !== undefined && !replay.precheck(sender.id, h.channel, seq, h.timestamp, now).ok) continue
      try {
        messages.push({ value: serializer.decode(items[i] as Uint8Array), seq, index: i })
      } catch (err) {
        failure = rejectFromError(err)
        break
      }
    }
    if (replay !== undefined) {
      // An authenticated batch consumes its seqs even when an item does not decode (as a single envelope does).
      for (let i = 0; i < items.length; i++) replay.commit(sender.id, h.channel, h.seq + i, h.timestamp, now)
    }
    if (failure !== undefined) return failure
    if (messages.length === 0) return reject('replayed', `every item of batch seq ${h.seq}..${h.seq + h.count - 1}`)
    const itemEnvelope = (index: number): Uint8Array => {
      const item = items[index]
      if (item === undefined) throw new InvalidConfigError('index', `0..${items.length - 1}`)
      return encodeSignedEnvelope({ headerBytes: env.headerBytes, signature: env.signature, payload: item, item: { index, proof: encodeProof(tree.proof(index)) } })
    }
    return this.accepted('batch', sender, h, messages, itemEnvelope)
  }

  private openItem<T>(env: ParsedEnvelope, sender: SenderKey, serializer: Serializer<T>, now: number): OpenResult<T> {
    const h = env.header
    const index = env.index as number
    const bad = this.checkItemProof(env)
    if (bad !== undefined) return bad
    const seq = h.seq + index
    const verdict = this.commit(sender.id, h, seq, now)
    if (verdict !== undefined) return verdict
    try {
      const value = serializer.decode(env.payload)
      return this.accepted('item', sender, h, [{ value, seq, index }])
    } catch (err) {
      return rejectFromError(err)
    }
  }

  /** A forwarded item must be a leaf of the signed items root (RFC 9162 2.1.3.2). */
  private checkItemProof (env: ParsedEnvelope): OpenRejected | undefined {
    const maxProofDepth = this.#init.limits.maxProofDepth
    const h = env.header
    let proof: Uint8Array[]
    try {
      proof = decodeProof(env.proof ?? EMPTY, maxProofDepth)
    } catch (err) {
      return rejectFromError(err)
    }
    if (env.payload.length > h.uncompressedLength) return reject('malformed', 'item larger than its batch')
    if (!verifyInclusion(hashLeaf(env.payload), env.index as number, h.count, proof, h.itemsRoot, maxProofDepth)) {
      return reject('digest-mismatch', `item ${String(env.index)} is not in the signed batch`)
    }
    return undefined
  }

  /** Commits `seq` to the replay state (SPEC.md 13), or the reason it cannot be. */
  commit (from: string, h: EnvelopeHeader, seq: number, now: number): OpenRejected | undefined {
    const replay = this.#init.replay
    if (replay === undefined) return undefined
    const verdict = replay.commit(from, h.channel, seq, h.timestamp, now)
    return verdict.ok ? undefined : reject(REPLAY_REJECT_REASON[verdict.reason], `seq ${seq} from ${from}`)
  }

  /** Decompresses a payload, capped by (and checked against) the signed declared length (SPEC.md 11). */
  decompress (payload: Uint8Array, h: EnvelopeHeader): Uint8Array {
    const out = this.#init.compressors.get(h.compression).decompress(payload, h.uncompressedLength)
    if (out.length !== h.uncompressedLength) throw new MalformedInputError('envelope', `payload decompressed to ${out.length} bytes, header says ${h.uncompressedLength}`)
    return out
  }

  /** The accepted result; `messages` holds at least one message. */
  accepted<T>(kind: OpenAccepted['kind'], sender: SenderKey, h: EnvelopeHeader, messages: Array<OpenedMessage<T>>, itemEnvelope?: (index: number) => Uint8Array): OpenAccepted<T> {
    const first = messages[0] as OpenedMessage<T>
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
      seq: first.seq,
      value: first.value,
      messages,
      ...(itemEnvelope === undefined ? {} : { itemEnvelope })
    }
    return result
  }
}
