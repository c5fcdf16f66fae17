import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InvalidConfigError } from '../../src/errors.js'
import {
  createContext, createSettings, freshSite, lastResult, measureGroup, ratioOf, target, type Suite
} from '../../bench/harness.js'
import { measureGroupSync } from '../../src/bench/measure.js'
import { measurementTable, renderMarkdown, renderText } from '../../bench/report.js'
import { renderTable } from '../../src/bench/table.js'
import { runSuites, selectSuites } from '../../bench/runner.js'
import { cleanPairedRatio, median, pairedRatio, quantile, summarize } from '../../src/bench/stats.js'

describe('stats', () => {
  it('computes medians of odd and even samples, unsorted', () => {
    assert.equal(median([3, 1, 2]), 2)
    assert.equal(median([4, 1, 3, 2]), 2.5)
    assert.equal(median([10]), 10)
    assert.ok(Number.isNaN(median([])))
  })

  it('sorts numerically, not as strings', () => {
    assert.equal(median([100, 9, 20]), 20)
    assert.deepEqual(summarize([100, 9, 20, 1000, 3]), { n: 5, min: 3, p25: 9, median: 20, p75: 100, max: 1000 })
  })

  it('interpolates quantiles between ranks (R type 7)', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75)
    assert.equal(quantile([1, 2, 3, 4], 0.75), 3.25)
    assert.equal(quantile([5, 1], 0), 1)
    assert.equal(quantile([5, 1], 1), 5)
    assert.throws(() => quantile([1], 1.5), InvalidConfigError)
  })

  it('keeps min <= p25 <= median <= p75 <= max and does not mutate its input', () => {
    fc.assert(fc.property(fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 50 }), xs => {
      const copy = [...xs]
      const s = summarize(xs)
      assert.deepEqual(xs, copy)
      assert.equal(s.n, xs.length)
      assert.ok(s.min <= s.p25 && s.p25 <= s.median && s.median <= s.p75 && s.p75 <= s.max)
      assert.equal(s.min, Math.min(...xs))
      assert.equal(s.max, Math.max(...xs))
    }), { numRuns: 200 })
  })

  it('pairs ratios round by round, so a common drift cancels', () => {
    // B is always half as fast as A, while both drift by 10x across rounds.
    const a = [100, 1000, 50, 400, 10]
    const b = a.map(x => x / 2)
    const r = pairedRatio(a, b)
    assert.equal(r.median, 2)
    assert.equal(r.min, 2)
    assert.equal(r.max, 2)
    // The ratio of medians would not be exactly 2 with unaligned drift; paired is.
    assert.equal(pairedRatio([1, 2, 3], [0, 1, 1]).n, 2)
  })
})

describe('cleanPairedRatio', () => {
  it('leaves out rounds where either side was slowed down by interference', () => {
    // A runs at 10 when undisturbed and was hit in 4 of 7 rounds; B is steady at 5.
    const a = [10, 1, 1, 1, 1, 10, 10]
    const b = [5, 5, 5, 5, 5, 5, 5]
    assert.equal(pairedRatio(a, b).median, 0.2)
    const r = cleanPairedRatio(a, b)
    assert.equal(r.median, 2)
    assert.equal(r.n, 3)
  })

  it('falls back to every round when fewer than a third are clean', () => {
    const a = [10, 1, 1, 1, 1, 1, 1]
    const b = [5, 5, 5, 5, 5, 5, 5]
    assert.deepEqual(cleanPairedRatio(a, b), pairedRatio(a, b))
  })

  it('equals the plain paired ratio on steady samples', () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 1, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 30 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (a, k) => {
      const b = a.map(x => x * k)
      const r = cleanPairedRatio(b, a)
      assert.ok(Math.abs(r.median - k) <= 1e-9 * k)
    }), { numRuns: 100 })
  })
})

describe('settings and targets', () => {
  it('resolves presets and rejects nonsense', () => {
    const quick = createSettings({ mode: 'quick' })
    const full = createSettings()
    assert.equal(full.mode, 'full')
    assert.ok(quick.rounds < full.rounds && quick.batchMs < full.batchMs)
    assert.equal(createSettings({ mode: 'smoke' }).allocations, false)
    assert.equal(createSettings({ mode: 'quick', rounds: 3 }).rounds, 3)
    assert.throws(() => createSettings({ rounds: 0 }), InvalidConfigError)
    assert.throws(() => createSettings({ batchMs: -1 }), InvalidConfigError)
    assert.throws(() => createSettings({ mode: 'slow' as never }), InvalidConfigError)
  })

  it('computes pass for both comparison directions', () => {
    const base = { id: 't', issue: 'X', description: 'd' }
    assert.equal(target({ ...base, measured: 0.95, op: '>=', threshold: 0.95 }).pass, true)
    assert.equal(target({ ...base, measured: 0.94, op: '>=', threshold: 0.95 }).pass, false)
    assert.equal(target({ ...base, measured: 1, op: '<=', threshold: 1 }).pass, true)
    assert.equal(target({ ...base, measured: 1.01, op: '<=', threshold: 1 }).pass, false)
    assert.equal(target({ ...base, measured: NaN, op: '<=', threshold: 1 }).pass, false)
    assert.equal(target({ ...base, measured: 1, op: '<=', threshold: 1 }).detail, '')
  })
})

/** Busy work whose cost scales with `n`, and whose result depends on every step. */
function spin (n: number): number {
  let x = 1
  for (let i = 0; i < n; i++) x = (x * 31 + i) | 0
  return x
}

describe('freshSite', () => {
  it('compiles a closure over the bindings, each call evaluating the expression again', () => {
    const counter = { n: 0, bump (by: number) { this.n += by; return this.n } }
    const f = freshSite('c.bump(k)', { c: counter, k: 2 })
    assert.equal(f(), 2)
    assert.equal(f(), 4)
    assert.notEqual(freshSite('c.bump(k)', { c: counter, k: 2 }), f)
  })

  it('refuses binding names that are not identifiers', () => {
    assert.throws(() => freshSite('1', { 'a-b': 1 }), InvalidConfigError)
    assert.throws(() => freshSite('1', { 'a){': 1 }), InvalidConfigError)
  })
})

describe('measureGroup', () => {
  it('measures every case each round and pairs it with its reference', async () => {
    const settings = createSettings({ mode: 'quick', warmupMs: 5, batchMs: 2, rounds: 5, allocations: false })
    const g = await measureGroup({
      id: 'spin',
      title: 'spin',
      bytes: 1000,
      cases: [
        { name: 'slow', fn: () => spin(4000), reference: 'fast' },
        { name: 'fast', fn: () => spin(400), baseline: true }
      ]
    }, settings)
    assert.deepEqual(g.cases.map(c => c.name), ['slow', 'fast'])
    for (const c of g.cases) {
      assert.equal(c.samples.length, 5)
      assert.ok(c.opsPerSec.median > 0 && c.opsPerBatch >= 1)
      assert.ok(c.mbPerSec !== null && Math.abs(c.mbPerSec.median - c.opsPerSec.median * 1000 / 1e6) < 1e-6 * c.opsPerSec.median)
      assert.equal(c.allocBytesPerOp, null)
    }
    const slow = g.cases[0]
    assert.ok(slow?.vsReference !== null && slow?.vsReference !== undefined)
    // 10x the work: the paired ratio must show a clear slowdown (loose bound: shared machine).
    assert.ok(slow.vsReference.median < 0.5, `ratio ${slow.vsReference.median}`)
    assert.equal(g.cases[1]?.vsReference, null)
    assert.ok(ratioOf(g, 'fast', 'slow') > 2)
    assert.equal(typeof lastResult(), 'number')
  })

  it('estimates allocations when gc is exposed, and reports null otherwise', async () => {
    const settings = createSettings({ mode: 'smoke', allocations: true, batchMs: 1, rounds: 1 })
    const g = await measureGroup({
      id: 'alloc',
      title: 'alloc',
      cases: [{ name: 'u8-4k', fn: () => new Uint8Array(4096) }, { name: 'none', fn: () => spin(10) }]
    }, settings)
    const [big, none] = g.cases
    if (typeof (globalThis as { gc?: unknown }).gc === 'function') {
      assert.ok(big?.allocBytesPerOp !== null && big !== undefined && big.allocBytesPerOp >= 4096 && big.allocBytesPerOp < 4096 * 2)
      assert.ok(none?.allocBytesPerOp !== null && none !== undefined && none.allocBytesPerOp < 64)
    } else {
      assert.equal(big?.allocBytesPerOp, null)
      assert.equal(none?.allocBytesPerOp, null)
    }
  })

  it('runs fewer rounds for slow groups, never fewer than minRounds', async () => {
    const settings = createSettings({ mode: 'quick', warmupMs: 0, batchMs: 1, warmupRounds: 0, rounds: 10, minRounds: 3, maxGroupMs: 0.01, allocations: false })
    const g = await measureGroup({ id: 'slow', title: 'slow', cases: [{ name: 'a', fn: () => spin(20_000) }] }, settings)
    assert.equal(g.cases[0]?.samples.length, 3)
    const roomy = createSettings({ mode: 'quick', warmupMs: 0, batchMs: 1, warmupRounds: 0, rounds: 10, minRounds: 3, maxGroupMs: 10_000, allocations: false })
    const h = await measureGroup({ id: 'fast', title: 'fast', cases: [{ name: 'a', fn: () => spin(10) }] }, roomy)
    assert.equal(h.cases[0]?.samples.length, 10)
  })

  it('measures the same way without yielding to the event loop (measureGroupSync, for wireseal bench)', () => {
    const settings = createSettings({ mode: 'quick', warmupMs: 0, batchMs: 1, warmupRounds: 2, rounds: 4, minRounds: 4, allocations: false })
    let calls = 0
    let ticks = 0
    const timer = setInterval(() => { ticks++ }, 0)
    const immediate = setImmediate(() => { ticks++ })
    try {
      const g = measureGroupSync({ id: 'sync', title: 'sync', bytes: 10, cases: [{ name: 'a', fn: () => { calls++; return spin(50) }, reference: 'b' }, { name: 'b', fn: () => spin(50) }] }, settings)
      assert.equal(ticks, 0, 'no timer or immediate ran while measuring')
      assert.deepEqual(g.cases.map(c => [c.name, c.samples.length]), [['a', 4], ['b', 4]])
      assert.ok(calls >= 6 * (g.cases[0]?.opsPerBatch ?? 1), 'warm-up and measured rounds all ran')
      assert.ok(g.cases[0]?.vsReference !== null && g.cases[0]?.mbPerSec !== null)
      assert.throws(() => measureGroupSync({ id: 'e', title: 'e', cases: [] }, settings), InvalidConfigError)
    } finally {
      clearInterval(timer)
      clearImmediate(immediate)
    }
  })

  it('rejects empty groups, duplicate names and dangling references', async () => {
    const settings = createSettings({ mode: 'smoke' })
    const fn = (): number => 1
    await assert.rejects(measureGroup({ id: 'e', title: 'e', cases: [] }, settings), InvalidConfigError)
    await assert.rejects(measureGroup({ id: 'd', title: 'd', cases: [{ name: 'a', fn }, { name: 'a', fn }] }, settings), InvalidConfigError)
    await assert.rejects(measureGroup({ id: 'r', title: 'r', cases: [{ name: 'a', fn, reference: 'b' }] }, settings), InvalidConfigError)
  })
})

const fakeSuite: Suite = {
  id: 'fake',
  title: 'Fake',
  description: 'two cases and a target',
  libraries: ['fast-check'],
  async run (ctx) {
    const g = await ctx.measure({ id: 'g', title: 'G', cases: [{ name: 'a', fn: () => spin(10), reference: 'b' }, { name: 'b', fn: () => spin(10), baseline: true }] })
    return {
      groups: [g],
      tables: [{ title: 'Sizes', columns: ['what', 'bytes'], rows: [['x|y', 3]] }],
      targets: [target({ id: 'fake.ratio', issue: 'T', description: 'a >= 0', measured: ratioOf(g, 'a', 'b'), op: '>=', threshold: 0 })],
      notes: ['a note']
    }
  }
}

const brokenSuite: Suite = {
  id: 'broken',
  title: 'Broken',
  description: 'throws',
  libraries: [],
  async run () { throw new InvalidConfigError('x', 'y') }
}

describe('runner and report', () => {
  it('runs suites, collects targets, records failures and the environment', async () => {
    const lines: string[] = []
    const settings = createSettings({ mode: 'smoke' })
    const r = await runSuites([fakeSuite, brokenSuite], { settings, log: l => lines.push(l) })
    assert.deepEqual(r.suites.map(s => s.id), ['fake', 'broken'])
    assert.equal(r.suites[0]?.error, null)
    assert.match(r.suites[1]?.error ?? '', /InvalidConfigError/)
    assert.deepEqual(r.targets.map(t => [t.suite, t.id, t.pass]), [['fake', 'fake.ratio', true]])
    assert.equal(r.environment.mode, 'smoke')
    assert.equal(r.environment.node, process.version)
    assert.match(r.environment.packages['fast-check'] ?? '', /^\d+\.\d+\.\d+/)
    assert.ok(r.environment.cores >= 1)
    assert.ok(lines.some(l => l.includes('[fake]')) && lines.some(l => l.includes('G:')))

    const md = renderMarkdown(r)
    assert.match(md, /## Targets: 1 of 1 pass/)
    assert.match(md, /\| PASS \| fake\.ratio \| T \|/)
    assert.match(md, /x\\\|y/) // pipes escaped in cells
    assert.match(md, /Suite failed:\*\* InvalidConfigError/)
    const text = renderText(r)
    assert.match(text, /== Fake \(fake\) ==/)
    assert.equal(measurementTable(r.suites[0] as never).rows.length, 2)
    // results.json must survive a JSON round trip unchanged (no bigint, no functions).
    assert.deepEqual(JSON.parse(JSON.stringify(r)), r)
  })

  it('selects suites by id and rejects unknown ids', () => {
    assert.deepEqual(selectSuites([fakeSuite, brokenSuite], ['broken']).map(s => s.id), ['broken'])
    assert.equal(selectSuites([fakeSuite, brokenSuite]).length, 2)
    assert.throws(() => selectSuites([fakeSuite], ['nope']), InvalidConfigError)
  })

  it('aligns text tables', () => {
    const t = renderTable(['a', 'bb'], [['xxx', 1234567]], 'text').split('\n')
    assert.deepEqual(t, ['a    bb', '---  -----', 'xxx  1.23M'])
  })

  it('reports progress through the context', async () => {
    const lines: string[] = []
    const ctx = createContext(createSettings({ mode: 'smoke' }), l => lines.push(l))
    await ctx.measure({ id: 'p', title: 'P', bytes: 10, cases: [{ name: 'only', fn: () => 1 }] })
    assert.equal(lines.length, 1)
    assert.match(lines[0] ?? '', /P: only .*\/s .* MB\/s/)
  })
})

describe('compressors suite (smoke)', () => {
  it('measures every format x backend x size x data kind next to the direct call, with every target', async () => {
    const { compressorsSuite, COMPRESSOR_SIZES, DATA_KINDS } = await import('../../bench/compressors.js')
    const { listBackends } = await import('../../src/compress/index.js')
    const r = await runSuites([compressorsSuite], { settings: createSettings({ mode: 'smoke' }), log: () => {} })
    const suite = r.suites[0]
    assert.equal(suite?.error, null)
    assert.ok(suite !== undefined)
    const expectedGroups = DATA_KINDS.flatMap(kind => COMPRESSOR_SIZES.flatMap(size =>
      ['snappy', 'gzip', 'zstd'].flatMap(f => ['compress', 'decompress'].map(op => `${kind}-${size}/${f}/${op}`))))
    assert.deepEqual(suite.groups.map(g => g.id).sort(), expectedGroups.sort())
    for (const g of suite.groups) {
      const format = g.id.split('/')[1] as string
      const backends = listBackends(format).filter(b => b.compressor !== undefined).map(b => b.backend)
      for (const b of backends) {
        const ws = g.cases.find(c => c.name === `wireseal ${b}`)
        assert.ok(ws !== undefined, `${g.id}: wireseal ${b}`)
        assert.equal(ws.reference, `${b} direct`)
        assert.ok(g.cases.some(c => c.name === `${b} direct` && c.baseline))
        assert.equal(ws.samples.length, 2)
        assert.ok(ws.bytes !== null && ws.mbPerSec !== null)
      }
    }
    const ids = r.targets.map(t => t.id)
    for (const f of ['snappy', 'gzip', 'zstd']) {
      for (const op of ['compress', 'decompress']) {
        for (const size of COMPRESSOR_SIZES) assert.ok(ids.includes(`compressors.${f}.${op}.${size}`), `${f}.${op}.${size}`)
      }
    }
    const policy = r.targets.find(t => t.id === 'compressors.policy.no-expansion')
    // Not a timing: this one must hold even in smoke mode.
    assert.ok(policy?.pass, policy?.detail)
    assert.equal(r.targets.length, 3 * 2 * COMPRESSOR_SIZES.length + 1)
    for (const t of r.targets) assert.ok(Number.isFinite(t.measured), t.id)
    // Ratio table: one row per data kind x size; JSON compresses, random does not.
    const ratios = suite.tables[0]
    assert.ok(ratios !== undefined)
    assert.equal(ratios.rows.length, DATA_KINDS.length * COMPRESSOR_SIZES.length)
    const json64k = ratios.rows.find(row => row[0] === 'json' && row[1] === '64 KB')
    const zstdCol = ratios.columns.indexOf('zstd/zstd-wasm')
    assert.ok(Number(json64k?.[zstdCol]) > 2.5, `zstd ratio on 64 KB JSON: ${String(json64k?.[zstdCol])}`)
    const random64k = ratios.rows.find(row => row[0] === 'random' && row[1] === '64 KB')
    assert.ok(Number(random64k?.[zstdCol]) < 1.01)
  })
})

describe('serializers suite (smoke)', () => {
  it('measures every serializer for every message next to the direct calls, with every target', async () => {
    const { serializersSuite, TARGET_FORMATS, DECODE_TARGET_FORMATS } = await import('../../bench/serializers.js')
    const { BUILTIN_SERIALIZERS } = await import('../../src/serialize/index.js')
    const r = await runSuites([serializersSuite], { settings: createSettings({ mode: 'smoke' }), log: () => {} })
    const suite = r.suites[0]
    assert.ok(suite !== undefined)
    assert.equal(suite.error, null)
    const messages = ['block-256', 'block-16k', 'peerinfo']
    assert.deepEqual(suite.groups.map(g => g.id), messages.flatMap(m => [`${m}/encode`, `${m}/decode`]))
    const formats = [...new Set(BUILTIN_SERIALIZERS.map(s => s.name))]
    const refs: Record<string, string> = { protobuf: 'protobufjs direct', msgpack: 'msgpackr direct', msgpackStructured: 'msgpackr records direct', json: 'JSON direct', capnp: 'capnp-es direct' }
    for (const g of suite.groups) {
      for (const f of formats) {
        const c = g.cases.find(x => x.name === `wireseal ${f}`)
        assert.ok(c !== undefined, `${g.id}: wireseal ${f}`)
        assert.equal(c.reference, refs[f] ?? null, `${g.id}: ${f} reference`)
        assert.ok(c.bytes !== null && c.bytes > 0)
      }
      for (const d of Object.values(refs)) assert.ok(g.cases.some(c => c.name === d && c.baseline), `${g.id}: ${d}`)
    }
    const expected = messages.flatMap(m => [
      ...TARGET_FORMATS.flatMap(f => ['encode', 'decode'].map(op => `serializers.${f}.${op}.${m}`)),
      ...DECODE_TARGET_FORMATS.map(f => `serializers.${f}.decode.${m}`)
    ])
    assert.deepEqual(r.targets.map(t => t.id).sort(), expected.sort())
    for (const t of r.targets) {
      assert.equal(t.threshold, 0.95)
      assert.equal(t.op, '>=')
      assert.equal(t.issue, t.id.startsWith('serializers.capnp.') ? 'issue 12' : 'Foundation')
      assert.ok(Number.isFinite(t.measured))
    }
    // Sizes: protobuf is the same bytes as protobufjs called directly (it wraps the same code).
    const sizes = suite.tables[0]
    assert.ok(sizes !== undefined)
    const block256 = sizes.rows.find(row => row[0] === 'Block 256 B')
    const pbCol = sizes.columns.indexOf('protobuf')
    assert.equal(block256?.[pbCol], '371')
    assert.match(String(block256?.[sizes.columns.length - 1]), /protobufjs 371/)
  })
})
