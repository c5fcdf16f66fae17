/**
 * The protobuf decoders' work is bounded by the input (issue 9): each
 * singular field at most MAX_SINGULAR_REPEATS times, at most
 * MAX_UNKNOWN_FIELDS unknown fields, PeerInfo's collections at their limits,
 * all checked as each tag is read. Work is counted structurally (tags read,
 * from the decoder's meter), never timed.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { DEFAULT_MAX_METADATA_ENTRIES, DEFAULT_MAX_MULTIADDRS } from '../../src/limits.js'
import type { Block, PeerInfo } from '../../src/serialize/messages.js'
import { protobufBlock, protobufPeerInfo } from '../../src/serialize/protobuf.js'
import {
  MAX_BLOCK_FIELDS, MAX_METADATA_ENTRY_FIELDS, MAX_PEER_INFO_FIELDS, decodeBlock, decodePeerInfo
} from '../../src/serialize/protobuf-decode.js'
import { MAX_SINGULAR_REPEATS, MAX_UNKNOWN_FIELDS, type ProtobufWorkMeter } from '../../src/serialize/protobuf-wire.js'
import { block, metadataKey, peerInfo, sampleBlock, samplePeerInfo, text, typedFailure, uint64 } from './arbitraries.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const MIB = 1 << 20

/** Minimal varint of a non-negative bigint (protobuf encoding spec, "Base 128 Varints"). */
function varint (v: bigint): number[] {
  const out: number[] = []
  while (v >= 128n) {
    out.push(Number(v & 127n) | 128)
    v >>= 7n
  }
  out.push(Number(v))
  return out
}

/** One wire field: a varint (wire type 0), 8 or 4 raw bytes (1, 5), or length-delimited bytes (2). */
type Wire = { no: number, wt: 0, v: bigint } | { no: number, wt: 1 | 2 | 5, v: Uint8Array }

function encodeFields (fields: readonly Wire[]): Uint8Array {
  const out: number[] = []
  for (const f of fields) {
    out.push(...varint(BigInt(f.no) * 8n + BigInt(f.wt)))
    if (f.wt === 0) out.push(...varint(f.v))
    else {
      if (f.wt === 2) out.push(...varint(BigInt(f.v.length)))
      out.push(...f.v)
    }
  }
  return Uint8Array.from(out)
}

/** `unit` repeated to fill exactly `size` bytes (`size` a multiple of its length). */
function filled (size: number, unit: readonly number[]): Uint8Array {
  const out = new Uint8Array(size)
  for (let i = 0; i + unit.length <= size; i += unit.length) out.set(unit, i)
  return out
}

function meterOf (decode: (b: Uint8Array, m: ProtobufWorkMeter) => unknown, bytes: Uint8Array): { meter: ProtobufWorkMeter, err: ReturnType<typeof typedFailure> } {
  const meter: ProtobufWorkMeter = { fields: -1, pos: -1 }
  const err = typedFailure(() => decode(bytes, meter))
  return { meter, err }
}

function assertLimit (err: unknown, limit: number, actual: number): void {
  assert.ok(err instanceof SizeLimitError, String(err))
  assert.deepEqual(err.details, { quantity: 'field', limit, actual })
}

const LONG_UNKNOWN = [0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]

describe('protobuf Block: each crafted input of the worst-case suite is refused after a constant number of tags', () => {
  // The inputs of bench/worst-case-payloads.ts, built here independently, at 1 MiB.
  const crafted: Array<[string, Uint8Array, number]> = [
    ['repeated-uint64 (timestamp = 1, `18 01`)', filled(MIB, [0x18, 0x01]), MAX_SINGULAR_REPEATS],
    ['unknown-varints (field 15 = 0, `78 00`)', filled(MIB, [0x78, 0x00]), MAX_UNKNOWN_FIELDS],
    ['unknown-long-varints (field 15, 10-byte varints)', filled(MIB - (MIB % 11), LONG_UNKNOWN), MAX_UNKNOWN_FIELDS],
    ['empty-bytes-fields (hash of length 0, `0a 00`)', filled(MIB, [0x0a, 0x00]), MAX_SINGULAR_REPEATS]
  ]
  for (const [name, bytes, limit] of crafted) {
    it(name, () => {
      const { meter, err } = meterOf(decodeBlock, bytes)
      assertLimit(err, limit, limit + 1)
      assert.equal(meter.fields, limit + 1, 'tags read')
      assert.ok(meter.pos <= (limit + 1) * 11, `stopped at byte ${meter.pos} of ${bytes.length}`)
      assertLimit(typedFailure(() => protobufBlock.decode(bytes)), limit, limit + 1)
    })
  }

  it('every singular field (hash, data, timestamp, ttl, version, signature) is refused at its 17th occurrence, whatever follows', () => {
    for (const unit of [[0x0a, 0x00], [0x12, 0x00], [0x18, 0x01], [0x20, 0x01], [0x28, 0x01], [0x32, 0x00]]) {
      const bytes = filled(64 * 1024, unit)
      // An invalid byte after the 17th occurrence is never reached.
      bytes[2 * (MAX_SINGULAR_REPEATS + 1)] = 0x0e
      const { meter, err } = meterOf(decodeBlock, bytes)
      assertLimit(err, MAX_SINGULAR_REPEATS, MAX_SINGULAR_REPEATS + 1)
      assert.equal(meter.fields, MAX_SINGULAR_REPEATS + 1, unit.join(' '))
    }
  })

  it('the budgets are per field: 16 of each known field and 16 unknown fields decode (last one wins), one more is refused', () => {
    const fields: Wire[] = []
    for (let i = 1; i <= MAX_SINGULAR_REPEATS; i++) {
      fields.push({ no: 1, wt: 2, v: Uint8Array.of(i) }, { no: 2, wt: 2, v: Uint8Array.of(i, i) }, { no: 3, wt: 0, v: BigInt(i) },
        { no: 4, wt: 0, v: BigInt(i) }, { no: 5, wt: 0, v: BigInt(i) }, { no: 6, wt: 2, v: Uint8Array.of(i) }, { no: 100 + i, wt: 0, v: 0n })
    }
    const bytes = encodeFields(fields)
    const meter: ProtobufWorkMeter = { fields: -1, pos: -1 }
    const n = MAX_SINGULAR_REPEATS
    assert.deepStrictEqual(decodeBlock(bytes, meter), {
      hash: Uint8Array.of(n), data: Uint8Array.of(n, n), timestamp: BigInt(n), ttl: n, version: n, signature: Uint8Array.of(n)
    })
    assert.equal(meter.fields, 7 * n)
    assert.equal(meter.fields, MAX_BLOCK_FIELDS - 1, 'the largest accepted Block reads MAX_BLOCK_FIELDS - 1 tags')
    assertLimit(typedFailure(() => decodeBlock(encodeFields([...fields, { no: 4, wt: 0, v: 1n }]))), n, n + 1)
    assertLimit(typedFailure(() => decodeBlock(encodeFields([...fields, { no: 99, wt: 2, v: new Uint8Array(0) }]))), MAX_UNKNOWN_FIELDS, MAX_UNKNOWN_FIELDS + 1)
  })

  it('proto3 merge: two concatenated canonical Blocks decode to the second over the first', () => {
    fc.assert(fc.property(block, block, (a, b) => {
      const both = new Uint8Array([...protobufBlock.encode(a), ...protobufBlock.encode(b)])
      const merged: Block = {
        hash: b.hash.length > 0 ? b.hash : a.hash,
        data: b.data.length > 0 ? b.data : a.data,
        timestamp: b.timestamp !== 0n ? b.timestamp : a.timestamp,
        ttl: b.ttl !== 0 ? b.ttl : a.ttl,
        version: b.version !== 0 ? b.version : a.version,
        signature: b.signature.length > 0 ? b.signature : a.signature
      }
      assert.deepStrictEqual(protobufBlock.decode(both), merged)
    }), { numRuns: 100 })
  })

  it('a canonical Block costs one tag per non-default field', () => {
    fc.assert(fc.property(block, (b) => {
      const meter: ProtobufWorkMeter = { fields: -1, pos: -1 }
      assert.deepStrictEqual(decodeBlock(protobufBlock.encode(b), meter), b)
      const present = [b.hash.length > 0, b.data.length > 0, b.timestamp !== 0n, b.ttl !== 0, b.version !== 0, b.signature.length > 0]
      assert.equal(meter.fields, present.filter(Boolean).length)
    }), { numRuns: 200 })
    const meter: ProtobufWorkMeter = { fields: -1, pos: -1 }
    decodeBlock(protobufBlock.encode(sampleBlock()), meter)
    assert.deepEqual(meter, { fields: 6, pos: protobufBlock.encode(sampleBlock()).length })
  })
})

describe('protobuf PeerInfo: the same budgets, in map entries too', () => {
  it('repeated peer_id, unknown fields, and entries of repeated keys are refused after a constant number of tags', () => {
    const peerIds = filled(MIB, [0x0a, 0x00])
    let r = meterOf(decodePeerInfo, peerIds)
    assertLimit(r.err, MAX_SINGULAR_REPEATS, MAX_SINGULAR_REPEATS + 1)
    assert.equal(r.meter.fields, MAX_SINGULAR_REPEATS + 1)

    r = meterOf(decodePeerInfo, filled(MIB, [0x78, 0x00]))
    assertLimit(r.err, MAX_UNKNOWN_FIELDS, MAX_UNKNOWN_FIELDS + 1)
    assert.equal(r.meter.fields, MAX_UNKNOWN_FIELDS + 1)

    // One map entry whose body is 1 MiB of empty keys: refused at the 17th key, inside the entry.
    const entry = new Uint8Array(4 + MIB)
    entry.set([0x1a, 0x80, 0x80, 0x40]) // field 3, length 2^20
    entry.set(filled(MIB, [0x0a, 0x00]), 4)
    r = meterOf(decodePeerInfo, entry)
    assertLimit(r.err, MAX_SINGULAR_REPEATS, MAX_SINGULAR_REPEATS + 1)
    assert.equal(r.meter.fields, 1 + MAX_SINGULAR_REPEATS + 1)

    // Unknown fields inside entries count towards the message's budget.
    const unknownInEntries = filled(64 * 1024, [0x1a, 0x02, 0x78, 0x00])
    r = meterOf(decodePeerInfo, unknownInEntries)
    assertLimit(r.err, MAX_UNKNOWN_FIELDS, MAX_UNKNOWN_FIELDS + 1)
    assert.equal(r.meter.fields, 2 * (MAX_UNKNOWN_FIELDS + 1))
    assertLimit(typedFailure(() => protobufPeerInfo.decode(unknownInEntries)), MAX_UNKNOWN_FIELDS, MAX_UNKNOWN_FIELDS + 1)
  })

  it('duplicate map keys: last value wins, at most MAX_METADATA_ENTRY_FIELDS entries', () => {
    // `1a 00`: an empty entry, key "" = "" (legal); 1 MiB of them.
    const empties = filled(MIB, [0x1a, 0x00])
    const r = meterOf(decodePeerInfo, empties)
    assertLimit(r.err, MAX_METADATA_ENTRY_FIELDS, MAX_METADATA_ENTRY_FIELDS + 1)
    assert.equal(r.meter.fields, MAX_METADATA_ENTRY_FIELDS + 1)
    assert.deepStrictEqual(decodePeerInfo(empties.subarray(0, 2 * MAX_METADATA_ENTRY_FIELDS)), { peerId: new Uint8Array(0), multiaddrs: [], metadata: { '': '' } })
  })

  it('multiaddrs and distinct keys are refused one past their limits, before the rest is read', () => {
    const many = filled(MIB, [0x12, 0x00])
    let r = meterOf(decodePeerInfo, many)
    assertLimit(r.err, DEFAULT_MAX_MULTIADDRS, DEFAULT_MAX_MULTIADDRS + 1)
    assert.equal(r.meter.fields, DEFAULT_MAX_MULTIADDRS + 1)

    const entries: Wire[] = Array.from({ length: 5000 }, (_, i) => ({ no: 3, wt: 2, v: encodeFields([{ no: 1, wt: 2, v: utf8(`k${i}`) }]) }))
    r = meterOf(decodePeerInfo, encodeFields(entries))
    assertLimit(r.err, DEFAULT_MAX_METADATA_ENTRIES, DEFAULT_MAX_METADATA_ENTRIES + 1)
    assert.equal(r.meter.fields, 2 * (DEFAULT_MAX_METADATA_ENTRIES + 1))
  })

  it('a canonical PeerInfo costs one tag per field and per map entry field', () => {
    fc.assert(fc.property(peerInfo, (p) => {
      const meter: ProtobufWorkMeter = { fields: -1, pos: -1 }
      assert.deepStrictEqual(decodePeerInfo(protobufPeerInfo.encode(p), meter), p)
      // protobufjs writes a map entry's key and value even when empty.
      const expected = (p.peerId.length > 0 ? 1 : 0) + p.multiaddrs.length + 3 * Object.keys(p.metadata).length
      assert.equal(meter.fields, expected)
    }), { numRuns: 200 })
    assert.deepStrictEqual(decodePeerInfo(protobufPeerInfo.encode(samplePeerInfo())), samplePeerInfo())
  })

  it('an entry key of invalid UTF-8, a reserved key, or a known field with another wire type is a MalformedInputError', () => {
    assert.ok(typedFailure(() => decodePeerInfo(Uint8Array.of(0x1a, 0x04, 0x0a, 0x02, 0xc3, 0x28))) instanceof MalformedInputError)
    assert.ok(typedFailure(() => decodePeerInfo(encodeFields([{ no: 3, wt: 2, v: encodeFields([{ no: 1, wt: 2, v: utf8('__proto__') }]) }]))) instanceof MalformedInputError)
    assert.ok(typedFailure(() => decodePeerInfo(Uint8Array.of(0x10, 0x01))) instanceof MalformedInputError)
    assert.ok(typedFailure(() => decodeBlock(Uint8Array.of(0x1d, 1, 2, 3, 4))) instanceof MalformedInputError)
  })
})

// ---- property: random field sequences against a model of the budgets ----

/** Outcome of a model decode: the value, or the limit that refuses it; `fields` = tags the decoder reads. */
type Outcome<T> = { ok: true, value: T, fields: number } | { ok: false, limit: number, actual: number, fields: number }

const unknownField: fc.Arbitrary<Wire> = fc.oneof(
  fc.record({ no: fc.integer({ min: 7, max: 2 ** 29 - 1 }), wt: fc.constant(0 as const), v: uint64 }),
  fc.record({ no: fc.integer({ min: 7, max: 40 }), wt: fc.constantFrom(1 as const, 2 as const, 5 as const), v: fc.uint8Array({ minLength: 8, maxLength: 8 }) })
    .map((f): Wire => ({ ...f, v: f.wt === 5 ? f.v.subarray(0, 4) : f.wt === 2 ? f.v.subarray(0, f.v[0] as number % 9) : f.v }))
)

const blockField: fc.Arbitrary<Wire> = fc.oneof(
  fc.record({ no: fc.constantFrom(1, 2, 6), wt: fc.constant(2 as const), v: fc.uint8Array({ maxLength: 6 }) }),
  // ttl and version take any uint64 varint: their low 32 bits are kept.
  fc.record({ no: fc.constantFrom(3, 4, 5), wt: fc.constant(0 as const), v: uint64 }),
  unknownField
)

/** Runs of one field (the same field repeated up to 20 times), so that the budgets are often reached. */
function fieldSequence (field: fc.Arbitrary<Wire>): fc.Arbitrary<Wire[]> {
  return fc.array(fc.tuple(field, fc.integer({ min: 1, max: 20 })), { maxLength: 12 })
    .map((runs) => runs.flatMap(([f, n]) => Array.from({ length: n }, () => f)))
}

function blockModel (fields: readonly Wire[]): Outcome<Block> {
  const value: Record<string, unknown> = { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) }
  const counts = new Map<number, number>()
  let unknown = 0
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] as Wire
    if (f.no > 6) {
      if (++unknown > MAX_UNKNOWN_FIELDS) return { ok: false, limit: MAX_UNKNOWN_FIELDS, actual: unknown, fields: i + 1 }
      continue
    }
    const n = (counts.get(f.no) ?? 0) + 1
    counts.set(f.no, n)
    if (n > MAX_SINGULAR_REPEATS) return { ok: false, limit: MAX_SINGULAR_REPEATS, actual: n, fields: i + 1 }
    const key = ['hash', 'data', 'timestamp', 'ttl', 'version', 'signature'][f.no - 1] as string
    value[key] = f.wt !== 0 ? f.v : key === 'timestamp' ? f.v : Number(f.v & 0xffff_ffffn)
  }
  return { ok: true, value: value as unknown as Block, fields: fields.length }
}

/** A PeerInfo field: top-level bytes / unknown, or a map entry with its own field sequence. */
type PeerField = { kind: 'wire', wire: Wire } | { kind: 'entry', inner: Wire[] }

const entryInner: fc.Arbitrary<Wire> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ no: fc.constantFrom(1, 2), wt: fc.constant(2 as const), v: fc.oneof(metadataKey, text, fc.constantFrom('a', 'b', '')).map(utf8) }) },
  { weight: 1, arbitrary: unknownField.map((f): Wire => ({ ...f, no: f.no - 4 })) }
)

const peerField: fc.Arbitrary<PeerField> = fc.oneof(
  fc.record({ no: fc.constantFrom(1, 2), wt: fc.constant(2 as const), v: fc.uint8Array({ maxLength: 6 }) }).map((wire): PeerField => ({ kind: 'wire', wire })),
  fc.array(entryInner, { maxLength: 4 }).map((inner): PeerField => ({ kind: 'entry', inner })),
  fieldSequence(entryInner).map((inner): PeerField => ({ kind: 'entry', inner })),
  fc.integer({ min: 0, max: 2 ** 20 }).map((k): PeerField => ({ kind: 'entry', inner: [{ no: 1, wt: 2, v: utf8(`k${k}`) }] })),
  unknownField.map((wire): PeerField => ({ kind: 'wire', wire: { ...wire, no: wire.no - 3 } }))
)

function encodePeerFields (fields: readonly PeerField[]): Uint8Array {
  return encodeFields(fields.map((f): Wire => f.kind === 'wire' ? f.wire : { no: 3, wt: 2, v: encodeFields(f.inner) }))
}

function peerInfoModel (fields: readonly PeerField[]): Outcome<PeerInfo> {
  const value: PeerInfo = { peerId: new Uint8Array(0), multiaddrs: [], metadata: {} }
  let tags = 0
  let unknown = 0
  let peerIds = 0
  let entries = 0
  let keys = 0
  const refuse = (limit: number, actual: number): Outcome<PeerInfo> => ({ ok: false, limit, actual, fields: tags })
  for (const f of fields) {
    tags++
    if (f.kind === 'wire') {
      const w = f.wire
      if (w.no === 1 && w.wt === 2) {
        if (++peerIds > MAX_SINGULAR_REPEATS) return refuse(MAX_SINGULAR_REPEATS, peerIds)
        value.peerId = w.v
      } else if (w.no === 2 && w.wt === 2) {
        if (value.multiaddrs.length === DEFAULT_MAX_MULTIADDRS) return refuse(DEFAULT_MAX_MULTIADDRS, DEFAULT_MAX_MULTIADDRS + 1)
        value.multiaddrs.push(w.v)
      } else if (++unknown > MAX_UNKNOWN_FIELDS) return refuse(MAX_UNKNOWN_FIELDS, unknown)
      continue
    }
    if (++entries > MAX_METADATA_ENTRY_FIELDS) return refuse(MAX_METADATA_ENTRY_FIELDS, entries)
    let key = ''
    let v = ''
    let nKey = 0
    let nValue = 0
    for (const g of f.inner) {
      tags++
      const s = g.wt === 2 ? new TextDecoder().decode(g.v) : ''
      if (g.no === 1) {
        if (++nKey > MAX_SINGULAR_REPEATS) return refuse(MAX_SINGULAR_REPEATS, nKey)
        key = s
      } else if (g.no === 2) {
        if (++nValue > MAX_SINGULAR_REPEATS) return refuse(MAX_SINGULAR_REPEATS, nValue)
        v = s
      } else if (++unknown > MAX_UNKNOWN_FIELDS) return refuse(MAX_UNKNOWN_FIELDS, unknown)
    }
    const fresh = !Object.hasOwn(value.metadata, key)
    value.metadata[key] = v
    if (fresh && ++keys > DEFAULT_MAX_METADATA_ENTRIES) return refuse(DEFAULT_MAX_METADATA_ENTRIES, keys)
  }
  return { ok: true, value, fields: tags }
}

function checkOutcome<T> (decode: (b: Uint8Array, m: ProtobufWorkMeter) => T, bytes: Uint8Array, model: Outcome<T>, maxFields: number): void {
  const meter: ProtobufWorkMeter = { fields: -1, pos: -1 }
  let value: T | undefined
  const err = typedFailure(() => { value = decode(bytes, meter) })
  if (model.ok) {
    assert.equal(err, undefined, String(err))
    assert.deepStrictEqual(value, model.value)
  } else {
    assertLimit(err, model.limit, model.actual)
  }
  // The work bound: the model's tag count exactly, at most a constant per message, and at most one tag per 2 input bytes.
  assert.equal(meter.fields, model.fields)
  assert.ok(meter.fields <= maxFields, `${meter.fields} tags`)
  assert.ok(meter.fields <= bytes.length / 2 + 1, `${meter.fields} tags for ${bytes.length} bytes`)
}

describe('property: random field sequences decode as the budget model says, reading at most c * input length tags', () => {
  it('Block', () => {
    fc.assert(fc.property(fieldSequence(blockField), (fields) => {
      checkOutcome(decodeBlock, encodeFields(fields), blockModel(fields), MAX_BLOCK_FIELDS)
    }), { numRuns: 1500 })
  })

  it('PeerInfo', () => {
    const sequence = fc.array(fc.tuple(peerField, fc.integer({ min: 1, max: 24 })), { maxLength: 10 })
      .map((runs) => runs.flatMap(([f, n]) => Array.from({ length: n }, () => f)))
    fc.assert(fc.property(sequence, (fields) => {
      checkOutcome(decodePeerInfo, encodePeerFields(fields), peerInfoModel(fields), MAX_PEER_INFO_FIELDS)
    }), { numRuns: 1500 })
  })

  it('random bytes: a typed outcome, at most one tag per 2 bytes (+1) and the per-message constant', () => {
    const structural = fc.array(fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(0x00, 0x01, 0x0a, 0x12, 0x18, 0x1a, 0x20, 0x28, 0x32, 0x78, 0x80, 0xff)
    ), { maxLength: 600 }).map((a) => Uint8Array.from(a))
    fc.assert(fc.property(structural, (bytes) => {
      for (const [decode, max] of [[decodeBlock, MAX_BLOCK_FIELDS], [decodePeerInfo, MAX_PEER_INFO_FIELDS]] as const) {
        const { meter } = meterOf(decode, bytes)
        assert.ok(meter.fields <= Math.min(max, bytes.length / 2 + 1), `${meter.fields} tags for ${bytes.length} bytes`)
      }
    }), { numRuns: 2000 })
  })
})
