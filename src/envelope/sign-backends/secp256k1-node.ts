/**
 * secp256k1 on node:crypto (OpenSSL), each key imported once into a KeyObject.
 * OpenSSL signs with random nonces and may emit S > n/2: signatures are valid
 * everywhere but differ from @libp2p/crypto's, and the caller normalises S
 * (`lowS: false`).
 *
 * @module
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'
import type { SignatureBackend, SignFn, VerifyFn } from './types.js'

// ECPrivateKey { version 1, privateKey OCTET STRING(32), [0] secp256k1 OID 1.3.132.0.10 } (RFC 5915)
const SEC1_PREFIX = Buffer.from('302e0201010420', 'hex')
const SEC1_SUFFIX = Buffer.from('a00706052b8104000a', 'hex')
// SubjectPublicKeyInfo { id-ecPublicKey, secp256k1 } BIT STRING(33-byte compressed point) (RFC 5480)
const SPKI_PREFIX = Buffer.from('3036301006072a8648ce3d020106052b8104000a032200', 'hex')

/** Order of the secp256k1 group (SEC 2, 2.4.1). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** secp256k1 on node:crypto. */
export const secp256k1Node: SignatureBackend = Object.freeze({
  algorithm: 'secp256k1',
  name: 'node',
  kind: 'node',
  deterministic: false,
  lowS: false,
  signer (scalar: Uint8Array): SignFn {
    // SEC 1 3.2.1: the secret is an integer in [1, n - 1]; OpenSSL imports 0 without complaint
    const d = scalar.length === 32 ? BigInt('0x' + Buffer.from(scalar).toString('hex')) : 0n
    if (d === 0n || d >= SECP256K1_N) throw new RangeError('a secp256k1 secret key is a 32-byte scalar in [1, n)')
    const key = createPrivateKey({ key: Buffer.concat([SEC1_PREFIX, scalar, SEC1_SUFFIX]), format: 'der', type: 'sec1' })
    return (data) => nodeSign('sha256', data, key)
  },
  verifier (publicKey: Uint8Array): VerifyFn {
    let key: KeyObject
    try {
      if (publicKey.length !== 33) throw new RangeError('not a compressed point')
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    } catch {
      return () => false
    }
    return (data, signature) => {
      try {
        return nodeVerify('sha256', data, key, signature)
      } catch {
        return false
      }
    }
  }
})
