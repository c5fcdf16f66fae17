/**
 * Runs benchmark suites one after the other in this process and collects
 * their results, targets and environment into one object.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { InvalidConfigError, MalformedInputError, StorageError } from '../src/errors.js'
import { captureEnvironment, loadAverage, type Environment } from './environment.js'
import { createContext, type BenchSettings, type GroupResult, type Suite, type Table, type Target } from './harness.js'

/** Results of one suite. */
export interface SuiteResult {
  id: string
  title: string
  description: string
  /** Wall time of the suite (ms). */
  durationMs: number
  groups: GroupResult[]
  tables: Table[]
  targets: Target[]
  notes: string[]
  /** Why the suite stopped, or null when it completed. */
  error: string | null
}

/** A target with the suite it belongs to. */
export interface CollectedTarget extends Target {
  suite: string
}

/** Everything a run produced; written as `results.json`. */
export interface BenchResults {
  environment: Environment
  suites: SuiteResult[]
  /** Every target of every suite, in suite order. */
  targets: CollectedTarget[]
}

/** Options of {@link runSuites}. */
export interface RunInit {
  /** Measurement settings (see `createSettings`). */
  settings: BenchSettings
  /**
   * Ids of the suites to run; unknown ids throw {@link InvalidConfigError}.
   * @default every suite
   */
  only?: readonly string[]
  /**
   * Progress sink.
   * @default a line to stderr
   */
  log?: (message: string) => void
}

function logToStderr (message: string): void {
  process.stderr.write(`${message}\n`)
}

/** Picks the suites named in `only` (all when empty), keeping registry order. */
export function selectSuites (suites: readonly Suite[], only: readonly string[] = []): Suite[] {
  const known = new Set(suites.map(s => s.id))
  for (const id of only) {
    if (!known.has(id)) throw new InvalidConfigError('only', `one of ${[...known].join(', ')}, got ${id}`)
  }
  return only.length === 0 ? [...suites] : suites.filter(s => only.includes(s.id))
}

/**
 * Runs the selected suites sequentially. A suite that throws is recorded with
 * its error (and no targets) and the run goes on with the next one.
 */
export async function runSuites (suites: readonly Suite[], init: RunInit): Promise<BenchResults> {
  const log = init.log ?? logToStderr
  const selected = selectSuites(suites, init.only)
  const environment = captureEnvironment(init.settings, selected.flatMap(s => s.libraries))
  const ctx = createContext(init.settings, log)
  const results: SuiteResult[] = []
  for (const suite of selected) {
    log(`[${suite.id}] ${suite.title} (${init.settings.mode})`)
    const t0 = performance.now()
    let result: SuiteResult
    try {
      const out = await suite.run(ctx)
      result = { id: suite.id, title: suite.title, description: suite.description, durationMs: 0, ...out, error: null }
    } catch (err) {
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      log(`[${suite.id}] FAILED: ${message}`)
      result = { id: suite.id, title: suite.title, description: suite.description, durationMs: 0, groups: [], tables: [], targets: [], notes: [], error: message }
    }
    result.durationMs = Math.round(performance.now() - t0)
    log(`[${suite.id}] done in ${(result.durationMs / 1000).toFixed(1)} s`)
    results.push(result)
  }
  environment.loadAverageEnd = loadAverage()
  const targets = results.flatMap(s => s.targets.map(t => ({ suite: s.id, ...t })))
  return { environment, suites: results, targets }
}

function isObject (x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/**
 * Reads a `results.json` written by an earlier run (for `--report-only`).
 * Checks the shape the report relies on: an environment, suites with groups,
 * tables, targets and notes, and the collected targets.
 *
 * @throws {@link StorageError} when the file cannot be read
 * @throws {@link MalformedInputError} when it is not JSON of that shape
 */
export function readResults (path: string): BenchResults {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new StorageError(path, 'read', (err as NodeJS.ErrnoException).code ?? String(err), { cause: err })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new MalformedInputError('results.json', `not JSON: ${(err as Error).message}`, { cause: err })
  }
  const bad = (what: string): never => { throw new MalformedInputError('results.json', what) }
  if (!isObject(json)) return bad('expected an object')
  if (!isObject(json.environment) || !isObject(json.environment.settings)) bad('expected an environment with settings')
  if (!Array.isArray(json.suites)) bad('expected a suites array')
  if (!Array.isArray(json.targets)) bad('expected a targets array')
  for (const [i, s] of (json.suites as unknown[]).entries()) {
    if (!isObject(s) || typeof s.id !== 'string' || !Array.isArray(s.groups) || !Array.isArray(s.tables) || !Array.isArray(s.targets) || !Array.isArray(s.notes)) {
      bad(`suites[${i}]: expected id, groups, tables, targets and notes`)
    }
  }
  for (const [i, t] of (json.targets as unknown[]).entries()) {
    if (!isObject(t) || typeof t.id !== 'string' || typeof t.suite !== 'string' || typeof t.pass !== 'boolean' || (t.op !== '>=' && t.op !== '<=')) {
      bad(`targets[${i}]: expected id, suite, op and pass`)
    }
  }
  // JSON has no NaN: a target measured as NaN was written as null.
  for (const t of json.targets as Array<Record<string, unknown>>) if (t.measured === null) t.measured = NaN
  for (const s of json.suites as Array<Record<string, unknown>>) {
    for (const t of s.targets as Array<Record<string, unknown>>) if (t.measured === null) t.measured = NaN
  }
  return json as unknown as BenchResults
}
