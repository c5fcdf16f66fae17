import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createSettings } from '../../bench/harness.js'
import { runSuites, type SuiteResult } from '../../bench/runner.js'
import { SUITES } from '../../bench/suites.js'
import { PIPELINE_CASES, pipelineSuite } from '../../bench/pipeline.js'
import { BATCH_CASES, batchSuite } from '../../bench/batch.js'
import { MEMORY_TARGET_BYTES, REPLAY_CASES, measureMemory, replaySuite } from '../../bench/replay.js'
import { RotatingOpener, benchKeys, messageBlock, signedBytesOf, BENCH_CHANNEL } from '../../bench/codec-fixtures.js'
import { createCodec } from '../../src/codec/index.js'
import { InvalidConfigError } from '../../src/errors.js'
import { BlockType } from '../../src/serialize/index.js'
import { getSignatureBackend, listSignatureBackends } from '../../src/envelope/sign-backends/index.js'

/** Runs one suite in smoke mode (a handful of ops per case) and returns its result. */
async function smoke (suite: typeof pipelineSuite): Promise<SuiteResult> {
  const r = await runSuites([suite], { settings: createSettings({ mode: 'smoke' }), log: () => {} })
  const s = r.suites[0]
  assert.ok(s !== undefined)
  assert.equal(s.error, null, s.error ?? '')
  for (const t of s.targets) assert.ok(Number.isFinite(t.measured), `${t.id} measured`)
  return s
}

function caseNames (s: SuiteResult, groupId: string): string[] {
  const g = s.groups.find(x => x.id === groupId)
  assert.ok(g !== undefined, groupId)
  for (const c of g.cases) assert.equal(c.samples.length, 2, `${groupId}: ${c.name} ran every round`)
  return g.cases.map(c => c.name)
}

describe('security-layer suites are registered', () => {
  it('lists pipeline, batch and replay in the registry', () => {
    const ids = SUITES.map(s => s.id)
    for (const id of ['pipeline', 'batch', 'replay']) assert.ok(ids.includes(id), id)
  })
})

describe('pipeline suite (smoke)', () => {
  it('measures seal/open next to the fastest Ed25519 backend, node:crypto and RecordEnvelope, and 1 MB next to the primitives, with every target', async () => {
    const t0 = performance.now()
    const s = await smoke(pipelineSuite)
    assert.ok(performance.now() - t0 < 15_000, 'smoke run takes seconds')
    // with sodium-native installed, its raw calls are the baseline and the codec runs again on node:crypto (issue 14)
    const sodium = listSignatureBackends('Ed25519')[0]?.backend !== undefined
    const both = getSignatureBackend('Ed25519').name !== 'node'
    assert.deepEqual(s.groups.map(g => g.id), ['block-256/seal', 'block-256/open', 'block-1m/seal+open'])
    assert.deepEqual(caseNames(s, 'block-256/seal'), [
      PIPELINE_CASES.seal, ...(both ? [PIPELINE_CASES.sealNode] : []), ...(sodium ? [PIPELINE_CASES.sodiumSign] : []), PIPELINE_CASES.sign, PIPELINE_CASES.recordSeal
    ])
    assert.deepEqual(caseNames(s, 'block-256/open'), [
      PIPELINE_CASES.open, PIPELINE_CASES.openNoReplay, ...(both ? [PIPELINE_CASES.openNode] : []), ...(sodium ? [PIPELINE_CASES.sodiumVerify] : []), PIPELINE_CASES.verify, PIPELINE_CASES.recordOpen
    ])
    assert.deepEqual(caseNames(s, 'block-1m/seal+open'), [PIPELINE_CASES.sealOpen, PIPELINE_CASES.primitives])
    const seal = s.groups[0]?.cases.find(c => c.name === PIPELINE_CASES.seal)
    assert.equal(seal?.reference, sodium ? PIPELINE_CASES.sodiumSign : PIPELINE_CASES.sign)
    if (both) assert.equal(s.groups[0]?.cases.find(c => c.name === PIPELINE_CASES.sealNode)?.reference, PIPELINE_CASES.sign)
    assert.ok(s.groups[0]?.cases.find(c => c.name === PIPELINE_CASES.recordSeal)?.baseline)
    assert.deepEqual(s.targets.map(t => [t.id, t.op, t.threshold]), [
      ['pipeline.block-256.seal.vs-fastest-sign', '>=', 0.85],
      ['pipeline.block-256.open.vs-fastest-verify', '>=', 0.85],
      ['pipeline.block-256.seal.vs-node-sign', '>=', 0.85],
      ['pipeline.block-256.open.vs-node-verify', '>=', 0.85],
      ['pipeline.block-256.seal.vs-record-envelope', '>=', 1.8],
      ['pipeline.block-256.open.vs-record-envelope', '>=', 1.05],
      ['pipeline.block-1m.seal-open.vs-primitives', '>=', 0.75]
    ])
    for (const t of s.targets.slice(2)) assert.equal(t.issue, 'Security layer')
    for (const t of s.targets.slice(0, 2)) assert.equal(t.issue, 'performance near the hardware limit')
    assert.match(s.targets[1]?.detail ?? '', /replay: false \d/)
    assert.equal(s.tables[0]?.rows.length, both ? 9 : 7)
  })
})

describe('batch suite (smoke)', () => {
  it('measures a 256-item batch next to one-by-one, and the inclusion check, with both targets', async () => {
    const s = await smoke(batchSuite)
    assert.deepEqual(s.groups.map(g => g.id), ['batch-256/seal+open', 'batch-256/item-proof'])
    assert.deepEqual(caseNames(s, 'batch-256/seal+open'), [BATCH_CASES.batch, BATCH_CASES.single])
    assert.deepEqual(caseNames(s, 'batch-256/item-proof'), [BATCH_CASES.inclusion, BATCH_CASES.verifyOnly])
    assert.deepEqual(s.targets.map(t => [t.id, t.op, t.threshold]), [
      ['batch.256.seal-open.per-message', '>=', 10],
      ['batch.256.item-proof.rate', '>=', 1]
    ])
    // The per-message ratio is the ops ratio scaled by the batch size.
    assert.match(s.targets[0]?.detail ?? '', /x 256/)
    assert.match(s.targets[1]?.detail ?? '', /8 node hashes/)
  })
})

describe('replay suite (smoke)', () => {
  it('measures check, precheck, commits and memory, with the three targets', async () => {
    const s = await smoke(replaySuite)
    assert.deepEqual(caseNames(s, 'replay/check'), [REPLAY_CASES.check, REPLAY_CASES.precheck])
    assert.deepEqual(caseNames(s, 'replay/commit'), [REPLAY_CASES.commit, REPLAY_CASES.guardCommit])
    assert.deepEqual(s.targets.map(t => [t.id, t.op, t.threshold]), [
      ['replay.window.check.rate', '>=', 1],
      ['replay.guard.precheck.rate', '>=', 1],
      ['replay.memory.per-sender', '<=', 1]
    ])
    // Memory is not a timing: the promise must hold even in smoke mode.
    const memory = s.targets[2]
    assert.ok(memory?.pass, memory?.detail)
    assert.ok((memory?.measured ?? 0) > 0.5, `a 1 KiB ring per sender cannot cost under 768 B: ${memory?.detail}`)
  })

  it('counts the ring of every tracked window', async () => {
    const small = await measureMemory(2000)
    // Each window owns a 1,024 B ring plus 32 B of per-slot state in ArrayBuffers (capacity grows by doubling up to the max).
    assert.ok(small.arrayBufferBytes >= 2000 * 1056, `${small.arrayBufferBytes} B of ArrayBuffers`)
    assert.ok(small.perSender < MEMORY_TARGET_BYTES, `${small.perSender} B per sender`)
  })
})

describe('bench codec fixtures', () => {
  it('signed bytes are exactly what the envelope signature covers', async () => {
    const keys = await benchKeys()
    const codec = createCodec({ privateKey: keys.libp2p })
    const env = codec.seal(BlockType, messageBlock(0, 256), { channel: BENCH_CHANNEL })
    const { data, signature } = signedBytesOf(env)
    const { sign, verify } = await import('node:crypto')
    assert.deepEqual(new Uint8Array(sign(null, data, keys.privateKey)), signature)
    assert.ok(verify(null, data, keys.publicKey, signature))
    // Any other domain gives other bytes.
    assert.notDeepEqual(signedBytesOf(env, 'another/domain').data, data)
  })

  it('the rotating opener accepts every pooled envelope once per pass, and refuses foreign ones', async () => {
    const keys = await benchKeys()
    const codec = createCodec({ privateKey: keys.libp2p })
    const pool = Array.from({ length: 3 }, (_, i) => codec.seal(BlockType, messageBlock(i, 64), { channel: BENCH_CHANNEL }))
    const opener = new RotatingOpener(pool, { channel: BENCH_CHANNEL })
    const seqs = Array.from({ length: 7 }, () => opener.open().seq)
    assert.deepEqual(seqs.slice(3, 6), seqs.slice(0, 3))
    assert.equal(opener.passes, 3)
    const wrong = new RotatingOpener(pool, { channel: '/other' })
    assert.throws(() => wrong.open(), InvalidConfigError)
    assert.throws(() => new RotatingOpener([], { channel: BENCH_CHANNEL }), InvalidConfigError)
  })
})
