/**
 * The envelope layer of a wireseal stream: seals values into frames for the
 * {@link FrameWriter}, opens the frames of the {@link FrameReader} with the
 * codec (chunked messages through {@link readChunks}) and applies the
 * stream's `onReject` policy. It owns the state both sides share
 * ({@link StreamControl}): the failure, the deadline timer and the budget.
 *
 * @module
 */
import type { AbortOptions, Stream } from '@libp2p/interface'
import type { OpenAccepted, OpenOptions, OpenRejected, OpenResult } from '../codec/index.js'
import { peekEnvelopeKind } from '../envelope/envelope.js'
import { EnvelopeKind } from '../envelope/header.js'
import { AbortError, InvalidConfigError, RejectedMessageError, StreamClosedError, WiresealError } from '../errors.js'
import type { MessageType } from '../serialize/types.js'
import { ChunkedAssembly, readChunks } from './stream-chunked-read.js'
import type { StreamControl } from './stream-control.js'
import { DeadlineTimer } from './stream-deadlines.js'
import { FrameScratch } from './stream-frame-memory.js'
import { FrameReader } from './stream-frame-reader.js'
import { FrameWriter } from './stream-frame-writer.js'
import { resolveStreamSettings, type StreamSettings } from './stream-options.js'
import { StreamReservation } from './stream-reservation.js'
import type { FramesOptions, StreamStats, StreamWriteOptions, WiresealStream, WiresealStreamInit } from './stream.js'

/** True for a message type (an id and an assert function), false for read options. */
function isMessageType (x: unknown): x is MessageType {
  return typeof x === 'object' && x !== null && typeof (x as MessageType).id === 'number' && typeof (x as MessageType).assert === 'function'
}

/** A libp2p stream speaking wireseal frames. */
export class EnvelopeStream implements WiresealStream, StreamControl {
  readonly stream: Stream
  readonly channel: string
  readonly stats: StreamStats = { framesRead: 0, framesWritten: 0, bytesRead: 0, bytesWritten: 0, rejected: 0, pauses: 0, drainWaits: 0, maxBufferedBytes: 0 }
  readonly timer: DeadlineTimer
  private readonly settings: StreamSettings
  private readonly reader: FrameReader
  private readonly writer: FrameWriter
  private readonly assembly: ChunkedAssembly
  private readonly reservation: StreamReservation
  private failed: Error | undefined
  /** Open options of typed reads, by message type id. */
  private readonly typedOpenOptions = new Map<number, OpenOptions>()

  constructor (stream: Stream, init: WiresealStreamInit) {
    this.stream = stream
    const settings = resolveStreamSettings(stream, init)
    this.settings = settings
    this.channel = settings.channel
    this.reservation = new StreamReservation({ budget: settings.budget, scope: settings.scope })
    this.timer = new DeadlineTimer({
      live: () => this.failed === undefined && !this.reader.closed,
      onMissed: (err) => { this.abort(err) }
    })
    const { pace } = settings
    const maxFrameBytes = settings.limits.maxFrameBytes
    this.writer = new FrameWriter({ control: this, stats: this.stats, maxFrameBytes, pace })
    this.assembly = new ChunkedAssembly({ pace })
    this.reader = new FrameReader({ control: this, stats: this.stats, maxFrameBytes, highWaterMark: settings.highWaterMark, pace, idleMs: settings.idleMs })
    // Missed deadlines are reported in this order: drain, chunked message, frame or idle.
    this.timer.watch(this.writer)
    this.timer.watch(this.assembly)
    this.timer.watch(this.reader)
    const signal = init.signal
    if (signal !== undefined) {
      const onAbort = (): void => { this.abort(new AbortError('stream', { cause: signal.reason })) }
      if (signal.aborted) onAbort()
      else {
        signal.addEventListener('abort', onAbort, { once: true })
        stream.addEventListener('close', () => { signal.removeEventListener('abort', onAbort) }, { once: true })
      }
    }
    if (this.failed === undefined) this.reader.start()
  }

  get failure (): Error | undefined {
    return this.failed
  }

  // ---- shared state (StreamControl) ----

  hold (): boolean {
    if (this.reader.closed) {
      this.release()
      return true
    }
    const refused = this.reservation.hold(this.reader.arrivingBytes + this.assembly.bytes)
    if (refused === undefined) return true
    this.abort(refused)
    return false
  }

  release (): void {
    this.timer.stop()
    this.reservation.release()
  }

  abort (err: Error): void {
    this.failed ??= err instanceof WiresealError ? err : new StreamClosedError('read', 'aborted', { cause: err })
    this.reader.discard()
    this.assembly.bytes = 0
    this.release()
    this.stream.abort(err)
    this.reader.notify()
    this.writer.failWaiting()
  }

  // ---- write ----

  async write<T>(type: MessageType<T>, value: T, options: StreamWriteOptions = {}): Promise<void> {
    await this.writer.writeFrame(this.seal(type, value, options), options.signal)
  }

  writeSealed (envelope: Uint8Array, options: AbortOptions = {}): Promise<void> {
    return this.writer.writeFrame(envelope, options.signal)
  }

  async writeChunked<T>(type: MessageType<T>, value: T, options: StreamWriteOptions = {}): Promise<void> {
    const { codec, channel } = this.settings
    const frames = codec.sealChunked(type, value, { channel, ...this.sealCodecs(options) })
    // Bounded: the frames hold the compressed payload, at most the budget's maxPayloadBytes.
    await this.writer.writeFrames(frames, options.signal)
  }

  /** Seals one value for this stream's channel with its (or the write's) serializer and compression. */
  seal<T>(type: MessageType<T>, value: T, options: StreamWriteOptions = {}): Uint8Array {
    return this.settings.codec.seal(type, value, { channel: this.settings.channel, ...this.sealCodecs(options) })
  }

  private sealCodecs (options: StreamWriteOptions): Pick<StreamWriteOptions, 'serializer' | 'compression'> {
    return { serializer: options.serializer ?? this.settings.serializer, compression: options.compression ?? this.settings.compression }
  }

  async close (options: AbortOptions = {}): Promise<void> {
    await this.writer.close(options.signal)
  }

  // ---- read ----

  readFrame (options: AbortOptions = {}): Promise<Uint8Array | undefined> {
    return this.reader.readFrame(options.signal)
  }

  async * frames (options: FramesOptions = {}): AsyncGenerator<Uint8Array, void, undefined> {
    // This loop's reused buffer: its next step may overwrite the frame it yielded last.
    const scratch = options.validUntilNextRead === true ? new FrameScratch() : undefined
    while (true) {
      const next = this.reader.next(options.signal, scratch)
      // A frame already buffered is yielded without an await of its own.
      const frame = next instanceof Promise ? await next : next
      if (frame === undefined) return
      yield frame
    }
  }

  readOne<T>(type: MessageType<T>, options?: AbortOptions): Promise<OpenAccepted<T> | undefined>
  readOne(options?: AbortOptions): Promise<OpenAccepted<unknown> | undefined>
  readOne<T>(options?: AbortOptions): Promise<OpenAccepted<T> | undefined>
  async readOne<T>(typeOrOptions?: MessageType<T> | AbortOptions, maybeOptions?: AbortOptions): Promise<OpenAccepted<T> | undefined> {
    const { open, signal } = this.readArgs(typeOrOptions, maybeOptions)
    return this.nextAccepted<T>(open, signal)
  }

  read<T>(type: MessageType<T>, options?: AbortOptions): AsyncGenerator<OpenAccepted<T>, void, undefined>
  read(options?: AbortOptions): AsyncGenerator<OpenAccepted<unknown>, void, undefined>
  read<T>(options?: AbortOptions): AsyncGenerator<OpenAccepted<T>, void, undefined>
  async * read<T>(typeOrOptions?: MessageType<T> | AbortOptions, maybeOptions?: AbortOptions): AsyncGenerator<OpenAccepted<T>, void, undefined> {
    const { open, signal } = this.readArgs(typeOrOptions, maybeOptions)
    while (true) {
      const accepted = await this.nextAccepted<T>(open, signal)
      if (accepted === undefined) return
      yield accepted
    }
  }

  /** The `codec.open` options and signal of a read called as `(type, options)` or `(options)`. */
  private readArgs (typeOrOptions: MessageType | AbortOptions | undefined, maybeOptions: AbortOptions | undefined): { open: OpenOptions, signal: AbortSignal | undefined } {
    if (isMessageType(typeOrOptions)) return { open: this.openOptionsFor(typeOrOptions), signal: maybeOptions?.signal }
    return { open: this.settings.openOptions, signal: typeOrOptions?.signal }
  }

  /** The stream's open options narrowed to one message type (cached per type id). */
  private openOptionsFor (type: MessageType): OpenOptions {
    const cached = this.typedOpenOptions.get(type.id)
    if (cached !== undefined) return cached
    const base = this.settings.openOptions
    if (base.types !== undefined && !base.types.includes(type.id)) {
      throw new InvalidConfigError('types', `a set with ${type.name} (${type.id}) to read it; this stream accepts ${base.types.join(', ')} (set \`types\` on the stream or negotiate its protocol id)`)
    }
    const open: OpenOptions = { ...base, types: [type.id] }
    this.typedOpenOptions.set(type.id, open)
    return open
  }

  /**
   * Opens one frame read with {@link readFrame} like {@link readOne} would
   * (a chunked head with the chunk frames that follow); undefined when it is
   * refused and `onReject` skips it.
   */
  async openFrame<T>(frame: Uint8Array, type: MessageType<T> | undefined, signal: AbortSignal | undefined): Promise<OpenAccepted<T> | undefined> {
    return this.open<T>(frame, type === undefined ? this.settings.openOptions : this.openOptionsFor(type), signal)
  }

  /** The next envelope the codec accepts under `open`, or undefined at the end (refusals per `onReject`). */
  private async nextAccepted<T>(open: OpenOptions, signal: AbortSignal | undefined): Promise<OpenAccepted<T> | undefined> {
    while (true) {
      const next = this.reader.next(signal)
      const frame = next instanceof Promise ? await next : next
      if (frame === undefined) return undefined
      const accepted = await this.open<T>(frame, open, signal)
      if (accepted !== undefined) return accepted
    }
  }

  /** One envelope frame opened under `open` (refusals per `onReject`). */
  private async open<T>(frame: Uint8Array, open: OpenOptions, signal: AbortSignal | undefined): Promise<OpenAccepted<T> | undefined> {
    if (peekEnvelopeKind(frame) === EnvelopeKind.chunked) return this.openChunked<T>(frame, open, signal)
    return this.check(this.settings.codec.open<T>(frame, open), frame.length)
  }

  /** A chunked head and the chunk frames that follow it. */
  private async openChunked<T>(head: Uint8Array, open: OpenOptions, signal: AbortSignal | undefined): Promise<OpenAccepted<T> | undefined> {
    const rx = this.settings.codec.openChunked<T>(head, open)
    if (!rx.ok) return this.rejected(rx, head.length)
    const bad = await readChunks({ control: this, assembly: this.assembly, limits: this.settings.limits, next: (s) => this.reader.next(s) }, rx, signal)
    if (bad !== undefined) return this.rejected(bad.rejection, bad.frameBytes)
    return this.check(rx.finish(), head.length)
  }

  /** An open result: accepted, or refused and thrown, skipped or reported per `onReject`. */
  private check<T>(result: OpenResult<T>, frameBytes: number): OpenAccepted<T> | undefined {
    return result.ok ? result : this.rejected(result, frameBytes)
  }

  private rejected (r: OpenRejected, frameBytes: number): undefined {
    this.stats.rejected++
    const policy = this.settings.onReject
    if (policy === 'throw') throw new RejectedMessageError(r.reason, r.detail, this.channel)
    if (typeof policy === 'function') policy({ ...r, channel: this.channel, frameBytes })
    return undefined
  }
}
