/**
 * Imports libp2p keys into node:crypto KeyObjects, once per key: raw Ed25519
 * and secp256k1 keys are wrapped in the DER structures node:crypto reads
 * (RFC 8410 PKCS#8 / SPKI, RFC 5915 SEC 1), ECDSA keys go through their JWK.
 *
 * @module
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import type { PrivateKey, PublicKey } from '@libp2p/interface'
import { InvalidConfigError, MalformedInputError } from '../errors.js'
import { concat } from './key-bytes.js'

// DER prefixes that wrap raw keys so node:crypto can import them (RFC 8410, RFC 5915, SEC 1).
const ED25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20])
const ED25519_SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00])
// ECPrivateKey { version 1, privateKey OCTET STRING(32), [0] secp256k1 OID 1.3.132.0.10 }
const SECP256K1_SEC1_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x01, 0x04, 0x20])
const SECP256K1_SEC1_SUFFIX = Uint8Array.from([0xa0, 0x07, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a])
// SubjectPublicKeyInfo { id-ecPublicKey, secp256k1 } BIT STRING(33-byte compressed point)
const SECP256K1_SPKI_PREFIX = Uint8Array.from([0x30, 0x36, 0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a, 0x03, 0x22, 0x00])

/** A private key as a node:crypto KeyObject; an {@link InvalidConfigError} for an unsupported key type. */
export function importPrivate (key: PrivateKey): KeyObject {
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

/** A public key as a node:crypto KeyObject; a {@link MalformedInputError} for an unsupported key type. */
export function importPublic (key: PublicKey): KeyObject {
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
