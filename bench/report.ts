/**
 * Renders benchmark results as Markdown (`report.md`) and as plain aligned
 * text for the terminal. Both show the same tables; the Markdown report also
 * lists every target grouped by issue and links the SVG charts.
 *
 * @module
 */
import { targetMargin, targetsByIssue } from './charts.js'
import { formatNumber } from '../src/format.js'
import { renderTable, type TableFormat } from '../src/bench/table.js'
import type { CaseResult, Table } from './harness.js'
import type { BenchResults, CollectedTarget, SuiteResult } from './runner.js'

function ratio (x: number): string {
  return Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a'
}

function caseRow (groupTitle: string, c: CaseResult): string[] {
  const o = c.opsPerSec
  return [
    groupTitle,
    c.baseline ? `${c.name} (baseline)` : c.name,
    formatNumber(o.median),
    `${formatNumber(o.p25)}-${formatNumber(o.p75)}`,
    c.mbPerSec === null ? '' : formatNumber(c.mbPerSec.median),
    c.vsReference === null ? '' : `${ratio(c.vsReference.median)} vs ${c.reference ?? ''}`,
    c.allocBytesPerOp === null ? '' : formatNumber(c.allocBytesPerOp)
  ]
}

const MEASURE_COLUMNS = ['group', 'case', 'ops/s', 'ops/s p25-p75', 'MB/s', 'paired ratio', 'alloc B/op']

/** The measurement table of a suite: one row per case, grouped. */
export function measurementTable (suite: SuiteResult): Table {
  const rows: string[][] = []
  for (const g of suite.groups) {
    g.cases.forEach((c, i) => rows.push(caseRow(i === 0 ? g.title : '', c)))
  }
  return { title: 'Measurements (medians over rounds)', columns: MEASURE_COLUMNS, rows }
}

const TARGET_COLUMNS = ['result', 'target', 'issue', 'measured', 'threshold', 'margin', 'description', 'detail']

/**
 * The targets table. `margin` is measured / threshold for `>=` targets and
 * threshold / measured for `<=` ones: above 1x passes.
 */
export function targetTable (targets: readonly CollectedTarget[]): Table {
  return {
    title: 'Targets',
    columns: TARGET_COLUMNS,
    rows: targets.map(t => {
      const margin = targetMargin(t)
      return [
        t.pass ? 'PASS' : 'FAIL',
        t.id,
        t.issue,
        Number.isFinite(t.measured) ? t.measured.toFixed(3) : 'n/a',
        `${t.op} ${t.threshold}`,
        margin === null ? 'n/a' : `${margin.toFixed(2)}x`,
        t.description,
        t.detail
      ]
    })
  }
}

/** A suite's tables (its own, then the measurements) in one format. */
export function renderSuite (suite: SuiteResult, format: TableFormat): string {
  const md = format === 'markdown'
  const out: string[] = []
  out.push(md ? `## ${suite.title} (\`${suite.id}\`)` : `== ${suite.title} (${suite.id}) ==`)
  out.push(md ? suite.description : '')
  if (suite.error !== null) out.push(`${md ? '**' : ''}Suite failed:${md ? '**' : ''} ${suite.error}`)
  for (const t of [...suite.tables, measurementTable(suite)]) {
    if (t.rows.length === 0) continue
    out.push(md ? `### ${t.title}` : `-- ${t.title}`)
    out.push(renderTable(t.columns, t.rows, format))
  }
  for (const n of suite.notes) out.push(md ? `- ${n}` : `note: ${n}`)
  out.push(md ? `_Suite time: ${(suite.durationMs / 1000).toFixed(1)} s._` : `(suite time ${(suite.durationMs / 1000).toFixed(1)} s)`)
  return out.filter(s => s !== '').join('\n\n')
}

/** Whether the machine's 1-minute load exceeded its core count at the start or the end of the run. */
function busy (e: BenchResults['environment']): boolean {
  return Math.max(e.loadAverageStart[0] ?? 0, e.loadAverageEnd?.[0] ?? 0) > e.cores
}

/** The environment as two-column rows (label, value), for Markdown and HTML. */
export function environmentRows (results: BenchResults): string[][] {
  const e = results.environment
  return [
    ['Node', `${e.node} (V8 ${e.v8})`],
    ['CPU', `${e.cpuModel}, ${e.cores} cores, ${e.totalMemoryGiB} GiB`],
    ['OS', `${e.os} ${e.arch}`],
    ['load average (1/5/15 min)', `start ${e.loadAverageStart.join(' / ')}, end ${e.loadAverageEnd?.join(' / ') ?? 'n/a'}` +
      (busy(e) ? ` — busier than ${e.cores} cores: other work competed for the CPU, expect noisy figures` : '')],
    ['commit', e.commit ?? 'n/a'],
    ['--expose-gc', e.gcExposed ? 'yes' : 'no (no allocation figures)'],
    ...Object.entries(e.packages).map(([k, v]) => [k, v ?? 'not installed'])
  ]
}

/** A chart file to link from the Markdown report. */
export interface ChartRef {
  /** File name relative to the report, e.g. `chart-serializers.svg`. */
  file: string
  title: string
}

/** Every target grouped by issue, with a per-issue count and the suites that failed (whose targets are missing). */
function targetsMarkdown (results: BenchResults): string[] {
  const passed = results.targets.filter(t => t.pass).length
  const out = [`## Targets: ${passed} of ${results.targets.length} pass`]
  const groups = targetsByIssue(results.targets)
  out.push(groups.map(g => `- ${g.issue}: ${g.targets.filter(t => t.pass).length} of ${g.targets.length} pass`).join('\n') || '_No targets in these results._')
  const failed = results.suites.filter(s => s.error !== null)
  if (failed.length > 0) out.push(`**Suites that failed, so their targets are missing:** ${failed.map(s => `\`${s.id}\` (${s.error ?? ''})`).join('; ')}`)
  out.push('"margin" is measured / threshold (threshold / measured for `<=` targets): above 1x passes.')
  for (const g of groups) {
    out.push(`### ${g.issue}: ${g.targets.filter(t => t.pass).length} of ${g.targets.length} pass`)
    out.push(renderTable(TARGET_COLUMNS, targetTable(g.targets).rows, 'markdown'))
  }
  return out
}

/** The whole Markdown report; `charts` (files next to it) are embedded as images. */
export function renderMarkdown (results: BenchResults, charts: readonly ChartRef[] = []): string {
  const e = results.environment
  const lines: string[] = [
    '# wireseal benchmarks',
    `Generated ${e.date} in \`${e.mode}\` mode (${e.settings.minRounds}-${e.settings.rounds} interleaved rounds of ~${e.settings.batchMs} ms ` +
      `batches per case, at most ~${e.settings.maxGroupMs} ms of rounds per group, after ${e.settings.warmupMs} ms of warm-up and ` +
      `${e.settings.warmupRounds} unrecorded rounds). Rates are medians over rounds; "paired ratio" is the median over rounds of ` +
      'the case\'s rate divided by its reference\'s rate in the same round, leaving out rounds where either ran under 0.8x its own ' +
      'upper quartile (interference), >1 is faster. MB = 10^6 bytes. ' +
      'Allocation is an estimate: JS heap + ArrayBuffers growth per op over a batch started after a minor GC; memory that native ' +
      'addons allocate outside V8 (snappy-napi, zstd-napi buffers) is not seen.',
    '## Environment',
    renderTable(['', ''], environmentRows(results).map(([k, v]) => [k ?? '', busy(e) && k?.startsWith('load') === true ? `**${v ?? ''}**` : v ?? '']), 'markdown'),
    ...targetsMarkdown(results),
    ...(charts.length === 0
      ? []
      : ['## Charts', 'All charts and targets on one page: `index.html`, written next to this report by the run (not committed).',
          ...charts.map(c => `![${c.title}](${c.file})`)]),
    ...results.suites.map(s => renderSuite(s, 'markdown'))
  ]
  return `${lines.join('\n\n')}\n`
}

/** The terminal report: every suite, then the targets. */
export function renderText (results: BenchResults): string {
  const t = targetTable(results.targets)
  return [
    ...results.suites.map(s => renderSuite(s, 'text')),
    `-- ${t.title}`,
    renderTable(t.columns.slice(0, 5), t.rows, 'text')
  ].join('\n\n') + '\n'
}
