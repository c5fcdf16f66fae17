/**
 * One-shot request/response over the stream codec: the requester writes one
 * envelope and closes its writable end; the responder reads it, writes one
 * envelope back and closes. Both envelopes are bound to the stream's protocol
 * id (the channel), so a response cannot be replayed as a request elsewhere.
 * Besides the whole-exchange `timeoutMs`, the stream's own frame and drain
 * deadlines and (with a connection) its byte budget apply, as on any
 * {@link wiresealStream}.
 *
 * @module
 */
import './polyfill.js'
import type { Connection, Stream, StreamHandler } from '@libp2p/interface'
import type { OpenAccepted } from '../codec/index.js'
import { AbortError, StreamClosedError } from '../errors.js'
import type { MessageType } from '../serialize/types.js'
import { wiresealStream, type WiresealStreamInit } from './stream.js'
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

function timeoutSignal (signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timeout = AbortSignal.timeout(timeoutMs)
  return signal === undefined ? timeout : AbortSignal.any([signal, timeout])
}

/**
 * Sends one value on `stream` and returns the accepted response; the stream
 * is closed (or aborted on failure) when it returns. A refused response
 * throws {@link errors!RejectedMessageError}; a stream closed without one,
 * {@link StreamClosedError}; the timeout or `signal`, {@link AbortError}; a
 * stalled frame or write, {@link errors!DeadlineError}.
 */
export async function request<T, R = unknown> (stream: Stream, type: MessageType<T>, value: T, init: RequestInit): Promise<OpenAccepted<R>> {
  const signal = timeoutSignal(init.signal, init.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
  const { signal: _ignored, responseTypes, ...rest } = init
  const ws = wiresealStream(stream, { ...rest, types: responseTypes ?? rest.types, onReject: 'throw' })
  try {
    await ws.write(type, value, { signal })
    await ws.close({ signal })
    const response = await ws.readOne<R>({ signal })
    if (response === undefined) throw new StreamClosedError('request', 'closed before a response')
    return response
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
}

/** Options of {@link requestHandler}. */
export interface RequestHandlerInit extends Omit<WiresealStreamInit, 'signal' | 'onReject' | 'connection'> {
  /**
   * Upper bound on one exchange (read, respond, write).
   * @default DEFAULT_REQUEST_TIMEOUT_MS (10 s)
   */
  timeoutMs?: number
  /** Called with any failure (refused request, timeout, responder error); the stream is aborted. */
  onError?: (err: unknown) => void
}

/**
 * A libp2p stream handler answering one request per stream with `respond`,
 * for `node.handle(protocols, requestHandler(...))`.
 */
export function requestHandler<Q = unknown, R = unknown> (init: RequestHandlerInit, respond: (req: OpenAccepted<Q>, context: RespondContext) => Reply<R> | Promise<Reply<R>>): StreamHandler {
  const { timeoutMs, onError, ...streamInit } = init
  return async (stream: Stream, connection: Connection): Promise<void> => {
    const signal = AbortSignal.timeout(timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
    const ws = wiresealStream(stream, { ...streamInit, connection, onReject: 'throw' })
    try {
      const req = await ws.readOne<Q>({ signal })
      if (req === undefined) throw new StreamClosedError('read', 'closed before a request')
      const reply = await respond(req, { stream, connection })
      await ws.write(reply.type, reply.value, { signal })
      await ws.close({ signal })
    } catch (err) {
      onError?.(err)
      ws.abort(err instanceof Error ? err : new AbortError('request', { cause: err }))
    }
  }
}
