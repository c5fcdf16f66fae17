/**
 * startNodeHttp on a real port: the four routes, 404 / 405 / 413 / 431,
 * providers that throw or hang, bounded sockets and header timeouts, and a
 * close() that returns with keep-alive and in-flight sockets still open.
 * evaluateHealth: the readiness table, and liveness that never depends on
 * anything (property).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import fc from 'fast-check'
import { InvalidConfigError } from 'wireseal/errors'
import { createNodeMetrics } from '../src/metrics/index.js'
import { evaluateHealth, startNodeHttp, type HealthReport, type NodeHttpInit } from '../src/http/index.js'

interface Reply { status: number, headers: Record<string, string | string[] | undefined>, body: string }

async function get (url: string, init: { method?: string, body?: string, agent?: Agent, headers?: Record<string, string> } = {}): Promise<Reply> {
  return await new Promise((resolve, reject) => {
    // Node's client sends a GET body without Content-Length unless told.
    const headers = init.body === undefined ? init.headers : { 'content-length': String(Buffer.byteLength(init.body)), ...init.headers }
    const req = request(url, { method: init.method ?? 'GET', agent: init.agent, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

/** Resolves with 'closed' when the socket closes; the test's own timeout bounds it. */
async function closed (socket: Socket): Promise<void> {
  if (socket.destroyed) return
  await once(socket, 'close')
}

async function withServer (init: Partial<NodeHttpInit>, fn: (url: string) => Promise<void>): Promise<void> {
  const metrics = createNodeMetrics({ defaultMetrics: false })
  const http = await startNodeHttp({
    host: '127.0.0.1',
    port: 0,
    registry: metrics,
    health: () => ({ live: true, ready: true, reason: 'ready' }),
    status: () => ({ ok: true }),
    ...init
  })
  try {
    await fn(http.url)
  } finally {
    await http.close()
  }
}

describe('evaluateHealth', () => {
  const base = { listening: true, peers: 2, bootstrapNode: false, shuttingDown: false, startedAt: 1_000 }
  it('is ready when listening, peered or bootstrap, and not shutting down; the reason names the first unmet condition', () => {
    const table: Array<[Partial<typeof base>, boolean, string]> = [
      [{}, true, 'ready'],
      [{ peers: 0 }, false, 'no-peers'],
      [{ peers: 0, bootstrapNode: true }, true, 'ready'],
      [{ listening: false }, false, 'not-listening'],
      [{ listening: false, peers: 0 }, false, 'not-listening'],
      [{ shuttingDown: true }, false, 'shutting-down'],
      [{ shuttingDown: true, listening: false, peers: 0 }, false, 'shutting-down'],
      [{ peers: NaN }, false, 'no-peers']
    ]
    for (const [change, ready, reason] of table) {
      const r = evaluateHealth({ ...base, ...change }, 11_000)
      assert.deepEqual(r, { live: true, ready, reason, uptimeSeconds: 10 }, JSON.stringify(change))
    }
    assert.equal(evaluateHealth({ ...base, startedAt: new Date(5_000) }, 6_500).uptimeSeconds, 1.5)
    assert.equal(evaluateHealth({ ...base, startedAt: 9_000 }, 1_000).uptimeSeconds, 0, 'clock went back')
  })

  it('keeps live true and ready consistent with reason for any state (property)', () => {
    fc.assert(fc.property(fc.boolean(), fc.integer({ min: -5, max: 500 }), fc.boolean(), fc.boolean(), fc.integer(), (listening, peers, bootstrapNode, shuttingDown, startedAt) => {
      const r = evaluateHealth({ listening, peers, bootstrapNode, shuttingDown, startedAt }, 0)
      assert.equal(r.live, true)
      assert.equal(r.ready, listening && (peers >= 1 || bootstrapNode) && !shuttingDown)
      assert.equal(r.ready, r.reason === 'ready')
    }))
  })
})

describe('startNodeHttp', () => {
  it('serves /metrics in the registry content type, with or without a query string', async () => {
    const metrics = createNodeMetrics({ defaultMetrics: false })
    metrics.setReady(true)
    const http = await startNodeHttp({ host: '127.0.0.1', port: 0, registry: metrics, health: () => ({ live: true, ready: true, reason: 'ready' }), status: () => ({}) })
    try {
      assert.match(http.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      assert.ok(http.port > 0)
      for (const path of ['/metrics', '/metrics?name[]=p2p_ready']) {
        const r = await get(http.url + path)
        assert.equal(r.status, 200)
        assert.equal(r.headers['content-type'], metrics.contentType)
        assert.equal(r.headers['cache-control'], 'no-store')
        assert.match(r.body, /^p2p_ready 1$/m)
      }
    } finally {
      await http.close()
    }
  })

  it('answers the probes with the report, 200 or 503, following health()', async () => {
    let report: HealthReport = { live: true, ready: false, reason: 'no-peers' }
    let throws = false
    await withServer({ health: () => { if (throws) throw new Error('bug'); return report } }, async (url) => {
      let live = await get(`${url}/health/live`)
      assert.equal(live.status, 200)
      assert.deepEqual(JSON.parse(live.body), report)
      let ready = await get(`${url}/health/ready`)
      assert.equal(ready.status, 503)
      assert.equal(ready.headers['content-type'], 'application/json; charset=utf-8')
      assert.deepEqual(JSON.parse(ready.body), { live: true, ready: false, reason: 'no-peers' })
      report = { live: true, ready: true, reason: 'ready' }
      ready = await get(`${url}/health/ready`)
      assert.equal(ready.status, 200)
      report = { live: false, ready: false, reason: 'fatal' }
      live = await get(`${url}/health/live`)
      assert.equal(live.status, 503)
      throws = true
      for (const p of ['/health/live', '/health/ready']) {
        const r = await get(url + p)
        assert.equal(r.status, 503)
        assert.deepEqual(JSON.parse(r.body), { live: false, ready: false, reason: 'health-error' })
      }
    })
  })

  it('serves /status from a sync or async provider as JSON (bigints as strings); a throwing one is a 500', async () => {
    let mode: 'sync' | 'async' | 'throw' | 'reject' = 'sync'
    await withServer({
      status: () => {
        if (mode === 'sync') return { height: 3n, peers: ['a'] }
        if (mode === 'async') return Promise.resolve({ height: 4 })
        if (mode === 'throw') throw new Error('secret detail')
        return Promise.reject(new Error('secret detail'))
      }
    }, async (url) => {
      let r = await get(`${url}/status`)
      assert.equal(r.status, 200)
      assert.deepEqual(JSON.parse(r.body), { height: '3', peers: ['a'] })
      mode = 'async'
      r = await get(`${url}/status`)
      assert.deepEqual(JSON.parse(r.body), { height: 4 })
      for (const m of ['throw', 'reject'] as const) {
        mode = m
        r = await get(`${url}/status`)
        assert.equal(r.status, 500)
        assert.deepEqual(JSON.parse(r.body), { error: 'status-failed' })
        assert.doesNotMatch(r.body, /secret/)
      }
    })
  })

  it('bounds providers that hang or grow: 503 after handlerTimeoutMs, 500 over maxStatusBytes', async () => {
    let big = false
    const registry = { contentType: 'text/plain', metrics: async () => await new Promise<string>(() => {}) }
    await withServer({ registry, handlerTimeoutMs: 200, maxStatusBytes: 1000, status: () => (big ? 'x'.repeat(2000) : new Promise(() => {})) }, async (url) => {
      const s = await get(`${url}/status`)
      assert.equal(s.status, 503)
      assert.deepEqual(JSON.parse(s.body), { error: 'status-timeout' })
      const m = await get(`${url}/metrics`)
      assert.equal(m.status, 503)
      assert.deepEqual(JSON.parse(m.body), { error: 'metrics-timeout' })
      big = true
      const b = await get(`${url}/status`)
      assert.equal(b.status, 500)
      assert.deepEqual(JSON.parse(b.body), { error: 'status-too-large', limit: 1000 })
    })
    await withServer({ registry: { contentType: 'text/plain', metrics: async () => { throw new Error('collector bug') } } }, async (url) => {
      const m = await get(`${url}/metrics`)
      assert.equal(m.status, 500)
      assert.deepEqual(JSON.parse(m.body), { error: 'metrics-failed' })
    })
  })

  it('answers 404 for other paths, 405 for other methods, 413 for a body, 431 for huge headers', async () => {
    await withServer({}, async (url) => {
      for (const p of ['/', '/metrics/', '/health', '/status/x', '//metrics']) {
        const r = await get(url + p)
        assert.equal(r.status, 404, p)
        assert.deepEqual(JSON.parse(r.body), { error: 'not-found' })
      }
      for (const method of ['POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH']) {
        const r = await get(`${url}/metrics`, { method })
        assert.equal(r.status, 405, method)
        assert.equal(r.headers.allow, 'GET')
      }
      const withBody = await get(`${url}/status`, { body: 'x'.repeat(10_000), headers: { 'content-type': 'text/plain' } })
      assert.equal(withBody.status, 413)
      assert.equal(withBody.headers.connection, 'close')
      const post = await get(`${url}/status`, { method: 'POST', body: '{}' })
      assert.equal(post.status, 405)
      const huge = await get(`${url}/metrics`, { headers: { 'x-big': 'a'.repeat(16 * 1024) } })
      assert.equal(huge.status, 431)
    })
  })

  it('drops sockets over maxSockets and closes a socket that never finishes its headers', async () => {
    await withServer({ maxSockets: 2, headersTimeoutMs: 300, requestTimeoutMs: 600 }, async (url) => {
      const { port } = new URL(url)
      const open = async (): Promise<Socket> => {
        const s = connect(Number(port), '127.0.0.1')
        s.resume() // read (and drop) what the server sends, so its FIN is seen
        await once(s, 'connect')
        return s
      }
      const a = await open()
      const b = await open()
      a.write('GET /metrics HTTP/1.1\r\nHost: x\r\n') // headers never finished
      const c = await open()
      await closed(c) // the third one is dropped by the server
      await closed(a) // headers timeout
      b.destroy()
      const r = await get(`${url}/health/live`)
      assert.equal(r.status, 200, 'the server still serves')
    })
  })

  it('close() returns with idle keep-alive and in-flight requests open, and is idempotent', async () => {
    const metrics = createNodeMetrics({ defaultMetrics: false })
    const http = await startNodeHttp({ host: '127.0.0.1', port: 0, registry: metrics, health: () => ({ live: true, ready: true, reason: 'ready' }), status: async () => await new Promise(() => {}), handlerTimeoutMs: 60_000 })
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 })
    try {
      const r = await get(`${http.url}/health/live`, { agent })
      assert.equal(r.status, 200)
      assert.equal(r.headers.connection, 'keep-alive')
      const hanging = get(`${http.url}/status`).catch((err: Error) => err)
      await new Promise((resolve) => setTimeout(resolve, 50))
      await Promise.all([http.close(), http.close()])
      assert.ok(await hanging instanceof Error, 'the in-flight request was cut')
      await http.close()
      await assert.rejects(get(`${http.url}/health/live`), /ECONNREFUSED/)
    } finally {
      agent.destroy()
      await http.close()
    }
  })

  it('rejects with the listen error when the port is taken, and refuses bad options', async () => {
    await withServer({}, async (url) => {
      const port = Number(new URL(url).port)
      const init = { host: '127.0.0.1', port, registry: createNodeMetrics({ defaultMetrics: false }), health: () => ({ live: true, ready: true, reason: '' }), status: () => null }
      await assert.rejects(startNodeHttp(init), { code: 'EADDRINUSE' })
      for (const bad of [{ port: -1 }, { port: 70000 }, { port: 1.5 }, { host: '' }, { headersTimeoutMs: 0 }, { headersTimeoutMs: 5000, requestTimeoutMs: 1000 }, { maxSockets: 0 }, { maxHeaderBytes: 10 }, { status: 'x' }, { registry: {} }]) {
        await assert.rejects(startNodeHttp({ ...init, port: 0, ...bad } as NodeHttpInit), InvalidConfigError, JSON.stringify(bad))
      }
    })
  })
})
