/**
 * The receiver's replay guard: one RFC 6479 window per (sender, channel),
 * plus timestamp bounds, with a bounded number of windows and optional
 * crash-safe persistence (SPEC.md 13). Composed of the verdict rules
 * (rules.ts), the windows' slab (slab.ts) and the state file
 * (persistence.ts).
 *
 * Pipeline contract (RFC 4303 3.4.3: the window is updated only after the
 * integrity check): `precheck` before signature verification (pure, cheap),
 * `commit` after it (re-checks, then marks). Both return verdict values.
 *
 * @module
 */
import {
  DEFAULT_MAX_CLOCK_SKEW_MS,
  DEFAULT_MAX_MESSAGE_AGE_MS,
  DEFAULT_MAX_STATE_FILE_BYTES,
  DEFAULT_MAX_TRACKED_SENDERS,
  DEFAULT_REPLAY_FLUSH_INTERVAL_MS,
  DEFAULT_REPLAY_WINDOW
} from '../limits.js'
import { checkInt } from '../options/checks.js'
import { ReplayPersistence } from './persistence.js'
import { REPLAY_OK, ReplayRules, type ReplayVerdict } from './rules.js'
import { maxSlabWindows, WindowSlab } from './slab.js'
import { windowGeometry } from './window.js'

/** Options of {@link createReplayGuard}. */
export interface ReplayGuardInit {
  /**
   * Window size per (sender, channel), in sequence numbers (rounded up to a multiple of 32).
   * @default DEFAULT_REPLAY_WINDOW (8128: a 1 KiB ring per window)
   */
  windowSize?: number
  /**
   * Most (sender, channel) windows kept; the least recently committed one is
   * evicted beyond that (and raises the eviction floor, see {@link ReplayGuard}).
   * Memory is about 1.2 KB per window at the default window size.
   * @default DEFAULT_MAX_TRACKED_SENDERS (10,000)
   */
  maxTrackedSenders?: number
  /**
   * Messages timestamped more than this before now are `too-old`.
   * @default DEFAULT_MAX_MESSAGE_AGE_MS (10 minutes)
   */
  maxMessageAgeMs?: number
  /**
   * Messages timestamped more than this after now are `clock-skew`.
   * @default DEFAULT_MAX_CLOCK_SKEW_MS (30 s)
   */
  maxClockSkewMs?: number
  /**
   * Clock (ms since epoch) used when a call passes no `nowMs`, and for persistence.
   * @default Date.now
   */
  now?: () => number
  /**
   * State file. When set, the state is loaded synchronously at creation,
   * written back every `flushIntervalMs / 2` while commits happen (off the
   * event loop except the snapshot: about 10 ms and 1.1 MB for 10k windows)
   * and on `close()`. Without it the guard lives in memory only.
   * @default undefined (in memory)
   */
  path?: string
  /**
   * Longest a committed message may stay unpersisted (ms). A commit that finds
   * the last durable file older than this writes one synchronously first.
   * After a crash, timestamps up to `lastFlush + flushIntervalMs + maxClockSkewMs`
   * are refused, so smaller is cheaper after a crash and costlier in writes.
   * @default DEFAULT_REPLAY_FLUSH_INTERVAL_MS (5 s)
   */
  flushIntervalMs?: number
  /**
   * Discard an existing (possibly corrupt) state file instead of throwing.
   * Still safe: the floor is set to `now + maxClockSkewMs` (the newest timestamp
   * the previous run can have accepted), so every sender is refused until its
   * timestamps pass that point (about `maxClockSkewMs`).
   * @default false
   */
  startFresh?: boolean
  /**
   * Largest state file read at start.
   * @default DEFAULT_MAX_STATE_FILE_BYTES (64 MiB)
   */
  maxStateFileBytes?: number
  /**
   * Hold the exclusive lock `<path>.lock` from creation to `close()` (see
   * `acquireLockFileSync`), so that no other guard, in this process or
   * another, writes the same file: two writers lose each other's updates
   * (accepting replays), and one reading the other's live, unclean file takes
   * it for a crash (a floor up to `flushIntervalMs + maxClockSkewMs` in the
   * future). Pass false only when the caller already holds a lock covering
   * the file (e.g. `acquireStateLock` on its directory). A second holder gets
   * `StateLockedError`.
   * @default true
   */
  lock?: boolean
  /**
   * How long creation waits for another holder of the lock (ms), blocking the thread.
   * @default 0 (refuse at once)
   */
  lockWaitMs?: number
}

/**
 * Replay protection for every (sender, channel) pair.
 *
 * Eviction floor: windows are bounded (LRU). When a window is evicted, the
 * guard raises a global floor to that window's highest accepted timestamp; a
 * window created afterwards, for any pair, refuses timestamps `<=` the floor
 * at its creation (`out-of-window`), and an untracked pair is prechecked
 * against the current floor. Without it, an evicted sender's old messages
 * would look fresh to a new, empty window. Cost: a sender that is evicted and
 * comes back with a message timestamped at or before the floor (delayed
 * delivery, a slow clock, or just a sender newer than the busiest evicted
 * one) is refused until its timestamps pass the floor. Size
 * `maxTrackedSenders` above the number of active pairs so eviction stays
 * rare; a peer able to commit many distinct pairs (many identities or
 * channels) can push the floor up to `now + maxClockSkewMs`, so bound pairs
 * upstream (subscribed topics only, per-peer limits). Messages older than
 * `maxMessageAgeMs` are `too-old` regardless.
 *
 * Crash safety: see {@link ReplayGuardInit.path}; a restored window counts
 * every seq `<=` its persisted high-water mark as seen (gaps included: a
 * late, never-seen message below the mark is refused after a restart).
 */
export interface ReplayGuard {
  /** Effective window size in sequence numbers. */
  readonly windowSize: number
  /** Number of tracked windows. */
  readonly size: number
  /** Current eviction/crash floor (ms), -Infinity if none. */
  readonly floorMs: number
  /**
   * Cheap check before signature verification; mutates nothing.
   * @param nowMs - the current time, default `init.now()`; pass values of the
   * same clock as `init.now` (persistence bounds acceptance times with it)
   */
  precheck (sender: string, channel: string, seq: number, timestampMs: number, nowMs?: number): ReplayVerdict
  /**
   * After signature and digest verified: re-checks, then marks `seq` seen
   * (creating or refreshing the pair's window). A non-ok verdict changed
   * nothing. With a state file, may write it synchronously first (see
   * `flushIntervalMs`) and throws {@link errors!StorageError} if that fails or the
   * guard is closed.
   */
  commit (sender: string, channel: string, seq: number, timestampMs: number, nowMs?: number): ReplayVerdict
  /** Writes the state file now (no-op in memory). */
  flush (): Promise<void>
  /** Stops the flush timer and writes the state file marked clean. */
  close (): Promise<void>
}

class SlabReplayGuard implements ReplayGuard {
  readonly windowSize: number
  private readonly slab: WindowSlab
  private readonly rules: ReplayRules
  private readonly clock: () => number
  /** The state file; undefined in memory. */
  private readonly file: ReplayPersistence | undefined

  constructor (init: ReplayGuardInit) {
    const geometry = windowGeometry(init.windowSize ?? DEFAULT_REPLAY_WINDOW)
    this.windowSize = geometry.size
    const maxWindows = checkInt('maxTrackedSenders', init.maxTrackedSenders ?? DEFAULT_MAX_TRACKED_SENDERS, 1, maxSlabWindows(geometry))
    this.slab = new WindowSlab({ geometry, maxWindows })
    this.rules = new ReplayRules({
      windows: this.slab,
      maxMessageAgeMs: checkInt('maxMessageAgeMs', init.maxMessageAgeMs ?? DEFAULT_MAX_MESSAGE_AGE_MS, 0),
      maxClockSkewMs: checkInt('maxClockSkewMs', init.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS, 0)
    })
    const flushIntervalMs = checkInt('flushIntervalMs', init.flushIntervalMs ?? DEFAULT_REPLAY_FLUSH_INTERVAL_MS, 2, 2 ** 31 - 1)
    this.clock = init.now ?? Date.now
    this.file = init.path === undefined
      ? undefined
      : new ReplayPersistence({
        path: init.path,
        slab: this.slab,
        clock: this.clock,
        flushIntervalMs,
        maxClockSkewMs: this.rules.maxClockSkewMs,
        maxStateFileBytes: checkInt('maxStateFileBytes', init.maxStateFileBytes ?? DEFAULT_MAX_STATE_FILE_BYTES, 1, 2 ** 31 - 1),
        startFresh: init.startFresh === true,
        lock: init.lock !== false,
        lockWaitMs: init.lockWaitMs ?? 0
      })
  }

  get size (): number {
    return this.slab.size
  }

  get floorMs (): number {
    return this.slab.floorMs
  }

  precheck (sender: string, channel: string, seq: number, timestampMs: number, nowMs?: number): ReplayVerdict {
    return this.rules.verdict(this.slab.lookup(sender, channel), seq, timestampMs, nowMs ?? this.clock())
  }

  commit (sender: string, channel: string, seq: number, timestampMs: number, nowMs?: number): ReplayVerdict {
    this.file?.checkOpen()
    const now = nowMs ?? this.clock()
    let slot = this.slab.lookup(sender, channel)
    const v = this.rules.verdict(slot, seq, timestampMs, now)
    if (!v.ok) return v
    // Persist before accepting anything the last durable file does not cover (crash bound).
    this.file?.beforeCommit(now)
    // A new window inherits the floor as it was before any eviction this allocation causes:
    // the pair evicted now is a different one, so its timestamps say nothing about this pair.
    if (slot < 0) slot = this.slab.add({ sender, channel, floorMs: this.slab.floorMs })
    this.slab.mark(slot, seq, timestampMs)
    this.file?.committed()
    return REPLAY_OK
  }

  async flush (): Promise<void> {
    await this.file?.flush()
  }

  async close (): Promise<void> {
    await this.file?.close()
  }
}

/**
 * Creates a {@link ReplayGuard}. With `init.path`, takes the lock
 * `<path>.lock` (`StateLockedError` if another guard holds it; see
 * `init.lock`), removes temp files left by a writer that died mid-write,
 * reads the state file synchronously (throws `CorruptStateError`, a
 * `MalformedInputError` naming the file, if it is damaged, unless
 * `startFresh`) and writes it back at once marked unclean; `close()` releases
 * the lock.
 */
export function createReplayGuard (init: ReplayGuardInit = {}): ReplayGuard {
  return new SlabReplayGuard(init)
}
