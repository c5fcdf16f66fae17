/**
 * What the frame reader, the frame writer and the envelope layer of one
 * wireseal stream share: the libp2p stream, its failure (set once, thrown by
 * every later operation), its deadline timer and its budget reservation.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import type { DeadlineTimer } from './stream-deadlines.js'

/** The shared state of one stream, owned by the envelope layer. */
export interface StreamControl {
  readonly stream: Stream
  /** Set when the stream ended abnormally; every later operation throws it. */
  readonly failure: Error | undefined
  /** The one timer of the stream's deadlines. */
  readonly timer: DeadlineTimer
  /** Resets the stream: pending and later reads and writes fail. */
  abort(err: Error): void
  /** Reserves what the stream holds now in its budget; false when refused (the stream is then reset). */
  hold(): boolean
  /** Disarms the timer and releases the budget (the stream ended). */
  release(): void
}

/** The remote will send nothing more. */
export function isReadEnded (s: Stream): boolean {
  return s.remoteWriteStatus === 'closed' || s.readStatus === 'closed' || s.status === 'closed' || s.status === 'aborted' || s.status === 'reset'
}

/** The stream was aborted or reset. */
export function isBroken (s: Stream): boolean {
  return s.status === 'aborted' || s.status === 'reset'
}

/** The signal fired (a function, so a check after an earlier one is not narrowed away). */
export function isAborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}
