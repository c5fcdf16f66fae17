import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { MalformedInputError, StorageError } from '../../src/errors.js'
import { buildCharts, chartFile, groupSize, parseSize, targetMargin } from '../../bench/charts.js'
import { FAIL_COLOR, PASS_COLOR, PALETTE } from '../../bench/chart-options.js'
import { compactNumber } from '../../src/format.js'
import { createSettings, target, type CaseResult, type GroupResult, type Target } from '../../bench/harness.js'
import { renderMarkdown } from '../../bench/report.js'
import { readResults, runSuites, type BenchResults, type SuiteResult } from '../../bench/runner.js'
import { writeReport } from '../../bench/run.js'
import type { BenchSummary } from '../../bench/summary.js'
import { serializersSuite } from '../../bench/serializers.js'
import { captureEnvironment } from '../../bench/environment.js'
import { summarize } from '../../src/bench/stats.js'

const ROOT = join(import.meta.dirname, '../..')

// ---------------------------------------------------------------------------
// A synthetic run with every kind of suite the charts know, plus the awkward cases.

function kase (name: string, ops: number, o: { bytes?: number, baseline?: boolean, reference?: string } = {}): CaseResult {
  const samples = [ops * 0.97, ops, ops * 1.02]
  const bytes = o.bytes ?? null
  return {
    name,
    baseline: o.baseline ?? false,
    bytes,
    opsPerBatch: 10,
    samples,
    opsPerSec: summarize(samples),
    mbPerSec: bytes === null ? null : summarize(samples.map(x => x * bytes / 1e6)),
    reference: o.reference ?? null,
    vsReference: null,
    allocBytesPerOp: null
  }
}

function suite (id: string, title: string, groups: GroupResult[], targets: Target[] = [], tables: SuiteResult['tables'] = []): SuiteResult {
  return { id, title, description: `${title}: what it measures`, durationMs: 1500, groups, tables, targets, notes: [`${id} note`], error: null }
}

const serializerGroups: GroupResult[] = ['block-256', 'peerinfo'].flatMap(m => (['encode', 'decode'] as const).map(op => ({
  id: `${m}/${op}`,
  title: `${m === 'peerinfo' ? 'PeerInfo' : 'Block 256 B'} ${op}`,
  cases: [
    kase('wireseal protobuf', 2e6, { bytes: 371, reference: 'protobufjs direct' }),
    kase('wireseal json', 3e5, { bytes: 562, reference: 'JSON direct' }),
    kase('wireseal flatbuffers', 1.5e6, { bytes: 424 }),
    kase('protobufjs direct', 2.1e6, { bytes: 371, baseline: true }),
    kase('JSON direct', 4e5, { bytes: 562, baseline: true })
  ]
})))

const compressorGroups: GroupResult[] = [512, 65_536].flatMap(size => ['snappy', 'zstd'].flatMap(format => ['compress', 'decompress'].map(op => ({
  id: `json-${size}/${format}/${op}`,
  title: `${format} json ${size} ${op}`,
  cases: format === 'snappy'
    ? [kase('wireseal snappy-napi', 3e5, { bytes: size, reference: 'snappy-napi direct' }), kase('wireseal snappyjs', 1e5, { bytes: size }), kase('snappy-napi direct', 3.1e5, { bytes: size, baseline: true })]
    : [kase('wireseal zstd-wasm', 5e4, { bytes: size }), kase('zstd-wasm direct', 5e4, { bytes: size, baseline: true })]
}))))

const ratioTable = {
  title: 'Compression ratio (input / output), wireseal default levels',
  columns: ['data', 'size', 'snappy/snappy-napi', 'snappy/snappyjs', 'zstd/zstd-wasm'],
  rows: [['json', '512 B', '1.06', '1.08', '1.56'], ['json', '64 KB', '1.82', '1.82', '3.50']]
}

const t = (id: string, issue: string, measured: number, op: '>=' | '<=', threshold: number): Target =>
  target({ id, issue, description: `${id} promise`, measured, op, threshold, detail: `${id} detail` })

function fixture (): BenchResults {
  const suites: SuiteResult[] = [
    suite('serializers', 'Serializers', serializerGroups, [t('serializers.protobuf.decode', 'Foundation', 1.02, '>=', 0.95), t('serializers.json.decode', 'Foundation', 0.5, '>=', 0.95)]),
    suite('compressors', 'Compressors', compressorGroups, [t('compressors.policy.no-expansion', 'Benchmark suite', 1.001, '<=', 1)], [ratioTable]),
    suite('pipeline', 'Seal/open pipeline', [
      { id: 'block-1m/seal+open', title: 'Block 1 MB seal+open', cases: [kase('wireseal seal+open', 120, { bytes: 1_048_600 }), kase('snappy + SHA-256 direct', 150, { bytes: 1_048_600, baseline: true })] },
      { id: 'block-256/seal', title: 'Block 256 B seal', cases: [kase('wireseal seal', 21_000, { bytes: 371 }), kase('RecordEnvelope.seal', 9000, { bytes: 371, baseline: true })] }
    ], [t('pipeline.seal.vs-sign', 'Security layer', NaN, '>=', 0.85)]),
    suite('stream', 'Stream codec', [
      { id: 'envelope-64k/stream', title: '64 KB envelopes', cases: [kase('wireseal writeSealed', 3000, { bytes: 65_533 }), kase('raw stream.send', 3600, { bytes: 65_533, baseline: true })] }
    ], [t('stream.sealed-64k.vs-raw', 'libp2p integration', 0.93, '>=', 0.9)]),
    suite('gossip', 'Gossip', [
      { id: 'gossip-2k/star', title: '2 KB messages, star', cases: [kase('wireseal gossip', 2500), kase('StrictSign + snappyjs', 1800, { baseline: true })] }
    ], [t('gossip.latency-p50', 'libp2p integration', 1.1, '<=', 1.2), t('gossip.zero-threshold', 'libp2p integration', 3, '>=', 0)]),
    suite('replay', 'Replay <protection> & "window"', [
      { id: 'replay/check', title: 'check', cases: [kase('window.check', 5e7), kase('guard.precheck', 2e7)] }
    ]),
    { ...suite('batch', 'Batch envelopes', []), error: 'InvalidConfigError: broken on purpose' }
  ]
  return {
    environment: captureEnvironment(createSettings({ mode: 'smoke' }), ['fast-check']),
    suites,
    targets: suites.flatMap(s => s.targets.map(x => ({ suite: s.id, ...x })))
  }
}

// ---------------------------------------------------------------------------
// A small XML well-formedness check: balanced tags, quoted attributes, known entities.

function assertWellFormedXml (xml: string, what: string): void {
  const stack: string[] = []
  const token = /<!--[\s\S]*?-->|<\/?([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|<|&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);)/gi
  let m: RegExpExecArray | null
  while ((m = token.exec(xml)) !== null) {
    const [whole, name, , selfClosing] = m
    if (whole === '<') assert.fail(`${what}: stray or malformed tag at ${m.index}: ${xml.slice(m.index, m.index + 60)}`)
    if (whole.startsWith('&')) assert.fail(`${what}: unescaped & at ${m.index}: ${xml.slice(m.index, m.index + 30)}`)
    if (whole.startsWith('<!--')) continue
    if (whole.startsWith('</')) assert.equal(stack.pop(), name, `${what}: </${name ?? ''}> closes the wrong element at ${m.index}`)
    else if (selfClosing !== '/') stack.push(name as string)
  }
  assert.deepEqual(stack, [], `${what}: unclosed elements`)
  // Text between tags must not hold a raw '>' either (escaped by the renderer).
  assert.doesNotMatch(xml.replace(/<[^>]*>/g, ''), />/, `${what}: raw > in text`)
}

/** The whole page must load nothing from elsewhere: no URLs except the SVG namespace name (never fetched). */
function assertOffline (html: string): void {
  const urls = html.match(/\b(?:https?|ftp):\/\/[^\s"'<>)]*/gi) ?? []
  assert.deepEqual(urls.filter(u => u !== 'http://www.w3.org/2000/svg'), [])
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|@font-face/i)
  for (const m of html.matchAll(/\b(?:src|href)="([^"]*)"/gi)) assert.match(m[1] as string, /^#/, `only in-page links, got ${m[0]}`)
  for (const m of html.matchAll(/url\(([^)]*)\)/gi)) assert.match(m[1] as string, /^#/, `only in-page fills, got ${m[0]}`)
}

// ---------------------------------------------------------------------------

describe('report charts and page', () => {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'wireseal-report-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('writes one well-formed SVG per chart, report.md, summary.json and index.html, and removes stale charts only', () => {
    const out = join(dir, 'full')
    const stale = join(out, chartFile('gone'))
    const keep = join(out, 'notes.svg')
    writeReport(fixture(), out) // creates the dir
    writeFileSync(stale, '<svg/>')
    writeFileSync(keep, '<svg/>')
    const r = writeReport(fixture(), out)
    assert.deepEqual(r.charts.charts.map(c => c.id), ['serializers', 'compressors', 'pipeline', 'stream', 'gossip', 'replay', 'targets'])
    assert.deepEqual(r.charts.skipped.map(s => s.id), ['batch'])
    assert.match(r.charts.skipped[0]?.reason ?? '', /broken on purpose/)
    assert.ok(!existsSync(stale), 'a chart of an earlier run is removed')
    assert.ok(existsSync(keep), 'files that are not charts stay')
    for (const c of r.charts.charts) {
      const svg = readFileSync(join(out, c.file), 'utf8')
      assertWellFormedXml(svg, c.file)
      const root = /^<svg [^>]*>/.exec(svg)?.[0] ?? assert.fail(`${c.file}: no <svg> root`)
      assert.ok(root.includes(' xmlns="http://www.w3.org/2000/svg"'), `${c.file}: SVG namespace`)
      assert.ok(root.includes(` width="${c.spec.width}" height="${c.spec.height}"`) && root.includes(` viewBox="0 0 ${c.spec.width} ${c.spec.height}"`), `${c.file}: the spec's size`)
      assert.ok(svg.includes(`<title id="chart-${c.id}-title">`), `${c.file} has an accessible title`)
      assert.equal(svg, `${c.svg}\n`)
    }
    assert.deepEqual(readdirSync(out).sort(), [...r.charts.charts.map(c => c.file), 'index.html', 'notes.svg', 'report.md', 'summary.json'].sort())
    // summary.json: every target with its verdict, nothing else of the run's samples
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as BenchSummary
    assert.deepEqual([summary.passed, summary.total], [4, 7])
    assert.deepEqual(summary.failedSuites.map(x => x.id), ['batch'])
    assert.deepEqual(summary.targets.map(x => [x.id, x.pass]), fixture().targets.map(x => [x.id, x.pass]))
    assert.equal(summary.targets.find(x => x.id === 'pipeline.seal.vs-sign')?.measured, null)
    assert.ok(statSync(join(out, 'summary.json')).size < 4096)
  })

  it('plots the data it is given', () => {
    const { charts } = buildCharts(fixture())
    const svg = (id: string): string => charts.find(c => c.id === id)?.svg ?? assert.fail(`no ${id} chart`)
    // Each data point or bar is one element ECharts marks as chart data.
    const marks = (s: string): string[] => s.match(/<path [^>]*ecmeta_ssr_type="chart"[^>]*>/g) ?? []
    // serializers: one panel per decode group, a point per case (5 cases x 2 messages), baselines as rings
    const ser = svg('serializers')
    assert.ok(ser.includes('>Block 256 B<') && ser.includes('>PeerInfo<'))
    assert.equal(marks(ser).length, 10)
    assert.equal(marks(ser).filter(m => m.includes('fill="#fff"')).length, 4, 'two baselines per panel drawn as rings')
    // compressors: 2 sizes x 2 directions, 3 wireseal backends each (direct calls are not plotted)
    const comp = svg('compressors')
    for (const p of ['compress 512 B', 'compress 64 KB', 'decompress 512 B', 'decompress 64 KB']) assert.ok(comp.includes(`>${p}<`), p)
    assert.equal(marks(comp).length, 12)
    assert.ok(comp.includes('zstd / zstd-wasm') && !comp.includes('direct'))
    // pipeline: ordered by message size (256 B before 1 MB), MB/s, baselines hatched, a bar per case
    const pipe = svg('pipeline')
    const pipeSpec = charts.find(c => c.id === 'pipeline')?.spec.option as { xAxis: { data: string[] } }
    assert.deepEqual(pipeSpec.xAxis.data, ['Block 256 B seal', 'Block 1 MB seal+open'])
    const small = pipe.indexOf('>Block 256 B seal<')
    assert.ok(small > 0 && small < pipe.indexOf('>Block 1 MB seal+open<'))
    assert.equal(marks(pipe).length, 4)
    assert.ok(pipe.includes('MB/s (log)') && /fill="url\(#chart-pipeline-[\w-]+\)"/.test(pipe) && pipe.includes('<pattern '))
    // gossip: no bytes, so ops/s
    assert.ok(svg('gossip').includes('ops/s (log)'))
    // replay: titles and names are escaped, no baselines
    const replay = svg('replay')
    assert.ok(replay.includes('Replay &lt;protection&gt; &amp; &quot;window&quot;: rate per case'))
    // targets: every target, with its verdict text
    const tg = svg('targets')
    for (const x of fixture().targets) assert.ok(tg.includes(`>${x.id}<`), x.id)
    assert.ok(tg.includes('FAIL n/a ≥ 0.85') && tg.includes('PASS 1.1 ≤ 1.2') && tg.includes('FAIL 1 ≤ 1'))
    assert.ok(tg.includes(PASS_COLOR) && tg.includes(FAIL_COLOR))
  })

  it('renders an offline page with every chart inline and every target with its verdict', () => {
    const results = fixture()
    const out = join(dir, 'page')
    const { charts } = writeReport(results, out)
    const html = readFileSync(join(out, 'index.html'), 'utf8')
    assertOffline(html)
    assert.match(html, /^<!doctype html>/)
    assert.equal(html.match(/<svg /g)?.length, charts.charts.length)
    for (const c of charts.charts) {
      assert.ok(html.includes(`<figure id="chart-${c.id}"`), c.id)
      // the inline copy is the standalone file, byte for byte
      assert.ok(html.includes(c.svg), `${c.id} inline`)
    }
    for (const x of results.targets) {
      const row = new RegExp(`<tr class="(pass|fail)" data-target="${x.id.replaceAll('.', '\\.')}"><td class="result">(PASS|FAIL)</td>`).exec(html)
      assert.ok(row !== null, `${x.id} listed`)
      assert.equal(row[1], x.pass ? 'pass' : 'fail')
      assert.equal(row[2], x.pass ? 'PASS' : 'FAIL')
    }
    assert.match(html, /Targets: <strong class="bad">4 of 7 pass<\/strong>/)
    assert.match(html, /Suites that failed, so their targets are missing: <code>batch<\/code>/)
    assert.match(html, /Not in these results: Batch envelopes.*broken on purpose/)
    assertWellFormedXml(html.replace(/^<!doctype html>/, '').replace(/<meta [^>]*>/g, ''), 'index.html')
  })

  it('lists every target in report.md, grouped by issue, with the environment and the charts', () => {
    const results = fixture()
    const md = renderMarkdown(results, buildCharts(results).charts)
    assert.match(md, /## Environment[\s\S]*\| Node \| v\d+/)
    assert.match(md, /## Targets: 4 of 7 pass/)
    const issues = ['Foundation', 'Benchmark suite', 'Security layer', 'libp2p integration']
    let at = md.indexOf('## Targets')
    for (const issue of issues) {
      const h = md.indexOf(`### ${issue}: `, at)
      assert.ok(h > at, `${issue} section in order`)
      at = h
    }
    for (const x of results.targets) {
      const row = md.split('\n').find(l => l.startsWith(`| ${x.pass ? 'PASS' : 'FAIL'} | ${x.id} | ${x.issue} |`))
      assert.ok(row !== undefined, `${x.id} row`)
      // under its own issue's heading
      const heading = md.lastIndexOf('\n### ', md.indexOf(row))
      assert.ok(md.slice(heading, heading + 6 + x.issue.length).includes(x.issue), `${x.id} under ${x.issue}`)
    }
    assert.match(md, /\| FAIL \| pipeline\.seal\.vs-sign \| Security layer \| n\/a \| >= 0\.85 \| n\/a \|/)
    assert.match(md, /\| PASS \| gossip\.latency-p50 \| libp2p integration \| 1\.100 \| <= 1\.2 \| 1\.09x \|/)
    assert.match(md, /Suites that failed, so their targets are missing:\*\* `batch`/)
    assert.match(md, /!\[Serializers: encoded size vs decode speed\]\(chart-serializers\.svg\)/)
  })

  it('skips the charts whose suites are absent, and still draws the rest', () => {
    const results = fixture()
    const only = { ...results, suites: results.suites.filter(s => s.id === 'serializers'), targets: [] }
    const { charts, skipped } = buildCharts(only)
    assert.deepEqual(charts.map(c => c.id), ['serializers'])
    assert.deepEqual(skipped.map(s => s.id), ['compressors', 'pipeline', 'stream', 'gossip', 'targets'])
    assert.match(skipped.find(s => s.id === 'pipeline')?.reason ?? '', /no pipeline suite/)
    const noRatio = { ...results, suites: results.suites.map(s => s.id === 'compressors' ? { ...s, tables: [] } : s) }
    assert.match(buildCharts(noRatio).skipped.find(s => s.id === 'compressors')?.reason ?? '', /Compression ratio/)
    const empty = buildCharts({ ...results, suites: [], targets: [] })
    assert.deepEqual(empty.charts, [])
    const out = join(dir, 'empty')
    writeReport({ ...results, suites: [], targets: [] }, out)
    assertOffline(readFileSync(join(out, 'index.html'), 'utf8'))
  })

  it('regenerates from results.json without measuring (--report-only)', () => {
    const out = join(dir, 'cli')
    const from = join(dir, 'results.json')
    writeFileSync(from, JSON.stringify(fixture()))
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/run.ts'), '--report-only', '--from', from, '--out', out], { encoding: 'utf8', timeout: 30_000 })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stderr, /wrote report\.md, summary\.json, index\.html and 7 chart\(s\).*no data for: batch.*4\/7 targets pass/)
    assert.ok(existsSync(join(out, 'index.html')) && existsSync(join(out, 'chart-targets.svg')))
    assert.ok(!existsSync(join(out, 'results.json')), 'report-only writes no results.json')
    const bad = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/run.ts'), '--report-only', '--from', join(dir, 'missing.json'), '--out', out], { encoding: 'utf8', timeout: 30_000 })
    assert.equal(bad.status, 2)
    assert.match(bad.stderr, /StorageError: read .*missing\.json: ENOENT/)
  })

  it('reads results.json back, and refuses garbage, truncation and wrong shapes with typed errors', () => {
    const path = join(dir, 'round-trip.json')
    const results = fixture()
    writeFileSync(path, JSON.stringify(results))
    const back = readResults(path)
    assert.equal(back.targets.length, results.targets.length)
    assert.ok(Number.isNaN(back.targets.find(x => x.id === 'pipeline.seal.vs-sign')?.measured), 'NaN comes back from null')
    assert.throws(() => readResults(join(dir, 'nope.json')), StorageError)
    const cases: Array<[string, string]> = [
      ['garbage', '\u0000\u0001not json'],
      ['truncated', JSON.stringify(results).slice(0, 500)],
      ['array', '[]'],
      ['no suites', JSON.stringify({ ...results, suites: undefined })],
      ['bad suite', JSON.stringify({ ...results, suites: [{ id: 'x' }] })],
      ['bad target', JSON.stringify({ ...results, targets: [{ id: 'x', suite: 'y', op: '==', pass: true }] })]
    ]
    for (const [name, text] of cases) {
      writeFileSync(path, text)
      assert.throws(() => readResults(path), MalformedInputError, name)
    }
  })
})

describe('chart helpers', () => {
  it('parses sizes from labels and group ids', () => {
    assert.equal(parseSize('512 B'), 512)
    assert.equal(parseSize('64 KB'), 65_536)
    assert.equal(parseSize('1 MB'), 1_048_576)
    assert.equal(parseSize('16k'), 16_384)
    assert.equal(parseSize('1m'), 1_048_576)
    assert.equal(parseSize('12 parsecs'), null)
    assert.equal(groupSize('block-256/seal'), 256)
    assert.equal(groupSize('block-16k/encode'), 16_384)
    assert.equal(groupSize('json-65536/zstd/compress'), 65_536)
    assert.equal(groupSize('replay/check'), null)
  })

  it('computes target margins so that > 1 passes in both directions', () => {
    assert.equal(targetMargin({ measured: 1.9, op: '>=', threshold: 0.95 }), 2)
    assert.equal(targetMargin({ measured: 0.5, op: '<=', threshold: 1 }), 2)
    assert.equal(targetMargin({ measured: NaN, op: '>=', threshold: 1 }), null)
    assert.equal(targetMargin({ measured: 1, op: '>=', threshold: 0 }), null)
    fc.assert(fc.property(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.constantFrom('>=' as const, '<=' as const), (measured, threshold, op) => {
      const pass = target({ id: 'x', issue: 'i', description: '', measured, op, threshold }).pass
      const m = targetMargin({ measured, op, threshold }) as number
      assert.equal(m >= 1 - 1e-12, pass || Math.abs(m - 1) < 1e-12)
    }), { numRuns: 300 })
  })

  it('formats compact numbers', () => {
    assert.deepEqual([0, 0.5, 12.5, 100, 999, 1234, 999_999, 1.5e6, 2e9, -3000, NaN].map(compactNumber),
      ['0', '0.5', '12.5', '100', '999', '1.23k', '1M', '1.5M', '2G', '-3k', 'n/a'])
  })

  it('draws each target as its margin from the 1x line, inside the axis: right passes, left fails', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.double({ min: 1e-4, max: 1e4, noNaN: true }), fc.constantFrom('>=' as const, '<=' as const)), { minLength: 1, maxLength: 40 }), (xs) => {
      const targets = xs.map(([measured, op], i) => ({ suite: 's', ...t(`t${i}`, i * 2 < xs.length ? 'A' : 'B', measured, op, 1) }))
      const results = { ...fixture(), suites: [], targets }
      const spec = buildCharts(results).charts.find(c => c.id === 'targets')?.spec.option as {
        xAxis: Array<{ min: number, max: number }>, series: Array<{ data: Array<{ value: number } | null> }>, yAxis: Array<{ data: string[] }>
      }
      // one bar per target row, in the rows' order (section titles have no bar)
      const bars = spec.series.flatMap((s, k) => s.data.map((d, i) => ({ d, k, label: (spec.yAxis[2 * k] as { data: string[] }).data[i] as string })))
        .filter(x => !x.label.startsWith('{h|'))
      assert.deepEqual(bars.map(x => x.label), targets.map(x => x.id))
      bars.forEach((x, i) => {
        const tg = targets[i] as (typeof targets)[number]
        const axis = spec.xAxis[x.k] as { min: number, max: number }
        const v = (x.d as { value: number }).value
        assert.ok(v >= axis.min && v <= axis.max, `${v} in ${axis.min}..${axis.max}`)
        if (Math.abs(v) > 1e-12) assert.equal(v > 0, tg.pass, `${tg.id}: ${tg.measured} ${tg.op} 1`)
      })
    }), { numRuns: 40 })
  })
})

describe('the real harness and the committed results', () => {
  it('a smoke run of a real suite lists each of its targets in the report', async () => {
    const results = await runSuites([serializersSuite], { settings: createSettings({ mode: 'smoke' }), log: () => {} })
    assert.ok(results.targets.length > 0)
    const dir = mkdtempSync(join(tmpdir(), 'wireseal-report-smoke-'))
    try {
      const { charts } = writeReport(results, dir)
      assert.ok(charts.charts.some(c => c.id === 'serializers'))
      const md = readFileSync(join(dir, 'report.md'), 'utf8')
      const html = readFileSync(join(dir, 'index.html'), 'utf8')
      for (const x of results.targets) {
        assert.ok(md.includes(`| ${x.pass ? 'PASS' : 'FAIL'} | ${x.id} |`), x.id)
        assert.ok(html.includes(`data-target="${x.id}"`), x.id)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('results.json as a run writes it reads back and renders the same report (npm run bench -- --report-only)', async () => {
    const results = await runSuites([serializersSuite], { settings: createSettings({ mode: 'smoke' }), log: () => {} })
    const dir = mkdtempSync(join(tmpdir(), 'wireseal-report-json-'))
    try {
      const path = join(dir, 'results.json')
      writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`)
      const read = readResults(path)
      const md = renderMarkdown(read, buildCharts(read).charts)
      assert.equal(md, renderMarkdown(results, buildCharts(results).charts))
      for (const x of read.targets) assert.ok(md.includes(`| ${x.id} | ${x.issue} |`), x.id)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('the committed report.md, charts and summary.json agree, and every bench/results file the README links exists', () => {
    const dir = join(ROOT, 'bench/results')
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as BenchSummary
    assert.ok(summary.total > 0)
    assert.equal(summary.targets.length, summary.total)
    assert.equal(summary.targets.filter(x => x.pass).length, summary.passed)
    const md = readFileSync(join(dir, 'report.md'), 'utf8')
    const targetsSvg = readFileSync(join(dir, 'chart-targets.svg'), 'utf8')
    assert.ok(md.includes(`## Targets: ${summary.passed} of ${summary.total} pass`))
    for (const x of summary.targets) {
      assert.ok(md.includes(`| ${x.pass ? 'PASS' : 'FAIL'} | ${x.id} | ${x.issue} |`), `${x.id} in report.md`)
      assert.ok(targetsSvg.includes(`>${x.id}<`), `${x.id} in chart-targets.svg`)
    }
    const images = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map(m => m[1] as string)
    assert.ok(images.length > 0)
    for (const file of images) assertWellFormedXml(readFileSync(join(dir, file), 'utf8'), file)
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const linked = [...readme.matchAll(/\]\((bench\/results\/[^)#\s]*)\)/g)].map(m => m[1] as string)
    assert.ok(linked.length > 0)
    for (const file of linked) assert.ok(existsSync(join(ROOT, file)), `README links ${file}`)
  })
})

// ---------------------------------------------------------------------------
// Headless Chromium: the page must render, with the charts' colours on screen.

interface Png { width: number, height: number, pixels: Uint8Array, channels: number }

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes). */
function decodePng (buf: Buffer): Png {
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'PNG signature')
  let off = 8
  let width = 0
  let height = 0
  let channels = 0
  const idat: Buffer[] = []
  while (off < buf.length) {
    const len = buf.readUInt32BE(off)
    const type = buf.toString('latin1', off + 4, off + 8)
    const data = buf.subarray(off + 8, off + 8 + len)
    if (type === 'IHDR') {
      width = data.readUInt32BE(0)
      height = data.readUInt32BE(4)
      assert.equal(data[8], 8, 'bit depth 8')
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : assert.fail(`colour type ${data[9]}`)
      assert.equal(data[12], 0, 'not interlaced')
    } else if (type === 'IDAT') idat.push(data)
    off += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  const stride = width * channels
  const pixels = new Uint8Array(height * stride)
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number
    const src = y * (stride + 1) + 1
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] as number : 0
      const b = y > 0 ? pixels[(y - 1) * stride + x] as number : 0
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] as number : 0
      const v = raw[src + x] as number
      let out: number
      switch (filter) {
        case 0: out = v; break
        case 1: out = v + a; break
        case 2: out = v + b; break
        case 3: out = v + ((a + b) >> 1); break
        case 4: {
          const p = a + b - c
          const pa = Math.abs(p - a)
          const pb = Math.abs(p - b)
          const pc = Math.abs(p - c)
          out = v + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)
          break
        }
        default: assert.fail(`filter ${filter}`)
      }
      pixels[y * stride + x] = out & 255
    }
  }
  return { width, height, pixels, channels }
}

/** Where the Chromium test leaves its screenshot. */
const SHOT = join(tmpdir(), 'wireseal-bench-screenshot.png')

describe('headless Chromium', () => {
  it('renders index.html with every chart visible (screenshot)', (t) => {
    if (!existsSync('/usr/bin/chromium')) return t.skip('chromium is not installed (apt-get install -y chromium); nothing installed by this test')
    const dir = mkdtempSync(join(tmpdir(), 'wireseal-shot-'))
    try {
      writeReport(fixture(), dir)
      const png = join(dir, 'shot.png')
      const r = spawnSync('bash', [join(ROOT, 'scripts/screenshot.sh'), join(dir, 'index.html'), png, '1400x3000'], { encoding: 'utf8', timeout: 60_000 })
      assert.equal(r.status, 0, r.stderr)
      assert.ok(statSync(png).size > 30_000, `a non-trivial PNG, got ${statSync(png).size} bytes`)
      // Kept for a look (bench/results/ has no committed screenshot): outside the repository, overwritten by the next run.
      copyFileSync(png, SHOT)
      t.diagnostic(`screenshot: ${SHOT}`)
      const img = decodePng(readFileSync(png))
      assert.deepEqual([img.width, img.height], [1400, 3000])
      const count = new Map<string, number>()
      let nonWhite = 0
      for (let i = 0; i < img.pixels.length; i += img.channels) {
        const hex = `#${[0, 1, 2].map(k => (img.pixels[i + k] as number).toString(16).padStart(2, '0')).join('')}`
        count.set(hex, (count.get(hex) ?? 0) + 1)
        if (hex !== '#ffffff') nonWhite++
      }
      assert.ok(nonWhite / (img.width * img.height) > 0.03, `not blank: ${nonWhite} non-white pixels`)
      assert.ok(count.size > 50, `many colours (text antialiasing, charts), got ${count.size}`)
      // Solid fills of the charts are on screen: verdict squares and the first palette colours (bars, dots).
      for (const colour of [PASS_COLOR, FAIL_COLOR, PALETTE[0] as string, PALETTE[1] as string]) {
        assert.ok((count.get(colour) ?? 0) >= 40, `${colour} on screen (${count.get(colour) ?? 0} px)`)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
