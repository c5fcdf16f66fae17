/**
 * Test helper: a real Prometheus server (the Debian package `prometheus`)
 * on 127.0.0.1 with a temporary configuration scraping the given targets,
 * optionally evaluating rule files, and stopped (process and data) in one call.
 *
 * ```ts
 * const prom = await startPrometheus({ targets: [new URL(http.url).host], ruleFiles: [ALERTS_YML] })
 * try {
 *   const [ready] = await prom.waitForQuery('p2p_ready', (r) => r.length === 1)
 * } finally { await prom.stop() }
 * ```
 *
 * Bounded: start, each query and stop have timeouts; the server's log is
 * kept to its last 64 KiB; the process is killed if the test process exits
 * first.
 *
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One series of an instant-vector answer. */
export interface PromQuerySample {
  readonly metric: Readonly<Record<string, string>>
  readonly value: number
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusInit {
  /** `host:port` of each target, scraped at `/metrics`. */
  targets: readonly string[]
  /** Job label of the targets. @default 'wireseal-node' (what alerts.yml's P2PNodeDown selects) */
  jobName?: string
  /** Scrape and rule evaluation interval. @default 1000 (ms) */
  intervalMs?: number
  /** Absolute paths of rule files to evaluate. @default [] */
  ruleFiles?: readonly string[]
  /** Time for the server to become ready. @default 30000 (ms) */
  startTimeoutMs?: number
  /** The server binary. @default 'prometheus' */
  binary?: string
}

/** A running server. */
export interface PrometheusServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** An instant query; throws with Prometheus's error text on a bad expression. */
  query(expr: string): Promise<PromQuerySample[]>
  /** Repeats {@link query} until `accept` holds (default: a non-empty answer); throws after `timeoutMs` (default 30 s). */
  waitForQuery(expr: string, accept?: (result: PromQuerySample[]) => boolean, timeoutMs?: number): Promise<PromQuerySample[]>
  /** GET a JSON API path (e.g. `/api/v1/rules`) and return its `data`. */
  api(path: string): Promise<unknown>
  /** The server's log so far (last 64 KiB). */
  log(): string
  /** Stops the server (SIGTERM, SIGKILL after 10 s) and removes its data. Idempotent. */
  stop(): Promise<void>
}

const LOG_LIMIT = 64 * 1024
const REQUEST_TIMEOUT_MS = 5_000

/** `false` when the binary runs, else why not (naming the Debian package): usable as a test's `skip`. */
export function prometheusUnavailable (binary = 'prometheus'): string | false {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 })
  return r.error === undefined && r.status === 0 ? false : `${binary} not found: install the Debian package \`prometheus\``
}

async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

function yamlString (s: string): string {
  return JSON.stringify(s) // a JSON string is a YAML double-quoted scalar
}

async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Starts a server and resolves once `/-/ready` answers 200. */
export async function startPrometheus (init: StartPrometheusInit): Promise<PrometheusServer> {
  const intervalMs = init.intervalMs ?? 1_000
  const startTimeoutMs = init.startTimeoutMs ?? 30_000
  const dir = mkdtempSync(join(tmpdir(), 'wireseal-prometheus-'))
  const seconds = `${intervalMs}ms`
  const config = [
    'global:',
    `  scrape_interval: ${seconds}`,
    `  scrape_timeout: ${seconds}`,
    `  evaluation_interval: ${seconds}`,
    `rule_files: [${(init.ruleFiles ?? []).map(yamlString).join(', ')}]`,
    'scrape_configs:',
    `  - job_name: ${yamlString(init.jobName ?? 'wireseal-node')}`,
    '    static_configs:',
    `      - targets: [${init.targets.map(yamlString).join(', ')}]`,
    ''
  ].join('\n')
  writeFileSync(join(dir, 'prometheus.yml'), config)

  let child: ChildProcess | undefined
  let logText = ''
  let exited: Promise<void> = Promise.resolve()
  const killOnExit = (): void => { child?.kill('SIGKILL') }
  let url = ''
  // The free port can be taken between the probe and the bind: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    url = `http://127.0.0.1:${port}`
    logText = ''
    const proc = spawn(init.binary ?? 'prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1h',
      '--log.level=warn'
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    process.once('exit', killOnExit)
    const append = (chunk: Buffer): void => {
      logText += chunk.toString('utf8')
      if (logText.length > LOG_LIMIT) logText = logText.slice(-LOG_LIMIT)
    }
    proc.stdout?.on('data', append)
    proc.stderr?.on('data', append)
    let gone = false
    exited = new Promise<void>((resolve) => { proc.once('exit', () => { gone = true; resolve() }) })
    proc.once('error', (err) => { append(Buffer.from(String(err))) })
    const deadline = Date.now() + startTimeoutMs
    let ready = false
    while (!gone && Date.now() < deadline) {
      try {
        const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
        await res.arrayBuffer()
        if (res.status === 200) { ready = true; break }
      } catch { /* not listening yet */ }
      await sleep(100)
    }
    if (ready) break
    if (!gone) proc.kill('SIGKILL')
    await exited
    process.off('exit', killOnExit)
    child = undefined
    if (!/address already in use/.test(logText)) {
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`prometheus did not become ready in ${startTimeoutMs} ms:\n${logText.slice(-4000)}`)
    }
  }
  if (child === undefined) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`prometheus found no free port:\n${logText.slice(-4000)}`)
  }

  const api = async (path: string): Promise<unknown> => {
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
    const body = await res.json() as { status: string, data?: unknown, error?: string }
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error ?? res.status}`)
    return body.data
  }
  const query = async (expr: string): Promise<PromQuerySample[]> => {
    const data = await api(`/api/v1/query?query=${encodeURIComponent(expr)}`) as { resultType: string, result: Array<{ metric: Record<string, string>, value: [number, string] }> }
    if (data.resultType !== 'vector') throw new Error(`prometheus query ${expr}: a ${data.resultType}, not a vector`)
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }))
  }
  let stopping: Promise<void> | undefined
  const running = child
  return {
    url,
    query,
    api,
    log: () => logText,
    async waitForQuery (expr, accept = (r) => r.length > 0, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      let last: PromQuerySample[] | string = []
      while (Date.now() < deadline) {
        try {
          last = await query(expr)
          if (accept(last)) return last
        } catch (err) {
          last = String(err)
        }
        await sleep(Math.min(250, intervalMs))
      }
      throw new Error(`prometheus: ${expr} not accepted in ${timeoutMs} ms; last answer ${JSON.stringify(last)}\n${logText.slice(-2000)}`)
    },
    async stop () {
      stopping ??= (async () => {
        if (running.exitCode === null && running.signalCode === null) {
          running.kill('SIGTERM')
          const timer = setTimeout(() => { running.kill('SIGKILL') }, 10_000)
          await exited
          clearTimeout(timer)
        }
        process.off('exit', killOnExit)
        rmSync(dir, { recursive: true, force: true })
      })()
      await stopping
    }
  }
}
