/**
 * Runs benchmark suites one after the other in this process and collects
 * their results, targets and environment into one object.
 *
 * @module
 */
import { InvalidConfigError } from '../src/errors.js'
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
