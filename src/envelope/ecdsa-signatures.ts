/**
 * ECDSA signature encodings and their low-S form, so that every message has
 * exactly one valid signature:
 * - secp256k1: strict DER (X.690), S normalised to N - S when S > N/2 (BIP 62);
 * - P-256/384/521: IEEE P1363 `r || s` (as WebCrypto), low S likewise.
 *
 * @module
 */
import { MalformedInputError } from '../errors.js'
import { concat, toBigInt } from './key-bytes.js'

/** Order of the secp256k1 group (SEC 2, 2.4.1). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const SECP256K1_HALF_N = SECP256K1_N >> 1n

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

/** The group order of a NIST curve by JWK `crv` name; a {@link MalformedInputError} for any other curve. */
export function nistOrder (crv: unknown): bigint {
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

/** True for a P1363 signature whose S is in 1..n/2. */
export function isP1363LowS (sig: Uint8Array, n: bigint): boolean {
  const s = toBigInt(sig.subarray(sig.length / 2))
  return s > 0n && s <= n >> 1n
}

/** True for a strict-DER secp256k1 signature whose S is in 1..N/2. */
export function isLowS (der: Uint8Array): boolean {
  const parsed = parseDerSignature(der)
  return parsed !== undefined && toBigInt(parsed.s) <= SECP256K1_HALF_N && toBigInt(parsed.s) > 0n
}
