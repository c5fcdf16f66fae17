/**
 * Signing and verification with libp2p keys on the hot path.
 *
 * `@libp2p/crypto` re-imports the key (as JWK) on every call; here each key is
 * imported ONCE into a node:crypto KeyObject and reused (ANCHORS: 2.1x faster
 * Ed25519 signing). Signatures are byte-compatible with `@libp2p/crypto`:
 * - Ed25519: RFC 8032 pure Ed25519 over the message (64 bytes).
 * - secp256k1: ECDSA over SHA-256(message), DER, normalised to low S
 *   (OpenSSL may emit high S, which noble — and so @libp2p/crypto — rejects);
 *   verification refuses high S too, so signatures are not malleable.
 * - ECDSA (P-256/384/521): ECDSA with SHA-256, IEEE P1363 `r || s`, as WebCrypto,
 *   normalised to low S on signing and refused with high S on verifying.
 *
 * @module
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import type { KeyType, PeerId, PrivateKey, PublicKey } from '@libp2p/interface'
import { InvalidConfigError, MalformedInputError, WireFormatError } from '../errors.js'
import { DEFAULT_MAX_CACHED_KEYS } from '../limits.js'
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

// DER prefixes that wrap raw keys so node:crypto can import them (RFC 8410, RFC 5915, SEC 1).
const ED25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
const ED25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
// ECPrivateKey { version 1, privateKey OCTET STRING(32), [0] secp256k1 OID 1.3.132.0.10 }
const SECP256K1_SEC1_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x01, 0x04, 0x20])
const SECP256K1_SEC1_SUFFIX = Uint8Array.from([0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a])
// SubjectPublicKeyInfo { id-ecPublicKey, secp256k1 } BIT STRING(33-byte compressed point)
const SECP256K1_SPKI_PREFIX = Uint8Array.from([0x30, 0x36, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a, 0x03, 0x22, 0x00])

/** Order of the secp256k1 group (SEC 2, 2.4.1). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const SECP256K1_HALF_N = SECP256K1_N >> 1n

function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

function toBigInt (bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

function toMinimalDerInt (n: bigint): Uint8Array {
  let hex = n.toString(16)
  if (hex.length % 2 === 1) hex = '0' + hex
  let bytes: Uint8Array = Uint8Array.from(Buffer.from(hex, 'hex'))
  if ((bytes[0] as number) & 0x80) bytes = concat(Uint8Array.of(0), bytes)
  return bytes
}

/**
 * Parses a strict DER ECDSA signature `SEQUENCE { INTEGER r, INTEGER s }`
 * (X.690 DER: minimal lengths, minimal positive integers). Returns undefined if not strict DER.
 */
export function parseDerSignature (sig: Uint8Array): { r: Uint8Array, s: Uint8Array } | undefined {
  if (sig.length < 8 || sig.length > 72 || sig[0] !== 0x30 || sig[1] !== sig.length - 2) return undefined
  let pos = 2
  const ints: Uint8Array[] = []
  for (let i = 0; i < 2; i++) {
    if (sig[pos] !== 0x02) return undefined
    const len = sig[pos + 1] as number
    if (len === 0 || len > 33 || pos + 2 + len > sig.length) return undefined
    const v = sig.subarray(pos + 2, pos + 2 + len)
    if ((v[0] as number) & 0x80) return undefined // negative
    if (len > 1 && v[0] === 0 && !((v[1] as number) & 0x80)) return undefined // not minimal
    ints.push(v)
    pos += 2 + len
  }
  if (pos !== sig.length) return undefined
  return { r: ints[0] as Uint8Array, s: ints[1] as Uint8Array }
}

/** Rewrites a DER secp256k1 signature with S replaced by N - S when S > N/2 (BIP 62 low S). */
export function normaliseLowS (der: Uint8Array): Uint8Array {
  const parsed = parseDerSignature(der)
  if (parsed === undefined) throw new MalformedInputError('secp256k1 signature', 'not strict DER')
  const s = toBigInt(parsed.s)
  if (s <= SECP256K1_HALF_N) return der
  const r = parsed.r
  const lowS = toMinimalDerInt(SECP256K1_N - s)
  return concat(Uint8Array.of(0x30, 4 + r.length + lowS.length, 0x02, r.length), r, Uint8Array.of(0x02, lowS.length), lowS)
}

/** Group orders of the NIST curves (FIPS 186-5 / SEC 2), for low-S normalisation of P1363 signatures. */
const NIST_ORDERS: Record<string, bigint> = {
  'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  'P-384': 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  'P-521': 0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n
}

function nistOrder (crv: unknown): bigint {
  const n = typeof crv === 'string' ? NIST_ORDERS[crv] : undefined
  if (n === undefined) throw new MalformedInputError('public key', `unsupported ECDSA curve ${String(crv)}`)
  return n
}

/**
 * ECDSA signatures are malleable: `(r, n - s)` verifies whenever `(r, s)` does.
 * Like secp256k1 (BIP 62), wireseal signs and accepts only S <= n/2 for
 * P-256/384/521 too, so every message has exactly one valid signature.
 * `sig` is IEEE P1363 `r || s`; returns it with S normalised (a copy if changed).
 */
export function normaliseP1363LowS (sig: Uint8Array, n: bigint): Uint8Array {
  const half = sig.length / 2
  const s = toBigInt(sig.subarray(half))
  if (s <= n >> 1n) return sig
  const out = sig.slice()
  let low = n - s
  for (let i = sig.length - 1; i >= half; i--) {
    out[i] = Number(low & 0xffn)
    low >>= 8n
  }
  return out
}

function isP1363LowS (sig: Uint8Array, n: bigint): boolean {
  const s = toBigInt(sig.subarray(sig.length / 2))
  return s > 0n && s <= n >> 1n
}

function isLowS (der: Uint8Array): boolean {
  const parsed = parseDerSignature(der)
  return parsed !== undefined && toBigInt(parsed.s) <= SECP256K1_HALF_N && toBigInt(parsed.s) > 0n
}

function importPrivate (key: PrivateKey): KeyObject {
  switch (key.type) {
    case 'Ed25519':
      return createPrivateKey({ key: Buffer.from(concat(ED25519_PKCS8_PREFIX, key.raw.subarray(0, 32))), format: 'der', type: 'pkcs8' })
    case 'secp256k1':
      return createPrivateKey({ key: Buffer.from(concat(SECP256K1_SEC1_PREFIX, key.raw, SECP256K1_SEC1_SUFFIX)), format: 'der', type: 'sec1' })
    case 'ECDSA':
      return createPrivateKey({ key: key.jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    default:
      throw new InvalidConfigError('privateKey', `an Ed25519, secp256k1 or ECDSA key, got ${key.type}`)
  }
}

function importPublic (key: PublicKey): KeyObject {
  switch (key.type) {
    case 'Ed25519':
      return createPublicKey({ key: Buffer.from(concat(ED25519_SPKI_PREFIX, key.raw)), format: 'der', type: 'spki' })
    case 'secp256k1':
      return createPublicKey({ key: Buffer.from(concat(SECP256K1_SPKI_PREFIX, key.raw)), format: 'der', type: 'spki' })
    case 'ECDSA':
      // libp2p's ECDSA `raw` is its own ASN.1 layout, not SPKI: import the JWK it also holds
      return createPublicKey({ key: key.jwk as import('node:crypto').JsonWebKey, format: 'jwk' })
    default:
      throw new MalformedInputError('public key', `unsupported key type ${key.type}`)
  }
}

// --- canonical public key encodings (SPEC.md section 3) ----------------------

/** ECDSA curves a libp2p ECDSA key may use. */
export type EcdsaCurve = 'P-256' | 'P-384' | 'P-521'

/** A public key whose bytes passed {@link parsePublicKey}: exactly one encoding per key. */
export interface ParsedPublicKey {
  /** libp2p key type (libp2p `KeyType`: 1 Ed25519, 2 secp256k1, 3 ECDSA). */
  readonly type: 'Ed25519' | 'secp256k1' | 'ECDSA'
  /** The key `Data` field: 32-byte Ed25519 point, 33-byte compressed secp256k1 point, or libp2p's ECDSA DER layout. */
  readonly data: Uint8Array
  /** ECDSA only: the curve. */
  readonly curve?: EcdsaCurve
  /** ECDSA only: the uncompressed point `04 || x || y` (a view into `data`). */
  readonly point?: Uint8Array
}

const KEY_FORMAT = 'public key'
const KEY_TYPE_NAMES = ['RSA', 'Ed25519', 'secp256k1', 'ECDSA'] as const

/** The field prefix of libp2p's ECDSA public key `Data` per curve (SPEC.md 3.4), up to the point. */
const ECDSA_PREFIXES: ReadonlyArray<{ curve: EcdsaCurve, coord: number, prefix: Uint8Array, p: bigint }> = [
  // SEQUENCE(0x55) { INTEGER 1, [0] { OID 1.2.840.10045.3.1.7 }, [1] { BIT STRING(0x42) 00 } }
  { curve: 'P-256', coord: 32, prefix: Uint8Array.from([0x30, 0x55, 0x02, 0x01, 0x01, 0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0xa1, 0x44, 0x03, 0x42, 0x00]), p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n },
  // SEQUENCE(0x72) { INTEGER 1, [0] { OID 1.3.132.0.34 }, [1] { BIT STRING(0x62) 00 } }
  { curve: 'P-384', coord: 48, prefix: Uint8Array.from([0x30, 0x72, 0x02, 0x01, 0x01, 0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22, 0xa1, 0x64, 0x03, 0x62, 0x00]), p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n },
  // SEQUENCE(0x8198) { INTEGER 1, [0] { OID 1.3.132.0.35 }, [1](0x8189) { BIT STRING(0x8186) 00 } }
  { curve: 'P-521', coord: 66, prefix: Uint8Array.from([0x30, 0x81, 0x98, 0x02, 0x01, 0x01, 0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23, 0xa1, 0x81, 0x89, 0x03, 0x81, 0x86, 0x00]), p: 2n ** 521n - 1n }
]

/** Field prime of secp256k1 (SEC 2, 2.4.1). */
const SECP256K1_P = 2n ** 256n - 2n ** 32n - 977n

function keyFail (rule: import('../errors.js').WireRule, reason: string): never {
  throw new WireFormatError(KEY_FORMAT, rule, reason)
}

function startsWith (bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}

/** Reads a minimal varint of at most 2 bytes (key type, key length) at `pos`; returns [value, next]. */
function keyVarint (bytes: Uint8Array, pos: number): [number, number] {
  const b0 = bytes[pos]
  if (b0 === undefined) keyFail('truncated', 'truncated varint')
  if (b0 < 0x80) return [b0, pos + 1]
  const b1 = bytes[pos + 1]
  if (b1 === undefined) keyFail('truncated', 'truncated varint')
  if (b1 === 0) keyFail('varint-non-minimal', 'non-minimal varint')
  if (b1 >= 0x80) keyFail('varint-overflow', 'varint longer than any key field')
  return [(b0 & 0x7f) + b1 * 128, pos + 2]
}

/**
 * Parses the libp2p protobuf `PublicKey` carried in a header, accepting
 * exactly one encoding per key (SPEC.md section 3): field 1 `Type` then field
 * 2 `Data`, both present, nothing else, minimal varints; Ed25519 a canonical
 * 32-byte point encoding (y < p); secp256k1 the 33-byte compressed point
 * (x < p); ECDSA libp2p's DER layout for P-256 / P-384 / P-521 byte for byte,
 * coordinates below p. Throws {@link WireFormatError} naming the rule broken.
 * The point is checked to be on the curve when the key is imported.
 */
export function parsePublicKey (bytes: Uint8Array): ParsedPublicKey {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) keyFail('missing-field', 'empty public key')
  if (bytes[0] !== 0x08) {
    if (bytes[0] === 0x12) keyFail('field-order', 'Data before Type')
    keyFail((bytes[0] as number) >> 3 === 1 ? 'wire-type' : 'unknown-field', `first tag 0x${(bytes[0] as number).toString(16)}, expected Type (0x08)`)
  }
  const [typeId, afterType] = keyVarint(bytes, 1)
  if (bytes[afterType] !== 0x12) {
    if (afterType >= bytes.length) keyFail('missing-field', 'no Data field')
    keyFail(bytes[afterType] === 0x08 ? 'field-order' : 'unknown-field', `tag 0x${(bytes[afterType] as number).toString(16)} after Type, expected Data (0x12)`)
  }
  const [len, start] = keyVarint(bytes, afterType + 1)
  if (len > bytes.length - start) keyFail('truncated', `Data of ${len} bytes, ${bytes.length - start} left`)
  if (start + len !== bytes.length) {
    const next = bytes[start + len] as number
    keyFail(next === 0x08 || next === 0x12 ? 'field-order' : 'unknown-field', `${bytes.length - start - len} bytes after Data`)
  }
  const data = bytes.subarray(start, start + len)
  switch (typeId) {
    case 1: {
      if (len !== 32) keyFail('key-length', `Ed25519 key of ${len} bytes, expected 32`)
      // RFC 8032 5.1.3: y (255 bits, little-endian) must be below p = 2^255 - 19
      let top = true
      for (let i = 30; i >= 1 && top; i--) top = data[i] === 0xff
      if (top && ((data[31] as number) & 0x7f) === 0x7f && (data[0] as number) >= 0xed) keyFail('key-non-canonical', 'Ed25519 y is not reduced mod p')
      return { type: 'Ed25519', data }
    }
    case 2: {
      if (len === 65 && (data[0] === 0x04 || data[0] === 0x06 || data[0] === 0x07)) keyFail('key-uncompressed', 'secp256k1 key not in compressed form (SEC 1 2.3.3)')
      if (len !== 33) keyFail('key-length', `secp256k1 key of ${len} bytes, expected 33`)
      if (data[0] !== 0x02 && data[0] !== 0x03) keyFail('key-non-canonical', `secp256k1 point prefix 0x${(data[0] as number).toString(16)}, expected 02 or 03`)
      if (toBigInt(data.subarray(1)) >= SECP256K1_P) keyFail('key-non-canonical', 'secp256k1 x is not reduced mod p')
      return { type: 'secp256k1', data }
    }
    case 3: {
      const layout = ECDSA_PREFIXES.find((l) => len === l.prefix.length + 1 + 2 * l.coord)
      if (layout === undefined) keyFail('key-non-canonical', `ECDSA key of ${len} bytes is none of libp2p's P-256/P-384/P-521 layouts`)
      if (!startsWith(data, layout.prefix)) keyFail('key-non-canonical', `ECDSA key is not libp2p's ${layout.curve} DER layout`)
      const point = data.subarray(layout.prefix.length)
      if (point[0] !== 0x04) keyFail('key-non-canonical', `ECDSA point prefix 0x${(point[0] as number).toString(16)}, expected 04`)
      const x = toBigInt(point.subarray(1, 1 + layout.coord))
      const y = toBigInt(point.subarray(1 + layout.coord))
      if (x >= layout.p || y >= layout.p) keyFail('key-non-canonical', `${layout.curve} coordinate is not reduced mod p`)
      return { type: 'ECDSA', data, curve: layout.curve, point }
    }
    default:
      return keyFail('key-type', `key type ${KEY_TYPE_NAMES[typeId] ?? typeId} is not Ed25519, secp256k1 or ECDSA`)
  }
}

function equalKeyBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && startsWith(a, b)
}

/**
 * Creates a signer that holds `key` in its backend's own form (libsodium
 * secure memory, a libsecp256k1 buffer, a node:crypto KeyObject), imported once.
 * `backends` forces a signature backend (./sign-backends); by default the
 * environment's choice, else the fastest installed.
 */
export function createSigner (key: PrivateKey, backends: SignatureBackendChoice = {}): EnvelopeSigner {
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
  if (!equalKeyBytes(publicKeyToProtobuf(key), publicKeyBytes)) throw new WireFormatError('public key', 'key-non-canonical', 'libp2p re-encodes this key differently')
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
