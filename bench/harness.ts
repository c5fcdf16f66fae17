/**
 * The suite API of `npm run bench`: what a suite declares ({@link Suite}),
 * returns ({@link SuiteOutput}: groups, tables, targets) and measures with
 * ({@link BenchContext}). The measuring itself (settings, the interleaved
 * rounds, statistics) lives in src/bench/, shared with `wireseal bench`, and
 * is re-exported here for the suites.
 *
 * @module
 */
import { describeGroup, measureGroup, type GroupInit, type GroupResult } from '../src/bench/measure.js'
import type { BenchSettings } from '../src/bench/settings.js'

export {
  caseResultOf, describeGroup, findCase, freshSite, lastResult, measureGroup, pairReferences, ratioOf,
  type CaseInit, type CaseResult, type CaseSpec, type GroupInit, type GroupResult
} from '../src/bench/measure.js'
export { createSettings, MODE_PRESETS, type BenchMode, type BenchSettings, type BenchSettingsInit } from '../src/bench/settings.js'

/** A table a suite adds to its report (sizes, compression ratios...). */
export interface Table {
  title: string
  columns: string[]
  rows: Array<Array<string | number>>
}

/** Comparison of a {@link Target}. */
export type TargetOp = '>=' | '<='

/** Options of {@link target}. */
export interface TargetInit {
  /** Stable id, e.g. `serializers.protobuf.encode-overhead`. */
  id: string
  /** The issue that asks for it, e.g. `Foundation`. */
  issue: string
  /** What is promised, in words. */
  description: string
  /** Measured value (usually a ratio). */
  measured: number
  op: TargetOp
  threshold: number
  /** How `measured` was obtained, e.g. the per-size ratios of which it is the minimum. */
  detail?: string
}

/** A promise checked against a measurement. */
export interface Target extends Required<TargetInit> {
  /** Whether `measured op threshold` holds (false when `measured` is not finite). */
  pass: boolean
}

/** Builds a {@link Target}, computing `pass`. */
export function target (init: TargetInit): Target {
  const { measured, op, threshold } = init
  const pass = Number.isFinite(measured) && (op === '>=' ? measured >= threshold : measured <= threshold)
  return { ...init, detail: init.detail ?? '', pass }
}

/** What a suite returns. */
export interface SuiteOutput {
  groups: GroupResult[]
  tables: Table[]
  targets: Target[]
  notes: string[]
}

/** What a suite gets to measure with. */
export interface BenchContext {
  readonly settings: BenchSettings
  /** Progress line to stderr. */
  log(message: string): void
  /** Measures a group of cases side by side. */
  measure(group: GroupInit): Promise<GroupResult>
}

/** A benchmark suite; register it in `bench/suites.ts`. */
export interface Suite {
  /** Id used by `--only`, e.g. `serializers`. */
  readonly id: string
  readonly title: string
  /** One paragraph for the report: what is measured, on what data. */
  readonly description: string
  /** npm packages benchmarked, whose versions go into the results. */
  readonly libraries: readonly string[]
  run(ctx: BenchContext): Promise<SuiteOutput>
}

/** Creates the context handed to suites: measurement plus progress on stderr. */
export function createContext (settings: BenchSettings, log: (message: string) => void): BenchContext {
  return {
    settings,
    log,
    async measure (group) {
      const result = await measureGroup(group, settings)
      log(describeGroup(result))
      return result
    }
  }
}
