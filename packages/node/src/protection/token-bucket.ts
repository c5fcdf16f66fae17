/**
 * Per-key rate limiting with the Generic Cell Rate Algorithm (GCRA, ITU-T
 * I.371 "virtual scheduling"), the algorithm of Lodestar's req/resp limiter.
 *
 * Why GCRA rather than a classic bucket: it is the same contract (a sustained
 * `ratePerSecond`, up to `burst` at once) but keeps one number per key, the
 * theoretical arrival time (TAT), instead of a token count plus a refill
 * timestamp, needs no refill arithmetic, and makes idleness exact: a key whose
 * TAT is in the past has a full bucket, so dropping it loses nothing.
 *
 * One limiter counts one unit. Messages and bytes are two limiters on the same
 * keys: `messages.take(peer)` and `bytes.take(peer, frame.length)`.
 *
 * Memory is bounded: keys idle for `idleMs` are pruned (lazily, from the
 * least recently used end), and at `maxKeys` the least recently used key is
 * evicted (counted), so a flood of new keys costs O(1) per key and cannot
 * grow the map.
 *
 * @module
 */
import { InvalidConfigError, InvalidValueError } from 'wireseal/errors'

/** @default DEFAULT_RATE_LIMIT_MAX_KEYS (4096): well above libp2p's 300 connections, so eviction only reaches keys of gone peers. */
export const DEFAULT_RATE_LIMIT_MAX_KEYS = 4096
/** @default DEFAULT_RATE_LIMIT_IDLE_MS (300_000): Lodestar prunes its trackers after 5 minutes idle. */
export const DEFAULT_RATE_LIMIT_IDLE_MS = 300_000
/** @default DEFAULT_RATE_LIMIT_MULTIPLIER (1); 0 turns limiting off, like Lodestar's `rateLimitMultiplier`. */
export const DEFAULT_RATE_LIMIT_MULTIPLIER = 1

/** Options of {@link createRateLimiter}. */
export interface RateLimiterInit {
  /** Sustained units per second per key (before `multiplier`). Must be > 0. */
  ratePerSecond: number
  /** Units a key may take at once from a full bucket (before `multiplier`). Must be ≥ 1. */
  burst: number
  /**
   * Keys tracked at most; the least recently used one is evicted beyond it.
   * An evicted key starts again with a full bucket.
   * @default DEFAULT_RATE_LIMIT_MAX_KEYS (4096)
   */
  maxKeys?: number
  /**
   * A key unused for this long is dropped. It is never shorter than the time
   * a bucket takes to refill from empty (`burst / ratePerSecond`), so pruning
   * never forgives debt.
   * @default DEFAULT_RATE_LIMIT_IDLE_MS (300_000)
   */
  idleMs?: number
  /**
   * Scales both `ratePerSecond` and `burst`; `0` disables limiting (every
   * `take` succeeds and nothing is tracked).
   * @default DEFAULT_RATE_LIMIT_MULTIPLIER (1)
   */
  multiplier?: number
  /** Clock in milliseconds. @default Date.now */
  now?: () => number
}

/** Counters of a {@link RateLimiter}, cumulative since creation. */
export interface RateLimiterCounts {
  /** `take` calls that succeeded. */
  allowed: number
  /** `take` calls refused (over the limit). */
  limited: number
  /** Keys evicted because `maxKeys` was reached. */
  evicted: number
}

/** Per-key rate limiter returned by {@link createRateLimiter}. */
export interface RateLimiter {
  /**
   * Take `amount` units for `key`. Returns false (and takes nothing) when that
   * would exceed the limit. An `amount` above the effective burst never fits.
   * Throws {@link InvalidValueError} for a negative or non-finite amount.
   */
  take(key: string, amount?: number): boolean
  /** Forget `key` (e.g. on disconnect). */
  delete(key: string): void
  /** Drop every key idle for the idle period; returns how many were dropped. */
  prune(): number
  /** Keys currently tracked. */
  readonly size: number
  /** True when `multiplier` is 0. */
  readonly unlimited: boolean
  /** Snapshot of the counters. */
  counts(): RateLimiterCounts
}

/** Slack for float rounding of summed intervals (a rate of 3/s has T = 333.33… ms). */
const EPSILON_MS = 1e-6

function positive (name: string, v: unknown, min: number, integer: boolean): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new InvalidConfigError(name, `${integer ? 'an integer' : 'a finite number'} >= ${min}`)
  }
  return v
}

/** Create a per-key GCRA limiter. Throws {@link InvalidConfigError} on a bad option. */
export function createRateLimiter (init: RateLimiterInit): RateLimiter {
  const rate = positive('ratePerSecond', init.ratePerSecond, Number.MIN_VALUE, false)
  const burst = positive('burst', init.burst, 1, false)
  const maxKeys = positive('maxKeys', init.maxKeys ?? DEFAULT_RATE_LIMIT_MAX_KEYS, 1, true)
  const idleOpt = positive('idleMs', init.idleMs ?? DEFAULT_RATE_LIMIT_IDLE_MS, 0, false)
  const multiplier = positive('multiplier', init.multiplier ?? DEFAULT_RATE_LIMIT_MULTIPLIER, 0, false)
  const now = init.now ?? Date.now
  if (typeof now !== 'function') throw new InvalidConfigError('now', 'a function returning milliseconds')
  const unlimited = multiplier === 0
  /** Milliseconds per unit (the GCRA emission interval T). */
  const interval = unlimited ? 0 : 1000 / (rate * multiplier)
  /** Burst tolerance τ: how far the TAT may run ahead of now. */
  const tolerance = unlimited ? 0 : interval * burst * multiplier
  const idleMs = Math.max(idleOpt, tolerance)
  /** key → { tat, last use }, in least-recently-used-first order. */
  const keys = new Map<string, { tat: number, used: number }>()
  const counts: RateLimiterCounts = { allowed: 0, limited: 0, evicted: 0 }

  function pruneHead (t: number): number {
    let n = 0
    for (const [k, e] of keys) {
      if (t - e.used < idleMs) break
      keys.delete(k)
      n++
    }
    return n
  }

  return {
    take (key, amount = 1) {
      if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) throw new InvalidValueError('take.amount', 'a finite number >= 0')
      if (unlimited) {
        counts.allowed++
        return true
      }
      const t = now()
      pruneHead(t)
      let e = keys.get(key)
      if (e === undefined) {
        if (keys.size >= maxKeys) {
          const oldest = keys.keys().next().value as string
          keys.delete(oldest)
          counts.evicted++
        }
        e = { tat: t, used: t }
      } else {
        keys.delete(key) // re-inserted below: moves it to the most recently used end
      }
      e.used = t
      keys.set(key, e)
      const tat = Math.max(e.tat, t) + amount * interval
      if (tat - t > tolerance + EPSILON_MS) {
        counts.limited++
        return false
      }
      e.tat = tat
      counts.allowed++
      return true
    },
    delete (key) { keys.delete(key) },
    prune () { return pruneHead(now()) },
    get size () { return keys.size },
    unlimited,
    counts () { return { ...counts } }
  }
}
