/**
 * secp256k1 in portable JavaScript on @noble/curves (what @libp2p/crypto
 * runs): RFC 6979 nonces and S <= n/2 on signing, S > n/2 refused on
 * verification (`lowS`, BIP 62), DER signatures.
 *
 * @module
 */
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { SignatureBackend, SignFn, VerifyFn } from './types.js'

const SIGN_OPTIONS = Object.freeze({ prehash: false, format: 'der' as const, lowS: true })

/** secp256k1 on @noble/curves. */
export const secp256k1Noble: SignatureBackend = Object.freeze({
  algorithm: 'secp256k1',
  name: 'noble',
  kind: 'portable',
  deterministic: true,
  lowS: true,
  signer (scalar: Uint8Array): SignFn {
    if (scalar.length !== 32 || !secp256k1.utils.isValidSecretKey(scalar)) throw new RangeError('a secp256k1 secret key is a 32-byte scalar in [1, n)')
    const key = scalar.slice()
    return (data) => secp256k1.sign(sha256(data), key, SIGN_OPTIONS)
  },
  verifier (publicKey: Uint8Array): VerifyFn {
    const key = publicKey.slice()
    try {
      if (key.length !== 33) throw new RangeError('not a compressed point')
      secp256k1.Point.fromBytes(key) // on the curve, or it throws
    } catch {
      return () => false
    }
    return (data, signature) => {
      try {
        return secp256k1.verify(signature, sha256(data), key, SIGN_OPTIONS)
      } catch {
        return false
      }
    }
  }
})
