/**
 * Measurement settings of the benchmark harness (src/bench/measure.ts): how
 * long each case warms up, how long a batch lasts, how many interleaved
 * rounds run. Presets for `npm run bench` (`full`, `quick`, `smoke`); any
 * field can be overridden, as `wireseal bench` does.
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'

/** How long and how carefully to measure. */
export type BenchMode = 'full' | 'quick' | 'smoke'

/** Resolved measurement settings of a run. */
export interface BenchSettings {
  /** The mode these settings came from. */
  readonly mode: BenchMode
  /** Minimum warm-up time per case before calibration ends (ms). */
  readonly warmupMs: number
  /** Target duration of one batch of one case (ms); 0 means one op per batch. */
  readonly batchMs: number
  /** Unrecorded rounds run before the measured ones (V8 sizes its young generation, tiers up code). */
  readonly warmupRounds: number
  /** Measured rounds; every case runs one batch per round. */
  readonly rounds: number
  /**
   * Time budget of the measured rounds of one group (ms): groups of slow ops
   * (1 MB inputs) run fewer rounds, never fewer than {@link minRounds}.
   */
  readonly maxGroupMs: number
  /** Fewest measured rounds, whatever the budget. */
  readonly minRounds: number
  /** Estimate bytes allocated per op (needs `--expose-gc`; ignored without it). */
  readonly allocations: boolean
}

/** Options of {@link createSettings}. */
export interface BenchSettingsInit {
  /**
   * Preset to start from.
   * @default 'full'
   */
  mode?: BenchMode
  /** Overrides the preset's warm-up time (ms). */
  warmupMs?: number
  /** Overrides the preset's batch duration (ms). */
  batchMs?: number
  /** Overrides the preset's unrecorded warm-up round count. */
  warmupRounds?: number
  /** Overrides the preset's round count. */
  rounds?: number
  /** Overrides the preset's time budget per group (ms). */
  maxGroupMs?: number
  /** Overrides the preset's fewest rounds per group. */
  minRounds?: number
  /**
   * Whether to estimate allocations per op.
   * @default true for `full` and `quick`, false for `smoke`
   */
  allocations?: boolean
}

/**
 * Presets. `full` (~0.6 s per case) gives ratios stable to a few percent;
 * `quick` (~0.1 s per case) keeps a whole run around a minute; `smoke` runs
 * every case a handful of times, for tests only (its figures mean nothing).
 */
export const MODE_PRESETS: Readonly<Record<BenchMode, Omit<BenchSettings, 'mode'>>> = Object.freeze({
  full: Object.freeze({ warmupMs: 200, batchMs: 10, warmupRounds: 4, rounds: 41, maxGroupMs: 5000, minRounds: 15, allocations: true }),
  quick: Object.freeze({ warmupMs: 20, batchMs: 3, warmupRounds: 3, rounds: 21, maxGroupMs: 400, minRounds: 9, allocations: true }),
  smoke: Object.freeze({ warmupMs: 0, batchMs: 0, warmupRounds: 0, rounds: 2, maxGroupMs: 60_000, minRounds: 2, allocations: false })
})

/** Resolves a {@link BenchSettingsInit} against the presets. */
export function createSettings (init: BenchSettingsInit = {}): BenchSettings {
  const mode = init.mode ?? 'full'
  const preset = MODE_PRESETS[mode]
  if (preset === undefined) throw new InvalidConfigError('mode', `one of full, quick, smoke, got ${String(mode)}`)
  const settings: BenchSettings = {
    mode,
    warmupMs: init.warmupMs ?? preset.warmupMs,
    batchMs: init.batchMs ?? preset.batchMs,
    warmupRounds: init.warmupRounds ?? preset.warmupRounds,
    rounds: init.rounds ?? preset.rounds,
    maxGroupMs: init.maxGroupMs ?? preset.maxGroupMs,
    minRounds: Math.min(init.minRounds ?? preset.minRounds, init.rounds ?? preset.rounds),
    allocations: init.allocations ?? preset.allocations
  }
  if (!(settings.warmupMs >= 0)) throw new InvalidConfigError('warmupMs', 'a number >= 0')
  if (!(settings.batchMs >= 0)) throw new InvalidConfigError('batchMs', 'a number >= 0')
  if (!(Number.isSafeInteger(settings.rounds) && settings.rounds >= 1)) throw new InvalidConfigError('rounds', 'an integer >= 1')
  if (!(settings.maxGroupMs > 0)) throw new InvalidConfigError('maxGroupMs', 'a number > 0')
  if (!(Number.isSafeInteger(settings.minRounds) && settings.minRounds >= 1)) throw new InvalidConfigError('minRounds', 'an integer >= 1')
  if (!(Number.isSafeInteger(settings.warmupRounds) && settings.warmupRounds >= 0)) throw new InvalidConfigError('warmupRounds', 'an integer >= 0')
  return Object.freeze(settings)
}
