import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Packr, pack } from 'msgpackr'
import { createMsgpackSerializer, msgpackBlock, msgpackPeerInfo } from '../../src/serialize/msgpack.js'
import { createMsgpackStructuredSerializer } from '../../src/serialize/msgpack-structured.js'
import { BlockType, PeerInfoType } from '../../src/serialize/messages.js'
import { InvalidConfigError, MalformedInputError, SizeLimitError, UnknownCodecError } from '../../src/errors.js'
import { block, peerInfo, sampleBlock, samplePeerInfo, typedFailure } from './arbitraries.js'

const hex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'))
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const str = (s: string): string => { const b = Buffer.from(s); return (0xa0 | b.length).toString(16) + b.toString('hex') }

/** A msgpack map of the sample Block written by another encoder (msgpackr defaults), with `over` replacing fields. */
function foreignBlock (over: Record<string, unknown> = {}, drop: string[] = []): Uint8Array {
  const b: Record<string, unknown> = { ...sampleBlock(), timestamp: Number(sampleBlock().timestamp), ...over }
  for (const k of drop) Reflect.deleteProperty(b, k)
  return pack(b)
}

function naming (text: string) {
  return (err: unknown): boolean => err instanceof MalformedInputError && err.details.reason.includes(text)
}

function malformedNaming (field: string) {
  return (err: unknown): boolean => err instanceof MalformedInputError && err.details.reason.includes(field)
}

describe('msgpack (plain, interoperable)', () => {
  it('encodes the sample Block to the expected map (spec-computed bytes)', () => {
    // fixmap 6 | fixstr key, value ... ; bin 8 for bytes; int 64 (d3) for a bigint timestamp above 2^32; uint 16 for 300
    const expected = '86' +
      str('hash') + 'c4020102' +
      str('data') + 'c403616263' +
      str('timestamp') + 'd30000018bcfe56800' +
      str('ttl') + 'cd012c' +
      str('version') + '01' +
      str('signature') + 'c401ff'
    assert.equal(toHex(msgpackBlock.encode(sampleBlock())), expected)
  })

  it('encodes small uint64 values in the shortest integer format', () => {
    const b = { ...sampleBlock(), timestamp: 5n }
    assert.ok(toHex(msgpackBlock.encode(b)).includes(str('timestamp') + '05'))
  })

  it('decodes what another encoder wrote: any integer width, any key order, unknown keys ignored', () => {
    for (const timestamp of [0, 200, 70_000, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      const bytes = foreignBlock({ timestamp, extra: [1, 'two'], more: { a: 1 } })
      assert.equal(msgpackBlock.decode(bytes).timestamp, BigInt(timestamp))
    }
    const reordered = new Packr({ useRecords: false }).pack({ signature: new Uint8Array([0xff]), version: 1, ttl: 300, timestamp: 1_700_000_000_000, data: Buffer.from('abc'), hash: new Uint8Array([1, 2]) })
    assert.deepStrictEqual(msgpackBlock.decode(reordered), sampleBlock())
  })

  it('its output is readable by a generic msgpack decoder', () => {
    fc.assert(fc.property(peerInfo, (p) => {
      const generic = new Packr({ useRecords: false, mapsAsObjects: true }).unpack(msgpackPeerInfo.encode(p))
      assert.deepEqual(Object.keys(generic), ['peerId', 'multiaddrs', 'metadata'])
      assert.deepEqual(generic.metadata, p.metadata)
    }), { numRuns: 50 })
  })

  it('rejects missing and mistyped fields, naming the field', () => {
    assert.throws(() => msgpackBlock.decode(foreignBlock({}, ['ttl'])), malformedNaming('missing field Block.ttl'))
    assert.throws(() => msgpackBlock.decode(foreignBlock({ ttl: '300' })), malformedNaming('Block.ttl'))
    assert.throws(() => msgpackBlock.decode(foreignBlock({ ttl: 2 ** 32 })), malformedNaming('Block.ttl'))
    assert.throws(() => msgpackBlock.decode(foreignBlock({ timestamp: -1 })), malformedNaming('Block.timestamp'))
    assert.throws(() => msgpackBlock.decode(foreignBlock({ timestamp: 1.5 })), malformedNaming('Block.timestamp'))
    assert.throws(() => msgpackBlock.decode(foreignBlock({ timestamp: 2 ** 60 })), malformedNaming('Block.timestamp'))
    assert.throws(() => msgpackBlock.decode(foreignBlock({ timestamp: -5n })), malformedNaming('Block.timestamp'))
    assert.throws(() => msgpackBlock.decode(foreignBlock({ hash: 'AQI=' })), malformedNaming('Block.hash'))
    assert.throws(() => msgpackPeerInfo.decode(pack({ ...samplePeerInfo(), multiaddrs: [new Uint8Array(1), 7] })), malformedNaming('PeerInfo.multiaddrs[1]'))
    assert.throws(() => msgpackPeerInfo.decode(pack({ ...samplePeerInfo(), metadata: { a: 1 } })), malformedNaming('PeerInfo.metadata["a"]'))
    assert.throws(() => msgpackPeerInfo.decode(pack({ ...samplePeerInfo(), metadata: [] })), malformedNaming('PeerInfo.metadata'))
  })

  it('rejects reserved metadata keys (msgpackr would silently rename __proto__)', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const bytes = hex('83' + str('peerId') + 'c400' + str('multiaddrs') + '90' + str('metadata') + '81' + str(key) + str('x'))
      assert.throws(() => msgpackPeerInfo.decode(bytes), MalformedInputError, key)
    }
  })

  const malformed: Array<[string, string]> = [
    ['empty input', ''],
    ['top level not a map', '93010203'],
    ['truncated map', '86' + str('hash')],
    ['bin 32 claiming 0xffffffff bytes', '81' + str('hash') + 'c6ffffffff00'],
    ['str 32 claiming 0xffffffff bytes', '81' + str('hash') + 'dbffffffff00'],
    ['extension type (fixext 1)', '81' + str('hash') + 'd40100'],
    ['msgpackr record definition (fixext 1, type 0x72)', 'd47240' + '9101' + '40' + '01'],
    ['timestamp extension (ext -1)', '81' + str('timestamp') + 'd6ff00000000'],
    ['reserved byte 0xc1', '81' + str('hash') + 'c1'],
    ['a map key that is not a str', '810102'],
    ['trailing data', '80' + '00']
  ]
  for (const [name, h] of malformed) {
    it(`rejects ${name} with MalformedInputError`, () => {
      assert.throws(() => msgpackBlock.decode(hex(h)), MalformedInputError)
    })
  }

  it('rejects nesting deeper than two levels with SizeLimitError naming the depth limit', () => {
    assert.throws(() => msgpackBlock.decode(hex('81' + str('multiaddrs') + '919190')),
      (err: unknown) => err instanceof SizeLimitError && err.details.quantity === 'depth' && err.details.limit === 2 && err.details.actual === 3)
  })

  it('rejects invalid UTF-8 in str values and in metadata keys', () => {
    const peer = (meta: string): Uint8Array => hex('83' + str('peerId') + 'c400' + str('multiaddrs') + '90' + str('metadata') + meta)
    assert.doesNotThrow(() => msgpackPeerInfo.decode(peer('81a161a162')))
    assert.throws(() => msgpackPeerInfo.decode(peer('81a2c328a162')), naming('invalid UTF-8'))
    assert.throws(() => msgpackPeerInfo.decode(peer('81a161a2c328')), naming('invalid UTF-8'))
    assert.throws(() => msgpackPeerInfo.decode(peer('8101a162')), naming('not a string'))
  })

  it('rejects an array 32 claim beyond the input with MalformedInputError', () => {
    assert.throws(() => msgpackPeerInfo.decode(hex('81' + str('multiaddrs') + 'dd0000003f00')), MalformedInputError)
  })

  it('refuses oversized collection claims from the header, before reading elements (SizeLimitError)', () => {
    const addrs = hex('83' + str('peerId') + 'c400' + str('multiaddrs') + 'ddffffffff')
    const err = typedFailure(() => msgpackPeerInfo.decode(addrs))
    assert.ok(err instanceof SizeLimitError)
    assert.deepEqual(err.details, { quantity: 'field', limit: 64, actual: 0xffff_ffff })
    assert.throws(() => msgpackPeerInfo.decode(hex('dfffffffff')), SizeLimitError)
    // Unknown fields get bounded room too.
    assert.throws(() => msgpackBlock.decode(hex('81' + str('future') + 'dc0011' + '00'.repeat(17))), SizeLimitError)
    const tooMany = pack({ peerId: new Uint8Array(0), multiaddrs: Array.from({ length: 65 }, () => new Uint8Array(0)), metadata: {} })
    assert.throws(() => msgpackPeerInfo.decode(tooMany), SizeLimitError)
  })

  it('garbage and truncation never escape as non-wireseal errors; strict prefixes always fail', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (g) => {
      typedFailure(() => msgpackBlock.decode(g))
      typedFailure(() => msgpackPeerInfo.decode(g))
    }), { numRuns: 500 })
    fc.assert(fc.property(block, (b) => {
      const bytes = msgpackBlock.encode(b)
      for (let n = 0; n < bytes.length; n += Math.max(1, bytes.length >> 5)) {
        assert.ok(typedFailure(() => msgpackBlock.decode(bytes.subarray(0, n))) !== undefined)
      }
    }), { numRuns: 40 })
  })

  it('does not attach properties to the caller\'s input array', () => {
    const bytes = new Uint8Array(msgpackBlock.encode(sampleBlock()))
    msgpackBlock.decode(bytes)
    assert.deepEqual(Object.keys(bytes).filter((k) => !/^\d+$/.test(k)), [])
  })

  it('createMsgpackSerializer works for any schema type', () => {
    const s = createMsgpackSerializer(BlockType, { id: 200 })
    assert.equal(s.id, 200)
    assert.deepStrictEqual(s.decode(s.encode(sampleBlock())), sampleBlock())
  })
})

describe('msgpackStructured (shared structures, versioned)', () => {
  const v1 = createMsgpackStructuredSerializer(BlockType, { version: 1 })
  const otherPeerV1 = createMsgpackStructuredSerializer(BlockType, { version: 1 })
  const v2 = createMsgpackStructuredSerializer(BlockType, { version: 2 })

  it('writes the version (uint16 BE) then a record of structure 0, without field names', () => {
    const bytes = v1.encode(sampleBlock())
    assert.equal(toHex(bytes.subarray(0, 3)), '000140')
    assert.ok(!Buffer.from(bytes).includes(Buffer.from('timestamp')))
    assert.ok(bytes.length < msgpackBlock.encode(sampleBlock()).length)
    // Map fields stay plain msgpack maps inside the record (no second structure).
    const p = createMsgpackStructuredSerializer(PeerInfoType, { version: 1 })
    const pBytes = p.encode({ peerId: new Uint8Array([9]), multiaddrs: [], metadata: { a: 'b' } })
    assert.equal(toHex(pBytes), '000140' + 'c40109' + '90' + '81' + str('a') + str('b'))
  })

  it('a peer with a different structure version gets UnknownCodecError, never a misread', () => {
    const err = typedFailure(() => v2.decode(v1.encode(sampleBlock())))
    assert.ok(err instanceof UnknownCodecError)
    assert.deepEqual(err.details, { kind: 'serializer', id: 'msgpackStructured/v1' })
  })

  it('two independent instances with the same version interoperate (nothing learned at run time)', () => {
    const a = createMsgpackStructuredSerializer(PeerInfoType, { version: 9 })
    const b = createMsgpackStructuredSerializer(PeerInfoType, { version: 9 })
    fc.assert(fc.property(peerInfo, (p) => {
      assert.deepStrictEqual(b.decode(a.encode(p)), p)
    }), { numRuns: 100 })
    fc.assert(fc.property(block, (x) => {
      assert.deepStrictEqual(otherPeerV1.decode(v1.encode(x)), x)
    }), { numRuns: 50 })
  })

  it('rejects plain msgpack, other records, nested records and truncation', () => {
    assert.throws(() => v1.decode(hex('0001' + toHex(msgpackBlock.encode(sampleBlock())))), MalformedInputError)
    assert.throws(() => v1.decode(hex('000141')), MalformedInputError)
    assert.throws(() => v1.decode(hex('00')), MalformedInputError)
    const good = v1.encode(sampleBlock())
    for (let n = 0; n < good.length; n++) assert.ok(typedFailure(() => v1.decode(good.subarray(0, n))) !== undefined)
    // record whose first value is a nested record reference
    assert.throws(() => v1.decode(hex('000140' + '40' + 'c400'.repeat(5))), MalformedInputError)
    fc.assert(fc.property(fc.uint8Array({ maxLength: 48 }), (g) => {
      typedFailure(() => v1.decode(Uint8Array.of(0, 1, ...g)))
    }), { numRuns: 300 })
  })

  it('validates the version option', () => {
    for (const version of [-1, 65_536, 1.5, Number.NaN]) {
      assert.throws(() => createMsgpackStructuredSerializer(BlockType, { version }), InvalidConfigError)
    }
    assert.equal(createMsgpackStructuredSerializer(BlockType, { version: 65_535 }).structureVersion, 65_535)
  })
})
