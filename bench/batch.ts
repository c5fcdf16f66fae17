/**
 * Batch envelope benchmark (issue 3, "Security layer", Benchmarks): 256
 * Blocks with 256 B of data each, sealed under ONE signature over their RFC
 * 9162 Merkle root and opened (with a real replay guard), side by side with
 * sealing and opening the same messages one by one; and the check a node runs
 * on one forwarded item: its inclusion proof against a root it already
 * verified (RFC 9162 2.1.3.2).
 *
 * @module
 */
import { createCodec, type OpenOptions, type SealOptions } from '../src/codec/index.js'
import { parseEnvelope } from '../src/envelope/envelope.js'
import { InvalidConfigError } from '../src/errors.js'
import { decodeProof, hashLeaf, verifyInclusion } from '../src/integrity/index.js'
import { DEFAULT_LIMITS } from '../src/limits.js'
import { BlockType, protobufBlock, type Block } from '../src/serialize/index.js'
import { BENCH_CHANNEL, benchKeys, expectAccepted, messageBlock } from './codec-fixtures.js'
import { findCase, ratioOf, target, type BenchContext, type GroupResult, type Suite, type SuiteOutput, type Target } from './harness.js'

/** Messages per batch. */
export const BATCH_ITEMS = 256
/** Data bytes per message. */
export const BATCH_DATA_BYTES = 256
/** Inclusion checks per second promised. */
export const INCLUSION_TARGET_PER_SEC = 50_000

/** Case names, shared with the test. */
export const BATCH_CASES = Object.freeze({
  batch: `sealBatch+open, ${BATCH_ITEMS} items`,
  single: 'seal+open, one message',
  inclusion: 'decodeProof + hashLeaf + verifyInclusion',
  verifyOnly: 'verifyInclusion (leaf hash and proof given)'
})

/** One forwarded item, as a receiver parses it. */
interface ForwardedItem {
  payload: Uint8Array
  index: number
  proof: Uint8Array
}

async function run (ctx: BenchContext): Promise<SuiteOutput> {
  const keys = await benchKeys()
  const messages: Block[] = Array.from({ length: BATCH_ITEMS }, (_, i) => messageBlock(i, BATCH_DATA_BYTES))
  const sealOptions: SealOptions = { channel: BENCH_CHANNEL }
  const openOptions: OpenOptions = { channel: BENCH_CHANNEL }
  const groups: GroupResult[] = []

  // Fresh seqs on every op: each sealer hands out increasing numbers, each opener's guard accepts them once.
  const batchSealer = createCodec({ privateKey: keys.libp2p })
  const batchOpener = createCodec()
  const singleSealer = createCodec({ privateKey: keys.libp2p })
  const singleOpener = createCodec()
  const openBatch = (): unknown => {
    const r = batchOpener.open(batchSealer.sealBatch(BlockType, messages, sealOptions), openOptions)
    if (!r.ok) return expectAccepted(r, BATCH_CASES.batch)
    if (r.messages.length !== BATCH_ITEMS) throw new InvalidConfigError(BATCH_CASES.batch, `${BATCH_ITEMS} accepted items, got ${r.messages.length}`)
    return r
  }
  let next = 0
  const openSingle = (): unknown => {
    const r = singleOpener.open(singleSealer.seal(BlockType, messages[next++ & (BATCH_ITEMS - 1)] as Block, sealOptions), openOptions)
    return r.ok ? r : expectAccepted(r, BATCH_CASES.single)
  }

  // A sample of each, checked before anything is timed.
  const batchEnvelope = batchSealer.sealBatch(BlockType, messages, sealOptions)
  const opened = expectAccepted<Block>(batchOpener.open(batchEnvelope, openOptions), 'batch')
  if (opened.messages.length !== BATCH_ITEMS || opened.itemEnvelope === undefined) throw new InvalidConfigError('batch', `${BATCH_ITEMS} accepted items`)
  for (let i = 0; i < BATCH_ITEMS; i++) {
    if (Buffer.compare((opened.messages[i]?.value as Block).data, (messages[i] as Block).data) !== 0) throw new InvalidConfigError('batch', `item ${i} back`)
  }
  const singleEnvelope = singleSealer.seal(BlockType, messages[0] as Block, sealOptions)
  const singleOpened = expectAccepted<Block>(singleOpener.open(singleEnvelope, openOptions), 'single')

  const sealOpen = await ctx.measure({
    id: 'batch-256/seal+open',
    title: `${BATCH_ITEMS} x Block ${BATCH_DATA_BYTES} B seal+open`,
    cases: [
      { name: BATCH_CASES.batch, fn: openBatch, bytes: batchEnvelope.length },
      { name: BATCH_CASES.single, fn: openSingle, bytes: singleEnvelope.length, baseline: true }
    ]
  })
  groups.push(sealOpen)

  // --- one forwarded item's inclusion proof against the verified root ----------
  const header = parseEnvelope(batchEnvelope, DEFAULT_LIMITS).header
  const items: ForwardedItem[] = Array.from({ length: BATCH_ITEMS }, (_, i) => {
    const env = parseEnvelope((opened.itemEnvelope as (index: number) => Uint8Array)(i), DEFAULT_LIMITS)
    if (env.index !== i || env.proof === undefined) throw new InvalidConfigError('itemEnvelope', `item ${i} with a proof`)
    return { payload: env.payload, index: i, proof: env.proof }
  })
  const root = header.itemsRoot
  const size = header.count
  const maxDepth = DEFAULT_LIMITS.maxProofDepth
  const leafHashes = items.map(it => hashLeaf(it.payload))
  const decoded = items.map(it => decodeProof(it.proof, maxDepth))
  let k = 0
  const check = (): boolean => {
    const it = items[k++ & (BATCH_ITEMS - 1)] as ForwardedItem
    const ok = verifyInclusion(hashLeaf(it.payload), it.index, size, decodeProof(it.proof, maxDepth), root, maxDepth)
    if (!ok) throw new InvalidConfigError('inclusion proof', `item ${it.index} to verify`)
    return ok
  }
  let j = 0
  const verifyOnly = (): boolean => {
    const i = j++ & (BATCH_ITEMS - 1)
    const ok = verifyInclusion(leafHashes[i] as Uint8Array, i, size, decoded[i] as Uint8Array[], root, maxDepth)
    if (!ok) throw new InvalidConfigError('inclusion proof', `item ${i} to verify`)
    return ok
  }
  // A tampered item must fail (else the cases above would measure a check that cannot fail).
  const tampered = (items[3] as ForwardedItem).payload.slice()
  tampered[0] = (tampered[0] as number) ^ 1
  if (verifyInclusion(hashLeaf(tampered), 3, size, decoded[3] as Uint8Array[], root, maxDepth)) throw new InvalidConfigError('inclusion proof', 'a tampered item to fail')
  const itemBytes = protobufBlock.encode(messages[0] as Block).length
  const inclusion = await ctx.measure({
    id: 'batch-256/item-proof',
    title: `one item's inclusion proof (${BATCH_ITEMS}-leaf tree)`,
    bytes: itemBytes,
    cases: [
      { name: BATCH_CASES.inclusion, fn: check },
      { name: BATCH_CASES.verifyOnly, fn: verifyOnly }
    ]
  })
  groups.push(inclusion)

  const opsRatio = ratioOf(sealOpen, BATCH_CASES.batch, BATCH_CASES.single)
  const perMessage = opsRatio * BATCH_ITEMS
  const batchRate = findCase(sealOpen, BATCH_CASES.batch).opsPerSec.median * BATCH_ITEMS
  const singleRate = findCase(sealOpen, BATCH_CASES.single).opsPerSec.median
  const inclusionRate = findCase(inclusion, BATCH_CASES.inclusion).opsPerSec.median
  const verifyOnlyRate = findCase(inclusion, BATCH_CASES.verifyOnly).opsPerSec.median
  const depth = (decoded[0] as Uint8Array[]).length
  const issue = 'Security layer'
  const targets: Target[] = [
    target({
      id: 'batch.256.seal-open.per-message',
      issue,
      description: `a batch of ${BATCH_ITEMS} x ${BATCH_DATA_BYTES} B messages under one signature: per-message seal+open throughput >= 10x sealing and opening each message on its own`,
      measured: perMessage,
      op: '>=',
      threshold: 10,
      detail: `paired ratio of batch ops/s to single ops/s (${opsRatio.toFixed(4)}) x ${BATCH_ITEMS}; medians ${Math.round(batchRate)} vs ${Math.round(singleRate)} messages/s`
    }),
    target({
      id: 'batch.256.item-proof.rate',
      issue,
      description: `checking one item's inclusion proof against an already-verified root >= ${INCLUSION_TARGET_PER_SEC} checks/s (measured: rate / ${INCLUSION_TARGET_PER_SEC})`,
      measured: inclusionRate / INCLUSION_TARGET_PER_SEC,
      op: '>=',
      threshold: 1,
      detail: `${Math.round(inclusionRate)} checks/s (decodeProof + leaf hash of the ${itemBytes} B item + ${depth} node hashes); verifyInclusion alone ${Math.round(verifyOnlyRate)}/s`
    })
  ]

  return {
    groups,
    tables: [{
      title: 'Messages per second (median), batch vs one by one',
      columns: ['what', 'messages/s', 'ratio'],
      rows: [
        [BATCH_CASES.batch, Math.round(batchRate), `${perMessage.toFixed(1)}x`],
        [BATCH_CASES.single, Math.round(singleRate), '1x'],
        [BATCH_CASES.inclusion, Math.round(inclusionRate), `${(inclusionRate / INCLUSION_TARGET_PER_SEC).toFixed(2)}x of ${INCLUSION_TARGET_PER_SEC}`]
      ]
    }],
    targets,
    notes: [
      `Messages: Blocks with ${BATCH_DATA_BYTES} B of transaction JSON each (protobuf ${itemBytes} B), all different. ` +
        `Batch envelope ${batchEnvelope.length} B (compression id ${opened.compression}, chosen by the default policy); ` +
        `single envelope ${singleEnvelope.length} B (compression id ${singleOpened.compression}).`,
      'Both cases seal with one codec and open with another that has an in-memory replay guard; every op is accepted (fresh seqs).',
      `Inclusion check: what a node does with a forwarded item whose signed header it verified: decode the proof (${depth} hashes), ` +
        'hash the leaf, walk the path (RFC 9162 2.1.3.2); rotating over all items of the batch.'
    ]
  }
}

/** The batch suite. */
export const batchSuite: Suite = Object.freeze({
  id: 'batch',
  title: 'Batch envelopes',
  description: `${BATCH_ITEMS} Blocks of ${BATCH_DATA_BYTES} B data sealed under one Ed25519 signature over their Merkle root and opened, ` +
    'next to sealing and opening them one by one (same codecs, real replay guards); and the inclusion-proof check of one forwarded item.',
  libraries: ['@libp2p/crypto'],
  run
})
