/**
 * Batched gossip on real libp2p nodes (TCP + Noise + Yamux on 127.0.0.1,
 * gossipsub 17), in a line 0 - 1 - 2 - 3 (one path between any two nodes, so
 * per-sender order is gossipsub's to keep): node 0 publishes batched with a
 * small window, node 1 unbatched, node 2 batched with the defaults; every
 * value reaches the other two honest nodes exactly once and in publish order,
 * relayed through a node whatever its own publish mode. Node 3 is a plain
 * gossipsub node (no wireseal) that read the batches off the wire: its
 * replays of a whole batch and of single items are ignored (nothing delivered
 * again, no penalty), its forged batch is rejected and costs it score.
 */
import '../../src/libp2p/polyfill.js'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Message } from '@libp2p/gossipsub'
import { createCodec, type OpenResult } from '../../src/codec/index.js'
import { wiresealGossip, type GossipMessage, type WiresealGossip } from '../../src/libp2p/gossip.js'
import { startNodes, stopNodes, waitFor, type GossipNode } from './fixtures.js'
import { BlockType, PeerInfoType, codecFor, envelopeOffsets, flipByte, makeBlock, registry, scoreOf, sleep, type Block } from './gossip-fixtures.js'

const HONEST = 3
const PER_NODE = 150
const SEEN_TTL_MS = 500
const HEARTBEAT_MS = 250

/** The batch setting of each honest node's `blocks` topic. */
const BATCH = [{ maxDelayMs: 3, maxItems: 16 }, undefined, true] as const

type Topics = Record<'blocks' | 'peers', { type: typeof BlockType | typeof PeerInfoType, batch?: boolean | { maxDelayMs: number, maxItems: number } }>

/** xorshift32: reproducible publish timings. */
function prng (seed: number): () => number {
  let x = seed
  return () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
}

describe('batched gossip over real nodes', () => {
  it('batched and unbatched nodes interoperate: every value once, in per-sender order; replayed batches and items are ignored, a forged batch rejected', { timeout: 90_000 }, async () => {
    const codecs = await Promise.all(Array.from({ length: HONEST }, async (_, i) => codecFor(41 + i)))
    const gossips = codecs.map((codec, i) => wiresealGossip<Topics>({
      codec,
      topics: { blocks: { type: BlockType, ...(BATCH[i] === undefined ? {} : { batch: BATCH[i] }) }, peers: { type: PeerInfoType } },
      scoreThresholds: { gossipThreshold: -1e7, publishThreshold: -2e7, graylistThreshold: -3e7 }
    }) as WiresealGossip<Topics>)
    const nodes = await startNodes(HONEST + 1, {
      connect: 'line',
      gossipsub: (i) => i < HONEST
        ? { ...(gossips[i] as WiresealGossip<Topics>).gossipsubOptions, emitSelf: false, seenTTL: SEEN_TTL_MS, heartbeatInterval: HEARTBEAT_MS }
        : { globalSignaturePolicy: 'StrictNoSign', emitSelf: false, allowPublishToZeroTopicPeers: true, ignoreDuplicatePublishError: true, seenTTL: SEEN_TTL_MS, heartbeatInterval: HEARTBEAT_MS }
    })
    try {
      const honest = nodes.slice(0, HONEST)
      const mallory = nodes[HONEST] as GossipNode
      const malloryPs = mallory.services.pubsub
      const wire: Uint8Array[] = []
      malloryPs.subscribe('blocks')
      malloryPs.addEventListener('message', (evt: CustomEvent<Message>) => { if (evt.detail.topic === 'blocks') wire.push(evt.detail.data) })
      gossips.forEach((g, i) => { g.attach(nodes[i] as GossipNode) })
      const received = honest.map(() => new Map<string, number[]>())
      gossips.forEach((g, n) => {
        g.onMessage('blocks', (m: GossipMessage) => {
          const list = received[n]?.get(m.from) ?? []
          list.push((m.value as Block).ttl)
          received[n]?.set(m.from, list)
        })
      })
      await waitFor(() => honest.every((node, i) => [i - 1, i + 1].filter((j) => j >= 0 && j <= HONEST).every((j) =>
        node.services.pubsub.getSubscribers('blocks').some((p) => p.equals((nodes[j] as GossipNode).peerId)))), 'neighbours subscribed')
      await waitFor(() => honest.every((node, i) => (node.services.pubsub as unknown as { getMeshPeers(t: string): string[] }).getMeshPeers('blocks').length === (i === 0 ? 1 : 2)), 'meshes formed')

      // every honest node publishes PER_NODE values in random bursts with random pauses, concurrently
      const publishAll = async (n: number): Promise<void> => {
        const rnd = prng(7 + n)
        const g = gossips[n] as WiresealGossip<Topics>
        const pending: Array<Promise<unknown>> = []
        let i = 0
        while (i < PER_NODE) {
          const burst = 1 + Math.floor(rnd() * 12)
          for (let k = 0; k < burst && i < PER_NODE; k++, i++) pending.push(g.publish('blocks', makeBlock(n * 10_000 + i, 200 + Math.floor(rnd() * 1500))))
          await sleep(Math.floor(rnd() * 6))
        }
        await g.flush()
        await Promise.all(pending)
      }
      await Promise.all(gossips.map(async (_, n) => publishAll(n)))
      const want = (_n: number): number => (HONEST - 1) * PER_NODE
      const total = (n: number): number => [...(received[n]?.values() ?? [])].reduce((a, l) => a + l.length, 0)
      await waitFor(() => honest.every((_, n) => total(n) >= want(n)), 'every value delivered', 30_000)
      await sleep(3 * HEARTBEAT_MS) // late duplicates would show up here
      for (let n = 0; n < HONEST; n++) {
        assert.equal(total(n), want(n), `node ${n}: deliveries`)
        for (let s = 0; s < HONEST; s++) {
          if (s === n) continue
          assert.deepEqual(received[n]?.get(codecs[s]?.id as string), Array.from({ length: PER_NODE }, (_, i) => s * 10_000 + i), `node ${n}: values of node ${s} once each, in publish order`)
        }
      }
      const stats = gossips.map((g) => g.stats())
      assert.equal(stats[1]?.publishedEnvelopes, PER_NODE, 'node 1 publishes unbatched')
      assert.ok((stats[0]?.publishedEnvelopes ?? 0) < PER_NODE && (stats[2]?.publishedEnvelopes ?? 0) < PER_NODE, `batched nodes coalesced: ${stats.map((s) => s.publishedEnvelopes).join(', ')} envelopes`)
      for (const s of stats) {
        assert.deepEqual(Object.values(s.rejected).filter((v) => v > 0), [], 'nothing rejected')
        assert.equal(s.publishedValues, PER_NODE)
      }

      // mallory (next to node 2) read every envelope; once the seen-caches forgot them it replays a batch whole,
      // and single items of batches (each with its inclusion proof: new message ids, so they pass the seen-cache at once)
      // (batches node 0 signed: node 2 would count its own as ownMessages)
      const inspector = createCodec({ serializers: registry, replay: false })
      const batches = wire.map((bytes) => ({ bytes, r: inspector.open<Block>(bytes, { channel: 'blocks' }) }))
        .filter((b): b is { bytes: Uint8Array, r: Extract<OpenResult<Block>, { ok: true }> } => b.r.ok && b.r.kind === 'batch' && b.r.messages.length >= 2 && b.r.from === codecs[0]?.id)
      assert.ok(batches.length >= 3, `mallory saw ${batches.length} batches of node 0`)
      const batchBytes = (batches[0] as { bytes: Uint8Array }).bytes
      const items = batches.slice(1, 3).map((b) => (b.r.itemEnvelope as (i: number) => Uint8Array)(1))
      await sleep(SEEN_TTL_MS + 3 * HEARTBEAT_MS)
      const replayedBefore = gossips[2]?.stats().ignored.replayed ?? 0
      for (const bytes of [batchBytes, ...items]) await malloryPs.publish('blocks', bytes)
      await waitFor(() => (gossips[2]?.stats().ignored.replayed ?? 0) >= replayedBefore + 3, 'replayed batch and items ignored by node 2')
      const mallorysScore = (): number => scoreOf((honest[2] as GossipNode).services.pubsub, mallory.peerId)
      assert.ok(mallorysScore() >= 0, 'ignoring costs the relay nothing')

      // forged batches: a genuine one with a flipped signature byte, and one with a tampered item: Reject, score < 0
      const off = envelopeOffsets(batchBytes)
      for (const bytes of [flipByte(batchBytes, off.signature + 2), flipByte(batchBytes, off.payload + off.payloadLength - 3)]) await malloryPs.publish('blocks', bytes)
      await waitFor(() => {
        const s = gossips[2]?.stats()
        return s !== undefined && s.rejected['invalid-signature'] + s.rejected['digest-mismatch'] >= 2
      }, 'forged batches rejected by node 2').catch((err: unknown) => { throw new assert.AssertionError({ message: `${String(err)}: ${JSON.stringify(gossips[2]?.stats())}` }) })
      await waitFor(() => mallorysScore() < 0, 'mallory\'s score below 0')
      await sleep(3 * HEARTBEAT_MS)
      for (let n = 0; n < HONEST; n++) assert.equal(total(n), want(n), `node ${n}: nothing delivered again`)
    } finally {
      for (const g of gossips) g.detach()
      await stopNodes(nodes)
    }
  })
})
