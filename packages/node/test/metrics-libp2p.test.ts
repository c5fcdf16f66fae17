/**
 * The metrics adapters on real libp2p nodes over 127.0.0.1: a node with
 * `libp2pMetrics` and gossipsub's `metricsRegister` on its NodeMetrics
 * registry serves libp2p_*, gossipsub_* and p2p_* series on one /metrics
 * page; the default process metrics appear once; prom-client's global
 * registry is left alone; and a topic string a remote peer chooses never
 * becomes a label value.
 *
 * Own file (own process): @libp2p/prometheus-metrics keeps its metric
 * objects in a module-global map, so only the first libp2p node of a
 * process gets libp2p_* series on its registry.
 */
import 'wireseal/libp2p'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { Gauge, register as globalRegister } from 'prom-client'
import { createNodeMetrics, gossipsubMetrics, libp2pMetrics, parsePromText, selectSamples, sumSamples } from '../src/metrics/index.js'
import { startNodeHttp } from '../src/http/index.js'

const BLOCK_TOPIC = 'wireseal/test/block/1'
const PEERINFO_TOPIC = 'wireseal/test/peerinfo/1'
const EVIL_TOPIC = 'evil-topic-0123456789abcdef'

async function waitFor (cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** `getMeshPeers` is on the class, not on the `GossipSub` interface `gossipsub()` returns (NODE.md §1). */
type Node = Libp2p<{ pubsub: GossipSub & { getMeshPeers: (topic: string) => string[] }, identify: unknown }>

describe('metrics on a real libp2p node', () => {
  it('serves libp2p_*, gossipsub_* and p2p_* series on one page, with bounded topic labels', { timeout: 60_000 }, async () => {
    const sentinel = new Gauge({ name: 'test_global_sentinel', help: 'stays on the global registry' })
    sentinel.set(1)
    const metrics = createNodeMetrics()
    const nodes: Node[] = []
    const http = await startNodeHttp({ host: '127.0.0.1', port: 0, registry: metrics, health: () => ({ live: true, ready: true, reason: 'ready' }), status: () => ({}) })
    try {
      const base = {
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux()]
      }
      nodes.push(await createLibp2p({
        ...base,
        metrics: libp2pMetrics({ registry: metrics.registry }),
        services: {
          identify: identify(),
          pubsub: gossipsub({
            heartbeatInterval: 200,
            ...gossipsubMetrics({ registry: metrics.registry, topics: { block: BLOCK_TOPIC, peerinfo: PEERINFO_TOPIC } })
          })
        }
      }) as unknown as Node)
      nodes.push(await createLibp2p({ ...base, services: { identify: identify(), pubsub: gossipsub({ heartbeatInterval: 200 }) } }) as unknown as Node)
      const [a, b] = nodes as [Node, Node]
      a.services.pubsub.subscribe(BLOCK_TOPIC)
      b.services.pubsub.subscribe(BLOCK_TOPIC)
      b.services.pubsub.subscribe(EVIL_TOPIC) // a remote peer's own choice of topic string
      await a.dial(b.getMultiaddrs()[0] as never)
      await waitFor(() => a.services.pubsub.getSubscribers(EVIL_TOPIC).length === 1, 'a sees b subscribed to the evil topic')
      await waitFor(() => a.services.pubsub.getMeshPeers(BLOCK_TOPIC).length === 1, 'a has b in its block mesh')
      await a.services.pubsub.publish(BLOCK_TOPIC, new Uint8Array([1, 2, 3]))

      const res = await fetch(`${http.url}/metrics`)
      assert.equal(res.status, 200)
      const text = await res.text()
      const page = parsePromText(text)
      const names = new Set(page.samples.map((s) => s.name))
      const has = (prefix: string): number => [...names].filter((n) => n.startsWith(prefix)).length
      assert.ok(has('libp2p_') >= 5, `libp2p_* series: ${[...names].filter((n) => n.startsWith('libp2p_')).join(' ')}`)
      assert.ok(has('gossipsub_') >= 50, `gossipsub_* series: ${has('gossipsub_')}`)
      assert.ok(names.has('libp2p_data_transfer_bytes_total'))
      assert.ok(names.has('p2p_messages_total'))
      // prom-client's defaults once (collectDefaultMetrics: false for libp2p), libp2p's own memory gauges too
      assert.equal(selectSamples(page, 'process_resident_memory_bytes').length, 1)
      assert.ok(names.has('nodejs_memory_usage_bytes'))
      // gossipsub's view of the mesh, by topic label
      assert.equal(sumSamples(page, 'gossipsub_mesh_peer_count', { topicStr: 'block' }), 1)
      assert.equal(sumSamples(page, 'gossipsub_topic_peer_count', { topicStr: 'other' }), 1, 'the evil topic is counted under other')
      // no label anywhere carries a topic string
      assert.ok(!text.includes(EVIL_TOPIC), 'the remote topic string is not on the page')
      assert.ok(!text.includes(BLOCK_TOPIC), 'topic strings are replaced by their labels')
      for (const s of page.samples) {
        for (const key of ['topic', 'topicStr']) {
          const v = s.labels[key]
          if (v !== undefined) assert.ok(['block', 'peerinfo', 'other'].includes(v), `${s.name}{${key}="${v}"}`)
        }
      }
      // preserveExistingMetrics: the global registry still holds what was there
      assert.match(await globalRegister.metrics(), /^test_global_sentinel 1$/m)
    } finally {
      await Promise.all(nodes.map(async (n) => { await n.stop() }))
      await http.close()
      globalRegister.removeSingleMetric('test_global_sentinel')
    }
  })
})
