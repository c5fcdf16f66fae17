/**
 * Shared fixtures of the codec tests: keys, values, the serializer registry, and
 * the attacker's tools (re-encode a header, re-frame an envelope with an old
 * signature, spy on a decompressor).
 *
 * @module
 */
import { generateKeyPair, generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { createLimits, DEFAULT_SIGNATURE_DOMAIN, type WireLimits } from '../../src/limits.js'
import { createCodec, type Codec, type CodecInit, type OpenResult } from '../../src/codec/index.js'
import type { Serializer } from '../../src/serialize/types.js'
import { BlockType, PeerInfoType, type Block, type PeerInfo } from '../../src/serialize/messages.js'
import { createSerializerRegistry, protobufBlock, protobufPeerInfo, type SerializerRegistry } from '../../src/serialize/index.js'
import type { Compressor } from '../../src/compress/types.js'
import { PbWriter } from '../../src/envelope/pb.js'
import { encodeChannel, headerLength, writeHeader, type HeaderParts } from '../../src/envelope/header.js'
import { domainPrefix, encodeEnvelope, encodeSignedEnvelope, parseEnvelope, type ParsedEnvelope } from '../../src/envelope/envelope.js'
import { createSigner, type EnvelopeSigner } from '../../src/envelope/keys.js'

export { BlockType, PeerInfoType }
export type { Block, PeerInfo }

/** A fixed clock: 2023-11-14T22:13:20Z. */
export const NOW = 1_700_000_000_000

/** Serializer id a "user" format takes in these tests (128+ are user ids): protobuf under another id. */
export const USER_SERIALIZER_ID = 200

function renamed<T> (s: Serializer<T>, id: number): Serializer<T> {
  return Object.freeze({ id, name: `user-${id}`, type: s.type, encode: s.encode, decode: s.decode })
}

/**
 * The built-in registry of `wireseal/serialize`, plus protobuf again under
 * {@link USER_SERIALIZER_ID} (a user format, as an application would register one).
 */
export const serializers: SerializerRegistry = createSerializerRegistry()
  .register(renamed(protobufBlock, USER_SERIALIZER_ID))
  .register(renamed(protobufPeerInfo, USER_SERIALIZER_ID))

/** Every built-in format as a [Block, PeerInfo] serializer pair, by serializer id. */
export const BUILTIN_FORMATS: ReadonlyArray<readonly [Serializer<Block>, Serializer<PeerInfo>]> = createSerializerRegistry()
  .list()
  .filter((s) => s.type.id === BlockType.id)
  .map((s) => [s as Serializer<Block>, serializers.get(PeerInfoType.id, s.id) as Serializer<PeerInfo>] as const)

/** Deterministic bytes `0, k, 2k, ...` (mod 256) of length n. */
export function pattern (n: number, k = 7): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * k) & 0xff
  return out
}

/** Bytes from a seeded xorshift32: incompressible, reproducible. */
export function noise (n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed | 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** A Block; `dataBytes` of compressible text-like data. */
export function block (i = 0, dataBytes = 64): Block {
  const text = new TextEncoder().encode(`{"tx":${i},"from":"0xabc","to":"0xdef","value":"1000000000000000000"}`)
  const data = new Uint8Array(dataBytes)
  for (let o = 0; o < dataBytes; o++) data[o] = text[o % text.length] as number
  return {
    hash: pattern(32, 3 + i),
    data,
    timestamp: BigInt(NOW) + BigInt(i),
    ttl: 3600,
    version: 1,
    signature: pattern(64, 11 + i)
  }
}

/** A PeerInfo with two multiaddrs and two metadata entries. */
export function peerInfo (i = 0): PeerInfo {
  return {
    peerId: pattern(38, 5 + i),
    multiaddrs: [Uint8Array.from([4, 127, 0, 0, 1, 6, 0x0f, 0xa1]), Uint8Array.from([4, 10, 0, 0, i & 0xff, 6, 0x10, 0x00])],
    metadata: { agent: 'wireseal/0.1.0', region: `eu-${i}` }
  }
}

/** Ed25519 key from a seed whose bytes are all `n`. */
export async function seededKey (n: number): Promise<PrivateKey> {
  return generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(n))
}

/** Key kinds a sender may use. */
export type KeyKind = 'Ed25519' | 'secp256k1' | 'ECDSA P-256' | 'ECDSA P-384' | 'ECDSA P-521'

/** A fresh key of any supported type. */
export async function freshKey (kind: KeyKind = 'Ed25519'): Promise<PrivateKey> {
  switch (kind) {
    case 'Ed25519': return generateKeyPair('Ed25519')
    case 'secp256k1': return generateKeyPair('secp256k1')
    case 'ECDSA P-256': return generateKeyPair('ECDSA', 'P-256')
    case 'ECDSA P-384': return generateKeyPair('ECDSA', 'P-384')
    case 'ECDSA P-521': return generateKeyPair('ECDSA', 'P-521')
  }
}

/** A codec with the test lookup and the fixed clock; `init` overrides. */
export function codec (init: Partial<CodecInit> = {}): Codec {
  return createCodec({ serializers, now: () => NOW, ...init })
}

/** The reason of an open/verify result (`ok` when accepted). */
export function reasonOf (r: OpenResult | { ok: true } | { ok: false, reason: string }): string {
  return r.ok ? 'ok' : r.reason
}

/** Limits generous enough for the attacker's tools to parse anything the tests build. */
export const ATTACKER_LIMITS: WireLimits = createLimits({ maxPayloadBytes: 64 * 1024 * 1024 })

/** Default signed-message prefix. */
export const DEFAULT_PREFIX = domainPrefix(DEFAULT_SIGNATURE_DOMAIN)

/** Parses an envelope without verifying anything (the attacker reads the bytes). */
export function parse (bytes: Uint8Array, limits: WireLimits = ATTACKER_LIMITS): ParsedEnvelope {
  return parseEnvelope(bytes, limits)
}

/** Header fields of a parsed envelope, as writable parts. */
export function headerParts (env: ParsedEnvelope): HeaderParts {
  return { ...env.header, channelBytes: encodeChannel(env.header.channel) }
}

/** Canonical header bytes of `parts`. */
export function encodeHeader (parts: HeaderParts): Uint8Array {
  const out = new Uint8Array(headerLength(parts))
  writeHeader(new PbWriter(out), parts)
  return out
}

/** What an attacker changes when re-framing an envelope. */
export interface Reframe {
  /** Changes header fields (the header is re-encoded canonically). */
  header?: (h: HeaderParts) => void
  /** New payload bytes. */
  payload?: Uint8Array
  /** New item fields (index/proof) of a forwarded batch item; `null` drops them. */
  item?: { index: number, proof: Uint8Array } | null
  /** Signs the (changed) header with this key instead of keeping the old signature. */
  signer?: EnvelopeSigner
  /** Domain prefix for `signer`. */
  prefix?: Uint8Array
  /** Limits to parse the original with (chunked heads need the sender's chunk size). */
  limits?: WireLimits
}

/**
 * Rebuilds an envelope with changes, keeping the old signature unless
 * `signer` is given (then the header is signed anew, public key included as
 * set by `header`).
 */
export function reframe (bytes: Uint8Array, change: Reframe): Uint8Array {
  const env = parse(bytes, change.limits)
  const parts = headerParts(env)
  change.header?.(parts)
  const payload = change.payload ?? env.payload
  const item = change.item === null
    ? undefined
    : change.item ?? (env.index !== undefined && env.proof !== undefined ? { index: env.index, proof: env.proof } : undefined)
  if (change.signer !== undefined) {
    return encodeEnvelope({ signer: change.signer, prefix: change.prefix ?? DEFAULT_PREFIX, header: parts, payload, item })
  }
  return encodeSignedEnvelope({ headerBytes: encodeHeader(parts), signature: env.signature, payload, item })
}

/** A signer for a private key (the attacker's own, or a test sender's). */
export function signerOf (key: PrivateKey): EnvelopeSigner {
  return createSigner(key)
}

/** One recorded decompress call. */
export interface DecompressCall {
  inputLength: number
  maxOutput: number
}

/** Wraps a compressor so that every decompress call is recorded (and still performed). */
export function spyOn (inner: Compressor): { compressor: Compressor, calls: DecompressCall[] } {
  const calls: DecompressCall[] = []
  const compressor: Compressor = Object.freeze({
    id: inner.id,
    name: inner.name,
    backend: `spy(${inner.backend})`,
    compress: (input: Uint8Array) => inner.compress(input),
    decompress (input: Uint8Array, maxOutput: number): Uint8Array {
      calls.push({ inputLength: input.length, maxOutput })
      return inner.decompress(input, maxOutput)
    }
  })
  return { compressor, calls }
}

/** Copy of `bytes` with bit `bit` of byte `pos` flipped. */
export function flipBit (bytes: Uint8Array, pos: number, bit: number): Uint8Array {
  const out = bytes.slice()
  out[pos] = (out[pos] as number) ^ (1 << bit)
  return out
}

/** Fisher-Yates with a seeded xorshift32 (reproducible). */
export function shuffle<T> (items: readonly T[], seed = 42): T[] {
  const out = items.slice()
  let x = seed | 0 || 1
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    const j = (x >>> 0) % (i + 1)
    const t = out[i] as T
    out[i] = out[j] as T
    out[j] = t
  }
  return out
}

/** Group orders of the ECDSA curves (SEC 2 / FIPS 186-4 D.1.2). */
const CURVE_ORDER: Readonly<Record<number, bigint>> = {
  32: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  48: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  66: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n
}

/**
 * The other valid ECDSA signature of the same message: `r || (n - s)` for an
 * IEEE P1363 signature (what an attacker can compute without the key).
 */
export function ecdsaTwin (envelope: Uint8Array): Uint8Array {
  const sig = parse(envelope).signature
  const half = sig.length / 2
  const n = CURVE_ORDER[half]
  if (n === undefined) throw new RangeError(`no curve with ${half}-byte scalars`)
  const s = BigInt('0x' + Buffer.from(sig.subarray(half)).toString('hex'))
  const twin = Buffer.from((n - s).toString(16).padStart(half * 2, '0'), 'hex')
  const out = envelope.slice()
  out.set(twin, sig.byteOffset - envelope.byteOffset + half)
  return out
}
