/**
 * `npm run bench [-- options]`: runs the registered suites, prints their
 * tables, writes `results.json` (every sample), `report.md`, the charts
 * (`chart-*.svg`), `summary.json` (the targets) and `index.html` (every chart
 * and target on one page). Of these, the repository keeps report.md, the
 * charts and summary.json of bench/results/ (see .gitignore).
 *
 *   --quick           fewer, shorter rounds (~1 min for the core suites)
 *   --smoke           a handful of ops per case (checks the plumbing only)
 *   --only <ids>      run only these suites (comma-separated or repeated)
 *   --out <dir>       where to write results (default bench/results)
 *   --strict          exit with status 1 when a target fails
 *   --no-alloc        skip the allocation estimates
 *   --report-only     measure nothing: regenerate report.md, the charts,
 *                     summary.json and index.html from an existing results.json
 *   --from <file>     the results.json to read with --report-only
 *                     (default <out>/results.json)
 *
 * Run with `--expose-gc` (the npm script does) for allocation estimates.
 *
 * @module
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { buildCharts, type ChartSet } from './charts.js'
import { PROJECT_ROOT } from './environment.js'
import { createSettings, type BenchMode } from './harness.js'
import { renderHtml } from './html.js'
import { renderMarkdown, renderText } from './report.js'
import { readResults, runSuites, type BenchResults } from './runner.js'
import { renderSummary, summarizeResults } from './summary.js'

const USAGE = 'usage: npm run bench -- [--quick | --smoke] [--only <suite>[,<suite>]] [--out <dir>] [--strict] [--no-alloc]\n' +
  '       npm run bench -- --report-only [--from <results.json>] [--out <dir>]\n'

/** What {@link writeReport} wrote. */
export interface WrittenReport {
  /** Absolute paths of the files written. */
  files: string[]
  /** The charts drawn and those skipped (with why). */
  charts: ChartSet
}

/** Charts of an earlier run that this one no longer draws are removed (only `chart-*.svg`). */
function removeStaleCharts (dir: string, keep: ReadonlySet<string>): void {
  for (const name of readdirSync(dir)) {
    if (/^chart-[\w-]+\.svg$/.test(name) && !keep.has(name)) rmSync(join(dir, name))
  }
}

/**
 * Writes the report of `results` into `dir`: `report.md`, one `chart-*.svg`
 * per chart, `summary.json` and `index.html`. Does not write `results.json`.
 */
export function writeReport (results: BenchResults, dir: string): WrittenReport {
  const out = resolve(dir)
  mkdirSync(out, { recursive: true })
  const charts = buildCharts(results)
  const files: string[] = []
  const write = (name: string, content: string): void => {
    const path = join(out, name)
    writeFileSync(path, content)
    files.push(path)
  }
  for (const c of charts.charts) write(c.file, `${c.svg}\n`)
  removeStaleCharts(out, new Set(charts.charts.map(c => c.file)))
  write('report.md', renderMarkdown(results, charts.charts.map(c => ({ file: c.file, title: c.title }))))
  write('summary.json', renderSummary(summarizeResults(results)))
  write('index.html', renderHtml(results, charts))
  return { files, charts }
}

async function main (): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: join(PROJECT_ROOT, 'bench', 'results') },
      strict: { type: 'boolean', default: false },
      'no-alloc': { type: 'boolean', default: false },
      'report-only': { type: 'boolean', default: false },
      from: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    },
    strict: true
  })
  // Loaded here, not at the top: importing this module (for writeReport) must not load every suite.
  const { SUITES } = await import('./suites.js')
  if (values.help) {
    process.stdout.write(`${USAGE}suites: ${SUITES.map(s => s.id).join(', ')}\n`)
    return 0
  }
  const out = resolve(values.out)
  let results: BenchResults
  if (values['report-only']) {
    results = readResults(values.from ?? join(out, 'results.json'))
  } else {
    const mode: BenchMode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'
    const settings = createSettings({ mode, ...(values['no-alloc'] ? { allocations: false } : {}) })
    const only = values.only.flatMap(s => s.split(',')).map(s => s.trim()).filter(s => s !== '')
    results = await runSuites(SUITES, { settings, only })
    process.stdout.write(renderText(results))
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  }
  const report = writeReport(results, out)
  const failed = results.targets.filter(t => !t.pass)
  const broken = results.suites.filter(s => s.error !== null)
  process.stderr.write(`wrote ${values['report-only'] ? '' : 'results.json, '}report.md, summary.json, index.html and ${report.charts.charts.length} chart(s) to ${out}` +
    (report.charts.skipped.length > 0 ? ` (no data for: ${report.charts.skipped.map(s => s.id).join(', ')})` : '') +
    `; ${results.targets.length - failed.length}/${results.targets.length} targets pass` +
    (broken.length > 0 ? `; ${broken.length} suite(s) failed` : '') + '\n')
  // A run whose suite broke failed; regenerating the report of such a run did not.
  if (broken.length > 0 && !values['report-only']) return 1
  return values.strict && failed.length > 0 ? 1 : 0
}

// Run only as a script, so tests can import writeReport.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(code => { process.exitCode = code }, (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n${USAGE}`)
    process.exitCode = 2
  })
}
