/**
 * The frame reader of a wireseal stream (SPEC.md 14.2): it listens to the
 * stream's `message` events from the start, follows `uvarint(length) || body`
 * boundaries as bytes arrive, refuses a non-minimal or oversized prefix
 * before any body byte is kept, holds the arriving frame against the budget,
 * keeps its frame and idle deadlines, and pauses the stream above the
 * high-water mark ({@link ReadFlow}). Complete frames are cut out as they
 * arrive (a view of the chunk when the body lies in one, else one copy when
 * taken, into the read's {@link FrameScratch} if it passed one) and waiting
 * reads are served in order, synchronously from the `message` event.
 *
 * @module
 */
import type { StreamMessageEvent } from '@libp2p/interface'
import { AbortError, DeadlineError, StreamClosedError, type WiresealError } from '../errors.js'
import { isBroken, isReadEnded, type StreamControl } from './stream-control.js'
import type { DeadlineSource, Pace } from './stream-deadlines.js'
import { FrameCutter } from './stream-frame-cutter.js'
import type { FrameScratch } from './stream-frame-memory.js'
import { ReadFlow } from './stream-read-flow.js'
import type { StreamStats } from './stream.js'

/** A read waiting for a frame (served in order by serve()). */
interface ReadWaiter {
  resolve: (frame: Uint8Array | undefined) => void
  reject: (err: unknown) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
  /** Where a spanning body is copied (undefined: memory of its own). */
  scratch: FrameScratch | undefined
}

/** What poll() returns when no frame is there yet. */
const PENDING = Symbol('pending')

/** Options of a {@link FrameReader}. */
export interface FrameReaderInit {
  control: StreamControl
  stats: StreamStats
  maxFrameBytes: number
  highWaterMark: number
  pace: Pace
  /** Idle limit between frames (ms; Infinity: none). */
  idleMs: number
}

/** Reads whole frames off one stream. */
export class FrameReader implements DeadlineSource {
  private readonly control: StreamControl
  private readonly stats: StreamStats
  private readonly highWaterMark: number
  private readonly pace: Pace
  private readonly idleMs: number
  private readonly flow: ReadFlow
  private readonly cutter: FrameCutter
  /** Reads waiting for a frame, served in order. */
  private readonly waiters: ReadWaiter[] = []
  /** serve() is running: a nested call (from a dispatch inside resume()) leaves the work to it. */
  private serving = false
  /** When the last byte arrived, shifted by the time the reader kept the stream paused since (idle deadline). */
  private lastByteAt = 0
  /** When a read began waiting for bytes (idle deadline); -1: no read waiting. */
  private waitingSince = -1
  /** The stream closed: nothing more arrives. */
  private closedNow = false

  constructor (init: FrameReaderInit) {
    this.control = init.control
    this.stats = init.stats
    this.cutter = new FrameCutter({ maxFrameBytes: init.maxFrameBytes })
    this.highWaterMark = init.highWaterMark
    this.pace = init.pace
    this.idleMs = init.idleMs
    this.flow = new ReadFlow({
      stream: init.control.stream,
      stats: init.stats,
      unpaused: (pausedFor) => {
        this.cutter.startedAt += pausedFor
        this.lastByteAt += pausedFor
        this.control.timer.schedule()
      }
    })
  }

  /** Starts listening: deadlines and the budget hold whether or not the application reads yet. */
  start (): void {
    const s = this.control.stream
    // Adding a 'message' listener makes the stream dispatch what it buffered before.
    s.addEventListener('message', this.onMessage)
    s.addEventListener('remoteCloseWrite', this.onEnd)
    s.addEventListener('close', this.onClose)
  }

  /** True once the stream closed. */
  get closed (): boolean {
    return this.closedNow
  }

  /** Bytes of the frame arriving now (held against the budget). */
  get arrivingBytes (): number {
    return this.cutter.arrivingBytes
  }

  /** Drops everything buffered (the stream failed). */
  discard (): void {
    this.cutter.discard()
  }

  /** Settles the waiting reads the stream's state now answers (a frame, the end, an error). */
  notify (): void {
    if (this.waiters.length > 0) this.serve()
  }

  // ---- deadlines ----

  nextDeadline (): number {
    // While the reader keeps the stream paused the remote cannot send: its clocks stop.
    if (this.flow.paused) return Infinity
    const cutter = this.cutter
    if (cutter.arrivingBytes > 0) return cutter.startedAt + this.pace.allowance(cutter.arrivingExpected)
    if (this.waitingSince >= 0 && this.idleMs < Infinity) return Math.max(this.lastByteAt, this.waitingSince) + this.idleMs
    return Infinity
  }

  overdue (now: number): DeadlineError | undefined {
    if (this.flow.paused) return undefined
    const cutter = this.cutter
    if (cutter.arrivingBytes > 0) {
      const limit = this.pace.allowance(cutter.arrivingExpected)
      if (now >= cutter.startedAt + limit) return new DeadlineError('read', 'frame', limit, cutter.arrivingBytes, cutter.arrivingExpected)
    } else if (this.waitingSince >= 0 && now >= Math.max(this.lastByteAt, this.waitingSince) + this.idleMs) {
      return new DeadlineError('read', 'idle', this.idleMs, 0, 0)
    }
    return undefined
  }

  // ---- arrival ----

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    const control = this.control
    if (control.failure !== undefined) return
    const data = evt.data
    this.stats.bytesRead += data.byteLength
    const now = Date.now()
    this.lastByteAt = now
    let bad: WiresealError<object> | undefined
    const cutter = this.cutter
    if (data instanceof Uint8Array) bad = cutter.scan(data, now)
    else for (const chunk of data) if ((bad = cutter.scan(chunk, now)) !== undefined) break
    if (bad !== undefined) {
      // Bad framing: the stream is lost; the reader sees the error.
      control.abort(bad)
      return
    }
    const held = cutter.heldBytes
    if (held > this.stats.maxBufferedBytes) this.stats.maxBufferedBytes = held
    if (!control.hold()) return
    if (cutter.arrivingBytes > 0) control.timer.schedule()
    // Pause only once a whole frame waits: a frame larger than the mark is read whole.
    if (!this.flow.paused && !this.flow.resuming && this.overMark()) this.flow.pause()
    this.notify()
  }

  private readonly onEnd = (): void => { this.notify() }

  private readonly onClose = (): void => {
    // Nothing more arrives: an unfinished frame can only end as a truncation, reported by the next read.
    this.closedNow = true
    this.control.release()
    this.notify()
  }

  /** At or over the high-water mark with a whole frame waiting. */
  private overMark (): boolean {
    const held = this.cutter.heldBytes
    return held >= this.highWaterMark && held > this.cutter.arrivingBytes
  }

  private resume (): void {
    if (this.flow.resume() && this.overMark()) this.flow.pause()
  }

  /** The next complete frame, resuming the stream once the consumer took it below the mark. */
  private takeFrame (scratch: FrameScratch | undefined): Uint8Array | undefined {
    const frame = this.cutter.take(scratch)
    if (frame === undefined) return undefined
    this.stats.framesRead++
    if (this.cutter.heldBytes < this.highWaterMark) this.resume()
    return frame
  }

  // ---- taking frames ----

  /**
   * The next frame, the end (undefined) or the error of a read, or PENDING
   * when it must wait for bytes. Resumes the stream as the consumer drains it.
   */
  private poll (signal: AbortSignal | undefined, scratch: FrameScratch | undefined): Uint8Array | undefined | typeof PENDING {
    while (true) {
      if (signal?.aborted === true) throw new AbortError('read', { cause: signal.reason })
      const failure = this.control.failure
      if (failure !== undefined) throw failure
      const frame = this.takeFrame(scratch)
      if (frame !== undefined) return frame
      const s = this.control.stream
      if (isReadEnded(s) && s.readBufferLength === 0) {
        if (isBroken(s)) throw new StreamClosedError('read', s.status)
        const truncated = this.cutter.truncation()
        if (truncated !== undefined) this.fail(truncated)
        return undefined
      }
      // Need more bytes: let the remote send (a frame bigger than the mark is read whole).
      // resume() may dispatch what the stream buffered meanwhile: look again.
      if (!this.flow.paused) return PENDING
      this.resume()
    }
  }

  /** Fails the stream on bad framing: abort it, drop what was buffered, throw. */
  private fail (err: WiresealError<object>): never {
    this.control.abort(err)
    throw err
  }

  /**
   * The next frame body, or undefined once the remote closed; concurrent reads
   * each get whole frames, in order. With `scratch`, a body that spans chunks
   * is copied into it (overwriting the last body taken through it).
   */
  readFrame (signal: AbortSignal | undefined, scratch?: FrameScratch): Promise<Uint8Array | undefined> {
    if (this.waiters.length === 0) {
      try {
        const now = this.poll(signal, scratch)
        if (now !== PENDING) return Promise.resolve(now)
      } catch (err) {
        return Promise.reject(err)
      }
    } else if (signal?.aborted === true) {
      return Promise.reject(new AbortError('read', { cause: signal.reason }))
    }
    // One promise per waiting read, settled by serve() when its frame, the end or an error comes.
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      const waiter: ReadWaiter = { resolve, reject, signal, onAbort: undefined, scratch }
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const at = this.waiters.indexOf(waiter)
          if (at < 0) return
          this.waiters.splice(at, 1)
          if (this.waiters.length === 0) this.waitingSince = -1
          reject(new AbortError('read', { cause: signal.reason }))
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.waiters.push(waiter)
      if (this.waiters.length === 1) {
        this.waitingSince = Date.now()
        if (this.idleMs < Infinity) this.control.timer.schedule()
      }
    })
  }

  /** Settles waiting reads, in order, while frames (or the end, or an error) are there for them. */
  private serve (): void {
    if (this.serving) return
    this.serving = true
    let served = false
    try {
      while (this.waiters.length > 0) {
        const waiter = this.waiters[0] as ReadWaiter
        let frame: Uint8Array | undefined | typeof PENDING
        let error: unknown
        let failed = false
        try {
          frame = this.poll(waiter.signal, waiter.scratch)
        } catch (err) {
          error = err
          failed = true
        }
        if (frame === PENDING) break
        this.waiters.shift()
        served = true
        if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort)
        if (failed) waiter.reject(error)
        else waiter.resolve(frame)
      }
    } finally {
      this.serving = false
      // The idle clock of the next waiting read starts now.
      if (this.waiters.length === 0) this.waitingSince = -1
      else if (served) this.waitingSince = Date.now()
    }
  }

  /**
   * Fast path: a frame already buffered, handed over synchronously when no
   * other read is waiting (no promise per frame). Undefined when the caller
   * must wait through {@link readFrame}.
   */
  takeBuffered (signal: AbortSignal | undefined, scratch?: FrameScratch): Uint8Array | undefined {
    if (this.waiters.length > 0 || this.control.failure !== undefined || signal?.aborted === true) return undefined
    return this.takeFrame(scratch)
  }

  /** The next frame body: a buffered one at once (no promise), else through {@link readFrame}. */
  next (signal: AbortSignal | undefined, scratch?: FrameScratch): Uint8Array | Promise<Uint8Array | undefined> {
    return this.takeBuffered(signal, scratch) ?? this.readFrame(signal, scratch)
  }
}
