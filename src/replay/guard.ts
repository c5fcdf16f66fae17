/**
 * The receiver's replay guard: one RFC 6479 window per (sender, channel),
 * plus timestamp bounds, with a bounded number of windows and optional
 * crash-safe persistence.
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
import { InvalidConfigError, MalformedInputError, StorageError } from '../errors.js'
import { acquireLockFileSync, lockPathFor, type StateLock } from './lock.js'
import { windowCheck, windowGeometry, windowMark, windowRestore } from './window.js'
import type { WindowGeometry } from './window.js'
import { asCorruptState, cleanStaleTempFiles, decodeReplayState, encodeReplayState, MAX_PERSISTED_UNSEEN, PERSISTED_UNSEEN_SPAN, readStateFile, REPLAY_STATE_FORMAT, writeFileAtomic, writeFileAtomicSync } from './store.js'
import type { PersistedWindow, ReplayState } from './store.js'

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

/** Verdict of {@link ReplayGuard.precheck} / {@link ReplayGuard.commit}; the objects are shared frozen constants. */
export type ReplayVerdict =
  | { readonly ok: true }
  | { readonly ok: false, readonly reason: ReplayReason }

/** The accepting verdict. */
export const REPLAY_OK: ReplayVerdict = Object.freeze({ ok: true })
const REPLAYED: ReplayVerdict = Object.freeze({ ok: false, reason: 'replayed' })
const OUT_OF_WINDOW: ReplayVerdict = Object.freeze({ ok: false, reason: 'out-of-window' })
const TOO_OLD: ReplayVerdict = Object.freeze({ ok: false, reason: 'too-old' })
const CLOCK_SKEW: ReplayVerdict = Object.freeze({ ok: false, reason: 'clock-skew' })

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
   * `flushIntervalMs`) and throws {@link StorageError} if that fails or the
   * guard is closed.
   */
  commit (sender: string, channel: string, seq: number, timestampMs: number, nowMs?: number): ReplayVerdict
  /** Writes the state file now (no-op in memory). */
  flush (): Promise<void>
  /** Stops the flush timer and writes the state file marked clean. */
  close (): Promise<void>
}

/** The windows of one channel. */
interface ChannelBucket {
  readonly channel: string
  /** sender -> slot */
  readonly senders: Map<string, number>
}

function intOption (option: string, value: number, min: number, max: number): number {
  if (Number.isSafeInteger(value) && value >= min && value <= max) return value
  throw new InvalidConfigError(option, `an integer in ${min}..${max}, got ${String(value)}`)
}

/** Slab: 2^28 words = 1 GiB of bitmaps at most. */
const MAX_SLAB_WORDS = 1 << 28
const INITIAL_CAPACITY = 64

class SlabReplayGuard implements ReplayGuard {
  readonly windowSize: number
  private readonly g: WindowGeometry
  private readonly max: number
  private readonly maxAge: number
  private readonly maxSkew: number
  private readonly clock: () => number

  // One slab for every window: slot i owns words[i * g.words .. (i + 1) * g.words).
  private capacity = 0
  private count = 0
  private words: Uint32Array = new Uint32Array(0)
  private highs: Float64Array = new Float64Array(0)
  private highTs: Float64Array = new Float64Array(0)
  private floors: Float64Array = new Float64Array(0)
  private prev: Int32Array = new Int32Array(0)
  private next: Int32Array = new Int32Array(0)
  private senders: string[] = []
  /** Each slot's channel bucket (so a slot keeps the bucket's channel string, not one copy per sender). */
  private buckets: ChannelBucket[] = []
  private head = -1
  private tail = -1
  /**
   * channel -> sender -> slot. Nested so that lookups build no key string;
   * channel first because channels are few: one small Map per channel, not per sender.
   */
  private readonly index = new Map<string, ChannelBucket>()
  private floor = -Infinity

  // Persistence.
  private readonly path: string | undefined
  private readonly flushInterval: number
  private timer: ReturnType<typeof setInterval> | undefined
  private dirty = false
  private closed = false
  /** No commit at a clock later than this without a newer durable file. */
  private durableUntil = -Infinity
  private generation = 0
  /** Newest `lastFlushMs` written: kept monotonic so a clock stepping back never lowers the crash floor. */
  private lastStamp = -Infinity
  private renamedGeneration = 0
  private inFlight: Promise<void> | undefined
  private lock: StateLock | undefined

  constructor (init: ReplayGuardInit) {
    this.g = windowGeometry(init.windowSize ?? DEFAULT_REPLAY_WINDOW)
    this.windowSize = this.g.size
    this.max = intOption('maxTrackedSenders', init.maxTrackedSenders ?? DEFAULT_MAX_TRACKED_SENDERS, 1, Math.floor(MAX_SLAB_WORDS / this.g.words))
    this.maxAge = intOption('maxMessageAgeMs', init.maxMessageAgeMs ?? DEFAULT_MAX_MESSAGE_AGE_MS, 0, Number.MAX_SAFE_INTEGER)
    this.maxSkew = intOption('maxClockSkewMs', init.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS, 0, Number.MAX_SAFE_INTEGER)
    this.flushInterval = intOption('flushIntervalMs', init.flushIntervalMs ?? DEFAULT_REPLAY_FLUSH_INTERVAL_MS, 2, 2 ** 31 - 1)
    this.clock = init.now ?? Date.now
    this.path = init.path
    this.grow()
    if (this.path !== undefined) {
      if (init.lock !== false) this.lock = acquireLockFileSync(lockPathFor(this.path), { waitMs: init.lockWaitMs ?? 0 })
      try {
        this.open(this.path, init)
      } catch (err) {
        this.lock?.release()
        throw err
      }
    }
  }

  get size (): number {
    return this.count
  }

  get floorMs (): number {
    return this.floor
  }

  private lookup (sender: string, channel: string): number {
    const bucket = this.index.get(channel)
    if (bucket === undefined) return -1
    const slot = bucket.senders.get(sender)
    return slot === undefined ? -1 : slot
  }

  private verdict (slot: number, seq: number, ts: number, now: number): ReplayVerdict {
    // Negated comparisons so that NaN is refused.
    if (!(ts >= now - this.maxAge)) return TOO_OLD
    if (ts > now + this.maxSkew) return CLOCK_SKEW
    if (slot < 0) {
      if (ts <= this.floor) return OUT_OF_WINDOW
      // An empty window (high -1) accepts any valid seq without reading the bitmap.
      return windowCheck(this.words, 0, this.g, -1, seq) === 'ok' ? REPLAY_OK : OUT_OF_WINDOW
    }
    if (ts <= this.floors[slot]!) return OUT_OF_WINDOW
    const v = windowCheck(this.words, slot * this.g.words, this.g, this.highs[slot]!, seq)
    return v === 'ok' ? REPLAY_OK : v === 'replayed' ? REPLAYED : OUT_OF_WINDOW
  }

  precheck (sender: string, channel: string, seq: number, timestampMs: number, nowMs?: number): ReplayVerdict {
    return this.verdict(this.lookup(sender, channel), seq, timestampMs, nowMs ?? this.clock())
  }

  commit (sender: string, channel: string, seq: number, timestampMs: number, nowMs?: number): ReplayVerdict {
    if (this.closed && this.path !== undefined) throw new StorageError(this.path, 'commit', 'the replay guard is closed')
    const now = nowMs ?? this.clock()
    let slot = this.lookup(sender, channel)
    const v = this.verdict(slot, seq, timestampMs, now)
    if (!v.ok) return v
    // Persist before accepting anything the last durable file does not cover (crash bound).
    if (this.path !== undefined && now > this.durableUntil) this.flushSync(now, false)
    // A new window inherits the floor as it was before any eviction this allocation causes:
    // the pair evicted now is a different one, so its timestamps say nothing about this pair.
    if (slot < 0) slot = this.allocate(sender, channel, this.floor)
    this.highs[slot] = windowMark(this.words, slot * this.g.words, this.g, this.highs[slot]!, seq)
    if (timestampMs > this.highTs[slot]!) this.highTs[slot] = timestampMs
    this.touch(slot)
    this.dirty = true
    return REPLAY_OK
  }

  // --- slab and LRU -------------------------------------------------------

  private grow (): void {
    const cap = Math.min(this.max, Math.max(INITIAL_CAPACITY, this.capacity * 2))
    const words = new Uint32Array(cap * this.g.words)
    words.set(this.words)
    this.words = words
    this.highs = growF64(this.highs, cap)
    this.highTs = growF64(this.highTs, cap)
    this.floors = growF64(this.floors, cap)
    this.prev = growI32(this.prev, cap)
    this.next = growI32(this.next, cap)
    this.capacity = cap
  }

  private allocate (sender: string, channel: string, floor: number): number {
    let slot: number
    if (this.count < this.max) {
      if (this.count === this.capacity) this.grow()
      slot = this.count++
    } else {
      slot = this.tail
      this.evict(slot)
    }
    const base = slot * this.g.words
    this.words.fill(0, base, base + this.g.words)
    this.highs[slot] = -1
    this.highTs[slot] = -Infinity
    this.floors[slot] = floor
    this.senders[slot] = sender
    let bucket = this.index.get(channel)
    if (bucket === undefined) this.index.set(channel, bucket = { channel, senders: new Map() })
    bucket.senders.set(sender, slot)
    this.buckets[slot] = bucket
    this.linkHead(slot)
    return slot
  }

  /** Forgets the window in `slot`, raising the floor to its newest timestamp. */
  private evict (slot: number): void {
    const ts = this.highTs[slot]!
    if (ts > this.floor) this.floor = ts
    const bucket = this.buckets[slot]!
    bucket.senders.delete(this.senders[slot]!)
    if (bucket.senders.size === 0) this.index.delete(bucket.channel)
    this.unlink(slot)
  }

  private unlink (slot: number): void {
    const p = this.prev[slot]!
    const n = this.next[slot]!
    if (p >= 0) this.next[p] = n
    else this.head = n
    if (n >= 0) this.prev[n] = p
    else this.tail = p
  }

  private linkHead (slot: number): void {
    this.prev[slot] = -1
    this.next[slot] = this.head
    if (this.head >= 0) this.prev[this.head] = slot
    this.head = slot
    if (this.tail < 0) this.tail = slot
  }

  private touch (slot: number): void {
    if (this.head === slot) return
    this.unlink(slot)
    this.linkHead(slot)
  }

  // --- persistence ----------------------------------------------------------

  private open (path: string, init: ReplayGuardInit): void {
    const now = this.clock()
    const max = intOption('maxStateFileBytes', init.maxStateFileBytes ?? DEFAULT_MAX_STATE_FILE_BYTES, 1, 2 ** 31 - 1)
    // Under the lock, every temp file of this path is a leftover of a writer that died mid-write.
    cleanStaleTempFiles(path)
    let bytes: Uint8Array | undefined
    try {
      bytes = readStateFile(path, REPLAY_STATE_FORMAT, max)
    } catch (err) {
      if (init.startFresh !== true || !(err instanceof MalformedInputError)) throw asCorruptState(path, err)
      bytes = new Uint8Array(0) // oversized: discarded like a damaged file
    }
    if (bytes !== undefined) {
      if (init.startFresh === true) {
        // The previous run accepted nothing timestamped later than (its last acceptance) + skew <= now + skew.
        this.floor = now + this.maxSkew
      } else {
        let state: ReplayState
        try {
          state = decodeReplayState(bytes)
        } catch (err) {
          throw asCorruptState(path, err)
        }
        this.restore(state)
      }
    }
    // Mark the file unclean at once: from here on a crash must be detectable.
    this.flushSync(now, false)
    this.timer = setInterval(() => {
      if (this.dirty && this.inFlight === undefined) this.flush().catch(() => { /* the next commit flushes synchronously and throws */ })
    }, Math.floor(this.flushInterval / 2))
    this.timer.unref()
  }

  private restore (state: ReplayState): void {
    let crashFloor = -Infinity
    // Unclean stop: the writer accepted nothing after lastFlush + interval without a newer file,
    // and nothing timestamped beyond acceptance time + its clock-skew allowance.
    if (!state.clean) crashFloor = state.lastFlushMs + state.flushIntervalMs + state.maxClockSkewMs
    this.floor = Math.max(state.floorMs, crashFloor)
    const keep = Math.min(state.windows.length, this.max)
    // Windows that no longer fit count as evicted.
    for (let i = keep; i < state.windows.length; i++) {
      const ts = state.windows[i]!.highTimestampMs
      if (ts > this.floor) this.floor = ts
    }
    // Oldest first, so the list ends up in the persisted LRU order.
    for (let i = keep - 1; i >= 0; i--) {
      const w = state.windows[i]!
      const slot = this.allocate(w.sender, w.channel, Math.max(w.floorMs, crashFloor))
      const base = slot * this.g.words
      this.highs[slot] = windowRestore(this.words, base, this.g, w.highSeq)
      // Seqs the file says were never seen stay acceptable (if still inside this guard's window).
      for (const seq of w.unseen ?? []) {
        if (w.highSeq - seq >= this.g.size) continue
        const lo = seq >>> 0
        this.words[base + ((lo >>> 5) & this.g.mask)]! &= ~(1 << (lo & 31))
      }
      this.highTs[slot] = w.highTimestampMs
    }
  }

  private snapshot (now: number, clean: boolean): Uint8Array {
    const windows: PersistedWindow[] = new Array(this.count)
    let i = 0
    for (let slot = this.head; slot >= 0; slot = this.next[slot]!) {
      const w: PersistedWindow = {
        sender: this.senders[slot]!,
        channel: this.buckets[slot]!.channel,
        highSeq: this.highs[slot]!,
        highTimestampMs: this.highTs[slot]!,
        floorMs: this.floors[slot]!
      }
      const unseen = this.unseenBelowHigh(slot)
      windows[i++] = unseen === undefined ? w : { ...w, unseen }
    }
    return encodeReplayState({
      clean,
      lastFlushMs: this.lastStamp = Math.max(this.lastStamp, now),
      flushIntervalMs: this.flushInterval,
      maxClockSkewMs: this.maxSkew,
      floorMs: this.floor,
      windows
    })
  }

  /** Never-seen seqs just below the window's high (see `PersistedWindow.unseen`), highest first. */
  private unseenBelowHigh (slot: number): number[] | undefined {
    const high = this.highs[slot]!
    const base = slot * this.g.words
    const span = Math.min(PERSISTED_UNSEEN_SPAN, this.g.size, high + 1)
    let out: number[] | undefined
    for (let d = 1; d < span; d++) {
      const lo = (high - d) >>> 0
      const word = this.words[base + ((lo >>> 5) & this.g.mask)]!
      // A full word: skip its lower bits too.
      if (word === 0xffff_ffff) {
        d += lo & 31
        continue
      }
      if ((word & (1 << (lo & 31))) === 0) {
        (out ??= []).push(high - d)
        if (out.length === MAX_PERSISTED_UNSEEN) break
      }
    }
    return out
  }

  private flushSync (now: number, clean: boolean): void {
    const bytes = this.snapshot(now, clean)
    const gen = ++this.generation
    this.dirty = false
    try {
      writeFileAtomicSync(this.path!, bytes)
    } catch (err) {
      this.dirty = true
      throw err
    }
    this.renamedGeneration = gen
    this.durableUntil = Math.max(this.durableUntil, now + this.flushInterval)
  }

  async flush (): Promise<void> {
    if (this.path === undefined || this.closed) return
    if (this.inFlight !== undefined) await this.inFlight
    const now = this.clock()
    const bytes = this.snapshot(now, false)
    const gen = ++this.generation
    this.dirty = false
    // A synchronous flush may overtake this write; never rename an older state over a newer one.
    const p = writeFileAtomic(this.path, bytes, () => {
      if (gen < this.renamedGeneration) return false
      this.renamedGeneration = gen
      return true
    }).then(renamed => {
      if (renamed) this.durableUntil = Math.max(this.durableUntil, now + this.flushInterval)
    }, err => {
      this.dirty = true
      throw err
    }).finally(() => {
      if (this.inFlight === p) this.inFlight = undefined
    })
    this.inFlight = p
    await p
  }

  async close (): Promise<void> {
    if (this.closed) return
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    if (this.path !== undefined) {
      if (this.inFlight !== undefined) await this.inFlight.catch(() => {})
      this.flushSync(this.clock(), true)
    }
    this.closed = true
    this.lock?.release()
    this.lock = undefined
  }
}

function growF64 (a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n)
  b.set(a)
  return b
}

function growI32 (a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n)
  b.set(a)
  return b
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
