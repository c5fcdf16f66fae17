/**
 * Signing and verification with libp2p keys on the hot path.
 *
 * `@libp2p/crypto` re-imports the key (as JWK) on every call; here each key is
 * imported ONCE into a node:crypto KeyObject and reused (27.1k against 11.3k
 * Ed25519 signs/s measured here, see sign-backends/index.ts). Signatures are
 * byte-compatible with `@libp2p/crypto`:
 * - Ed25519: RFC 8032 pure Ed25519 over the message (64 bytes).
 * - secp256k1: ECDSA over SHA-256(message), DER, normalised to low S
 *   (OpenSSL may emit high S, which noble — and so @libp2p/crypto — rejects);
 *   verification refuses high S too, so signatures are not malleable.
 * - ECDSA (P-256/384/521): ECDSA with SHA-256, IEEE P1363 `r || s`, as WebCrypto,
 *   normalised to low S on signing and refused with high S on verifying.
 *
 * @module
 */
import { sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import type { KeyType, PeerId, PrivateKey, PublicKey } from '@libp2p/interface'
import { InvalidConfigError, MalformedInputError, WireFormatError } from '../errors.js'
import { DEFAULT_MAX_CACHED_KEYS } from '../limits.js'
import { isLowS, isP1363LowS, nistOrder, normaliseLowS, normaliseP1363LowS } from './ecdsa-signatures.js'
import { bytesEqual } from '../bytes.js'
import { importPrivate, importPublic } from './key-import.js'
import { parsePublicKey } from './public-key.js'
import { getSignatureBackend, resolveSignatureBackends, type ResolvedSignatureBackends, type SignatureBackendChoice } from './sign-backends/index.js'

/** Signs envelope headers with one private key. */
export interface EnvelopeSigner {
  /** libp2p key type. */
  readonly keyType: KeyType
  /** The public key, libp2p protobuf encoding (goes into every header). */
  readonly publicKey: Uint8Array
  /**
   * The signer's peer id (Ed25519 and secp256k1). ECDSA keys have no libp2p
   * peer id type; they are identified by {@link EnvelopeSigner.id} alone.
   */
  readonly peerId: PeerId | undefined
  /** Sender id: the peer id string (base58btc identity multihash of the protobuf public key). */
  readonly id: string
  /** Signs `data` synchronously. */
  sign(data: Uint8Array): Uint8Array
  /** The signature backend that signs (./sign-backends: `sodium`, `libsecp256k1`, `node`, `noble`; ECDSA keys `node`). */
  readonly backend: string
}

/** A sender identity resolved from a header's public key, with its verifier. */
export interface SenderKey {
  readonly keyType: KeyType
  /** The sender's peer id (undefined for ECDSA keys, which libp2p gives no peer id type). */
  readonly peerId: PeerId | undefined
  /** The sender id string, equal to `peerId.toString()` where there is a peer id; computed once. */
  readonly id: string
  /** Verifies a signature; never throws on a bad signature. */
  verify(data: Uint8Array, signature: Uint8Array): boolean
  /** The signature backend that verifies (as {@link EnvelopeSigner.backend}). */
  readonly backend: string
}

const SIGNING_KEY_TYPES: ReadonlySet<string> = new Set(['Ed25519', 'secp256k1', 'ECDSA'])

/** `key` is a libp2p private key of a type wireseal signs with; else an {@link InvalidConfigError} `privateKey` saying what it is. */
function checkPrivateKey (key: unknown): asserts key is PrivateKey {
  const expected = 'a libp2p PrivateKey (Ed25519, secp256k1 or ECDSA, e.g. from generateKeyPair())'
  if (key === null || typeof key !== 'object') throw new InvalidConfigError('privateKey', `${expected}, got ${key === null ? 'null' : typeof key}`)
  const k = key as Partial<Record<keyof PrivateKey | 'verify', unknown>>
  if (typeof k.sign !== 'function' && typeof k.verify === 'function') throw new InvalidConfigError('privateKey', `${expected}, got a public key`)
  if (typeof k.type !== 'string' || !(k.raw instanceof Uint8Array) || typeof k.sign !== 'function' || k.publicKey === null || typeof k.publicKey !== 'object') {
    throw new InvalidConfigError('privateKey', `${expected}, got an object that is not one`)
  }
  if (!SIGNING_KEY_TYPES.has(k.type)) throw new InvalidConfigError('privateKey', `an Ed25519, secp256k1 or ECDSA key, got ${k.type}`)
}

/**
 * Creates a signer that holds `key` in its backend's own form (libsodium
 * secure memory, a libsecp256k1 buffer, a node:crypto KeyObject), imported once.
 * `backends` forces a signature backend (./sign-backends); by default the
 * environment's choice, else the fastest installed. Throws
 * {@link InvalidConfigError} `privateKey` for anything else than such a key.
 */
export function createSigner (key: PrivateKey, backends: SignatureBackendChoice = {}): EnvelopeSigner {
  checkPrivateKey(key)
  const publicKey = publicKeyToProtobuf(key.publicKey)
  const peerId = key.type === 'ECDSA' ? undefined : peerIdFromPublicKey(key.publicKey)
  const id = key.publicKey.toString()
  let sign: (data: Uint8Array) => Uint8Array
  let backend = 'node'
  switch (key.type) {
    case 'Ed25519': {
      const b = getSignatureBackend('Ed25519', backends.Ed25519)
      sign = b.signer(key.raw.subarray(0, 32)) // libp2p's raw is seed || public key
      backend = b.name
      break
    }
    case 'secp256k1': {
      const b = getSignatureBackend('secp256k1', backends.secp256k1)
      const raw = b.signer(key.raw)
      sign = b.lowS ? raw : (data) => normaliseLowS(raw(data))
      backend = b.name
      break
    }
    default: {
      const keyObject = importPrivate(key)
      const n = nistOrder((key.publicKey as { jwk?: { crv?: string } }).jwk?.crv)
      sign = (data) => normaliseP1363LowS(nodeSign('sha256', data, { key: keyObject, dsaEncoding: 'ieee-p1363' }), n)
    }
  }
  return Object.freeze({ keyType: key.type, publicKey, peerId, id, sign, backend })
}

function makeSenderKey (publicKeyBytes: Uint8Array, backends: ResolvedSignatureBackends): SenderKey {
  parsePublicKey(publicKeyBytes)
  let key: PublicKey
  try {
    key = publicKeyFromProtobuf(publicKeyBytes)
  } catch (err) {
    throw new WireFormatError('public key', 'key-invalid', 'not a valid key', { cause: err })
  }
  // the sender id is derived from exactly these bytes (SPEC.md 3.5): libp2p re-encodes its keys
  if (!bytesEqual(publicKeyToProtobuf(key), publicKeyBytes)) throw new WireFormatError('public key', 'key-non-canonical', 'libp2p re-encodes this key differently')
  let keyObject: KeyObject
  try {
    keyObject = importPublic(key)
  } catch (err) {
    if (err instanceof MalformedInputError) throw err
    throw new WireFormatError('public key', 'key-invalid', 'invalid key material (not a point of the curve)', { cause: err })
  }
  const peerId = key.type === 'ECDSA' ? undefined : peerIdFromPublicKey(key)
  let verify: (data: Uint8Array, sig: Uint8Array) => boolean
  let backend = 'node'
  switch (key.type) {
    // keyObject above only validated the point: the backend holds the key its own way
    case 'Ed25519':
      verify = backends.Ed25519.verifier(key.raw)
      backend = backends.Ed25519.name
      break
    case 'secp256k1': {
      const check = backends.secp256k1.verifier(key.raw)
      verify = (data, sig) => isLowS(sig) && check(data, sig)
      backend = backends.secp256k1.name
      break
    }
    default: {
      const n = nistOrder((key as { jwk?: { crv?: string } }).jwk?.crv)
      const sigBytes = 2 * Math.ceil(n.toString(16).length / 2)
      verify = (data, sig) => {
        if (sig.length !== sigBytes || !isP1363LowS(sig, n)) return false
        try {
          return nodeVerify('sha256', data, { key: keyObject, dsaEncoding: 'ieee-p1363' }, sig)
        } catch {
          return false
        }
      }
    }
  }
  return Object.freeze({ keyType: key.type, peerId, id: key.toString(), verify, backend })
}

/**
 * Bounded LRU cache of sender keys by their protobuf bytes, so a peer's key is
 * parsed, imported and its peer id computed once, not per message.
 */
export class SenderKeyCache {
  private readonly entries = new Map<string, SenderKey>()
  private readonly maxEntries: number
  private lastKey: Uint8Array | undefined
  private lastEntry: SenderKey | undefined
  private readonly backends: ResolvedSignatureBackends

  /**
   * @param maxEntries - keys kept; @default DEFAULT_MAX_CACHED_KEYS
   * @param backends - signature backends to verify with (./sign-backends); an unknown or missing one throws here; @default the environment's choice, else the fastest installed
   */
  constructor (maxEntries: number = DEFAULT_MAX_CACHED_KEYS, backends: SignatureBackendChoice = {}) {
    this.maxEntries = maxEntries
    this.backends = resolveSignatureBackends(backends)
  }

  /** Resolves (and caches) the sender of a header; throws {@link MalformedInputError} on a bad key. */
  get (publicKey: Uint8Array): SenderKey {
    // Fast path: consecutive envelopes from one sender (a stream, a burst) skip the string key and map.
    const last = this.lastKey
    if (last !== undefined && last.length === publicKey.length && this.lastEntry !== undefined) {
      let same = true
      for (let i = 0; i < last.length; i++) {
        if (last[i] !== publicKey[i]) { same = false; break }
      }
      if (same) return this.lastEntry
    }
    const entry = this.lookup(publicKey)
    this.lastKey = publicKey.slice()
    this.lastEntry = entry
    return entry
  }

  private lookup (publicKey: Uint8Array): SenderKey {
    const cacheKey = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString('latin1')
    let entry = this.entries.get(cacheKey)
    if (entry !== undefined) {
      // refresh LRU position only occasionally matters; Map keeps insertion order
      this.entries.delete(cacheKey)
      this.entries.set(cacheKey, entry)
      return entry
    }
    entry = makeSenderKey(publicKey, this.backends)
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(cacheKey, entry)
    return entry
  }

  /** Number of cached keys. */
  get size (): number {
    return this.entries.size
  }
}
