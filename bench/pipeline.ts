/**
 * Seal/open pipeline benchmark (issue 3, "Security layer", Benchmarks):
 *
 * - a Block with 256 B of data, Ed25519: `codec.seal` on the signature
 *   backend in use (libsodium when `sodium-native` is installed) next to a raw
 *   sign of the exact bytes the envelope signs by the fastest backend
 *   installed (libsodium's `crypto_sign_detached`, else node:crypto with a
 *   cached KeyObject), and next to `RecordEnvelope.seal` of @libp2p/peer-record
 *   (RFC 0002 signed envelope) carrying the same serialized Block;
 *   `codec.open` (with a real replay guard, and with `replay: false`) next to
 *   the fastest raw verify and `RecordEnvelope.openAndCertify`; when the
 *   fastest backend is not node:crypto, seal and open again with the codec
 *   forced onto node:crypto, next to the raw node:crypto calls (issue 14:
 *   both backends reported);
 * - a Block with 1 MB of transaction JSON: seal + open through wireseal
 *   (snappy forced) next to the primitives called directly: the fastest
 *   installed snappy compress + decompress and node:crypto SHA-256 once on
 *   each side.
 *
 * @module
 */
import { hash as nodeHash, sign as nodeSign, verify as nodeVerify } from 'node:crypto'
import { createRequire } from 'node:module'
import { RecordEnvelope } from '@libp2p/peer-record'
import type { Record } from '@libp2p/interface'
import { createCodec, type Codec, type OpenOptions, type SealOptions } from '../src/codec/index.js'
import { defaultCompressors } from '../src/compress/index.js'
import { getSignatureBackend, SIGNATURE_BACKEND_ENV } from '../src/envelope/sign-backends/index.js'
import { InvalidConfigError } from '../src/errors.js'
import { BlockType, protobufBlock, type Block } from '../src/serialize/index.js'
import { snappyCodecs, type DirectCodec } from './direct-codecs.js'
import { BENCH_CHANNEL, benchKeys, expectAccepted, messageBlock, RotatingOpener, signedBytesOf, type SignedBytes } from './codec-fixtures.js'
import { ratioOf, target, type BenchContext, type GroupResult, type Suite, type SuiteOutput, type Table, type Target } from './harness.js'

/** Domain of the RFC 0002 baseline envelopes (any string: both sides use it). */
const RECORD_DOMAIN = 'wireseal-bench'
/** Payload type of the baseline record (a private-use multicodec-like tag). */
const RECORD_CODEC = Uint8Array.of(0x03, 0x77)

/** Case names, shared with the test. */
export const PIPELINE_CASES = Object.freeze({
  seal: 'wireseal seal',
  sealNode: 'wireseal seal (node:crypto backend)',
  sodiumSign: 'sodium crypto_sign_detached (secure-memory key)',
  sign: 'node:crypto sign (cached KeyObject)',
  recordSeal: 'RecordEnvelope.seal',
  open: 'wireseal open (replay guard)',
  openNoReplay: 'wireseal open (replay: false)',
  openNode: 'wireseal open (node:crypto backend, replay guard)',
  sodiumVerify: 'sodium crypto_sign_verify_detached',
  verify: 'node:crypto verify (cached KeyObject)',
  recordOpen: 'RecordEnvelope.openAndCertify',
  sealOpen: 'wireseal seal+open (snappy)',
  primitives: 'snappy + SHA-256 direct'
})

/** Data size of the large Block. */
export const LARGE_BLOCK_BYTES = 1_048_576

/**
 * The tiny record of the baseline: the serialized Block, marshaled once (as
 * `PeerRecord` caches its marshaled bytes), so `RecordEnvelope.seal` is
 * measured without any serialization cost.
 */
class BytesRecord implements Record {
  readonly domain = RECORD_DOMAIN
  readonly codec = RECORD_CODEC
  private readonly bytes: Uint8Array

  constructor (bytes: Uint8Array) {
    this.bytes = bytes
  }

  marshal (): Uint8Array {
    return this.bytes
  }

  equals (other: Record): boolean {
    const o = other.marshal()
    return other.domain === this.domain && o.length === this.bytes.length && Buffer.compare(o, this.bytes) === 0
  }
}

const sha256Direct = (data: Uint8Array): Uint8Array => nodeHash('sha256', data, 'buffer')

interface SodiumSign {
  sodium_malloc(size: number): Buffer
  crypto_sign_seed_keypair(pk: Uint8Array, sk: Uint8Array, seed: Uint8Array): void
  crypto_sign_detached(sig: Uint8Array, message: Uint8Array, sk: Uint8Array): void
  crypto_sign_verify_detached(sig: Uint8Array, message: Uint8Array, pk: Uint8Array): boolean
}

/** Raw libsodium Ed25519 calls on one key (secret key in `sodium_malloc` memory), or undefined without `sodium-native`. */
function sodiumRaw (seed: Uint8Array): { sign(data: Uint8Array): Uint8Array, verify(data: Uint8Array, sig: Uint8Array): boolean } | undefined {
  let sodium: SodiumSign
  try {
    sodium = createRequire(import.meta.url)('sodium-native') as SodiumSign
  } catch {
    return undefined
  }
  const pk = new Uint8Array(32)
  const sk = sodium.sodium_malloc(64)
  sodium.crypto_sign_seed_keypair(pk, sk, seed)
  return {
    sign: (data) => {
      const sig = new Uint8Array(64)
      sodium.crypto_sign_detached(sig, data, sk)
      return sig
    },
    verify: (data, sig) => sodium.crypto_sign_verify_detached(sig, data, pk)
  }
}

/** Runs `make` with the Ed25519 backend forced to `name` (signers and key caches read the choice when created). */
function onBackend<T> (name: string, make: () => T): T {
  const env = SIGNATURE_BACKEND_ENV.Ed25519
  const before = process.env[env]
  process.env[env] = name
  try {
    return make()
  } finally {
    if (before === undefined) delete process.env[env]
    else process.env[env] = before
  }
}

async function run (ctx: BenchContext): Promise<SuiteOutput> {
  const smoke = ctx.settings.mode === 'smoke'
  const keys = await benchKeys()
  const sealer = createCodec({ privateKey: keys.libp2p })
  // The backend the codec runs by default, and the raw calls of the fastest one (libsodium when installed).
  const backend = getSignatureBackend('Ed25519').name
  const sodium = sodiumRaw(keys.libp2p.raw.subarray(0, 32))
  const fastest = sodium === undefined ? 'node:crypto' : 'sodium'
  // Both backends reported: with libsodium present, the codec again on node:crypto.
  const nodeSealer: Codec | undefined = backend === 'node' ? undefined : onBackend('node', () => createCodec({ privateKey: keys.libp2p }))
  const sealOptions: SealOptions = { channel: BENCH_CHANNEL }
  const openOptions: OpenOptions = { channel: BENCH_CHANNEL }
  const groups: GroupResult[] = []

  // --- Block 256 B ---------------------------------------------------------------
  // Every case works through a pool of distinct messages: Ed25519 verification is
  // variable-time, and re-verifying one signature lets the CPU learn its branches
  // (about 2% faster here), which a receiver of fresh messages never sees.
  const poolSize = smoke ? 8 : 1024
  const mask = poolSize - 1
  const block = messageBlock(0, 256)
  const serialized = protobufBlock.encode(block)
  const pool = Array.from({ length: poolSize }, () => sealer.seal(BlockType, block, sealOptions))
  const signedPool = pool.map(e => signedBytesOf(e))
  const sample = pool[0] as Uint8Array
  const signed = signedPool[0] as SignedBytes
  // Ed25519 is deterministic (RFC 8032): the raw call must produce the envelope's own signature.
  if (Buffer.compare(nodeSign(null, signed.data, keys.privateKey), signed.signature) !== 0) {
    throw new InvalidConfigError('bench key', 'the envelope signature from a raw sign of its signed bytes')
  }
  if (!nodeVerify(null, signed.data, keys.publicKey, signed.signature)) throw new InvalidConfigError('bench key', 'a signature that verifies')
  if (sodium !== undefined && (Buffer.compare(sodium.sign(signed.data), signed.signature) !== 0 || !sodium.verify(signed.data, signed.signature))) {
    throw new InvalidConfigError('bench key', 'libsodium signing the envelope\'s signature and verifying it')
  }
  // The baseline's records: the same Block, timestamp + i (same size), so every envelope differs.
  const records = Array.from({ length: poolSize }, (_, i) => new BytesRecord(protobufBlock.encode({ ...block, timestamp: block.timestamp + BigInt(i) })))
  const recordEnvelopes = await Promise.all(records.map(async r => (await RecordEnvelope.seal(r, keys.libp2p)).marshal()))
  const recordEnvelope = recordEnvelopes[0] as Uint8Array
  const certified = await RecordEnvelope.openAndCertify(recordEnvelope, RECORD_DOMAIN)
  if (Buffer.compare(certified.payload, (records[0] as BytesRecord).marshal()) !== 0 || certified.payload.length !== serialized.length) {
    throw new InvalidConfigError('RecordEnvelope', 'the sealed payload back, as long as the Block')
  }
  let signNext = 0
  let sodiumSignNext = 0
  let recordSealNext = 0
  const fastestSign = sodium === undefined ? PIPELINE_CASES.sign : PIPELINE_CASES.sodiumSign
  const fastestVerify = sodium === undefined ? PIPELINE_CASES.verify : PIPELINE_CASES.sodiumVerify
  const sealGroup = await ctx.measure({
    id: 'block-256/seal',
    title: 'Block 256 B seal (Ed25519)',
    cases: [
      { name: PIPELINE_CASES.seal, fn: () => sealer.seal(BlockType, block, sealOptions), bytes: serialized.length, reference: fastestSign },
      ...(nodeSealer === undefined
        ? []
        : [{ name: PIPELINE_CASES.sealNode, fn: () => nodeSealer.seal(BlockType, block, sealOptions), bytes: serialized.length, reference: PIPELINE_CASES.sign }]),
      ...(sodium === undefined
        ? []
        : [{ name: PIPELINE_CASES.sodiumSign, fn: () => sodium.sign((signedPool[sodiumSignNext++ & mask] as SignedBytes).data), bytes: signed.data.length, baseline: true }]),
      {
        name: PIPELINE_CASES.sign,
        fn: () => nodeSign(null, (signedPool[signNext++ & mask] as SignedBytes).data, keys.privateKey),
        bytes: signed.data.length,
        baseline: true
      },
      // Async API: its signing runs synchronously inside the call; only the continuation
      // (constructing the RecordEnvelope object) runs later, untimed, between rounds.
      { name: PIPELINE_CASES.recordSeal, fn: () => RecordEnvelope.seal(records[recordSealNext++ & mask] as BytesRecord, keys.libp2p), bytes: serialized.length, baseline: true }
    ]
  })
  groups.push(sealGroup)

  const rotating = new RotatingOpener(pool, openOptions)
  const stateless = createCodec({ replay: false })
  const nodeRotating = nodeSealer === undefined ? undefined : onBackend('node', () => new RotatingOpener(pool, openOptions))
  const opened = expectAccepted<Block>(stateless.open(sample, openOptions), 'open (replay: false)')
  if (Buffer.compare(opened.value.data, block.data) !== 0) throw new InvalidConfigError('open', 'the sealed value back')
  let statelessNext = 0
  let verifyNext = 0
  let sodiumVerifyNext = 0
  let recordOpenNext = 0
  const openGroup = await ctx.measure({
    id: 'block-256/open',
    title: 'Block 256 B open (Ed25519)',
    cases: [
      { name: PIPELINE_CASES.open, fn: () => rotating.open(), bytes: serialized.length, reference: fastestVerify },
      {
        name: PIPELINE_CASES.openNoReplay,
        fn: () => {
          const r = stateless.open(pool[statelessNext++ & mask] as Uint8Array, openOptions)
          return r.ok ? r : expectAccepted(r, PIPELINE_CASES.openNoReplay)
        },
        bytes: serialized.length,
        reference: fastestVerify
      },
      ...(nodeRotating === undefined
        ? []
        : [{ name: PIPELINE_CASES.openNode, fn: () => nodeRotating.open(), bytes: serialized.length, reference: PIPELINE_CASES.verify }]),
      ...(sodium === undefined
        ? []
        : [{
            name: PIPELINE_CASES.sodiumVerify,
            fn: () => {
              const s = signedPool[sodiumVerifyNext++ & mask] as SignedBytes
              return sodium.verify(s.data, s.signature)
            },
            bytes: signed.data.length,
            baseline: true
          }]),
      {
        name: PIPELINE_CASES.verify,
        fn: () => {
          const s = signedPool[verifyNext++ & mask] as SignedBytes
          return nodeVerify(null, s.data, keys.publicKey, s.signature)
        },
        bytes: signed.data.length,
        baseline: true
      },
      // Async API: parsing, key import and verification run inside the call; the
      // continuation (checking the boolean) runs later, untimed.
      {
        name: PIPELINE_CASES.recordOpen,
        fn: () => RecordEnvelope.openAndCertify(recordEnvelopes[recordOpenNext++ & mask] as Uint8Array, RECORD_DOMAIN),
        bytes: serialized.length,
        baseline: true
      }
    ]
  })
  groups.push(openGroup)

  // --- Block 1 MB: seal + open -------------------------------------------------
  const large = messageBlock(1, LARGE_BLOCK_BYTES)
  const largeSerialized = protobufBlock.encode(large)
  const snappy = snappyCodecs()[0] as DirectCodec
  const snappyOptions: SealOptions = { channel: BENCH_CHANNEL, compression: 'snappy' }
  const largeOpener = createCodec()
  const sealOpen = (): unknown => {
    const r = largeOpener.open(sealer.seal(BlockType, large, snappyOptions), openOptions)
    return r.ok ? r : expectAccepted(r, PIPELINE_CASES.sealOpen)
  }
  const primitives = (): number => {
    const compressed = snappy.compress(largeSerialized)
    const sent = sha256Direct(compressed)
    const received = sha256Direct(compressed)
    const out = snappy.decompress(compressed)
    return out.length + (sent[0] as number) + (received[0] as number)
  }
  const check = expectAccepted<Block>(largeOpener.open(sealer.seal(BlockType, large, snappyOptions), openOptions), 'open 1 MB')
  if (Buffer.compare(check.value.data, large.data) !== 0 || check.compression !== defaultCompressors.get('snappy').id) {
    throw new InvalidConfigError('open 1 MB', 'the sealed value back, snappy-compressed')
  }
  const compressedSize = snappy.compress(largeSerialized).length
  const largeGroup = await ctx.measure({
    id: 'block-1m/seal+open',
    title: 'Block 1 MB seal+open (snappy)',
    bytes: largeSerialized.length,
    cases: [
      { name: PIPELINE_CASES.sealOpen, fn: sealOpen, reference: PIPELINE_CASES.primitives },
      { name: PIPELINE_CASES.primitives, fn: primitives, baseline: true }
    ]
  })
  groups.push(largeGroup)

  const r = {
    sealVsFastest: ratioOf(sealGroup, PIPELINE_CASES.seal, fastestSign),
    openVsFastest: ratioOf(openGroup, PIPELINE_CASES.open, fastestVerify),
    statelessVsFastest: ratioOf(openGroup, PIPELINE_CASES.openNoReplay, fastestVerify),
    // node:crypto backend against node:crypto's raw calls (the default codec when libsodium is absent)
    sealVsSign: ratioOf(sealGroup, nodeSealer === undefined ? PIPELINE_CASES.seal : PIPELINE_CASES.sealNode, PIPELINE_CASES.sign),
    sealVsRecord: ratioOf(sealGroup, PIPELINE_CASES.seal, PIPELINE_CASES.recordSeal),
    openVsVerify: ratioOf(openGroup, nodeRotating === undefined ? PIPELINE_CASES.open : PIPELINE_CASES.openNode, PIPELINE_CASES.verify),
    openVsRecord: ratioOf(openGroup, PIPELINE_CASES.open, PIPELINE_CASES.recordOpen),
    statelessVsRecord: ratioOf(openGroup, PIPELINE_CASES.openNoReplay, PIPELINE_CASES.recordOpen),
    large: ratioOf(largeGroup, PIPELINE_CASES.sealOpen, PIPELINE_CASES.primitives)
  }
  const issue = 'Security layer'
  const hardware = 'performance near the hardware limit'
  const nodeWhich = nodeSealer === undefined ? `the codec's own backend (${backend})` : 'the codec forced onto the node:crypto backend'
  const targets: Target[] = [
    target({
      id: 'pipeline.block-256.seal.vs-fastest-sign',
      issue: hardware,
      description: `seal of a 256 B-data Block with Ed25519 >= 0.85x a raw Ed25519 sign of the fastest backend installed (${fastest})`,
      measured: r.sealVsFastest,
      op: '>=',
      threshold: 0.85,
      detail: `paired ops/s ratio; the codec signs on ${backend}; the raw sign signs the envelope's own ${signed.data.length} signed bytes (domain prefix + header)`
    }),
    target({
      id: 'pipeline.block-256.open.vs-fastest-verify',
      issue: hardware,
      description: `open of a 256 B-data Block with Ed25519 (real replay guard) >= 0.85x a raw Ed25519 verify of the fastest backend installed (${fastest})`,
      measured: r.openVsFastest,
      op: '>=',
      threshold: 0.85,
      detail: `paired ops/s ratio; the codec verifies on ${backend}; with replay: false ${r.statelessVsFastest.toFixed(3)}`
    }),
    target({
      id: 'pipeline.block-256.seal.vs-node-sign',
      issue,
      description: 'seal of a 256 B-data Block with Ed25519 on the node:crypto backend >= 0.85x a raw node:crypto Ed25519 sign with a cached KeyObject',
      measured: r.sealVsSign,
      op: '>=',
      threshold: 0.85,
      detail: `paired ops/s ratio; ${nodeWhich}; the raw sign signs the envelope's own ${signed.data.length} signed bytes`
    }),
    target({
      id: 'pipeline.block-256.open.vs-node-verify',
      issue,
      description: 'open of a 256 B-data Block with Ed25519 (real replay guard) on the node:crypto backend >= 0.85x a raw node:crypto Ed25519 verify with a cached KeyObject',
      measured: r.openVsVerify,
      op: '>=',
      threshold: 0.85,
      detail: `paired ops/s ratio; ${nodeWhich}`
    }),
    target({
      id: 'pipeline.block-256.seal.vs-record-envelope',
      issue,
      description: 'seal of a 256 B-data Block >= 1.8x RecordEnvelope.seal (@libp2p/peer-record) of the same serialized Block',
      measured: r.sealVsRecord,
      op: '>=',
      threshold: 1.8,
      detail: `paired ops/s ratio; the record's bytes are marshaled once, so RecordEnvelope.seal pays no serialization (wireseal seal does)`
    }),
    target({
      id: 'pipeline.block-256.open.vs-record-envelope',
      issue,
      description: 'open of a 256 B-data Block (real replay guard) >= 1.05x RecordEnvelope.openAndCertify of the same serialized Block',
      measured: r.openVsRecord,
      op: '>=',
      threshold: 1.05,
      detail: `paired ops/s ratio; wireseal open also decodes the Block and checks replay, openAndCertify does neither; with replay: false ${r.statelessVsRecord.toFixed(3)}`
    }),
    target({
      id: 'pipeline.block-1m.seal-open.vs-primitives',
      issue,
      description: `seal+open of a 1 MB Block (transaction JSON, snappy) >= 0.75x ${snappy.backend} compress + decompress and node:crypto SHA-256 on each side, called directly`,
      measured: r.large,
      op: '>=',
      threshold: 0.75,
      detail: `paired ops/s ratio; wireseal also serializes, signs, verifies, checks replay and decodes; snappy output ${compressedSize} B of ${largeSerialized.length} B`
    })
  ]

  const tables: Table[] = [{
    title: 'Pipeline / baseline (paired ops/s ratio, >1 is faster)',
    columns: ['message', 'wireseal', 'baseline', 'ratio'],
    rows: [
      ['Block 256 B', `seal (${backend})`, `${fastest} sign (fastest)`, r.sealVsFastest.toFixed(2)],
      ['Block 256 B', `open (replay guard, ${backend})`, `${fastest} verify (fastest)`, r.openVsFastest.toFixed(2)],
      ['Block 256 B', `open (replay: false, ${backend})`, `${fastest} verify (fastest)`, r.statelessVsFastest.toFixed(2)],
      // the node:crypto backend against its raw calls, when it is not already the rows above
      ...(nodeSealer === undefined
        ? []
        : [
            ['Block 256 B', 'seal (node backend)', 'node:crypto sign', r.sealVsSign.toFixed(2)],
            ['Block 256 B', 'open (replay guard, node backend)', 'node:crypto verify', r.openVsVerify.toFixed(2)]
          ]),
      ['Block 256 B', 'seal', 'RecordEnvelope.seal', r.sealVsRecord.toFixed(2)],
      ['Block 256 B', 'open (replay guard)', 'RecordEnvelope.openAndCertify', r.openVsRecord.toFixed(2)],
      ['Block 256 B', 'open (replay: false)', 'RecordEnvelope.openAndCertify', r.statelessVsRecord.toFixed(2)],
      ['Block 1 MB', 'seal+open (snappy)', `${snappy.backend} + SHA-256 x2`, r.large.toFixed(2)]
    ]
  }]

  return {
    groups,
    tables,
    targets,
    notes: [
      `Ed25519 backends: the codec runs ${backend} (the fastest installed unless ${SIGNATURE_BACKEND_ENV.Ed25519} names one); ` +
        `the raw baseline of the issue-14 targets is ${fastest === 'sodium' ? "libsodium's crypto_sign_detached / crypto_sign_verify_detached (sodium-native, secret key in sodium_malloc memory)" : 'node:crypto (sodium-native not installed)'}` +
        (nodeSealer === undefined ? '.' : '; "node:crypto backend" cases run the same codec forced onto node:crypto, next to its raw calls.'),
      `Block 256 B: protobuf ${serialized.length} B, envelope ${sample.length} B, signed bytes ${signed.data.length} B; ` +
        `RFC 0002 envelope of the same payload ${recordEnvelope.length} B. Compression: none (under the policy's 1 KiB floor).`,
      `Every 256 B case rotates over ${poolSize} distinct messages: wireseal envelopes (seqs differ), their signed bytes for the raw ` +
        'node:crypto calls, and as many RFC 0002 envelopes (Block timestamps differ). "wireseal open (replay guard)" accepts each ' +
        'envelope once with an in-memory replay guard and starts over with a fresh guard after the pool (one guard per pool pass); ' +
        '"replay: false" opens the same pool without replay state.',
      'RecordEnvelope.seal / openAndCertify are async: the fn calls them without awaiting; their signing, key import and ' +
        'verification run synchronously inside the call, only the tiny continuation after their `await` runs untimed.',
      `Block 1 MB: ${LARGE_BLOCK_BYTES} B of transaction JSON; wireseal seals with compression forced to snappy ` +
        `(backend ${defaultCompressors.get('snappy').backend}) and opens with a replay guard; the baseline compresses the same ` +
        `serialized bytes with ${snappy.backend}, hashes the compressed bytes twice (sender, receiver) with crypto.hash and decompresses.`
    ]
  }
}

/** The seal/open pipeline suite. */
export const pipelineSuite: Suite = Object.freeze({
  id: 'pipeline',
  title: 'Seal/open pipeline',
  description: 'seal and open of a Block (256 B of data) with Ed25519 through wireseal on the signature backend in use and on ' +
    'node:crypto, side by side with the raw sign/verify of libsodium (sodium-native) and of node:crypto (cached KeyObject) and with @libp2p/peer-record RecordEnvelope.seal / openAndCertify (RFC 0002) on the ' +
    'same serialized Block; seal+open of a 1 MB Block of transaction JSON next to snappy + SHA-256 called directly.',
  libraries: ['@libp2p/peer-record', '@libp2p/crypto', 'sodium-native', 'snappy', 'snappyjs'],
  run
})
