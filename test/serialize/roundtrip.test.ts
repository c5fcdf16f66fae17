import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { BUILTIN_SERIALIZERS, createMsgpackStructuredSerializer } from '../../src/serialize/index.js'
import { BlockType, PeerInfoType } from '../../src/serialize/messages.js'
import type { Block, PeerInfo } from '../../src/serialize/messages.js'
import type { Serializer } from '../../src/serialize/types.js'
import { MAX_U64, block, peerInfo } from './arbitraries.js'

const blockSerializers = [
  ...BUILTIN_SERIALIZERS.filter((s) => s.type === BlockType) as Array<Serializer<Block>>,
  createMsgpackStructuredSerializer(BlockType, { version: 7 })
]
const peerInfoSerializers = [
  ...BUILTIN_SERIALIZERS.filter((s) => s.type === PeerInfoType) as Array<Serializer<PeerInfo>>,
  createMsgpackStructuredSerializer(PeerInfoType, { version: 7 })
]

const NUM_RUNS = 150

describe('round trips', () => {
  it('covers every built-in format for both message types', () => {
    const names = (xs: Array<Serializer<unknown>>): string[] => xs.map((s) => s.name).sort()
    const expected = ['capnp', 'flatbuffers', 'json', 'msgpack', 'msgpackStructured', 'msgpackStructured', 'protobuf']
    assert.deepEqual(names(blockSerializers as Array<Serializer<unknown>>), expected)
    assert.deepEqual(names(peerInfoSerializers as Array<Serializer<unknown>>), expected)
  })

  for (const s of blockSerializers) {
    it(`Block / ${s.name} (id ${s.id}): decode(encode(x)) deep-equals x`, () => {
      fc.assert(fc.property(block, (b) => {
        assert.deepStrictEqual(s.decode(s.encode(b)), b)
      }), { numRuns: NUM_RUNS })
    })

    it(`Block / ${s.name}: uint64 edges 2^53+1 and 2^64-1 are exact`, () => {
      for (const timestamp of [0n, 2n ** 53n + 1n, 2n ** 63n, MAX_U64]) {
        const b: Block = { hash: new Uint8Array(0), data: new Uint8Array([1]), timestamp, ttl: 2 ** 32 - 1, version: 0, signature: new Uint8Array(0) }
        assert.equal(s.decode(s.encode(b)).timestamp, timestamp)
      }
    })

    it(`Block / ${s.name}: decodes a Buffer input to plain Uint8Array fields`, () => {
      const b: Block = { hash: new Uint8Array([9]), data: new Uint8Array([1, 2]), timestamp: 5n, ttl: 1, version: 2, signature: new Uint8Array([3]) }
      const decoded = s.decode(Buffer.from(s.encode(b)))
      assert.deepStrictEqual(decoded, b)
      assert.equal(Object.getPrototypeOf(decoded.data), Uint8Array.prototype)
    })
  }

  for (const s of peerInfoSerializers) {
    it(`PeerInfo / ${s.name} (id ${s.id}): decode(encode(x)) deep-equals x`, () => {
      fc.assert(fc.property(peerInfo, (p) => {
        const decoded = s.decode(s.encode(p))
        assert.deepStrictEqual(decoded, p)
        assert.equal(Object.getPrototypeOf(decoded.metadata), Object.prototype)
      }), { numRuns: NUM_RUNS })
    })
  }
})

describe('cross-serializer equality', () => {
  it('every Block format decodes to the same value', () => {
    fc.assert(fc.property(block, (b) => {
      const decoded = blockSerializers.map((s) => s.decode(s.encode(b)))
      for (const d of decoded) assert.deepStrictEqual(d, decoded[0])
    }), { numRuns: 100 })
  })

  it('every PeerInfo format decodes to the same value', () => {
    fc.assert(fc.property(peerInfo, (p) => {
      const decoded = peerInfoSerializers.map((s) => s.decode(s.encode(p)))
      for (const d of decoded) assert.deepStrictEqual(d, decoded[0])
    }), { numRuns: 100 })
  })

  it('limits: exactly 64 multiaddrs and 64 metadata entries round-trip in every format', () => {
    const p: PeerInfo = {
      peerId: new Uint8Array([1]),
      multiaddrs: Array.from({ length: 64 }, (_, i) => new Uint8Array([i])),
      metadata: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, `v${i}`]))
    }
    for (const s of peerInfoSerializers) assert.deepStrictEqual(s.decode(s.encode(p)), p, s.name)
  })
})
