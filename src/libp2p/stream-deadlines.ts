/**
 * The deadlines of one wireseal stream (SPEC.md 14.2): a frame, a chunked
 * message and a write waiting for the stream to drain must each finish within
 * `frameTimeoutMs + bytes / minBytesPerSecond` of their start ({@link Pace});
 * a read waiting between frames may have an idle limit. One timer per stream
 * serves them all: it is armed for the earliest deadline in force and re-armed
 * for a later one when it fires.
 *
 * @module
 */
import type { DeadlineError } from '../errors.js'

/** Longest delay setTimeout takes (2^31 - 1 ms); a later deadline is re-armed when it fires. */
const MAX_TIMER_MS = 0x7fff_ffff

/** The pace a remote must keep: a base allowance plus bytes at a minimum rate. */
export class Pace {
  private readonly baseMs: number
  private readonly msPerByte: number

  constructor (init: { baseMs: number, minBytesPerSecond: number }) {
    this.baseMs = init.baseMs
    this.msPerByte = 1000 / init.minBytesPerSecond
  }

  /** Time allowed for `bytes`: base + bytes / minimum rate (ms). */
  allowance (bytes: number): number {
    return this.baseMs + bytes * this.msPerByte
  }
}

/** Something with deadlines: the frame reader, the writer, a chunked read. */
export interface DeadlineSource {
  /** Its earliest deadline in force (ms since the epoch; Infinity: none). */
  nextDeadline(): number
  /** The deadline it missed at `now`, if any. */
  overdue(now: number): DeadlineError | undefined
}

/** Options of a {@link DeadlineTimer}. */
export interface DeadlineTimerInit {
  /** False once the stream failed or closed: nothing is armed any more. */
  live: () => boolean
  /** Called with the first missed deadline (the stream is then reset). */
  onMissed: (err: DeadlineError) => void
}

/** The one timer of a stream, for the earliest deadline of its sources. */
export class DeadlineTimer {
  /** Checked in this order when the timer fires: the first missed deadline wins. */
  private readonly sources: DeadlineSource[] = []
  private readonly live: () => boolean
  private readonly onMissed: (err: DeadlineError) => void
  private timer: ReturnType<typeof setTimeout> | undefined
  private timerAt = Infinity

  constructor (init: DeadlineTimerInit) {
    this.live = init.live
    this.onMissed = init.onMissed
  }

  /** Adds a source (checked after those added before it). */
  watch (source: DeadlineSource): void {
    this.sources.push(source)
  }

  /** Arms the timer for the earliest deadline, unless it is armed for one as early. */
  schedule (): void {
    // Once failed or closed nothing more arrives or drains: what is left is reported by the next read.
    if (!this.live()) return
    let at = Infinity
    for (const source of this.sources) at = Math.min(at, source.nextDeadline())
    if (at === Infinity || (this.timer !== undefined && this.timerAt <= at)) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(this.onTimer, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(at - Date.now()))))
    // A deadline never keeps the process alive on its own.
    this.timer.unref?.()
  }

  /** Disarms the timer. */
  stop (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    this.timerAt = Infinity
    if (!this.live()) return
    const now = Date.now()
    for (const source of this.sources) {
      const missed = source.overdue(now)
      if (missed !== undefined) {
        this.onMissed(missed)
        return
      }
    }
    this.schedule()
  }
}
