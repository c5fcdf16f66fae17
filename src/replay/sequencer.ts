/**
 * Sender-side sequence numbers: strictly increasing per channel, never reused
 * across restarts, so a receiver's RFC 6479 window (RFC 4303 3.4.3) never
 * mistakes a new message for a replay.
 *
 * Seeding: a channel's first number in a process is
 * `max(persisted reservation + 1, floor(Date.now()) * 1024)`. The time seed
 * alone keeps numbers increasing across restarts while the sender averages
 * under 1,024 messages per millisecond per channel and the clock does not go
 * back; it reaches 2^53 in the year 2248.
 *
 * Lease: with a state file, the sequencer writes `reservedUpTo = n + lease`
 * (atomically, synchronously) before handing out any number above the
 * previous reservation, so a restart resumes above every number that may have
 * been used, whatever the clock does, and disk is touched once per lease.
 * The write happens inside `next()` (`writeFileSync`-style, one small file:
 * typically well under a millisecond plus one fsync) when a lease runs out.
 *
 * One writer: with a state file the sequencer holds the lock `<path>.lock`
 * from creation to `close()` (or process exit). Two processes sharing the
 * file would otherwise both read the same reservation (or none) and, started
 * in the same millisecond, hand out the same numbers.
 *
 * @module
 */
import { DEFAULT_MAX_STATE_FILE_BYTES, DEFAULT_SEQUENCER_LEASE } from '../limits.js'
import { InvalidValueError, MalformedInputError, StorageError } from '../errors.js'
import { checkPositiveInt } from '../options/checks.js'
import { asCorruptState, cleanStaleTempFiles, decodeStateFile, encodeStateFile, readStateFile, writeFileAtomicSync } from './store.js'
import { acquireLockFileSync, lockPathFor, type StateLock } from './lock.js'

/** `format` field of a sequencer state file. */
export const SEQUENCER_STATE_FORMAT = 'wireseal/sequencer-state'
/** Current sequencer state file version. */
export const SEQUENCER_STATE_VERSION = 1

/** Numbers per millisecond of the time seed. */
export const SEQUENCER_TIME_SCALE = 1024

/** Options of {@link createSequencer}. */
export interface SequencerInit {
  /**
   * State file holding each channel's reservation. Without it the sequencer
   * relies on the time seed only (see the module notes).
   * @default undefined (in memory)
   */
  path?: string
  /**
   * Numbers reserved per disk write.
   * @default DEFAULT_SEQUENCER_LEASE (1,048,576)
   */
  leaseSize?: number
  /**
   * Clock (ms since epoch) for the time seed.
   * @default Date.now
   */
  now?: () => number
  /**
   * Ignore an existing (possibly corrupt) state file instead of throwing
   * `MalformedInputError`; numbers then rest on the time seed alone.
   * @default false
   */
  startFresh?: boolean
  /**
   * Largest state file read at start.
   * @default DEFAULT_MAX_STATE_FILE_BYTES (64 MiB)
   */
  maxStateFileBytes?: number
  /**
   * Hold the exclusive lock `<path>.lock` until `close()` (see the module
   * notes); a second holder gets `StateLockedError`. Pass false only when the
   * caller already holds a lock covering the file (e.g. `acquireStateLock` on
   * its directory).
   * @default true
   */
  lock?: boolean
  /**
   * How long creation waits for another holder of the lock (ms), blocking the thread.
   * @default 0 (refuse at once)
   */
  lockWaitMs?: number
}

/** Hands out sequence numbers for outgoing envelopes. */
export interface Sequencer {
  /**
   * The next sequence number of `channel`: a safe integer greater than every
   * number returned before for this channel, in this process or (with a
   * state file) any earlier one. Synchronous; writes the state file when the
   * channel's lease runs out, throwing `StorageError` if that fails.
   */
  next (channel: string): number
  /** How many times the state file was written (tests, metrics). */
  readonly writes: number
}

/** The {@link Sequencer} that {@link createSequencer} returns: it owns its state file's lock. */
export interface LeasedSequencer extends Sequencer {
  /**
   * Releases the state file's lock; `next()` then throws `StorageError`.
   * Reservations are already durable, so nothing is written. No-op in memory.
   */
  close (): void
}

interface ChannelState {
  /** Last number handed out. */
  last: number
  /** Highest number covered by the durable reservation. */
  reserved: number
}

class LeaseSequencer implements LeasedSequencer {
  writes = 0
  private readonly channels = new Map<string, ChannelState>()
  /** Reservations read from the file, for channels not used yet in this process. */
  private readonly persisted = new Map<string, number>()
  private readonly lease: number
  private readonly clock: () => number
  private readonly path: string | undefined
  private lock: StateLock | undefined
  private closed = false

  constructor (init: SequencerInit) {
    this.lease = checkPositiveInt('leaseSize', init.leaseSize ?? DEFAULT_SEQUENCER_LEASE, 2 ** 40)
    this.clock = init.now ?? Date.now
    this.path = init.path
    if (this.path === undefined) return
    if (init.lock !== false) this.lock = acquireLockFileSync(lockPathFor(this.path), { waitMs: init.lockWaitMs ?? 0 })
    try {
      // Under the lock, every temp file of this path is a leftover of a writer that died mid-write.
      cleanStaleTempFiles(this.path)
      if (init.startFresh !== true) {
        const max = init.maxStateFileBytes ?? DEFAULT_MAX_STATE_FILE_BYTES
        const bytes = readStateFile(this.path, SEQUENCER_STATE_FORMAT, max)
        if (bytes !== undefined) this.load(bytes)
      }
    } catch (err) {
      this.lock?.release()
      throw asCorruptState(this.path, err)
    }
  }

  close (): void {
    if (this.path === undefined) return
    this.closed = true
    this.lock?.release()
    this.lock = undefined
  }

  private load (bytes: Uint8Array): void {
    const obj = decodeStateFile(SEQUENCER_STATE_FORMAT, SEQUENCER_STATE_VERSION, bytes)
    if (!Array.isArray(obj.channels)) throw new MalformedInputError(SEQUENCER_STATE_FORMAT, 'channels: expected an array')
    for (const row of obj.channels as unknown[]) {
      if (!Array.isArray(row) || row.length !== 2 || typeof row[0] !== 'string' ||
          typeof row[1] !== 'number' || !Number.isSafeInteger(row[1]) || row[1] < 0) {
        throw new MalformedInputError(SEQUENCER_STATE_FORMAT, 'channels: expected [string, non-negative safe integer] rows')
      }
      if (this.persisted.has(row[0])) throw new MalformedInputError(SEQUENCER_STATE_FORMAT, 'channels: duplicate channel')
      this.persisted.set(row[0], row[1])
    }
  }

  next (channel: string): number {
    if (this.closed) throw new StorageError(this.path!, 'next', 'the sequencer is closed')
    let st = this.channels.get(channel)
    if (st === undefined) st = this.open(channel)
    const n = st.last + 1
    if (n > st.reserved) this.reserve(st, n)
    st.last = n
    return n
  }

  private open (channel: string): ChannelState {
    const seed = Math.floor(this.clock()) * SEQUENCER_TIME_SCALE
    const persisted = this.persisted.get(channel) ?? -1
    const first = Math.max(persisted + 1, Number.isSafeInteger(seed) && seed > 0 ? seed : 0)
    // `last` one below the first number; `reserved` the persisted mark, so the first call reserves if needed.
    const st: ChannelState = { last: first - 1, reserved: this.path === undefined ? Number.MAX_SAFE_INTEGER : persisted }
    this.channels.set(channel, st)
    return st
  }

  private reserve (st: ChannelState, n: number): void {
    if (n > Number.MAX_SAFE_INTEGER) throw new InvalidValueError('seq', 'a safe integer (the channel\'s sequence space is exhausted)')
    const reserved = Math.min(n + this.lease - 1, Number.MAX_SAFE_INTEGER)
    const old = st.reserved
    st.reserved = reserved
    try {
      this.save()
    } catch (err) {
      st.reserved = old
      throw err
    }
  }

  private save (): void {
    const rows: Array<[string, number]> = []
    for (const [channel, reserved] of this.persisted) {
      if (!this.channels.has(channel)) rows.push([channel, reserved])
    }
    // A channel whose first reservation failed has nothing durable to keep (-1).
    for (const [channel, st] of this.channels) if (st.reserved >= 0) rows.push([channel, st.reserved])
    writeFileAtomicSync(this.path!, encodeStateFile(SEQUENCER_STATE_FORMAT, SEQUENCER_STATE_VERSION, { channels: rows }))
    this.writes++
  }
}

/**
 * Creates a {@link Sequencer}. With `init.path`, reads the state file
 * synchronously (throws `CorruptStateError`, a `MalformedInputError`, if it
 * is damaged, unless `startFresh`) under the lock `<path>.lock`
 * (`StateLockedError` if another holder has it).
 */
export function createSequencer (init: SequencerInit = {}): LeasedSequencer {
  return new LeaseSequencer(init)
}
