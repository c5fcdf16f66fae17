import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import fc from 'fast-check'
import { createContext, createSettings } from '../../bench/harness.js'
import { gossipGroupId, NODE_CASES, NODE_PLANS, NODE_TARGETS, NODE_THRESHOLDS, nodeSuite, SYNC_GROUP } from '../../bench/net/node.js'
import { ringQuantile } from '../../bench/net/node-plain-protocol.js'
import { cpuSeconds, PlainPeer, rssBytes } from '../../bench/net/node-procs.js'
import { seedBlockLog } from '../../bench/net/node-sync-seed.js'
import { SUITES } from '../../bench/suites.js'
import { BlockType, createCodec, type Block } from 'wireseal'
import { sha256 } from 'wireseal/integrity'
import { InvalidConfigError } from '../../src/errors.js'
import { BlockStore } from '../../packages/node/src/block-store.js'
import { closeNodeDatabases, openNodeDatabases } from '../../packages/node/src/block-store-layout.js'
import { BLOCK_COMPRESSIONS, networkProtocols } from '../../packages/node/src/protocol.js'

const work = mkdtempSync(join(tmpdir(), 'wireseal-node-bench-test-'))
after(() => { rmSync(work, { recursive: true, force: true }) })

/** Pids of the live children of this process (from /proc: field 4 of stat is the parent pid). */
function childPids (): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // a zombie (state Z) has exited; only its exit status is left to reap
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z') out.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

/** Command lines of this process's live children, but tsx's own esbuild service (which outlives any one call). */
function leftChildren (): string[] {
  return childPids().map(p => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()
    } catch {
      return ''
    }
  }).filter(c => c !== '' && !/esbuild\S* --service=/.test(c))
}

describe('node suite plans and helpers', () => {
  it('is registered, and its full plan measures what issue 10 asks', () => {
    assert.ok(SUITES.includes(nodeSuite))
    assert.deepEqual([...NODE_PLANS.full.sizes], [256, 4096, 65536])
    assert.equal(NODE_PLANS.full.syncBlocks, 10_000)
    assert.equal(NODE_PLANS.full.syncBlockBytes, 4096)
    for (const mode of ['full', 'quick', 'smoke'] as const) assert.ok(NODE_PLANS[mode].rounds >= 1 && NODE_PLANS[mode].intervalMs >= 10)
    assert.deepEqual([256, 4096, 65536].map(gossipGroupId), ['block-256/msgs-per-cpu-s', 'block-4k/msgs-per-cpu-s', 'block-64k/msgs-per-cpu-s'])
  })

  it('computes latency quantiles with the node status ring rule', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0.5, 0.99), (xs, q) => {
      const sorted = [...xs].sort((a, b) => a - b)
      // packages/node/src/node.ts LatencyRing.summary: sorted[min(k - 1, floor(q * k))]
      assert.equal(ringQuantile(sorted, q), sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))])
    }))
    assert.equal(ringQuantile([], 0.5), 0)
  })

  it('reads CPU time and RSS of a process from /proc, and refuses a missing process', () => {
    const before = cpuSeconds(process.pid)
    let x = 0
    for (let i = 0; i < 2e7; i++) x += i % 7
    assert.ok(x > 0)
    assert.ok(cpuSeconds(process.pid) >= before)
    const rss = rssBytes(process.pid)
    assert.ok(rss > 10e6 && rss < 4 * process.memoryUsage.rss(), `${rss}`)
    assert.throws(() => cpuSeconds(2 ** 22 + 12345), InvalidConfigError)
    assert.throws(() => rssBytes(2 ** 22 + 12345), InvalidConfigError)
  })

  it('seeds a node block log with producer-signed envelopes the node can serve, and the raw file with the same bytes', async () => {
    // one envelope per block, and batches of 5 kept as item envelopes (23 blocks: a short last batch)
    for (const [perBatch, blocksN, kind] of [[1, 25, 'single'], [5, 23, 'item']] as const) {
      const dataDir = join(work, `seed-${perBatch}`)
      const rawFile = join(work, `seed-${perBatch}.bin`)
      const seed = await seedBlockLog({ dataDir, network: 'seed-test', blocks: blocksN, sizeBytes: 4096, rawFile, perBatch })
      assert.equal(seed.height, blocksN)
      const raw = readFileSync(rawFile)
      assert.equal(raw.length, seed.rawBytes)
      assert.equal(seed.rawBytes, seed.envelopeBytes + 4 * blocksN)
      const dbs = await openNodeDatabases(dataDir)
      try {
        const store = await BlockStore.open(dbs)
        assert.equal(store.height, BigInt(blocksN))
        const blocks = await store.range(1n, 100)
        assert.equal(blocks.length, blocksN)
        // opened by the library as the node runs it, as the node's sync client does
        const verifier = createCodec({ replay: false })
        let at = 0
        for (const [i, b] of blocks.entries()) {
          // the raw file holds the log's envelopes in height order, each behind its 4-byte length
          const len = raw.readUInt32BE(at)
          assert.deepEqual(new Uint8Array(raw.subarray(at + 4, at + 4 + len)), new Uint8Array(b.envelope))
          at += 4 + len
          const opened = verifier.open<Block>(b.envelope, { channel: networkProtocols('seed-test').blockTopic, types: [BlockType.id] })
          // the last batch holds 3 blocks: still items
          assert.ok(opened.ok && opened.kind === kind, opened.ok ? `${kind} envelope at ${i}, got ${opened.kind}` : opened.reason)
          assert.ok(BLOCK_COMPRESSIONS.includes(opened.compression), 'a compression the block topic accepts')
          assert.deepEqual(sha256(opened.value.data), opened.value.hash)
          assert.equal(opened.value.data.length, 4096)
        }
      } finally {
        await closeNodeDatabases(dbs)
      }
    }
    await assert.rejects(seedBlockLog({ dataDir: join(work, 'seed-0'), network: 'x', blocks: 0, sizeBytes: 1, rawFile: join(work, 'seed-0.bin') }), InvalidConfigError)
  })

  it('a plain peer refuses bad requests with InvalidConfigError and exits when stopped', async () => {
    const peer = new PlainPeer(0)
    try {
      await assert.rejects(peer.ask('produce', { sizeBytes: 100, intervalMs: 100 }), InvalidConfigError) // before init
      await peer.ask('init', {}, 60_000)
      await assert.rejects(peer.ask('produce', { sizeBytes: 0, intervalMs: 100 }), InvalidConfigError)
      await assert.rejects(peer.ask('produce', { sizeBytes: 100, intervalMs: 0.5 }), InvalidConfigError)
      await assert.rejects(peer.ask('serve-raw', { file: join(work, 'missing.bin') }), InvalidConfigError)
      assert.deepEqual(await peer.ask('halt', {}), { published: 0 })
    } finally {
      await peer.stop()
    }
    assert.ok(peer.child.exitCode !== null || peer.child.signalCode !== null)
    await assert.rejects(peer.ask('status', {}), InvalidConfigError)
  })
})

describe('node suite, smoke run', () => {
  it('measures every figure with real devnets, reports the five targets, and leaves no process behind', { timeout: 240_000 }, async () => {
    const lines: string[] = []
    const out = await nodeSuite.run(createContext(createSettings({ mode: 'smoke' }), (m) => { lines.push(m) }))
    const plan = NODE_PLANS.smoke
    for (const size of plan.sizes) {
      const g = out.groups.find(x => x.id === gossipGroupId(size))
      assert.ok(g !== undefined, `group for ${size} B`)
      const ws = g.cases.find(c => c.name === NODE_CASES.wireseal)
      const plain = g.cases.find(c => c.name === NODE_CASES.plain)
      assert.ok(ws !== undefined && plain !== undefined)
      assert.equal(plain.baseline, true)
      assert.equal(ws.samples.length, plan.rounds)
      assert.equal(plain.samples.length, plan.rounds)
      for (const x of [...ws.samples, ...plain.samples]) assert.ok(Number.isFinite(x) && x > 0, `messages per CPU-second ${x}`)
      assert.ok(ws.vsReference !== null && Number.isFinite(ws.vsReference.median))
    }
    const sync = out.groups.find(x => x.id === SYNC_GROUP)
    assert.ok(sync !== undefined)
    for (const c of sync.cases) {
      assert.equal(c.samples.length, plan.syncRounds)
      assert.ok(c.samples.every(x => Number.isFinite(x) && x > 0) && c.mbPerSec !== null)
    }
    assert.deepEqual(out.targets.map(t => t.id).sort(), Object.values(NODE_TARGETS).sort())
    // an idle node may well use no clock tick in smoke's half-second window: CPU >= 0, everything else > 0
    for (const t of out.targets) assert.ok(Number.isFinite(t.measured) && (t.id === NODE_TARGETS.idleCpu ? t.measured >= 0 : t.measured > 0), `${t.id}: ${t.measured}`)
    const idleRss = out.targets.find(t => t.id === NODE_TARGETS.idleRss)
    assert.equal(idleRss?.threshold, NODE_THRESHOLDS.idleRssBytes / 1e6)
    // blocks produced in a window reach both other nodes (the "delivered / due" column; the window edges blur it)
    const gossipTable = out.tables[0]
    assert.ok(gossipTable !== undefined && gossipTable.rows.length === 2 * plan.sizes.length)
    const due = gossipTable.columns.indexOf('delivered / due')
    for (const row of gossipTable.rows) assert.ok(Number(row[due]) >= 0.5, `delivered / due ${String(row[due])}`)
    // devnet nodes, plain peers: all gone (children reaped or never left behind)
    await new Promise((resolve) => setTimeout(resolve, 500))
    assert.deepEqual(leftChildren(), [])
  })
})
