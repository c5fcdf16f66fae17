/**
 * The frame writer of a wireseal stream (SPEC.md 14.2): frames envelopes as
 * `uvarint(length) || envelope` and queues them on the stream. When
 * `stream.send()` returns false (the muxer's window or the socket is full) a
 * write waits for the next `drain` event, a fresh listener each time: in
 * @libp2p/utils 7.4 `stream.onDrain()` keeps returning its first,
 * already-resolved promise, so it stops waiting after the first drain. Waiting
 * writes share one drain deadline.
 *
 * @module
 */
import type { StreamCloseEvent } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { AbortError, DeadlineError, SizeLimitError, StreamClosedError } from '../errors.js'
import { varintLength, writeVarint } from '../varint.js'
import { isAborted, isBroken, type StreamControl } from './stream-control.js'
import type { DeadlineSource, Pace } from './stream-deadlines.js'
import type { StreamStats } from './stream.js'

/** Minimal unsigned LEB128 of a safe integer. */
export function encodeUvarint (n: number): Uint8Array {
  const out = new Uint8Array(varintLength(n))
  writeVarint(out, 0, n)
  return out
}

/** Frames one envelope: `uvarint(length) || envelope`, without copying the envelope. */
export function frameEnvelope (envelope: Uint8Array): Uint8ArrayList {
  return new Uint8ArrayList(encodeUvarint(envelope.length), envelope)
}

/** The promise of a write that found room (shared: a settled promise never changes). */
const WRITTEN: Promise<void> = Promise.resolve()

/** Options of a {@link FrameWriter}. */
export interface FrameWriterInit {
  control: StreamControl
  stats: StreamStats
  maxFrameBytes: number
  pace: Pace
}

/** A write waiting for the stream to drain. */
interface DrainWaiter {
  resolve: () => void
  reject: (err: unknown) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

/** Framed bytes to queue, and how many frames they hold. */
interface Framed {
  bytes: Uint8ArrayList
  frames: number
  signal: AbortSignal | undefined
}

/** Writes frames on one stream, waiting for it to drain. */
export class FrameWriter implements DeadlineSource {
  private readonly control: StreamControl
  private readonly stats: StreamStats
  private readonly maxFrameBytes: number
  private readonly pace: Pace
  // Writes waiting for the stream to drain share one deadline.
  private drainWaiters = 0
  private drainStartedAt = 0
  private drainExpected = 0
  /** Writes waiting for the next `drain` event. */
  private readonly drainWaiting: DrainWaiter[] = []
  /** The `drain` and `close` listeners are on the stream. */
  private listening = false

  constructor (init: FrameWriterInit) {
    this.control = init.control
    this.stats = init.stats
    this.maxFrameBytes = init.maxFrameBytes
    this.pace = init.pace
  }

  /** Writes one envelope as a frame (no copy of it); refuses one over `maxFrameBytes`. */
  writeFrame (envelope: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    if (envelope.length > this.maxFrameBytes) return Promise.reject(new SizeLimitError('frame', this.maxFrameBytes, envelope.length))
    const framed: Framed = { bytes: frameEnvelope(envelope), frames: 1, signal }
    if (this.control.stream.writableNeedsDrain) return this.send(framed)
    // The stream has room: queue synchronously; no promise of our own unless the stream is now full.
    try {
      return this.queue(framed) ? WRITTEN : this.waitForDrain(signal)
    } catch (err) {
      return Promise.reject(err)
    }
  }

  /** Writes envelopes as consecutive frames in ONE send: concurrent writers cannot slip a frame between them. */
  async writeFrames (envelopes: readonly Uint8Array[], signal: AbortSignal | undefined): Promise<void> {
    const bytes = new Uint8ArrayList()
    for (const envelope of envelopes) bytes.append(frameEnvelope(envelope))
    await this.send({ bytes, frames: envelopes.length, signal })
  }

  /** Queues framed bytes once the stream has room, then waits for it to drain if it is now full. */
  private async send (framed: Framed): Promise<void> {
    // Concurrent writers: each waits until the stream has room before queueing.
    if (this.control.stream.writableNeedsDrain) await this.waitForDrain(framed.signal)
    if (!this.queue(framed)) await this.waitForDrain(framed.signal)
  }

  /** Hands framed bytes to the stream; false when it is now full (wait for a drain). */
  private queue (framed: Framed): boolean {
    const { bytes, signal } = framed
    const s = this.control.stream
    this.checkWritable(signal)
    let more: boolean
    try {
      more = s.send(bytes)
    } catch (err) {
      throw this.control.failure ?? new StreamClosedError('write', s.status, { cause: err })
    }
    this.stats.framesWritten += framed.frames
    this.stats.bytesWritten += bytes.byteLength
    // Bytes queued while writes wait extend their shared deadline by their own drain time.
    if (this.drainWaiters > 0) this.drainExpected += bytes.byteLength
    return more
  }

  private checkWritable (signal: AbortSignal | undefined): void {
    if (signal?.aborted === true) throw new AbortError('write', { cause: signal.reason })
    const failure = this.control.failure
    if (failure !== undefined) throw failure
    const s = this.control.stream
    if (s.writeStatus !== 'writable') throw new StreamClosedError('write', isBroken(s) ? s.status : `${s.writeStatus} for writing`)
  }

  /**
   * Waits for `drain` events until the stream no longer needs one. Every
   * waiting write shares one deadline, armed by the first: the bytes queued
   * then, plus those queued while any write waits, must drain at
   * `minBytesPerSecond` (a peer that stops reading cannot hold a writer).
   */
  private async waitForDrain (signal: AbortSignal | undefined): Promise<void> {
    const s = this.control.stream
    if (this.drainWaiters++ === 0) {
      this.drainStartedAt = Date.now()
      this.drainExpected = s.writeBufferLength
      this.control.timer.schedule()
    }
    try {
      while (s.writableNeedsDrain) {
        this.checkWritable(signal)
        this.stats.drainWaits++
        await this.nextDrain(signal)
        // the 'drain' listener of the stream itself resumes sending in a microtask
        // queued before ours, which may set writableNeedsDrain again: loop
      }
    } finally {
      this.drainWaiters--
    }
  }

  /** The next `drain` event; rejects on close, abort or the stream's failure. */
  private nextDrain (signal: AbortSignal | undefined): Promise<void> {
    if (!this.listening) {
      // Two listeners for the stream's life, added at its first wait (not a pair per wait).
      this.listening = true
      const s = this.control.stream
      s.addEventListener('drain', this.onDrain)
      s.addEventListener('close', this.onClose)
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: DrainWaiter = { resolve, reject, signal, onAbort: undefined }
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const at = this.drainWaiting.indexOf(waiter)
          if (at >= 0) this.drainWaiting.splice(at, 1)
          reject(new AbortError('write', { cause: signal.reason }))
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.drainWaiting.push(waiter)
    })
  }

  /** Settles every write waiting for a drain. */
  private settle (each: (waiter: DrainWaiter) => void): void {
    for (const waiter of this.drainWaiting.splice(0)) {
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener('abort', waiter.onAbort)
      each(waiter)
    }
  }

  private readonly onDrain = (): void => { this.settle((w) => { w.resolve() }) }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    const s = this.control.stream
    this.settle((w) => { w.reject(this.control.failure ?? new StreamClosedError('write', s.status, { cause: evt.error })) })
  }

  /** Rejects every write waiting for a drain with the stream's failure. */
  failWaiting (): void {
    this.settle((w) => { w.reject(this.control.failure) })
  }

  /** Closes the writable end once queued frames are flushed. */
  async close (signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) throw new AbortError('close', { cause: signal.reason })
    const failure = this.control.failure
    if (failure !== undefined) throw failure
    const s = this.control.stream
    try {
      await s.close({ signal })
    } catch (err) {
      if (isAborted(signal)) throw new AbortError('close', { cause: signal?.reason })
      throw this.control.failure ?? new StreamClosedError('close', s.status, { cause: err })
    }
  }

  nextDeadline (): number {
    return this.drainWaiters > 0 ? this.drainStartedAt + this.pace.allowance(this.drainExpected) : Infinity
  }

  overdue (now: number): DeadlineError | undefined {
    if (this.drainWaiters === 0) return undefined
    const limit = this.pace.allowance(this.drainExpected)
    if (now < this.drainStartedAt + limit) return undefined
    return new DeadlineError('write', 'drain', limit, Math.max(0, this.drainExpected - this.control.stream.writeBufferLength), this.drainExpected)
  }
}
