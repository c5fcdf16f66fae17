/**
 * Every serializer x compression x message type round-trips through
 * seal/open to a deep-equal value; batches of 1, 2, 255 and 256 items; every
 * item of a 33-item batch (not a power of two: right-edge proofs) verifies
 * alone on a fresh codec.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { OpenAccepted, OpenResult } from '../../src/codec/index.js'
import { CompressionId, type CompressionName } from '../../src/compress/types.js'
import type { MessageType, Serializer } from '../../src/serialize/types.js'
import { DEFAULT_COMPRESSION_MIN_BYTES } from '../../src/limits.js'
import {
  BUILTIN_FORMATS, BlockType, PeerInfoType, block, codec, noise, parse, peerInfo, reasonOf, seededKey,
  type Block, type PeerInfo
} from './helpers.js'

const CH = 'wireseal/test/roundtrip'
const alice = await seededKey(1)
const COMPRESSIONS = ['auto', 'none', 'snappy', 'gzip', 'zstd'] as const

function accepted<T> (r: OpenResult<T>): OpenAccepted<T> {
  assert.equal(r.ok, true, r.ok ? '' : `rejected: ${r.reason} (${r.detail})`)
  return r as OpenAccepted<T>
}

/** Edge values of each type: empty, extremes, large and compressible, large and incompressible, non-ASCII. */
const BLOCKS: Block[] = [
  block(0),
  block(1, 16_384),
  { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) },
  { hash: noise(32, 5), data: noise(5000, 6), timestamp: 2n ** 64n - 1n, ttl: 0xffff_ffff, version: 0xffff_ffff, signature: noise(64, 7) }
]
const PEER_INFOS: PeerInfo[] = [
  peerInfo(0),
  { peerId: new Uint8Array(0), multiaddrs: [], metadata: {} },
  {
    peerId: noise(38, 9),
    multiaddrs: Array.from({ length: 64 }, (_, i) => Uint8Array.from([4, 10, 0, i >> 8, i & 0xff, 6, 0x0f, 0xa1])),
    metadata: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`kéy-${i} 🔑`, `välue ${i} `.repeat(i % 5)]))
  }
]

function expectedCompression (mode: typeof COMPRESSIONS[number], r: OpenAccepted, payloadBytes: number): void {
  if (mode === 'auto') {
    // under the policy's minimum the payload travels raw; above it, raw only when compression does not pay
    if (payloadBytes < DEFAULT_COMPRESSION_MIN_BYTES) assert.equal(r.compression, CompressionId.none)
  } else {
    assert.equal(r.compression, CompressionId[mode as CompressionName])
  }
}

describe('single messages: serializer x compression x type', () => {
  for (const [blockSer, peerSer] of BUILTIN_FORMATS) {
    for (const compression of COMPRESSIONS) {
      it(`${blockSer.name} / ${compression}`, () => {
        const sender = codec({ privateKey: alice })
        const receiver = codec()
        const cases: Array<[MessageType<unknown>, Serializer, unknown[]]> = [
          [BlockType as MessageType<unknown>, blockSer as Serializer, BLOCKS],
          [PeerInfoType as MessageType<unknown>, peerSer as Serializer, PEER_INFOS]
        ]
        for (const [type, ser, values] of cases) {
          for (const value of values) {
            const bytes = sender.seal(type, value, { channel: CH, serializer: ser.id, compression })
            const r = accepted(receiver.open(bytes, { channel: CH, types: [type.id] }))
            assert.deepEqual(r.value, value)
            assert.equal(r.kind, 'single')
            assert.equal(r.type, type.id)
            assert.equal(r.serializer, ser.id)
            assert.equal(r.from, sender.id)
            assert.equal(r.channel, CH)
            expectedCompression(compression, r, ser.encode(value).length)
            assert.equal(parse(bytes).header.uncompressedLength, ser.encode(value).length)
          }
        }
      })
    }
  }

  it('auto picks a real compressor for a large compressible payload', () => {
    const r = accepted(codec().open(codec({ privateKey: alice }).seal(BlockType, block(0, 16_384), { channel: CH }), { channel: CH }))
    assert.notEqual(r.compression, CompressionId.none)
  })

  it('property: random values of both types, any format, any compression', () => {
    const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max })
    const blockArb: fc.Arbitrary<Block> = fc.record({
      hash: bytes(64),
      data: fc.oneof(bytes(3000), fc.integer({ min: 0, max: 6000 }).map((n) => block(n, n).data)),
      timestamp: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      ttl: fc.nat({ max: 0xffff_ffff }),
      version: fc.nat({ max: 0xffff_ffff }),
      signature: bytes(96)
    }, { noNullPrototype: true })
    const key = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k))
    const peerArb: fc.Arbitrary<PeerInfo> = fc.record({
      peerId: bytes(64),
      multiaddrs: fc.array(bytes(40), { maxLength: 8 }),
      metadata: fc.dictionary(key, fc.string({ unit: 'grapheme', maxLength: 40 }), { maxKeys: 8, noNullPrototype: true })
    }, { noNullPrototype: true })
    const sender = codec({ privateKey: alice })
    const receiver = codec()
    fc.assert(fc.property(
      fc.oneof(blockArb.map((v) => ['b', v] as const), peerArb.map((v) => ['p', v] as const)),
      fc.integer({ min: 0, max: BUILTIN_FORMATS.length - 1 }),
      fc.constantFrom(...COMPRESSIONS),
      ([kind, value], format, compression) => {
        const [blockSer, peerSer] = BUILTIN_FORMATS[format]!
        const bytes = kind === 'b'
          ? sender.seal(BlockType, value as Block, { channel: CH, serializer: blockSer.id, compression })
          : sender.seal(PeerInfoType, value as PeerInfo, { channel: CH, serializer: peerSer.id, compression })
        assert.deepEqual(accepted(receiver.open(bytes, { channel: CH })).value, value)
      }
    ), { numRuns: 150, seed: 11 })
  })
})

describe('batches', () => {
  for (const [blockSer, peerSer] of BUILTIN_FORMATS) {
    for (const n of [1, 2, 255, 256]) {
      it(`${blockSer.name}: ${n} Blocks and ${n} PeerInfos`, () => {
        const sender = codec({ privateKey: alice })
        const receiver = codec()
        const blocks = Array.from({ length: n }, (_, i) => block(i, 40 + (i % 7) * 30))
        const rb = accepted<Block>(receiver.open(sender.sealBatch(BlockType, blocks, { channel: CH, serializer: blockSer.id }), { channel: CH, types: [BlockType] }))
        assert.equal(rb.kind, 'batch')
        assert.deepEqual(rb.messages.map((m) => m.value), blocks)
        assert.deepEqual(rb.messages.map((m) => m.index), blocks.map((_, i) => i))
        assert.deepEqual(rb.messages.map((m) => m.seq - rb.seq), blocks.map((_, i) => i))
        const peers = Array.from({ length: n }, (_, i) => peerInfo(i))
        const rp = accepted<PeerInfo>(receiver.open(sender.sealBatch(PeerInfoType, peers, { channel: CH, serializer: peerSer.id, compression: 'gzip' }), { channel: CH, types: [PeerInfoType] }))
        assert.deepEqual(rp.messages.map((m) => m.value), peers)
        // consecutive batches take consecutive seq ranges
        assert.equal(rp.seq, rb.seq + n)
      })
    }
  }

  for (const compression of COMPRESSIONS) {
    it(`every item of a 33-item batch (${compression}) verifies alone on a fresh codec`, () => {
      const sender = codec({ privateKey: alice })
      const blocks = Array.from({ length: 33 }, (_, i) => block(i, 100 + i))
      const batch = accepted<Block>(codec().open(sender.sealBatch(BlockType, blocks, { channel: CH, compression }), { channel: CH, types: [BlockType] }))
      for (let i = 0; i < 33; i++) {
        const item = batch.itemEnvelope!(i)
        const r = accepted<Block>(codec().open(item, { channel: CH, types: [BlockType] }))
        assert.equal(r.kind, 'item')
        assert.deepEqual(r.value, blocks[i])
        assert.equal(r.seq, batch.seq + i)
        assert.deepEqual(r.messages, [{ value: blocks[i], seq: batch.seq + i, index: i }])
        assert.equal(reasonOf(codec().verify(item, { channel: CH })), 'ok')
      }
      assert.throws(() => batch.itemEnvelope!(33))
    })
  }

  it('every item of a 33-item PeerInfo batch in every format verifies alone', () => {
    for (const [, peerSer] of BUILTIN_FORMATS) {
      const peers = Array.from({ length: 33 }, (_, i) => peerInfo(i))
      const batch = accepted<PeerInfo>(codec().open(codec({ privateKey: alice }).sealBatch(PeerInfoType, peers, { channel: CH, serializer: peerSer.id }), { channel: CH, types: [PeerInfoType] }))
      for (let i = 0; i < 33; i++) assert.deepEqual(accepted(codec().open(batch.itemEnvelope!(i), { channel: CH })).value, peers[i])
    }
  })
})
