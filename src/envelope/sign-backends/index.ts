/**
 * Signature backends: every implementation of Ed25519 and secp256k1 wireseal
 * can run, which one is in use, and how to force one.
 *
 * The fastest one that loads is used: a native addon (libsodium for Ed25519,
 * libsecp256k1 for secp256k1, both optional dependencies), else node:crypto,
 * else @noble/curves. The environment variables {@link SIGNATURE_BACKEND_ENV}
 * (read each time a signer or sender key is created), or an explicit
 * {@link SignatureBackendChoice}, force one, for tests and benchmarks.
 * Every backend of an algorithm accepts the same signatures; Ed25519 and the
 * RFC 6979 secp256k1 backends also emit the same bytes.
 *
 * @module
 */
import { CodecUnavailableError, InvalidConfigError } from '../../errors.js'
import { ed25519Node } from './ed25519-node.js'
import { ed25519Noble } from './ed25519-noble.js'
import { ed25519Sodium, ed25519SodiumUnavailable } from './ed25519-sodium.js'
import { secp256k1Native, secp256k1NativeUnavailable } from './secp256k1-native.js'
import { secp256k1Node } from './secp256k1-node.js'
import { secp256k1Noble } from './secp256k1-noble.js'
import type { SignatureAlgorithm, SignatureBackend, SignatureBackendKind } from './types.js'

export type { SignatureAlgorithm, SignatureBackend, SignatureBackendKind, SignFn, VerifyFn } from './types.js'
export { isSmallOrderEncoding } from './ed25519-rules.js'

/** One backend of one algorithm, loaded or not. */
export interface SignatureBackendInfo {
  readonly algorithm: SignatureAlgorithm
  /** Backend name, as in {@link SignatureBackend.name}. */
  readonly name: string
  readonly kind: SignatureBackendKind
  /** The backend, or `undefined` when it could not be loaded here. */
  readonly backend: SignatureBackend | undefined
  /** Why it could not be loaded, or `undefined` when it loaded. */
  readonly unavailable: string | undefined
  /** Whether a signer or sender key created now without an explicit choice would use it. */
  readonly selected: boolean
}

/** A backend name per algorithm; an algorithm left out takes its environment variable, else the fastest. */
export interface SignatureBackendChoice {
  /** `sodium`, `node` or `noble`. @default process.env.WIRESEAL_ED25519_BACKEND, else the fastest loaded */
  readonly Ed25519?: string
  /** `libsecp256k1`, `node` or `noble`. @default process.env.WIRESEAL_SECP256K1_BACKEND, else the fastest loaded */
  readonly secp256k1?: string
}

/** The environment variable that forces each algorithm's backend by name. */
export const SIGNATURE_BACKEND_ENV: Readonly<Record<SignatureAlgorithm, string>> = Object.freeze({
  Ed25519: 'WIRESEAL_ED25519_BACKEND',
  secp256k1: 'WIRESEAL_SECP256K1_BACKEND'
})

interface Entry {
  readonly algorithm: SignatureAlgorithm
  readonly name: string
  readonly kind: SignatureBackendKind
  readonly backend: SignatureBackend | undefined
  readonly unavailable: string | undefined
}

function entry (algorithm: SignatureAlgorithm, name: string, kind: SignatureBackendKind, backend: SignatureBackend | undefined, unavailable?: string): Entry {
  return Object.freeze({ algorithm, name, kind, backend, unavailable: backend === undefined ? unavailable ?? 'not loaded' : undefined })
}

/**
 * Fastest first. Measured through wireseal's signers and sender keys on 2
 * shared cores, Node 20, 145 signed bytes, sign / verify per second: Ed25519
 * sodium 48.8k / 18.2k, node 27.1k / 8.3k, noble 2.8k / 0.9k (@libp2p/crypto
 * 11.3k / 8.4k); secp256k1 libsecp256k1 23.2k / 16.1k, node 2.7k / 2.9k,
 * noble 1.6k / 0.7k (@libp2p/crypto 1.8k / 0.5k).
 */
const BACKENDS: readonly Entry[] = Object.freeze([
  entry('Ed25519', 'sodium', 'native', ed25519Sodium, ed25519SodiumUnavailable),
  entry('Ed25519', 'node', 'node', ed25519Node),
  entry('Ed25519', 'noble', 'portable', ed25519Noble),
  entry('secp256k1', 'libsecp256k1', 'native', secp256k1Native, secp256k1NativeUnavailable),
  entry('secp256k1', 'node', 'node', secp256k1Node),
  entry('secp256k1', 'noble', 'portable', secp256k1Noble)
])

function envChoice (algorithm: SignatureAlgorithm): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
  const value = env?.[SIGNATURE_BACKEND_ENV[algorithm]]
  return value === undefined || value === '' ? undefined : value
}

function candidates (algorithm: SignatureAlgorithm): Entry[] {
  return BACKENDS.filter((b) => b.algorithm === algorithm)
}

/**
 * The backend of `algorithm` named `name`, else the one named by its
 * environment variable, else the fastest that loaded. Throws
 * {@link InvalidConfigError} for an unknown name and
 * {@link CodecUnavailableError} for a known backend that could not be loaded here.
 */
export function getSignatureBackend (algorithm: SignatureAlgorithm, name?: string): SignatureBackend {
  const list = candidates(algorithm)
  const wanted = name ?? envChoice(algorithm)
  if (wanted === undefined) {
    // node:crypto always loads on Node; noble everywhere
    return (list.find((b) => b.backend !== undefined) as Entry).backend as SignatureBackend
  }
  const chosen = list.find((b) => b.name === wanted)
  if (chosen === undefined) {
    const option = name === undefined ? SIGNATURE_BACKEND_ENV[algorithm] : `${algorithm} backend`
    throw new InvalidConfigError(option, `one of ${list.map((b) => b.name).join(', ')}, got ${JSON.stringify(wanted)}`)
  }
  if (chosen.backend === undefined) throw new CodecUnavailableError(`${algorithm}/${chosen.name}`, chosen.unavailable ?? 'not loaded')
  return chosen.backend
}

/**
 * Lists the backends of one algorithm, or of all, fastest first, including
 * those that failed to load (with the reason) and marking the one in use.
 */
export function listSignatureBackends (algorithm?: SignatureAlgorithm): readonly SignatureBackendInfo[] {
  const algorithms: SignatureAlgorithm[] = algorithm === undefined ? ['Ed25519', 'secp256k1'] : [algorithm]
  return Object.freeze(algorithms.flatMap((a) => {
    let inUse: SignatureBackend | undefined
    try {
      inUse = getSignatureBackend(a)
    } catch {
      inUse = undefined // the environment names a backend that is unknown or missing: creating a key will say so
    }
    return candidates(a).map((b) => Object.freeze({ ...b, selected: b.backend !== undefined && b.backend === inUse }))
  }))
}

/** One backend per algorithm, resolved once (a signer, a sender key cache). */
export interface ResolvedSignatureBackends {
  readonly Ed25519: SignatureBackend
  readonly secp256k1: SignatureBackend
}

/**
 * Resolves a {@link SignatureBackendChoice} (environment variables and the
 * fastest backend filling the gaps) at once, so an unknown or unavailable
 * backend throws when the signer or cache is created, not on first use.
 */
export function resolveSignatureBackends (choice: SignatureBackendChoice = {}): ResolvedSignatureBackends {
  return Object.freeze({
    Ed25519: getSignatureBackend('Ed25519', choice.Ed25519),
    secp256k1: getSignatureBackend('secp256k1', choice.secp256k1)
  })
}
