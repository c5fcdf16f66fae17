/**
 * A sender key cache whose verifiers remember the signatures they accepted,
 * for a receiver of many forwarded items of the same batches (issue 14; e.g.
 * a block sync response whose blocks are item envelopes, SPEC.md 8): every
 * item of a batch carries the same signed header, so its signature is
 * verified once, and each further item costs its inclusion proof only.
 * Pass it as a codec's `keyCache`.
 *
 * What it can never do (the invariants its tests attack):
 * - Let bytes through that were not verified: only a successful
 *   verification is remembered, keyed by the exact bytes it covered: the
 *   sender id, the signed message (domain prefix || header bytes) and the
 *   signature. Another header, another signature (even one that differs in a
 *   single bit) or another key is a miss, verified in full.
 * - Vouch for an item: the codec checks every forwarded item's inclusion
 *   proof against the signed items root after the signature, hit or miss, so
 *   a forged item or proof under a remembered header still fails.
 * - Grow: at most `maxSignatures` entries (least recently used evicted),
 *   each a few hundred bytes.
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'
import { DEFAULT_MAX_CACHED_KEYS } from '../limits.js'
import { SenderKeyCache, type SenderKey } from './keys.js'
import type { SignatureBackendChoice } from './sign-backends/index.js'

/** Default of {@link VerifiedSignatureCache}'s `maxSignatures`. */
export const DEFAULT_MAX_VERIFIED_SIGNATURES = 256

function latin1 (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
}

/** A {@link SenderKeyCache} that verifies each exact (key, signed bytes, signature) once. */
export class VerifiedSignatureCache extends SenderKeyCache {
  /** Verified (sender id, signature, signed bytes), as strings of those bytes; Map order = recency. */
  private readonly verified = new Map<string, true>()
  private readonly wrapped = new WeakMap<SenderKey, SenderKey>()
  private readonly maxSignatures: number
  private hitCount = 0

  /**
   * @param maxSignatures - verified signatures remembered; @default DEFAULT_MAX_VERIFIED_SIGNATURES (256)
   * @param maxKeys - sender keys kept imported; @default DEFAULT_MAX_CACHED_KEYS
   * @param backends - as {@link SenderKeyCache}
   */
  constructor (maxSignatures: number = DEFAULT_MAX_VERIFIED_SIGNATURES, maxKeys: number = DEFAULT_MAX_CACHED_KEYS, backends: SignatureBackendChoice = {}) {
    if (!Number.isSafeInteger(maxSignatures) || maxSignatures < 1) throw new InvalidConfigError('maxSignatures', `a positive integer, got ${String(maxSignatures)}`)
    super(maxKeys, backends)
    this.maxSignatures = maxSignatures
  }

  override get (publicKey: Uint8Array): SenderKey {
    const key = super.get(publicKey)
    let wrapped = this.wrapped.get(key)
    if (wrapped === undefined) {
      wrapped = Object.freeze({ ...key, verify: (data: Uint8Array, signature: Uint8Array) => this.verify(key, data, signature) })
      this.wrapped.set(key, wrapped)
    }
    return wrapped
  }

  private verify (key: SenderKey, data: Uint8Array, signature: Uint8Array): boolean {
    // the signature's length first: no concatenation of (signature, data) is another one's
    const id = `${key.id}\n${signature.length}\n${latin1(signature)}${latin1(data)}`
    if (this.verified.has(id)) {
      this.verified.delete(id)
      this.verified.set(id, true)
      this.hitCount++
      return true
    }
    if (!key.verify(data, signature)) return false
    if (this.verified.size >= this.maxSignatures) this.verified.delete(this.verified.keys().next().value as string)
    this.verified.set(id, true)
    return true
  }

  /** Signatures remembered now (at most `maxSignatures`). */
  get signatures (): number { return this.verified.size }

  /** Verifications answered from memory so far. */
  get hits (): number { return this.hitCount }
}
