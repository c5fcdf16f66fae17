/**
 * The contract of a signature backend: one implementation (libsodium,
 * libsecp256k1, node:crypto, @noble/curves) of one libp2p signature
 * algorithm, holding each key in its own form from construction on, so
 * nothing is re-imported per call.
 *
 * @module
 */

/** libp2p key types that have more than one backend. */
export type SignatureAlgorithm = 'Ed25519' | 'secp256k1'

/** Where a backend's code runs: a native addon, Node's bundled OpenSSL, or portable JavaScript. */
export type SignatureBackendKind = 'native' | 'node' | 'portable'

/** Signs `data`; the key is bound at construction. */
export type SignFn = (data: Uint8Array) => Uint8Array

/** Verifies `signature` over `data`; never throws, a malformed signature is `false`. */
export type VerifyFn = (data: Uint8Array, signature: Uint8Array) => boolean

/**
 * One backend of one algorithm. Every backend of an algorithm accepts exactly
 * the same signatures (see each algorithm's rules), so which one runs is a
 * matter of speed, never of verdicts.
 */
export interface SignatureBackend {
  readonly algorithm: SignatureAlgorithm
  /** Backend name: `sodium`, `libsecp256k1`, `node` or `noble`. */
  readonly name: string
  readonly kind: SignatureBackendKind
  /**
   * Whether signing is deterministic, so that every such backend and
   * `@libp2p/crypto` emit the same bytes: always for Ed25519 (RFC 8032);
   * for secp256k1 with RFC 6979 nonces (libsecp256k1, noble), not with
   * OpenSSL's random nonces.
   */
  readonly deterministic: boolean
  /**
   * secp256k1 only: signatures come out as strict DER with S <= n/2 already
   * (BIP 62), so the caller need not normalise them.
   */
  readonly lowS: boolean
  /**
   * A signer for a secret key: the Ed25519 32-byte seed (RFC 8032 5.1.5) or
   * the secp256k1 32-byte scalar. The bytes are copied into memory the backend
   * owns. Throws on a key the backend cannot use.
   */
  signer(secret: Uint8Array): SignFn
  /**
   * A verifier for a raw public key: the 32-byte Ed25519 point or the 33-byte
   * compressed secp256k1 point. A key that does not decode verifies nothing.
   */
  verifier(publicKey: Uint8Array): VerifyFn
}
