/**
 * The canonical public key encodings of SPEC.md section 3: the libp2p
 * protobuf `PublicKey` a header carries, accepted in exactly one encoding per
 * key, so the sender id derived from those bytes is unique.
 *
 * @module
 */
import { WireFormatError, type WireRule } from '../errors.js'
import { startsWith, toBigInt } from './key-bytes.js'
import { readVarint, varintProblem, varintRule, VARINT_OVERFLOW } from '../varint.js'

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

function keyFail (rule: WireRule, reason: string): never {
  throw new WireFormatError(KEY_FORMAT, rule, reason)
}

/** Reads a varint of at most 2 bytes (key type, key length: SPEC.md 2.1) at `pos`; returns [value, next]. */
function keyVarint (bytes: Uint8Array, pos: number): [number, number] {
  const cursor = { pos }
  const n = readVarint(bytes, cursor, 2)
  if (n < 0) keyFail(varintRule(n), n === VARINT_OVERFLOW ? 'varint longer than any key field' : varintProblem(n))
  return [n, cursor.pos]
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
