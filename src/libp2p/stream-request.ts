/**
 * One-shot request/response over the stream codec (SPEC.md 14.4): the
 * requester writes one envelope and closes its writable end; the responder
 * reads it, writes one frame back and closes. That frame is the response
 * envelope, or an error frame naming what failed (a refused request, the
 * handler, a reply that cannot be sealed, the timeout), which the requester
 * throws as {@link errors!RequestFailedError}. Both envelopes are bound to the
 * stream's protocol id (the channel), so a response cannot be replayed as a
 * request elsewhere. Besides the whole-exchange `timeoutMs`, the stream's own
 * frame and drain deadlines and (with a connection) its byte budget apply,
 * as on any `wiresealStream`.
 *
 * @module
 */
import './polyfill.js'
import type { Connection, Stream, StreamHandler } from '@libp2p/interface'
import type { OpenAccepted } from '../codec/index.js'
import { AbortError, InvalidConfigError, RejectedMessageError, SizeLimitError, StreamClosedError, type RequestFailure } from '../errors.js'
import type { MessageType } from '../serialize/types.js'
import { decodeRequestErrorFrame, encodeRequestErrorFrame, isRequestErrorFrame } from './request-error-frame.js'
import { EnvelopeStream } from './stream-envelopes.js'
import type { WiresealStreamInit } from './stream.js'
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../limits.js'
export { DEFAULT_REQUEST_TIMEOUT_MS }

/** Options of {@link request}. */
export interface RequestInit extends Omit<WiresealStreamInit, 'onReject'> {
  /**
   * Upper bound on the whole exchange, combined with `signal`.
   * @default DEFAULT_REQUEST_TIMEOUT_MS (10 s)
   */
  timeoutMs?: number
  /** Message type ids accepted as the response. @default init.types or the type of the protocol id */
  responseTypes?: ReadonlyArray<number>
}

/** Options of {@link request} with the response's message type, which types the result. */
export interface TypedRequestInit<R> extends RequestInit {
  /** The response's message type; a response of another type is refused (`wrong-type`). */
  responseType: MessageType<R>
}

function timeoutSignal (signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs)
  return signal === undefined ? timeout : AbortSignal.any([signal, timeout])
}

/**
 * Sends one value on `stream` and returns the accepted response, typed by
 * `init.responseType`; the stream is closed (or aborted on failure) when it
 * returns. A responder that answered with an error frame throws
 * {@link errors!RequestFailedError} (what failed, and the option that addresses
 * it); a refused response, {@link errors!RejectedMessageError}; a stream
 * closed without an answer, {@link errors!StreamClosedError} (a responder older than
 * SPEC.md 14.4 resets instead of answering); the timeout or `signal`,
 * {@link errors!AbortError}; a stalled frame or write, {@link errors!DeadlineError}.
 */
export function request<T, R> (stream: Stream, type: MessageType<T>, value: T, init: TypedRequestInit<R>): Promise<OpenAccepted<R>>
export function request<T> (stream: Stream, type: MessageType<T>, value: T, init: RequestInit): Promise<OpenAccepted<unknown>>
/** @deprecated `R` is an unchecked cast: pass `responseType` in `init` instead. */
export function request<T, R> (stream: Stream, type: MessageType<T>, value: T, init: RequestInit): Promise<OpenAccepted<R>>
export async function request<T, R> (stream: Stream, type: MessageType<T>, value: T, init: RequestInit & { responseType?: MessageType<R> }): Promise<OpenAccepted<R>> {
  const signal = timeoutSignal(init.signal, init.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
  const { signal: _ignored, responseTypes, responseType, ...rest } = init
  const ws = new EnvelopeStream(stream, { ...rest, types: responseTypes ?? rest.types, onReject: 'throw' })
  try {
    await ws.write(type, value, { signal })
    await ws.close({ signal })
    const frame = await ws.readFrame({ signal })
    if (frame === undefined) throw new StreamClosedError('request', 'closed before a response')
    if (isRequestErrorFrame(frame)) throw decodeRequestErrorFrame(frame, ws.channel)
    // Under onReject 'throw' a refused response throws: an accepted one is all that returns.
    return await ws.openFrame(frame, responseType, signal) as OpenAccepted<R>
  } catch (err) {
    const wrapped = signal.aborted && !(err instanceof AbortError) ? new AbortError('request', { cause: signal.reason }) : err
    ws.abort(wrapped instanceof Error ? wrapped : new AbortError('request', { cause: wrapped }))
    throw wrapped
  }
}

/** The reply a responder returns: a message type and a value of it. */
export interface Reply<R> {
  type: MessageType<R>
  value: R
}

/** What a responder learns besides the request. */
export interface RespondContext {
  readonly stream: Stream
  readonly connection: Connection
  /** Fires at the exchange's `timeoutMs`: the requester is then answered `timeout` and the reply is no longer wanted. */
  readonly signal: AbortSignal
}

/** Options of {@link requestHandler}. */
export interface RequestHandlerInit extends Omit<WiresealStreamInit, 'signal' | 'onReject' | 'connection'> {
  /**
   * Upper bound on one exchange (read, respond, write).
   * @default DEFAULT_REQUEST_TIMEOUT_MS (10 s)
   */
  timeoutMs?: number
  /**
   * Called with any failure: a refused request, the timeout, the responder's
   * error, a reply that cannot be sealed, a broken stream. Whether or not it
   * is set, the requester is answered with an error frame naming the failure
   * (the error's name, never its message) while the stream can carry one;
   * otherwise the stream is aborted.
   * @default none
   */
  onError?: (err: unknown) => void
}

/** Options of {@link requestHandler} with the request's message type, which types `respond`'s request. */
export interface TypedRequestHandlerInit<Q> extends RequestHandlerInit {
  /** The request's message type; a request of another type is refused (`wrong-type`) and answered `bad-request`. */
  requestType: MessageType<Q>
}

/** What a responder answers the requester when an exchange failed. */
type Answer = [failure: Exclude<RequestFailure, 'unknown'>, detail: string]

/** Where an exchange failed: reading the request, in `respond`, sealing the reply, writing it. */
type Stage = 'read' | 'respond' | 'seal' | 'write'

/** The answer to a failure at `stage`, or undefined when only a reset fits (the stream itself failed). */
function answerFor (err: unknown, stage: Stage, timedOut: boolean, timeoutMs: number): Answer | undefined {
  if (stage === 'read' && err instanceof RejectedMessageError) return ['bad-request', err.details.reason]
  if (stage === 'read' && err instanceof StreamClosedError && err.details.status === NO_REQUEST) return ['bad-request', 'no request']
  if (timedOut) return ['timeout', `${timeoutMs} ms`]
  if (stage === 'respond' || stage === 'read') return ['handler-failed', errorName(err)]
  // A reply too large for a frame is the reply's fault; any other write failure is the stream's.
  if (stage === 'seal' || err instanceof SizeLimitError) return ['bad-response', errorName(err)]
  return undefined
}

/** The status of the StreamClosedError of a stream that closed before its request. */
const NO_REQUEST = 'closed before a request'

function errorName (err: unknown): string {
  return err instanceof Error ? err.name : typeof err
}

/** `work`, or an {@link errors!AbortError} once `signal` fires first (`work` is left to finish on its own). */
async function beforeAbort<V> (work: Promise<V>, signal: AbortSignal): Promise<V> {
  if (signal.aborted) throw new AbortError('request', { cause: signal.reason })
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { reject(new AbortError('request', { cause: signal.reason })) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  work.catch(() => {})
  try {
    return await Promise.race([work, aborted])
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

/** Writes an error frame as the one answer and closes; false when the stream cannot carry it. */
async function answerWithError (ws: EnvelopeStream, answer: Answer, timeoutMs: number): Promise<boolean> {
  if (ws.failure !== undefined || ws.stream.writeStatus !== 'writable') return false
  // The exchange's signal may have fired already: the answer gets a deadline of its own.
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    await ws.writeSealed(encodeRequestErrorFrame(...answer), { signal })
    await ws.close({ signal })
    return true
  } catch {
    return false
  }
}

/**
 * A libp2p stream handler answering one request per stream with `respond`,
 * for `node.handle(protocols, requestHandler(...))`. With `requestType` the
 * request's value is typed by it; the reply's type follows from `respond`.
 */
export function requestHandler<Q, R> (init: TypedRequestHandlerInit<Q>, respond: (req: OpenAccepted<Q>, context: RespondContext) => Reply<R> | Promise<Reply<R>>): StreamHandler
export function requestHandler<R> (init: RequestHandlerInit, respond: (req: OpenAccepted<unknown>, context: RespondContext) => Reply<R> | Promise<Reply<R>>): StreamHandler
/** @deprecated `Q` is an unchecked cast: pass `requestType` in `init` instead. */
export function requestHandler<Q, R> (init: RequestHandlerInit, respond: (req: OpenAccepted<Q>, context: RespondContext) => Reply<R> | Promise<Reply<R>>): StreamHandler
export function requestHandler<Q, R> (init: RequestHandlerInit & { requestType?: MessageType<Q> }, respond: (req: OpenAccepted<Q>, context: RespondContext) => Reply<R> | Promise<Reply<R>>): StreamHandler {
  const { timeoutMs, onError, requestType, ...streamInit } = init
  const ms = timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  if (requestType !== undefined && init.types !== undefined && !init.types.includes(requestType.id)) {
    throw new InvalidConfigError('types', `a set with the requestType ${requestType.name} (${requestType.id}), got ${init.types.join(', ')}`)
  }
  return async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(ms)
    const ws = new EnvelopeStream(stream, { ...streamInit, connection, onReject: 'throw' })
    const fail = async (err: unknown, stage: Stage): Promise<void> => {
      try {
        onError?.(err)
      } catch {
        // a reporter that throws must not keep the requester from its answer
      }
      const answer = answerFor(err, stage, signal.aborted, ms)
      // answerWithError declines when the stream failed itself (framing, deadline, budget, reset).
      if (answer === undefined || !(await answerWithError(ws, answer, ms))) ws.abort(err instanceof Error ? err : new AbortError('request', { cause: err }))
    }
    let req: OpenAccepted<Q> | undefined
    try {
      req = requestType === undefined ? await ws.readOne<Q>({ signal }) : await ws.readOne(requestType, { signal })
      if (req === undefined) throw new StreamClosedError('read', NO_REQUEST)
    } catch (err) {
      await fail(err, 'read')
      return
    }
    let reply: Reply<R>
    try {
      reply = await beforeAbort(Promise.resolve().then(async () => respond(req, { stream, connection, signal })), signal)
    } catch (err) {
      await fail(err, 'respond')
      return
    }
    let envelope: Uint8Array
    try {
      envelope = ws.seal(reply.type, reply.value)
    } catch (err) {
      await fail(err, 'seal')
      return
    }
    try {
      await ws.writeSealed(envelope, { signal })
      await ws.close({ signal })
    } catch (err) {
      await fail(err, 'write')
    }
  }
}
