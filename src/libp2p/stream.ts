/**
 * A stream codec over libp2p v3 streams: every frame is
 * `uvarint(length) || envelope` (unsigned LEB128 as in multiformats
 * unsigned-varint, minimal encoding required), each envelope sealed and
 * opened by a {@link Codec}.
 *
 * Limits: a length prefix over `limits.maxFrameBytes` is refused with
 * {@link SizeLimitError} as soon as the prefix is read, BEFORE any byte of the
 * body is buffered, and the stream is aborted (the framing is lost).
 *
 * Backpressure, both ends:
 * - write: `stream.send()` returning false means the muxer's window or the
 *   socket is full; the write then waits for the next `drain` event (a fresh
 *   listener each time: in @libp2p/utils 7.4 `stream.onDrain()` keeps
 *   returning its first, already-resolved promise, so it stops waiting after
 *   the first drain).
 * - read: the stream's async iterator pushes every chunk into an unbounded
 *   queue and yamux grants window on receipt, not on consumption, so a slow
 *   `for await` over a raw stream buffers without bound. This reader listens
 *   to `message` events itself and calls `stream.pause()` once
 *   `highWaterMark` bytes (or the current frame, if larger) are buffered:
 *   yamux then stops granting window and the sender's `send()` returns false.
 *   It resumes when the consumer has taken frames below the mark.
 *
 * Deadlines (slowloris): a frame that has started must finish within
 * `frameTimeoutMs + frameBytes / minBytesPerSecond` of its first byte (time
 * the reader itself kept the stream paused does not count), a chunked message
 * within the same of its head for all its chunk frames, and queued writes must
 * drain within the same of the moment a write starts waiting. A missed
 * deadline resets the stream with {@link DeadlineError}. The bytes of
 * unfinished frames and of chunked messages being assembled are reserved in
 * a {@link StreamBudget} shared per connection and per remote peer; a stream
 * that would go over it is reset with {@link BufferBudgetError}.
 *
 * @module
 */
import './polyfill.js'
import type { AbortOptions, Connection, Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import type { Codec, OpenAccepted, OpenOptions, OpenRejected, OpenResult } from '../codec/index.js'
import { CHUNK_REJECT_REASON } from '../codec/reasons.js'
import { peekEnvelopeKind } from '../envelope/envelope.js'
import { EnvelopeKind } from '../envelope/header.js'
import { AbortError, DeadlineError, InvalidConfigError, MalformedInputError, RejectedMessageError, SizeLimitError, StreamClosedError, WiresealError, type BufferBudgetError } from '../errors.js'
import type { WireLimits } from '../limits.js'
import type { CompressionName } from '../compress/types.js'
import type { MessageType } from '../serialize/types.js'
import { tryParseProtocolId, type ProtocolNames } from './protocol-id.js'
import { DEFAULT_STREAM_FRAME_TIMEOUT_MS, DEFAULT_STREAM_HIGH_WATER_MARK, DEFAULT_STREAM_MIN_BYTES_PER_SECOND } from '../limits.js'
import { varintLength, writeVarint } from '../varint.js'
import { defaultStreamBudget, type BudgetScope, type StreamBudget } from './stream-budget.js'
export { DEFAULT_STREAM_FRAME_TIMEOUT_MS, DEFAULT_STREAM_HIGH_WATER_MARK, DEFAULT_STREAM_MIN_BYTES_PER_SECOND }

/** What a reader does with an envelope the codec refused. */
export type RejectPolicy = 'throw' | 'skip' | ((rejection: StreamRejection) => void)

/** An envelope refused on a stream, as given to an `onReject` callback. */
export interface StreamRejection extends OpenRejected {
  /** The channel it arrived on. */
  readonly channel: string
  /** Size of the refused frame body. */
  readonly frameBytes: number
}

/** Options of {@link wiresealStream}. */
export interface WiresealStreamInit {
  /** Seals outgoing and opens incoming envelopes. */
  codec: Codec
  /**
   * Channel bound into every envelope's signature; an envelope signed for
   * another channel is refused as `wrong-channel`.
   * @default stream.protocol (the negotiated protocol id)
   */
  channel?: string
  /**
   * Message type ids accepted on read.
   * @default the type named by a wireseal protocol id, else any type the codec knows
   */
  types?: ReadonlyArray<number>
  /**
   * The size budget; `maxFrameBytes` is enforced on read and on write.
   * @default codec.limits
   */
  limits?: WireLimits
  /**
   * Serializer id used by `write()`.
   * @default the serializer of a wireseal protocol id, else protobuf
   */
  serializer?: number
  /**
   * Compression used by `write()`.
   * @default the compression of a wireseal protocol id, else 'auto'
   */
  compression?: 'auto' | CompressionName
  /**
   * On a wireseal protocol id, refuse (as `unknown-codec`) envelopes whose
   * serializer differs from the negotiated one or whose compression is
   * neither the negotiated one nor `none`.
   * @default true
   */
  strictCodecs?: boolean
  /** Names for parsing the protocol id. @default DEFAULT_PROTOCOL_NAMES */
  protocolNames?: ProtocolNames
  /**
   * Refused envelopes: `throw` a {@link RejectedMessageError} out of the read
   * (the stream stays usable), `skip` them (counted in `stats.rejected`), or
   * call a function and skip.
   * @default 'throw'
   */
  onReject?: RejectPolicy
  /** Aborts the stream (and every pending read and write) with an {@link AbortError}. */
  signal?: AbortSignal
  /**
   * Read-side bytes buffered before the stream is paused.
   * @default DEFAULT_STREAM_HIGH_WATER_MARK (1 MiB)
   */
  highWaterMark?: number
  /**
   * Base of every deadline (ms): a frame must finish within
   * `frameTimeoutMs + frameBytes / minBytesPerSecond` of its first byte; a
   * chunked message, and a write waiting for the stream to drain, likewise.
   * `Infinity` turns the deadlines off.
   * @default DEFAULT_STREAM_FRAME_TIMEOUT_MS (10 s)
   */
  frameTimeoutMs?: number
  /**
   * Slowest rate (bytes/s) at which the remote may send a frame or take our writes.
   * @default DEFAULT_STREAM_MIN_BYTES_PER_SECOND (50 KiB/s)
   */
  minBytesPerSecond?: number
  /**
   * A read waiting this long (ms) between frames without a byte arriving
   * resets the stream with a `DeadlineError` (`idle`).
   * @default none (a stream may stay quiet between frames)
   */
  idleTimeoutMs?: number
  /**
   * The connection the stream runs on: its id and remote peer key the
   * {@link StreamBudget}. `handleWireseal`, `dialWireseal` and
   * `requestHandler` pass it.
   * @default none (the stream is bounded per frame only, not accounted)
   */
  connection?: Pick<Connection, 'id' | 'remotePeer'>
  /**
   * Bytes of unfinished frames held per connection and per peer, shared by the streams given the same budget.
   * @default defaultStreamBudget (one per process: 32 MiB per connection, 64 MiB per peer)
   */
  budget?: StreamBudget
  /**
   * Largest declared uncompressed payload accepted per message on this
   * stream (refused as `too-large` before decompression).
   * @default limits.maxPayloadBytes
   */
  maxPayloadBytes?: number
}

/** Counters of one {@link WiresealStream}. */
export interface StreamStats {
  /** Frames handed out by the reader. */
  framesRead: number
  /** Frames queued by the writer. */
  framesWritten: number
  /** Bytes received from the stream, prefixes included. */
  bytesRead: number
  /** Bytes queued on the stream, prefixes included. */
  bytesWritten: number
  /** Envelopes the codec refused. */
  rejected: number
  /** Times the reader paused the stream. */
  pauses: number
  /** Times a write waited for the stream to drain. */
  drainWaits: number
  /** Largest number of bytes the reader held at once. */
  maxBufferedBytes: number
}

/** Options of {@link WiresealStream.write}. */
export interface StreamWriteOptions extends AbortOptions {
  /** Overrides the stream's serializer for this message. */
  serializer?: number
  /** Overrides the stream's compression for this message. */
  compression?: 'auto' | CompressionName
}

/** A libp2p stream speaking wireseal frames. */
export interface WiresealStream {
  /** The underlying libp2p stream. */
  readonly stream: Stream
  /** The channel bound into envelopes. */
  readonly channel: string
  /** Counters (live object). */
  readonly stats: Readonly<StreamStats>
  /**
   * Seals one value and writes its frame; resolves once the stream can take
   * more. Rejects with {@link SizeLimitError}, {@link AbortError},
   * {@link StreamClosedError}, or {@link DeadlineError} when the peer does not
   * take the queued bytes in time (the stream is then reset).
   */
  write<T>(type: MessageType<T>, value: T, options?: StreamWriteOptions): Promise<void>
  /**
   * Seals one large value as a chunked envelope (a signed head over the Merkle
   * root of its chunks) and writes the head and every chunk frame as one
   * contiguous, ordered write. The reader verifies each chunk as it arrives
   * and delivers the value from {@link read} like any other message.
   */
  writeChunked<T>(type: MessageType<T>, value: T, options?: StreamWriteOptions): Promise<void>
  /** Writes one already-sealed envelope as a frame (no copy of `envelope`). */
  writeSealed(envelope: Uint8Array, options?: AbortOptions): Promise<void>
  /**
   * Accepted envelopes, in order, until the remote closes its writable end.
   * Pulls frames only as fast as the loop iterates. Throws
   * {@link SizeLimitError} / {@link MalformedInputError} on bad framing,
   * {@link DeadlineError} on a frame or chunked message arriving too slowly,
   * {@link BufferBudgetError} over the connection or peer budget (the stream
   * is aborted in these cases), {@link RejectedMessageError} under
   * `onReject: 'throw'`, {@link StreamClosedError} on a reset and
   * {@link AbortError} on `signal`.
   * A cancelled read leaves the stream usable.
   */
  read<T = unknown>(options?: AbortOptions): AsyncGenerator<OpenAccepted<T>, void, undefined>
  /** The next accepted envelope, or `undefined` once the remote closed. */
  readOne<T = unknown>(options?: AbortOptions): Promise<OpenAccepted<T> | undefined>
  /** The next raw frame body (an envelope, not opened), or `undefined` at the end. */
  readFrame(options?: AbortOptions): Promise<Uint8Array | undefined>
  /** Raw frame bodies until the end (for forwarding and benchmarks). */
  frames(options?: AbortOptions): AsyncGenerator<Uint8Array, void, undefined>
  /** Closes the writable end once queued frames are flushed; reading goes on. */
  close(options?: AbortOptions): Promise<void>
  /** Resets the stream: pending and later reads and writes fail with `err` (a wireseal error) or a {@link StreamClosedError}. */
  abort(err: Error): void
}

/** Largest uvarint byte count read before giving up (2^56 > any frame limit). */
const MAX_VARINT_BYTES = 8

/** Longest delay setTimeout takes (2^31 - 1 ms); a later deadline is re-armed when it fires. */
const MAX_TIMER_MS = 0x7fff_ffff

function positiveOption (option: string, value: number): number {
  if (value > 0) return value
  throw new InvalidConfigError(option, `a positive number, got ${String(value)}`)
}

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

function isReadEnded (s: Stream): boolean {
  return s.remoteWriteStatus === 'closed' || s.readStatus === 'closed' || s.status === 'closed' || s.status === 'aborted' || s.status === 'reset'
}

function isAborted (signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true
}

function isBroken (s: Stream): boolean {
  return s.status === 'aborted' || s.status === 'reset'
}

class StreamCodec implements WiresealStream {
  readonly stream: Stream
  readonly channel: string
  readonly stats: StreamStats = { framesRead: 0, framesWritten: 0, bytesRead: 0, bytesWritten: 0, rejected: 0, pauses: 0, drainWaits: 0, maxBufferedBytes: 0 }
  private readonly codec: Codec
  private readonly limits: WireLimits
  private readonly maxFrameBytes: number
  private readonly maxPrefixBytes: number
  private readonly openOptions: OpenOptions
  private readonly serializer: number | undefined
  private readonly compression: 'auto' | CompressionName | undefined
  private readonly onReject: RejectPolicy
  private readonly highWaterMark: number
  private readonly baseMs: number
  private readonly msPerByte: number
  private readonly idleMs: number
  private readonly budget: StreamBudget
  private readonly scope: BudgetScope | undefined
  private readonly buf = new Uint8ArrayList()
  /** `[prefixBytes, bodyBytes]` of each complete frame in `buf`, from `doneHead` on (found by scan(), read by takeFrame()). */
  private readonly done: number[] = []
  private doneHead = 0
  // The frame arriving at the tail of `buf` (every byte before it belongs to complete frames).
  /** Its bytes received so far, prefix included (0: none, every buffered frame is complete). */
  private rxBytes = 0
  /** Length-prefix bytes read of it. */
  private rxPrefixBytes = 0
  /** The length its prefix declares (partial while the prefix is). */
  private rxLength = 0
  /** True once its prefix is complete. */
  private rxSized = false
  /** When its first byte arrived, shifted by the time the reader kept the stream paused since. */
  private rxStartedAt = 0
  /** When the last byte arrived, shifted likewise (idle deadline). */
  private lastByteAt = 0
  /** When a read began waiting for bytes (idle deadline); -1: no read waiting. */
  private waitingSince = -1
  private pausedAt = 0
  // A chunked message being assembled by openChunked().
  private assembledBytes = 0
  /** -1: no chunked message being read. */
  private chunkedStartedAt = -1
  private chunkedExpected = 0
  // Writes waiting for the stream to drain share one deadline.
  private drainWaiters = 0
  private drainStartedAt = 0
  private drainExpected = 0
  private readonly failWaiters = new Set<() => void>()
  /** Bytes this stream holds reserved in the budget. */
  private reserved = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private timerAt = Infinity
  private paused = false
  private resuming = false
  /** The stream closed: nothing more is reserved. */
  private closed = false
  /** Set when the stream ended abnormally; every later operation throws it. */
  private failure: Error | undefined
  private wake: (() => void) | undefined
  private readChain: Promise<unknown> | undefined

  constructor (stream: Stream, init: WiresealStreamInit) {
    this.stream = stream
    this.codec = init.codec
    const limits = init.limits ?? init.codec.limits
    this.limits = limits
    this.maxFrameBytes = limits.maxFrameBytes
    this.maxPrefixBytes = Math.min(varintLength(this.maxFrameBytes), MAX_VARINT_BYTES)
    this.channel = init.channel ?? stream.protocol
    if (this.channel === undefined || this.channel === '') throw new InvalidConfigError('channel', 'a channel, or a stream with a negotiated protocol')
    const parsed = tryParseProtocolId(this.channel, init.protocolNames)
    this.serializer = init.serializer ?? parsed?.serializerId
    this.compression = init.compression ?? parsed?.compression
    const strict = init.strictCodecs !== false && parsed !== undefined
    const maxPayloadBytes = init.maxPayloadBytes
    if (maxPayloadBytes !== undefined && (!Number.isSafeInteger(maxPayloadBytes) || maxPayloadBytes < 1)) throw new InvalidConfigError('maxPayloadBytes', `a positive integer, got ${String(maxPayloadBytes)}`)
    this.openOptions = {
      channel: this.channel,
      types: init.types ?? (parsed === undefined ? undefined : [parsed.messageTypeId]),
      // The negotiated id fixes the encoding: the codec refuses any other before decompressing. 0: `none`.
      serializers: strict ? [parsed.serializerId] : undefined,
      compressions: strict ? [parsed.compressionId, 0] : undefined,
      maxPayloadBytes
    }
    this.onReject = init.onReject ?? 'throw'
    this.highWaterMark = init.highWaterMark ?? DEFAULT_STREAM_HIGH_WATER_MARK
    if (!Number.isSafeInteger(this.highWaterMark) || this.highWaterMark < 1) throw new InvalidConfigError('highWaterMark', 'a positive integer')
    this.baseMs = positiveOption('frameTimeoutMs', init.frameTimeoutMs ?? DEFAULT_STREAM_FRAME_TIMEOUT_MS)
    this.msPerByte = 1000 / positiveOption('minBytesPerSecond', init.minBytesPerSecond ?? DEFAULT_STREAM_MIN_BYTES_PER_SECOND)
    this.idleMs = init.idleTimeoutMs === undefined ? Infinity : positiveOption('idleTimeoutMs', init.idleTimeoutMs)
    this.budget = init.budget ?? defaultStreamBudget
    const connection = init.connection
    this.scope = connection === undefined ? undefined : { connection: connection.id, peer: connection.remotePeer.toString() }
    const signal = init.signal
    if (signal !== undefined) {
      const onAbort = (): void => { this.abort(new AbortError('stream', { cause: signal.reason })) }
      if (signal.aborted) onAbort()
      else {
        signal.addEventListener('abort', onAbort, { once: true })
        stream.addEventListener('close', () => { signal.removeEventListener('abort', onAbort) }, { once: true })
      }
    }
    // Read from the start: deadlines and the budget hold whether or not the application reads yet.
    // Adding a 'message' listener makes the stream dispatch what it buffered before.
    if (this.failure === undefined) {
      stream.addEventListener('message', this.onMessage)
      stream.addEventListener('remoteCloseWrite', this.onEnd)
      stream.addEventListener('close', this.onClose)
    }
  }

  // ---- write ----

  async write<T>(type: MessageType<T>, value: T, options: StreamWriteOptions = {}): Promise<void> {
    const envelope = this.codec.seal(type, value, {
      channel: this.channel,
      serializer: options.serializer ?? this.serializer,
      compression: options.compression ?? this.compression
    })
    await this.writeSealed(envelope, options)
  }

  writeSealed (envelope: Uint8Array, options: AbortOptions = {}): Promise<void> {
    // Not async itself: one promise per frame (send's), on the hottest write path.
    if (envelope.length > this.maxFrameBytes) return Promise.reject(new SizeLimitError('frame', this.maxFrameBytes, envelope.length))
    return this.send(frameEnvelope(envelope), 1, options.signal)
  }

  async writeChunked<T>(type: MessageType<T>, value: T, options: StreamWriteOptions = {}): Promise<void> {
    const frames = this.codec.sealChunked(type, value, {
      channel: this.channel,
      serializer: options.serializer ?? this.serializer,
      compression: options.compression ?? this.compression
    })
    // One send: concurrent writers cannot slip a frame between a head and its chunks.
    // Bounded: the frames hold the compressed payload, at most the budget's maxPayloadBytes.
    const list = new Uint8ArrayList()
    for (const frame of frames) list.append(frameEnvelope(frame))
    await this.send(list, frames.length, options.signal)
  }

  /** Queues framed bytes once the stream has room, then waits for it to drain if it is now full. */
  private async send (framed: Uint8ArrayList, frames: number, signal: AbortSignal | undefined): Promise<void> {
    // Concurrent writers: each waits until the stream has room before queueing.
    if (this.stream.writableNeedsDrain) await this.waitForDrain(signal)
    this.checkWritable(signal)
    let more: boolean
    try {
      more = this.stream.send(framed)
    } catch (err) {
      throw this.failure ?? new StreamClosedError('write', this.stream.status, { cause: err })
    }
    this.stats.framesWritten += frames
    this.stats.bytesWritten += framed.byteLength
    // Bytes queued while writes wait extend their shared deadline by their own drain time.
    if (this.drainWaiters > 0) this.drainExpected += framed.byteLength
    if (!more) await this.waitForDrain(signal)
  }

  private checkWritable (signal: AbortSignal | undefined): void {
    if (signal?.aborted === true) throw new AbortError('write', { cause: signal.reason })
    if (this.failure !== undefined) throw this.failure
    const s = this.stream
    if (s.writeStatus !== 'writable') throw new StreamClosedError('write', isBroken(s) ? s.status : `${s.writeStatus} for writing`)
  }

  /**
   * Waits for `drain` events until the stream no longer needs one. Every
   * waiting write shares one deadline, armed by the first: the bytes queued
   * then, plus those queued while any write waits, must drain at
   * `minBytesPerSecond` (a peer that stops reading cannot hold a writer).
   */
  private async waitForDrain (signal: AbortSignal | undefined): Promise<void> {
    if (this.drainWaiters++ === 0) {
      this.drainStartedAt = Date.now()
      this.drainExpected = this.stream.writeBufferLength
      this.schedule()
    }
    try {
      while (this.stream.writableNeedsDrain) {
        this.checkWritable(signal)
        this.stats.drainWaits++
        await new Promise<void>((resolve, reject) => {
          const s = this.stream
          const done = (): void => {
            s.removeEventListener('drain', onDrain)
            s.removeEventListener('close', onClose)
            signal?.removeEventListener('abort', onAbort)
            this.failWaiters.delete(onFail)
          }
          const onDrain = (): void => { done(); resolve() }
          const onClose = (evt: StreamCloseEvent): void => { done(); reject(this.failure ?? new StreamClosedError('write', s.status, { cause: evt.error })) }
          const onAbort = (): void => { done(); reject(new AbortError('write', { cause: signal?.reason })) }
          const onFail = (): void => { done(); reject(this.failure) }
          s.addEventListener('drain', onDrain)
          s.addEventListener('close', onClose)
          signal?.addEventListener('abort', onAbort)
          this.failWaiters.add(onFail)
        })
        // the 'drain' listener of the stream itself resumes sending in a microtask
        // queued before ours, which may set writableNeedsDrain again: loop
      }
    } finally {
      this.drainWaiters--
    }
  }

  async close (options: AbortOptions = {}): Promise<void> {
    if (options.signal?.aborted === true) throw new AbortError('close', { cause: options.signal.reason })
    if (this.failure !== undefined) throw this.failure
    try {
      await this.stream.close(options)
    } catch (err) {
      if (isAborted(options.signal)) throw new AbortError('close', { cause: options.signal?.reason })
      throw this.failure ?? new StreamClosedError('close', this.stream.status, { cause: err })
    }
  }

  abort (err: Error): void {
    this.failure ??= err instanceof WiresealError ? err : new StreamClosedError('read', 'aborted', { cause: err })
    this.buf.consume(this.buf.byteLength)
    this.done.length = 0
    this.doneHead = 0
    this.rxBytes = 0
    this.assembledBytes = 0
    this.release()
    this.stream.abort(err)
    this.notify()
    for (const fail of [...this.failWaiters]) fail()
  }

  // ---- deadlines and budget ----

  /** Time allowed for `bytes`: base + bytes / minimum rate (ms). */
  private allowance (bytes: number): number {
    return this.baseMs + bytes * this.msPerByte
  }

  /** The arriving frame's total size once its prefix is read, else 0. */
  private rxExpected (): number {
    return this.rxSized ? this.rxPrefixBytes + this.rxLength : 0
  }

  /** The earliest deadline in force (Infinity: none). */
  private nextDeadline (): number {
    let at = Infinity
    if (this.drainWaiters > 0) at = this.drainStartedAt + this.allowance(this.drainExpected)
    if (this.chunkedStartedAt >= 0) at = Math.min(at, this.chunkedStartedAt + this.allowance(this.chunkedExpected))
    // While the reader keeps the stream paused the remote cannot send: its clocks stop.
    if (!this.paused) {
      if (this.rxBytes > 0) at = Math.min(at, this.rxStartedAt + this.allowance(this.rxExpected()))
      else if (this.waitingSince >= 0 && this.idleMs < Infinity) at = Math.min(at, Math.max(this.lastByteAt, this.waitingSince) + this.idleMs)
    }
    return at
  }

  /** The deadline missed at `now`, if any. */
  private overdue (now: number): DeadlineError | undefined {
    if (this.drainWaiters > 0) {
      const limit = this.allowance(this.drainExpected)
      if (now >= this.drainStartedAt + limit) return new DeadlineError('write', 'drain', limit, Math.max(0, this.drainExpected - this.stream.writeBufferLength), this.drainExpected)
    }
    if (this.chunkedStartedAt >= 0) {
      const limit = this.allowance(this.chunkedExpected)
      if (now >= this.chunkedStartedAt + limit) return new DeadlineError('read', 'chunked', limit, this.assembledBytes, this.chunkedExpected)
    }
    if (this.paused) return undefined
    if (this.rxBytes > 0) {
      const limit = this.allowance(this.rxExpected())
      if (now >= this.rxStartedAt + limit) return new DeadlineError('read', 'frame', limit, this.rxBytes, this.rxExpected())
    } else if (this.waitingSince >= 0 && now >= Math.max(this.lastByteAt, this.waitingSince) + this.idleMs) {
      return new DeadlineError('read', 'idle', this.idleMs, 0, 0)
    }
    return undefined
  }

  /** Arms the one timer for the earliest deadline (it re-arms itself for later ones when it fires). */
  private schedule (): void {
    // Once closed nothing more arrives or drains: what is left is reported by the next read.
    if (this.failure !== undefined || this.closed) return
    const at = this.nextDeadline()
    if (at === Infinity || (this.timer !== undefined && this.timerAt <= at)) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(this.onTimer, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(at - Date.now()))))
    // A deadline never keeps the process alive on its own.
    this.timer.unref?.()
  }

  private readonly onTimer = (): void => {
    this.timer = undefined
    this.timerAt = Infinity
    if (this.failure !== undefined || this.closed) return
    const missed = this.overdue(Date.now())
    if (missed !== undefined) this.abort(missed)
    else this.schedule()
  }

  /** Reserves what the stream holds now (arriving frame + chunked message); on refusal the stream is reset. */
  private hold (): boolean {
    const scope = this.scope
    if (scope === undefined) return true
    if (this.closed) {
      this.release()
      return true
    }
    const want = this.rxBytes + this.assembledBytes
    const delta = want - this.reserved
    if (delta === 0) return true
    if (delta < 0) {
      this.budget.release(scope, -delta)
      this.reserved = want
      return true
    }
    const refused: BufferBudgetError | undefined = this.budget.reserve(scope, delta)
    if (refused === undefined) {
      this.reserved = want
      return true
    }
    this.abort(refused)
    return false
  }

  private release (): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Infinity
    if (this.scope !== undefined && this.reserved > 0) this.budget.release(this.scope, this.reserved)
    this.reserved = 0
  }

  // ---- read ----

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    if (this.failure !== undefined) return
    const data = evt.data
    this.buf.append(data)
    this.stats.bytesRead += data.byteLength
    const held = this.buf.byteLength
    if (held > this.stats.maxBufferedBytes) this.stats.maxBufferedBytes = held
    const now = Date.now()
    this.lastByteAt = now
    let bad: WiresealError<object> | undefined
    if (data instanceof Uint8Array) bad = this.scan(data, now)
    else for (const chunk of data) if ((bad = this.scan(chunk, now)) !== undefined) break
    if (bad !== undefined) {
      // Bad framing: the stream is lost; the reader sees the error.
      this.abort(bad)
      return
    }
    if (!this.hold()) return
    if (this.rxBytes > 0) this.schedule()
    // Pause only once a whole frame waits: a frame larger than the mark is read whole.
    if (!this.paused && !this.resuming && held >= this.highWaterMark && held > this.rxBytes) this.pause()
    this.notify()
  }

  /**
   * Follows frame boundaries through newly arrived bytes, so the frame still
   * arriving is known without re-reading the buffer. A length prefix over
   * `maxFrameBytes` is refused as soon as its bytes say so (later bytes only
   * add), before any byte of the body is kept.
   */
  private scan (chunk: Uint8Array, now: number): WiresealError<object> | undefined {
    const n = chunk.length
    let i = 0
    while (i < n) {
      if (this.rxSized) {
        const left = this.rxPrefixBytes + this.rxLength - this.rxBytes
        const take = Math.min(left, n - i)
        i += take
        this.rxBytes += take
        if (take === left) this.endFrame()
        continue
      }
      if (this.rxBytes === 0) this.rxStartedAt = now
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
        if (this.rxLength === 0) this.endFrame()
      }
    }
    return undefined
  }

  /** The arriving frame is complete: its bytes are no longer held against the budget. */
  private endFrame (): void {
    this.done.push(this.rxPrefixBytes, this.rxLength)
    this.rxBytes = 0
    this.rxPrefixBytes = 0
    this.rxLength = 0
    this.rxSized = false
  }

  private readonly onEnd = (): void => { this.notify() }

  private readonly onClose = (): void => {
    // Nothing more arrives: an unfinished frame can only end as a truncation, reported by the next read.
    this.closed = true
    this.release()
    this.notify()
  }

  private notify (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }

  private pause (): void {
    const s = this.stream
    if (s.readStatus !== 'readable') return
    s.pause()
    this.paused = true
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

  private resume (): void {
    if (!this.paused) return
    this.paused = false
    // The remote could not send while paused: that time does not count against it.
    const pausedFor = Date.now() - this.pausedAt
    this.rxStartedAt += pausedFor
    this.lastByteAt += pausedFor
    this.schedule()
    if (this.stream.readStatus !== 'paused') return
    // resume() dispatches buffered data synchronously and only then tells yamux
    // to grant window again: pausing from inside that dispatch would be undone
    // (yamux resumes while the stream reads as paused), so pause afterwards.
    this.resuming = true
    try {
      this.stream.resume()
    } finally {
      this.resuming = false
    }
    const held = this.buf.byteLength
    if (held >= this.highWaterMark && held > this.rxBytes) this.pause()
  }

  /** Fails the stream on bad framing: abort it, drop what was buffered, throw. */
  private fail (err: WiresealError<object>): never {
    this.abort(err)
    throw err
  }

  /** The first complete frame's body from `buf`, or undefined when none is complete yet. */
  private takeFrame (): Uint8Array | undefined {
    // Frame boundaries were found (and prefixes checked) by scan() as the bytes arrived.
    const head = this.doneHead
    if (head === this.done.length) return undefined
    const prefix = this.done[head] as number
    const total = prefix + (this.done[head + 1] as number)
    if (head + 2 === this.done.length) {
      this.done.length = 0
      this.doneHead = 0
    } else {
      this.doneHead = head + 2
      if (head > 1024) {
        this.done.splice(0, head + 2)
        this.doneHead = 0
      }
    }
    // A view when the frame lies in one chunk; one copy when it spans chunks.
    const body = this.buf.subarray(prefix, total)
    this.buf.consume(total)
    this.stats.framesRead++
    return body
  }

  readFrame (options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    // Reads run one after the other, so concurrent readers each get whole frames.
    const previous = this.readChain
    const next = previous === undefined
      ? this.nextFrame(options.signal)
      : previous.then(async () => this.nextFrame(options.signal), async () => this.nextFrame(options.signal))
    this.readChain = next
    const clear = (): void => { if (this.readChain === next) this.readChain = undefined }
    next.then(clear, clear)
    return next
  }

  private async nextFrame (signal: AbortSignal | undefined): Promise<Uint8Array | undefined> {
    while (true) {
      if (signal?.aborted === true) throw new AbortError('read', { cause: signal.reason })
      if (this.failure !== undefined) throw this.failure
      const frame = this.takeFrame()
      if (frame !== undefined) {
        if (this.buf.byteLength < this.highWaterMark) this.resume()
        return frame
      }
      const s = this.stream
      if (isReadEnded(s) && s.readBufferLength === 0) {
        if (isBroken(s)) throw new StreamClosedError('read', s.status)
        const held = this.buf.byteLength
        if (held > 0) this.fail(new MalformedInputError('stream-frame', `truncated: stream ended with ${held} of ${this.rxSized ? this.rxPrefixBytes + this.rxLength : '?'} frame bytes`))
        return undefined
      }
      // Need more bytes: let the remote send (a frame bigger than the mark is read whole).
      this.resume()
      await this.waitForData(signal)
    }
  }

  private async waitForData (signal: AbortSignal | undefined): Promise<void> {
    this.waitingSince = Date.now()
    if (this.idleMs < Infinity) this.schedule()
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.wake = undefined
          reject(new AbortError('read', { cause: signal?.reason }))
        }
        this.wake = () => {
          signal?.removeEventListener('abort', onAbort)
          resolve()
        }
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    } finally {
      this.waitingSince = -1
    }
  }

  /**
   * Fast path: a frame already buffered, handed over synchronously when no
   * other read is pending (no promise chain per frame; measured 0.90x -> raw
   * without it). Undefined when the caller must wait through {@link readFrame}.
   */
  private takeBuffered (signal: AbortSignal | undefined): Uint8Array | undefined {
    if (this.readChain !== undefined || this.failure !== undefined || signal?.aborted === true) return undefined
    const frame = this.takeFrame()
    if (frame !== undefined && this.buf.byteLength < this.highWaterMark) this.resume()
    return frame
  }

  async * frames (options: AbortOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    while (true) {
      const frame = this.takeBuffered(options.signal) ?? await this.readFrame(options)
      if (frame === undefined) return
      yield frame
    }
  }

  async readOne<T = unknown>(options: AbortOptions = {}): Promise<OpenAccepted<T> | undefined> {
    while (true) {
      const frame = this.takeBuffered(options.signal) ?? await this.readFrame(options)
      if (frame === undefined) return undefined
      const accepted = peekEnvelopeKind(frame) === EnvelopeKind.chunked ? await this.openChunked<T>(frame, options.signal) : this.open<T>(frame)
      if (accepted !== undefined) return accepted
    }
  }

  async * read<T = unknown>(options: AbortOptions = {}): AsyncGenerator<OpenAccepted<T>, void, undefined> {
    while (true) {
      const frame = this.takeBuffered(options.signal) ?? await this.readFrame(options)
      if (frame === undefined) return
      const accepted = peekEnvelopeKind(frame) === EnvelopeKind.chunked ? await this.openChunked<T>(frame, options.signal) : this.open<T>(frame)
      if (accepted !== undefined) yield accepted
    }
  }

  /**
   * A chunked head and the chunk frames that follow it: the head's signature
   * and replay state are checked first, then every chunk is verified against
   * the signed Merkle root as it arrives (nothing unverified is kept). The
   * chunks must all arrive within the deadline of their total size, and the
   * verified chunks held meanwhile are reserved in the budget.
   */
  private async openChunked<T>(head: Uint8Array, signal: AbortSignal | undefined): Promise<OpenAccepted<T> | undefined> {
    const rx = this.codec.openChunked<T>(head, this.openOptions)
    if (!rx.ok) return this.rejected(rx, head.length)
    // Each chunk frame carries at most chunkBytes of payload plus its proof and framing.
    this.chunkedExpected = rx.chunkCount * (this.limits.chunkBytes + this.limits.envelopeOverheadBytes)
    this.chunkedStartedAt = Date.now()
    this.schedule()
    try {
      for (let i = 0; i < rx.chunkCount; i++) {
        const frame = this.takeBuffered(signal) ?? await this.readFrame({ signal })
        if (frame === undefined) this.fail(new MalformedInputError('stream-frame', `stream ended after ${i} of ${rx.chunkCount} chunks`))
        const verdict = rx.accept(frame)
        if (!verdict.ok) {
          // The head is authenticated, so its chunk count is trusted: skip the rest of this payload's frames.
          for (let rest = i + 1; rest < rx.chunkCount; rest++) {
            if ((this.takeBuffered(signal) ?? await this.readFrame({ signal })) === undefined) break
          }
          return this.rejected({ ok: false, reason: CHUNK_REJECT_REASON[verdict.reason], detail: `chunk ${i}: ${verdict.reason}` }, frame.length)
        }
        this.assembledBytes += frame.length
        if (!this.hold()) throw this.failure as Error
      }
    } finally {
      this.chunkedStartedAt = -1
      this.assembledBytes = 0
      if (this.failure === undefined) this.hold()
    }
    return this.check(rx.finish(), head.length)
  }

  /** Opens one frame; a refusal is thrown, skipped or reported per `onReject`. */
  private open<T>(frame: Uint8Array): OpenAccepted<T> | undefined {
    return this.check(this.codec.open<T>(frame, this.openOptions), frame.length)
  }

  /** An open result: accepted, or refused and thrown, skipped or reported per `onReject`. */
  private check<T>(result: OpenResult<T>, frameBytes: number): OpenAccepted<T> | undefined {
    return result.ok ? result : this.rejected(result, frameBytes)
  }

  private rejected (r: OpenRejected, frameBytes: number): undefined {
    this.stats.rejected++
    const policy = this.onReject
    if (policy === 'throw') throw new RejectedMessageError(r.reason, r.detail, this.channel)
    if (typeof policy === 'function') policy({ ...r, channel: this.channel, frameBytes })
    return undefined
  }
}

/**
 * Wraps a libp2p stream in the wireseal frame codec. On a stream negotiated
 * for a wireseal protocol id (see `protocolId`), the channel, message type,
 * serializer and compression default to what the id names.
 */
export function wiresealStream (stream: Stream, init: WiresealStreamInit): WiresealStream {
  return new StreamCodec(stream, init)
}
