/**
 * How a CLI flag is declared: one {@link FlagSpec} per flag carries its
 * parser, its default (written as a user would write it, and parsed by the
 * same parser) and its help text, so `--help` and the parser cannot disagree.
 * Value parsers throw {@link CliUsageError} naming the flag.
 *
 * @module
 */
import { CliUsageError } from './io.js'

/** `value`: `--flag v` once; `list`: repeatable, values accumulate; `boolean`: `--flag` alone. */
export type FlagKind = 'value' | 'list' | 'boolean'

/** Parsed flag values of one command, by flag name (without `--`). */
export type FlagValues = Record<string, unknown>

/** One flag of a command, as documented to the user. */
export interface FlagSpec {
  /** Flag name without the dashes, e.g. `lock-wait`. */
  readonly name: string
  readonly kind: FlagKind
  /** Shown after the flag in help, e.g. `<ms>`; empty for a boolean. */
  readonly placeholder: string
  /** What the flag does. */
  readonly description: string
  /**
   * The default as the user would write it; parsed like a given value, so
   * the help shows exactly what applies. Absent: see {@link absent}.
   */
  readonly default?: string
  /** What happens without the flag when no value stands for it (e.g. `stdin`, `required`). */
  readonly absent?: string
  /** The command refuses to run without it. */
  readonly required?: boolean
  /** Turns the raw text into the value the command gets; the raw string when absent. */
  readonly parse?: (raw: string, flag: string) => unknown
}

/** Largest value of a millisecond flag (setTimeout's limit). */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** A non-negative integer number of milliseconds (`--lock-wait`, `--input-wait`). */
export function parseMs (raw: string, flag: string): number {
  const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN
  if (!(n >= 0 && n <= MAX_TIMER_MS)) throw new CliUsageError(`--${flag} expects milliseconds (an integer in 0..${MAX_TIMER_MS}), got "${raw}"`)
  return n
}

const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const DURATION = /^(\d{1,13})(ms|s|m|h|d)?$/
/** Longest duration flag: 100 years, far beyond any message age yet exact in a double. */
export const MAX_DURATION_MS = 100 * 365 * 86_400_000

/** A duration: `500ms`, `45s`, `10m`, `2h`, `7d` or plain milliseconds, at most {@link MAX_DURATION_MS}. */
export function parseDuration (raw: string, flag: string): number {
  const m = DURATION.exec(raw)
  const ms = m === null ? NaN : Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] as number)
  if (!(ms >= 0 && ms <= MAX_DURATION_MS)) {
    throw new CliUsageError(`--${flag} expects a duration like 500ms, 45s, 10m, 2h, 7d or plain milliseconds (at most 100 years), got "${raw}"`)
  }
  return ms
}

/** A parser accepting one of `choices` exactly (own entries only: `toString` is not a choice). */
export function oneOf (choices: readonly string[]): (raw: string, flag: string) => string {
  const set = new Set(choices)
  return (raw, flag) => {
    if (!set.has(raw)) throw new CliUsageError(`unknown --${flag} "${raw}": use ${choices.join(', ')}`)
    return raw
  }
}
