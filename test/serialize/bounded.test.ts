/**
 * Every decoder's work and output are bounded by its input (issue 9, defect
 * 1): for random and crafted inputs, decode either succeeds or throws a typed
 * wireseal error, and what it materialises (objects, arrays, strings, copied
 * bytes: {@link allocatedUnits}) stays under `4 * input + 256`. The JSON scan
 * also counts its own steps (at most one per input byte). No wall-clock
 * assertion anywhere: only counts.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import * as flatbuffers from 'flatbuffers'
import { MalformedInputError, SizeLimitError, WiresealError } from '../../src/errors.js'
import { BUILTIN_SERIALIZERS, createJsonSerializer, createMsgpackSerializer, createMsgpackStructuredSerializer, defineMessageType, flatbuffersPeerInfo, jsonBlock, jsonPeerInfo, msgpackBlock, protobufBlock, protobufPeerInfo } from '../../src/serialize/index.js'
import type { Serializer } from '../../src/serialize/types.js'
import { scanJson, type JsonScanMeter } from '../../src/serialize/json-scan.js'
import { JSON_MAX_DEPTH } from '../../src/serialize/json.js'
import { MetadataEntry as FbEntry, PeerInfo as FbPeerInfo } from '../../src/serialize/generated/flatbuffers/index.js'
import { block, peerInfo, typedFailure } from './arbitraries.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

/** A user type with every field kind (the schema-driven paths). */
const Every = defineMessageType({
  id: 1001,
  name: 'Every',
  fields: { b: 'bytes', s: 'string', u: 'uint32', w: 'uint64', f: 'bool', l: { kind: 'list', of: 'string', maxItems: 32 }, m: { kind: 'map', maxEntries: 32 } }
})
const everySerializers: Array<Serializer<unknown>> = [
  createJsonSerializer(Every, { id: 140 }),
  createMsgpackSerializer(Every, { id: 141 }),
  createMsgpackSerializer(Every, { id: 142, fastPath: false }),
  createMsgpackStructuredSerializer(Every, { version: 3, id: 143 })
] as Array<Serializer<unknown>>

const ALL: Array<Serializer<unknown>> = [...BUILTIN_SERIALIZERS as Array<Serializer<unknown>>, ...everySerializers]

/**
 * What a decoded value holds, in units: 1 per object, array, scalar and byte
 * view into the input; a string's length; a byte array's length when it is a
 * copy (not a view into `input`).
 */
function allocatedUnits (v: unknown, input: Uint8Array): number {
  if (typeof v === 'string') return 1 + v.length
  if (v instanceof Uint8Array) return v.buffer === input.buffer ? 1 : 1 + v.length
  if (Array.isArray(v)) return v.reduce((sum: number, x) => sum + allocatedUnits(x, input), 1)
  if (v !== null && typeof v === 'object') return Object.values(v).reduce((sum: number, x) => sum + allocatedUnits(x, input), 1)
  return 1
}

/** Decodes `bytes`: success within the output bound, or a typed failure. */
function boundedDecode (s: Serializer<unknown>, bytes: Uint8Array): void {
  let value: unknown
  const failure = typedFailure(() => { value = s.decode(bytes) })
  if (failure !== undefined) return
  const units = allocatedUnits(value, bytes)
  assert.ok(units <= 4 * bytes.length + 256, `${s.name}/${s.type.name}: ${units} units decoded from ${bytes.length} bytes`)
}

/** Bytes biased towards each format's structural bytes (container headers, tags, offsets). */
const structural = fc.array(fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x00, 0x0a, 0x12, 0x1a, 0x22, 0x2a, 0x3b, 0x3c, 0x80, 0x81, 0x8f, 0x90, 0x9f, 0xa0, 0xc4, 0xdc, 0xdd, 0xde, 0xdf, 0xff),
  fc.constantFrom(...utf8('{}[]",:\\ 0123456789-.eEtrufalsn'))
), { maxLength: 300 }).map((a) => Uint8Array.from(a))

/** A valid encoding of a random value with a few bytes replaced (mutations keep most of the structure). */
function mutated (s: Serializer<unknown>): fc.Arbitrary<Uint8Array> {
  const values = s.type.name === 'Block' ? block : s.type.name === 'PeerInfo' ? peerInfo : fc.constant({ b: new Uint8Array(3), s: 'x', u: 1, w: 2n, f: true, l: ['a', 'b'], m: { k: 'v' } })
  return fc.tuple(values, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })).map(([v, edits]) => {
    const out = new Uint8Array(s.encode(v))
    for (const [at, byte] of edits) if (out.length > 0) out[at % out.length] = byte
    return out
  })
}

describe('every decoder: success or a typed error, output bounded by 4 x input + 256', () => {
  for (const s of ALL) {
    it(`${s.name}/${s.type.name} (id ${s.id}): structural garbage and mutated encodings`, () => {
      fc.assert(fc.property(fc.oneof(structural, mutated(s)), (bytes) => { boundedDecode(s, bytes) }), { numRuns: 300 })
    })
  }
})

describe('json: the pre-scan bounds depth and counts at the first offending byte', () => {
  const limits = { maxDepth: JSON_MAX_DEPTH, maxTopEntries: 22, maxNestedItems: 64 }

  it('10 MiB of `[` is refused at byte 0, reading one byte (the issue 9 payload)', () => {
    const meter: JsonScanMeter = { pos: -1, steps: -1 }
    const err = typedFailure(() => { scanJson('json/Block', new Uint8Array(10 * 1024 * 1024).fill(0x5b), limits, meter) })
    assert.ok(err instanceof MalformedInputError)
    assert.equal(meter.pos, 0)
    assert.ok(meter.steps <= 1)
    assert.ok(typedFailure(() => jsonBlock.decode(new Uint8Array(10 * 1024 * 1024).fill(0x5b))) instanceof MalformedInputError)
  })

  it('one container deeper than the limit is a SizeLimitError (depth) at the byte that opens it, whatever follows', () => {
    // 1 MiB of invalid bytes after the offending `[`: never read.
    const head = utf8('{"future":{"x":[')
    const bytes = new Uint8Array(head.length + 1 + (1 << 20)).fill(0xff)
    bytes.set(head)
    bytes[head.length] = 0x5b
    const meter: JsonScanMeter = { pos: -1, steps: -1 }
    const err = typedFailure(() => { scanJson('json/Block', bytes, limits, meter) })
    assert.ok(err instanceof SizeLimitError)
    assert.deepEqual(err.details, { quantity: 'depth', limit: JSON_MAX_DEPTH, actual: JSON_MAX_DEPTH + 1 })
    assert.equal(meter.pos, head.length)
    assert.ok(meter.steps <= head.length + 1)
    // the same through the serializer
    const viaDecode = typedFailure(() => jsonBlock.decode(bytes))
    assert.ok(viaDecode instanceof SizeLimitError && viaDecode.details.quantity === 'depth')
  })

  it('the element after the limit is refused before the rest is read (SizeLimitError naming the limit)', () => {
    const text = '{"peerId":"","multiaddrs":[' + '"",'.repeat(100_000) + '""],"metadata":{}}'
    const meter: JsonScanMeter = { pos: -1, steps: -1 }
    const err = typedFailure(() => { scanJson('json/PeerInfo', utf8(text), limits, meter) })
    assert.ok(err instanceof SizeLimitError)
    assert.deepEqual(err.details, { quantity: 'field', limit: 64, actual: 65 })
    assert.ok(meter.pos < 27 + 65 * 3 + 1, `stopped at byte ${meter.pos}`)
    assert.ok(typedFailure(() => jsonPeerInfo.decode(utf8(text))) instanceof SizeLimitError)
  })

  it('property: the scan accepts what JSON.parse accepts (object top level, within limits), and takes at most one step per byte', () => {
    const doc = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 10 })
    fc.assert(fc.property(fc.oneof(doc.map((d) => JSON.stringify(d, null, 1)), fc.json({ maxDepth: 3 }), fc.string({ unit: fc.constantFrom(...'{}[]",:\\ 0123456789-.eEtrufalsn\n'), maxLength: 40 })), (text) => {
      const bytes = utf8(text)
      const meter: JsonScanMeter = { pos: -1, steps: -1 }
      let parsed: unknown
      let parses = true
      try { parsed = JSON.parse(text) } catch { parses = false }
      const err = typedFailure(() => { scanJson('json/test', bytes, limits, meter) })
      assert.ok(meter.steps <= bytes.length + 1, `${meter.steps} steps for ${bytes.length} bytes`)
      if (err === undefined) {
        // whatever the scan passes, JSON.parse accepts as an object
        assert.ok(parses, text)
        assert.ok(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), text)
      } else if (err instanceof MalformedInputError) {
        // a grammar refusal means JSON.parse refuses too, or the top level is not an object
        assert.ok(!parses || parsed === null || typeof parsed !== 'object' || Array.isArray(parsed), `${text}: ${err.message}`)
      } else {
        assert.ok(err instanceof SizeLimitError)
        assert.ok(parses, text)
      }
    }), { numRuns: 2000 })
  })
})

describe('msgpack, protobuf, flatbuffers: the amplification cases, refused by count', () => {
  it('protobuf Block: 1 MiB of repeated empty `hash` fields is a SizeLimitError, not 500k views', () => {
    const bytes = new Uint8Array(1 << 20)
    for (let i = 0; i < bytes.length; i += 2) bytes[i] = 0x0a
    const err = typedFailure(() => protobufBlock.decode(bytes))
    assert.ok(err instanceof SizeLimitError && err.details.quantity === 'field', String(err))
  })

  it('protobuf: 1 MiB of a repeated uint64, of unknown varints, of 10-byte unknown varints, of peer_id: SizeLimitError at the 17th field', () => {
    const fill = (unit: number[]): Uint8Array => {
      const out = new Uint8Array((1 << 20) - ((1 << 20) % unit.length))
      for (let i = 0; i < out.length; i += unit.length) out.set(unit, i)
      return out
    }
    const cases: Array<[Serializer<unknown>, number[]]> = [
      [protobufBlock, [0x18, 0x01]], // timestamp = 1
      [protobufBlock, [0x20, 0x01]], // ttl = 1
      [protobufBlock, [0x78, 0x00]], // unknown field 15
      [protobufBlock, [0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
      [protobufPeerInfo, [0x0a, 0x00]], // peer_id
      [protobufPeerInfo, [0x78, 0x00]]
    ] as Array<[Serializer<unknown>, number[]]>
    for (const [s, unit] of cases) {
      const err = typedFailure(() => s.decode(fill(unit)))
      assert.ok(err instanceof SizeLimitError, `${s.type.name} ${unit.join(' ')}: ${String(err)}`)
      assert.deepEqual(err.details, { quantity: 'field', limit: 16, actual: 17 })
    }
  })

  it('protobuf: groups are refused in unknown fields too, small or large, nested or not', () => {
    for (const s of [protobufBlock, protobufPeerInfo] as Array<Serializer<unknown>>) {
      // field 9 start group, field 9 end group
      assert.ok(typedFailure(() => s.decode(Uint8Array.of(0x4b, 0x4c))) instanceof MalformedInputError, s.type.name)
      const nested = new Uint8Array(10_000).fill(0x4b)
      assert.ok(typedFailure(() => s.decode(nested)) instanceof MalformedInputError, s.type.name)
    }
  })

  it('protobuf: a skipped varint of 1 MiB of continuation bytes is refused after 10 bytes', () => {
    const bytes = new Uint8Array(1 << 20).fill(0x80)
    bytes[0] = 0x48 // field 9, varint
    bytes[bytes.length - 1] = 0x01
    for (const s of [protobufBlock, protobufPeerInfo] as Array<Serializer<unknown>>) {
      assert.ok(typedFailure(() => s.decode(bytes)) instanceof MalformedInputError, s.type.name)
      assert.ok(typedFailure(() => s.decode(bytes.subarray(0, 4000))) instanceof MalformedInputError, s.type.name)
    }
  })

  it('flatbuffers PeerInfo: 64 metadata values aliasing one 256 KiB string are refused (they would decode to 16 MiB)', () => {
    const b = new flatbuffers.Builder(1024)
    const big = b.createString('x'.repeat(256 * 1024))
    const entries = Array.from({ length: 64 }, (_, i) => {
      const k = b.createString(`k${i}`)
      FbEntry.startMetadataEntry(b)
      FbEntry.addKey(b, k)
      FbEntry.addValue(b, big)
      return FbEntry.endMetadataEntry(b)
    })
    const metadata = FbPeerInfo.createMetadataVector(b, entries)
    FbPeerInfo.startPeerInfo(b)
    FbPeerInfo.addMetadata(b, metadata)
    b.finish(FbPeerInfo.endPeerInfo(b))
    const bytes = b.asUint8Array()
    assert.ok(bytes.length < 300 * 1024)
    const err = typedFailure(() => flatbuffersPeerInfo.decode(bytes))
    assert.ok(err instanceof MalformedInputError, String(err))
  })

  it('msgpack: a 10 MiB map of empty entries is refused from its header', () => {
    const bytes = new Uint8Array(10 * 1024 * 1024)
    bytes.set([0xdf, 0x00, 0x50, 0x00, 0x00])
    const err = typedFailure(() => msgpackBlock.decode(bytes))
    assert.ok(err instanceof SizeLimitError, String(err))
  })

  it('every typed refusal above is a WiresealError (never a RangeError or TypeError)', () => {
    for (const s of ALL) assert.ok(typedFailure(() => s.decode(new Uint8Array(64).fill(0x5b))) instanceof WiresealError)
  })
})
