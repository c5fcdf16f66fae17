/**
 * Batched gossip publishing (issue 14) without a network: the window, item
 * and byte bounds, publish order and seqs, per-value refusals, flush and
 * detach, and the receiver's replay, dedupe and verdict semantics for batch
 * envelopes and their forwarded items; exactly-once, in-order delivery under
 * random publish timings (fast-check).
 */
import '../../src/libp2p/polyfill.js'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { StrictNoSign, TopicValidatorResult, type GossipSub, type Message, type PublishResult } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { createCodec, type Codec, type OpenResult } from '../../src/codec/index.js'
import { InvalidConfigError, InvalidValueError } from '../../src/errors.js'
import { createLimits, DEFAULT_LIMITS } from '../../src/limits.js'
import { SerializerId } from '../../src/serialize/types.js'
import { gossipBatchConfig, TopicBatcher } from '../../src/libp2p/gossip-batcher.js'
import {
  DEFAULT_GOSSIP_BATCH_MAX_BYTES, DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS, DEFAULT_GOSSIP_BATCH_MAX_ITEMS, wiresealGossip, type GossipBatchInit, type GossipMessage,
  type WiresealGossip
} from '../../src/libp2p/gossip.js'
import type { SealedGossip } from '../../src/libp2p/gossip-sealed.js'
import { BlockType, PeerInfoType, codecFor, envelopeOffsets, flipByte, makeBlock, makePeerInfo, registry, type Block } from './gossip-fixtures.js'

const peer = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(98)))

/** A stand-in for gossipsub: validators, subscriptions, what was published, and delivery of received messages. */
class FakePubsub extends EventTarget {
  globalSignaturePolicy: string = StrictNoSign
  topicValidators = new Map<string, (peer: unknown, msg: Message) => unknown>()
  published: Array<{ topic: string, data: Uint8Array }> = []
  failNext: Error | undefined
  subscribe (): void {}
  unsubscribe (): void {}
  async publish (topic: string, data: Uint8Array): Promise<PublishResult> {
    const fail = this.failNext
    this.failNext = undefined
    if (fail !== undefined) throw fail
    this.published.push({ topic, data })
    return { recipients: [] }
  }

  /** Validates, then emits when accepted, as gossipsub does. */
  receive (topic: string, data: Uint8Array): unknown {
    const msg: Message = { type: 'unsigned', topic, data }
    const verdict = this.topicValidators.get(topic)?.(peer, msg)
    if (verdict === TopicValidatorResult.Accept) {
      this.dispatchEvent(new CustomEvent('gossipsub:message', { detail: { propagationSource: peer, msgId: 'id', msg } }))
    }
    return verdict
  }
}

function fake (): FakePubsub & GossipSub {
  return new FakePubsub() as unknown as FakePubsub & GossipSub
}

const TOPICS = { blocks: { type: BlockType }, peers: { type: PeerInfoType } }
const inspector = createCodec({ serializers: registry, replay: false })

/** What an envelope is: kind, first seq and item count. */
function shape (bytes: Uint8Array, topic = 'blocks'): { kind: string, seq: number, n: number, ttls: number[] } {
  const r = inspector.open<Block>(bytes, { channel: topic })
  assert.ok(r.ok, r.ok ? '' : r.reason)
  return { kind: r.kind, seq: r.seq, n: r.messages.length, ttls: r.messages.map((m) => (m.value as Block).ttl) }
}

/** Topics of a batching sender. */
type BatchedTopics = { blocks: { type: typeof BlockType, batch: boolean | GossipBatchInit }, peers: { type: typeof PeerInfoType } }

async function batchedSender (seed: number, batch: boolean | GossipBatchInit): Promise<{ ps: FakePubsub & GossipSub, g: WiresealGossip<BatchedTopics>, codec: Codec }> {
  const codec = await codecFor(seed)
  const g = wiresealGossip<BatchedTopics>({ codec, topics: { blocks: { type: BlockType, batch }, peers: { type: PeerInfoType } } })
  const ps = fake()
  g.attach(ps)
  return { ps, g, codec }
}

describe('batched gossip configuration', () => {
  it('applies the documented defaults, lowers maxBytes to the payload caps, refuses nonsense with InvalidConfigError', () => {
    assert.deepEqual(gossipBatchConfig('b', true, DEFAULT_LIMITS, DEFAULT_LIMITS.maxPayloadBytes),
      { maxDelayMs: DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS, maxItems: DEFAULT_GOSSIP_BATCH_MAX_ITEMS, maxBytes: DEFAULT_GOSSIP_BATCH_MAX_BYTES })
    assert.deepEqual([DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS, DEFAULT_GOSSIP_BATCH_MAX_ITEMS, DEFAULT_GOSSIP_BATCH_MAX_BYTES], [5, 64, 256 * 1024])
    assert.equal(gossipBatchConfig('b', undefined, DEFAULT_LIMITS, 1), undefined)
    assert.equal(gossipBatchConfig('b', false, DEFAULT_LIMITS, 1), undefined)
    assert.equal(gossipBatchConfig('b', {}, DEFAULT_LIMITS, 8192)?.maxBytes, 8192, 'a topic cap receivers apply')
    assert.equal(gossipBatchConfig('b', {}, createLimits({ maxPayloadBytes: 4096 }), 1e9)?.maxBytes, 4096, 'the budget')
    assert.equal(gossipBatchConfig('b', {}, createLimits({ maxBatchItems: 8 }), 1e9)?.maxItems, 8, 'the budget\'s maxBatchItems')
    for (const bad of [{ maxDelayMs: 0 }, { maxDelayMs: -1 }, { maxDelayMs: Number.NaN }, { maxDelayMs: 60_001 }, { maxItems: 0 }, { maxItems: 1.5 },
      { maxItems: DEFAULT_LIMITS.maxBatchItems + 1 }, { maxBytes: 0 }, { maxBytes: 2.5 }, 'yes', null]) {
      assert.throws(() => wiresealGossip({ codec: inspector, topics: { blocks: { type: BlockType, batch: bad as never } } }),
        (err: unknown) => err instanceof InvalidConfigError && err.details.option.startsWith('topics.blocks.batch'), JSON.stringify(bad))
    }
  })
})

describe('batched gossip publishing', () => {
  it('an idle topic sends a value at once, alone; values published within the window share one batch envelope, in order', async () => {
    const { ps, g } = await batchedSender(11, { maxDelayMs: 60_000 })
    const results = Array.from({ length: 10 }, async (_, i) => g.publish('blocks', makeBlock(i, 256)))
    assert.equal(ps.published.length, 1, 'the first value left at once (the topic was idle)')
    await g.flush()
    await Promise.all(results)
    const first = shape((ps.published[0] as { data: Uint8Array }).data).seq
    assert.deepEqual(ps.published.map((p) => ({ ...shape(p.data), seq: shape(p.data).seq - first })), [
      { kind: 'single', seq: 0, n: 1, ttls: [0] },
      { kind: 'batch', seq: 1, n: 9, ttls: [1, 2, 3, 4, 5, 6, 7, 8, 9] }
    ])
    assert.deepEqual([g.stats().publishedEnvelopes, g.stats().publishedValues], [2, 10])
    // the other topic is not batched
    await Promise.all([g.publish('peers', makePeerInfo(1)), g.publish('peers', makePeerInfo(2))])
    assert.equal(ps.published.length, 4)
  })

  it('a batch reaching maxItems goes out at once; a value over maxBytes goes alone, after the open batch', async () => {
    const { ps, g } = await batchedSender(12, { maxItems: 4, maxBytes: 3000, maxDelayMs: 60_000 })
    const results = Array.from({ length: 10 }, async (_, i) => g.publish('blocks', makeBlock(i, 256)))
    assert.deepEqual(ps.published.map((p) => shape(p.data).n), [1, 4, 4], 'two full batches left synchronously')
    await g.flush()
    await Promise.all(results)
    assert.deepEqual(ps.published.map((p) => shape(p.data).n), [1, 4, 4, 1])
    ps.published.length = 0
    // 3 small values wait, then one over maxBytes: the 3 leave first, then the big one, alone
    const more = [100, 101, 102, 103, 104].map(async (i) => g.publish('blocks', makeBlock(i, 256)))
    more.push(g.publish('blocks', makeBlock(105, 4000)), g.publish('blocks', makeBlock(106, 256)))
    await g.flush()
    await Promise.all(more)
    assert.deepEqual(ps.published.map((p) => shape(p.data).ttls).flat(), [100, 101, 102, 103, 104, 105, 106], 'publish order = seq order')
    const seqs = ps.published.map((p) => shape(p.data).seq)
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b))
    // the bytes bound: 1000 B Blocks (~1.1 KB serialized) fill a 3000 B batch at 2, before maxItems (4)
    ps.published.length = 0
    const many = Array.from({ length: 12 }, async (_, i) => g.publish('blocks', makeBlock(200 + i, 1000)))
    await g.flush()
    await Promise.all(many)
    assert.ok(ps.published.every((p) => shape(p.data).n <= 2), JSON.stringify(ps.published.map((p) => shape(p.data).n)))
    assert.ok(ps.published.some((p) => shape(p.data).n === 2))
  })

  it('values published with other options never share a batch; order is kept', async () => {
    const { ps, g } = await batchedSender(13, { maxDelayMs: 60_000 })
    await g.publish('blocks', makeBlock(0, 64))
    const results = [
      g.publish('blocks', makeBlock(1, 64)),
      g.publish('blocks', makeBlock(2, 64), { serializer: SerializerId.msgpack }),
      g.publish('blocks', makeBlock(3, 64), { serializer: SerializerId.msgpack }),
      g.publish('blocks', makeBlock(4, 64), { compression: 'none' })
    ]
    await g.flush()
    await Promise.all(results)
    const opened = ps.published.map((p) => inspector.open<Block>(p.data, { channel: 'blocks' }))
    assert.deepEqual(opened.map((r) => r.ok ? [r.serializer, r.messages.map((m) => m.value.ttl)] : r.reason),
      [[SerializerId.protobuf, [0]], [SerializerId.protobuf, [1]], [SerializerId.msgpack, [2, 3]], [SerializerId.protobuf, [4]]])
  })

  it('a value that does not fit the type is refused alone; a failed publish rejects every value of its batch', async () => {
    const { ps, g } = await batchedSender(14, { maxDelayMs: 60_000 })
    await g.publish('blocks', makeBlock(0, 64))
    const good = g.publish('blocks', makeBlock(1, 64))
    await assert.rejects(g.publish('blocks', makePeerInfo(1) as never), InvalidValueError)
    await assert.rejects(g.publish('blocks', makeBlock(2), { serializer: 200 }), (err: unknown) => err instanceof Error)
    await g.flush()
    await good
    assert.deepEqual(ps.published.map((p) => shape(p.data).ttls), [[0], [1]])
    const failure = new Error('no peers')
    const a = g.publish('blocks', makeBlock(3, 64))
    const b = g.publish('blocks', makeBlock(4, 64))
    ps.failNext = failure
    await g.flush()
    await assert.rejects(a, (err) => err === failure)
    await assert.rejects(b, (err) => err === failure)
    // publishing before attach is refused at once, batched or not
    const unattached = wiresealGossip({ codec: await codecFor(15), topics: { blocks: { type: BlockType, batch: true } } })
    await assert.rejects(unattached.publish('blocks', makeBlock(5, 64)), InvalidConfigError)
  })

  it('flush() and detach() publish what waits; publishBatch goes after it', async () => {
    const { ps, g } = await batchedSender(16, { maxDelayMs: 60_000 })
    await g.publish('blocks', makeBlock(0, 64))
    const waiting = [g.publish('blocks', makeBlock(1, 64)), g.publish('blocks', makeBlock(2, 64))]
    await g.flush()
    await Promise.all(waiting)
    assert.deepEqual(ps.published.map((p) => shape(p.data).ttls), [[0], [1, 2]])
    const w2 = g.publish('blocks', makeBlock(3, 64))
    await g.publishBatch('blocks', [makeBlock(4, 64)])
    await w2
    assert.deepEqual(ps.published.slice(2).map((p) => [shape(p.data).kind, shape(p.data).ttls]), [['single', [3]], ['batch', [4]]])
    const w3 = [g.publish('blocks', makeBlock(5, 64)), g.publish('blocks', makeBlock(6, 64))]
    g.detach()
    await Promise.all(w3)
    assert.deepEqual(shape((ps.published.at(-1) as { data: Uint8Array }).data).ttls, [5, 6])
    await assert.rejects(g.publish('blocks', makeBlock(7, 64)), InvalidConfigError)
  })

  it('TopicBatcher holds at most maxItems values and maxBytes bytes (memory bound)', async () => {
    const sent: number[][] = []
    const b = new TopicBatcher({
      config: { maxDelayMs: 1e9, maxItems: 5, maxBytes: 100 },
      now: () => 0,
      send: async (values) => { sent.push(values as number[]); return { recipients: [] } }
    })
    const all: Array<Promise<unknown>> = []
    let most = 0
    for (let i = 0; i < 200; i++) {
      all.push(b.add(i, 1 + (i * 7) % 40, { serializer: undefined, compression: undefined, peerAccepts: undefined }))
      most = Math.max(most, b.pending)
    }
    assert.ok(most <= 5)
    await b.flush()
    await Promise.all(all)
    assert.deepEqual(sent.flat(), Array.from({ length: 200 }, (_, i) => i), 'every value once, in order')
    for (const batch of sent) assert.ok(batch.reduce((a, i) => a + 1 + (i * 7) % 40, 0) <= 100 || batch.length === 1)
  })
})

describe('batched gossip at the receiver', () => {
  it('validates a batch once and delivers each item once; a replayed batch is Ignore, a forged one Reject; items seen alone are not delivered again', async () => {
    const { ps: sps, g: sender } = await batchedSender(21, { maxItems: 8, maxDelayMs: 60_000 })
    const bob = wiresealGossip({ codec: await codecFor(22), topics: TOPICS })
    const ps = fake()
    bob.attach(ps)
    const got: GossipMessage<Block>[] = []
    bob.onMessage('blocks', (m) => { got.push(m) })
    await Promise.all(Array.from({ length: 9 }, async (_, i) => sender.publish('blocks', makeBlock(i, 128))))
    const [single, batch] = sps.published.map((p) => p.data) as [Uint8Array, Uint8Array]
    assert.equal(shape(batch).kind, 'batch')

    // forged batches: Reject (costs the relay score), nothing delivered, nothing committed
    const off = envelopeOffsets(batch)
    assert.equal(ps.receive('blocks', flipByte(batch, off.signature + 3)), TopicValidatorResult.Reject)
    assert.equal(ps.receive('blocks', flipByte(batch, off.payload + 1)), TopicValidatorResult.Reject)
    assert.equal(ps.receive('peers', batch), TopicValidatorResult.Reject, 'cross-topic')

    // a relay forwards items 2 and 5 alone (with their proofs) before the batch arrives
    const relay = createCodec({ serializers: registry, replay: false }).open(batch, { channel: 'blocks' }) as Extract<OpenResult, { ok: true }>
    assert.ok(relay.itemEnvelope !== undefined)
    assert.equal(ps.receive('blocks', relay.itemEnvelope(2)), TopicValidatorResult.Accept)
    assert.equal(ps.receive('blocks', relay.itemEnvelope(5)), TopicValidatorResult.Accept)
    assert.equal(ps.receive('blocks', single), TopicValidatorResult.Accept)
    assert.equal(ps.receive('blocks', batch), TopicValidatorResult.Accept)
    assert.deepEqual(got.map((m) => m.value.ttl), [3, 6, 0, 1, 2, 4, 5, 7, 8], 'items seen alone are left out of the batch')
    assert.deepEqual(got.map((m) => m.seq - shape(single).seq), [3, 6, 0, 1, 2, 4, 5, 7, 8])
    // each delivered item is verifiable alone by a third node, with its proof
    const third = createCodec({ serializers: registry })
    for (const m of got) assert.equal(third.open<Block>(m.envelope(), { channel: 'blocks' }).ok, true)

    // replays: the whole batch, one of its items, the single: Ignore, nothing delivered again
    assert.equal(ps.receive('blocks', batch.slice()), TopicValidatorResult.Ignore)
    assert.equal(ps.receive('blocks', relay.itemEnvelope(7)), TopicValidatorResult.Ignore)
    assert.equal(ps.receive('blocks', single.slice()), TopicValidatorResult.Ignore)
    assert.equal(got.length, 9)
    const s = bob.stats()
    assert.deepEqual([s.accepted, s.delivered, s.ignored.replayed], [4, 9, 3])
    assert.deepEqual(Object.fromEntries(Object.entries(s.rejected).filter(([, n]) => n > 0)), { 'invalid-signature': 1, 'digest-mismatch': 1, 'wrong-channel': 1 })
  })

  it('every value reaches a receiver exactly once and in per-sender order, under random publish timings, batch settings and replays (property)', async () => {
    const senders = await Promise.all([31, 32].map(async (seed) => codecFor(seed)))
    const receiverCodecSeed = 33
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ sender: fc.nat(1), waitMs: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 3 })), big: fc.nat(9) }), { minLength: 1, maxLength: 40 }),
      fc.record({ maxDelayMs: fc.integer({ min: 1, max: 4 }), maxItems: fc.integer({ min: 1, max: 6 }), maxBytes: fc.integer({ min: 400, max: 4000 }) }),
      fc.array(fc.nat(), { maxLength: 6 }),
      async (ops, batch, replays) => {
        // fresh sender state per run: new gossip objects over codecs whose seqs keep counting (a receiver per run)
        const pubs = senders.map((codec) => {
          const g = wiresealGossip({ codec, topics: { blocks: { type: BlockType, batch } } })
          const ps = fake()
          g.attach(ps)
          return { g, ps }
        })
        const bob = wiresealGossip({ codec: await codecFor(receiverCodecSeed), topics: TOPICS })
        const ps = fake()
        bob.attach(ps)
        const got: Array<{ from: string, ttl: number, seq: number }> = []
        bob.onMessage('blocks', (m) => { got.push({ from: m.from, ttl: m.value.ttl, seq: m.seq }) })
        const published: Array<Promise<unknown>> = []
        const expected = [[], []] as number[][]
        for (let i = 0; i < ops.length; i++) {
          const op = ops[i] as { sender: number, waitMs: number, big: number }
          if (op.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, op.waitMs))
          expected[op.sender]?.push(i)
          published.push((pubs[op.sender] as (typeof pubs)[number]).g.publish('blocks', makeBlock(i, op.big === 0 ? 3000 : 64)))
        }
        await Promise.all(pubs.map(async (p) => p.g.flush()))
        await Promise.all(published)
        // the receiver gets each sender's envelopes in publish order, interleaved, with replays of earlier ones
        const streams = pubs.map((p) => p.ps.published.map((x) => x.data))
        const all: Uint8Array[] = []
        const cursors = [0, 0]
        let k = 0
        while (cursors.some((c, s) => c < (streams[s] as Uint8Array[]).length)) {
          const s = (cursors[0] as number) < (streams[0] as Uint8Array[]).length && (k++ % 3 !== 2 || (cursors[1] as number) >= (streams[1] as Uint8Array[]).length) ? 0 : 1
          const env = (streams[s] as Uint8Array[])[cursors[s] as number] as Uint8Array
          cursors[s] = (cursors[s] as number) + 1
          assert.equal(ps.receive('blocks', env), TopicValidatorResult.Accept)
          all.push(env)
          const r = replays[all.length % Math.max(1, replays.length)]
          if (r !== undefined && replays.length > 0) assert.equal(ps.receive('blocks', (all[r % all.length] as Uint8Array).slice()), TopicValidatorResult.Ignore)
        }
        for (let s = 0; s < 2; s++) {
          const mine = got.filter((m) => m.from === senders[s]?.id)
          assert.deepEqual(mine.map((m) => m.ttl), expected[s], `sender ${s}: every value once, in publish order`)
          const seqs = mine.map((m) => m.seq)
          assert.ok(seqs.every((q, j) => j === 0 || q > (seqs[j - 1] as number)), `sender ${s}: seqs increase`)
        }
        assert.equal(bob.stats().delivered, ops.length)
        for (const p of pubs) p.g.detach()
      }
    ), { numRuns: 30 })
  })
})

describe('batched gossip: the onSealed hook', () => {
  it('hands over every sealed envelope with its values, and item envelopes byte for byte as receivers build them', async () => {
    const sealed: SealedGossip[] = []
    const { ps: sps, g: sender } = await batchedSender(41, { maxItems: 4, maxDelayMs: 60_000, onSealed: (s) => { sealed.push(s) } })
    await Promise.all(Array.from({ length: 5 }, async (_, i) => sender.publish('blocks', makeBlock(i, 300))))
    await sender.publishBatch('blocks', [makeBlock(9, 300)])
    assert.deepEqual(sealed.map((s) => s.values.map((v) => (v as Block).ttl)), [[0], [1, 2, 3, 4], [9]])
    assert.deepEqual(sealed.map((s) => s.envelope), sps.published.map((p) => p.data), 'the published bytes, in order')
    const bob = wiresealGossip({ codec: await codecFor(42), topics: TOPICS })
    const ps = fake()
    bob.attach(ps)
    const got: GossipMessage<Block>[] = []
    bob.onMessage('blocks', (m) => { got.push(m) })
    for (const p of sps.published) assert.equal(ps.receive('blocks', p.data), TopicValidatorResult.Accept)
    const items = sealed.flatMap((s) => s.values.map((_, i) => s.itemEnvelope(i)))
    assert.deepEqual(items, got.map((m) => m.envelope()), 'what the producer keeps is what its receivers keep')
    assert.equal(items[0], sealed[0]?.envelope, 'a single envelope is its own forwardable envelope')
    const third = createCodec({ serializers: registry })
    for (const [i, item] of items.entries()) {
      const r = third.open<Block>(item, { channel: 'blocks' })
      assert.ok(r.ok && r.kind === (i === 0 ? 'single' : 'item'), `envelope ${i}`)
      assert.equal(r.value.ttl, [0, 1, 2, 3, 4, 9][i])
    }
    assert.throws(() => sealed[1]?.itemEnvelope(4), InvalidConfigError)
    assert.throws(() => sealed[1]?.itemEnvelope(-1), InvalidConfigError)
  })

  it('a hook that throws changes nothing about publishing; a hook that is not a function is refused', async () => {
    const { ps, g } = await batchedSender(43, { maxItems: 2, maxDelayMs: 60_000, onSealed: () => { throw new Error('hook') } })
    await Promise.all([0, 1, 2].map(async (i) => g.publish('blocks', makeBlock(i, 100))))
    assert.deepEqual(ps.published.map((p) => shape(p.data).n), [1, 2])
    assert.throws(() => wiresealGossip({ codec: inspector, topics: { blocks: { type: BlockType, batch: { onSealed: 'no' as never } } } }),
      (err: unknown) => err instanceof InvalidConfigError && err.details.option === 'topics.blocks.batch.onSealed')
  })
})
