/**
 * The one home of number formatting: figures as people read them in
 * benchmark tables, charts and `wireseal bench` ({@link formatNumber},
 * {@link sizeLabel}), and option values written back so that they parse to
 * the same number (CLI help, configuration pages, logs: {@link formatDuration},
 * {@link formatSize}).
 *
 * @module
 */

// --- measured figures ---------------------------------------------------------

/** How {@link formatNumber} writes a figure. */
export interface NumberStyle {
  /**
   * Significant digits.
   * @default 3
   */
  digits?: number
  /**
   * Smallest magnitude written with a k/M/G suffix (10^3, 10^6, 10^9);
   * `Infinity` for none.
   * @default 1000
   */
  suffixFrom?: number
  /**
   * Drop trailing zeros (`1.5k`, not `1.50k`; `0.5`, not `0.500`).
   * @default false
   */
  trim?: boolean
}

const SUFFIXES: ReadonlyArray<readonly [number, string]> = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']]

/**
 * `x` rounded to `digits` significant digits, with a k/M/G suffix from
 * `suffixFrom` on; whole numbers of `digits` digits or more are written
 * without a fraction. `n/a` when `x` is not finite.
 */
export function formatNumber (x: number, style: NumberStyle = {}): string {
  if (!Number.isFinite(x)) return 'n/a'
  const { digits = 3, suffixFrom = 1e3, trim = false } = style
  const mantissa = (v: number): string => trim ? String(Number(v.toPrecision(digits))) : v.toPrecision(digits)
  const r = Number(x.toPrecision(digits))
  const abs = Math.abs(r)
  for (const [scale, suffix] of SUFFIXES) if (abs >= scale && abs >= suffixFrom) return `${mantissa(r / scale)}${suffix}`
  return abs >= 10 ** (digits - 1) ? r.toFixed(0) : mantissa(r)
}

/** Compact chart and axis label: 3 significant digits, k/M/G suffixes, no trailing zeros. */
export function compactNumber (x: number): string {
  return formatNumber(x, { trim: true })
}

/**
 * A size in bytes as its largest whole-ish unit: `512 B`, `64 KB`, `1 MB`
 * (1024-based, written KB and MB as the reports always have), or with
 * `iec`, `64 KiB`, `1 MiB`.
 */
export function sizeLabel (n: number, iec = false): string {
  const [k, m] = iec ? ['KiB', 'MiB'] : ['KB', 'MB']
  return n >= 1_048_576 ? `${n / 1_048_576} ${m}` : n >= 1024 ? `${n / 1024} ${k}` : `${n} B`
}

// --- option values (exact, parse back) ----------------------------------------

/** [suffix, size] from the largest unit down; the base unit is the caller's. */
type Units = ReadonlyArray<readonly [string, number]>

const DURATION_UNITS: Units = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]
const SIZE_UNITS: Units = [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]]

function exact (n: number, units: Units, base: string): string {
  for (const [suffix, size] of units) {
    if (n !== 0 && n % size === 0) return `${n / size}${suffix}`
  }
  return `${n}${base}`
}

/** Milliseconds as `7d`, `2h`, `10m`, `45s` or `500ms`: the largest unit that divides them exactly. */
export function formatDuration (ms: number): string {
  return exact(ms, DURATION_UNITS, 'ms')
}

/** Bytes as `1GiB`, `4MiB`, `64KiB` or `100B`: the largest binary unit that divides them exactly. */
export function formatSize (bytes: number): string {
  return exact(bytes, SIZE_UNITS, 'B')
}
