/**
 * The gossip pieces without a network: message ids, the data transform, the
 * verdict table, score parameters, factory configuration, the validator and
 * exactly-once delivery through a stand-in gossipsub.
 */
import '../../src/libp2p/polyfill.js'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { StrictNoSign, TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub'
import { createPeerScoreParams, defaultPeerScoreParams, validatePeerScoreParams } from '@libp2p/gossipsub/score'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { InvalidConfigError, InvalidValueError, MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { createLimits, DEFAULT_LIMITS } from '../../src/limits.js'
import { REJECT_REASONS, type RejectReason } from '../../src/codec/index.js'
import { SerializerId } from '../../src/serialize/types.js'
import { CompressionId } from '../../src/compress/types.js'
import { createCompressorSet, defaultCompressors } from '../../src/compress/index.js'
import { spyOn } from '../codec/helpers.js'
import { createGossipMessageIds, gossipMessageId, GOSSIP_MSG_ID_BYTES, toHex, topicPrefix } from '../../src/libp2p/gossip-ids.js'
import { createGossipTransform } from '../../src/libp2p/gossip-transform.js'
import { GOSSIP_VERDICTS, gossipVerdict } from '../../src/libp2p/gossip-verdict.js'
import {
  DEFAULT_GOSSIP_INVALID_MESSAGE_WEIGHT, scoreDecay, wiresealScoreParams, wiresealTopicScoreParams
} from '../../src/libp2p/gossip-score.js'
import { DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES, wiresealGossip, type GossipMessage } from '../../src/libp2p/gossip.js'
import {
  BlockType, PeerInfoType, TOPICS, codecFor, envelopeOffsets, flipByte, makeBlock, makePeerInfo, noise
} from './gossip-fixtures.js'

const peer = peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(99)))
const aliceCodec = await codecFor(1)
const alice = wiresealGossip({ codec: aliceCodec, topics: TOPICS })
const blockEnvelope = alice.seal('blocks', makeBlock(1))

function unsigned (topic: string, data: Uint8Array): Message {
  return { type: 'unsigned', topic, data }
}

describe('gossip message ids', () => {
  /** Independent reference: node:crypto over `uvarint(len(topic)) || topic || data` written out by hand. */
  function referenceId (topic: string, data: Uint8Array): Uint8Array {
    const t = Buffer.from(topic, 'utf8')
    const len = t.length < 128 ? [t.length] : [(t.length & 0x7f) | 0x80, t.length >> 7]
    return new Uint8Array(createHash('sha256').update(Uint8Array.from(len)).update(t).update(data).digest()).subarray(0, 20)
  }

  it('msgIdFn is SHA-256(uvarint(len(topic)) || topic || envelope)[0:20] (cross-checked with node:crypto)', () => {
    const ids = createGossipMessageIds()
    const id = ids.msgIdFn(unsigned('blocks', blockEnvelope))
    assert.equal(id.length, GOSSIP_MSG_ID_BYTES)
    assert.deepEqual(id, referenceId('blocks', blockEnvelope))
    assert.deepEqual(gossipMessageId('blocks', blockEnvelope), id)
    const long = 'x'.repeat(300)
    assert.deepEqual(topicPrefix(long).subarray(0, 2), Uint8Array.from([0xac, 0x02]))
    assert.deepEqual(gossipMessageId(long, blockEnvelope), referenceId(long, blockEnvelope))
  })

  it('the same bytes in another buffer get the same id; the fast id is its hex', () => {
    const ids = createGossipMessageIds()
    const copy = blockEnvelope.slice()
    assert.deepEqual(ids.msgIdFn(unsigned('blocks', copy)), ids.msgIdFn(unsigned('blocks', blockEnvelope)))
    assert.equal(ids.fastMsgIdFn({ topic: 'blocks', data: copy }), toHex(referenceId('blocks', blockEnvelope)))
    assert.equal(ids.fastMsgIdFn({ topic: 'blocks' }), toHex(referenceId('blocks', new Uint8Array(0))))
  })

  it('a tampered signature or payload, or the same bytes on another topic, get another id (no seen-cache poisoning)', () => {
    const ids = createGossipMessageIds()
    const off = envelopeOffsets(blockEnvelope)
    const genuine = toHex(ids.msgIdFn(unsigned('blocks', blockEnvelope)))
    assert.notEqual(toHex(ids.msgIdFn(unsigned('blocks', flipByte(blockEnvelope, off.signature + 3)))), genuine)
    assert.notEqual(toHex(ids.msgIdFn(unsigned('blocks', flipByte(blockEnvelope, off.payload + 1)))), genuine)
    assert.notEqual(toHex(ids.msgIdFn(unsigned('peers', blockEnvelope))), genuine)
    assert.equal(toHex(ids.msgIdFn(unsigned('blocks', blockEnvelope))), genuine, 'the cache keeps the topic apart')
  })

  it('the hash is computed once per buffer: fastMsgIdFn fills the cache msgIdFn reads', () => {
    const ids = createGossipMessageIds()
    const data = blockEnvelope.slice()
    ids.fastMsgIdFn({ topic: 'blocks', data })
    data[0] = (data[0] as number) ^ 0xff // the cache is keyed by the buffer: a changed buffer keeps its id
    assert.deepEqual(ids.msgIdFn(unsigned('blocks', data)), referenceId('blocks', blockEnvelope))
  })

  it('distinct (topic, bytes) pairs get distinct ids (property)', () => {
    const ids = createGossipMessageIds()
    const pair = fc.tuple(fc.constantFrom('a', 'b', 'ab'), fc.uint8Array({ maxLength: 64 }))
    fc.assert(fc.property(pair, pair, ([ta, a], [tb, b]) => {
      const same = ta === tb && a.length === b.length && a.every((v, i) => v === b[i])
      assert.equal(ids.fastMsgIdFn({ topic: ta, data: a }) === ids.fastMsgIdFn({ topic: tb, data: b }), same)
    }), { numRuns: 300 })
  })
})

describe('gossip data transform', () => {
  const small = createLimits({ maxPayloadBytes: 16 * 1024 })
  const errors: unknown[] = []
  const transform = createGossipTransform({ limits: small, topics: new Set(['blocks', 'peers']), onInboundError: (_t, err) => { errors.push(err) } })

  it('inbound returns the very same bytes for a well-formed envelope (no copy, no decompression)', () => {
    assert.equal(transform.inboundTransform('blocks', blockEnvelope), blockEnvelope)
  })

  it('inbound refuses garbage, every truncation and trailing bytes with MalformedInputError', () => {
    assert.throws(() => transform.inboundTransform('blocks', noise(300, 7)), MalformedInputError)
    assert.throws(() => transform.inboundTransform('blocks', new Uint8Array(0)), MalformedInputError)
    const step = Math.max(1, Math.floor(blockEnvelope.length / 300))
    for (let n = 0; n < blockEnvelope.length; n += step) {
      assert.throws(() => transform.inboundTransform('blocks', blockEnvelope.subarray(0, n)), MalformedInputError, `truncated to ${n}`)
    }
    const trailing = new Uint8Array(blockEnvelope.length + 1)
    trailing.set(blockEnvelope)
    assert.throws(() => transform.inboundTransform('blocks', trailing), MalformedInputError)
  })

  it('inbound refuses a frame over maxFrameBytes before parsing it (SizeLimitError frame)', () => {
    const big = new Uint8Array(small.maxFrameBytes + 1)
    assert.throws(() => transform.inboundTransform('blocks', big), (err: unknown) =>
      err instanceof SizeLimitError && err.details.quantity === 'frame' && err.details.limit === small.maxFrameBytes && err.details.actual === big.length)
  })

  it('inbound refuses a small frame claiming a payload over the budget (SizeLimitError payload)', async () => {
    const bigCodec = await codecFor(5)
    const claim = bigCodec.seal(BlockType, makeBlock(2, 20 * 1024), { channel: 'blocks', compression: 'zstd' })
    assert.ok(claim.length < small.maxFrameBytes, 'the frame itself is small')
    assert.throws(() => transform.inboundTransform('blocks', claim), (err: unknown) =>
      err instanceof SizeLimitError && err.details.quantity === 'payload' && err.details.actual > small.maxPayloadBytes)
  })

  it('reports every inbound refusal to onInboundError', () => {
    errors.length = 0
    assert.throws(() => transform.inboundTransform('peers', noise(10, 3)))
    assert.equal(errors.length, 1)
    assert.ok(errors[0] instanceof MalformedInputError)
  })

  it('leaves topics it does not own untouched, garbage included', () => {
    const junk = noise(200, 9)
    assert.equal(transform.inboundTransform('other', junk), junk)
    assert.equal(transform.outboundTransform('other', junk), junk)
  })

  it('outbound refuses an envelope sealed for another topic, and non-envelopes', () => {
    assert.equal(transform.outboundTransform('blocks', blockEnvelope), blockEnvelope)
    assert.throws(() => transform.outboundTransform('peers', blockEnvelope), (err: unknown) =>
      err instanceof InvalidValueError && err.details.field === 'channel')
    assert.throws(() => transform.outboundTransform('blocks', noise(64, 4)), MalformedInputError)
  })

  it('inbound either returns the input unchanged or throws a typed error (property)', () => {
    fc.assert(fc.property(fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.tuple(fc.nat(blockEnvelope.length - 1), fc.integer({ min: 1, max: 255 })).map(([pos, mask]) => flipByte(blockEnvelope, pos, mask))
    ), (bytes) => {
      try {
        assert.equal(transform.inboundTransform('blocks', bytes), bytes)
      } catch (err) {
        assert.ok(err instanceof MalformedInputError || err instanceof SizeLimitError, String(err))
      }
    }), { numRuns: 300 })
  })
})

describe('gossip verdicts', () => {
  const reject: RejectReason[] = ['invalid-signature', 'digest-mismatch', 'wrong-channel', 'wrong-type', 'too-large', 'malformed']
  const ignore: RejectReason[] = ['replayed', 'out-of-window', 'too-old', 'clock-skew', 'unknown-codec']

  it('rejects what proves misbehaviour, ignores what may be stale or unreadable', () => {
    for (const r of reject) assert.equal(gossipVerdict(r), TopicValidatorResult.Reject, r)
    for (const r of ignore) assert.equal(gossipVerdict(r), TopicValidatorResult.Ignore, r)
    assert.deepEqual([...reject, ...ignore].sort(), [...REJECT_REASONS].sort(), 'the lists above name every reason once')
    assert.deepEqual(Object.keys(GOSSIP_VERDICTS).sort(), [...REJECT_REASONS].sort(), 'every reason has a verdict')
  })
})

describe('gossip score parameters', () => {
  it('scores every configured topic with parameters gossipsub accepts', () => {
    const params = wiresealScoreParams({ blocks: undefined, peers: { topicWeight: 2 } })
    assert.deepEqual(Object.keys(params.topics ?? {}).sort(), ['blocks', 'peers'])
    assert.equal(params.topics?.peers?.topicWeight, 2)
    assert.equal(params.topics?.blocks?.invalidMessageDeliveriesWeight, DEFAULT_GOSSIP_INVALID_MESSAGE_WEIGHT)
    validatePeerScoreParams(createPeerScoreParams(params))
  })

  it('one invalid delivery outweighs the largest positive topic score', () => {
    const t = wiresealTopicScoreParams()
    const maxPositive = defaultPeerScoreParams.topicScoreCap
    assert.ok(maxPositive + t.topicWeight * t.invalidMessageDeliveriesWeight * 1 ** 2 < 0)
  })

  it('keeps base topics and global fields, and layers defaults < base < topic overrides', () => {
    const other = { ...wiresealTopicScoreParams(), topicWeight: 3 }
    const params = wiresealScoreParams({ blocks: { timeInMeshCap: 7 }, peers: undefined }, {
      decayInterval: 2000,
      IPColocationFactorWeight: 0,
      topics: { other, blocks: { ...wiresealTopicScoreParams(), timeInMeshWeight: 0.5, timeInMeshCap: 1 } }
    })
    assert.equal(params.IPColocationFactorWeight, 0)
    assert.equal(params.topics?.other, other, 'topics wireseal does not own pass through untouched')
    assert.equal(params.topics?.blocks?.timeInMeshWeight, 0.5)
    assert.equal(params.topics?.blocks?.timeInMeshCap, 7)
    // decays follow the configured interval: half-life 1 h at 2 s per step
    assert.ok(Math.abs((params.topics?.peers?.invalidMessageDeliveriesDecay ?? 0) ** 1800 - 0.5) < 1e-9)
  })

  it('scoreDecay halves a counter every half-life and refuses nonsense', () => {
    assert.ok(Math.abs(scoreDecay(60_000, 1000) ** 60 - 0.5) < 1e-12)
    assert.throws(() => scoreDecay(500, 1000), InvalidConfigError)
    assert.throws(() => scoreDecay(1000, 0), InvalidConfigError)
    assert.throws(() => scoreDecay(Number.NaN), InvalidConfigError)
  })
})

describe('wiresealGossip configuration', () => {
  it('produces StrictNoSign options with the budget-derived inbound cap', () => {
    const o = alice.gossipsubOptions
    assert.equal(o.globalSignaturePolicy, StrictNoSign)
    assert.equal(o.maxInboundDataLength, DEFAULT_LIMITS.maxFrameBytes + DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES)
    assert.deepEqual(Object.keys(o.scoreParams.topics ?? {}).sort(), ['blocks', 'peers'])
    assert.deepEqual([...alice.topics].sort(), ['blocks', 'peers'])
  })

  it('refuses bad configurations with InvalidConfigError', async () => {
    assert.throws(() => wiresealGossip({ codec: aliceCodec, topics: {} }), InvalidConfigError)
    assert.throws(() => wiresealGossip({ codec: aliceCodec, topics: TOPICS, limits: createLimits({ maxPayloadBytes: 1024 }) }), InvalidConfigError)
    assert.throws(() => wiresealGossip({ codec: aliceCodec, topics: { ['t'.repeat(DEFAULT_LIMITS.maxChannelBytes + 1)]: { type: BlockType } } }), InvalidConfigError)
    assert.throws(() => wiresealGossip({ codec: aliceCodec, topics: TOPICS, rpcOverheadBytes: -1 }), InvalidConfigError)
    assert.throws(() => wiresealGossip({ codec: undefined as never, topics: TOPICS }), InvalidConfigError)
    assert.throws(() => alice.seal('nope' as 'blocks', makeBlock(0)), InvalidConfigError)
    assert.throws(() => alice.onMessage('nope' as 'blocks', () => {}), InvalidConfigError)
    await assert.rejects(alice.publish('blocks', makeBlock(0)), InvalidConfigError)
  })

  it('seal() refuses a value that does not fit the topic type', () => {
    assert.throws(() => alice.seal('blocks', makePeerInfo(1) as never), InvalidValueError)
  })
})

/** A stand-in for gossipsub: validators, subscriptions and the events wireseal listens to. */
class FakePubsub extends EventTarget {
  globalSignaturePolicy: string = StrictNoSign
  topicValidators = new Map<string, (peer: unknown, msg: Message) => unknown>()
  subscribed = new Set<string>()
  published: Array<{ topic: string, data: Uint8Array }> = []
  subscribe (topic: string): void { this.subscribed.add(topic) }
  unsubscribe (topic: string): void { this.subscribed.delete(topic) }
  async publish (topic: string, data: Uint8Array): Promise<{ recipients: [] }> {
    this.published.push({ topic, data })
    return { recipients: [] }
  }

  /** What gossipsub does with a received message: validate, then emit when accepted. */
  receive (msg: Message): unknown {
    const verdict = this.topicValidators.get(msg.topic)?.(peer, msg)
    if (verdict === TopicValidatorResult.Accept) this.emit(msg)
    return verdict
  }

  emit (msg: Message): void {
    this.dispatchEvent(new CustomEvent('gossipsub:message', { detail: { propagationSource: peer, msgId: 'id', msg } }))
  }
}

function fake (): FakePubsub & GossipSub {
  return new FakePubsub() as unknown as FakePubsub & GossipSub
}

describe('wiresealGossip validator and delivery', () => {
  it('attach registers validators and subscribes; detach undoes it', async () => {
    const bob = wiresealGossip({ codec: await codecFor(2), topics: TOPICS })
    const ps = fake()
    bob.attach({ services: { pubsub: ps } })
    assert.deepEqual([...ps.subscribed].sort(), ['blocks', 'peers'])
    assert.equal(ps.topicValidators.get('blocks'), bob.validator('blocks'))
    assert.throws(() => bob.attach(ps), InvalidConfigError)
    bob.detach()
    assert.equal(ps.subscribed.size, 0)
    assert.equal(ps.topicValidators.size, 0)
  })

  it('attach refuses a StrictSign gossipsub or a topic held by another validator', async () => {
    const bob = wiresealGossip({ codec: await codecFor(2), topics: TOPICS })
    const signed = fake()
    signed.globalSignaturePolicy = 'StrictSign'
    assert.throws(() => bob.attach(signed), InvalidConfigError)
    const taken = fake()
    taken.topicValidators.set('peers', () => TopicValidatorResult.Accept)
    assert.throws(() => bob.attach(taken), InvalidConfigError)
    assert.equal(taken.subscribed.size, 0)
  })

  it('publish seals for the topic with the topic settings, overridable per call', async () => {
    const sender = wiresealGossip({ codec: await codecFor(3), topics: { blocks: { type: BlockType, serializer: SerializerId.json, compression: 'gzip' } } })
    const ps = fake()
    sender.attach(ps)
    await sender.publish('blocks', makeBlock(3))
    await sender.publish('blocks', makeBlock(4), { serializer: SerializerId.msgpack, compression: 'none' })
    const opened = ps.published.map((p) => aliceCodec.open(p.data, { channel: p.topic }))
    assert.deepEqual(opened.map((r) => r.ok ? [r.serializer, r.compression] : r.reason), [[SerializerId.json, 2], [SerializerId.msgpack, 0]])
  })

  it('accepts, rejects and ignores with the reason counted, and delivers each accepted value exactly once', async () => {
    const bob = wiresealGossip({ codec: await codecFor(2), topics: TOPICS })
    const ps = fake()
    bob.attach(ps)
    const got: GossipMessage[] = []
    bob.onMessage('blocks', (m) => { got.push(m) })
    const off = envelopeOffsets(blockEnvelope)
    const validEnv = alice.seal('blocks', makeBlock(7))
    const msg = unsigned('blocks', validEnv)
    assert.equal(ps.receive(msg), TopicValidatorResult.Accept)
    ps.emit(msg) // gossipsub never emits twice, but delivery must not repeat even if it did
    assert.equal(ps.receive(unsigned('blocks', validEnv.slice())), TopicValidatorResult.Ignore, 'replayed')
    assert.equal(ps.receive(unsigned('blocks', flipByte(blockEnvelope, off.signature + 5))), TopicValidatorResult.Reject)
    assert.equal(ps.receive(unsigned('blocks', flipByte(blockEnvelope, off.payload + 2))), TopicValidatorResult.Reject)
    assert.equal(ps.receive(unsigned('peers', alice.seal('blocks', makeBlock(8)))), TopicValidatorResult.Reject, 'cross-topic')
    assert.equal(ps.receive(unsigned('blocks', aliceCodec.seal(PeerInfoType, makePeerInfo(1), { channel: 'blocks' }))), TopicValidatorResult.Reject, 'wrong type')
    assert.equal(ps.receive(unsigned('blocks', noise(100, 5))), TopicValidatorResult.Reject, 'garbage past the transform')
    assert.equal(got.length, 1)
    assert.deepEqual(got[0]?.value, makeBlock(7))
    assert.equal(got[0]?.from, aliceCodec.id)
    assert.equal(got[0]?.topic, 'blocks')
    const s = bob.stats()
    assert.equal(s.accepted, 1)
    assert.equal(s.delivered, 1)
    assert.deepEqual(
      Object.fromEntries(Object.entries(s.rejected).filter(([, n]) => n > 0)),
      { 'invalid-signature': 1, 'digest-mismatch': 1, 'wrong-channel': 1, 'wrong-type': 1, malformed: 1 }
    )
    assert.equal(s.ignored.replayed, 1)
  })

  it('ignores its own messages relayed back, and never delivers them', async () => {
    const ps = fake()
    alice.attach(ps)
    try {
      const seen: unknown[] = []
      const off = alice.onMessage('blocks', (m) => { seen.push(m) })
      assert.equal(ps.receive(unsigned('blocks', alice.seal('blocks', makeBlock(9)))), TopicValidatorResult.Ignore)
      assert.equal(alice.stats().ownMessages, 1)
      assert.equal(seen.length, 0)
      off()
    } finally {
      alice.detach()
    }
  })

  it('delivers every item of a batch; a throwing or rejecting handler does not stop the others', async () => {
    const reported: unknown[] = []
    const bob = wiresealGossip({ codec: await codecFor(2), topics: TOPICS, onError: (err) => { reported.push(err) } })
    const ps = fake()
    bob.attach(ps)
    const values: number[] = []
    bob.onMessage('peers', () => { throw new RangeError('handler bug') })
    bob.onMessage('peers', async () => { throw new RangeError('async handler bug') })
    const remove = bob.onMessage('peers', (m) => { values.push(Number(m.value.metadata.i)) })
    const sender = wiresealGossip({ codec: await codecFor(5), topics: TOPICS })
    const sps = fake()
    sender.attach(sps)
    await sender.publishBatch('peers', [makePeerInfo(1), makePeerInfo(2), makePeerInfo(3)])
    assert.equal(ps.receive(unsigned('peers', (sps.published[0] as { data: Uint8Array }).data)), TopicValidatorResult.Accept)
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(values, [1, 2, 3])
    assert.equal(bob.stats().delivered, 3)
    assert.equal(bob.stats().handlerErrors, 6)
    assert.equal(reported.length, 6)
    assert.ok(reported.every((err) => err instanceof RangeError))
    remove()
    await sender.publish('peers', makePeerInfo(4))
    assert.equal(ps.receive(unsigned('peers', (sps.published[1] as { data: Uint8Array }).data)), TopicValidatorResult.Accept)
    assert.deepEqual(values, [1, 2, 3], 'a removed handler is not called')
  })

  it('counts accepted messages nobody listens to as dropped', async () => {
    const bob = wiresealGossip({ codec: await codecFor(2), topics: TOPICS })
    const ps = fake()
    bob.attach(ps)
    assert.equal(ps.receive(unsigned('peers', alice.seal('peers', makePeerInfo(5)))), TopicValidatorResult.Accept)
    assert.equal(bob.stats().dropped, 1)
    assert.equal(bob.stats().delivered, 0)
  })

  it('per-topic serializers / compressions / maxPayloadBytes: refused before any decompressor runs (issue 9)', async () => {
    const zstd = spyOn(defaultCompressors.zstd)
    const gzip = spyOn(defaultCompressors.gzip)
    const receiverCodec = await codecFor(2, { compressors: createCompressorSet({ zstd: zstd.compressor, gzip: gzip.compressor }) })
    const topics = {
      blocks: { type: BlockType, serializers: [SerializerId.protobuf], compressions: [CompressionId.none, CompressionId.snappy], maxPayloadBytes: 8192 },
      peers: { type: PeerInfoType }
    }
    const bob = wiresealGossip({ codec: receiverCodec, topics })
    const validate = bob.validator('blocks')
    const verdict = (bytes: Uint8Array): TopicValidatorResult => validate(peer, unsigned('blocks', bytes)) as TopicValidatorResult
    assert.equal(verdict(aliceCodec.seal(BlockType, makeBlock(20), { channel: 'blocks', serializer: 'json', compression: 'none' })), TopicValidatorResult.Ignore)
    assert.equal(verdict(aliceCodec.seal(BlockType, makeBlock(21), { channel: 'blocks', compression: 'zstd' })), TopicValidatorResult.Ignore)
    assert.equal(verdict(aliceCodec.sealBatch(BlockType, [makeBlock(22), makeBlock(23)], { channel: 'blocks', compression: 'gzip' })), TopicValidatorResult.Ignore)
    assert.equal(verdict(aliceCodec.seal(BlockType, makeBlock(24, 16 * 1024), { channel: 'blocks', compression: 'snappy' })), TopicValidatorResult.Reject)
    assert.equal(zstd.calls.length + gzip.calls.length, 0)
    const s = bob.stats()
    assert.equal(s.ignored['unknown-codec'], 3)
    assert.equal(s.rejected['too-large'], 1)
    assert.equal(verdict(aliceCodec.seal(BlockType, makeBlock(25), { channel: 'blocks', compression: 'snappy' })), TopicValidatorResult.Accept)

    // publishing outside the topic's sets is refused at the sender
    const sender = wiresealGossip({ codec: await codecFor(4), topics })
    assert.throws(() => sender.seal('blocks', makeBlock(26), { serializer: SerializerId.json }), InvalidConfigError)
    assert.throws(() => sender.seal('blocks', makeBlock(27), { compression: 'zstd' }), InvalidConfigError)
    assert.equal(verdict(sender.seal('blocks', makeBlock(28), { compression: 'none' })), TopicValidatorResult.Accept)
    // bad per-topic settings are configuration errors
    for (const bad of [{ serializers: [] }, { serializers: 'protobuf' }, { compressions: [1.5] }, { maxPayloadBytes: 0 }]) {
      assert.throws(() => wiresealGossip({ codec: receiverCodec, topics: { blocks: { type: BlockType, ...bad } as never } }), InvalidConfigError, JSON.stringify(bad))
    }
  })

  it('the validator never accepts and never throws on arbitrary or mutated bytes (property)', async () => {
    const bob = wiresealGossip({ codec: await codecFor(2), topics: TOPICS })
    const validate = bob.validator('blocks')
    fc.assert(fc.property(fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.tuple(fc.nat(blockEnvelope.length - 1), fc.integer({ min: 1, max: 255 })).map(([pos, mask]) => flipByte(blockEnvelope, pos, mask))
    ), (bytes) => {
      const verdict = validate(peer, unsigned('blocks', bytes))
      assert.notEqual(verdict, TopicValidatorResult.Accept)
    }), { numRuns: 300 })
  })
})
