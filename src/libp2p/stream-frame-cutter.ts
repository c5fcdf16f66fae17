/**
 * Cuts `uvarint(length) || body` frames (SPEC.md 14.2) out of the chunks a
 * stream delivers, as they arrive: the prefix is checked byte by byte (a
 * non-minimal prefix, or one whose value or length shows it over
 * `maxFrameBytes`, is refused before any body byte is kept), and a complete
 * body is queued as a view of its chunk when it lies in one, else as views of
 * its pieces, joined into one copy when it is taken (into memory of its own,
 * or the caller's reused scratch buffer: see ./stream-frame-memory.ts).
 * Nothing is copied before the frame is taken.
 *
 * @module
 */
import { MalformedInputError, SizeLimitError, type WiresealError } from '../errors.js'
import { varintLength } from '../varint.js'
import { joinParts, type FrameScratch } from './stream-frame-memory.js'

/** Largest uvarint byte count read before giving up (2^56 > any frame limit). */
const MAX_VARINT_BYTES = 8

/** Total length of `parts`. */
function sumLengths (parts: readonly Uint8Array[]): number {
  let n = 0
  for (const part of parts) n += part.length
  return n
}

/** The frame boundaries of one stream, and the complete frames not yet taken. */
export class FrameCutter {
  private readonly maxFrameBytes: number
  private readonly maxPrefixBytes: number
  /** Complete frame bodies not yet taken, from `readyHead` on: a body, or the pieces of one that spans chunks. */
  private readonly ready: Array<Uint8Array | Uint8Array[] | undefined> = []
  private readyHead = 0
  /** Framed bytes (prefixes included) of the frames in `ready`. */
  private readyBytes = 0
  // The frame arriving now (every byte received before it belongs to complete frames).
  /** Views of its body bytes received so far (joined when the frame is taken). */
  private partial: Uint8Array[] = []
  /** Body bytes in `partial`. */
  private partialBytes = 0
  /** Its bytes received so far, prefix included (0: none arriving). */
  private rxBytes = 0
  /** Length-prefix bytes read of it. */
  private rxPrefixBytes = 0
  /** The length its prefix declares (partial while the prefix is). */
  private rxLength = 0
  /** True once its prefix is complete. */
  private rxSized = false
  /** When its first byte arrived (the reader shifts it by the time it kept the stream paused). */
  startedAt = 0

  constructor (init: { maxFrameBytes: number }) {
    this.maxFrameBytes = init.maxFrameBytes
    this.maxPrefixBytes = Math.min(varintLength(init.maxFrameBytes), MAX_VARINT_BYTES)
  }

  /** Bytes received of the frame arriving now (0: none). */
  get arrivingBytes (): number {
    return this.rxBytes
  }

  /** The arriving frame's total size once its prefix is read, else 0. */
  get arrivingExpected (): number {
    return this.rxSized ? this.rxPrefixBytes + this.rxLength : 0
  }

  /** Bytes held: complete frames not yet taken plus the frame arriving. */
  get heldBytes (): number {
    return this.readyBytes + this.rxBytes
  }

  /**
   * Follows frame boundaries through one newly arrived chunk; returns the
   * error of a bad prefix (the framing is then lost).
   */
  scan (chunk: Uint8Array, now: number): WiresealError<object> | undefined {
    const n = chunk.length
    let i = 0
    while (i < n) {
      if (this.rxSized) {
        const left = this.rxLength - this.partialBytes
        const take = Math.min(left, n - i)
        const part = i === 0 && take === n ? chunk : chunk.subarray(i, i + take)
        i += take
        this.rxBytes += take
        if (take < left) {
          this.partial.push(part)
          this.partialBytes += take
        } else if (this.partialBytes === 0) {
          // The body lies in one chunk: a view, no copy.
          this.endFrame(part)
        } else {
          const parts = this.partial
          parts.push(part)
          this.partial = []
          this.partialBytes = 0
          this.endFrame(parts)
        }
        continue
      }
      if (this.rxBytes === 0) this.startedAt = now
      // The length prefix under varint.ts's rule (minimal, bounded), read byte by byte: it may span chunks.
      const k = this.rxPrefixBytes
      // A longer (minimal) prefix encodes at least 2^(7k) > maxFrameBytes: an oversized claim.
      if (k >= this.maxPrefixBytes) return new SizeLimitError('frame', this.maxFrameBytes, 2 ** (7 * k))
      const b = chunk[i++] as number
      this.rxLength += (b & 0x7f) * 2 ** (7 * k)
      this.rxPrefixBytes = k + 1
      this.rxBytes++
      if (this.rxLength > this.maxFrameBytes) return new SizeLimitError('frame', this.maxFrameBytes, this.rxLength)
      if ((b & 0x80) === 0) {
        if (b === 0 && k > 0) return new MalformedInputError('stream-frame', 'non-minimal length prefix')
        this.rxSized = true
        if (this.rxLength === 0) this.endFrame(new Uint8Array(0))
      }
    }
    return undefined
  }

  /** The arriving frame is complete: its body waits to be taken. */
  private endFrame (body: Uint8Array | Uint8Array[]): void {
    this.ready.push(body)
    this.readyBytes += this.rxPrefixBytes + this.rxLength
    this.rxBytes = 0
    this.rxPrefixBytes = 0
    this.rxLength = 0
    this.rxSized = false
  }

  /**
   * The first complete frame's body, or undefined when none is complete yet.
   * A body that spans chunks is copied now: into `scratch` when given (it
   * overwrites the previous body taken through it), else into memory of its own.
   */
  take (scratch?: FrameScratch): Uint8Array | undefined {
    const head = this.readyHead
    if (head === this.ready.length) return undefined
    const entry = this.ready[head] as Uint8Array | Uint8Array[]
    const body = entry instanceof Uint8Array ? entry : joinParts(entry, sumLengths(entry), scratch)
    if (head + 1 === this.ready.length) {
      this.ready.length = 0
      this.readyHead = 0
    } else {
      this.ready[head] = undefined
      this.readyHead = head + 1
      if (head >= 1024) {
        this.ready.splice(0, head + 1)
        this.readyHead = 0
      }
    }
    // Prefixes are minimal (scan() refuses others), so their size follows from the body's.
    this.readyBytes -= varintLength(body.length) + body.length
    return body
  }

  /** The error of a stream that ended inside a frame, if it did. */
  truncation (): MalformedInputError | undefined {
    const held = this.rxBytes
    if (held === 0) return undefined
    return new MalformedInputError('stream-frame', `truncated: stream ended with ${held} of ${this.rxSized ? this.rxPrefixBytes + this.rxLength : '?'} frame bytes`)
  }

  /** Drops everything held (the stream failed). */
  discard (): void {
    this.ready.length = 0
    this.readyHead = 0
    this.readyBytes = 0
    this.partial.length = 0
    this.partialBytes = 0
    this.rxBytes = 0
  }
}
