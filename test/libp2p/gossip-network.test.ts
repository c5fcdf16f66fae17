/**
 * Three real libp2p nodes (TCP + Noise + Yamux on 127.0.0.1, gossipsub 17)
 * exchange Blocks and PeerInfos sealed in every serializer x compression
 * combination; every value reaches each other node's application exactly
 * once and intact.
 */
import '../../src/libp2p/polyfill.js'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { CompressionName } from '../../src/compress/types.js'
import { CompressionId } from '../../src/compress/types.js'
import { SerializerId } from '../../src/serialize/types.js'
import type { GossipMessage } from '../../src/libp2p/gossip.js'
import { waitFor } from './fixtures.js'
import { makeBlock, makePeerInfo, sleep, startGossipNet, type Block, type PeerInfo } from './gossip-fixtures.js'

const SERIALIZERS = [SerializerId.protobuf, SerializerId.msgpack, SerializerId.flatbuffers, SerializerId.json, SerializerId.msgpackStructured]
const COMPRESSIONS: readonly CompressionName[] = ['none', 'snappy', 'gzip', 'zstd']
const NODES = 3
/** Rounds over every combination: 3 nodes x 20 combinations x 2 topics x 4 = 480 single messages (+ 48 in batches). */
const ROUNDS = 4
/** Values per batch envelope; each node publishes one batch per topic. */
const BATCH = 8

interface Expected {
  value: Block | PeerInfo
  serializer: number
  compression: number
}

describe('gossip over real nodes', () => {
  it('3 nodes deliver >= 500 Blocks and PeerInfos in every serializer x compression, each exactly once', { timeout: 60_000 }, async () => {
    const net = await startGossipNet({ honest: NODES })
    try {
      // received[node] : `${publisher}/${topic}/${i}` -> deliveries
      const received = Array.from({ length: NODES }, () => new Map<string, GossipMessage[]>())
      const publisherOf = new Map<string, number>(net.codecs.map((c, i) => [c.id as string, i]))
      for (let n = 0; n < NODES; n++) {
        const record = (topic: string, i: number, m: GossipMessage): void => {
          const key = `${publisherOf.get(m.from) ?? '?'}/${topic}/${i}`
          const list = received[n]?.get(key) ?? []
          list.push(m)
          received[n]?.set(key, list)
        }
        const g = net.gossips[n]
        assert.ok(g !== undefined)
        g.onMessage('blocks', (m) => { record('blocks', m.value.ttl, m) })
        g.onMessage('peers', (m) => { record('peers', Number(m.value.metadata.i), m) })
      }

      const expected = new Map<string, Expected>()
      let counter = 0
      const publishOne = async (n: number, serializer: number, compression: CompressionName): Promise<void> => {
        const g = net.gossips[n]
        assert.ok(g !== undefined)
        const i = n * 100_000 + counter++
        const block = makeBlock(i, 256 + (i % 7) * 512)
        const info = makePeerInfo(i)
        expected.set(`${n}/blocks/${i}`, { value: block, serializer, compression: CompressionId[compression] })
        expected.set(`${n}/peers/${i}`, { value: info, serializer, compression: CompressionId[compression] })
        await g.publish('blocks', block, { serializer, compression })
        await g.publish('peers', info, { serializer, compression })
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const serializer of SERIALIZERS) {
          for (const compression of COMPRESSIONS) {
            await Promise.all(Array.from({ length: NODES }, async (_, n) => publishOne(n, serializer, compression)))
          }
        }
      }
      // one batch envelope per node and topic: one signature over 8 values, each delivered on its own
      for (let n = 0; n < NODES; n++) {
        const g = net.gossips[n]
        assert.ok(g !== undefined)
        const blocks: Block[] = []
        const infos: PeerInfo[] = []
        for (let k = 0; k < BATCH; k++) {
          const i = n * 100_000 + counter++
          blocks.push(makeBlock(i, 1024))
          infos.push(makePeerInfo(i))
          expected.set(`${n}/blocks/${i}`, { value: blocks[k] as Block, serializer: SerializerId.protobuf, compression: -1 })
          expected.set(`${n}/peers/${i}`, { value: infos[k] as PeerInfo, serializer: SerializerId.protobuf, compression: -1 })
        }
        await g.publishBatch('blocks', blocks)
        await g.publishBatch('peers', infos)
      }
      assert.ok(expected.size >= 500, `${expected.size} messages published`)

      const expectedAt = (n: number): string[] => [...expected.keys()].filter((k) => !k.startsWith(`${n}/`))
      await waitFor(() => received.every((map, n) => map.size >= expectedAt(n).length), 'every message delivered', 30_000)
      await sleep(300) // late duplicates would show up here

      for (let n = 0; n < NODES; n++) {
        const map = received[n] as Map<string, GossipMessage[]>
        const want = expectedAt(n)
        assert.equal(map.size, want.length, `node ${n}: distinct messages`)
        for (const key of want) {
          const got = map.get(key)
          assert.equal(got?.length, 1, `node ${n}: ${key} delivered ${got?.length ?? 0} times`)
          const m = got?.[0] as GossipMessage
          const e = expected.get(key) as Expected
          assert.deepEqual(m.value, e.value, `node ${n}: ${key} value`)
          assert.equal(m.serializer, e.serializer, `node ${n}: ${key} serializer`)
          if (e.compression >= 0) assert.equal(m.compression, e.compression, `node ${n}: ${key} compression`)
        }
        const s = net.gossips[n]?.stats()
        assert.ok(s !== undefined)
        assert.equal(s.delivered, want.length)
        assert.deepEqual(Object.values(s.rejected).filter((v) => v > 0), [], `node ${n}: nothing rejected`)
        assert.deepEqual(Object.values(s.ignored).filter((v) => v > 0), [], `node ${n}: nothing ignored`)
        assert.deepEqual(s.refusedFrames, { 'too-large': 0, malformed: 0 })
        assert.equal(s.handlerErrors, 0)
      }
    } finally {
      await net.stop()
    }
  })
})
