/**
 * `histogram_quantile` over the cumulative buckets of a Prometheus histogram,
 * with PromQL's semantics (prometheus `promql/quantile.go`, `bucketQuantile`):
 * linear interpolation inside the bucket holding the rank, the lower bound
 * of the first bucket taken as 0, the highest finite bound returned when the
 * rank falls in `+Inf`, NaN without observations.
 *
 * @module
 */
import { selectSamples, type PromText } from './prom-text.js'

/** One cumulative bucket: `count` observations were `<= le`. */
export interface Bucket {
  readonly le: number
  readonly count: number
}

/**
 * The `q`-quantile (0..1) of a histogram given as cumulative buckets in any
 * order. NaN when there are no observations, fewer than two buckets or no
 * `+Inf` bucket (as PromQL).
 */
export function histogramQuantile (q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN
  if (q < 0) return -Infinity
  if (q > 1) return Infinity
  const sorted = [...buckets].filter((b) => !Number.isNaN(b.le)).sort((a, b) => a.le - b.le)
  if (sorted.length < 2 || sorted[sorted.length - 1]?.le !== Infinity) return NaN
  // Counts must not decrease with le (they may when scraped mid-update): carry the maximum forward.
  const counts: number[] = []
  let max = 0
  for (const b of sorted) { max = Math.max(max, Number.isFinite(b.count) ? b.count : 0); counts.push(max) }
  const total = counts[counts.length - 1] as number
  if (total === 0) return NaN
  let rank = q * total
  let i = counts.findIndex((c) => c >= rank)
  if (i < 0) i = counts.length - 1
  if (i === sorted.length - 1) return (sorted[sorted.length - 2] as Bucket).le
  const end = (sorted[i] as Bucket).le
  if (i === 0 && end <= 0) return end
  const start = i === 0 ? 0 : (sorted[i - 1] as Bucket).le
  const below = i === 0 ? 0 : counts[i - 1] as number
  const inBucket = (counts[i] as number) - below
  rank -= below
  return start + (end - start) * (inBucket === 0 ? 0 : rank / inBucket)
}

/**
 * The buckets of histogram `name` (its `name_bucket` samples) matching
 * `match`, summed across every other label (PromQL `sum by (le)`).
 */
export function histogramBuckets (text: PromText, name: string, match: Readonly<Record<string, string>> = {}): Bucket[] {
  const byLe = new Map<number, number>()
  for (const s of selectSamples(text, `${name}_bucket`, match)) {
    const raw = s.labels.le
    if (raw === undefined || raw === '') continue
    const le = raw === '+Inf' ? Infinity : Number(raw)
    if (Number.isNaN(le)) continue
    byLe.set(le, (byLe.get(le) ?? 0) + s.value)
  }
  return [...byLe].map(([le, count]) => ({ le, count }))
}
