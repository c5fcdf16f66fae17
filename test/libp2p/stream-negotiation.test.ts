/**
 * Codec negotiation through the protocol id: multistream-select picks the
 * dialer's most preferred id that the listener handles; with none in common,
 * a NoCommonProtocolError carrying the offered list. Real nodes on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Codec, OpenAccepted } from '../../src/codec/index.js'
import { CompressionId } from '../../src/compress/types.js'
import { NoCommonProtocolError, RejectedMessageError } from '../../src/errors.js'
import { BlockType, SerializerId, type Block } from '../../src/serialize/index.js'
import { dialWireseal, handleWireseal, supportedProtocols } from '../../src/libp2p/protocols.js'
import { withResolvers } from '../../src/libp2p/polyfill.js'
import { startNodes, stopNodes, streamCodec, testBlock, withTimeout, type TestNode } from './fixtures.js'

describe('protocol negotiation between nodes with different codec sets', () => {
  let nodes: TestNode[] = []
  let a: TestNode
  let b: TestNode
  let c: TestNode
  const codecs: Codec[] = []
  /** What each listener accepted, by node name. */
  const got = new Map<string, Array<{ protocol: string, msg: OpenAccepted<Block> }>>()
  let arrived = withResolvers<void>()

  // A prefers msgpack, then protobuf; zstd, then snappy, then none.
  const A_IDS = supportedProtocols({ message: 'block', serializers: ['msgpack', 'protobuf'], compressions: ['zstd', 'snappy', 'none'] })
  // B knows json and protobuf, without zstd; it prefers json and no compression.
  const B_IDS = supportedProtocols({ message: 'block', serializers: ['json', 'protobuf'], compressions: ['none', 'snappy'] })
  // C shares nothing with A.
  const C_IDS = supportedProtocols({ message: 'block', serializers: ['flatbuffers'], compressions: ['gzip'] })

  async function listen (node: TestNode, name: string, ids: string[], codec: Codec): Promise<void> {
    got.set(name, [])
    await handleWireseal(node, ids, async (ws, { protocol }) => {
      for await (const msg of ws.read<Block>({ signal: AbortSignal.timeout(5000) })) {
        got.get(name)?.push({ protocol: protocol.id, msg })
        arrived.resolve()
      }
    }, { codec })
  }

  before(async () => {
    nodes = await startNodes(3, { connect: 'full' })
    ;[a, b, c] = nodes as [TestNode, TestNode, TestNode]
    for (let i = 0; i < 3; i++) codecs.push(await streamCodec(20 + i))
    await listen(a, 'a', A_IDS, codecs[0] as Codec)
    await listen(b, 'b', B_IDS, codecs[1] as Codec)
    await listen(c, 'c', C_IDS, codecs[2] as Codec)
  })

  after(async () => {
    await stopNodes(nodes)
  })

  it('A -> B settles on protobuf-snappy: the first of A\'s preferences that B handles', async () => {
    arrived = withResolvers<void>()
    const ws = await dialWireseal(a, b.peerId, A_IDS, { codec: codecs[0] as Codec })
    assert.equal(ws.channel, '/wireseal/block/1.0.0/protobuf-snappy')
    await ws.write(BlockType, testBlock(1))
    await withTimeout(arrived.promise, 'delivery to B')
    await ws.close()
    const [first] = got.get('b') ?? []
    assert.equal(first?.protocol, '/wireseal/block/1.0.0/protobuf-snappy')
    assert.equal(first?.msg.serializer, SerializerId.protobuf)
    assert.equal(first?.msg.compression, CompressionId.snappy)
    assert.deepEqual(first?.msg.value, testBlock(1))
  })

  it('B -> A settles on protobuf-none: now B\'s preference order decides', async () => {
    arrived = withResolvers<void>()
    const ws = await dialWireseal(b, a.peerId, B_IDS, { codec: codecs[1] as Codec })
    assert.equal(ws.channel, '/wireseal/block/1.0.0/protobuf-none')
    await ws.write(BlockType, testBlock(2))
    await withTimeout(arrived.promise, 'delivery to A')
    await ws.close()
    const [first] = got.get('a') ?? []
    assert.equal(first?.protocol, '/wireseal/block/1.0.0/protobuf-none')
    assert.equal(first?.msg.compression, CompressionId.none)
    assert.deepEqual(first?.msg.value, testBlock(2))
  })

  it('A -> C with nothing in common fails with NoCommonProtocolError listing what was offered', async () => {
    const err = await dialWireseal(a, c.peerId, A_IDS, { codec: codecs[0] as Codec }).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof NoCommonProtocolError, `got ${String(err)}`)
    assert.deepEqual(err.details.offered, A_IDS)
    assert.equal(err.details.peer, c.peerId.toString())
    assert.equal((err.cause as Error).name, 'UnsupportedProtocolError')
    // the connection survives the failed negotiation: C is still reachable on its own id
    const ws = await dialWireseal(a, c.peerId, C_IDS, { codec: codecs[0] as Codec })
    assert.equal(ws.channel, C_IDS[0])
    await ws.close()
  })

  it('the negotiated serializer is enforced: another one on the stream is refused as unknown-codec', async () => {
    const ws = await dialWireseal(a, b.peerId, ['/wireseal/block/1.0.0/protobuf-snappy'], { codec: codecs[0] as Codec })
    const errors: unknown[] = []
    const seen = withResolvers<void>()
    // a private listener on another node to observe the refusal
    const id = '/wireseal/block/1.0.0/protobuf-gzip'
    await handleWireseal(c, [id], async (rws) => {
      try {
        for await (const _ of rws.read()) errors.push('accepted')
      } catch (e) {
        errors.push(e)
      }
      seen.resolve()
    }, { codec: codecs[2] as Codec })
    const wsC = await dialWireseal(a, c.peerId, [id], { codec: codecs[0] as Codec })
    await wsC.write(BlockType, testBlock(3), { serializer: SerializerId.msgpack })
    await wsC.close()
    await withTimeout(seen.promise, 'refusal')
    const [e] = errors
    assert.ok(e instanceof RejectedMessageError, `got ${String(e)}`)
    assert.equal(e.details.reason, 'unknown-codec')
    await ws.close()
  })
})
