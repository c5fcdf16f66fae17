/**
 * Envelope conformance vectors (SPEC.md 15): fixed keys, values, seq and
 * timestamp, and the exact envelope bytes for every built-in serializer x
 * compression, for Block and PeerInfo; every envelope kind (single, empty
 * payload, batch, its first and last item, chunked head and frames, the
 * empty chunked value); every key type (Ed25519, secp256k1, ECDSA P-256 /
 * P-384 / P-521); and must-reject vectors, each breaking one rule of SPEC.md
 * and naming the reason, wire rule and section. The format is described in
 * test/vectors/README.md.
 *
 *   node --import tsx scripts/vectors.ts     # rewrites test/vectors/envelopes.json
 *
 * Ed25519 signatures are deterministic (RFC 8032 5.1.6), so those envelopes
 * are byte-stable. ECDSA (secp256k1, NIST curves; OpenSSL, random nonce) is not: the
 * generator keeps the envelope already in the file when everything but the
 * signature is unchanged and the old signature still verifies, so
 * regenerating does not churn the file.
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createECDH, webcrypto } from 'node:crypto'
import { generateKeyPairFromSeed, privateKeyFromCryptoKeyPair, privateKeyFromRaw, publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { createCodec, type Codec, type OpenAccepted } from '../src/codec/index.js'
import { createCompressorSet, type CompressorSet } from '../src/compress/index.js'
import { DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL } from '../src/compress/levels.js'
import type { CompressionName } from '../src/compress/types.js'
import { joinBatchItems } from '../src/envelope/batch.js'
import { domainPrefix, parseEnvelope } from '../src/envelope/envelope.js'
import type { EnvelopeHeader } from '../src/envelope/header.js'
import { createLimits, DEFAULT_LIMITS, DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_MESSAGE_AGE_MS, DEFAULT_SIGNATURE_DOMAIN } from '../src/limits.js'
import type { RejectReason } from '../src/codec/index.js'
import { rejectVectors } from './vectors-reject.js'
import type { WireRule } from '../src/errors.js'
import { sha256 } from '../src/integrity/sha256.js'
import type { Sequencer } from '../src/replay/sequencer.js'
import { BlockType, PeerInfoType, createSerializerRegistry, type Block, type PeerInfo, type Serializer } from '../src/serialize/index.js'

/** Where the committed vectors live. */
export const VECTORS_PATH = fileURLToPath(new URL('../test/vectors/envelopes.json', import.meta.url))

/** `format` field of the vector file. */
export const VECTORS_FORMAT = 'wireseal/envelope-vectors'

/** Version of the vector file layout. */
export const VECTORS_VERSION = 2

/** Channel every vector is sealed for. */
export const VECTOR_CHANNEL = 'wireseal/vectors/v1'

/** Sequence number of every vector (a batch takes `seq .. seq + count - 1`). */
export const VECTOR_SEQ = 4242

/** Sender clock of every vector, ms since the epoch (2023-11-14T22:13:20Z). */
export const VECTOR_TIMESTAMP = 1_700_000_000_000

/** Ed25519 secret key (seed) of RFC 8032 section 7.1, TEST 1. */
export const ED25519_SEED_HEX = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'

/** A fixed secp256k1 private key (32 bytes, below the group order). */
export const SECP256K1_RAW_HEX = 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721'

/**
 * Fixed ECDSA private scalars (hex, below each group order), one per curve.
 * Any fixed value works: they only make the public keys (and so the headers) stable.
 */
export const ECDSA_SCALARS_HEX: Readonly<Record<'P-256' | 'P-384' | 'P-521', string>> = Object.freeze({
  'P-256': 'c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721',
  'P-384': '6b9d3dad2e1b8c1c05b19875b6659f4de23c3b667bf297ba9aa47740787137d896d5724e4c70a825f872c9ea60d2edf5',
  'P-521': '00fad06daa62ba3b25d2fb40133da757205de67f5bb0018fee8c86e1b68c7e75caa896eb32f1f47c70855836a6d16fcc1466f6d8fbec67db89ec0f0d5f5e0ee3a3bd'
})

/** Chunk size of the chunked vectors (small, so a short value spans several chunks). */
export const VECTOR_CHUNK_BYTES = 128

/** Compression backends the vectors are generated with: the portable ones, installed everywhere. */
export const DEFAULT_VECTOR_BACKENDS: Readonly<Record<Exclude<CompressionName, 'none'>, string>> = Object.freeze({
  snappy: 'snappyjs',
  gzip: 'fflate',
  zstd: 'zstd-wasm'
})

/** Key types of the vector file (`ECDSA P-256` etc. name the curve). */
export type VectorKeyType = 'Ed25519' | 'secp256k1' | 'ECDSA P-256' | 'ECDSA P-384' | 'ECDSA P-521'

/** A key of the vector file. */
export interface VectorKey {
  name: string
  type: VectorKeyType
  /** Ed25519: the 32-byte seed; secp256k1 and ECDSA: the private scalar, big-endian (hex). */
  secret: string
  /** libp2p protobuf public key (hex), as it appears in the header. */
  publicKey: string
  /** Sender id (peer id, base58btc). */
  id: string
}

/** Header fields as JSON: byte fields in hex. */
export type HeaderJson = Omit<EnvelopeHeader, 'digest' | 'itemsRoot' | 'publicKey'> & { digest: string, itemsRoot: string, publicKey: string }

/** One envelope vector. */
export interface EnvelopeVector {
  /** Unique name, `Type/serializer/compression[/variant]`. */
  name: string
  /** Name of the signing key in `keys`. */
  key: string
  /** `single`, `batch`, `item` (one batch item forwarded with its inclusion proof), or `chunked` (a head and its frames). */
  kind: 'single' | 'batch' | 'item' | 'chunked'
  type: { id: number, name: string }
  serializer: { id: number, name: string }
  compression: { id: number, name: CompressionName, backend: string }
  /** Names in `values` of the message(s) carried, in order (an item: the one item). */
  values: string[]
  /** Item only: its index in the batch. */
  index?: number
  /** Serialized message (single), `uvarint(len) || item` list (batch) or the item (item), before compression (hex). */
  serialized: string
  /** The decoded header. */
  header: HeaderJson
  /** Exact header bytes (hex): what is signed after the domain prefix. */
  headerBytes: string
  /** Signature (hex). */
  signature: string
  /** The whole envelope (hex); for `chunked`, the head envelope. */
  envelope: string
  /** Chunked only: the chunk frames (hex), in index order. */
  frames?: string[]
  /** False when the signature (and so the envelope bytes) differ on every signing (secp256k1 ECDSA). */
  deterministic: boolean
}

/** The vector file. */
export interface VectorFile {
  format: string
  version: number
  generator: string
  domain: string
  /** `uvarint(len(domain)) || domain` (hex), the prefix of every signed message. */
  domainPrefix: string
  channel: string
  seq: number
  timestamp: number
  /** Compression backend per format, and the levels, the bytes were produced with. */
  backends: Record<CompressionName, string>
  levels: { gzip: number, zstd: number }
  keys: VectorKey[]
  /** Message values by name; bytes in hex, uint64 as decimal strings. */
  values: Record<string, { type: string, value: Record<string, unknown> }>
  vectors: EnvelopeVector[]
  /** What a receiver of the must-reject vectors is configured with. */
  receiver: { now: number, maxPayloadBytes: number, chunkBytes: number, maxBatchItems: number, maxClockSkewMs: number, maxMessageAgeMs: number }
  /** Must-reject vectors: each breaks one rule. */
  rejects: RejectVector[]
}

/** A must-reject vector. */
export interface RejectVector {
  /** Unique name, `area/what`. */
  name: string
  /** What is wrong, one line. */
  description: string
  /** SPEC.md section the bytes break (e.g. `4.3`). */
  section: string
  /** The envelope (hex); for a chunked case the head. */
  envelope: string
  /** Chunked only: frames offered after the head opened; the last one is the one refused. */
  frames?: string[]
  /** Channel the receiver opens on. @default the file's `channel` */
  channel?: string
  /**
   * The expected refusal: `reason` of open() (or of the chunk frame), and for
   * `malformed` the wire rule (`rule`) when the refusal is structural.
   */
  expect: { reason: RejectReason | 'bad-proof' | 'bad-index' | 'bad-size' | 'duplicate', rule?: WireRule }
}

/** Options of {@link generateVectors}. */
export interface GenerateInit {
  /**
   * Backend per compression format.
   * @default DEFAULT_VECTOR_BACKENDS
   */
  backends?: Partial<Record<Exclude<CompressionName, 'none'>, string>>
  /**
   * An existing vector file whose non-deterministic envelopes are kept when
   * still valid (see the module notes).
   * @default undefined
   */
  previous?: VectorFile
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))

function text (n: number, seed: string): Uint8Array {
  const unit = new TextEncoder().encode(seed)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = unit[i % unit.length] as number
  return out
}

function counting (n: number, start: number): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (start + i) & 0xff
  return out
}

/** The fixed message values. */
export function vectorValues (): { blocks: Record<string, Block>, peerInfos: Record<string, PeerInfo> } {
  const data = text(300, '{"tx":"0x5e1d","from":"0xa11ce","to":"0xb0b","value":"1000000000000000000"};')
  const blocks: Record<string, Block> = {
    block: { hash: sha256(data), data, timestamp: 1_700_000_000_000n, ttl: 3600, version: 1, signature: counting(64, 0x40) },
    'block-edge': { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 2n ** 64n - 1n, ttl: 0xffff_ffff, version: 0, signature: new Uint8Array(0) },
    // every field at its default: 0 bytes in protobuf, so an envelope without a payload field
    'block-empty': { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) }
  }
  for (let i = 0; i < 3; i++) {
    const d = text(40 + 20 * i, `item ${i};`)
    blocks[`batch-${i}`] = { hash: sha256(d), data: d, timestamp: BigInt(VECTOR_TIMESTAMP + i), ttl: 60, version: 2, signature: counting(8, i) }
  }
  const peerInfos: Record<string, PeerInfo> = {
    'peer-info': {
      // shaped like an identity multihash of an Ed25519 public key
      peerId: Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...counting(32, 0xa0)]),
      multiaddrs: [
        unhex('047f000001060fa1'), // /ip4/127.0.0.1/tcp/4001
        unhex('040a000002060fa1'), // /ip4/10.0.0.2/tcp/4001
        unhex('29000000000000000000000000000000010601bb') // /ip6/::1/tcp/443
      ],
      metadata: { agent: 'wireseal/0.1.0', region: 'eu-west', roles: 'relay,archive,relay,archive,relay,archive', 'naïve-ключ': 'värde ✓' }
    }
  }
  return { blocks, peerInfos }
}

function blockJson (b: Block): Record<string, unknown> {
  return { hash: hex(b.hash), data: hex(b.data), timestamp: b.timestamp.toString(), ttl: b.ttl, version: b.version, signature: hex(b.signature) }
}

function peerInfoJson (p: PeerInfo): Record<string, unknown> {
  return { peerId: hex(p.peerId), multiaddrs: p.multiaddrs.map(hex), metadata: { ...p.metadata } }
}

/** Reads a Block back from its JSON form in the vector file. */
export function blockFromJson (j: Record<string, unknown>): Block {
  return {
    hash: unhex(j.hash as string),
    data: unhex(j.data as string),
    timestamp: BigInt(j.timestamp as string),
    ttl: j.ttl as number,
    version: j.version as number,
    signature: unhex(j.signature as string)
  }
}

/** Reads a PeerInfo back from its JSON form in the vector file. */
export function peerInfoFromJson (j: Record<string, unknown>): PeerInfo {
  return {
    peerId: unhex(j.peerId as string),
    multiaddrs: (j.multiaddrs as string[]).map(unhex),
    metadata: { ...(j.metadata as Record<string, string>) }
  }
}

/** The value named `name` in a vector file, decoded. */
export function valueFromFile (file: VectorFile, name: string): Block | PeerInfo {
  const entry = file.values[name]
  if (entry === undefined) throw new RangeError(`no value ${name}`)
  return entry.type === 'Block' ? blockFromJson(entry.value) : peerInfoFromJson(entry.value)
}

function headerJson (h: EnvelopeHeader): HeaderJson {
  return { ...h, digest: hex(h.digest), itemsRoot: hex(h.itemsRoot), publicKey: hex(h.publicKey) }
}

/** The fixed keys. */
export async function vectorKeys (): Promise<Array<{ name: string, type: VectorKeyType, secret: string, key: PrivateKey }>> {
  const keys: Array<{ name: string, type: VectorKeyType, secret: string, key: PrivateKey }> = [
    { name: 'ed25519', type: 'Ed25519', secret: ED25519_SEED_HEX, key: await generateKeyPairFromSeed('Ed25519', unhex(ED25519_SEED_HEX)) },
    { name: 'secp256k1', type: 'secp256k1', secret: SECP256K1_RAW_HEX, key: privateKeyFromRaw(unhex(SECP256K1_RAW_HEX)) }
  ]
  for (const [curve, scalar] of Object.entries(ECDSA_SCALARS_HEX) as Array<[keyof typeof ECDSA_SCALARS_HEX, string]>) {
    keys.push({ name: `ecdsa-${curve.toLowerCase()}`, type: `ECDSA ${curve}`, secret: scalar, key: await ecdsaKey(curve, unhex(scalar)) })
  }
  return keys
}

/** An ECDSA private key from its scalar: the public point computed by node:crypto, imported through WebCrypto JWK. */
async function ecdsaKey (curve: keyof typeof ECDSA_SCALARS_HEX, d: Uint8Array): Promise<PrivateKey> {
  const names = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' } as const
  const e = createECDH(names[curve])
  e.setPrivateKey(Buffer.from(d))
  const point = e.getPublicKey()
  const n = (point.length - 1) / 2
  const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
  const jwk = { kty: 'EC', crv: curve, x: b64(point.subarray(1, 1 + n)), y: b64(point.subarray(1 + n)), ext: true }
  const algorithm = { name: 'ECDSA', namedCurve: curve }
  const privateKey = await webcrypto.subtle.importKey('jwk', { ...jwk, d: b64(d) }, algorithm, true, ['sign'])
  const publicKey = await webcrypto.subtle.importKey('jwk', jwk, algorithm, true, ['verify'])
  return privateKeyFromCryptoKeyPair({ privateKey, publicKey } as unknown as Parameters<typeof privateKeyFromCryptoKeyPair>[0])
}

/** A sequencer stub: always {@link VECTOR_SEQ}. */
const fixedSequencer: Sequencer = { next: () => VECTOR_SEQ, writes: 0 }

function vectorOf (
  name: string,
  keyName: string,
  kind: EnvelopeVector['kind'],
  serializer: Serializer,
  compressors: CompressorSet,
  values: string[],
  serialized: Uint8Array,
  envelope: Uint8Array,
  deterministic: boolean,
  index?: number,
  frames?: Uint8Array[]
): EnvelopeVector {
  const env = parseEnvelope(envelope, DEFAULT_LIMITS)
  const compression = compressors.get(env.header.compression)
  return {
    name,
    key: keyName,
    kind,
    type: { id: serializer.type.id, name: serializer.type.name },
    serializer: { id: serializer.id, name: serializer.name },
    compression: { id: compression.id, name: compression.name, backend: compression.backend },
    values,
    ...(index === undefined ? {} : { index }),
    serialized: hex(serialized),
    header: headerJson(env.header),
    headerBytes: hex(env.headerBytes),
    signature: hex(env.signature),
    envelope: hex(envelope),
    ...(frames === undefined ? {} : { frames: frames.map(hex) }),
    deterministic
  }
}

/** Keeps a previous non-deterministic vector when only its signature differs and it still verifies. */
async function keepPrevious (fresh: EnvelopeVector, previous: VectorFile | undefined, prefix: Uint8Array): Promise<EnvelopeVector> {
  if (fresh.deterministic || previous === undefined) return fresh
  const old = previous.vectors.find((v) => v.name === fresh.name)
  if (old === undefined || old.headerBytes !== fresh.headerBytes || old.serialized !== fresh.serialized) return fresh
  if (old.frames?.join() !== fresh.frames?.join()) return fresh
  const withOldSig = { ...fresh, signature: old.signature, envelope: old.envelope }
  try {
    const env = parseEnvelope(unhex(old.envelope), DEFAULT_LIMITS)
    if (hex(env.headerBytes) !== fresh.headerBytes || hex(env.signature) !== old.signature) return fresh
    const signed = new Uint8Array(prefix.length + env.headerBytes.length)
    signed.set(prefix)
    signed.set(env.headerBytes, prefix.length)
    // verified by @libp2p/crypto, independently of the codec
    // (ECDSA verification is asynchronous in @libp2p/crypto: WebCrypto)
    const ok = await publicKeyFromProtobuf(env.header.publicKey).verify(signed, env.signature)
    return ok ? withOldSig : fresh
  } catch {
    return fresh
  }
}

/** Builds the vector file in memory. */
export async function generateVectors (init: GenerateInit = {}): Promise<VectorFile> {
  const backends = { ...DEFAULT_VECTOR_BACKENDS, ...init.backends }
  const compressors = createCompressorSet(backends)
  const registry = createSerializerRegistry()
  const keys = await vectorKeys()
  const { blocks, peerInfos } = vectorValues()
  const prefix = domainPrefix(DEFAULT_SIGNATURE_DOMAIN)
  const sender = (key: PrivateKey): Codec => createCodec({
    privateKey: key,
    serializers: registry,
    compressors,
    sequencer: fixedSequencer,
    now: () => VECTOR_TIMESTAMP
  })
  const ed = sender(keys[0]!.key)
  const vectors: EnvelopeVector[] = []
  const formats = registry.list().filter((s) => s.type.id === BlockType.id).map((s) => s.id)
  const compressions: CompressionName[] = ['none', 'snappy', 'gzip', 'zstd']

  for (const format of formats) {
    const blockSer = registry.get(BlockType.id, format) as Serializer<Block>
    const peerSer = registry.get(PeerInfoType.id, format) as Serializer<PeerInfo>
    for (const compression of compressions) {
      const b = blocks.block!
      vectors.push(vectorOf(`Block/${blockSer.name}/${compression}`, 'ed25519', 'single', blockSer, compressors, ['block'],
        blockSer.encode(b), ed.seal(BlockType, b, { channel: VECTOR_CHANNEL, serializer: format, compression }), true))
      const p = peerInfos['peer-info']!
      vectors.push(vectorOf(`PeerInfo/${peerSer.name}/${compression}`, 'ed25519', 'single', peerSer, compressors, ['peer-info'],
        peerSer.encode(p), ed.seal(PeerInfoType, p, { channel: VECTOR_CHANNEL, serializer: format, compression }), true))
    }
    const edge = blocks['block-edge']!
    vectors.push(vectorOf(`Block/${blockSer.name}/none/edge`, 'ed25519', 'single', blockSer, compressors, ['block-edge'],
      blockSer.encode(edge), ed.seal(BlockType, edge, { channel: VECTOR_CHANNEL, serializer: format, compression: 'none' }), true))
  }

  // A batch of three Blocks (protobuf, zstd) and its first and last items forwarded alone.
  const protobufBlock = registry.get(BlockType.id, 1) as Serializer<Block>
  const batchNames = ['batch-0', 'batch-1', 'batch-2']
  const batchValues = batchNames.map((n) => blocks[n]!)
  const batch = ed.sealBatch(BlockType, batchValues, { channel: VECTOR_CHANNEL, compression: 'zstd' })
  const items = batchValues.map((v) => protobufBlock.encode(v))
  vectors.push(vectorOf('Block/protobuf/zstd/batch', 'ed25519', 'batch', protobufBlock, compressors, batchNames, joinBatchItems(items), batch, true))
  const opened = createCodec({ serializers: registry, compressors, now: () => VECTOR_TIMESTAMP }).open(batch, { channel: VECTOR_CHANNEL })
  if (!opened.ok) throw new Error(`vector batch does not open: ${opened.reason}`)
  for (const index of [0, 2]) {
    const item = (opened as OpenAccepted).itemEnvelope!(index)
    vectors.push(vectorOf(`Block/protobuf/zstd/batch/item-${index}`, 'ed25519', 'item', protobufBlock, compressors, [`batch-${index}`], items[index]!, item, true, index))
  }

  // The empty payload: a Block at its defaults serializes to 0 bytes (no payload field).
  const empty = blocks['block-empty']!
  vectors.push(vectorOf('Block/protobuf/none/empty', 'ed25519', 'single', protobufBlock, compressors, ['block-empty'],
    protobufBlock.encode(empty), ed.seal(BlockType, empty, { channel: VECTOR_CHANNEL, compression: 'none' }), true))

  // Chunked: a head and its frames, VECTOR_CHUNK_BYTES per chunk, and the empty value (0 chunks).
  const chunker = createCodec({ privateKey: keys[0]!.key, serializers: registry, compressors, sequencer: fixedSequencer, now: () => VECTOR_TIMESTAMP, limits: createLimits({ chunkBytes: VECTOR_CHUNK_BYTES }) })
  for (const [name, value, compression] of [['block', blocks.block!, 'none'], ['block', blocks.block!, 'gzip'], ['block-empty', empty, 'none']] as const) {
    const [head, ...frames] = chunker.sealChunked(BlockType, value, { channel: VECTOR_CHANNEL, compression })
    vectors.push(vectorOf(`Block/protobuf/${compression}/chunked${name === 'block-empty' ? '/empty' : ''}`, 'ed25519', 'chunked', protobufBlock, compressors, [name],
      protobufBlock.encode(value), head!, true, undefined, frames))
  }

  // Every other key type: same layout, ECDSA signatures with a random nonce.
  const b = blocks.block!
  for (const k of keys.slice(1)) {
    vectors.push(await keepPrevious(vectorOf(`Block/protobuf/none/${k.name}`, k.name, 'single', protobufBlock, compressors, ['block'],
      protobufBlock.encode(b), sender(k.key).seal(BlockType, b, { channel: VECTOR_CHANNEL, compression: 'none' }), false), init.previous, prefix))
  }

  const values: VectorFile['values'] = {}
  for (const [name, v] of Object.entries(blocks)) values[name] = { type: 'Block', value: blockJson(v) }
  for (const [name, v] of Object.entries(peerInfos)) values[name] = { type: 'PeerInfo', value: peerInfoJson(v) }

  return {
    format: VECTORS_FORMAT,
    version: VECTORS_VERSION,
    generator: 'node --import tsx scripts/vectors.ts',
    domain: DEFAULT_SIGNATURE_DOMAIN,
    domainPrefix: hex(prefix),
    channel: VECTOR_CHANNEL,
    seq: VECTOR_SEQ,
    timestamp: VECTOR_TIMESTAMP,
    backends: { none: compressors.none.backend, snappy: compressors.snappy.backend, gzip: compressors.gzip.backend, zstd: compressors.zstd.backend },
    levels: { gzip: DEFAULT_GZIP_LEVEL, zstd: DEFAULT_ZSTD_LEVEL },
    keys: keys.map((k) => {
      const publicKey = vectors.find((v) => v.key === k.name)?.header.publicKey ?? ''
      return { name: k.name, type: k.type, secret: k.secret, publicKey, id: k.key.publicKey.toString() }
    }),
    values,
    vectors,
    receiver: { now: VECTOR_TIMESTAMP, maxPayloadBytes: DEFAULT_LIMITS.maxPayloadBytes, chunkBytes: DEFAULT_LIMITS.chunkBytes, maxBatchItems: DEFAULT_LIMITS.maxBatchItems, maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS, maxMessageAgeMs: DEFAULT_MAX_MESSAGE_AGE_MS },
    rejects: await rejectVectors(keys, vectors, init.previous)
  }
}

/** The vector file as committed: 2-space JSON and a final newline. */
/** A vector file as committed: JSON indented by two spaces, with a final newline. */
export function vectorFileText (file: object): string {
  return JSON.stringify(file, null, 2) + '\n'
}

/** Reads a committed vector file. */
export function readVectorFile<T> (path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

export function serializeVectors (file: VectorFile): string {
  return vectorFileText(file)
}

/** Reads the committed vector file. */
export function readVectors (path: string = VECTORS_PATH): VectorFile {
  return readVectorFile(path)
}

async function main (): Promise<void> {
  let previous: VectorFile | undefined
  try {
    previous = readVectors()
  } catch {
    previous = undefined
  }
  const file = await generateVectors({ previous })
  writeFileSync(VECTORS_PATH, serializeVectors(file))
  process.stdout.write(`wrote ${file.vectors.length} vectors to ${VECTORS_PATH} (backends: ${Object.values(file.backends).join(', ')})\n`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main()
}
