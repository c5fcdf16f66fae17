/**
 * Axis scales for the benchmark charts: linear and base-10 logarithmic maps
 * from data to pixels, with "nice" domains and tick values (1-2-5 steps), and
 * compact tick labels.
 *
 * @module
 */
import { InvalidConfigError } from '../src/errors.js'

/** Maps data values to pixel positions along one axis. */
export interface Scale {
  readonly kind: 'linear' | 'log'
  /** Data interval, after widening to nice values. */
  readonly domain: readonly [number, number]
  /** Pixel interval: `range[0]` is where `domain[0]` lands. */
  readonly range: readonly [number, number]
  /** Pixel position of `v` (log scales clamp `v` into the domain first). */
  map(v: number): number
  /** Tick values inside the domain, ascending; at most about `max` of them (thinned on log scales). */
  ticks(max?: number): number[]
}

/** Options of {@link createScale}. */
export interface ScaleInit {
  /**
   * Logarithmic (base 10) instead of linear; values <= 0 are ignored.
   * @default false
   */
  log?: boolean
  /**
   * Linear scales only: stretch the domain to include 0.
   * @default false
   */
  includeZero?: boolean
  /**
   * Values the domain must include besides the data (e.g. a threshold line).
   * @default []
   */
  include?: readonly number[]
}

/** The 1-2-5 step at or above `raw`. */
function niceStep (raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw))
  const f = raw / p
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p
}

/** Rounds away float noise such as 0.30000000000000004. */
function clean (x: number): number {
  return Number.parseFloat(x.toPrecision(15))
}

function linear (lo: number, hi: number, range: readonly [number, number]): Scale {
  // A spread below float resolution is no spread: pad around the value instead.
  if (hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-9) {
    const pad = lo === 0 ? 1 : Math.abs(lo) / 2
    lo -= pad
    hi += pad
  }
  const step = niceStep((hi - lo) / 5)
  let d0 = clean(Math.floor(lo / step) * step)
  let d1 = clean(Math.ceil(hi / step) * step)
  // Float rounding may land a nice end just inside the data.
  if (d0 > lo) d0 = clean(d0 - step)
  if (d1 < hi) d1 = clean(d1 + step)
  const [r0, r1] = range
  return {
    kind: 'linear',
    domain: [d0, d1],
    range,
    map: v => r0 + (v - d0) / (d1 - d0) * (r1 - r0),
    ticks () {
      const out: number[] = []
      for (let i = 0; i <= 100; i++) {
        const t = clean(d0 + i * step)
        if (t > d1 + step / 1e6) break
        out.push(t)
      }
      return out
    }
  }
}

function log (lo: number, hi: number, range: readonly [number, number]): Scale {
  let e0 = Math.floor(Math.log10(lo) + 1e-9)
  let e1 = Math.ceil(Math.log10(hi) - 1e-9)
  if (e1 <= e0) e1 = e0 + 1
  // Tighter ends when the data sits well inside a decade (keeps one-decade charts readable).
  let d0 = 10 ** e0
  let d1 = 10 ** e1
  for (const m of [5, 2]) if (d0 * m <= lo) { d0 *= m; break }
  for (const m of [0.2, 0.5]) if (d1 * m >= hi) { d1 *= m; break }
  if (d1 <= d0) { e0 -= 1; d0 = 10 ** e0 }
  const l0 = Math.log10(d0)
  const l1 = Math.log10(d1)
  const decades = l1 - l0
  const [r0, r1] = range
  return {
    kind: 'log',
    domain: [clean(d0), clean(d1)],
    range,
    map: v => r0 + (Math.log10(Math.min(Math.max(v, d0), d1)) - l0) / (l1 - l0) * (r1 - r0),
    ticks (max = Infinity) {
      const options = [[1, 2, 3, 5, 7], [1, 2, 5], [1, 3], [1]]
      let mantissas = decades <= 1.5 ? [1, 2, 3, 5, 7] : decades <= 3.5 ? [1, 2, 5] : [1]
      for (const m of options) if (m.length <= mantissas.length && m.length * Math.max(1, decades) <= max) { mantissas = m; break }
      const every = decades > 8 || (mantissas.length === 1 && decades > max) ? 2 : 1
      const out: number[] = []
      for (let e = Math.floor(l0) - 1; e <= Math.ceil(l1); e++) {
        if (mantissas.length === 1 && e % every !== 0) continue
        for (const m of mantissas) {
          const t = clean(m * 10 ** e)
          if (t >= d0 * (1 - 1e-9) && t <= d1 * (1 + 1e-9)) out.push(t)
        }
      }
      return out
    }
  }
}

/**
 * A scale over `values` (non-finite values, and non-positive ones on a log
 * scale, are ignored) onto `range`. With no usable value the domain is 0..1
 * (linear) or 1..10 (log).
 */
export function createScale (values: readonly number[], range: readonly [number, number], init: ScaleInit = {}): Scale {
  const logScale = init.log ?? false
  const usable = [...values, ...(init.include ?? [])].filter(v => Number.isFinite(v) && (!logScale || v > 0))
  if (!Number.isFinite(range[0]) || !Number.isFinite(range[1])) throw new InvalidConfigError('range', 'two finite pixel positions')
  if (logScale) {
    if (usable.length === 0) return log(1, 10, range)
    // A little air around the data, so no point sits on an axis.
    return log(Math.min(...usable) / 1.15, Math.max(...usable) * 1.15, range)
  }
  if (init.includeZero === true) usable.push(0)
  if (usable.length === 0) return linear(0, 1, range)
  return linear(Math.min(...usable), Math.max(...usable), range)
}

/**
 * Compact label for an axis tick or a data value: at most 3 significant
 * digits, k/M/G suffixes (10^3, 10^6, 10^9), no trailing zeros.
 */
export function compactNumber (x: number): string {
  if (!Number.isFinite(x)) return 'n/a'
  if (x === 0) return '0'
  const r = Number(x.toPrecision(3))
  const abs = Math.abs(r)
  const trim = (s: string): string => s.includes('.') && !s.includes('e') ? s.replace(/\.?0+$/, '') : s
  if (abs >= 1e9) return `${trim((r / 1e9).toPrecision(3))}G`
  if (abs >= 1e6) return `${trim((r / 1e6).toPrecision(3))}M`
  if (abs >= 1e3) return `${trim((r / 1e3).toPrecision(3))}k`
  if (abs >= 100) return r.toFixed(0)
  return trim(r.toPrecision(3))
}
