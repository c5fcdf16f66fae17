/**
 * Order statistics for benchmark samples. Medians and quartiles rather than
 * means: one GC pause or a neighbour's burst of CPU moves a mean, not a median.
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'

/** Five-number summary of a sample. */
export interface Summary {
  /** Number of samples. */
  n: number
  min: number
  /** 25th percentile (linear interpolation between closest ranks). */
  p25: number
  median: number
  /** 75th percentile (linear interpolation between closest ranks). */
  p75: number
  max: number
}

function sortedCopy (values: readonly number[]): Float64Array {
  // Typed-array sort is numeric (Array#sort would compare as strings).
  return Float64Array.from(values).sort()
}

/**
 * The `q`-quantile (0..1) of `values`, interpolating linearly between the two
 * closest ranks (method 7 of Hyndman & Fan, the default of R and NumPy).
 * Returns `NaN` for an empty sample.
 */
export function quantile (values: readonly number[], q: number): number {
  if (values.length === 0) return NaN
  if (!(q >= 0 && q <= 1)) throw new InvalidConfigError('q', `a quantile in 0..1, got ${q}`)
  return quantileOfSorted(sortedCopy(values), q)
}

function quantileOfSorted (sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  const a = sorted[lo] as number
  const b = sorted[hi] as number
  return a + (b - a) * (pos - lo)
}

/** The median of `values` (mean of the two middle values for an even count); `NaN` when empty. */
export function median (values: readonly number[]): number {
  return quantile(values, 0.5)
}

/** Five-number summary of `values`; every field is `NaN` for an empty sample. */
export function summarize (values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, min: NaN, p25: NaN, median: NaN, p75: NaN, max: NaN }
  const s = sortedCopy(values)
  return {
    n: s.length,
    min: s[0] as number,
    p25: quantileOfSorted(s, 0.25),
    median: quantileOfSorted(s, 0.5),
    p75: quantileOfSorted(s, 0.75),
    max: s[s.length - 1] as number
  }
}

/**
 * Paired ratio of two samples taken in the same rounds: the summary of
 * `a[i] / b[i]`. Drift (thermal, a noisy neighbour) that hits both members of
 * a pair cancels out, which a ratio of two medians does not achieve.
 * Pairs where `b[i]` is not positive are skipped.
 */
export function pairedRatio (a: readonly number[], b: readonly number[]): Summary {
  const n = Math.min(a.length, b.length)
  const ratios: number[] = []
  for (let i = 0; i < n; i++) {
    const x = a[i] as number
    const y = b[i] as number
    if (y > 0) ratios.push(x / y)
  }
  return summarize(ratios)
}

/**
 * {@link pairedRatio} over the rounds where neither case was slowed down by
 * interference. On a shared machine, preemption only ever makes a batch
 * slower; a round where either case ran below `floor` times its own upper
 * quartile is taken as interfered with and left out, so a burst that hit one
 * member of a pair does not pass for a difference between the two. When
 * fewer than a third of the rounds are left, every round is used.
 */
export function cleanPairedRatio (a: readonly number[], b: readonly number[], floor = 0.8): Summary {
  const n = Math.min(a.length, b.length)
  const minA = quantile(a.slice(0, n), 0.75) * floor
  const minB = quantile(b.slice(0, n), 0.75) * floor
  const keptA: number[] = []
  const keptB: number[] = []
  for (let i = 0; i < n; i++) {
    const x = a[i] as number
    const y = b[i] as number
    if (x >= minA && y >= minB) {
      keptA.push(x)
      keptB.push(y)
    }
  }
  return keptA.length * 3 >= n ? pairedRatio(keptA, keptB) : pairedRatio(a, b)
}
