/**
 * Every error wireseal throws: one class per condition, branchable with
 * `instanceof` or `err.name`, carrying typed `details`. Never match on
 * `message`, which is for humans and may change.
 *
 * @module
 */
import type { RejectReason } from './codec/reasons.js'

/** Base class of every error thrown by wireseal. */
export class WiresealError<D extends object = Record<string, unknown>> extends Error {
  /** Machine-readable facts about the failure; shape fixed per subclass. */
  readonly details: D

  constructor (message: string, details: D, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.details = details
  }
}

/** Which size a {@link SizeLimitError} refers to. */
export type LimitedQuantity =
  | 'payload'
  | 'compressed'
  | 'decompressed'
  | 'frame'
  | 'batch-items'
  | 'proof-depth'
  | 'chunk'
  | 'channel'
  | 'field'
  | 'compressed-frames'
  | 'depth'

/** Details of a {@link SizeLimitError}. */
export interface SizeLimitDetails {
  /** What was measured. */
  quantity: LimitedQuantity
  /** The largest accepted value. */
  limit: number
  /** The value seen or claimed (a claim is checked before anything is allocated). */
  actual: number
}

/** A size (or a size claimed by a header) exceeds the configured budget. */
export class SizeLimitError extends WiresealError<SizeLimitDetails> {
  constructor (quantity: LimitedQuantity, limit: number, actual: number) {
    super(`${quantity} size ${actual} exceeds the limit of ${limit}`, { quantity, limit, actual })
  }
}

/** Details of a {@link MalformedInputError}. */
export interface MalformedDetails {
  /** The decoder that rejected the input, e.g. `snappy`, `protobuf/Block`, `envelope`. */
  format: string
  /** Short human-readable reason, e.g. `truncated`, `bad varint`. */
  reason: string
}

/** Bytes that are not a valid encoding: garbage, truncation, trailing data, corrupt stream. */
export class MalformedInputError extends WiresealError<MalformedDetails> {
  constructor (format: string, reason: string, options?: { cause?: unknown }) {
    super(`malformed ${format} input: ${reason}`, { format, reason }, options)
  }
}

/** What kind of codec an id refers to. */
export type CodecKind = 'serializer' | 'compression' | 'message-type' | 'key-type'

/** Details of {@link UnknownCodecError} and {@link DuplicateCodecError}. */
export interface CodecDetails {
  kind: CodecKind
  /** The numeric wire id or the name that was looked up. */
  id: number | string
}

/** A wire id or name that no registered codec answers to. */
export class UnknownCodecError extends WiresealError<CodecDetails> {
  constructor (kind: CodecKind, id: number | string) {
    super(`unknown ${kind} ${JSON.stringify(id)}${UNKNOWN_CODEC_FIX[kind] ?? ''}`, { kind, id })
  }
}

/** What fixes an {@link UnknownCodecError}, by kind (appended to its message). */
const UNKNOWN_CODEC_FIX: Partial<Record<CodecKind, string>> = {
  'message-type': ': register it, e.g. createSerializerRegistry({ types: [YourType] }), and pass that registry as createCodec({ serializers })',
  serializer: ': register a serializer of the type in that format (SerializerRegistry.register) or name one it has (the `serializer` option; see SerializerRegistry.defaultFor)'
}

/** A codec registered under an id or name that is already taken (ids are never reused). */
export class DuplicateCodecError extends WiresealError<CodecDetails> {
  constructor (kind: CodecKind, id: number | string) {
    super(`${kind} ${JSON.stringify(id)} is already registered`, { kind, id })
  }
}

/** Details of an {@link InvalidValueError}. */
export interface InvalidValueDetails {
  /** Dotted path of the offending field, e.g. `Block.timestamp`. */
  field: string
  /** What was expected, e.g. `uint64 bigint`. */
  expected: string
}

/** A value handed to an encoder does not match its message type. */
export class InvalidValueError extends WiresealError<InvalidValueDetails> {
  constructor (field: string, expected: string) {
    super(`${field}: expected ${expected}`, { field, expected })
  }
}

/** Details of a {@link CodecUnavailableError}. */
export interface CodecUnavailableDetails {
  /** The codec or backend asked for, e.g. `zstd/native`. */
  name: string
  /** Why it cannot be used here. */
  reason: string
}

/** A backend or codec that exists but cannot run in this environment. */
export class CodecUnavailableError extends WiresealError<CodecUnavailableDetails> {
  constructor (name: string, reason: string) {
    super(`${name} is unavailable: ${reason}`, { name, reason })
  }
}

/** Details of an {@link InvalidConfigError}. */
export interface InvalidConfigDetails {
  /** The option that is wrong. */
  option: string
  /** What was expected. */
  expected: string
}

/** An option passed to a factory is out of range or inconsistent. */
export class InvalidConfigError extends WiresealError<InvalidConfigDetails> {
  constructor (option: string, expected: string) {
    super(`option ${option}: expected ${expected}`, { option, expected })
  }
}

/** Details of a {@link StorageError}. */
export interface StorageDetails {
  /** The file involved. */
  path: string
  /** What was being done: `read`, `write`, `commit`... */
  operation: string
  /** Short human-readable reason, e.g. `closed`, or the system error code. */
  reason: string
}

/** Persistent state could not be read or written (the system error, if any, is the `cause`). */
export class StorageError extends WiresealError<StorageDetails> {
  constructor (path: string, operation: string, reason: string, options?: { cause?: unknown }) {
    super(`${operation} ${path}: ${reason}`, { path, operation, reason }, options)
  }
}

/** What a stream was doing when it failed (see {@link StreamClosedError}, {@link AbortError}). */
export type StreamOperation = 'read' | 'write' | 'close' | 'dial' | 'request' | 'stream'

/** Details of a {@link StreamClosedError}. */
export interface StreamClosedDetails {
  operation: StreamOperation
  /** The libp2p stream status seen, e.g. `closed`, `reset`, `aborted`. */
  status: string
}

/** A stream was closed, reset or aborted under a read or write (the libp2p error, if any, is the `cause`). */
export class StreamClosedError extends WiresealError<StreamClosedDetails> {
  constructor (operation: StreamOperation, status: string, options?: { cause?: unknown }) {
    super(`cannot ${operation}: stream is ${status}`, { operation, status }, options)
  }
}

/** Details of an {@link AbortError}. */
export interface AbortDetails {
  operation: StreamOperation
}

/**
 * An operation was cancelled through its AbortSignal (the signal's reason is
 * the `cause`). Named `AbortError` like the DOM and libp2p errors.
 */
export class AbortError extends WiresealError<AbortDetails> {
  constructor (operation: StreamOperation, options?: { cause?: unknown }) {
    super(`${operation} aborted`, { operation }, options)
  }
}

/** Details of a {@link NoCommonProtocolError}. */
export interface NoCommonProtocolDetails {
  /** The protocol ids offered, in preference order. */
  offered: readonly string[]
  /** The remote peer (or address) that supports none of them. */
  peer: string
}

/** Protocol negotiation (multistream-select) found no protocol id both peers support. */
export class NoCommonProtocolError extends WiresealError<NoCommonProtocolDetails> {
  constructor (offered: readonly string[], peer: string, options?: { cause?: unknown }) {
    super(`peer ${peer} supports none of ${offered.join(', ')}`, { offered: [...offered], peer }, options)
  }
}

/** Details of a {@link RejectedMessageError}. */
export interface RejectedMessageDetails {
  /** The codec's rejection reason, one of `REJECT_REASONS` (`invalid-signature`, `replayed`, `wrong-channel`, ...). */
  reason: RejectReason
  /** One line for logs. */
  detail: string
  /** The channel (protocol id or topic) it arrived on. */
  channel: string
}

/** A received envelope was refused by the codec (forged, replayed, wrong channel...). */
export class RejectedMessageError extends WiresealError<RejectedMessageDetails> {
  constructor (reason: RejectReason, detail: string, channel: string) {
    super(`message rejected on ${channel}: ${reason} (${detail})`, { reason, detail, channel })
  }
}

/** Details of a {@link StateLockedError}. */
export interface StateLockedDetails {
  /** The lock file. */
  path: string
  /** The holder's process id, or null when the lock file could not be read. */
  pid: number | null
  /** The holder's host name, or null. */
  host: string | null
  /** When the holder took the lock (ms since epoch), or null. */
  acquiredAt: number | null
  /** How long this process waited before giving up (ms). */
  waitedMs: number
}

/** Another live process holds the exclusive lock of a state file or directory (one writer at a time). */
export class StateLockedError extends WiresealError<StateLockedDetails> {
  constructor (path: string, pid: number | null, host: string | null, acquiredAt: number | null, waitedMs: number) {
    const who = pid === null ? 'another process' : `pid ${pid}${host === null ? '' : ` on ${host}`}`
    super(`${path} is held by ${who}; gave up after waiting ${waitedMs} ms (one process at a time may use this state)`, { path, pid, host, acquiredAt, waitedMs })
  }
}

/** Details of a {@link CorruptStateError}. */
export interface CorruptStateDetails extends MalformedDetails {
  /** The damaged state file. */
  path: string
}

/**
 * A persisted state file is damaged (checksum, truncation, schema). It is left
 * in place for inspection; `wireseal state reset --state DIR` moves it aside.
 * A {@link MalformedInputError}, so existing handlers still catch it.
 */
export class CorruptStateError extends MalformedInputError {
  declare readonly details: CorruptStateDetails
  constructor (path: string, format: string, reason: string, options?: { cause?: unknown }) {
    super(format, reason, options)
    this.message = `damaged state file ${path} (${format}: ${reason}); move it aside with \`wireseal state reset --state ${dirnameOf(path)}\` or startFresh`
    Object.defineProperty(this, 'details', { value: { format, reason, path }, enumerable: true })
  }
}

function dirnameOf (path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'))
  return i <= 0 ? '.' : path.slice(0, i)
}

/** Which deadline a {@link DeadlineError} refers to. */
export type DeadlineKind = 'frame' | 'idle' | 'chunked' | 'drain'

/** Details of a {@link DeadlineError}. */
export interface DeadlineDetails {
  operation: StreamOperation
  /** `frame`: one frame's bytes; `idle`: silence between frames; `chunked`: a chunked message's frames; `drain`: queued writes. */
  deadline: DeadlineKind
  /** Time the deadline allowed (ms): base + expected bytes / minimum rate. */
  limitMs: number
  /** Bytes received (or drained) when it expired. */
  doneBytes: number
  /** Bytes that were due (0 when not known yet, e.g. an unfinished length prefix). */
  expectedBytes: number
}

/** A stream missed a deadline (a peer sending or reading below the minimum rate, or silent); the stream is reset. */
export class DeadlineError extends WiresealError<DeadlineDetails> {
  constructor (operation: StreamOperation, deadline: DeadlineKind, limitMs: number, doneBytes: number, expectedBytes: number) {
    super(`${operation}: ${deadline} deadline of ${Math.round(limitMs)} ms missed (${doneBytes} of ${expectedBytes > 0 ? expectedBytes : '?'} bytes)`, { operation, deadline, limitMs, doneBytes, expectedBytes })
  }
}

/** Details of a {@link BufferBudgetError}. */
export interface BufferBudgetDetails {
  /** The budget exceeded: bytes held for one connection or for one remote peer. */
  scope: 'connection' | 'peer'
  /** The connection id or peer id. */
  id: string
  /** Bytes allowed in that scope. */
  limit: number
  /** Bytes the scope would have held. */
  actual: number
}

/** Unfinished frames held for one connection or peer, over all its wireseal streams, would exceed the budget; the stream is reset. */
export class BufferBudgetError extends WiresealError<BufferBudgetDetails> {
  constructor (scope: 'connection' | 'peer', id: string, limit: number, actual: number) {
    super(`${scope} ${id} would hold ${actual} buffered bytes, over its budget of ${limit}`, { scope, id, limit, actual })
  }
}

/**
 * The wire rule of SPEC.md an input broke (see SPEC.md "Rejection rules").
 * Every rule names exactly one condition, so a decoder's refusal is typed
 * finer than `malformed`.
 */
export type WireRule =
  | 'varint-non-minimal'
  | 'varint-overflow'
  | 'truncated'
  | 'field-order'
  | 'unknown-field'
  | 'wire-type'
  | 'default-value'
  | 'missing-field'
  | 'foreign-field'
  | 'unsupported-version'
  | 'unknown-kind'
  | 'digest-length'
  | 'count'
  | 'chunk-size'
  | 'payload-length'
  | 'channel-utf8'
  | 'item-fields'
  | 'proof-length'
  | 'key-type'
  | 'key-length'
  | 'key-uncompressed'
  | 'key-non-canonical'
  | 'key-invalid'
  | 'batch-prefix'
  | 'trailing-bytes'
  | 'field-length'
  | 'empty-root'

/** Details of a {@link WireFormatError}. */
export interface WireFormatDetails extends MalformedDetails {
  /** The rule broken. */
  rule: WireRule
}

/** Bytes that break one named rule of the wire format (SPEC.md); a {@link MalformedInputError}, so existing handlers still catch it. */
export class WireFormatError extends MalformedInputError {
  declare readonly details: WireFormatDetails
  constructor (format: string, rule: WireRule, reason: string, options?: { cause?: unknown }) {
    super(format, `${reason} [${rule}]`, options)
    Object.defineProperty(this, 'details', { value: { format, reason, rule }, enumerable: true })
  }
}

/** Details of a {@link SchemaFileError}. */
export interface SchemaFileDetails {
  /** The schema file. */
  path: string
  /** The bad entry, as a path into the file's JSON (e.g. `fields.tags.maxItems`, `[1].id`); empty for the file as a whole. */
  field: string
  /** What was expected there. */
  expected: string
}

/** A message type description given as JSON (`wireseal --schema FILE`) that is not a valid `defineMessageType` input. */
export class SchemaFileError extends WiresealError<SchemaFileDetails> {
  constructor (path: string, field: string, expected: string) {
    super(`${path}${field === '' ? '' : `: ${field}`}: expected ${expected}`, { path, field, expected })
  }
}

/** What failed at a responder that answered a request with an error frame (SPEC.md 14.4). */
export type RequestFailure = 'bad-request' | 'handler-failed' | 'bad-response' | 'timeout' | 'unknown'

/** Details of a {@link RequestFailedError}. */
export interface RequestFailedDetails {
  /** The protocol id (channel) of the exchange. */
  protocol: string
  /** What failed; `unknown` for a code this version does not know. */
  failure: RequestFailure
  /** The error frame's code byte. */
  code: number
  /** The responder's one line: a rejection reason, an error name, a limit (never an error message). */
  detail: string
  /** The option that addresses it, when one does (e.g. the responder's `timeoutMs`). */
  option: string | undefined
}

/** The responder of a request answered with an error frame instead of a response (SPEC.md 14.4). */
export class RequestFailedError extends WiresealError<RequestFailedDetails> {
  constructor (details: RequestFailedDetails) {
    const { protocol, failure, code, detail, option } = details
    const what = failure === 'unknown' ? `failed with code ${code}` : `failed: ${failure}`
    super(`request on ${protocol} ${what}${detail === '' ? '' : ` (${detail})`}${option === undefined ? '' : `; see ${option}`}`, details)
  }
}
