/**
 * Shared inputs of the security-layer suites (pipeline, batch): a fixed
 * Ed25519 key as a libp2p key and as node:crypto KeyObjects, realistic Block
 * messages, the exact bytes an envelope signs, and an opener that feeds a
 * real replay guard envelopes it has not seen yet.
 *
 * @module
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { createCodec, type Codec, type OpenAccepted, type OpenOptions } from '../src/codec/index.js'
import { domainPrefix, parseEnvelope } from '../src/envelope/envelope.js'
import { SenderKeyCache } from '../src/envelope/keys.js'
import { InvalidConfigError } from '../src/errors.js'
import { DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN } from '../src/limits.js'
import type { Block } from '../src/serialize/index.js'
import { createPrng } from '../src/bench/prng.js'
import { blockFixture, randomBytes, transactionJson } from './fixtures.js'

/** Channel every benchmarked envelope is sealed for and opened on. */
export const BENCH_CHANNEL = '/wireseal/blocks/1'

/** The key pair of the benchmarks, in both forms. */
export interface BenchKeys {
  /** libp2p key (what wireseal and @libp2p/peer-record take). */
  readonly libp2p: PrivateKey
  /** The same private key imported once into node:crypto. */
  readonly privateKey: KeyObject
  /** Its public key imported once into node:crypto. */
  readonly publicKey: KeyObject
}

const base64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url')

/** A deterministic Ed25519 key (RFC 8032 seed from `seed`), with cached node:crypto KeyObjects (JWK import, RFC 8037). */
export async function benchKeys (seed = 7): Promise<BenchKeys> {
  const libp2p = await generateKeyPairFromSeed('Ed25519', randomBytes(createPrng(seed), 32))
  const x = base64url(libp2p.publicKey.raw)
  const d = base64url(libp2p.raw.subarray(0, 32))
  return {
    libp2p,
    privateKey: createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d, x }, format: 'jwk' }),
    publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' })
  }
}

/**
 * Block `i` of a benchmark: random 32 B hash and 64 B signature, and
 * `dataBytes` of JSON-like transaction records (semi-compressible, as real
 * gossip payloads are); a different seed per `i`, so no two blocks repeat.
 */
export function messageBlock (i: number, dataBytes: number): Block {
  return { ...blockFixture(0, 1000 + i), data: transactionJson(dataBytes, 2000 + i) }
}

/** What an envelope's signature covers, and the signature. */
export interface SignedBytes {
  /** `uvarint(len(domain)) || domain || header`. */
  readonly data: Uint8Array
  /** A copy of the envelope's signature. */
  readonly signature: Uint8Array
}

/** The bytes an envelope's signature covers (see src/envelope/envelope.ts), and its signature. */
export function signedBytesOf (envelope: Uint8Array, domain: string = DEFAULT_SIGNATURE_DOMAIN): SignedBytes {
  const env = parseEnvelope(envelope, DEFAULT_LIMITS)
  const prefix = domainPrefix(domain)
  const data = new Uint8Array(prefix.length + env.headerBytes.length)
  data.set(prefix, 0)
  data.set(env.headerBytes, prefix.length)
  return { data, signature: env.signature.slice() }
}

/** Throws unless `open` accepted: a benchmark that measures rejections measures nothing. */
export function expectAccepted<T> (result: ReturnType<Codec['open']>, what: string): OpenAccepted<T> {
  if (!result.ok) throw new InvalidConfigError(what, `an accepted envelope, got ${result.reason}: ${result.detail}`)
  return result as OpenAccepted<T>
}

/**
 * Opens a pool of distinct pre-sealed envelopes in turn with a codec that has
 * a real (in-memory) replay guard, so every open runs the full pipeline
 * including the replay precheck and commit, and is accepted. After the last
 * envelope of the pool it starts over with a fresh guard (a new codec sharing
 * the sender key cache, as a long-running receiver would have it): one guard
 * allocation (its first 64-window slab, 64 KiB) per pass over the pool, i.e.
 * well under 0.1% of an open for a pool of 1,024.
 */
export class RotatingOpener {
  private readonly pool: readonly Uint8Array[]
  private readonly options: OpenOptions
  private readonly keyCache = new SenderKeyCache()
  private codec: Codec
  private next = 0
  /** Number of fresh guards created so far (one per pass over the pool). */
  passes = 1

  constructor (pool: readonly Uint8Array[], options: OpenOptions) {
    if (pool.length === 0) throw new InvalidConfigError('pool', 'at least one envelope')
    this.pool = pool
    this.options = options
    this.codec = createCodec({ keyCache: this.keyCache })
  }

  /** Opens the next envelope; throws {@link InvalidConfigError} if it is refused. */
  open (): OpenAccepted {
    if (this.next === this.pool.length) {
      this.next = 0
      this.passes++
      this.codec = createCodec({ keyCache: this.keyCache })
    }
    const r = this.codec.open(this.pool[this.next++] as Uint8Array, this.options)
    if (!r.ok) return expectAccepted(r, 'RotatingOpener')
    return r
  }
}
