/**
 * The node's HTTP endpoint (node:http, no framework): `GET /metrics`,
 * `GET /health/live`, `GET /health/ready`, `GET /status`.
 *
 * Bounded: headers and whole requests time out (Node checks both every
 * `connectionsCheckingInterval`, here 1 s instead of 30 s), headers are at
 * most 8 KiB, a request with a body is refused unread (413), at most
 * `maxSockets` sockets are open (more are dropped by Node), and every
 * provider (`status`, the registry's collectors) gets `handlerTimeoutMs`.
 * `close()` ends keep-alive and in-flight sockets too, so it never hangs
 * (Lodestar `metrics/server/http.ts`: a plain `server.close()` waits for
 * every keep-alive socket to time out).
 *
 * Responses are JSON except `/metrics` (the registry's content type), all
 * with `Cache-Control: no-store`. Probes answer 200 or 503 with the report;
 * any other path is a 404, any other method a 405 with `Allow: GET`.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { InvalidConfigError } from 'wireseal/errors'
import { checkInt, checkPositiveInt } from 'wireseal/options'
import type { HealthReport } from './health.js'

/** Address the endpoint binds by default (inside a container, bind 0.0.0.0 explicitly). */
export const DEFAULT_HTTP_HOST = '127.0.0.1'
/** Port of the endpoint by default: the usual node-exporter style metrics port. */
export const DEFAULT_HTTP_PORT = 9100
/** Time to receive a request's headers. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 5_000
/** Time to receive a whole request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000
/** Time a provider (`status()`, the registry's collectors) gets before a 503. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 5_000
/** Idle time of a keep-alive socket. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 5_000
/** Open sockets (Prometheus, probes, a status command or two). */
export const DEFAULT_MAX_SOCKETS = 64
/** Size of a request's headers. */
export const DEFAULT_MAX_HEADER_BYTES = 8 * 1024
/** Largest `/status` JSON. */
export const DEFAULT_MAX_STATUS_BYTES = 1024 * 1024

/** What `/metrics` reads: a prom-client `Registry`, or a `NodeMetrics`. */
export interface MetricsSource {
  metrics(): Promise<string>
  readonly contentType: string
}

/** Options of {@link startNodeHttp}. */
export interface NodeHttpInit {
  /**
   * Address to bind.
   * @default DEFAULT_HTTP_HOST ('127.0.0.1')
   */
  host?: string
  /**
   * Port to bind; 0 picks a free one.
   * @default DEFAULT_HTTP_PORT (9100)
   */
  port?: number
  /** Served at `/metrics`. */
  registry: MetricsSource
  /** Served at `/health/live` and `/health/ready`; must be cheap and synchronous. */
  health: () => HealthReport
  /** Served at `/status` as JSON (bigints become strings). */
  status: () => unknown
  /**
   * @default DEFAULT_HEADERS_TIMEOUT_MS (5 s)
   */
  headersTimeoutMs?: number
  /**
   * @default DEFAULT_REQUEST_TIMEOUT_MS (10 s)
   */
  requestTimeoutMs?: number
  /**
   * @default DEFAULT_HANDLER_TIMEOUT_MS (5 s)
   */
  handlerTimeoutMs?: number
  /**
   * @default DEFAULT_KEEP_ALIVE_TIMEOUT_MS (5 s)
   */
  keepAliveTimeoutMs?: number
  /**
   * @default DEFAULT_MAX_SOCKETS (64)
   */
  maxSockets?: number
  /**
   * @default DEFAULT_MAX_HEADER_BYTES (8 KiB)
   */
  maxHeaderBytes?: number
  /**
   * @default DEFAULT_MAX_STATUS_BYTES (1 MiB)
   */
  maxStatusBytes?: number
}

/** A started endpoint. */
export interface NodeHttp {
  /** `http://host:port`, with the bound port. */
  readonly url: string
  /** The bound port. */
  readonly port: number
  /** Stops listening and ends every open socket; resolves once closed. Idempotent. */
  close(): Promise<void>
}

const TIMED_OUT = Symbol('timed out')

/**
 * `promise`, or {@link TIMED_OUT} after `ms` or once `signal` aborts (the
 * server closed): a provider that never settles holds no timer past either.
 */
async function within<T> (promise: Promise<T>, ms: number, signal: AbortSignal): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => { resolve(TIMED_OUT) }, ms)
    onAbort = () => { resolve(TIMED_OUT) }
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort)
  }
}

function jsonText (value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null'
}

function send (res: ServerResponse, code: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  if (res.destroyed || res.writableEnded) return
  res.writeHead(code, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers
  })
  res.end(body)
}

function sendJson (res: ServerResponse, code: number, value: unknown, headers?: Record<string, string>): void {
  send(res, code, jsonText(value) + '\n', 'application/json; charset=utf-8', headers)
}

function hasBody (req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
}

/** Starts the endpoint; rejects with the listen error (e.g. `EADDRINUSE`). */
export async function startNodeHttp (init: NodeHttpInit): Promise<NodeHttp> {
  const host = init.host ?? DEFAULT_HTTP_HOST
  if (typeof host !== 'string' || host === '') throw new InvalidConfigError('host', 'a non-empty address')
  const port = init.port ?? DEFAULT_HTTP_PORT
  checkInt('port', port, 0, 65535)
  const headersTimeout = checkPositiveInt('headersTimeoutMs', init.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS)
  const requestTimeout = checkPositiveInt('requestTimeoutMs', init.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
  if (headersTimeout > requestTimeout) throw new InvalidConfigError('headersTimeoutMs', `at most requestTimeoutMs (${requestTimeout})`)
  const handlerTimeout = checkPositiveInt('handlerTimeoutMs', init.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS)
  const keepAliveTimeout = checkPositiveInt('keepAliveTimeoutMs', init.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS)
  const maxSockets = checkPositiveInt('maxSockets', init.maxSockets ?? DEFAULT_MAX_SOCKETS)
  const maxHeaderSize = checkInt('maxHeaderBytes', init.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES, 1024)
  const maxStatusBytes = checkPositiveInt('maxStatusBytes', init.maxStatusBytes ?? DEFAULT_MAX_STATUS_BYTES)
  for (const k of ['health', 'status'] as const) if (typeof init[k] !== 'function') throw new InvalidConfigError(k, 'a function')
  if (typeof init.registry?.metrics !== 'function') throw new InvalidConfigError('registry', 'a prom-client Registry or NodeMetrics')
  const { registry, health, status } = init
  const closed = new AbortController()

  const probe = (res: ServerResponse, field: 'live' | 'ready'): void => {
    let report: HealthReport
    try {
      report = health()
    } catch {
      sendJson(res, 503, { live: false, ready: false, reason: 'health-error' })
      return
    }
    sendJson(res, report[field] === true ? 200 : 503, report)
  }

  const metrics = async (res: ServerResponse): Promise<void> => {
    let text: string | typeof TIMED_OUT
    try {
      text = await within(Promise.resolve().then(async () => await registry.metrics()), handlerTimeout, closed.signal)
    } catch {
      sendJson(res, 500, { error: 'metrics-failed' })
      return
    }
    if (text === TIMED_OUT) sendJson(res, 503, { error: 'metrics-timeout' })
    else send(res, 200, text, registry.contentType)
  }

  const statusRoute = async (res: ServerResponse): Promise<void> => {
    let body: string
    try {
      const value = await within(Promise.resolve().then(status), handlerTimeout, closed.signal)
      if (value === TIMED_OUT) {
        sendJson(res, 503, { error: 'status-timeout' })
        return
      }
      body = jsonText(value) + '\n'
    } catch {
      sendJson(res, 500, { error: 'status-failed' })
      return
    }
    if (Buffer.byteLength(body) > maxStatusBytes) sendJson(res, 500, { error: 'status-too-large', limit: maxStatusBytes })
    else send(res, 200, body, 'application/json; charset=utf-8')
  }

  const server = createServer({
    headersTimeout,
    requestTimeout,
    keepAliveTimeout,
    maxHeaderSize,
    connectionsCheckingInterval: Math.min(1_000, headersTimeout)
  }, (req, res) => {
    if (hasBody(req)) {
      // Not read: answered and the socket closed, so no body bytes are buffered.
      sendJson(res, req.method === 'GET' ? 413 : 405, { error: req.method === 'GET' ? 'body-not-accepted' : 'method-not-allowed' }, { connection: 'close', allow: 'GET' })
      return
    }
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'method-not-allowed' }, { allow: 'GET' })
      return
    }
    const path = (req.url ?? '/').split('?', 1)[0]
    switch (path) {
      case '/metrics': void metrics(res); return
      case '/health/live': probe(res, 'live'); return
      case '/health/ready': probe(res, 'ready'); return
      case '/status': void statusRoute(res); return
      default: sendJson(res, 404, { error: 'not-found' })
    }
  })
  server.maxConnections = maxSockets
  server.maxRequestsPerSocket = 1000
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => { sockets.delete(socket) })
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => { reject(err) }
    server.once('error', onError)
    server.listen({ host, port }, () => {
      server.off('error', onError)
      resolve()
    })
  })
  // After listening, a server error (e.g. EMFILE on accept) must not crash the process.
  server.on('error', () => {})
  const bound = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host

  let closing: Promise<void> | undefined
  return {
    url: `http://${urlHost}:${bound}`,
    port: bound,
    async close (): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        closed.abort()
        server.close(() => { resolve() })
        server.closeAllConnections()
        for (const s of sockets) s.destroy()
      })
      await closing
    }
  }
}
