/**
 * A real Prometheus server scrapes a running 3-node devnet (real node
 * processes) and answers queries over what the nodes export: their own
 * p2p_* series, libp2p's and gossipsub's, and the shipped alert rules
 * evaluated against live data.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startDevnet } from '../dist/devnet.js'
import { prometheusUnavailable, startPrometheus } from './prometheus-server.js'

const ALERTS_YML = fileURLToPath(new URL('../deploy/prometheus/alerts.yml', import.meta.url))

describe('Prometheus scraping a devnet', { skip: prometheusUnavailable() }, () => {
  it('answers queries over every node\'s blocks, connections, libp2p and gossipsub series', { timeout: 150_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-prom-devnet-'))
    const devnet = await startDevnet({
      nodes: 3,
      dir,
      metricsPortBase: 0,
      env: { P2P_BLOCK_INTERVAL: '250ms', P2P_PEERINFO_INTERVAL: '1s', LOG_LEVEL: 'warn', P2P_SHUTDOWN_TIMEOUT: '5s' }
    })
    let prom: Awaited<ReturnType<typeof startPrometheus>> | undefined
    try {
      const targets = devnet.members.map((m) => new URL(m.url ?? '').host)
      prom = await startPrometheus({ targets, ruleFiles: [ALERTS_YML], intervalMs: 500 })
      const up = await prom.waitForQuery('sum(up{job="wireseal-node"})', (r) => r[0]?.value === 3, 60_000)
      assert.equal(up[0]?.value, 3)
      // every node has received blocks by gossip from the others
      const received = await prom.waitForQuery('p2p_blocks_received_total{source="gossip"} > 0', (r) => r.length === 3, 60_000)
      assert.deepEqual(received.map((s) => s.metric.instance).sort(), [...targets].sort())
      const produced = await prom.query('sum(p2p_blocks_produced_total)')
      assert.ok((produced[0]?.value ?? 0) > 0)
      // connections are counted per direction and every node is ready
      const conns = await prom.waitForQuery('sum(p2p_connections)', (r) => (r[0]?.value ?? 0) >= 4, 60_000)
      assert.ok((conns[0]?.value ?? 0) >= 4, 'node 0 has 2, nodes 1 and 2 one each at least')
      await prom.waitForQuery('min(p2p_ready)', (r) => r[0]?.value === 1, 60_000)
      // libp2p's and gossipsub's own metrics reach the node's registry
      const libp2p = await prom.query('count({__name__=~"libp2p_.+"})')
      assert.ok((libp2p[0]?.value ?? 0) > 0, 'libp2p_* series are scraped')
      const gossipsub = await prom.query('count({__name__=~"gossipsub_.+"})')
      assert.ok((gossipsub[0]?.value ?? 0) > 0, 'gossipsub_* series are scraped')
      // bounded labels: no topic or peer id ever appears as a label value
      const labelled = await prom.query('count by (topic) ({__name__=~"gossipsub_.+", topic!=""})')
      for (const s of labelled) assert.ok(['block', 'peerinfo', 'other'].includes(s.metric.topic ?? ''), `topic label ${s.metric.topic ?? ''}`)
      // the alert rules evaluate on live data without error
      const rules = await prom.api('/api/v1/rules') as { groups: Array<{ rules: Array<{ name: string, health: string, lastError?: string }> }> }
      for (const rule of rules.groups.flatMap((g) => g.rules)) assert.notEqual(rule.health, 'err', `${rule.name}: ${rule.lastError ?? ''}`)
    } finally {
      await prom?.stop()
      assert.equal(await devnet.stop(), true, 'every node exits 0 on SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
