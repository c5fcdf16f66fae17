/**
 * Envelope test vectors: fixed keys, values, seq and timestamp, and the exact
 * envelope bytes for every built-in serializer x compression, for Block and
 * PeerInfo, plus a batch, a forwarded batch item and a secp256k1 envelope.
 * The format is described in test/vectors/README.md.
 *
 *   node --import tsx scripts/vectors.ts     # rewrites test/vectors/envelopes.json
 *
 * Ed25519 signatures are deterministic (RFC 8032 5.1.6), so those envelopes
 * are byte-stable. ECDSA over secp256k1 (OpenSSL, random nonce) is not: the
 * generator keeps the envelope already in the file when everything but the
 * signature is unchanged and the old signature still verifies, so
 * regenerating does not churn the file.
 *
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { generateKeyPairFromSeed, privateKeyFromRaw, publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { createCodec, type Codec, type OpenAccepted } from '../src/codec.js'
import { createCompressorSet, type CompressorSet } from '../src/compress/index.js'
import { DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL } from '../src/compress/levels.js'
import type { CompressionName } from '../src/compress/types.js'
import { joinBatchItems } from '../src/envelope/batch.js'
import { domainPrefix, parseEnvelope } from '../src/envelope/envelope.js'
import type { EnvelopeHeader } from '../src/envelope/header.js'
import { DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN } from '../src/limits.js'
import { sha256 } from '../src/integrity/sha256.js'
import type { Sequencer } from '../src/replay/sequencer.js'
import { BlockType, PeerInfoType, createSerializerRegistry, type Block, type PeerInfo, type Serializer } from '../src/serialize/index.js'

/** Where the committed vectors live. */
export const VECTORS_PATH = fileURLToPath(new URL('../test/vectors/envelopes.json', import.meta.url))

/** `format` field of the vector file. */
export const VECTORS_FORMAT = 'wireseal/envelope-vectors'

/** Version of the vector file layout. */
export const VECTORS_VERSION = 1

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

/** Compression backends the vectors are generated with: the portable ones, installed everywhere. */
export const DEFAULT_VECTOR_BACKENDS: Readonly<Record<Exclude<CompressionName, 'none'>, string>> = Object.freeze({
  snappy: 'snappyjs',
  gzip: 'fflate',
  zstd: 'zstd-wasm'
})

/** A key of the vector file. */
export interface VectorKey {
  name: string
  type: 'Ed25519' | 'secp256k1'
  /** Ed25519: the 32-byte seed; secp256k1: the 32-byte private scalar (hex). */
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
  /** `single`, `batch`, or `item` (one batch item forwarded with its inclusion proof). */
  kind: 'single' | 'batch' | 'item'
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
  /** The whole envelope (hex). */
  envelope: string
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
    'block-edge': { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 2n ** 64n - 1n, ttl: 0xffff_ffff, version: 0, signature: new Uint8Array(0) }
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
export async function vectorKeys (): Promise<Array<{ name: string, type: 'Ed25519' | 'secp256k1', secret: string, key: PrivateKey }>> {
  return [
    { name: 'ed25519', type: 'Ed25519', secret: ED25519_SEED_HEX, key: await generateKeyPairFromSeed('Ed25519', unhex(ED25519_SEED_HEX)) },
    { name: 'secp256k1', type: 'secp256k1', secret: SECP256K1_RAW_HEX, key: privateKeyFromRaw(unhex(SECP256K1_RAW_HEX)) }
  ]
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
  index?: number
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
    deterministic
  }
}

/** Keeps a previous non-deterministic vector when only its signature differs and it still verifies. */
function keepPrevious (fresh: EnvelopeVector, previous: VectorFile | undefined, prefix: Uint8Array): EnvelopeVector {
  if (fresh.deterministic || previous === undefined) return fresh
  const old = previous.vectors.find((v) => v.name === fresh.name)
  if (old === undefined || old.headerBytes !== fresh.headerBytes || old.serialized !== fresh.serialized) return fresh
  const withOldSig = { ...fresh, signature: old.signature, envelope: old.envelope }
  try {
    const env = parseEnvelope(unhex(old.envelope), DEFAULT_LIMITS)
    if (hex(env.headerBytes) !== fresh.headerBytes || hex(env.signature) !== old.signature) return fresh
    const signed = new Uint8Array(prefix.length + env.headerBytes.length)
    signed.set(prefix)
    signed.set(env.headerBytes, prefix.length)
    // verified by @libp2p/crypto, independently of the codec
    const ok = publicKeyFromProtobuf(env.header.publicKey).verify(signed, env.signature)
    return ok === true ? withOldSig : fresh
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
  const secp = sender(keys[1]!.key)
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

  // A batch of three Blocks (protobuf, zstd) and its item 2 forwarded alone.
  const protobufBlock = registry.get(BlockType.id, 1) as Serializer<Block>
  const batchNames = ['batch-0', 'batch-1', 'batch-2']
  const batchValues = batchNames.map((n) => blocks[n]!)
  const batch = ed.sealBatch(BlockType, batchValues, { channel: VECTOR_CHANNEL, compression: 'zstd' })
  const items = batchValues.map((v) => protobufBlock.encode(v))
  vectors.push(vectorOf('Block/protobuf/zstd/batch', 'ed25519', 'batch', protobufBlock, compressors, batchNames, joinBatchItems(items), batch, true))
  const opened = createCodec({ serializers: registry, compressors, now: () => VECTOR_TIMESTAMP }).open(batch, { channel: VECTOR_CHANNEL })
  if (!opened.ok) throw new Error(`vector batch does not open: ${opened.reason}`)
  const item = (opened as OpenAccepted).itemEnvelope!(2)
  vectors.push(vectorOf('Block/protobuf/zstd/batch/item-2', 'ed25519', 'item', protobufBlock, compressors, ['batch-2'], items[2]!, item, true, 2))

  // secp256k1: same layout, ECDSA signature with a random nonce.
  const b = blocks.block!
  vectors.push(keepPrevious(vectorOf('Block/protobuf/none/secp256k1', 'secp256k1', 'single', protobufBlock, compressors, ['block'],
    protobufBlock.encode(b), secp.seal(BlockType, b, { channel: VECTOR_CHANNEL, compression: 'none' }), false), init.previous, prefix))

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
    vectors
  }
}

/** The vector file as committed: 2-space JSON and a final newline. */
export function serializeVectors (file: VectorFile): string {
  return JSON.stringify(file, null, 2) + '\n'
}

/** Reads the committed vector file. */
export function readVectors (path: string = VECTORS_PATH): VectorFile {
  return JSON.parse(readFileSync(path, 'utf8')) as VectorFile
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
