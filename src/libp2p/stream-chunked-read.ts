/**
 * Reading one chunked message off a stream (SPEC.md 9.2, 14.2): the head's
 * signature and replay state are checked first, then every chunk frame is
 * verified against the signed Merkle root as it arrives (nothing unverified
 * is kept). All chunks must arrive within the deadline of their total size,
 * counted from the head, and the verified chunks held meanwhile are reserved
 * in the stream's budget.
 *
 * @module
 */
import type { ChunkedReceiver, OpenRejected } from '../codec/index.js'
import { CHUNK_REJECT_REASON } from '../codec/reasons.js'
import { DeadlineError, MalformedInputError } from '../errors.js'
import type { WireLimits } from '../limits.js'
import type { StreamControl } from './stream-control.js'
import type { DeadlineSource, Pace } from './stream-deadlines.js'

/** The chunked message a stream is assembling, if any: its deadline and the bytes it holds. */
export class ChunkedAssembly implements DeadlineSource {
  /** Verified chunk bytes held (reserved in the budget). */
  bytes = 0
  /** -1: no chunked message being read. */
  private startedAt = -1
  private expected = 0
  private readonly pace: Pace

  constructor (init: { pace: Pace }) {
    this.pace = init.pace
  }

  /** A head announced `chunkCount` chunks: their deadline runs from now. */
  begin (expectedBytes: number): void {
    this.expected = expectedBytes
    this.startedAt = Date.now()
  }

  /** The message is delivered, refused or lost. */
  end (): void {
    this.startedAt = -1
    this.bytes = 0
  }

  nextDeadline (): number {
    return this.startedAt >= 0 ? this.startedAt + this.pace.allowance(this.expected) : Infinity
  }

  overdue (now: number): DeadlineError | undefined {
    if (this.startedAt < 0) return undefined
    const limit = this.pace.allowance(this.expected)
    return now >= this.startedAt + limit ? new DeadlineError('read', 'chunked', limit, this.bytes, this.expected) : undefined
  }
}

/** What {@link readChunks} needs from the stream. */
export interface ChunkSource {
  control: StreamControl
  assembly: ChunkedAssembly
  limits: WireLimits
  /** The next frame body, or undefined at the end of the stream. */
  next: (signal: AbortSignal | undefined) => Uint8Array | Promise<Uint8Array | undefined>
}

/**
 * Feeds the chunk frames that follow a verified head to `rx`. Resolves with
 * undefined once every chunk verified (call `rx.finish()`), or with the
 * rejection of a bad chunk, after skipping the rest of that message's frames.
 */
export async function readChunks (source: ChunkSource, rx: ChunkedReceiver, signal: AbortSignal | undefined): Promise<{ rejection: OpenRejected, frameBytes: number } | undefined> {
  const { control, assembly } = source
  // Each chunk frame carries at most chunkBytes of payload plus its proof and framing.
  assembly.begin(rx.chunkCount * (source.limits.chunkBytes + source.limits.envelopeOverheadBytes))
  control.timer.schedule()
  try {
    for (let i = 0; i < rx.chunkCount; i++) {
      const frame = await source.next(signal)
      if (frame === undefined) {
        const err = new MalformedInputError('stream-frame', `stream ended after ${i} of ${rx.chunkCount} chunks`)
        control.abort(err)
        throw err
      }
      const verdict = rx.accept(frame)
      if (!verdict.ok) {
        // The head is authenticated, so its chunk count is trusted: skip the rest of this payload's frames.
        for (let rest = i + 1; rest < rx.chunkCount; rest++) {
          if (await source.next(signal) === undefined) break
        }
        const rejection: OpenRejected = { ok: false, reason: CHUNK_REJECT_REASON[verdict.reason], detail: `chunk ${i}: ${verdict.reason}` }
        return { rejection, frameBytes: frame.length }
      }
      assembly.bytes += frame.length
      if (!control.hold()) throw control.failure as Error
    }
  } finally {
    assembly.end()
    if (control.failure === undefined) control.hold()
  }
  return undefined
}
