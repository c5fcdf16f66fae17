/**
 * Crash-safe persistence of a replay guard's windows (state file format
 * `wireseal/replay-state` v2, see store.ts): the file is held under an
 * exclusive lock, loaded at start and rewritten at once marked unclean,
 * flushed in the background while commits happen, and written synchronously
 * before a commit the last durable file does not cover. After a crash the
 * restored floor refuses every timestamp the dead writer may have accepted
 * unpersisted (SPEC.md 13: "after a restart, a timestamp at or below the
 * receiver's floor").
 *
 * @module
 */
import { MalformedInputError, StorageError } from '../errors.js'
import { acquireLockFileSync, lockPathFor, type StateLock } from './lock.js'
import type { WindowSlab } from './slab.js'
import {
  asCorruptState, cleanStaleTempFiles, decodeReplayState, encodeReplayState, readStateFile, REPLAY_STATE_FORMAT,
  writeFileAtomic, writeFileAtomicSync, type ReplayState
} from './store.js'

/** Settings of {@link ReplayPersistence} (validated by the caller; see `ReplayGuardInit`). */
export interface ReplayPersistenceInit {
  path: string
  /** The windows persisted (empty: loading fills them). */
  slab: WindowSlab
  /** The guard's clock (ms). */
  clock: () => number
  /** Longest a commit may stay unpersisted (ms); the background flush runs every half of it. */
  flushIntervalMs: number
  /** The guard's clock-skew allowance, recorded in the file (it bounds the crash floor). */
  maxClockSkewMs: number
  /** Largest state file read (bytes). */
  maxStateFileBytes: number
  /** Discard an existing file (the floor then covers what the previous run may have accepted). */
  startFresh: boolean
  /** Take `<path>.lock` (false: the caller holds a lock covering the file). */
  lock: boolean
  /** How long to wait for the lock (ms). */
  lockWaitMs: number
}

/** What the file is written as: `clean` only by `close()`. */
interface Snapshot {
  nowMs: number
  clean: boolean
}

/** The state file of one guard, from load to `close()`. */
export class ReplayPersistence {
  private readonly path: string
  private readonly slab: WindowSlab
  private readonly clock: () => number
  private readonly flushInterval: number
  private readonly maxSkew: number
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

  /**
   * Takes the lock (unless `init.lock` is false), removes stale temp files,
   * loads the state file into `init.slab` (`CorruptStateError` for a damaged
   * one unless `startFresh`), writes it back marked unclean, then starts the
   * background flush.
   */
  constructor (init: ReplayPersistenceInit) {
    this.path = init.path
    this.slab = init.slab
    this.clock = init.clock
    this.flushInterval = init.flushIntervalMs
    this.maxSkew = init.maxClockSkewMs
    if (init.lock) this.lock = acquireLockFileSync(lockPathFor(this.path), { waitMs: init.lockWaitMs })
    try {
      const now = this.clock()
      this.read(init, now)
      // Mark the file unclean at once: from here on a crash must be detectable.
      this.writeSync({ nowMs: now, clean: false })
    } catch (err) {
      this.lock?.release()
      throw err
    }
    this.timer = setInterval(() => {
      if (this.dirty && this.inFlight === undefined) this.flush().catch(() => { /* the next commit flushes synchronously and throws */ })
    }, Math.floor(this.flushInterval / 2))
    this.timer.unref()
  }

  /** Loads the file, if any, into the slab. */
  private read (init: ReplayPersistenceInit, now: number): void {
    // Under the lock, every temp file of this path is a leftover of a writer that died mid-write.
    cleanStaleTempFiles(this.path)
    let bytes: Uint8Array | undefined
    try {
      bytes = readStateFile(this.path, REPLAY_STATE_FORMAT, init.maxStateFileBytes)
    } catch (err) {
      if (!init.startFresh || !(err instanceof MalformedInputError)) throw asCorruptState(this.path, err)
      bytes = new Uint8Array(0) // oversized: discarded like a damaged file
    }
    if (bytes === undefined) return
    if (init.startFresh) {
      // The previous run accepted nothing timestamped later than (its last acceptance) + skew <= now + skew.
      this.slab.raiseFloor(now + this.maxSkew)
      return
    }
    let state: ReplayState
    try {
      state = decodeReplayState(bytes)
    } catch (err) {
      throw asCorruptState(this.path, err)
    }
    // Unclean stop: the writer accepted nothing after lastFlush + interval without a newer file,
    // and nothing timestamped beyond acceptance time + its clock-skew allowance.
    const crashFloor = state.clean ? -Infinity : state.lastFlushMs + state.flushIntervalMs + state.maxClockSkewMs
    this.slab.raiseFloor(Math.max(state.floorMs, crashFloor))
    this.slab.restore(state.windows, crashFloor)
  }

  /** Throws {@link StorageError} once closed: a closed guard accepts nothing it could not persist. */
  checkOpen (): void {
    if (this.closed) throw new StorageError(this.path, 'commit', 'the replay guard is closed')
  }

  /** Before accepting a commit at `now`: writes the file first if the last durable one does not cover `now` (the crash bound). */
  beforeCommit (now: number): void {
    if (now > this.durableUntil) this.writeSync({ nowMs: now, clean: false })
  }

  /** After a commit: the next background flush writes it. */
  committed (): void {
    this.dirty = true
  }

  private snapshot (s: Snapshot): Uint8Array {
    return encodeReplayState({
      clean: s.clean,
      lastFlushMs: this.lastStamp = Math.max(this.lastStamp, s.nowMs),
      flushIntervalMs: this.flushInterval,
      maxClockSkewMs: this.maxSkew,
      floorMs: this.slab.floorMs,
      windows: this.slab.persisted()
    })
  }

  private writeSync (s: Snapshot): void {
    const bytes = this.snapshot(s)
    const gen = ++this.generation
    this.dirty = false
    try {
      writeFileAtomicSync(this.path, bytes)
    } catch (err) {
      this.dirty = true
      throw err
    }
    this.renamedGeneration = gen
    this.durableUntil = Math.max(this.durableUntil, s.nowMs + this.flushInterval)
  }

  /** Writes the file now, off the event loop but for the snapshot. */
  async flush (): Promise<void> {
    if (this.closed) return
    if (this.inFlight !== undefined) await this.inFlight
    const now = this.clock()
    const bytes = this.snapshot({ nowMs: now, clean: false })
    const gen = ++this.generation
    this.dirty = false
    // A synchronous write may overtake this one; never rename an older state over a newer one.
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

  /** Stops the background flush, writes the file marked clean and releases the lock. */
  async close (): Promise<void> {
    if (this.closed) return
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    if (this.inFlight !== undefined) await this.inFlight.catch(() => {})
    this.writeSync({ nowMs: this.clock(), clean: true })
    this.closed = true
    this.lock?.release()
    this.lock = undefined
  }
}
