/**
 * Blocks and PeerInfos between 3 real libp2p nodes (TCP + Noise + Yamux on
 * 127.0.0.1) for every serializer x compression protocol id: every message
 * delivered exactly once, in order, decoded with the negotiated codecs.
 * Also: batch envelopes, raw frames, request/response.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Codec, OpenAccepted } from '../../src/codec/index.js'
import { CompressionId } from '../../src/compress/types.js'
import { BlockType, PeerInfoType, type Block, type PeerInfo } from '../../src/serialize/index.js'
import { dialWireseal, handleWireseal, parseProtocolId, protocolId, type ParsedProtocolId } from '../../src/libp2p/protocols.js'
import { request, requestHandler } from '../../src/libp2p/stream-request.js'
import { withResolvers, type PromiseWithResolvers } from '../../src/libp2p/polyfill.js'
import {
  COMPRESSION_NAMES, SERIALIZER_NAMES, startNodes, stopNodes, streamCodec, testBlock, testPeerInfo, withTimeout, type TestNode
} from './fixtures.js'

const PER_STREAM = 13
/** A protocol id of its own for the batch test (a version the round-trip test does not use). */
const BATCH_ID = protocolId({ message: 'block', serializer: 'protobuf', compression: 'zstd', version: '1.1.0' })
const COMBOS = SERIALIZER_NAMES.flatMap((serializer) => COMPRESSION_NAMES.map((compression) => ({ serializer, compression })))

describe('stream codec round trip between 3 real nodes', () => {
  let nodes: TestNode[] = []
  const codecs: Codec[] = []
  /** Per (listener index, protocol id): values in arrival order, accepted results, end of stream. */
  const received = new Map<string, { values: unknown[], accepted: OpenAccepted[], done: PromiseWithResolvers<void> }>()

  function slot (listener: number, id: string): { values: unknown[], accepted: OpenAccepted[], done: PromiseWithResolvers<void> } {
    const key = `${listener}|${id}`
    let s = received.get(key)
    if (s === undefined) {
      s = { values: [], accepted: [], done: withResolvers<void>() }
      received.set(key, s)
    }
    return s
  }

  before(async () => {
    nodes = await startNodes(3, { connect: 'full' })
    for (let i = 0; i < 3; i++) codecs.push(await streamCodec(1 + i))
    const ids = COMBOS.flatMap(({ serializer, compression }) => [
      protocolId({ message: 'block', serializer, compression }),
      protocolId({ message: 'peer-info', serializer, compression })
    ])
    ids.push(BATCH_ID)
    for (let i = 0; i < 3; i++) {
      await handleWireseal(nodes[i] as TestNode, ids, async (ws, { protocol }) => {
        const s = slot(i, protocol.id)
        try {
          for await (const msg of ws.read({ signal: AbortSignal.timeout(10_000) })) {
            s.accepted.push(msg)
            for (const m of msg.messages) s.values.push(m.value)
          }
          await ws.close()
          s.done.resolve()
        } catch (err) {
          s.done.reject(err)
          throw err
        }
      }, { codec: codecs[i] as Codec })
    }
  })

  after(async () => {
    await stopNodes(nodes)
  })

  it(`delivers ${COMBOS.length * 2 * PER_STREAM} messages over ${COMBOS.length} serializer x compression combinations, each once and in order`, async () => {
    let total = 0
    // 4 combinations at a time: enough to overlap streams on the connections, bounded.
    for (let start = 0; start < COMBOS.length; start += 4) {
      await withTimeout(Promise.all(COMBOS.slice(start, start + 4).map(async ({ serializer, compression }, k) => {
        // every node dials, every node listens: Blocks to the next node, PeerInfos to the one after
        const from = (start + k) % 3
        for (const [message, to] of [['block', (from + 1) % 3], ['peer-info', (from + 2) % 3]] as const) {
          const id = protocolId({ message, serializer, compression })
          const ws = await dialWireseal(nodes[from] as TestNode, (nodes[to] as TestNode).peerId, [id], { codec: codecs[from] as Codec })
          assert.equal(ws.channel, id)
          for (let i = 0; i < PER_STREAM; i++) {
            if (message === 'block') await ws.write(BlockType, testBlock(i, 512 + i * 64))
            else await ws.write(PeerInfoType, testPeerInfo(i))
          }
          await ws.close()
          const s = slot(to, id)
          await s.done.promise
          const p: ParsedProtocolId = parseProtocolId(id)
          assert.equal(s.values.length, PER_STREAM, `${id}: exactly ${PER_STREAM} delivered`)
          for (let i = 0; i < PER_STREAM; i++) {
            if (message === 'block') assert.deepEqual(s.values[i] as Block, testBlock(i, 512 + i * 64), `${id} #${i}`)
            else assert.deepEqual(s.values[i] as PeerInfo, testPeerInfo(i), `${id} #${i}`)
            const acc = s.accepted[i] as OpenAccepted
            assert.equal(acc.serializer, p.serializerId)
            assert.equal(acc.compression, p.compressionId)
            assert.equal(acc.type, p.messageTypeId)
            assert.equal(acc.from, codecs[from]?.id)
            assert.equal(acc.channel, id)
          }
          total += s.values.length
        }
      })), `combinations ${start}..${start + 3}`, 20_000)
    }
    assert.equal(total, COMBOS.length * 2 * PER_STREAM)
    assert.ok(total >= 500, `${total} messages`)
    // nothing arrived anywhere else
    let everywhere = 0
    for (const [key, s] of received) if (!key.endsWith(BATCH_ID)) everywhere += s.values.length
    assert.equal(everywhere, total)
  })

  it('carries batch envelopes and already-sealed frames', async () => {
    const id = BATCH_ID
    const s = slot(1, id)
    const codec = codecs[0] as Codec
    const ws = await dialWireseal(nodes[0] as TestNode, (nodes[1] as TestNode).peerId, [id], { codec })
    const values = Array.from({ length: 20 }, (_, i) => testBlock(1000 + i, 256))
    await ws.writeSealed(codec.sealBatch(BlockType, values.slice(0, 10), { channel: id, compression: 'zstd' }))
    for (const v of values.slice(10)) await ws.writeSealed(codec.seal(BlockType, v, { channel: id, compression: 'zstd' }))
    await ws.close()
    await withTimeout(s.done.promise, 'batch stream')
    assert.equal(s.accepted[0]?.kind, 'batch')
    assert.equal(s.accepted.length, 11)
    assert.deepEqual(s.values, values)
    assert.equal(ws.stats.framesWritten, 11)
  })
})

describe('request / response helpers', () => {
  let nodes: TestNode[] = []

  after(async () => {
    await stopNodes(nodes)
  })

  it('answers one request per stream, both envelopes bound to the protocol id', async () => {
    nodes = await startNodes(2, { connect: 'line' })
    const [a, b] = nodes as [TestNode, TestNode]
    const codecA = await streamCodec(3)
    const codecB = await streamCodec(4)
    const id = protocolId({ message: 'block', serializer: 'msgpack', compression: 'snappy' })
    const errors: unknown[] = []
    await b.handle(id, requestHandler<Block, Block>({ codec: codecB, onError: (e) => errors.push(e) }, (req) => {
      assert.equal(req.from, codecA.id)
      return { type: BlockType, value: { ...req.value, ttl: req.value.ttl + 1000 } }
    }))
    for (let i = 0; i < 5; i++) {
      const stream = await a.dialProtocol(b.peerId, id)
      const res = await request<Block, Block>(stream, BlockType, testBlock(i), { codec: codecA })
      assert.equal(res.value.ttl, i + 1000)
      assert.equal(res.from, codecB.id)
      assert.equal(res.channel, id)
      assert.equal(res.compression, CompressionId.snappy)
    }
    assert.deepEqual(errors, [])
  })
})
