/**
 * The msgpack fast paths (hand-written for Block and PeerInfo, schema-driven
 * for every type) against the generic msgpackr path they shortcut: the same
 * bytes out, and for any input the same outcome (value, or error class and
 * text) as the generic decoder alone.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Packr } from 'msgpackr'
import { createMsgpackSerializer, msgpackBlock, msgpackPeerInfo } from '../../src/serialize/msgpack.js'
import { createMsgpackStructuredSerializer } from '../../src/serialize/msgpack-structured.js'
import { createMsgpackStructuredBlock, createMsgpackStructuredPeerInfo } from '../../src/serialize/registry.js'
import { blockFastPath } from '../../src/serialize/msgpack-block.js'
import { BlockType, PeerInfoType } from '../../src/serialize/messages.js'
import type { Block, PeerInfo } from '../../src/serialize/messages.js'
import type { Serializer } from '../../src/serialize/types.js'
import { block, bytes, metadataKey, peerInfo, sampleBlock, text, uint32, uint64 } from './arbitraries.js'
import { defineMessageType } from '../../src/serialize/schema.js'
import type { MessageValue } from '../../src/serialize/schema.js'

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** Generic serializers (msgpackr + scan + shape checks, no fast path): the reference the fast paths must match. */
const genericBlock = createMsgpackSerializer(BlockType, { fastPath: false })
const genericPeerInfo = createMsgpackSerializer(PeerInfoType, { fastPath: false })
const recordsBlock = createMsgpackStructuredBlock(1)
const recordsPeerInfo = createMsgpackStructuredPeerInfo(1)
const genericRecordsBlock = createMsgpackStructuredSerializer(BlockType, { version: 1, fastPath: false })
const genericRecordsPeerInfo = createMsgpackStructuredSerializer(PeerInfoType, { version: 1, fastPath: false })
/** The schema-driven fast path on the same types. */
const schemaBlock = createMsgpackSerializer(BlockType)
const schemaPeerInfo = createMsgpackSerializer(PeerInfoType)
const schemaRecordsBlock = createMsgpackStructuredSerializer(BlockType, { version: 1 })
const schemaRecordsPeerInfo = createMsgpackStructuredSerializer(PeerInfoType, { version: 1 })

/** Values at every header and integer-width boundary msgpack has. */
const boundaryBytes = fc.constantFrom(0, 1, 31, 32, 255, 256, 65_535, 65_536).map((n) => new Uint8Array(n).fill(7))
const boundaryUint32 = fc.constantFrom(0, 0x3f, 0x40, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xffff_ffff)
const boundaryUint64 = fc.constantFrom(0n, 0x3fn, 0x40n, 0x7fn, 0x80n, 0xffff_ffffn, 0x1_0000_0000n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 1n)
const edgeBlock: fc.Arbitrary<Block> = fc.record({
  hash: boundaryBytes, data: boundaryBytes, timestamp: boundaryUint64, ttl: boundaryUint32, version: boundaryUint32, signature: boundaryBytes
}, { noNullPrototype: true })
/** Strings across the fixstr / str 8 / str 16 lengths, ASCII and not. */
const edgeText = fc.oneof(text, fc.constantFrom(31, 32, 33, 255, 256).chain((n) => fc.constantFrom('a'.repeat(n), 'é'.repeat(n >> 1), '✓'.repeat(n >> 2), '😀'.repeat(n >> 2))))
const edgePeerInfo: fc.Arbitrary<PeerInfo> = fc.record({
  peerId: boundaryBytes,
  multiaddrs: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
  metadata: fc.dictionary(edgeText.filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k)), edgeText, { maxKeys: 20, noNullPrototype: true })
}, { noNullPrototype: true })

/** A user type with every field kind. */
const Everything = defineMessageType({
  id: 4000,
  name: 'Everything',
  fields: {
    b: 'bytes', s: 'string', u32: 'uint32', u64: 'uint64', flag: 'bool',
    bs: { kind: 'list', of: 'bytes', maxItems: 4 },
    ss: { kind: 'list', of: 'string', maxItems: 20 },
    u32s: { kind: 'list', of: 'uint32', maxItems: 4 },
    u64s: { kind: 'list', of: 'uint64', maxItems: 4 },
    flags: { kind: 'list', of: 'bool', maxItems: 4 },
    m: { kind: 'map', maxEntries: 20 },
    aFieldNameLongerThanThirtyOneCharacters: 'uint32'
  }
})
type Everything = MessageValue<typeof Everything>
const everything: fc.Arbitrary<Everything> = fc.record({
  b: fc.oneof(bytes, boundaryBytes),
  s: edgeText,
  u32: fc.oneof(uint32, boundaryUint32),
  u64: fc.oneof(uint64, boundaryUint64),
  flag: fc.boolean(),
  bs: fc.array(bytes, { maxLength: 4 }),
  ss: fc.array(edgeText, { maxLength: 20 }),
  u32s: fc.array(fc.oneof(uint32, boundaryUint32), { maxLength: 4 }),
  u64s: fc.array(fc.oneof(uint64, boundaryUint64), { maxLength: 4 }),
  flags: fc.array(fc.boolean(), { maxLength: 4 }),
  m: fc.dictionary(metadataKey, edgeText, { maxKeys: 20, noNullPrototype: true }),
  aFieldNameLongerThanThirtyOneCharacters: uint32
}, { noNullPrototype: true })
const everythingFast = createMsgpackSerializer(Everything)
const everythingGeneric = createMsgpackSerializer(Everything, { fastPath: false })
const everythingRecords = createMsgpackStructuredSerializer(Everything, { version: 3 })
const everythingRecordsGeneric = createMsgpackStructuredSerializer(Everything, { version: 3, fastPath: false })

function outcome (f: () => unknown): unknown {
  try {
    return { value: f() }
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message }
  }
}

/** Canonical bytes, then damaged: a byte overwritten, a range cut out, bytes inserted, or a cut-off end. */
function damaged<T> (values: fc.Arbitrary<T>, encode: (v: T) => Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.tuple(values, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 4 })).map(([v, a, b, byte, how]) => {
    const x = Buffer.from(encode(v))
    const i = a % (x.length + 1)
    const j = Math.min(x.length, i + (b % 4))
    switch (how) {
      case 0: return x
      case 1: if (i < x.length) x[i] = byte; return x
      case 2: return Buffer.concat([x.subarray(0, i), x.subarray(j)])
      case 3: return Buffer.concat([x.subarray(0, i), Buffer.from([byte, b & 0xff]), x.subarray(i)])
      default: return x.subarray(0, i)
    }
  })
}

function sameOutcome<T> (fast: Serializer<T>, generic: Serializer<T>, inputs: fc.Arbitrary<Uint8Array>, numRuns: number): void {
  fc.assert(fc.property(inputs, (bytes) => {
    assert.deepStrictEqual(outcome(() => fast.decode(bytes)), outcome(() => generic.decode(bytes)))
  }), { numRuns })
}

describe('msgpack fast paths: the bytes msgpackr writes', () => {
  function sameBytes<T> (name: string, fast: Serializer<T>, generic: Serializer<T>, values: fc.Arbitrary<T>): void {
    it(`${name}: byte-identical to the generic (msgpackr) encoder, and decodes back`, () => {
      fc.assert(fc.property(values, (v) => {
        const bytes = fast.encode(v)
        assert.equal(toHex(bytes), toHex(generic.encode(v)))
        assert.deepStrictEqual(fast.decode(bytes), generic.decode(bytes))
        assert.deepStrictEqual(fast.decode(bytes), v)
      }), { numRuns: 300 })
    })
  }
  sameBytes('plain Block', msgpackBlock, genericBlock, fc.oneof(block, edgeBlock))
  sameBytes('record Block', recordsBlock, genericRecordsBlock, fc.oneof(block, edgeBlock))
  sameBytes('plain PeerInfo', msgpackPeerInfo, genericPeerInfo, fc.oneof(peerInfo, edgePeerInfo))
  sameBytes('record PeerInfo', recordsPeerInfo, genericRecordsPeerInfo, fc.oneof(peerInfo, edgePeerInfo))
  sameBytes('schema path, plain Block', schemaBlock, genericBlock, fc.oneof(block, edgeBlock))
  sameBytes('schema path, record Block', schemaRecordsBlock, genericRecordsBlock, fc.oneof(block, edgeBlock))
  sameBytes('schema path, plain PeerInfo', schemaPeerInfo, genericPeerInfo, fc.oneof(peerInfo, edgePeerInfo))
  sameBytes('schema path, record PeerInfo', schemaRecordsPeerInfo, genericRecordsPeerInfo, fc.oneof(peerInfo, edgePeerInfo))
  sameBytes('schema path, plain user type with every field kind', everythingFast, everythingGeneric, everything)
  sameBytes('schema path, record user type with every field kind', everythingRecords, everythingRecordsGeneric, everything)

  it('decodes through the fast path (not the generic one) for canonical input', () => {
    const bytes = msgpackBlock.encode(sampleBlock())
    assert.deepStrictEqual(blockFastPath.decode(bytes, 0, false), sampleBlock())
    // A foreign layout (keys reordered) is a miss that the generic decoder still accepts.
    const reordered = new Packr({ useRecords: false }).pack({ ...sampleBlock(), hash: undefined, timestamp: 1_700_000_000_000, extra: 1 })
    assert.equal(blockFastPath.decode(new Uint8Array(reordered), 0, false), undefined)
  })

  it('decoded bytes fields are plain Uint8Array views, also from a Buffer input', () => {
    const out = msgpackBlock.decode(Buffer.from(msgpackBlock.encode(sampleBlock())))
    assert.equal(out.data.constructor, Uint8Array)
    const rec = recordsBlock.decode(Buffer.from(recordsBlock.encode(sampleBlock())))
    assert.equal(rec.hash.constructor, Uint8Array)
  })
})

describe('msgpack fast paths: same outcome as the generic decoder on any input', () => {
  it('plain Block', () => sameOutcome(msgpackBlock, genericBlock, damaged(fc.oneof(block, edgeBlock), (v) => genericBlock.encode(v)), 3000))
  it('record Block', () => sameOutcome(recordsBlock, genericRecordsBlock, damaged(fc.oneof(block, edgeBlock), (v) => genericRecordsBlock.encode(v)), 3000))
  it('plain PeerInfo', () => sameOutcome(msgpackPeerInfo, genericPeerInfo, damaged(fc.oneof(peerInfo, edgePeerInfo), (v) => genericPeerInfo.encode(v)), 3000))
  it('record PeerInfo', () => sameOutcome(recordsPeerInfo, genericRecordsPeerInfo, damaged(fc.oneof(peerInfo, edgePeerInfo), (v) => genericRecordsPeerInfo.encode(v)), 3000))
  it('schema path, plain Block', () => sameOutcome(schemaBlock, genericBlock, damaged(fc.oneof(block, edgeBlock), (v) => genericBlock.encode(v)), 2000))
  it('schema path, plain PeerInfo', () => sameOutcome(schemaPeerInfo, genericPeerInfo, damaged(fc.oneof(peerInfo, edgePeerInfo), (v) => genericPeerInfo.encode(v)), 2000))
  it('schema path, plain user type', () => sameOutcome(everythingFast, everythingGeneric, damaged(everything, (v) => everythingGeneric.encode(v)), 3000))
  it('schema path, record user type', () => sameOutcome(everythingRecords, everythingRecordsGeneric, damaged(everything, (v) => everythingRecordsGeneric.encode(v)), 3000))

  it('hostile near-canonical inputs: oversized counts, reserved and repeated keys, invalid UTF-8, negative int 64, BOM', () => {
    const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'))
    const str = (s: string): string => { const b = Buffer.from(s); return (0xa0 | b.length).toString(16) + b.toString('hex') }
    const peer = (addrs: string, meta: string): Uint8Array => hex('83' + str('peerId') + 'c400' + str('multiaddrs') + addrs + str('metadata') + meta)
    const block6 = (ts: string): Uint8Array => hex('86' + str('hash') + 'c400' + str('data') + 'c400' + str('timestamp') + ts + str('ttl') + '00' + str('version') + '00' + str('signature') + 'c400')
    const peers = [
      peer('dc0041' + 'c400'.repeat(65), '80'), // 65 multiaddrs: over the limit
      peer('ddffffffff', '80'), // claim of 2^32-1 multiaddrs
      peer('90', '81' + str('__proto__') + str('x')),
      peer('90', '82' + str('a') + str('x') + str('a') + str('y')), // repeated key: msgpackr keeps the last
      peer('90', '81' + str('a') + 'a2c328'), // invalid UTF-8 value
      peer('90', '81' + str('a') + 'a3efbbbf'), // a lone BOM is a valid value and must be kept
      peer('90', '81' + str('a') + 'a2eda080') // an encoded surrogate is not UTF-8
    ]
    for (const bytes of peers) assert.deepStrictEqual(outcome(() => msgpackPeerInfo.decode(bytes)), outcome(() => genericPeerInfo.decode(bytes)))
    assert.deepStrictEqual(msgpackPeerInfo.decode(peers[5] as Uint8Array).metadata, { a: '\ufeff' })
    assert.deepStrictEqual(msgpackPeerInfo.decode(peers[3] as Uint8Array).metadata, { a: 'y' })
    for (const ts of ['d3ffffffffffffffff', 'd38000000000000000', 'cfffffffffffffffff', 'd30000000000000005', 'cb4000000000000000', 'd0ff', 'd005']) {
      const bytes = block6(ts)
      assert.deepStrictEqual(outcome(() => msgpackBlock.decode(bytes)), outcome(() => genericBlock.decode(bytes)), ts)
    }
  })
})

describe('msgpack fast paths: the short-string cache', () => {
  it('decodes every string exactly, across more distinct strings than the cache has slots', () => {
    const values = Array.from({ length: 5000 }, (_, i) => ({ peerId: new Uint8Array(0), multiaddrs: [], metadata: { [`k${i}`]: `v${(i * 7919) % 5000}`, same: 'x'.repeat(i % 33) } }))
    for (let pass = 0; pass < 2; pass++) {
      for (const v of values) assert.deepStrictEqual(msgpackPeerInfo.decode(msgpackPeerInfo.encode(v)), v)
    }
  })
})

describe('msgpack fast paths: type confusion, field by field', () => {
  /** Values of every msgpack type, including lists and maps just under and just over the schema limits. */
  const wrong = fc.oneof(
    fc.constantFrom<unknown>(null, true, false, 0, 1.5, -1, -200, 2 ** 32, 2 ** 53, 2 ** 60, -(2 ** 40), 'x', '', new Uint8Array([1])),
    fc.constantFrom<unknown>(2n ** 63n, 2n ** 64n - 1n, -5n),
    fc.array(fc.oneof(fc.constant(null), fc.boolean(), fc.nat(), fc.string({ maxLength: 3 }), fc.uint8Array({ maxLength: 2 })), { maxLength: 5 }),
    fc.integer({ min: 3, max: 5 }).map((n) => Array.from({ length: n }, () => new Uint8Array(1))),
    fc.integer({ min: 19, max: 21 }).map((n) => Array.from({ length: n }, (_, i) => `s${i}`)),
    fc.integer({ min: 19, max: 21 }).map((n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']))),
    fc.dictionary(fc.string({ maxLength: 3 }), fc.oneof(fc.string({ maxLength: 2 }), fc.nat(), fc.constant(null)), { maxKeys: 3, noNullPrototype: true }),
    // Reserved keys as own properties (CreateDataProperty), which msgpackr writes as plain keys.
    fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => Object.fromEntries([['a', 'b'], [k, 'v']]))
  )
  const names = Everything.fields.map((d) => d.name)
  const tweaked = fc.tuple(everything, fc.constantFrom(...names), wrong).map(([v, name, x]) => {
    const shape: Record<string, unknown> = {}
    for (const n of names) {
      const value = (v as Record<string, unknown>)[n]
      // Small uint64 values as numbers, as the encoders write them (msgpackr writes every bigint as 64 bits).
      shape[n] = n === name ? x : typeof value === 'bigint' && value <= 0xffff_ffffn ? Number(value) : Array.isArray(value) ? value.map((e: unknown) => typeof e === 'bigint' && e <= 0xffff_ffffn ? Number(e) : e) : value
    }
    return shape
  })

  it('plain: any field holding any other msgpack value gets the generic outcome', () => {
    const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true, int64AsType: 'bigint' })
    sameOutcome(everythingFast, everythingGeneric, tweaked.map((shape) => new Uint8Array(packr.pack(shape))), 3000)
  })

  it('records: any field holding any other msgpack value gets the generic outcome', () => {
    const record = Symbol('record')
    const packr = new Packr({
      useRecords: (o: Record<symbol, unknown>) => o[record] === true,
      variableMapSize: true,
      structures: [names],
      maxSharedStructures: 1,
      shouldShareStructure: () => false,
      mapsAsObjects: true,
      int64AsType: 'bigint'
    })
    sameOutcome(everythingRecords, everythingRecordsGeneric, tweaked.map((shape) => {
      (shape as Record<symbol, unknown>)[record] = true
      return Uint8Array.from([0, 3, ...packr.pack(shape)])
    }), 3000)
  })
})
