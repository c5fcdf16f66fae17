/**
 * createNodeMetrics: every family and label combination exists at 0 from the
 * start, labels stay in their closed sets (unknown reasons become `other`,
 * whatever the input), each node has its own registry (the global one stays
 * empty), scrape-time sources, typed errors for bad values and options.
 * The gossipsub register adapter: the MetricsRegister shape, and topic labels
 * folded to the configured set.
 */
import 'wireseal/libp2p'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { register as globalRegister } from 'prom-client'
import { Registry } from 'prom-client'
import { InvalidConfigError, InvalidValueError } from 'wireseal/errors'
import { GOSSIP_VERDICTS } from 'wireseal/libp2p'
import {
  BLOCK_SOURCES, BYTE_STAGES, DEFAULT_CONNECTION_LIMITS, DEFAULT_MEMORY_LIMIT_BYTES, DIRECTIONS, MESH_TOPICS, MESSAGE_PROTOCOLS, REJECT_REASONS,
  createNodeMetrics, gossipsubMetrics, parsePromText, rejectReasonLabel, selectSamples, sumSamples, type NodeMetrics
} from '../src/metrics/index.js'

async function scrape (m: NodeMetrics | Registry): Promise<ReturnType<typeof parsePromText>> {
  return parsePromText(await m.metrics())
}

const FAMILIES: Record<string, string> = {
  p2p_messages_total: 'counter',
  p2p_message_processing_seconds: 'histogram',
  p2p_bytes_total: 'counter',
  p2p_rejected_total: 'counter',
  p2p_blacklist_total: 'counter',
  p2p_peer_dial_failures_total: 'counter',
  p2p_connections: 'gauge',
  p2p_connection_limit: 'gauge',
  p2p_peers: 'gauge',
  p2p_mesh_peers: 'gauge',
  p2p_blocks_produced_total: 'counter',
  p2p_blocks_received_total: 'counter',
  p2p_block_height: 'gauge',
  p2p_delivery_latency_seconds: 'histogram',
  p2p_sync_blocks_served_total: 'counter',
  p2p_validation_queue_dropped_total: 'counter',
  p2p_ready: 'gauge',
  p2p_memory_limit_bytes: 'gauge',
  process_resident_memory_bytes: 'gauge'
}

describe('createNodeMetrics', () => {
  it('exports every family, each label combination at 0, and the limits', async () => {
    const page = await scrape(createNodeMetrics())
    for (const [name, type] of Object.entries(FAMILIES)) assert.equal(page.types.get(name), type, name)
    assert.equal(selectSamples(page, 'p2p_messages_total').length, DIRECTIONS.length * MESSAGE_PROTOCOLS.length)
    assert.equal(selectSamples(page, 'p2p_bytes_total').length, DIRECTIONS.length * BYTE_STAGES.length)
    assert.equal(selectSamples(page, 'p2p_mesh_peers').length, MESH_TOPICS.length)
    assert.equal(selectSamples(page, 'p2p_blocks_received_total').length, BLOCK_SOURCES.length)
    assert.deepEqual(selectSamples(page, 'p2p_rejected_total').map((s) => s.labels.reason).sort(), [...REJECT_REASONS].sort())
    for (const protocol of MESSAGE_PROTOCOLS) assert.equal(sumSamples(page, 'p2p_message_processing_seconds_count', { protocol }), 0)
    for (const s of page.samples.filter((s) => s.name.startsWith('p2p_') && !/limit/.test(s.name))) assert.equal(s.value, 0, `${s.name} starts at 0`)
    assert.equal(sumSamples(page, 'p2p_connection_limit', { direction: 'in' }), DEFAULT_CONNECTION_LIMITS.in)
    assert.equal(sumSamples(page, 'p2p_memory_limit_bytes'), DEFAULT_MEMORY_LIMIT_BYTES)
    assert.ok((sumSamples(page, 'process_resident_memory_bytes') ?? 0) > 0)
  })

  it('covers every wireseal RejectReason plus the node reasons and other', () => {
    for (const reason of Object.keys(GOSSIP_VERDICTS)) assert.ok(REJECT_REASONS.includes(reason), reason)
    for (const reason of ['rate-limited', 'queue-full', 'banned', 'other']) assert.ok(REJECT_REASONS.includes(reason), reason)
  })

  it('records each event on its series', async () => {
    const m = createNodeMetrics({ connectionLimits: { in: 50, out: 10 }, memoryLimitBytes: 512 * 1024 * 1024 })
    m.message('in', 'gossip-block', 3)
    m.message('out', 'sync')
    m.observeProcessing('gossip-block', 0.002)
    m.bytes('wire', 'in', 1000)
    m.bytes('raw', 'in', 4000)
    m.rejected('invalid-signature')
    m.rejected('rate-limited', 2)
    m.banned()
    m.dialFailed()
    m.dialFailed()
    m.blockProduced()
    m.blockReceived('sync')
    m.observeDeliveryLatency(0.3)
    m.observeDeliveryLatency(-5) // producer clock ahead: counted as 0
    m.syncBlocksServed(32)
    m.validationQueueDropped()
    m.setConnections('in', 7)
    m.setPeers(9)
    m.setMeshPeers('block', 4)
    m.setBlockHeight(42)
    m.setReady(true)
    m.setConnectionLimit('out', 20)
    const page = await scrape(m)
    assert.equal(sumSamples(page, 'p2p_messages_total', { direction: 'in', protocol: 'gossip-block' }), 3)
    assert.equal(sumSamples(page, 'p2p_messages_total', { direction: 'out', protocol: 'sync' }), 1)
    assert.equal(sumSamples(page, 'p2p_message_processing_seconds_count', { protocol: 'gossip-block' }), 1)
    assert.equal(sumSamples(page, 'p2p_message_processing_seconds_bucket', { protocol: 'gossip-block', le: '0.001' }), 0)
    assert.equal(sumSamples(page, 'p2p_message_processing_seconds_bucket', { protocol: 'gossip-block', le: '0.0025' }), 1)
    assert.equal(sumSamples(page, 'p2p_bytes_total', { stage: 'wire', direction: 'in' }), 1000)
    assert.equal(sumSamples(page, 'p2p_bytes_total', { stage: 'raw', direction: 'in' }), 4000)
    assert.equal(sumSamples(page, 'p2p_rejected_total', { reason: 'invalid-signature' }), 1)
    assert.equal(sumSamples(page, 'p2p_rejected_total', { reason: 'rate-limited' }), 2)
    assert.equal(sumSamples(page, 'p2p_blacklist_total'), 1)
    assert.equal(sumSamples(page, 'p2p_peer_dial_failures_total'), 2)
    assert.equal(sumSamples(page, 'p2p_blocks_produced_total'), 1)
    assert.equal(sumSamples(page, 'p2p_blocks_received_total', { source: 'sync' }), 1)
    assert.equal(sumSamples(page, 'p2p_delivery_latency_seconds_count'), 2)
    assert.equal(sumSamples(page, 'p2p_delivery_latency_seconds_bucket', { le: '0.001' }), 1)
    assert.equal(sumSamples(page, 'p2p_sync_blocks_served_total'), 32)
    assert.equal(sumSamples(page, 'p2p_validation_queue_dropped_total'), 1)
    assert.equal(sumSamples(page, 'p2p_connections', { direction: 'in' }), 7)
    assert.equal(sumSamples(page, 'p2p_peers'), 9)
    assert.equal(sumSamples(page, 'p2p_mesh_peers', { topic: 'block' }), 4)
    assert.equal(sumSamples(page, 'p2p_block_height'), 42)
    assert.equal(sumSamples(page, 'p2p_ready'), 1)
    assert.equal(sumSamples(page, 'p2p_connection_limit', { direction: 'in' }), 50)
    assert.equal(sumSamples(page, 'p2p_connection_limit', { direction: 'out' }), 20)
    assert.equal(sumSamples(page, 'p2p_memory_limit_bytes'), 512 * 1024 * 1024)
  })

  it('keeps p2p_rejected_total to its fixed label set whatever reasons it is given (property)', async () => {
    const m = createNodeMetrics({ defaultMetrics: false })
    let fed = 0
    fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom(...REJECT_REASONS), fc.constantFrom('__proto__', 'constructor', 'toString')), (reason) => {
      m.rejected(reason)
      fed++
      assert.ok(REJECT_REASONS.includes(rejectReasonLabel(reason)))
    }), { numRuns: 500 })
    const series = selectSamples(await scrape(m), 'p2p_rejected_total')
    assert.equal(series.length, REJECT_REASONS.length)
    assert.equal(series.reduce((a, s) => a + s.value, 0), fed)
    for (const bad of [undefined, null, 42, {}, ['banned']]) assert.equal(rejectReasonLabel(bad), 'other')
  })

  it('refuses label values outside their set and bad numbers with InvalidValueError', () => {
    const m = createNodeMetrics({ defaultMetrics: false })
    const bad: Array<() => void> = [
      () => { m.message('sideways' as 'in', 'sync') },
      () => { m.message('in', 'gossip-12D3KooW' as 'sync') },
      () => { m.setMeshPeers('wireseal/block/1' as 'block', 1) },
      () => { m.blockReceived('dht' as 'sync') },
      () => { m.bytes('compressed' as 'raw', 'in', 1) },
      () => { m.setConnections('in', -1) },
      () => { m.setPeers(NaN) },
      () => { m.bytes('raw', 'in', Infinity) },
      () => { m.observeProcessing('sync', -0.1) },
      () => { m.observeDeliveryLatency(NaN) },
      () => { m.message('in', 'sync', -1) }
    ]
    for (const f of bad) assert.throws(f, InvalidValueError)
  })

  it('refuses bad options with InvalidConfigError', () => {
    for (const init of [
      { connectionLimits: { in: -1 } },
      { memoryLimitBytes: NaN },
      { processingBuckets: [] },
      { processingBuckets: [0.1, 0.05] },
      { deliveryBuckets: [0, 1] }
    ]) assert.throws(() => createNodeMetrics({ defaultMetrics: false, ...init }), InvalidConfigError, JSON.stringify(init))
  })

  it('gives each node its own registry and never touches the global one', async () => {
    const before = (await globalRegister.getMetricsAsJSON()).length
    const a = createNodeMetrics()
    const b = createNodeMetrics()
    a.banned()
    assert.notEqual(a.registry, b.registry)
    assert.equal(sumSamples(await scrape(a), 'p2p_blacklist_total'), 1)
    assert.equal(sumSamples(await scrape(b), 'p2p_blacklist_total'), 0)
    assert.equal((await globalRegister.getMetricsAsJSON()).length, before)
    // default metrics are registered once per registry: one RSS sample each
    assert.equal(selectSamples(await scrape(b), 'process_resident_memory_bytes').length, 1)
  })

  it('reads sources at scrape time; a source that throws or lies leaves the last value', async () => {
    let peers = 3
    let fail = false
    const m = createNodeMetrics({
      defaultMetrics: false,
      sources: {
        peers: () => { if (fail) throw new Error('boom'); return peers },
        connections: () => ({ in: 2, out: fail ? -4 : 1 }),
        meshPeers: () => ({ block: 5 }),
        blockHeight: () => (fail ? NaN : 12),
        ready: () => !fail
      }
    })
    let page = await scrape(m)
    assert.equal(sumSamples(page, 'p2p_peers'), 3)
    assert.equal(sumSamples(page, 'p2p_connections', { direction: 'out' }), 1)
    assert.equal(sumSamples(page, 'p2p_mesh_peers', { topic: 'block' }), 5)
    assert.equal(sumSamples(page, 'p2p_mesh_peers', { topic: 'peerinfo' }), 0)
    assert.equal(sumSamples(page, 'p2p_block_height'), 12)
    assert.equal(sumSamples(page, 'p2p_ready'), 1)
    peers = 8
    fail = true
    page = await scrape(m)
    assert.equal(sumSamples(page, 'p2p_peers'), 3)
    assert.equal(sumSamples(page, 'p2p_connections', { direction: 'out' }), 1)
    assert.equal(sumSamples(page, 'p2p_block_height'), 12)
    assert.equal(sumSamples(page, 'p2p_ready'), 0)
    fail = false
    assert.equal(sumSamples(await scrape(m), 'p2p_peers'), 8)
  })
})

describe('gossipsubMetrics', () => {
  const TOPICS = { block: 'wireseal/block/1', peerinfo: 'wireseal/peerinfo/1' }

  it('implements gauge (inc, set, addCollect), histogram and avgMinMax on the registry', async () => {
    const registry = new Registry()
    const { metricsRegister: r, metricsTopicStrToLabel } = gossipsubMetrics({ registry, topics: TOPICS })
    assert.equal(metricsTopicStrToLabel.get('wireseal/block/1'), 'block')
    const plain = r.gauge({ name: 'gossipsub_t_plain', help: 'h' })
    plain.inc()
    plain.inc(2)
    const labelled = r.gauge<{ topic: string }>({ name: 'gossipsub_t_labelled', help: 'h', labelNames: ['topic'] })
    labelled.inc({ topic: 'block' }, 5)
    labelled.addCollect((g) => { g.set({ topic: 'peerinfo' }, 9) })
    const h = r.histogram<{ topic: string }>({ name: 'gossipsub_t_hist', help: 'h', labelNames: ['topic'], buckets: [1, 2] })
    h.observe({ topic: 'wireseal/block/1' }, 1.5)
    const end = r.histogram({ name: 'gossipsub_t_timer', help: 'h' }).startTimer()
    end()
    const amm = r.avgMinMax<{ topic: string, p: string }>({ name: 'gossipsub_t_amm', help: 'h', labelNames: ['topic', 'p'] })
    amm.set({ topic: 'block', p: 'p1' }, [1, 2, 6])
    r.avgMinMax({ name: 'gossipsub_t_empty', help: 'h' }).set([])
    const throwing = r.gauge({ name: 'gossipsub_t_throwing', help: 'h' })
    throwing.addCollect(() => { throw new Error('collect bug') })
    const page = parsePromText(await registry.metrics())
    assert.equal(sumSamples(page, 'gossipsub_t_plain'), 3)
    assert.equal(sumSamples(page, 'gossipsub_t_labelled', { topic: 'block' }), 5)
    assert.equal(sumSamples(page, 'gossipsub_t_labelled', { topic: 'peerinfo' }), 9)
    assert.equal(sumSamples(page, 'gossipsub_t_hist_bucket', { topic: 'block', le: '2' }), 1)
    assert.equal(sumSamples(page, 'gossipsub_t_timer_count'), 1)
    assert.equal(sumSamples(page, 'gossipsub_t_amm_avg', { topic: 'block', p: 'p1' }), 3)
    assert.equal(sumSamples(page, 'gossipsub_t_amm_min', { topic: 'block', p: 'p1' }), 1)
    assert.equal(sumSamples(page, 'gossipsub_t_amm_max', { topic: 'block', p: 'p1' }), 6)
    assert.equal(sumSamples(page, 'gossipsub_t_amm_count', { topic: 'block', p: 'p1' }), 3)
    assert.equal(sumSamples(page, 'gossipsub_t_empty_count'), 0)
    assert.equal(sumSamples(page, 'gossipsub_metrics_collect_errors_total'), 1)
  })

  it('runs addCollect callbacks before any gossipsub gauge is read, so a scrape shows its own state', async () => {
    const registry = new Registry()
    const { metricsRegister: r } = gossipsubMetrics({ registry, topics: TOPICS })
    // gossipsub fills mesh_peer_count (registered early) from a callback on mcache_size (registered late)
    const early = r.gauge<{ topicStr: string }>({ name: 'gossipsub_t_early', help: 'h', labelNames: ['topicStr'] })
    const late = r.gauge({ name: 'gossipsub_t_late', help: 'h' })
    let mesh = 3
    late.addCollect(() => { early.set({ topicStr: TOPICS.block }, mesh); late.set(mesh * 10) })
    assert.equal(sumSamples(parsePromText(await registry.metrics()), 'gossipsub_t_early', { topicStr: 'block' }), 3)
    mesh = 5
    const page = parsePromText(await registry.metrics())
    assert.equal(sumSamples(page, 'gossipsub_t_early', { topicStr: 'block' }), 5)
    assert.equal(sumSamples(page, 'gossipsub_t_late'), 50)
  })

  it('folds every topic label a peer could choose into the configured labels or other (property)', async () => {
    const registry = new Registry()
    const { metricsRegister: r } = gossipsubMetrics({ registry, topics: TOPICS })
    const byStr = r.gauge<{ topicStr: string }>({ name: 'gossipsub_t_str', help: 'h', labelNames: ['topicStr'] })
    const byTopic = r.gauge<{ topic: string }>({ name: 'gossipsub_t_topic', help: 'h', labelNames: ['topic'] })
    const other = r.gauge<{ cache: string }>({ name: 'gossipsub_t_other', help: 'h', labelNames: ['cache'] })
    fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom(...Object.values(TOPICS), 'block', '__proto__')), (topic) => {
      byStr.set({ topicStr: topic }, 1)
      byTopic.inc({ topic })
    }), { numRuns: 300 })
    other.set({ cache: 'backoff' }, 1)
    const page = parsePromText(await registry.metrics())
    const allowed = ['block', 'peerinfo', 'other']
    for (const s of selectSamples(page, 'gossipsub_t_str')) assert.ok(allowed.includes(s.labels.topicStr as string), s.labels.topicStr)
    for (const s of selectSamples(page, 'gossipsub_t_topic')) assert.ok(allowed.includes(s.labels.topic as string), s.labels.topic)
    assert.ok(selectSamples(page, 'gossipsub_t_topic').length <= 3)
    assert.equal(sumSamples(page, 'gossipsub_t_other', { cache: 'backoff' }), 1, 'labels that are not topics pass through')
  })

  it('refuses labels outside the mesh set, empty and duplicate topic strings', () => {
    const registry = new Registry()
    assert.throws(() => gossipsubMetrics({ registry, topics: { blocks: 'x' } as never }), InvalidConfigError)
    assert.throws(() => gossipsubMetrics({ registry, topics: { block: '' } }), InvalidConfigError)
    assert.throws(() => gossipsubMetrics({ registry, topics: { block: 't', peerinfo: 't' } }), InvalidConfigError)
  })
})
