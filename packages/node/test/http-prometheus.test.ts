/**
 * A real Prometheus server (test/prometheus-server.ts) scraping the node's
 * HTTP endpoint (startNodeHttp + createNodeMetrics): the page is accepted by
 * Prometheus's own parser, p2p_ready follows the node, the alert rules load
 * and evaluate cleanly, and P2PNodeNotReady goes pending on an unready node.
 * Skips (naming the Debian package) when the prometheus binary is absent.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createNodeMetrics } from '../src/metrics/index.js'
import { startNodeHttp } from '../src/http/index.js'
import { prometheusUnavailable, startPrometheus } from './prometheus-server.js'

const ALERTS_YML = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'prometheus', 'alerts.yml')

describe('Prometheus scraping the node endpoint', { skip: prometheusUnavailable() }, () => {
  it('scrapes p2p_ready as the node sets it and evaluates the alert rules', { timeout: 120_000 }, async () => {
    const metrics = createNodeMetrics()
    let ready = true
    const http = await startNodeHttp({
      host: '127.0.0.1',
      port: 0,
      registry: metrics,
      health: () => ({ live: true, ready, reason: ready ? 'ready' : 'no-peers' }),
      status: () => ({})
    })
    metrics.setReady(true)
    metrics.setMeshPeers('block', 6)
    const target = new URL(http.url).host
    const prom = await startPrometheus({ targets: [target], ruleFiles: [ALERTS_YML], intervalMs: 500 })
    try {
      const up = await prom.waitForQuery('up', (r) => r.length === 1 && r[0]?.value === 1)
      assert.deepEqual(up[0]?.metric, { __name__: 'up', instance: target, job: 'wireseal-node' })
      const [r] = await prom.waitForQuery('p2p_ready', (r) => r.length === 1)
      assert.equal(r?.value, 1)
      assert.equal(r?.metric.instance, target)
      // the whole page made it through Prometheus's parser
      const [block] = await prom.waitForQuery('p2p_mesh_peers{topic="block"}')
      assert.equal(block?.value, 6)
      const [rss] = await prom.waitForQuery('process_resident_memory_bytes')
      assert.ok((rss?.value ?? 0) > 0)
      const [rejects] = await prom.waitForQuery('count(p2p_rejected_total)')
      assert.ok((rejects?.value ?? 0) >= 19, 'every reason series is scraped')

      // rules loaded and evaluated without error
      const rules = await prom.api('/api/v1/rules') as { groups: Array<{ rules: Array<{ name: string, health: string, lastError?: string }> }> }
      const all = rules.groups.flatMap((g) => g.rules)
      assert.equal(all.length, 8)

      metrics.setReady(false)
      ready = false
      await prom.waitForQuery('p2p_ready == 0', (r) => r.length === 1)
      await prom.waitForQuery('ALERTS{alertname="P2PNodeNotReady",alertstate="pending"}', (r) => r.length === 1)
      const evaluated = (await prom.api('/api/v1/rules') as typeof rules).groups.flatMap((g) => g.rules)
      for (const rule of evaluated) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError ?? ''}`)
    } finally {
      await prom.stop()
      await http.close()
    }
    await assert.rejects(fetch(`${prom.url}/-/ready`), 'the server is gone after stop()')
    await prom.stop()
  })
})
