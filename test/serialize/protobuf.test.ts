import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createProtobufBlockSerializer, protobufBlock, protobufPeerInfo } from '../../src/serialize/protobuf.js'
import { decodePeerInfo } from '../../src/serialize/protobuf-decode.js'
import type { Block, PeerInfo } from '../../src/serialize/messages.js'
import { InvalidValueError, MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { DEFAULT_MAX_METADATA_ENTRIES, DEFAULT_MAX_MULTIADDRS } from '../../src/limits.js'
import { Block as ProtonsBlock } from './protons/block.js'
import { PeerInfo as ProtonsPeerInfo } from './protons/peer_info.js'
import { MAX_U64, block, peerInfo, sampleBlock, samplePeerInfo, typedFailure } from './arbitraries.js'

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

/** protons-runtime 8.0.1 writes uint64 values in [2^31, 2^32) wrongly (see the test below). */
function protonsMisencodes (v: bigint): boolean {
  return v >= 2n ** 31n && v < 2n ** 32n
}

/** A plain copy of what protons decodes (Map metadata -> object, Buffer -> Uint8Array). */
function fromProtonsPeerInfo (p: ProtonsPeerInfo): PeerInfo {
  return {
    peerId: new Uint8Array(p.peerId),
    multiaddrs: p.multiaddrs.map((a) => new Uint8Array(a)),
    metadata: Object.fromEntries(p.metadata)
  }
}

describe('protobuf known-answer vectors (hand-computed from the encoding spec)', () => {
  // Block { hash 0102, data "abc", timestamp 1700000000000, ttl 300, version 1, signature ff }
  //   field 1 LEN: tag (1<<3)|2 = 0a, len 02, 01 02
  //   field 2 LEN: tag 12, len 03, 61 62 63
  //   field 3 VARINT: tag 18, 1700000000000 = 0x18b_cfe5_6800 -> 7-bit groups, low first:
  //     00 20 65 7f 3c 31 -> with continuation bits: 80 d0 95 ff bc 31
  //   field 4 VARINT: tag 20, 300 = 0b10_0101100 -> ac 02
  //   field 5 VARINT: tag 28, 01
  //   field 6 LEN: tag 32, len 01, ff
  const blockHex = '0a020102 1203616263 1880d095ffbc31 20ac02 2801 3201ff'

  it('encodes the small Block to the expected bytes', () => {
    assert.equal(toHex(protobufBlock.encode(sampleBlock())), blockHex.replace(/\s+/g, ''))
  })

  it('decodes the expected bytes to the small Block', () => {
    assert.deepStrictEqual(protobufBlock.decode(hex(blockHex)), sampleBlock())
  })

  it('omits proto3 defaults: an all-default Block is zero bytes, and zero bytes decode to it', () => {
    const empty: Block = { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) }
    assert.equal(protobufBlock.encode(empty).length, 0)
    assert.deepStrictEqual(protobufBlock.decode(new Uint8Array(0)), empty)
  })

  it('encodes uint64 2^64-1 as the 10-byte varint ff*9 01 and 2^53+1 exactly', () => {
    const b = { ...sampleBlock(), hash: new Uint8Array(0), data: new Uint8Array(0), signature: new Uint8Array(0), ttl: 0, version: 0 }
    assert.equal(toHex(protobufBlock.encode({ ...b, timestamp: MAX_U64 })), '18ffffffffffffffffff01')
    assert.equal(toHex(protobufBlock.encode({ ...b, timestamp: 2n ** 53n + 1n })), '188180808080808010')
    assert.equal(protobufBlock.decode(hex('188180808080808010')).timestamp, 2n ** 53n + 1n)
    assert.equal(protobufBlock.decode(hex('18ffffffffffffffffff01')).timestamp, MAX_U64)
  })

  it('drops bits above 64 of an overlong uint64 varint, as the spec requires', () => {
    // 10 bytes whose last byte carries bits 63..69: only bit 63 is kept.
    assert.equal(protobufBlock.decode(hex('18ffffffffffffffffff7f')).timestamp, MAX_U64)
  })

  it('encodes the small PeerInfo (map entries are length-delimited {1: key, 2: value})', () => {
    const p: PeerInfo = { peerId: new Uint8Array([0x12]), multiaddrs: [hex('047f000001')], metadata: { a: 'b' } }
    const expected = '0a0112 1205047f000001 1a06 0a0161 120162'.replace(/\s+/g, '')
    assert.equal(toHex(protobufPeerInfo.encode(p)), expected)
    assert.deepStrictEqual(protobufPeerInfo.decode(hex(expected)), p)
  })
})

describe('protobuf cross-check against protons (independent implementation)', () => {
  it('protons decodes our Block bytes and we decode protons Block bytes', () => {
    fc.assert(fc.property(block, (b) => {
      const theirs = ProtonsBlock.decode(protobufBlock.encode(b))
      assert.deepStrictEqual({ ...theirs, hash: new Uint8Array(theirs.hash), data: new Uint8Array(theirs.data), signature: new Uint8Array(theirs.signature) }, b)
      if (protonsMisencodes(b.timestamp)) return
      assert.deepStrictEqual(protobufBlock.decode(ProtonsBlock.encode(b as ProtonsBlock)), b)
      // Both implement the same canonical encoding.
      assert.equal(toHex(ProtonsBlock.encode(b as ProtonsBlock)), toHex(protobufBlock.encode(b)))
    }), { numRuns: 200 })
  })

  it('known protons-runtime 8.0.1 bug: uint64 in [2^31, 2^32) is mis-encoded by protons (we encode it per spec)', () => {
    // LongBits keeps `lo` as a signed int32, so its varint writer emits one byte and zero padding.
    const t = 2n ** 31n
    assert.equal(toHex(protobufBlock.encode({ ...sampleBlock(), hash: new Uint8Array(0), data: new Uint8Array(0), signature: new Uint8Array(0), ttl: 0, version: 0, timestamp: t })), '188080808008')
    assert.equal(ProtonsBlock.decode(protobufBlock.encode({ ...sampleBlock(), timestamp: t })).timestamp, t)
    // If protons fixes this, the exclusion in the property above can go.
    assert.notEqual(toHex(ProtonsBlock.encode({ timestamp: t })), '188080808008')
  })

  it('protons decodes our PeerInfo bytes and we decode protons PeerInfo bytes', () => {
    fc.assert(fc.property(peerInfo, (p) => {
      assert.deepStrictEqual(fromProtonsPeerInfo(ProtonsPeerInfo.decode(protobufPeerInfo.encode(p))), p)
      const theirs = ProtonsPeerInfo.encode({ ...p, metadata: new Map(Object.entries(p.metadata)) } as ProtonsPeerInfo)
      assert.deepStrictEqual(protobufPeerInfo.decode(theirs), p)
    }), { numRuns: 200 })
  })
})

describe('protobuf decoder rejects bad input with typed errors', () => {
  const cases: Array<[string, string]> = [
    ['truncated varint', '18ff'],
    ['truncated length-delimited field', '0a0501'],
    ['length claiming 4 GiB', '0affffffff0f00'],
    ['varint longer than 10 bytes', '18ffffffffffffffffffff01'],
    ['wrong wire type for bytes field (varint)', '0801'],
    ['wrong wire type for uint64 field (LEN)', '1a0101'],
    ['wrong wire type for uint32 field (I32)', '2501000000'],
    ['field number 0', '0001'],
    ['start group (wire type 3)', '0b0c'],
    ['end group (wire type 4)', '0c'],
    ['invalid wire type 6', '0e']
  ]
  for (const [name, h] of cases) {
    it(`Block: ${name}`, () => {
      assert.throws(() => protobufBlock.decode(hex(h)), MalformedInputError)
    })
  }

  it('PeerInfo: wrong wire type inside a map entry is rejected, not skipped', () => {
    // entry { key: varint 1 } where key must be LEN
    assert.throws(() => protobufPeerInfo.decode(hex('1a020801')), MalformedInputError)
  })

  it('PeerInfo: invalid UTF-8 in a map key is rejected', () => {
    assert.throws(() => protobufPeerInfo.decode(hex('1a040a02c328')), MalformedInputError)
  })

  it('PeerInfo: __proto__ and other reserved map keys are rejected', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const k = Buffer.from(key)
      const entry = Buffer.concat([Buffer.from([0x0a, k.length]), k, Buffer.from([0x12, 0x01, 0x78])])
      const bytes = Buffer.concat([Buffer.from([0x1a, entry.length]), entry])
      const err = typedFailure(() => protobufPeerInfo.decode(bytes))
      assert.ok(err instanceof MalformedInputError, key)
    }
    assert.equal(({} as Record<string, unknown>).x, undefined)
  })

  it('skips unknown fields of every wire type (proto3 forward compatibility)', () => {
    const unknown = '9801 05' + 'a20102aabb' + 'a90108070605040302 01'.replace(/\s/g, '') + 'ad0101020304'
    // field 19 varint, field 20 LEN, field 21 I64, field 21 I32
    const bytes = Buffer.concat([hex(unknown), protobufBlock.encode(sampleBlock())])
    assert.deepStrictEqual(protobufBlock.decode(bytes), sampleBlock())
  })

  it('a field present with its default value decodes to the default (non-canonical but legal)', () => {
    const decoded = protobufBlock.decode(hex('0a00 1200 1800 2000 2800 3200'.replace(/\s/g, '')))
    assert.deepStrictEqual(decoded, { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) })
    // Same key order as every other decoded Block.
    assert.deepStrictEqual(Object.keys(decoded), ['hash', 'data', 'timestamp', 'ttl', 'version', 'signature'])
    assert.deepStrictEqual(protobufPeerInfo.decode(hex('0a00')), { peerId: new Uint8Array(0), multiaddrs: [], metadata: {} })
  })

  it('every strict prefix of a Block either decodes (field boundary) or throws a typed error', () => {
    fc.assert(fc.property(block, (b) => {
      const bytes = protobufBlock.encode(b)
      for (let n = 0; n < bytes.length; n += Math.max(1, bytes.length >> 5)) {
        typedFailure(() => protobufBlock.decode(bytes.subarray(0, n)))
      }
    }), { numRuns: 60 })
  })

  it('random garbage never escapes as a non-wireseal error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (g) => {
      typedFailure(() => protobufBlock.decode(g))
      typedFailure(() => protobufPeerInfo.decode(g))
    }), { numRuns: 500 })
  })

  it('PeerInfo: too many multiaddrs / metadata entries -> SizeLimitError before materialising', () => {
    // 5 MiB of empty multiaddrs: 2.6M entries claimed; refused at entry 65 without decoding the rest.
    const many = new Uint8Array(5 * 1024 * 1024)
    for (let i = 0; i < many.length; i += 2) many[i] = 0x12
    const err = typedFailure(() => protobufPeerInfo.decode(many))
    assert.ok(err instanceof SizeLimitError)
    assert.deepEqual(err.details, { quantity: 'field', limit: DEFAULT_MAX_MULTIADDRS, actual: DEFAULT_MAX_MULTIADDRS + 1 })
    // Work counted, not timed: the 65th tag is the last one read.
    const meter = { fields: -1, pos: -1 }
    typedFailure(() => decodePeerInfo(many, meter))
    assert.equal(meter.fields, DEFAULT_MAX_MULTIADDRS + 1)

    const entries = Buffer.concat(Array.from({ length: DEFAULT_MAX_METADATA_ENTRIES + 1 }, (_, i) => hex(`1a060a0278${(i % 256).toString(16).padStart(2, '0')}1200`)))
    assert.throws(() => protobufPeerInfo.decode(entries), SizeLimitError)
  })

  it('PeerInfo: too many entries in a small input are refused too (the count is checked per entry at any size)', () => {
    const small = Buffer.concat(Array.from({ length: DEFAULT_MAX_MULTIADDRS + 1 }, () => hex('1200')))
    assert.ok(small.length < 4096)
    const err = typedFailure(() => protobufPeerInfo.decode(small))
    assert.ok(err instanceof SizeLimitError)
    assert.equal(err.details.actual, DEFAULT_MAX_MULTIADDRS + 1)
    // Duplicate keys collapse (last value wins) and count once.
    const dup = Buffer.concat(Array.from({ length: 100 }, (_, i) => hex(`1a060a01611201${(0x30 + (i % 10)).toString(16)}`)))
    assert.deepStrictEqual(protobufPeerInfo.decode(dup).metadata, { a: '9' })
  })

  it('PeerInfo: a field running past the end of a large input is a MalformedInputError', () => {
    const big = new Uint8Array(5000)
    big.set(protobufPeerInfo.encode({ peerId: new Uint8Array(4990), multiaddrs: [], metadata: {} }))
    assert.throws(() => protobufPeerInfo.decode(big), MalformedInputError)
  })

  it('the reused Writer never changes bytes it already returned, and survives a failed encode', () => {
    const s = createProtobufBlockSerializer()
    const first = s.encode(sampleBlock())
    const copy = Uint8Array.from(first)
    s.encode({ ...sampleBlock(), data: new Uint8Array(3 * 1024 * 1024).fill(1) })
    s.encode({ ...sampleBlock(), data: new Uint8Array(100).fill(2) })
    assert.deepEqual(first, copy)
    assert.throws(() => s.encode({ ...sampleBlock(), ttl: -1 }), InvalidValueError)
    assert.deepStrictEqual(s.decode(s.encode(sampleBlock())), sampleBlock())
    assert.equal(Object.getPrototypeOf(first), Uint8Array.prototype)
  })

  it('encode rejects invalid values with InvalidValueError naming the field', () => {
    const bad = { ...sampleBlock(), timestamp: MAX_U64 + 1n }
    assert.throws(() => protobufBlock.encode(bad), (err: unknown) => err instanceof InvalidValueError && err.details.field === 'Block.timestamp')
    const badPeer = { ...samplePeerInfo(), multiaddrs: [new Uint8Array(1), 'x'] } as unknown as PeerInfo
    assert.throws(() => protobufPeerInfo.encode(badPeer), (err: unknown) => err instanceof InvalidValueError && err.details.field === 'PeerInfo.multiaddrs[1]')
  })

  it('decode of a non-Uint8Array argument is an InvalidValueError', () => {
    assert.throws(() => protobufBlock.decode('0a00' as unknown as Uint8Array), InvalidValueError)
  })
})

describe('protobuf Block encoder (single allocation) vs the generated protobufjs code', () => {
  it('writes exactly the bytes protobufjs writes, for any Block', async () => {
    const { p2p } = await import('../../src/serialize/generated/protobuf/messages.js')
    const Generated = (p2p as unknown as { message: { Block: { encode (m: unknown): { finish (): Uint8Array } } } }).message.Block
    const toLong = (v: bigint): unknown => v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : { low: Number(v & 0xffffffffn) | 0, high: Number(v >> 32n) | 0, unsigned: true }
    fc.assert(fc.property(block, (b) => {
      const theirs = Generated.encode({ ...b, timestamp: toLong(b.timestamp) }).finish()
      assert.deepEqual(protobufBlock.encode(b), Uint8Array.from(theirs), 'same bytes')
    }), { numRuns: 300 })
    const big: Block = { ...sampleBlock(), data: new Uint8Array(1 << 20).fill(7), timestamp: MAX_U64 }
    assert.deepEqual(protobufBlock.encode(big), Uint8Array.from(Generated.encode({ ...big, timestamp: toLong(big.timestamp) }).finish()), '1 MiB, max uint64')
  })
})
