/**
 * Ed25519 on libsodium through `sodium-native` (an optional dependency whose
 * npm package carries prebuilt binaries). About twice node:crypto's sign and
 * verify rates (48.8k / 18.2k against 27.1k / 8.3k per second, measured as
 * listed in ./index.ts).
 *
 * The secret key (seed || public key, libsodium's layout) lives in
 * `sodium_malloc` memory (guard pages, locked where the system allows, read-only
 * after derivation); the public key of a sender is a Buffer kept by its verifier.
 * Each such allocation costs the process several memory mappings (Linux allows
 * 65,530 by default, and V8 needs them too: measured here, about 16k live
 * signers exhausted them), so at most {@link MAX_SECURE_KEYS} keys are held
 * there at once and further ones in ordinary Buffers.
 *
 * libsodium's `crypto_sign_verify_detached` already applies the rule of
 * ./ed25519-rules.ts (S < L, A and R not of small order, cofactorless
 * equation with R compared byte for byte; libsodium >= 1.0.16 without
 * ED25519_COMPAT), so no precheck is added in front of it.
 *
 * @module
 */
import { loadOptional, type Optional } from '../../optional.js'
import { ED25519_KEY_BYTES, ED25519_SIGNATURE_BYTES } from './ed25519-rules.js'
import type { SignatureBackend, SignFn, VerifyFn } from './types.js'

/** The part of `sodium-native` used here. */
interface SodiumNative {
  sodium_malloc(size: number): Buffer & { secure?: boolean }
  sodium_mprotect_readonly(buf: Buffer): void
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void
  crypto_sign_detached(sig: Uint8Array, message: Uint8Array, sk: Uint8Array): void
  crypto_sign_verify_detached(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean
}

function isSodiumNative (mod: unknown): mod is SodiumNative {
  const m = mod as Partial<SodiumNative> | null
  return typeof m?.crypto_sign_detached === 'function' && typeof m.crypto_sign_verify_detached === 'function' &&
    typeof m.crypto_sign_seed_keypair === 'function' && typeof m.sodium_malloc === 'function' && typeof m.sodium_mprotect_readonly === 'function'
}

const loaded: Optional<SodiumNative> = loadOptional('sodium-native', isSodiumNative)

/** Why the libsodium backend is unavailable, or `undefined` when it loaded. */
export const ed25519SodiumUnavailable: string | undefined = loaded.loaded ? undefined : loaded.reason

/**
 * Secret keys held in `sodium_malloc` memory at once (a process normally has
 * one signer per identity); further keys go to ordinary Buffers.
 */
export const MAX_SECURE_KEYS = 256

function create (sodium: SodiumNative): SignatureBackend {
  let secureKeys = 0
  const released = new FinalizationRegistry<undefined>(() => { secureKeys-- })

  /** A 64-byte secret key buffer: secure memory while the budget lasts and the system grants it. */
  function secretKeyBuffer (): Buffer & { secure?: boolean } {
    if (secureKeys < MAX_SECURE_KEYS) {
      try {
        const buf = sodium.sodium_malloc(2 * ED25519_KEY_BYTES)
        secureKeys++
        released.register(buf, undefined)
        return buf
      } catch {
        // no mapping left: an ordinary Buffer below
      }
    }
    return Buffer.alloc(2 * ED25519_KEY_BYTES)
  }


  return Object.freeze({
    algorithm: 'Ed25519',
    name: 'sodium',
    kind: 'native',
    deterministic: true,
    lowS: false,
    signer (seed: Uint8Array): SignFn {
      if (seed.length !== ED25519_KEY_BYTES) throw new RangeError(`an Ed25519 seed is ${ED25519_KEY_BYTES} bytes, got ${seed.length}`)
      const secretKey = secretKeyBuffer()
      sodium.crypto_sign_seed_keypair(new Uint8Array(ED25519_KEY_BYTES), secretKey, seed)
      if (secretKey.secure === true) {
        try {
          sodium.sodium_mprotect_readonly(secretKey)
        } catch {
          // the protection splits a mapping and may be refused: the key stays usable, read-write
        }
      }
      return (data) => {
        const signature = new Uint8Array(ED25519_SIGNATURE_BYTES)
        sodium.crypto_sign_detached(signature, data, secretKey)
        return signature
      }
    },
    verifier (publicKey: Uint8Array): VerifyFn {
      if (publicKey.length !== ED25519_KEY_BYTES) return () => false
      const key = Buffer.from(publicKey) // a copy the caller cannot change
      // sodium-native reads the first 64 bytes of a longer signature: the length is ours to check
      return (data, signature) => signature.length === ED25519_SIGNATURE_BYTES && sodium.crypto_sign_verify_detached(signature, data, key)
    }
  })
}

/** Ed25519 on libsodium, or `undefined` when `sodium-native` is not installed or failed to load. */
export const ed25519Sodium: SignatureBackend | undefined = loaded.loaded ? create(loaded.module) : undefined
