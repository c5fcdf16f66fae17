import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InvalidConfigError } from '../../src/errors.js'
import { BATCHED_GROUPS, BATCHED_TABLE, gossipSuite, GOSSIP_CASES, GOSSIP_GROUPS, GOSSIP_PLANS, LATENCY_TABLE } from '../../bench/net/gossip.js'
import { createContext, createSettings, type GroupResult, type SuiteOutput } from '../../bench/harness.js'
import { forkNodeProcesses, stopNodeProcesses } from '../../bench/net/gossip-peers.js'
import { createMessages, GOSSIP_MESSAGE_BYTES } from '../../bench/net/gossip-protocol.js'
import { measureAsyncGroup, type AsyncCaseInit } from '../../bench/net/rounds.js'
import { STREAM_CASES, STREAM_GROUPS, STREAM_PLANS, streamSuite } from '../../bench/net/stream.js'
import { SUITES } from '../../bench/suites.js'
import { protobufBlock } from '../../src/serialize/index.js'

const plan = { warmupRounds: 1, rounds: 4, minRounds: 2, budgetMs: 60_000 }

function groupOf (out: SuiteOutput, id: string): GroupResult {
  const g = out.groups.find(x => x.id === id)
  assert.ok(g !== undefined, `group ${id}`)
  return g
}

describe('measureAsyncGroup', () => {
  it('runs every case once per round in a seeded, shuffled order and records only measured rounds', async () => {
    const calls: string[] = []
    const cases: AsyncCaseInit[] = ['a', 'b', 'c'].map(name => ({ name, run: async () => { calls.push(name); return { ops: 10, ms: 5 } } }))
    const g = await measureAsyncGroup({ id: 'g', title: 'g', cases, ...plan })
    // 1 warm-up + 4 measured rounds, each a permutation of the cases, the same for the same group id.
    assert.equal(calls.length, 15)
    for (let r = 0; r < 5; r++) assert.deepEqual([...calls.slice(3 * r, 3 * r + 3)].sort(), ['a', 'b', 'c'])
    const again: string[] = []
    await measureAsyncGroup({ id: 'g', title: 'g', cases: ['a', 'b', 'c'].map(name => ({ name, run: async () => { again.push(name); return { ops: 10, ms: 5 } } })), ...plan })
    assert.deepEqual(again, calls)
    for (const c of g.cases) {
      assert.equal(c.samples.length, 4)
      assert.equal(c.opsPerSec.median, 2000)
      assert.equal(c.opsPerBatch, 10)
      assert.equal(c.allocBytesPerOp, null)
    }
  })

  it('pairs each case with its reference round by round and reports MB/s', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 2, max: 5 }), async (drift, k) => {
      // Both cases slow down alike within a round (drift), differently across rounds: only a paired ratio is exactly k.
      let calls = 0
      const roundMs = (): number => drift[Math.floor(calls++ / 2)] as number
      const cases: AsyncCaseInit[] = [
        { name: 'base', bytes: 1000, run: async () => ({ ops: 100, ms: roundMs() }) },
        { name: 'fast', reference: 'base', run: async () => ({ ops: 100 * k, ms: roundMs() }) }
      ]
      const g = await measureAsyncGroup({ id: 'p', title: 'p', cases, warmupRounds: 0, rounds: 4, minRounds: 4, budgetMs: 60_000 })
      const [base, fast] = g.cases
      assert.ok(fast?.vsReference != null && base?.mbPerSec != null)
      assert.ok(Math.abs(fast.vsReference.median - k) < 1e-9, `paired ratio ${fast.vsReference.median}`)
      assert.ok(Math.abs(base.mbPerSec.median - base.opsPerSec.median * 1000 / 1e6) < 1e-9)
    }), { numRuns: 30 })
  })

  it('stops starting rounds past the budget once the fewest rounds are done', async () => {
    const cases: AsyncCaseInit[] = [{ name: 'slow', run: async () => { await new Promise(resolve => setTimeout(resolve, 15)); return { ops: 1, ms: 15 } } }]
    const g = await measureAsyncGroup({ id: 's', title: 's', cases, warmupRounds: 0, rounds: 50, minRounds: 3, budgetMs: 1 })
    assert.equal(g.cases[0]?.samples.length, 3)
  })

  it('refuses bad groups and empty rounds with InvalidConfigError', async () => {
    const ok = async (): Promise<{ ops: number, ms: number }> => ({ ops: 1, ms: 1 })
    await assert.rejects(measureAsyncGroup({ id: 'e', title: 'e', cases: [], ...plan }), InvalidConfigError)
    await assert.rejects(measureAsyncGroup({ id: 'd', title: 'd', cases: [{ name: 'x', run: ok }, { name: 'x', run: ok }], ...plan }), InvalidConfigError)
    await assert.rejects(measureAsyncGroup({ id: 'r', title: 'r', cases: [{ name: 'x', run: ok, reference: 'y' }], ...plan }), InvalidConfigError)
    await assert.rejects(measureAsyncGroup({ id: 'z', title: 'z', cases: [{ name: 'x', run: async () => ({ ops: 0, ms: 1 }) }], ...plan }), InvalidConfigError)
  })
})

describe('gossip messages', () => {
  it('are unique 2 KB protobuf Blocks', () => {
    const messageOf = createMessages()
    const seen = new Set<string>()
    for (const i of [0, 1, 31, 32, 127, 128, 5000]) {
      const bytes = protobufBlock.encode(messageOf(i))
      if (i >= 128) assert.equal(bytes.length, GOSSIP_MESSAGE_BYTES)
      assert.ok(Math.abs(bytes.length - GOSSIP_MESSAGE_BYTES) <= 3, `message ${i}: ${bytes.length} B`)
      seen.add(Buffer.from(bytes).toString('hex'))
      assert.equal(messageOf(i).ttl, i)
    }
    assert.equal(seen.size, 7)
  })
})

describe('node processes', () => {
  it('answer requests, report failures as InvalidConfigError and exit when stopped', async () => {
    const [p] = forkNodeProcesses(1)
    assert.ok(p !== undefined)
    try {
      const cpu = await p.ask('cpu', {})
      assert.ok(cpu.us > 0)
      await assert.rejects(p.ask('counters', { net: 'no-such-net' }), InvalidConfigError)
    } finally {
      await stopNodeProcesses([p])
    }
    await assert.rejects(p.ask('cpu', {}), InvalidConfigError)
    assert.throws(() => forkNodeProcesses(0), InvalidConfigError)
  })
})

describe('over-the-wire suites are registered', () => {
  it('lists stream and gossip in the registry', () => {
    assert.ok(SUITES.includes(streamSuite))
    assert.ok(SUITES.includes(gossipSuite))
  })
})

const smoke = createContext(createSettings({ mode: 'smoke' }), () => {})

describe('stream suite (smoke)', () => {
  it('moves envelopes through every contender and reports both targets', async () => {
    const out = await streamSuite.run(smoke)
    const n = STREAM_PLANS.smoke.envelopes
    const main = groupOf(out, STREAM_GROUPS.main)
    assert.deepEqual(main.cases.map(c => c.name), [STREAM_CASES.raw, STREAM_CASES.rawIterated, STREAM_CASES.lpStream, STREAM_CASES.wireseal, STREAM_CASES.wiresealKept, STREAM_CASES.full])
    const boundary = groupOf(out, STREAM_GROUPS.boundary)
    assert.deepEqual(boundary.cases.map(c => c.name), [STREAM_CASES.raw, STREAM_CASES.lpStream, STREAM_CASES.wireseal])
    for (const c of [...main.cases, ...boundary.cases]) {
      assert.equal(c.samples.length, STREAM_PLANS.smoke.rounds)
      assert.equal(c.opsPerBatch, n)
      assert.ok(c.opsPerSec.min > 0 && Number.isFinite(c.opsPerSec.max), `${c.name} rates`)
      assert.ok(c.mbPerSec !== null && c.mbPerSec.median > 0)
    }
    assert.deepEqual(out.targets.map(t => t.id), ['stream.sealed-64k.vs-raw', 'stream.sealed-64k.vs-lpstream'])
    for (const t of out.targets) assert.ok(Number.isFinite(t.measured) && t.measured > 0, t.id)
    assert.ok(out.notes.some(s => s.startsWith('Full path (reported, no threshold)')))
    // The paired ratios of the table are those of the group's own cases.
    const wireseal = main.cases.find(c => c.name === STREAM_CASES.wireseal)
    assert.equal(out.targets[0]?.measured, wireseal?.vsReference?.median)
    assert.ok(out.tables[0]?.rows.some(r => String(r[1]).startsWith(STREAM_CASES.full)))
  })
})

describe('gossip suite (smoke)', () => {
  it('measures latency and validated messages/s of every flavour and reports the targets', async () => {
    const out = await gossipSuite.run(smoke)
    const p = GOSSIP_PLANS.smoke
    for (const id of [GOSSIP_GROUPS.star, GOSSIP_GROUPS.mesh]) {
      const g = groupOf(out, id)
      assert.deepEqual(g.cases.map(c => c.name), [GOSSIP_CASES.wireseal, GOSSIP_CASES.strictSignSnappy])
      for (const c of g.cases) {
        assert.equal(c.samples.length, p.rounds)
        assert.ok(c.opsPerSec.min > 0, `${id} ${c.name}`)
      }
      assert.ok(g.cases[0]?.vsReference !== null)
    }
    const latency = out.tables.find(t => t.title === LATENCY_TABLE)
    assert.ok(latency !== undefined)
    assert.deepEqual(latency.rows.map(r => r[0]), [GOSSIP_CASES.wireseal, GOSSIP_CASES.strictSign, GOSSIP_CASES.strictNoSign])
    // Every sample gives one latency per receiver (2 in the star).
    for (const r of latency.rows) assert.equal(r[5], String(2 * p.latencySamples))
    assert.deepEqual(out.targets.map(t => t.id), ['gossip.latency-p50.vs-strictsign', 'gossip.msgs-2k.vs-strictsign-snappy', 'gossip.msgs-2k-mesh.vs-strictsign-snappy',
      'gossip.batched-256.msgs-per-cpu.vs-unbatched', 'gossip.batched-256.latency-p50.vs-unbatched', 'gossip.batched-2k.msgs-per-cpu.vs-unbatched', 'gossip.batched-2k.latency-p50.vs-unbatched'])
    // batched gossip (issue 14): both flavours at the same offered load, every message's latency at both receivers
    for (const { group } of BATCHED_GROUPS) {
      const g = groupOf(out, group)
      assert.deepEqual(g.cases.map(c => c.name), [GOSSIP_CASES.wireseal, GOSSIP_CASES.wiresealBatched])
      assert.ok(g.cases[1]?.vsReference !== null && g.cases.every(c => c.samples.length === p.paced.rounds))
    }
    const batched = out.tables.find(t => t.title === BATCHED_TABLE)
    assert.deepEqual(batched?.rows.map(r => r[10]), Array.from({ length: 8 }, () => String(2 * p.pacedCount * p.paced.rounds)))
    for (const t of out.targets) assert.ok(Number.isFinite(t.measured) && t.measured > 0, t.id)
    assert.ok(out.notes.some(s => s.includes('StrictNoSign')))
  })
})
