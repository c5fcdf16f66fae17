/**
 * `wireseal-node status` against a real HTTP endpoint (startNodeHttp on
 * port 0) serving fake node data: healthy (exit 0), each degraded condition
 * (exit 1), unreachable, silent and oversized endpoints (exit 2 / bounded),
 * hostile text (control characters never printed), argument parsing.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { InvalidConfigError } from 'wireseal/errors'
import { createNodeMetrics, type NodeMetrics, type NodeMetricsInit } from '../src/metrics/index.js'
import { startNodeHttp, type HealthReport, type MetricsSource } from '../src/http/index.js'
import {
  DEFAULT_STATUS_URL, EXIT_DEGRADED, EXIT_HEALTHY, EXIT_UNREACHABLE, diagnose, parseStatusArgs, runStatus, runStatusCommand
} from '../src/status-command.js'

function sink (): { write: (s: string) => void, text: () => string } {
  let buf = ''
  return { write: (s: string) => { buf += s }, text: () => buf }
}

/** A node that looks healthy: 2+3 of 50/20 connections, 6 mesh peers, fast processing, RSS far below 64 GiB. */
function healthyMetrics (init: NodeMetricsInit = {}): NodeMetrics {
  const m = createNodeMetrics({ connectionLimits: { in: 50, out: 20 }, memoryLimitBytes: 64 * 1024 ** 3, ...init })
  m.setConnections('in', 2)
  m.setConnections('out', 3)
  m.setMeshPeers('block', 6)
  m.setMeshPeers('peerinfo', 5)
  for (let i = 0; i < 100; i++) m.observeProcessing('gossip-block', 0.0004)
  m.rejected('invalid-signature', 2)
  m.rejected('rate-limited', 7)
  m.dialFailed()
  m.banned()
  m.setReady(true)
  return m
}

async function run (opts: { metrics?: MetricsSource, health?: HealthReport, status?: unknown, thresholds?: Record<string, number> } = {}): Promise<{ code: number, out: string }> {
  const http = await startNodeHttp({
    host: '127.0.0.1',
    port: 0,
    registry: opts.metrics ?? healthyMetrics(),
    health: () => opts.health ?? { live: true, ready: true, reason: 'ready' },
    status: () => opts.status ?? { peerId: '12D3KooWFake', network: 'devnet', role: 'producer', height: '42', peers: 5, uptimeSeconds: 3725 }
  })
  try {
    const out = sink()
    const code = await runStatusCommand({ url: http.url, out, timeoutMs: 2_000, thresholds: opts.thresholds })
    return { code, out: out.text() }
  } finally {
    await http.close()
  }
}

describe('runStatusCommand', () => {
  it('prints a healthy node on one screen and exits 0', async () => {
    const { code, out } = await run()
    assert.equal(code, EXIT_HEALTHY, out)
    const lines = out.trimEnd().split('\n')
    assert.ok(lines.length <= 24, 'fits one screen')
    assert.match(out, /reachable +yes/)
    assert.match(out, /live +yes/)
    assert.match(out, /ready +yes/)
    assert.match(out, /node +12D3KooWFake network=devnet role=producer height=42 peers=5 up 1h2m/)
    assert.match(out, /connections +in 2\/50 \(4%\) {2}out 3\/20 \(15%\)/)
    assert.match(out, /mesh peers +block 6, peerinfo 5 \(min 4\)/)
    assert.match(out, /processing +p99 (4\d\d|\d\d\d) us over 100 messages/)
    assert.match(out, /memory +RSS [\d.]+ MiB of 64\.0 GiB \(0%\)/)
    assert.match(out, /dial fails +1/)
    assert.match(out, /bans +1/)
    assert.match(out, /rejects +rate-limited 7, invalid-signature 2/)
    assert.match(lines[lines.length - 1] as string, /^verdict: HEALTHY$/)
  })

  it('exits 1 and names the reason when the node is not ready', async () => {
    const { code, out } = await run({ health: { live: true, ready: false, reason: 'no-peers' } })
    assert.equal(code, EXIT_DEGRADED)
    assert.match(out, /ready +no \(no-peers\)/)
    assert.match(out, /verdict: DEGRADED - not ready \(no-peers\)/)
  })

  it('exits 1 for each threshold the alert rules use', async () => {
    const busy = healthyMetrics()
    busy.setConnections('in', 45) // 90% of 50
    let r = await run({ metrics: busy })
    assert.equal(r.code, EXIT_DEGRADED)
    assert.match(r.out, /connections in 45\/50 over 80%/)

    const thin = healthyMetrics()
    thin.setMeshPeers('peerinfo', 2)
    r = await run({ metrics: thin })
    assert.equal(r.code, EXIT_DEGRADED)
    assert.match(r.out, /mesh peerinfo 2 < 4/)
    assert.doesNotMatch(r.out, /mesh block/, 'only the thin topic')
    r = await run({ metrics: thin, thresholds: { minMeshPeers: 2 } })
    assert.equal(r.code, EXIT_HEALTHY, 'a devnet lowers the mesh minimum')

    const slow = healthyMetrics()
    for (let i = 0; i < 5; i++) slow.observeProcessing('sync', 2)
    r = await run({ metrics: slow })
    assert.equal(r.code, EXIT_DEGRADED)
    assert.match(r.out, /processing p99 [\d.]+ s over 1\.00 s/)

    r = await run({ metrics: healthyMetrics({ memoryLimitBytes: 1024 * 1024 }) })
    assert.equal(r.code, EXIT_DEGRADED)
    assert.match(r.out, /RSS \d+% of the limit, over 80%/)

    r = await run({ health: { live: false, ready: false, reason: 'fatal' } })
    assert.equal(r.code, EXIT_DEGRADED)
    assert.match(r.out, /live +no \(fatal\)/)
  })

  it('exits 1 when /metrics is unreadable, and still reports the probes', async () => {
    for (const metrics of [
      { contentType: 'text/plain', metrics: async () => 'this is { not prometheus' },
      { contentType: 'text/plain', metrics: async () => { throw new Error('collector') } }
    ]) {
      const { code, out } = await run({ metrics })
      assert.equal(code, EXIT_DEGRADED)
      assert.match(out, /metrics +unreadable \((malformed prometheus-text input: line 1|HTTP 500)/)
      assert.match(out, /ready +yes/)
    }
  })

  it('exits 2 when nothing listens, or when the endpoint never answers', async () => {
    const closed = await startNodeHttp({ host: '127.0.0.1', port: 0, registry: healthyMetrics(), health: () => ({ live: true, ready: true, reason: '' }), status: () => ({}) })
    await closed.close()
    let out = sink()
    assert.equal(await runStatusCommand({ url: closed.url, out }), EXIT_UNREACHABLE)
    assert.match(out.text(), /reachable +no \(ECONNREFUSED\)\nverdict: UNREACHABLE\n$/)

    const held = new Set<import('node:net').Socket>()
    out = sink()
    assert.equal(await runStatusCommand({ url: 'http://127.0.0.1:1', out }), EXIT_UNREACHABLE) // a port fetch refuses to use
    assert.match(out.text(), /reachable +no \(bad port\)/)

    const silent = createServer((socket) => { held.add(socket); socket.on('error', () => {}) }) // accepts, never answers
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    try {
      out = sink()
      const port = (silent.address() as { port: number }).port
      assert.equal(await runStatusCommand({ url: `http://127.0.0.1:${port}`, out, timeoutMs: 300 }), EXIT_UNREACHABLE)
      assert.match(out.text(), /reachable +no \(no answer in 300 ms\)/)
    } finally {
      for (const socket of held) socket.destroy()
      silent.close()
    }
  })

  it('caps what it reads and never prints control characters from the node', async () => {
    const hostile = '\u001b[2J\u001b]0;pwned\u0007evil\nline\u202e'
    const huge = { contentType: 'text/plain', metrics: async () => 'm 1\n'.repeat(1000) }
    const http = await startNodeHttp({
      host: '127.0.0.1',
      port: 0,
      registry: huge,
      health: () => ({ live: true, ready: false, reason: hostile }),
      status: () => ({ peerId: hostile, role: 'x'.repeat(500) })
    })
    try {
      const out = sink()
      const code = await runStatusCommand({ url: http.url, out, maxResponseBytes: 2000 })
      assert.equal(code, EXIT_DEGRADED)
      const text = out.text()
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(text.replace(/\n/g, ''), /[\u0000-\u001f\u007f-\u009f\u202e]/)
      assert.match(text, /ready +no \(\?\[2J\?\]0;pwned\?evil\?line\?\)/)
      assert.match(text, /metrics +unreadable \(response over 2000 bytes\)/)
      assert.ok(text.split('\n').every((l) => l.length < 200), 'long values are cut')
    } finally {
      await http.close()
    }
  })

  it('uses the fetch it is given', async () => {
    const seen: string[] = []
    const fake: typeof fetch = async (input) => {
      const url = String(input)
      seen.push(new URL(url).pathname)
      if (url.endsWith('/metrics')) return new Response(await healthyMetrics({ defaultMetrics: false }).metrics())
      if (url.endsWith('/status')) return new Response('{}')
      return new Response(JSON.stringify({ live: true, ready: true, reason: 'ready' }))
    }
    const out = sink()
    assert.equal(await runStatusCommand({ url: 'http://node.invalid:9100/', out, fetch: fake }), EXIT_HEALTHY)
    assert.deepEqual(seen.sort(), ['/health/live', '/health/ready', '/metrics', '/status'])
    assert.match(out.text(), /memory +\?/, 'no RSS without default metrics')
    assert.match(out.text(), /node +\(no known fields in \/status\)/)
  })

  it('refuses bad options with InvalidConfigError', async () => {
    const out = sink()
    for (const init of [{ url: 'ftp://x' }, { url: 'not a url' }, { timeoutMs: 0 }, { maxResponseBytes: -1 }, { thresholds: { memoryRatio: NaN } }]) {
      await assert.rejects(runStatusCommand({ out, ...init }), InvalidConfigError, JSON.stringify(init))
    }
  })
})

describe('diagnose', () => {
  it('reports a missing /status, and a metrics page without p2p_* series as degraded', () => {
    const ok = { ok: true as const, status: 200, text: JSON.stringify({ live: true, ready: true, reason: 'ready' }) }
    const d = diagnose('http://x', { live: ok, ready: ok, metrics: { ok: true, status: 200, text: '' }, status: { ok: false, error: 'ECONNRESET' } })
    assert.equal(d.exitCode, EXIT_DEGRADED)
    assert.deepEqual(d.problems, ['no p2p_* series on /metrics (not a wireseal node?)'])
    assert.match(d.lines.join('\n'), /node +\/status unavailable \(ECONNRESET\)/)
    assert.match(d.lines.join('\n'), /connections +in \? {2}out \?/)
  })
})

describe('parseStatusArgs / runStatus', () => {
  it('parses --url, --timeout-ms and --min-mesh-peers in both spellings', () => {
    assert.deepEqual(parseStatusArgs([]), { url: DEFAULT_STATUS_URL, timeoutMs: 3000, minMeshPeers: 4 })
    assert.deepEqual(parseStatusArgs(['--url', 'http://10.0.0.2:9200/', '--timeout-ms=500', '--min-mesh-peers', '1']), { url: 'http://10.0.0.2:9200', timeoutMs: 500, minMeshPeers: 1 })
    for (const bad of [['--url'], ['--url', 'x'], ['--timeout-ms', '0'], ['--timeout-ms', '1e3'], ['--min-mesh-peers', '-1'], ['--verbose'], ['extra']]) {
      assert.throws(() => parseStatusArgs(bad), InvalidConfigError, bad.join(' '))
    }
  })

  it('prints the usage on bad arguments and exits 2; runs the diagnosis otherwise', async () => {
    const out = sink(); const err = sink()
    assert.equal(await runStatus(['--bogus'], out, err), EXIT_UNREACHABLE)
    assert.match(err.text(), /option --bogus: expected one of --url, --timeout-ms, --min-mesh-peers\nusage: wireseal-node status/)
    const http = await startNodeHttp({ host: '127.0.0.1', port: 0, registry: healthyMetrics(), health: () => ({ live: true, ready: true, reason: 'ready' }), status: () => ({}) })
    try {
      assert.equal(await runStatus(['--url', http.url], out, err), EXIT_HEALTHY)
      assert.match(out.text(), /verdict: HEALTHY/)
    } finally {
      await http.close()
    }
  })
})
