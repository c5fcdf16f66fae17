/**
 * The HTML benchmark page (`index.html`): the charts inlined as SVG (the
 * very documents of the `chart-*.svg` files, rendered from the same specs),
 * every target with pass/fail grouped by issue, the environment, and each
 * suite's tables. One self-contained file with no scripts and no external
 * references, so it renders offline and in headless Chromium.
 *
 * @module
 */
import { FAIL_COLOR, PASS_COLOR } from './chart-options.js'
import { escapeXml } from './chart-svg.js'
import { SMALL_WIDTH, targetMargin, targetsByIssue, type Chart, type ChartSet } from './charts.js'
import { environmentRows, measurementTable } from './report.js'
import { formatNumber } from '../src/format.js'
import type { Table } from './harness.js'
import type { BenchResults, SuiteResult } from './runner.js'

const esc = escapeXml

function cell (v: string | number): string {
  return esc(typeof v === 'number' ? formatNumber(v) : v)
}

function table (t: Pick<Table, 'columns' | 'rows'>, cls = ''): string {
  const head = `<tr>${t.columns.map(c => `<th>${esc(c)}</th>`).join('')}</tr>`
  const body = t.rows.map(r => `<tr>${t.columns.map((_, i) => `<td>${cell(r[i] ?? '')}</td>`).join('')}</tr>`).join('\n')
  return `<table${cls === '' ? '' : ` class="${cls}"`}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`
}

function fmt (x: number): string {
  return formatNumber(x, { digits: 4, suffixFrom: Infinity, trim: true })
}

function targetsSection (results: BenchResults): string {
  const out: string[] = []
  const passed = results.targets.filter(t => t.pass).length
  out.push(`<h2 id="targets">Targets: ${passed} of ${results.targets.length} pass</h2>`)
  const failedSuites = results.suites.filter(s => s.error !== null)
  if (failedSuites.length > 0) {
    out.push(`<p class="fail">Suites that failed, so their targets are missing: ${failedSuites.map(s => `<code>${esc(s.id)}</code> (${esc(s.error ?? '')})`).join('; ')}</p>`)
  }
  for (const g of targetsByIssue(results.targets)) {
    const ok = g.targets.filter(t => t.pass).length
    out.push(`<h3>${esc(g.issue)}: ${ok} of ${g.targets.length} pass</h3>`)
    const rows = g.targets.map(t => {
      const margin = targetMargin(t)
      return `<tr class="${t.pass ? 'pass' : 'fail'}" data-target="${esc(t.id)}">` +
        `<td class="result">${t.pass ? 'PASS' : 'FAIL'}</td><td><code>${esc(t.id)}</code></td><td>${esc(t.suite)}</td>` +
        `<td class="num">${fmt(t.measured)}</td><td class="num">${esc(t.op)} ${fmt(t.threshold)}</td>` +
        `<td class="num">${margin === null ? 'n/a' : `${fmt(margin)}x`}</td><td>${esc(t.description)}</td><td class="detail">${esc(t.detail)}</td></tr>`
    })
    out.push('<table class="targets">\n<thead><tr><th>result</th><th>target</th><th>suite</th><th>measured</th><th>threshold</th>' +
      '<th>margin</th><th>description</th><th>detail</th></tr></thead>\n<tbody>\n' + rows.join('\n') + '\n</tbody>\n</table>')
  }
  return out.join('\n')
}

function suiteSection (suite: SuiteResult): string {
  const out = [`<h3 id="suite-${esc(suite.id)}">${esc(suite.title)} (<code>${esc(suite.id)}</code>)</h3>`, `<p>${esc(suite.description)}</p>`]
  if (suite.error !== null) out.push(`<p class="fail"><strong>Suite failed:</strong> ${esc(suite.error)}</p>`)
  for (const t of [...suite.tables, measurementTable(suite)]) {
    if (t.rows.length === 0) continue
    out.push(`<details><summary>${esc(t.title)}</summary>\n${table(t)}\n</details>`)
  }
  if (suite.notes.length > 0) out.push(`<ul class="notes">${suite.notes.map(n => `<li>${esc(n)}</li>`).join('')}</ul>`)
  out.push(`<p class="meta">Suite time: ${(suite.durationMs / 1000).toFixed(1)} s.</p>`)
  return out.join('\n')
}

const STYLE = `
body { font-family: 'DejaVu Sans', Verdana, Arial, sans-serif; color: #222; margin: 16px 20px; max-width: 1360px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { margin-top: 24px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #666; font-size: 13px; }
.summary { font-size: 17px; margin: 10px 0; }
.pass .result, .ok { color: ${PASS_COLOR}; font-weight: bold; }
.fail .result, p.fail, .bad { color: ${FAIL_COLOR}; font-weight: bold; }
tr.fail { background: #fdecea; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 12.5px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; white-space: nowrap; }
td.detail { color: #555; font-size: 11.5px; }
figure { margin: 14px 0 18px; }
figcaption { color: #555; font-size: 12px; margin-top: 2px; max-width: 1300px; }
.grid { display: flex; flex-wrap: wrap; column-gap: 12px; }
.grid figure { flex: 0 1 ${SMALL_WIDTH}px; margin: 10px 0 14px; }
.grid figcaption { max-width: ${SMALL_WIDTH}px; }
figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
nav a { margin-right: 12px; font-size: 13px; }
details { margin: 4px 0; }
summary { cursor: pointer; font-size: 13px; }
`

/** Renders the whole page. */
export function renderHtml (results: BenchResults, charts: ChartSet): string {
  const e = results.environment
  const passed = results.targets.filter(t => t.pass).length
  const byIssue = targetsByIssue(results.targets).map(g => {
    const ok = g.targets.filter(t => t.pass).length
    return `<span class="${ok === g.targets.length ? 'ok' : 'bad'}">${esc(g.issue)} ${ok}/${g.targets.length}</span>`
  })
  const figure = (c: Chart): string => `<figure id="chart-${esc(c.id)}" class="${c.layout}" data-chart-file="${esc(c.file)}">\n${c.svg}\n` +
    `<figcaption><strong>${esc(c.title)}.</strong> ${esc(c.caption)} (<code>${esc(c.file)}</code>)</figcaption>\n</figure>`
  // Consecutive small charts share rows of a wrapping grid.
  const figures: string[] = []
  let small: string[] = []
  const flush = (): void => {
    if (small.length > 0) figures.push(`<div class="grid">\n${small.join('\n')}\n</div>`)
    small = []
  }
  for (const c of charts.charts) {
    if (c.layout === 'small') small.push(figure(c))
    else {
      flush()
      figures.push(figure(c))
    }
  }
  flush()
  const skipped = charts.skipped.length === 0
    ? ''
    : `<p class="meta">Not in these results: ${charts.skipped.map(s => `${esc(s.title)} (${esc(s.reason)})`).join('; ')}.</p>`
  const nav = [...charts.charts.map(c => `<a href="#chart-${esc(c.id)}">${esc(c.title)}</a>`), '<a href="#targets">Targets</a>',
    '<a href="#environment">Environment</a>', '<a href="#suites">Suites</a>']
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>wireseal benchmarks</title>
<style>${STYLE}</style>
</head>
<body>
<h1>wireseal benchmarks</h1>
<p class="meta">Generated ${esc(e.date)} in <code>${esc(e.mode)}</code> mode on ${esc(e.cpuModel)} (${e.cores} cores), Node ${esc(e.node)}, commit ${esc(e.commit ?? 'n/a')}.
Rates are medians over interleaved rounds; ratios are paired per round (see report.md).</p>
<p class="summary">Targets: <strong class="${passed === results.targets.length ? 'ok' : 'bad'}">${passed} of ${results.targets.length} pass</strong>${byIssue.length > 0 ? ` — ${byIssue.join(', ')}` : ''}</p>
<nav>${nav.join('\n')}</nav>
<h2 id="charts">Charts</h2>
${figures.join('\n')}
${skipped}
${targetsSection(results)}
<h2 id="environment">Environment</h2>
${table({ columns: ['', ''], rows: environmentRows(results) }, 'env')}
<h2 id="suites">Suites</h2>
${results.suites.map(suiteSection).join('\n')}
</body>
</html>
`
}
