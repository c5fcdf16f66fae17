/**
 * The one Ed25519 verification rule every backend applies, so that a
 * receiver's verdict never depends on which backend it runs.
 *
 * RFC 8032 (5.1.7) leaves room: it allows the cofactored or the cofactorless
 * equation and says nothing of small-order points, and implementations differ
 * (measured here: node:crypto accepts R = identity with S = h*a, and for the
 * identity public key a signature (identity, 0) on any message; libsodium
 * refuses both; @noble/curves' ZIP 215 default accepts torsion in R). wireseal
 * takes libsodium's rule, the strictest of them:
 * - S < L (RFC 8032 5.1.7 step 1: S is canonical);
 * - neither A nor R is a point of small order (its y coordinate, sign bit
 *   ignored, is none of the seven encodings below);
 * - the cofactorless equation, checked as R == encode([S]B - [k]A) byte for
 *   byte, so a non-canonical R never verifies.
 *
 * @module
 */

/**
 * Encodings (sign bit cleared) of the y coordinates of the 8 points of order
 * dividing 8 (y = 0, 1, -1 and the two order-8 values), plus y = 0 and y = 1
 * written non-reduced as p and p + 1. The order-8 values are checked in
 * test/envelope/ed25519-backend.test.ts against the torsion points @noble/curves computes.
 */
const SMALL_ORDER_Y: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000', // y = 0 (order 4)
  '0100000000000000000000000000000000000000000000000000000000000000', // y = 1 (identity)
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p - 1 (order 2)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p, i.e. 0
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f' // y = p + 1, i.e. 1
].map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')))

/** Whether the 32 bytes at `offset` encode a point of small order (any sign bit). */
export function isSmallOrderEncoding (bytes: Uint8Array, offset = 0): boolean {
  for (const y of SMALL_ORDER_Y) {
    let diff = ((bytes[offset + 31] as number) & 0x7f) ^ (y[31] as number)
    for (let i = 0; i < 31 && diff === 0; i++) diff = (bytes[offset + i] as number) ^ (y[i] as number)
    if (diff === 0) return true
  }
  return false
}

/** The group order L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 5.1), little-endian. */
const L_LE = Uint8Array.from(Buffer.from('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010', 'hex'))

/** Whether the 32-byte little-endian S at `offset` is below L (RFC 8032 5.1.7 step 1). */
export function isCanonicalScalar (bytes: Uint8Array, offset: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const b = bytes[offset + i] as number
    const l = L_LE[i] as number
    if (b !== l) return b < l
  }
  return false
}

/** Ed25519 signature length (RFC 8032 5.1.6). */
export const ED25519_SIGNATURE_BYTES = 64
/** Ed25519 public key and seed length (RFC 8032 5.1.5). */
export const ED25519_KEY_BYTES = 32

/**
 * The checks of the rule that come before the equation: length, S < L and
 * R not of small order. `node:crypto` and noble apply them in front of their
 * own verification; libsodium applies the same ones itself.
 */
export function passesEd25519Prechecks (signature: Uint8Array): boolean {
  return signature.length === ED25519_SIGNATURE_BYTES && isCanonicalScalar(signature, 32) && !isSmallOrderEncoding(signature, 0)
}
