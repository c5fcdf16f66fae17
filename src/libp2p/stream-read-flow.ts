/**
 * Read-side flow control of a libp2p v3 stream. The stream's async iterator
 * queues every chunk without bound and yamux grants window on receipt, not on
 * consumption; a reader that buffers `highWaterMark` bytes calls
 * `stream.pause()` instead, so yamux stops granting window and the sender's
 * `send()` returns false, and resumes once the consumer took frames.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'

/** Options of a {@link ReadFlow}. */
export interface ReadFlowInit {
  stream: Stream
  /** Counts the pauses. */
  stats: { pauses: number }
  /** Called on resume, before the stream dispatches what it buffered, with how long it was paused (ms). */
  unpaused: (pausedForMs: number) => void
}

/** Pauses and resumes one stream's reading. */
export class ReadFlow {
  private readonly stream: Stream
  private readonly stats: { pauses: number }
  private readonly unpaused: (pausedForMs: number) => void
  private pausedAt = 0
  private pausedNow = false
  private resumingNow = false

  constructor (init: ReadFlowInit) {
    this.stream = init.stream
    this.stats = init.stats
    this.unpaused = init.unpaused
  }

  /** True while this reader keeps the stream paused (the remote cannot send: its clocks stop). */
  get paused (): boolean {
    return this.pausedNow
  }

  /** True inside `stream.resume()`, which dispatches buffered data synchronously: no pause from there. */
  get resuming (): boolean {
    return this.resumingNow
  }

  pause (): void {
    const s = this.stream
    if (s.readStatus !== 'readable') return
    s.pause()
    this.pausedNow = true
    this.pausedAt = Date.now()
    this.stats.pauses++
    // While paused, the remote may still send the window it was granted. yamux
    // grows a stream's window up to 16 MiB but resets a paused stream whose read
    // buffer passes 4 MiB (its maxReadBufferLength): make room for that credit.
    const credit = (s as unknown as { recvWindowCapacity?: unknown }).recvWindowCapacity
    if (typeof credit === 'number' && Number.isFinite(credit) && credit > 0) {
      const room = s.readBufferLength + credit
      if (room > s.maxReadBufferLength) s.maxReadBufferLength = room
    }
  }

  /** Resumes a stream this reader paused; true when the stream dispatched what it buffered meanwhile. */
  resume (): boolean {
    if (!this.pausedNow) return false
    this.pausedNow = false
    // The remote could not send while paused: that time does not count against it.
    this.unpaused(Date.now() - this.pausedAt)
    if (this.stream.readStatus !== 'paused') return false
    // resume() dispatches buffered data synchronously and only then tells yamux
    // to grant window again: pausing from inside that dispatch would be undone
    // (yamux resumes while the stream reads as paused), so pause afterwards.
    this.resumingNow = true
    try {
      this.stream.resume()
    } finally {
      this.resumingNow = false
    }
    return true
  }
}
