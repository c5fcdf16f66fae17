/**
 * `wireseal-node status [--url http://127.0.0.1:9100] [--timeout-ms 3000] [--min-mesh-peers 4]`:
 * a one-screen diagnosis of a running node from its HTTP endpoints
 * (`/health/live`, `/health/ready`, `/metrics`, `/status`), in the spirit of
 * Kubo's `ipfs swarm resources` (limits shown next to usage).
 *
 * Exit codes: {@link EXIT_HEALTHY} 0 (ready, nothing over a threshold),
 * {@link EXIT_DEGRADED} 1 (unready, not live, a threshold crossed, or
 * `/metrics` unreadable), {@link EXIT_UNREACHABLE} 2 (no answer from
 * `/health/live`, or bad arguments). The thresholds are the alert rules'
 * (deploy/prometheus/alerts.yml; a test checks that they agree).
 *
 * Every request has a timeout and a size cap; text from the node is printed
 * with control characters replaced, so a hostile endpoint cannot drive the
 * terminal.
 *
 * @module
 */
import { InvalidConfigError } from 'wireseal/errors'
import { checkPositiveInt } from 'wireseal/options'
import { histogramBuckets, histogramQuantile } from './metrics/histogram-quantile.js'
import { parsePromText, selectSamples, sumSamples, type PromText } from './metrics/prom-text.js'

/** Where the command looks by default: the node's default metrics address. */
export const DEFAULT_STATUS_URL = 'http://127.0.0.1:9100'
/** Time each request gets. */
export const DEFAULT_STATUS_TIMEOUT_MS = 3_000
/** Largest response read from one endpoint. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024

/** Ready, nothing over a threshold. */
export const EXIT_HEALTHY = 0
/** Unready, not live, a threshold crossed, or metrics unreadable. */
export const EXIT_DEGRADED = 1
/** The node did not answer (or the arguments were bad). */
export const EXIT_UNREACHABLE = 2

/** When the command calls a node degraded. */
export interface StatusThresholds {
  /** Connections over this fraction of their limit, in either direction. */
  readonly connectionRatio: number
  /** Fewer gossip mesh peers than this on a topic. */
  readonly minMeshPeers: number
  /** Message processing p99 above this many seconds. */
  readonly processingP99Seconds: number
  /** RSS over this fraction of `p2p_memory_limit_bytes`. */
  readonly memoryRatio: number
}

/** The alert rules' thresholds (seeds/p2p-production-best-practices.txt, "Key Metrics and Alert Thresholds"). */
export const DEFAULT_STATUS_THRESHOLDS: Readonly<StatusThresholds> = Object.freeze({
  connectionRatio: 0.8,
  minMeshPeers: 4,
  processingP99Seconds: 1,
  memoryRatio: 0.8
})

/** Where the report goes (e.g. `process.stdout`). */
export interface StatusOutput {
  write(text: string): unknown
}

/** Options of {@link runStatusCommand}. */
export interface StatusCommandInit {
  /**
   * The node's HTTP endpoint.
   * @default DEFAULT_STATUS_URL ('http://127.0.0.1:9100')
   */
  url?: string
  /** Where the report is written. */
  out: StatusOutput
  /**
   * The fetch to use.
   * @default globalThis.fetch
   */
  fetch?: typeof globalThis.fetch
  /**
   * @default DEFAULT_STATUS_TIMEOUT_MS (3 s)
   */
  timeoutMs?: number
  /**
   * @default DEFAULT_MAX_RESPONSE_BYTES (8 MiB)
   */
  maxResponseBytes?: number
  /**
   * @default DEFAULT_STATUS_THRESHOLDS
   */
  thresholds?: Partial<StatusThresholds>
}

/** One endpoint's answer (any HTTP status), or why there is none. */
export type EndpointResult = { ok: true, status: number, text: string } | { ok: false, error: string }

/** Control characters replaced, length capped: safe to print. */
function clean (value: unknown, max = 120): string {
  const s = String(value)
  // eslint-disable-next-line no-control-regex
  const printable = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?')
  return printable.length > max ? `${printable.slice(0, max)}...` : printable
}

function describeError (err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer in ${timeoutMs} ms`
  const cause = err instanceof Error ? (err as Error & { cause?: { code?: unknown, message?: unknown } }).cause : undefined
  if (cause?.code !== undefined) return clean(cause.code)
  if (typeof cause?.message === 'string' && cause.message !== '') return clean(cause.message) // e.g. fetch's "bad port"
  return clean(err instanceof Error ? err.message : err)
}

async function fetchText (doFetch: typeof globalThis.fetch, url: string, timeoutMs: number, maxBytes: number): Promise<EndpointResult> {
  const signal = AbortSignal.timeout(timeoutMs)
  try {
    const res = await doFetch(url, { signal, redirect: 'error', headers: { accept: '*/*' } })
    const reader = res.body?.getReader()
    const chunks: Uint8Array[] = []
    let size = 0
    if (reader !== undefined) {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > maxBytes) {
          await reader.cancel().catch(() => {})
          return { ok: false, error: `response over ${maxBytes} bytes` }
        }
        chunks.push(value)
      }
    }
    return { ok: true, status: res.status, text: Buffer.concat(chunks).toString('utf8') }
  } catch (err) {
    return { ok: false, error: describeError(err, timeoutMs) }
  }
}

function parseJson (f: EndpointResult): Record<string, unknown> | undefined {
  if (!f.ok) return undefined
  try {
    const v: unknown = JSON.parse(f.text)
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

function bytes (n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++ }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`
}

function seconds (s: number): string {
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} us`
  if (s < 1) return `${(s * 1e3).toFixed(2)} ms`
  return `${s.toFixed(2)} s`
}

function percent (ratio: number): string {
  return `${Math.round(ratio * 100)}%`
}

function uptime (s: number): string {
  const d = Math.floor(s / 86400); const h = Math.floor(s / 3600) % 24; const m = Math.floor(s / 60) % 60
  return d > 0 ? `${d}d${h}h` : h > 0 ? `${h}h${m}m` : `${m}m${Math.floor(s % 60)}s`
}

/** What {@link diagnose} reads. */
export interface StatusInputs {
  /** `/health/live`: unreachable when it failed. */
  readonly live: EndpointResult
  readonly ready: EndpointResult
  readonly metrics: EndpointResult
  readonly status: EndpointResult
}

/** The report: lines to print, problems found, the exit code. */
export interface StatusDiagnosis {
  readonly lines: readonly string[]
  readonly problems: readonly string[]
  readonly exitCode: number
}

/** The diagnosis of fetched endpoints: pure, so tests can drive every branch. */
export function diagnose (url: string, inputs: StatusInputs, thresholds: StatusThresholds = DEFAULT_STATUS_THRESHOLDS): StatusDiagnosis {
  const lines: string[] = [`wireseal-node status ${clean(url)}`]
  const row = (label: string, text: string): void => { lines.push(`  ${label.padEnd(12)} ${text}`) }
  if (!inputs.live.ok) {
    row('reachable', `no (${inputs.live.error})`)
    lines.push('verdict: UNREACHABLE')
    return { lines, problems: ['unreachable'], exitCode: EXIT_UNREACHABLE }
  }
  const problems: string[] = []
  row('reachable', 'yes')
  const live = parseJson(inputs.live)
  const isLive = inputs.live.status === 200 && live?.live === true
  row('live', isLive ? 'yes' : `no (${clean(live?.reason ?? `HTTP ${inputs.live.status}`)})`)
  if (!isLive) problems.push('not live')
  const ready = parseJson(inputs.ready)
  const isReady = inputs.ready.ok && inputs.ready.status === 200 && ready?.ready === true
  const readyReason = clean(ready?.reason ?? (inputs.ready.ok ? `HTTP ${inputs.ready.status}` : inputs.ready.error))
  row('ready', isReady ? 'yes' : `no (${readyReason})`)
  if (!isReady) problems.push(`not ready (${readyReason})`)

  const status = parseJson(inputs.status)
  if (status !== undefined) {
    const parts: string[] = []
    if (status.peerId !== undefined) parts.push(clean(status.peerId, 60))
    for (const key of ['network', 'role', 'height', 'peers']) {
      const v = status[key]
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') parts.push(`${key}=${clean(v, 40)}`)
    }
    if (typeof status.uptimeSeconds === 'number' && Number.isFinite(status.uptimeSeconds)) parts.push(`up ${uptime(status.uptimeSeconds)}`)
    row('node', parts.length > 0 ? parts.join(' ') : '(no known fields in /status)')
  } else {
    row('node', `/status unavailable (${inputs.status.ok ? `HTTP ${inputs.status.status}` : inputs.status.error})`)
  }

  let page: PromText | undefined
  let metricsError: string | undefined
  if (!inputs.metrics.ok) metricsError = inputs.metrics.error
  else if (inputs.metrics.status !== 200) metricsError = `HTTP ${inputs.metrics.status}`
  else {
    try { page = parsePromText(inputs.metrics.text) } catch (err) { metricsError = clean(err instanceof Error ? err.message : err) }
  }
  if (page === undefined) {
    row('metrics', `unreadable (${metricsError ?? 'unknown'})`)
    problems.push('metrics unreadable')
  } else {
    if (selectSamples(page, 'p2p_ready').length === 0) problems.push('no p2p_* series on /metrics (not a wireseal node?)')
    const conns: string[] = []
    for (const direction of ['in', 'out']) {
      const n = sumSamples(page, 'p2p_connections', { direction })
      const limit = sumSamples(page, 'p2p_connection_limit', { direction })
      if (n === undefined) { conns.push(`${direction} ?`); continue }
      if (limit === undefined || limit <= 0) { conns.push(`${direction} ${n}`); continue }
      const ratio = n / limit
      conns.push(`${direction} ${n}/${limit} (${percent(ratio)})`)
      if (ratio > thresholds.connectionRatio) problems.push(`connections ${direction} ${n}/${limit} over ${percent(thresholds.connectionRatio)}`)
    }
    row('connections', conns.join('  '))

    const mesh = selectSamples(page, 'p2p_mesh_peers')
    if (mesh.length === 0) row('mesh peers', '?')
    else {
      row('mesh peers', `${mesh.map((s) => `${clean(s.labels.topic, 20)} ${s.value}`).join(', ')} (min ${thresholds.minMeshPeers})`)
      for (const s of mesh) if (s.value < thresholds.minMeshPeers) problems.push(`mesh ${clean(s.labels.topic, 20)} ${s.value} < ${thresholds.minMeshPeers}`)
    }

    const buckets = histogramBuckets(page, 'p2p_message_processing_seconds')
    const count = sumSamples(page, 'p2p_message_processing_seconds_count') ?? 0
    const p99 = histogramQuantile(0.99, buckets)
    if (Number.isNaN(p99)) row('processing', 'p99 n/a (no messages yet)')
    else {
      row('processing', `p99 ${seconds(p99)} over ${count} messages (limit ${seconds(thresholds.processingP99Seconds)})`)
      if (p99 > thresholds.processingP99Seconds) problems.push(`processing p99 ${seconds(p99)} over ${seconds(thresholds.processingP99Seconds)}`)
    }

    const rss = sumSamples(page, 'process_resident_memory_bytes')
    const memLimit = sumSamples(page, 'p2p_memory_limit_bytes')
    if (rss === undefined) row('memory', '?')
    else if (memLimit === undefined || memLimit <= 0) row('memory', `RSS ${bytes(rss)}`)
    else {
      row('memory', `RSS ${bytes(rss)} of ${bytes(memLimit)} (${percent(rss / memLimit)})`)
      if (rss / memLimit > thresholds.memoryRatio) problems.push(`RSS ${percent(rss / memLimit)} of the limit, over ${percent(thresholds.memoryRatio)}`)
    }

    row('dial fails', String(sumSamples(page, 'p2p_peer_dial_failures_total') ?? '?'))
    row('bans', String(sumSamples(page, 'p2p_blacklist_total') ?? '?'))
    const rejects = selectSamples(page, 'p2p_rejected_total').filter((s) => s.value > 0).sort((a, b) => b.value - a.value)
    const shown = rejects.slice(0, 8).map((s) => `${clean(s.labels.reason, 24)} ${s.value}`)
    if (rejects.length > 8) shown.push(`+${rejects.length - 8} more`)
    row('rejects', shown.length > 0 ? shown.join(', ') : 'none')
  }

  lines.push(problems.length === 0 ? 'verdict: HEALTHY' : `verdict: DEGRADED - ${problems.join('; ')}`)
  return { lines, problems, exitCode: problems.length === 0 ? EXIT_HEALTHY : EXIT_DEGRADED }
}

function checkThresholds (t: StatusThresholds): StatusThresholds {
  for (const [k, v] of Object.entries(t)) if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidConfigError(`thresholds.${k}`, 'a finite number >= 0')
  return t
}

function baseUrl (url: string): URL {
  let u: URL
  try { u = new URL(url) } catch { throw new InvalidConfigError('url', 'an http:// or https:// URL') }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new InvalidConfigError('url', 'an http:// or https:// URL')
  return u
}

/** Fetches the four endpoints, writes the report to `out` and resolves with the exit code. */
export async function runStatusCommand (init: StatusCommandInit): Promise<number> {
  const url = init.url ?? DEFAULT_STATUS_URL
  const base = baseUrl(url)
  const timeoutMs = init.timeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS
  checkPositiveInt('timeoutMs', timeoutMs)
  const maxBytes = init.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  checkPositiveInt('maxResponseBytes', maxBytes)
  const thresholds = checkThresholds({ ...DEFAULT_STATUS_THRESHOLDS, ...init.thresholds })
  const doFetch = init.fetch ?? globalThis.fetch
  const at = (path: string): string => new URL(path, base.href.endsWith('/') ? base.href : `${base.href}/`).href
  const get = async (path: string): Promise<EndpointResult> => await fetchText(doFetch, at(path), timeoutMs, maxBytes)
  const live = await get('health/live')
  const [ready, metrics, status] = live.ok
    ? await Promise.all([get('health/ready'), get('metrics'), get('status')])
    : [live, live, live]
  const report = diagnose(url, { live, ready, metrics, status }, thresholds)
  init.out.write(report.lines.join('\n') + '\n')
  return report.exitCode
}

/** The options `wireseal-node status` takes. */
export interface StatusArgs {
  url: string
  timeoutMs: number
  minMeshPeers: number
}

const USAGE = 'usage: wireseal-node status [--url http://127.0.0.1:9100] [--timeout-ms 3000] [--min-mesh-peers 4]'

/** Parses `status` arguments; throws {@link InvalidConfigError} for an unknown flag or a bad value. */
export function parseStatusArgs (argv: readonly string[]): StatusArgs {
  const args: StatusArgs = { url: DEFAULT_STATUS_URL, timeoutMs: DEFAULT_STATUS_TIMEOUT_MS, minMeshPeers: DEFAULT_STATUS_THRESHOLDS.minMeshPeers }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    const eq = arg.indexOf('=')
    const flag = eq > 0 ? arg.slice(0, eq) : arg
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i]
      if (v === undefined || v === '') throw new InvalidConfigError(flag, 'a value')
      return v
    }
    const int = (min: number): number => {
      const raw = value()
      const n = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN
      if (!(n >= min)) throw new InvalidConfigError(flag, `an integer >= ${min}`)
      return n
    }
    switch (flag) {
      case '--url': args.url = baseUrl(value()).href.replace(/\/$/, ''); break
      case '--timeout-ms': args.timeoutMs = int(1); break
      case '--min-mesh-peers': args.minMeshPeers = int(0); break
      default: throw new InvalidConfigError(clean(flag, 40), 'one of --url, --timeout-ms, --min-mesh-peers')
    }
  }
  return args
}

/**
 * `wireseal-node status ...` as the bin calls it: parses `argv`, runs the
 * diagnosis and resolves with the exit code; bad arguments print the usage
 * to `err` and give {@link EXIT_UNREACHABLE}.
 */
export async function runStatus (argv: readonly string[], out: StatusOutput = process.stdout, err: StatusOutput = process.stderr): Promise<number> {
  let args: StatusArgs
  try {
    args = parseStatusArgs(argv)
  } catch (e) {
    err.write(`wireseal-node status: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`)
    return EXIT_UNREACHABLE
  }
  return await runStatusCommand({ url: args.url, out, timeoutMs: args.timeoutMs, thresholds: { minMeshPeers: args.minMeshPeers } })
}
