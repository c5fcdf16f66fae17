/**
 * A stream codec over libp2p v3 streams: every frame is
 * `uvarint(length) || envelope` (unsigned LEB128 as in multiformats
 * unsigned-varint, minimal encoding required), each envelope sealed and
 * opened by a {@link Codec}.
 *
 * Limits: a length prefix over `limits.maxFrameBytes` is refused with
 * {@link errors!SizeLimitError} as soon as the prefix is read, BEFORE any byte of the
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
 * deadline resets the stream with {@link errors!DeadlineError}. The bytes of
 * unfinished frames and of chunked messages being assembled are reserved in
 * a {@link StreamBudget} shared per connection and per remote peer; a stream
 * that would go over it is reset with {@link errors!BufferBudgetError}.
 *
 * @module
 */
import './polyfill.js'
import type { AbortOptions, Connection, Stream } from '@libp2p/interface'
import type { Codec, OpenAccepted, OpenRejected } from '../codec/index.js'
import type { CompressionName } from '../compress/types.js'
import type { WireLimits } from '../limits.js'
import type { MessageType } from '../serialize/types.js'
import type { ProtocolNames } from './protocol-id.js'
import type { StreamBudget } from './stream-budget.js'
import { EnvelopeStream } from './stream-envelopes.js'
export { encodeUvarint, frameEnvelope } from './stream-frame-writer.js'
export { DEFAULT_STREAM_FRAME_TIMEOUT_MS, DEFAULT_STREAM_HIGH_WATER_MARK, DEFAULT_STREAM_MIN_BYTES_PER_SECOND } from '../limits.js'

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
   * Refused envelopes: `throw` a {@link errors!RejectedMessageError} out of the read
   * (the stream stays usable), `skip` them (counted in `stats.rejected`), or
   * call a function and skip.
   * @default 'throw'
   */
  onReject?: RejectPolicy
  /** Aborts the stream (and every pending read and write) with an {@link errors!AbortError}. */
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

/** Options of {@link WiresealStream.frames}. */
export interface FramesOptions extends AbortOptions {
  /**
   * Opt-in, for loops that are done with each frame before they ask for the
   * next (forwarding, counting, hashing): a yielded frame is valid only until
   * the loop asks for the next one, which may overwrite its bytes. Frame
   * bodies that span chunks (every 64 KiB frame does) are then copied into one
   * buffer reused by this loop, instead of fresh memory per frame. Copy
   * (`frame.slice()`) what must outlive the iteration. Each `frames()` call
   * has its own buffer: other loops and reads on the stream are unaffected.
   * Bodies over 1 MiB still get memory of their own.
   *
   * @default false (every frame stays valid for as long as it is kept)
   */
  validUntilNextRead?: boolean
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
   * more. Rejects with {@link errors!SizeLimitError}, {@link errors!AbortError},
   * {@link errors!StreamClosedError}, or {@link errors!DeadlineError} when the peer does not
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
   * Accepted envelopes of `type`, in order, until the remote closes its
   * writable end; the value type follows from `type`. Envelopes of any other
   * message type are refused as `wrong-type` (per `onReject`). Throws
   * {@link errors!InvalidConfigError} (`types`) when the stream does not
   * accept `type` at all.
   * Pulls frames only as fast as the loop iterates. Throws
   * {@link errors!SizeLimitError} / {@link errors!MalformedInputError} on bad framing,
   * {@link errors!DeadlineError} on a frame or chunked message arriving too slowly,
   * {@link errors!BufferBudgetError} over the connection or peer budget (the stream
   * is aborted in these cases), {@link errors!RejectedMessageError} under
   * `onReject: 'throw'`, {@link errors!StreamClosedError} on a reset and
   * {@link errors!AbortError} on `signal`.
   * A cancelled read leaves the stream usable.
   */
  read<T>(type: MessageType<T>, options?: AbortOptions): AsyncGenerator<OpenAccepted<T>, void, undefined>
  /** Accepted envelopes of any type the stream accepts (values are `unknown`: narrow them by `type`, or pass the message type). */
  read(options?: AbortOptions): AsyncGenerator<OpenAccepted<unknown>, void, undefined>
  /**
   * @deprecated `T` is an unchecked cast: pass the message type instead,
   * `read(BlockType)`, which also refuses envelopes of other types.
   */
  read<T>(options?: AbortOptions): AsyncGenerator<OpenAccepted<T>, void, undefined>
  /** The next accepted envelope of `type` (see {@link read}), or `undefined` once the remote closed. */
  readOne<T>(type: MessageType<T>, options?: AbortOptions): Promise<OpenAccepted<T> | undefined>
  /** The next accepted envelope of any type the stream accepts, or `undefined` once the remote closed. */
  readOne(options?: AbortOptions): Promise<OpenAccepted<unknown> | undefined>
  /**
   * @deprecated `T` is an unchecked cast: pass the message type instead,
   * `readOne(BlockType)`, which also refuses envelopes of other types.
   */
  readOne<T>(options?: AbortOptions): Promise<OpenAccepted<T> | undefined>
  /** The next raw frame body (an envelope, not opened), or `undefined` at the end. */
  readFrame(options?: AbortOptions): Promise<Uint8Array | undefined>
  /**
   * Raw frame bodies until the end (for forwarding and benchmarks). Each
   * frame stays valid for as long as it is kept, unless
   * {@link FramesOptions.validUntilNextRead} is set.
   */
  frames(options?: FramesOptions): AsyncGenerator<Uint8Array, void, undefined>
  /** Closes the writable end once queued frames are flushed; reading goes on. */
  close(options?: AbortOptions): Promise<void>
  /** Resets the stream: pending and later reads and writes fail with `err` (a wireseal error) or a {@link errors!StreamClosedError}. */
  abort(err: Error): void
}

/**
 * Wraps a libp2p stream in the wireseal frame codec. On a stream negotiated
 * for a wireseal protocol id (see `protocolId`), the channel, message type,
 * serializer and compression default to what the id names.
 */
export function wiresealStream (stream: Stream, init: WiresealStreamInit): WiresealStream {
  return new EnvelopeStream(stream, init)
}
