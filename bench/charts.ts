/**
 * Picks chart data out of benchmark results into chart specs (ECharts
 * options, see chart-options.ts) and renders each to SVG once (chart-svg.ts):
 * the same SVG is written as `chart-<id>.svg` and inlined in `index.html`.
 * Works on whatever suites a run contains; each chart is built from naming
 * conventions of the results, and is skipped (with the reason) when its data
 * is absent:
 *
 * - `serializers` (scatter, encoded size vs decode speed): suite `serializers`,
 *   groups whose id ends in `/decode` (one panel each, titled by the group
 *   title without " decode"); x = the case's `bytes` (its encoded size),
 *   y = its median ops/s. A baseline case takes the colour of the wireseal
 *   case whose `reference` names it and is drawn as a ring.
 * - `compressors` (scatter, compression ratio vs speed): suite `compressors`,
 *   groups `<data>-<bytes>/<format>/compress|decompress` with cases
 *   `wireseal <backend>` (x = median MB/s), and the suite table whose title
 *   starts with "Compression ratio" (columns `data`, `size`, then
 *   `<format>/<backend>`; sizes like `64 KB`, 1024-based) for y. One panel
 *   per size and direction, for the first data kind (realistic data).
 * - `pipeline`, `stream`, `gossip` and every other suite with groups (grouped
 *   bars against their baselines): one category per group, ordered by the
 *   message size in the group id's first segment (`block-256`, `block-16k`,
 *   `block-1m`) when there is one; one bar per case, hatched when the case is
 *   a baseline. Bars are median MB/s when every case has `bytes`, else ops/s.
 *   `pipeline`, `stream` and `gossip` are listed as skipped when absent.
 * - `targets` (every target, measured / threshold on a log axis, grouped by
 *   issue): for `<=` targets the ratio is threshold / measured, so > 1
 *   always passes.
 *
 * @module
 */
import { formatNumber, sizeLabel } from '../src/format.js'
import { barChart, paletteColor, scatterChart, targetChart, type BarCategory, type ChartSpec, type ScatterPanel, type ScatterSeries, type TargetSection } from './chart-options.js'
import { renderSvg } from './chart-svg.js'
import type { CaseResult, GroupResult, Table } from './harness.js'
import type { BenchResults, CollectedTarget, SuiteResult } from './runner.js'

/** A rendered chart. */
export interface Chart {
  /** Stable id, e.g. `serializers`; unique in a report. */
  id: string
  /** File name next to `results.json`, e.g. `chart-serializers.svg`. */
  file: string
  title: string
  /** What is plotted and how to read it (one or two sentences). */
  caption: string
  /** The chart's spec: its ECharts option and size. */
  spec: ChartSpec
  /** The standalone SVG document rendered from {@link spec}. */
  svg: string
  /** Page layout: `wide` takes the whole width, `small` charts (at most {@link SMALL_WIDTH} px) sit three per row. */
  layout: 'wide' | 'small'
}

/** Widest chart drawn for a small slot of the page (px): three fit side by side in a 1400 px window. */
export const SMALL_WIDTH = 436

/** A chart that could not be drawn from these results. */
export interface SkippedChart {
  id: string
  title: string
  reason: string
}

/** Every chart of a report, in page order, and those skipped. */
export interface ChartSet {
  charts: Chart[]
  skipped: SkippedChart[]
}

/** File name of a chart. */
export function chartFile (id: string): string {
  return `chart-${id.replace(/[^\w-]+/g, '-')}.svg`
}

/** Suites that get a grouped-bar chart under a fixed title, and are reported as skipped when absent. */
const EXPECTED_BAR_SUITES: ReadonlyArray<{ id: string, title: string }> = Object.freeze([
  { id: 'pipeline', title: 'Pipeline throughput by message size' },
  { id: 'stream', title: 'Stream codec vs baselines' },
  { id: 'gossip', title: 'Gossip vs baselines' }
])

// ---------------------------------------------------------------------------
// helpers

const UNITS: Readonly<Record<string, number>> = Object.freeze({ b: 1, k: 1024, kb: 1024, kib: 1024, m: 1_048_576, mb: 1_048_576, mib: 1_048_576, g: 2 ** 30, gb: 2 ** 30 })

/**
 * A size in bytes from a label like `512 B`, `64 KB`, `1 MB` (1024-based) or
 * an id token like `256`, `16k`, `1m`; null when there is none.
 */
export function parseSize (label: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(label.trim())
  if (m === null) return null
  const unit = (m[2] ?? '').toLowerCase()
  const k = unit === '' ? 1 : UNITS[unit]
  return k === undefined ? null : Math.round(Number(m[1]) * k)
}

/** Message size from a group id's first segment (`block-16k/encode` -> 16384), or null. */
export function groupSize (id: string): number | null {
  const first = id.split('/')[0] ?? ''
  const token = /(?:^|[-_.])(\d+(?:\.\d+)?[kmg]?)$/i.exec(first)
  return token === null ? null : parseSize(token[1] as string)
}

/** A chart of `spec`, rendered. */
function chart (init: Omit<Chart, 'file' | 'svg'>): Chart {
  return { ...init, file: chartFile(init.id), svg: renderSvg(init.spec, `chart-${init.id}`, init.title) }
}

function median (c: CaseResult): number {
  return c.opsPerSec.median
}

function suiteOf (results: BenchResults, id: string): SuiteResult | undefined {
  return results.suites.find(s => s.id === id)
}

function unusable (suite: SuiteResult | undefined, what: string): string | null {
  if (suite === undefined) return `no ${what} suite in these results`
  if (suite.error !== null) return `the ${what} suite failed: ${suite.error}`
  if (suite.groups.length === 0) return `the ${what} suite measured no groups`
  return null
}

// ---------------------------------------------------------------------------
// (a) serializers

const SERIALIZERS_TITLE = 'Serializers: encoded size vs decode speed'

function serializersChart (results: BenchResults): Chart | SkippedChart {
  const id = 'serializers'
  const suite = suiteOf(results, 'serializers')
  const why = unusable(suite, 'serializers')
  if (why !== null || suite === undefined) return { id, title: SERIALIZERS_TITLE, reason: why ?? '' }
  const decode = suite.groups.filter(g => g.id.endsWith('/decode'))
  if (decode.length === 0) return { id, title: SERIALIZERS_TITLE, reason: 'no `<message>/decode` groups in the serializers suite' }
  // One colour per wireseal case (in first-seen order); baselines borrow the colour of the case that references them.
  const colors = new Map<string, string>()
  for (const g of decode) for (const c of g.cases) if (!c.baseline && !colors.has(c.name)) colors.set(c.name, paletteColor(colors.size))
  for (const g of decode) {
    for (const c of g.cases) {
      if (!c.baseline) continue
      const owner = g.cases.find(o => !o.baseline && o.reference === c.name)
      if (!colors.has(c.name)) colors.set(c.name, owner === undefined ? paletteColor(colors.size) : colors.get(owner.name) as string)
    }
  }
  const panels: ScatterPanel[] = decode.map(g => ({
    title: g.title.replace(/ decode$/i, ''),
    series: g.cases.filter(c => c.bytes !== null).map((c): ScatterSeries => ({
      name: c.name, color: colors.get(c.name) as string, hollow: c.baseline, points: [{ x: c.bytes as number, y: median(c) }]
    }))
  }))
  return chart({
    id,
    layout: 'wide',
    title: SERIALIZERS_TITLE,
    caption: 'One panel per message: encoded size (bytes) against decode ops/s (median over rounds, log scale). ' +
      'Up and to the left is better. Filled dots are wireseal serializers; rings are the libraries called directly, in the colour of the wireseal serializer they are the baseline of.',
    spec: scatterChart({
      title: SERIALIZERS_TITLE,
      subtitle: 'Up-left is better: smaller on the wire and faster to decode. Dots: wireseal; rings: the library called directly.',
      xLabel: 'encoded size (bytes)',
      yLabel: 'decode ops/s (log)',
      yLog: true,
      panels,
      columns: Math.min(3, panels.length),
      panelHeight: 235
    })
  })
}

// ---------------------------------------------------------------------------
// (b) compressors

const COMPRESSORS_TITLE = 'Compressors: compression ratio vs speed'
const GROUP_ID = /^([\w]+)-(\d+)\/([\w-]+)\/(compress|decompress)$/


function ratioTable (suite: SuiteResult): Table | undefined {
  return suite.tables.find(t => /^compression ratio/i.test(t.title) && t.columns[0] === 'data' && t.columns[1] === 'size')
}

function compressorsChart (results: BenchResults): Chart | SkippedChart {
  const id = 'compressors'
  const suite = suiteOf(results, 'compressors')
  const why = unusable(suite, 'compressors')
  if (why !== null || suite === undefined) return { id, title: COMPRESSORS_TITLE, reason: why ?? '' }
  const table = ratioTable(suite)
  if (table === undefined) return { id, title: COMPRESSORS_TITLE, reason: 'no "Compression ratio" table (columns data, size, <format>/<backend>) in the compressors suite' }
  const parsed = suite.groups.map(g => ({ g, m: GROUP_ID.exec(g.id) })).filter(x => x.m !== null)
    .map(({ g, m }) => ({ g, kind: (m as RegExpExecArray)[1] as string, bytes: Number((m as RegExpExecArray)[2]), format: (m as RegExpExecArray)[3] as string, op: (m as RegExpExecArray)[4] as string }))
  const kind = parsed[0]?.kind
  if (kind === undefined) return { id, title: COMPRESSORS_TITLE, reason: 'no `<data>-<bytes>/<format>/compress|decompress` groups in the compressors suite' }
  const ratio = (bytes: number, column: string): number | null => {
    const col = table.columns.indexOf(column)
    if (col < 0) return null
    const row = table.rows.find(r => String(r[0]) === kind && parseSize(String(r[1])) === bytes)
    const v = row === undefined ? NaN : Number(row[col])
    return Number.isFinite(v) ? v : null
  }
  const sizes = [...new Set(parsed.filter(p => p.kind === kind).map(p => p.bytes))].sort((a, b) => a - b)
  // Colour per format; the format's first backend (its default, the fastest) filled, the others as rings.
  const formats: string[] = []
  const firstBackend = new Map<string, string>()
  for (const column of table.columns.slice(2)) {
    const [format, backend] = column.split('/')
    if (format === undefined || backend === undefined) continue
    if (!formats.includes(format)) formats.push(format)
    if (!firstBackend.has(format)) firstBackend.set(format, backend)
  }
  const panels: ScatterPanel[] = []
  for (const op of ['compress', 'decompress']) {
    for (const bytes of sizes) {
      const series: ScatterSeries[] = []
      for (const p of parsed.filter(x => x.kind === kind && x.bytes === bytes && x.op === op)) {
        for (const c of p.g.cases) {
          if (c.baseline || !c.name.startsWith('wireseal ') || c.mbPerSec === null) continue
          const backend = c.name.slice('wireseal '.length)
          const r = ratio(bytes, `${p.format}/${backend}`)
          if (r === null) continue
          series.push({
            name: `${p.format} / ${backend}`,
            color: paletteColor(formats.indexOf(p.format) >= 0 ? formats.indexOf(p.format) : formats.length),
            hollow: firstBackend.get(p.format) !== backend,
            points: [{ x: c.mbPerSec.median, y: r }]
          })
        }
      }
      panels.push({ title: `${op} ${sizeLabel(bytes)}`, series })
    }
  }
  if (panels.every(p => p.series.length === 0)) return { id, title: COMPRESSORS_TITLE, reason: 'no wireseal cases with MB/s and a matching ratio column' }
  return chart({
    id,
    layout: 'wide',
    title: COMPRESSORS_TITLE,
    caption: `Compression ratio (input / output, linear) against MB/s on the uncompressed size (log), on ${kind} data, one panel per input size; ` +
      'top row compress, bottom row decompress. Up and to the right is better. Filled: the default (fastest) backend of each format; rings: the other backends.',
    spec: scatterChart({
      title: COMPRESSORS_TITLE,
      subtitle: `${kind} data. Up-right is better. Top row: compress; bottom row: decompress. Filled: default backend; rings: other backends.`,
      xLabel: 'MB/s (log)',
      yLabel: 'ratio (input/output)',
      xLog: true,
      panels,
      columns: Math.max(1, sizes.length),
      panelWidth: 330,
      panelHeight: 200
    })
  })
}

// ---------------------------------------------------------------------------
// (c), (d) and other suites: grouped bars against baselines

/** Whether bars are MB/s (every case has bytes) or ops/s. */
function throughputUnit (groups: readonly GroupResult[]): 'MB/s' | 'ops/s' {
  return groups.every(g => g.cases.every(c => c.mbPerSec !== null)) ? 'MB/s' : 'ops/s'
}

/** Groups ordered by the message size in their id (stable for groups without one). */
function bySize (groups: readonly GroupResult[]): GroupResult[] {
  return groups.map((g, i) => ({ g, i, size: groupSize(g.id) }))
    .sort((a, b) => (a.size ?? Infinity) - (b.size ?? Infinity) || a.i - b.i)
    .map(x => x.g)
}

function suiteBarChart (suite: SuiteResult, title: string): Chart {
  const unit = throughputUnit(suite.groups)
  const categories: BarCategory[] = bySize(suite.groups).map(g => ({
    label: g.title,
    bars: g.cases.map(c => ({ name: c.name, value: unit === 'MB/s' ? (c.mbPerSec?.median ?? null) : c.opsPerSec.median, baseline: c.baseline }))
  }))
  const id = suite.id
  return chart({
    id,
    layout: 'small',
    title,
    caption: `Suite \`${suite.id}\`, one cluster per measured group${unit === 'MB/s' ? ' (MB/s on each case\'s declared bytes per op)' : ''}. ` +
      'Hatched bars are baselines (libraries called directly, or what users would pick instead).',
    spec: barChart({
      title,
      subtitle: `Median ${unit} per case (log); hatched = baseline; higher is better.`,
      yLabel: `${unit} (log)`,
      categories,
      width: SMALL_WIDTH
    })
  })
}

// ---------------------------------------------------------------------------
// (e) targets

/** Margin of a target: measured / threshold for `>=`, threshold / measured for `<=` (> 1 passes); null when undefined. */
export function targetMargin (t: Pick<CollectedTarget, 'measured' | 'op' | 'threshold'>): number | null {
  if (!Number.isFinite(t.measured) || !(t.threshold > 0)) return null
  const r = t.op === '>=' ? t.measured / t.threshold : t.threshold / t.measured
  return Number.isNaN(r) ? null : r
}

function fmt (x: number): string {
  return formatNumber(x, { suffixFrom: Infinity, trim: true })
}

/** Targets grouped by issue, in order of first appearance. */
export function targetsByIssue<T extends { issue: string }> (targets: readonly T[]): Array<{ issue: string, targets: T[] }> {
  const out: Array<{ issue: string, targets: T[] }> = []
  for (const t of targets) {
    let g = out.find(x => x.issue === t.issue)
    if (g === undefined) out.push(g = { issue: t.issue, targets: [] })
    g.targets.push(t)
  }
  return out
}

const TARGETS_TITLE = 'Targets: measured against threshold'

function targetsChart (results: BenchResults): Chart | SkippedChart {
  const id = 'targets'
  if (results.targets.length === 0) return { id, title: TARGETS_TITLE, reason: 'these results hold no targets' }
  const sections: TargetSection[] = targetsByIssue(results.targets).map(g => ({
    title: g.issue,
    rows: g.targets.map(t => ({
      label: t.id,
      value: targetMargin(t),
      pass: t.pass,
      text: `${t.pass ? 'PASS' : 'FAIL'} ${fmt(t.measured)} ${t.op === '>=' ? '≥' : '≤'} ${fmt(t.threshold)}`
    }))
  }))
  const failed = results.suites.filter(s => s.error !== null).map(s => s.id)
  const passed = results.targets.filter(t => t.pass).length
  return chart({
    id,
    layout: 'wide',
    title: TARGETS_TITLE,
    caption: 'Every target of every suite, grouped by issue: measured / threshold on a log axis (threshold / measured for "≤" targets), ' +
      'so a bar right of the dashed line (1x) passes and a bar left of it fails.',
    spec: targetChart({
      title: `${TARGETS_TITLE} (${passed} of ${results.targets.length} pass)`,
      subtitle: 'Bar = measured / threshold (threshold / measured for ≤ targets): right of the dashed 1x line passes, left fails.' +
        (failed.length > 0 ? ` Suites that failed, whose targets are missing: ${failed.join(', ')}.` : ''),
      sections
    })
  })
}

// ---------------------------------------------------------------------------

function isChart (x: Chart | SkippedChart): x is Chart {
  return 'svg' in x
}

/** Builds every chart these results support, in page order (serializers, compressors, pipeline, stream, gossip, other suites, targets). */
export function buildCharts (results: BenchResults): ChartSet {
  const set: ChartSet = { charts: [], skipped: [] }
  const add = (x: Chart | SkippedChart): void => {
    if (isChart(x)) set.charts.push(x)
    else set.skipped.push(x)
  }
  add(serializersChart(results))
  add(compressorsChart(results))
  for (const { id, title } of EXPECTED_BAR_SUITES) {
    const suite = suiteOf(results, id)
    const why = unusable(suite, id)
    add(why !== null || suite === undefined ? { id, title, reason: why ?? '' } : suiteBarChart(suite, title))
  }
  const special = new Set(['serializers', 'compressors', ...EXPECTED_BAR_SUITES.map(s => s.id)])
  for (const suite of results.suites) {
    if (special.has(suite.id) || suite.groups.length === 0 && suite.error === null) continue
    const title = suite.groups.some(g => g.cases.some(c => c.baseline)) ? `${suite.title} vs baselines` : `${suite.title}: rate per case`
    add(suite.error !== null ? { id: suite.id, title, reason: `the ${suite.id} suite failed: ${suite.error}` } : suiteBarChart(suite, title))
  }
  add(targetsChart(results))
  return set
}
