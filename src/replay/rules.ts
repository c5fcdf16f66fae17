/**
 * The replay verdict rules of SPEC.md 13, in their order: `too-old`,
 * `clock-skew`, then the pair's floor and its window (`out-of-window`,
 * `replayed`). Pure: the rules read the windows, never change them, so the
 * same rules serve the pre-check before the signature and the re-check of
 * the commit after it (RFC 4303 3.4.3).
 *
 * @module
 */
import type { WindowVerdict } from './window.js'

/** Why a message was refused. */
export type ReplayReason =
  /** This (sender, channel, seq) was already accepted (or, after a restart, may have been). */
  | 'replayed'
  /** Too far behind the window, at or below the eviction/crash floor, or not a valid seq. */
  | 'out-of-window'
  /** Timestamp older than `maxMessageAgeMs` (or not a number). */
  | 'too-old'
  /** Timestamp more than `maxClockSkewMs` in the future. */
  | 'clock-skew'

/** Verdict of `ReplayGuard.precheck` / `ReplayGuard.commit`; the objects are shared frozen constants. */
export type ReplayVerdict =
  | { readonly ok: true }
  | { readonly ok: false, readonly reason: ReplayReason }

/** The accepting verdict. */
export const REPLAY_OK: ReplayVerdict = Object.freeze({ ok: true })
const REPLAYED: ReplayVerdict = Object.freeze({ ok: false, reason: 'replayed' })
const OUT_OF_WINDOW: ReplayVerdict = Object.freeze({ ok: false, reason: 'out-of-window' })
const TOO_OLD: ReplayVerdict = Object.freeze({ ok: false, reason: 'too-old' })
const CLOCK_SKEW: ReplayVerdict = Object.freeze({ ok: false, reason: 'clock-skew' })

/**
 * What the rules read of the tracked windows. A slot is a window's handle;
 * slot -1 stands for an untracked pair (an empty window under the current
 * eviction floor).
 */
export interface WindowLookup {
  /** Timestamps `<=` this are refused for the pair in `slot` (ms). */
  floorOf (slot: number): number
  /** Where `seq` falls in the pair's window. */
  check (slot: number, seq: number): WindowVerdict
}

/** Settings of {@link ReplayRules} (validated by the caller). */
export interface ReplayRulesInit {
  /** The windows the rules read. */
  windows: WindowLookup
  /** Timestamps more than this before now are `too-old` (the bound itself is accepted). */
  maxMessageAgeMs: number
  /** Timestamps more than this after now are `clock-skew` (the bound itself is accepted). */
  maxClockSkewMs: number
}

/** The verdict of SPEC.md 13 for one (pair, seq, timestamp) at a given time. */
export class ReplayRules {
  readonly maxMessageAgeMs: number
  readonly maxClockSkewMs: number
  private readonly windows: WindowLookup

  constructor (init: ReplayRulesInit) {
    this.windows = init.windows
    this.maxMessageAgeMs = init.maxMessageAgeMs
    this.maxClockSkewMs = init.maxClockSkewMs
  }

  /** The verdict for `seq` timestamped `ts` of the pair in `slot` (-1: untracked), at `now`. */
  verdict (slot: number, seq: number, ts: number, now: number): ReplayVerdict {
    // Negated comparisons so that NaN is refused.
    if (!(ts >= now - this.maxMessageAgeMs)) return TOO_OLD
    if (ts > now + this.maxClockSkewMs) return CLOCK_SKEW
    if (ts <= this.windows.floorOf(slot)) return OUT_OF_WINDOW
    const v = this.windows.check(slot, seq)
    return v === 'ok' ? REPLAY_OK : v === 'replayed' ? REPLAYED : OUT_OF_WINDOW
  }
}
