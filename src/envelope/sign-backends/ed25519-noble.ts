/**
 * Ed25519 in portable JavaScript on @noble/curves, for runtimes with neither
 * libsodium nor node:crypto (the browser). About 30x slower than node:crypto.
 *
 * noble's own `verify` checks the cofactored equation (ZIP 215 by default),
 * which accepts torsion in R that libsodium and OpenSSL refuse; so signing and
 * verification are written here on noble's point arithmetic (RFC 8032 5.1.6
 * and 5.1.7) with the cofactorless rule of ./ed25519-rules.ts. The signing
 * key's scalar, prefix and public point are expanded once per signer.
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, equalBytes, numberToBytesLE } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES, isSmallOrderEncoding, passesEd25519Prechecks } from './ed25519-rules.js'
import type { SignatureBackend, SignFn, VerifyFn } from './types.js'

const Point = ed25519.Point
const Fn = Point.Fn

/** SHA-512 of the parts, reduced mod L (RFC 8032 5.1.6 steps 2 and 4). */
function hashToScalar (...parts: Uint8Array[]): bigint {
  const h = sha512.create()
  for (const p of parts) h.update(p)
  return Fn.create(bytesToNumberLE(h.digest()))
}

/** Ed25519 on @noble/curves. */
export const ed25519Noble: SignatureBackend = Object.freeze({
  algorithm: 'Ed25519',
  name: 'noble',
  kind: 'portable',
  deterministic: true,
  lowS: false,
  signer (seed: Uint8Array): SignFn {
    if (seed.length !== ED25519_KEY_BYTES) throw new RangeError(`an Ed25519 seed is ${ED25519_KEY_BYTES} bytes, got ${seed.length}`)
    // RFC 8032 5.1.5: s from the pruned first half of SHA-512(seed), prefix the second half, A = [s]B
    const { prefix, scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed.slice())
    return (data) => {
      const r = hashToScalar(prefix, data)
      const R = (r === 0n ? Point.ZERO : Point.BASE.multiply(r)).toBytes()
      const k = hashToScalar(R, pointBytes, data)
      const signature = new Uint8Array(ED25519_SIGNATURE_BYTES)
      signature.set(R, 0)
      signature.set(numberToBytesLE(Fn.create(r + k * scalar), 32), 32)
      return signature
    }
  },
  verifier (publicKey: Uint8Array): VerifyFn {
    if (publicKey.length !== ED25519_KEY_BYTES || isSmallOrderEncoding(publicKey)) return () => false
    const key = publicKey.slice()
    let minusA
    try {
      minusA = Point.fromBytes(key, false).negate() // strict RFC 8032 5.1.3 decoding
    } catch {
      return () => false
    }
    const negA = minusA
    return (data, signature) => {
      if (!passesEd25519Prechecks(signature)) return false
      const R = signature.subarray(0, 32)
      const k = hashToScalar(R, key, data)
      const S = bytesToNumberLE(signature.subarray(32))
      // cofactorless: R must be exactly the encoding of [S]B - [k]A
      return equalBytes(Point.BASE.multiplyUnsafe(S).add(negA.multiplyUnsafe(k)).toBytes(), R)
    }
  }
})
