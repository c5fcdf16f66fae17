/**
 * secp256k1 on libsecp256k1 through the `secp256k1` package (an optional
 * dependency with prebuilt binaries inside the npm package; its install
 * script only looks for them). 23.2k / 16.1k sign / verify per second
 * against @libp2p/crypto's 1.8k / 0.5k (measured as listed in ./index.ts).
 *
 * libsecp256k1 signs with RFC 6979 nonces and always emits S <= n/2, as
 * @noble/curves does, so its DER signatures equal @libp2p/crypto's byte for
 * byte; its verification refuses S > n/2 (BIP 62), like wireseal's rule.
 * The binding is loaded directly (`secp256k1/bindings`): the package's entry
 * point would fall back to the `elliptic` JavaScript code when it fails.
 *
 * @module
 */
import { hash } from 'node:crypto'
import { loadOptional, type Optional } from '../../optional.js'
import type { SignatureBackend, SignFn, VerifyFn } from './types.js'

/** The part of the `secp256k1` binding used here. */
interface Secp256k1Native {
  privateKeyVerify(key: Uint8Array): boolean
  publicKeyVerify(key: Uint8Array): boolean
  ecdsaSign(msg32: Uint8Array, key: Uint8Array): { signature: Uint8Array, recid: number }
  ecdsaVerify(signature: Uint8Array, msg32: Uint8Array, key: Uint8Array): boolean
  signatureExport(signature: Uint8Array): Uint8Array
  signatureImport(der: Uint8Array): Uint8Array
}

function isSecp256k1Native (mod: unknown): mod is Secp256k1Native {
  const m = mod as Partial<Secp256k1Native> | null
  return typeof m?.ecdsaSign === 'function' && typeof m.ecdsaVerify === 'function' && typeof m.signatureExport === 'function' &&
    typeof m.signatureImport === 'function' && typeof m.privateKeyVerify === 'function' && typeof m.publicKeyVerify === 'function'
}

const loaded: Optional<Secp256k1Native> = loadOptional('secp256k1/bindings', isSecp256k1Native)

/** Why the libsecp256k1 backend is unavailable, or `undefined` when it loaded. */
export const secp256k1NativeUnavailable: string | undefined = loaded.loaded ? undefined : loaded.reason

const sha256 = (data: Uint8Array): Buffer => hash('sha256', data, 'buffer')

function create (secp: Secp256k1Native): SignatureBackend {
  return Object.freeze({
    algorithm: 'secp256k1',
    name: 'libsecp256k1',
    kind: 'native',
    deterministic: true,
    lowS: true,
    signer (scalar: Uint8Array): SignFn {
      const key = Buffer.alloc(32)
      if (scalar.length !== 32 || !secp.privateKeyVerify(scalar)) throw new RangeError('a secp256k1 secret key is a 32-byte scalar in [1, n)')
      key.set(scalar)
      // SEC 1 4.1.3 over SHA-256(data), RFC 6979 nonce; DER (X.690) as libp2p sends it
      return (data) => secp.signatureExport(secp.ecdsaSign(sha256(data), key).signature)
    },
    verifier (publicKey: Uint8Array): VerifyFn {
      const key = Buffer.from(publicKey)
      if (key.length !== 33 || !secp.publicKeyVerify(key)) return () => false
      return (data, signature) => {
        try {
          return secp.ecdsaVerify(secp.signatureImport(signature), sha256(data), key)
        } catch {
          return false // not DER, or r / s not below n
        }
      }
    }
  })
}

/** secp256k1 on libsecp256k1, or `undefined` when the `secp256k1` binding is not installed or failed to load. */
export const secp256k1Native: SignatureBackend | undefined = loaded.loaded ? create(loaded.module) : undefined
