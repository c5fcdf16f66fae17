/**
 * Ed25519 on node:crypto (OpenSSL), each key imported once into a KeyObject
 * (27.1k signatures per second against @libp2p/crypto's 11.3k, which
 * re-imports a JWK per call; measured as listed in ./index.ts).
 *
 * OpenSSL checks S < L and the cofactorless equation with R compared byte for
 * byte, but accepts small-order A and R (R = identity verifies with S = h*a):
 * the prechecks of ./ed25519-rules.ts run in front of it, so it accepts what
 * libsodium accepts.
 *
 * @module
 */
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto'
import { ED25519_KEY_BYTES, isSmallOrderEncoding, passesEd25519Prechecks } from './ed25519-rules.js'
import type { SignatureBackend, SignFn, VerifyFn } from './types.js'

// DER prefixes that wrap a raw key for node:crypto (RFC 8410 sections 7 and 4).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

/** Ed25519 on node:crypto. */
export const ed25519Node: SignatureBackend = Object.freeze({
  algorithm: 'Ed25519',
  name: 'node',
  kind: 'node',
  deterministic: true,
  lowS: false,
  signer (seed: Uint8Array): SignFn {
    if (seed.length !== ED25519_KEY_BYTES) throw new RangeError(`an Ed25519 seed is ${ED25519_KEY_BYTES} bytes, got ${seed.length}`)
    const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })
    return (data) => nodeSign(null, data, key)
  },
  verifier (publicKey: Uint8Array): VerifyFn {
    if (publicKey.length !== ED25519_KEY_BYTES || isSmallOrderEncoding(publicKey)) return () => false
    let key: KeyObject
    try {
      key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, publicKey]), format: 'der', type: 'spki' })
    } catch {
      return () => false
    }
    return (data, signature) => passesEd25519Prechecks(signature) && nodeVerify(null, data, key, signature)
  }
})
