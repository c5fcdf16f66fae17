/**
 * Crafted payloads of the worst-case suite: for every built-in Block
 * serializer, inputs of EXACTLY `size` bytes chosen to make the receiver's
 * decoder spend as much CPU time or memory as the format allows, and the
 * ordinary Block of (nearly) the same encoded size they are compared against.
 *
 * The crafted bytes need not decode to a valid Block: an attacker gains as
 * much from a payload that is refused after an expensive parse. Each one is
 * built on the wire format it attacks:
 *
 * - protobuf (https://protobuf.dev/programming-guides/encoding/): fields repeat
 *   freely and the last one wins; unknown fields must be skipped (proto3);
 *   varints run up to 10 bytes.
 * - msgpack (https://github.com/msgpack/msgpack/blob/master/spec.md): one
 *   `str 32` can hold the whole payload; keys of maps are strings.
 * - FlatBuffers (https://flatbuffers.dev/flatbuffers_internals.html): offsets
 *   may point at shared data; bytes after the root's objects are not checked.
 * - JSON (RFC 8259): nesting depth, element count, keys and `\u` escapes are
 *   unbounded by the grammar.
 * - Cap'n Proto (https://capnproto.org/encoding.html): a message has up to
 *   2^32 segments, pointers may cross segments through (double-)far landing
 *   pads, point at the same object twice, and claim lists of 2^29 elements.
 *
 * @module
 */
import { InvalidConfigError } from '../src/errors.js'
import type { Block, Serializer } from '../src/serialize/index.js'
import { blockFixture, transactionJson } from './fixtures.js'

/** Serializer ids measured, in report order (src/serialize/types.ts `SerializerId`). */
export const WORST_CASE_SERIALIZERS = Object.freeze(['protobuf', 'msgpack', 'msgpackStructured', 'flatbuffers', 'json', 'capnp'] as const)
/** One of {@link WORST_CASE_SERIALIZERS}. */
export type WorstCaseSerializer = typeof WORST_CASE_SERIALIZERS[number]

/** A crafted payload generator: `build(size)` returns exactly `size` bytes. */
export interface CraftedPayload {
  /** Short id, unique per serializer, e.g. `deep-nesting`. */
  readonly id: string
  /** What the bytes are, in words. */
  readonly description: string
  /** Smallest size the generator supports. */
  readonly minSize: number
  build(size: number): Uint8Array
}

/** Writes `unit` as many times as fits in `out` from `pos` up to `end`; returns the position reached. */
function repeat (out: Uint8Array, pos: number, end: number, unit: readonly number[]): number {
  const n = unit.length
  for (; pos + n <= end; pos += n) for (let i = 0; i < n; i++) out[pos + i] = unit[i] as number
  return pos
}

function checked (id: string, size: number, out: Uint8Array, minSize: number): Uint8Array {
  if (size < minSize) throw new InvalidConfigError(`${id}.size`, `at least ${minSize}, got ${size}`)
  if (out.length !== size) throw new InvalidConfigError(id, `exactly ${size} bytes, built ${out.length}`)
  return out
}

/**
 * Protobuf fields of 2 bytes (`pair`: tag, one-byte value) filling `size`
 * bytes; an odd size starts with `odd`, a 3-byte form of the same field.
 */
function protobufPairs (size: number, pair: readonly number[], odd: readonly number[]): Uint8Array {
  const out = new Uint8Array(size)
  let pos = 0
  if (size % 2 === 1) {
    out.set(odd, 0)
    pos = odd.length
  }
  repeat(out, pos, size, pair)
  return out
}

/** Field 15 (unknown to Block), varint 0: `0x78 0x00`; the 3-byte form is the varint 0 written on 2 bytes. */
const UNKNOWN_VARINT = [0x78, 0x00]
const UNKNOWN_VARINT_3 = [0x78, 0x80, 0x00]

const PROTOBUF: readonly CraftedPayload[] = Object.freeze([
  {
    id: 'empty-bytes-fields',
    description: 'field 1 (hash, bytes) repeated with length 0, 2 bytes each: one decoded byte string per 2 bytes, the last one wins',
    minSize: 2,
    build: (size: number) => checked('empty-bytes-fields', size, protobufPairs(size, [0x0a, 0x00], [0x0a, 0x01, 0x00]), 2)
  },
  {
    id: 'repeated-uint64',
    description: 'field 3 (timestamp, uint64) repeated with value 1, 2 bytes each: one bigint per 2 bytes',
    minSize: 2,
    build: (size: number) => checked('repeated-uint64', size, protobufPairs(size, [0x18, 0x01], [0x18, 0x81, 0x00]), 2)
  },
  {
    id: 'unknown-varints',
    description: 'unknown field 15 (varint 0) repeated, 2 bytes each: skipped one by one, as proto3 requires',
    minSize: 2,
    build: (size: number) => checked('unknown-varints', size, protobufPairs(size, UNKNOWN_VARINT, UNKNOWN_VARINT_3), 2)
  },
  {
    id: 'unknown-long-varints',
    description: 'unknown field 15 with 10-byte varints (the longest legal), 11 bytes each',
    minSize: 2,
    build (size: number): Uint8Array {
      const long = [0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
      let count = Math.floor(size / 11)
      if (size - count * 11 === 1) count-- // a 1-byte rest cannot hold a field: take 12 bytes of short ones
      const rest = size - count * 11
      const out = new Uint8Array(size)
      const pos = repeat(out, 0, count * 11, long)
      out.set(protobufPairs(rest, UNKNOWN_VARINT, UNKNOWN_VARINT_3), pos)
      return checked('unknown-long-varints', size, out, 2)
    }
  }
])

/** msgpack `str 32` header + UTF-8 text of `n` bytes: 3-byte characters (U+20AC), ASCII for the last `n % 3`. */
function str32Euro (out: Uint8Array, pos: number, n: number): number {
  out[pos] = 0xdb
  new DataView(out.buffer, out.byteOffset).setUint32(pos + 1, n)
  pos += 5
  const stop = pos + n - (n % 3)
  pos = repeat(out, pos, stop, [0xe2, 0x82, 0xac])
  return repeat(out, pos, pos + (n % 3), [0x61])
}

/** msgpack `str 32` header + `n` ASCII bytes ending in one 3-byte character (a long ASCII run, then UTF-8 to validate). */
function str32AsciiTail (out: Uint8Array, pos: number, n: number): number {
  out[pos] = 0xdb
  new DataView(out.buffer, out.byteOffset).setUint32(pos + 1, n)
  pos += 5
  pos = repeat(out, pos, pos + n - 3, [0x61])
  out.set([0xe2, 0x82, 0xac], pos)
  return pos + 3
}

/** `str 32` of `n` ASCII bytes (a map key). */
function str32Ascii (out: Uint8Array, pos: number, n: number): number {
  out[pos] = 0xdb
  new DataView(out.buffer, out.byteOffset).setUint32(pos + 1, n)
  pos += 5
  return repeat(out, pos, pos + n, [0x6b])
}

/** A plain-msgpack map `{ x: <value> }` whose value fills the rest: `0x81 0xa1 'x'` then `write`. */
function plainMapOfOne (size: number, overhead: number, write: (out: Uint8Array, pos: number, n: number) => number): Uint8Array {
  const out = new Uint8Array(size)
  out.set([0x81, 0xa1, 0x78], 0)
  write(out, 3, size - 3 - overhead)
  return out
}

const MSGPACK: readonly CraftedPayload[] = Object.freeze([
  {
    id: 'huge-utf8-str',
    description: 'map { x: str 32 } whose string fills the payload with 3-byte UTF-8 characters: validated, then decoded to a JS string',
    minSize: 16,
    build: (size: number) => checked('huge-utf8-str', size, plainMapOfOne(size, 5, str32Euro), 16)
  },
  {
    id: 'ascii-run-utf8-tail',
    description: 'map { x: str 32 } of ASCII ending in one 3-byte character: the ASCII run is scanned, then the whole string validated and decoded',
    minSize: 16,
    build: (size: number) => checked('ascii-run-utf8-tail', size, plainMapOfOne(size, 5, str32AsciiTail), 16)
  },
  {
    id: 'huge-key',
    description: 'map { <str 32 key filling the payload>: nil }: a 1-entry map whose key is one huge property name',
    minSize: 16,
    build (size: number): Uint8Array {
      const out = new Uint8Array(size)
      out[0] = 0x81
      str32Ascii(out, 1, size - 1 - 5 - 1)
      out[size - 1] = 0xc0
      return checked('huge-key', size, out, 16)
    }
  },
  {
    id: 'huge-nested-key',
    description: 'map { x: { <str 32 key filling the payload>: nil } }: a nested key (UTF-8 checked) as one huge property name',
    minSize: 16,
    build (size: number): Uint8Array {
      const out = new Uint8Array(size)
      out.set([0x81, 0xa1, 0x78, 0x81], 0)
      str32Ascii(out, 4, size - 4 - 5 - 1)
      out[size - 1] = 0xc0
      return checked('huge-nested-key', size, out, 16)
    }
  }
])

/** Structure version 1 (BUILTIN_STRUCTURE_VERSION), record 0, then the six field values. */
const STRUCTURED_HEAD = [0x00, 0x01, 0x40]

/** A structured record whose first field (hash, a bin) is `write`'s value filling the payload, then five fixint 0. */
function structuredRecord (size: number, write: (out: Uint8Array, pos: number, n: number) => number): Uint8Array {
  const out = new Uint8Array(size)
  out.set(STRUCTURED_HEAD, 0)
  const end = write(out, 3, size - 3 - 5 - 5)
  out.fill(0, end)
  return out
}

const MSGPACK_STRUCTURED: readonly CraftedPayload[] = Object.freeze([
  {
    id: 'huge-utf8-str',
    description: 'record whose hash field is a str 32 filling the payload with 3-byte UTF-8 characters (validated and decoded before the shape check refuses it)',
    minSize: 24,
    build: (size: number) => checked('huge-utf8-str', size, structuredRecord(size, str32Euro), 24)
  },
  {
    id: 'ascii-run-utf8-tail',
    description: 'record whose hash field is a str 32 of ASCII ending in one 3-byte character',
    minSize: 24,
    build: (size: number) => checked('ascii-run-utf8-tail', size, structuredRecord(size, str32AsciiTail), 24)
  },
  {
    id: 'huge-nested-key',
    description: 'record whose hash field is a map { <str 32 key filling the payload>: nil }',
    minSize: 24,
    build: (size: number) => checked('huge-nested-key', size, structuredRecord(size, (out, pos, n) => {
      out[pos] = 0x81
      const end = str32Ascii(out, pos + 1, n - 2)
      out[end] = 0xc0
      return end + 1
    }), 24)
  }
])

/**
 * A Block FlatBuffer: root offset, vtable (6 slots), table (hash, data,
 * timestamp, ttl, version, signature), then one byte vector at `vector` of
 * `length` bytes that `hash`, `data` and `signature` all point at.
 */
function flatbuffersBlock (size: number, length: number): Uint8Array {
  const out = new Uint8Array(size)
  const v = new DataView(out.buffer)
  const table = 20
  const vector = 52
  v.setUint32(0, table, true)
  // vtable at 4: size 16, table size 32, field offsets (hash 4, data 8, timestamp 12, ttl 20, version 24, signature 28)
  ;[16, 32, 4, 8, 12, 20, 24, 28].forEach((x, i) => v.setUint16(4 + 2 * i, x, true))
  v.setInt32(table, table - 4, true)
  v.setUint32(table + 4, vector - (table + 4), true)
  v.setUint32(table + 8, vector - (table + 8), true)
  v.setBigUint64(table + 12, 1_732_300_000_000n, true)
  v.setUint32(table + 20, 300, true)
  v.setUint32(table + 24, 1, true)
  v.setUint32(table + 28, vector - (table + 28), true)
  v.setUint32(vector, length, true)
  out.fill(0x5a, vector + 4, vector + 4 + length)
  return out
}

const FLATBUFFERS: readonly CraftedPayload[] = Object.freeze([
  {
    id: 'shared-vectors',
    description: 'hash, data and signature offsets all pointing at one byte vector that fills the payload',
    minSize: 64,
    build: (size: number) => checked('shared-vectors', size, flatbuffersBlock(size, size - 56), 64)
  },
  {
    id: 'trailing-bytes',
    description: 'a 1-byte shared vector, then bytes no offset points at (a FlatBuffer has no length of its own)',
    minSize: 64,
    build: (size: number) => checked('trailing-bytes', size, flatbuffersBlock(size, 1), 64)
  }
])

/** `{"x":` + `body` filling the payload + `}`, padded with spaces before the closing brace. */
function jsonObjectOfOne (size: number, body: (n: number) => string): Uint8Array {
  const inner = body(size - 6)
  const text = `{"x":${inner}${' '.repeat(size - 6 - inner.length)}}`
  return new TextEncoder().encode(text)
}

/** A JSON array of `element` repeated to fill at most `n` characters. */
function jsonArrayOf (n: number, element: string): string {
  const count = Math.max(1, Math.floor((n - 1) / (element.length + 1)))
  return `[${Array.from({ length: count }, () => element).join(',')}]`
}

const JSON_PAYLOADS: readonly CraftedPayload[] = Object.freeze([
  {
    id: 'deep-nesting',
    description: '{"x":[[[[...]]]]}: arrays nested as deep as the payload allows (half its bytes), parsed before any field is checked',
    minSize: 8,
    build: (size: number) => checked('deep-nesting', size, jsonObjectOfOne(size, n => {
      const depth = Math.floor(n / 2)
      return '['.repeat(depth) + ']'.repeat(depth)
    }), 8)
  },
  {
    id: 'tiny-objects',
    description: '{"x":[{},{},...]}: one empty object per 3 bytes',
    minSize: 12,
    build: (size: number) => checked('tiny-objects', size, jsonObjectOfOne(size, n => jsonArrayOf(n, '{}')), 12)
  },
  {
    id: 'many-keys',
    description: '{"k0":0,"k1":0,...}: distinct keys in one object (a dictionary-mode object, every key a new string)',
    minSize: 12,
    build (size: number): Uint8Array {
      const parts: string[] = []
      let length = 2
      for (let i = 0; ; i++) {
        const entry = `"k${i.toString(36)}":0`
        if (length + entry.length + 1 > size) break
        parts.push(entry)
        length += entry.length + 1
      }
      const text = `{${parts.join(',')}`
      return checked('many-keys', size, new TextEncoder().encode(`${text}${' '.repeat(size - text.length - 1)}}`), 12)
    }
  },
  {
    id: 'long-number',
    description: '{"x":1111...}: one number literal of as many digits as the payload holds (within any depth or count limit)',
    minSize: 8,
    build: (size: number) => checked('long-number', size, jsonObjectOfOne(size, n => '1'.repeat(n)), 8)
  },
  {
    id: 'huge-key',
    description: '{"kkkk...":0}: one member whose key fills the payload (one huge property name)',
    minSize: 8,
    build: (size: number) => checked('huge-key', size, new TextEncoder().encode(`{"${'k'.repeat(size - 6)}":0}`), 8)
  },
  {
    id: 'escapes',
    description: '{"x":"\\u20ac\\u20ac..."}: a string of 6-byte escapes',
    minSize: 12,
    build: (size: number) => checked('escapes', size, jsonObjectOfOne(size, n => `"${'\\u20ac'.repeat(Math.floor((n - 2) / 6))}"`), 12)
  }
])

/** Cap'n Proto pointer words (encoding.html): struct, list (element size 2 = byte), far (single or double). */
const capStruct = (offset: number, dataWords: number, ptrWords: number): bigint =>
  (BigInt(ptrWords) << 48n) | (BigInt(dataWords) << 32n) | BigInt((offset << 2) >>> 0)
const capBytes = (offset: number, count: number): bigint => (BigInt(count) << 35n) | (2n << 32n) | BigInt(((offset << 2) | 1) >>> 0)
const capFar = (pad: number, segment: number, double: boolean): bigint => (BigInt(segment) << 32n) | BigInt(((pad << 3) | (double ? 4 : 0) | 2) >>> 0)

/**
 * A message of exactly `size` bytes: the segment table, the segments `build`
 * returns (64-bit words), then one more segment of 0x5a bytes filling the
 * rest, whose word count `build` is given to point into it.
 */
function capnpMessage (id: string, size: number, build: (fillWords: number) => bigint[][]): Uint8Array {
  if (size % 8 !== 0) throw new InvalidConfigError(`${id}.size`, `a multiple of 8 (Cap'n Proto words), got ${size}`)
  const probe = build(0)
  const count = probe.length + 1
  const head = 8 * ((count >>> 1) + 1)
  const fillWords = (size - head) / 8 - probe.reduce((n, s) => n + s.length, 0)
  const segments = build(fillWords)
  const out = new Uint8Array(size)
  const v = new DataView(out.buffer)
  v.setUint32(0, count - 1, true)
  segments.forEach((s, i) => v.setUint32(4 + 4 * i, s.length, true))
  v.setUint32(4 + 4 * segments.length, fillWords, true)
  let at = head
  for (const s of segments) for (const w of s) { v.setBigUint64(at, w, true); at += 8 }
  out.fill(0x5a, at)
  return checked(id, size, out, 256)
}

const CAPNP: readonly CraftedPayload[] = Object.freeze([
  {
    id: 'deep-pointers',
    description: 'the longest pointer paths Cap\'n Proto allows, over 16 segments (the limit): the root and every Data field through double-far landing pads in segments of their own, data filling the last segment',
    minSize: 256,
    build: (size: number) => capnpMessage('deep-pointers', size, (fill) => [
      [capFar(0, 1, true)], // 0: root -> double-far pad in 1
      [capFar(0, 2, false), capStruct(0, 2, 3)], // 1: the pad: content at 2:0, a Block struct
      [1_732_300_000_000n, 300n | (1n << 32n), capFar(0, 3, true), capFar(0, 5, true), capFar(0, 7, true)], // 2: the struct
      [capFar(0, 4, false), capBytes(0, 32)], Array<bigint>(4).fill(0x11n), // 3, 4: hash
      [capFar(0, 15, false), capBytes(0, fill * 8)], [0n], // 5: data, in the fill segment (15); 6: spare
      [capFar(0, 8, false), capBytes(0, 64)], Array<bigint>(8).fill(0x22n), // 7, 8: signature
      [0n], [0n], [0n], [0n], [0n], [0n] // 9..14: up to 16 segments in all
    ])
  },
  {
    id: 'huge-list-claims',
    description: 'one segment: a Block whose three Data pointers each claim a 2^29-1 byte list (refused from the first pointer, before any element)',
    minSize: 256,
    build: (size: number) => capnpMessage('huge-list-claims', size, () => [
      [capStruct(0, 0, 3), capBytes(2, 0x1fff_ffff), capBytes(1, 0x1fff_ffff), capBytes(0, 0x1fff_ffff)]
    ])
  },
  {
    id: 'aliased-data',
    description: 'hash, data and signature through one double-far pad to one Data filling the payload (views: refused by the traversal budget at the second)',
    minSize: 256,
    build: (size: number) => capnpMessage('aliased-data', size, (fill) => [
      [capStruct(0, 2, 3), 1_732_300_000_000n, 300n | (1n << 32n), capFar(0, 1, true), capFar(0, 1, true), capFar(0, 1, true)],
      [capFar(0, 2, false), capBytes(0, fill * 8)]
    ])
  },
  {
    id: 'unreferenced-segment',
    description: 'a valid small Block in segment 0 and a second segment of bytes no pointer reaches (skipped, never traversed)',
    minSize: 256,
    build: (size: number) => capnpMessage('unreferenced-segment', size, () => [
      [capStruct(0, 2, 3), 1_732_300_000_000n, 300n | (1n << 32n), capBytes(2, 8), 0n, 0n, 0x33n]
    ])
  }
])

/** The crafted payloads of every serializer. */
export const CRAFTED_PAYLOADS: Readonly<Record<WorstCaseSerializer, readonly CraftedPayload[]>> = Object.freeze({
  protobuf: PROTOBUF,
  msgpack: MSGPACK,
  msgpackStructured: MSGPACK_STRUCTURED,
  flatbuffers: FLATBUFFERS,
  json: JSON_PAYLOADS,
  capnp: CAPNP
})

/** An ordinary Block and its encoding, as close to `size` bytes as the format allows. */
export interface OrdinaryPayload {
  readonly block: Block
  readonly bytes: Uint8Array
}

/**
 * The realistic Block (32 B hash, 64 B signature, semi-compressible
 * transaction-JSON data) whose encoding by `serializer` is `size` bytes, or
 * the nearest below when the format cannot hit it exactly (JSON's base64 grows
 * in steps of 4 characters, FlatBuffers aligns to 4 bytes): the data length is corrected from the measured
 * overhead until the size stops moving.
 */
export function ordinaryPayload (serializer: Serializer<Block>, size: number, seed = 5): OrdinaryPayload {
  const base = blockFixture(0, seed)
  const encode = (dataBytes: number): OrdinaryPayload => {
    const block = { ...base, data: transactionJson(dataBytes, seed) }
    return { block, bytes: serializer.encode(block) }
  }
  let dataBytes = size
  let best: OrdinaryPayload | undefined
  for (let i = 0; i < 8; i++) {
    const p = encode(dataBytes)
    if (p.bytes.length <= size && (best === undefined || p.bytes.length > best.bytes.length)) best = p
    if (p.bytes.length === size) return p
    // JSON carries data as base64 (4 characters per 3 bytes); the others carry it as is.
    const step = serializer.name === 'json' ? 0.75 : 1
    const next = dataBytes + Math.floor((size - p.bytes.length) * step)
    dataBytes = next === dataBytes ? dataBytes - 1 : next
  }
  if (best === undefined || best.bytes.length < size - 8) throw new InvalidConfigError(`${serializer.name}.ordinary`, `a Block of about ${size} bytes`)
  return best
}
