/**
 * Your own message type everywhere a built-in goes, written as a user writes
 * it: wireseal from its public subpaths only (the built package), a
 * defineMessageType type registered once, and no other option — no
 * protocolNames, no serializer, no onError. Over real libp2p nodes: a
 * negotiated stream, request / response (a failing handler gives the
 * requester a typed error), and gossip.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createCodec, RequestFailedError, type Codec } from 'wireseal'
import { createSerializerRegistry, defineMessageType, SerializerId } from 'wireseal/serialize'
import { dialWireseal, handleWireseal, request, requestHandler, supportedProtocols, wiresealGossip, type WiresealGossip } from 'wireseal/libp2p'
import { startNodes, stopNodes, waitFor, withTimeout, type GossipNode } from './fixtures.js'

const Ping = defineMessageType({ id: 1000, name: 'Ping', fields: { nonce: 'uint64', note: 'string' } })
const serializers = createSerializerRegistry({ types: [Ping] })
const topics = { '/app/pings': { type: Ping } }

describe('a user-defined type with no extra options', () => {
  let nodes: GossipNode[] = []
  let codecs: Codec[] = []
  let gossips: Array<WiresealGossip<typeof topics>> = []

  before(async () => {
    codecs = await Promise.all([1, 2].map(async () => createCodec({ privateKey: await generateKeyPair('Ed25519'), serializers })))
    gossips = codecs.map((codec) => wiresealGossip({ codec, topics }))
    nodes = await startNodes(2, { connect: 'full', gossipsub: (i) => ({ ...(gossips[i] as WiresealGossip<typeof topics>).gossipsubOptions, emitSelf: false }) })
    gossips.forEach((g, i) => { g.attach(nodes[i] as GossipNode) })
  })
  after(async () => {
    for (const g of gossips) g.detach()
    await stopNodes(nodes)
  })

  it('protocol ids are named after the type (`ping`) and its default serializer is msgpack', () => {
    assert.deepEqual(supportedProtocols({ message: Ping, serializers: ['msgpack'], compressions: ['none'] }), ['/wireseal/ping/1.0.0/msgpack-none'])
    assert.equal(serializers.defaultFor(Ping).id, SerializerId.msgpack)
  })

  it('dialWireseal / handleWireseal: read(Ping) gives a typed value back', async () => {
    const [a, b] = nodes as [GossipNode, GossipNode]
    const ids = supportedProtocols({ message: Ping, serializers: ['msgpack', 'json'], compressions: ['none'] })
    await handleWireseal(b, ids, async (stream) => {
      for await (const m of stream.read(Ping)) await stream.write(Ping, { nonce: m.value.nonce + 1n, note: `re: ${m.value.note}` })
    }, { codec: codecs[1] as Codec })
    const stream = await dialWireseal(a, b.peerId, ids, { codec: codecs[0] as Codec })
    await stream.write(Ping, { nonce: 41n, note: 'hi' })
    const reply = await withTimeout(stream.readOne(Ping), 'echo')
    assert.ok(reply !== undefined)
    const value: { nonce: bigint, note: string } = reply.value
    assert.deepEqual(value, { nonce: 42n, note: 're: hi' })
    assert.equal(reply.serializer, SerializerId.msgpack)
    await stream.close()
  })

  it('request / requestHandler: an answer, and a failing handler as a RequestFailedError (not a reset)', async () => {
    const [a, b] = nodes as [GossipNode, GossipNode]
    const [ok, failing] = ['ok', 'fail'].map((v) => supportedProtocols({ message: Ping, serializers: ['msgpack'], compressions: ['none'], version: v === 'ok' ? '1.1.0' : '1.1.1' })[0] as string)
    await b.handle(ok as string, requestHandler({ codec: codecs[1] as Codec, requestType: Ping }, (req) => ({ type: Ping, value: { nonce: req.value.nonce * 2n, note: 'doubled' } })))
    await b.handle(failing as string, requestHandler({ codec: codecs[1] as Codec, requestType: Ping }, () => { throw new TypeError('no') }))
    const answer = await request(await a.dialProtocol(b.peerId, ok as string), Ping, { nonce: 21n, note: 'x' }, { codec: codecs[0] as Codec, responseType: Ping })
    assert.deepEqual(answer.value, { nonce: 42n, note: 'doubled' })
    await assert.rejects(request(await a.dialProtocol(b.peerId, failing as string), Ping, { nonce: 1n, note: 'x' }, { codec: codecs[0] as Codec, responseType: Ping }),
      (err: unknown) => err instanceof RequestFailedError && err.details.failure === 'handler-failed')
  })

  it('gossip: publish without a serializer, delivered typed at the other node', async () => {
    const got: Array<{ nonce: bigint, note: string }> = []
    ;(gossips[1] as WiresealGossip<typeof topics>).onMessage('/app/pings', (m) => { got.push(m.value) })
    await waitFor(() => (nodes[0] as GossipNode).services.pubsub.getSubscribers('/app/pings').length > 0, 'subscription')
    await (gossips[0] as WiresealGossip<typeof topics>).publish('/app/pings', { nonce: 7n, note: 'gossip' })
    await waitFor(() => got.length === 1, 'delivery')
    assert.deepEqual(got, [{ nonce: 7n, note: 'gossip' }])
  })
})
