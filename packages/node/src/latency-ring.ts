/**
 * The delivery latencies behind the status view's p50 / p99: a bounded ring
 * of the last 2,048 deliveries.
 *
 * @module
 */

/** A p50 / p99 summary and the number of latencies ever added. */
export interface LatencySummary {
  readonly p50: number
  readonly p99: number
  readonly count: number
}

/** Bounded ring of recent delivery latencies (ms). */
export class LatencyRing {
  private readonly values = new Float64Array(2048)
  private n = 0
  /** The last summary, reused while nothing was added (a status poll every 25 ms sorted 2,048 values each time). */
  private last: LatencySummary = { p50: 0, p99: 0, count: 0 }

  add (ms: number): void { this.values[this.n++ % this.values.length] = ms }

  summary (): LatencySummary {
    const k = Math.min(this.n, this.values.length)
    if (k === 0 || this.last.count === this.n) return this.last
    const sorted = this.values.slice(0, k).sort()
    const at = (q: number): number => sorted[Math.min(k - 1, Math.floor(q * k))] as number
    this.last = { p50: at(0.5), p99: at(0.99), count: this.n }
    return this.last
  }
}
