/**
 * `npm run bench [-- options]`: runs the registered suites, prints their
 * tables, writes `results.json` and `report.md`.
 *
 *   --quick           fewer, shorter rounds (~1 min for the core suites)
 *   --smoke           a handful of ops per case (checks the plumbing only)
 *   --only <ids>      run only these suites (comma-separated or repeated)
 *   --out <dir>       where to write results (default bench/results)
 *   --strict          exit with status 1 when a target fails
 *   --no-alloc        skip the allocation estimates
 *
 * Run with `--expose-gc` (the npm script does) for allocation estimates.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { PROJECT_ROOT } from './environment.js'
import { createSettings, type BenchMode } from './harness.js'
import { renderMarkdown, renderText } from './report.js'
import { runSuites } from './runner.js'
import { SUITES } from './suites.js'

const USAGE = 'usage: npm run bench -- [--quick | --smoke] [--only <suite>[,<suite>]] [--out <dir>] [--strict] [--no-alloc]\n' +
  `suites: ${SUITES.map(s => s.id).join(', ')}\n`

async function main (): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true, default: [] },
      out: { type: 'string', default: join(PROJECT_ROOT, 'bench', 'results') },
      strict: { type: 'boolean', default: false },
      'no-alloc': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    },
    strict: true
  })
  if (values.help) {
    process.stdout.write(USAGE)
    return 0
  }
  const mode: BenchMode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'
  const settings = createSettings({ mode, ...(values['no-alloc'] ? { allocations: false } : {}) })
  const only = values.only.flatMap(s => s.split(',')).map(s => s.trim()).filter(s => s !== '')
  const results = await runSuites(SUITES, { settings, only })

  process.stdout.write(renderText(results))
  const out = resolve(values.out)
  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(join(out, 'report.md'), renderMarkdown(results))
  const failed = results.targets.filter(t => !t.pass)
  const broken = results.suites.filter(s => s.error !== null)
  process.stderr.write(`wrote ${join(out, 'results.json')} and report.md; ` +
    `${results.targets.length - failed.length}/${results.targets.length} targets pass` +
    (broken.length > 0 ? `; ${broken.length} suite(s) failed` : '') + '\n')
  if (broken.length > 0) return 1
  return values.strict && failed.length > 0 ? 1 : 0
}

main().then(code => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n${USAGE}`)
  process.exitCode = 2
})
