/**
 * LivePeers and LatencyRing, the node's bookkeeping behind live sync and the
 * status view's latency quantiles.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { LivePeers } from '../src/live-peers.js'
import { LatencyRing } from '../src/latency-ring.js'

describe('LivePeers', () => {
  it('a peer is current once caught up, until gossip is lost or it disconnects', () => {
    const live = new LivePeers()
    assert.equal(live.isCurrent('a'), false, 'never caught up')
    live.caughtUp('a', live.mark)
    assert.equal(live.isCurrent('a'), true)
    live.lost()
    assert.equal(live.isCurrent('a'), false, 'a lost block means a gap to fetch')
    live.caughtUp('a', live.mark)
    assert.equal(live.isCurrent('a'), true)
    live.forget('a')
    assert.equal(live.isCurrent('a'), false, 'a disconnected peer is no longer live')
  })

  it('a loss during a sync leaves the peer behind (the mark is taken when the sync starts)', () => {
    const live = new LivePeers()
    const mark = live.mark
    live.lost()
    live.caughtUp('a', mark)
    assert.equal(live.isCurrent('a'), false)
  })
})

describe('LatencyRing', () => {
  it('summarises the latencies added so far, also after a cached summary', () => {
    const ring = new LatencyRing()
    assert.deepEqual(ring.summary(), { p50: 0, p99: 0, count: 0 })
    for (const ms of [30, 10, 20]) ring.add(ms)
    assert.deepEqual(ring.summary(), { p50: 20, p99: 30, count: 3 })
    assert.deepEqual(ring.summary(), { p50: 20, p99: 30, count: 3 })
    ring.add(5)
    ring.add(1)
    assert.deepEqual(ring.summary(), { p50: 10, p99: 30, count: 5 })
  })

  it('keeps the last 2,048 only', () => {
    const ring = new LatencyRing()
    for (let i = 0; i < 2048; i++) ring.add(1000)
    for (let i = 0; i < 2048; i++) ring.add(1)
    assert.deepEqual(ring.summary(), { p50: 1, p99: 1, count: 4096 })
  })
})
