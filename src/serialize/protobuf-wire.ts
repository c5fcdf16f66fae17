/**
 * A bounded reader of the protobuf wire format
 * (https://protobuf.dev/programming-guides/encoding/): tag = varint(field << 3 |
 * wire type); wire types 0 varint, 1 i64, 2 length-delimited, 5 i32. Groups
 * (3, 4) do not exist in proto3 and are refused, as are wire types 6 and 7.
 *
 * Every read is O(1) (varints have at most 10 bytes; tags 5 and lengths 5),
 * except a string's UTF-8 decoding, which is linear in that string's own
 * bytes. A message decoder built on it therefore costs O(tags read + string
 * bytes); {@link WireReader.fields} counts the tags.
 *
 * Varints follow proto3 parsing, not the minimal-encoding rule of
 * wireseal's own formats (src/varint.ts, SPEC.md 2.1 and 10.1): a payload is
 * another encoder's output, fixed by its signed digest, and protobuf parsers
 * accept non-minimal varints; tags and lengths are bounded to 5 bytes.
 *
 * Errors are typed: {@link MalformedInputError} for anything that is not a
 * valid encoding, {@link SizeLimitError} (`quantity: 'field'`) for a budget.
 *
 * @module
 */
import protobuf from 'protobufjs/minimal.js'
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { EMPTY_BYTES, UNKNOWN_FIELD_ROOM } from './decoding.js'

/** protobufjs' UTF-8 reader; `readStrict` (8.x, not in its typings) throws on invalid UTF-8. */
const utf8 = protobuf.util.utf8 as typeof protobuf.util.utf8 & { readStrict(buf: Uint8Array, start: number, end: number): string }

/**
 * Most occurrences of one singular (non-repeated) field in a message,
 * including a map entry's key and value.
 *
 * proto3 parsers keep the last of repeated singular fields, so that
 * concatenated messages merge; a canonical encoder writes each field at most
 * once (the envelope's own canonical form, proto/envelope.proto, allows
 * exactly one). 16 leaves room for merging a few concatenated messages while
 * bounding what one message materialises to 16 values per field, whatever
 * its size: without it, 1 MiB of `18 01` decodes half a million bigints.
 */
export const MAX_SINGULAR_REPEATS = 16

/**
 * Most unknown fields one message may carry (top level and map entries
 * together), each skipped in O(1) without allocating.
 *
 * proto3 requires skipping unknown fields for forward compatibility
 * (https://protobuf.dev/programming-guides/proto3/#unknowns): a newer schema
 * adds a few fields, each written once. The same room the JSON and msgpack
 * decoders leave for unknown entries ({@link UNKNOWN_FIELD_ROOM}). Without a
 * cap, 1 MiB of `78 00` is half a million fields to skip.
 */
export const MAX_UNKNOWN_FIELDS = UNKNOWN_FIELD_ROOM

/** What a decoder did, for tests: tags read (the unit of work) and where it stopped. */
export interface ProtobufWorkMeter {
  /** Tags read, top level and nested. */
  fields: number
  /** Offset reached (the failing field on an error). */
  pos: number
}

/** Throws {@link SizeLimitError} when the `count`-th occurrence of a singular field is over {@link MAX_SINGULAR_REPEATS}. */
export function checkRepeat (count: number): void {
  if (count > MAX_SINGULAR_REPEATS) throw new SizeLimitError('field', MAX_SINGULAR_REPEATS, count)
}

/** A cursor over `buf[pos, end)`; `end` is narrowed while a nested message (a map entry) is read. */
export class WireReader {
  readonly format: string
  readonly buf: Uint8Array
  pos: number
  end: number
  /** Tags read so far. */
  fields = 0
  /** Unknown fields skipped so far. */
  unknown = 0

  constructor (format: string, buf: Uint8Array) {
    this.format = format
    this.buf = buf
    this.pos = 0
    this.end = buf.length
  }

  private fail (reason: string): MalformedInputError {
    return new MalformedInputError(this.format, `${reason} at offset ${this.pos}`)
  }

  /** Reads a tag: at most 5 bytes, below 2^32 (protobufjs' `tag()` accepts the same). */
  tag (): number {
    this.fields++
    const buf = this.buf
    const end = this.end
    let pos = this.pos
    if (pos < end && (buf[pos] as number) < 0x80) {
      this.pos = pos + 1
      return buf[pos] as number
    }
    let value = 0
    let scale = 1
    for (let i = 0; i < 5 && pos < end; i++) {
      const b = buf[pos++] as number
      value += (b & 0x7f) * scale
      if (b < 0x80) {
        if (i === 4 && b > 0x0f) break
        this.pos = pos
        return value
      }
      scale *= 128
    }
    throw this.fail('bad or truncated tag')
  }

  /** Reads a varint as uint32: its low 32 bits (proto3 parsing of uint32), at most 10 bytes. */
  uint32 (): number {
    const buf = this.buf
    const end = this.end
    let pos = this.pos
    let value = 0
    for (let i = 0; i < 10 && pos < end; i++) {
      const b = buf[pos++] as number
      // Shifts past bit 31 drop out of the int32, as the low-32-bit rule requires.
      if (i < 5) value |= (b & 0x7f) << (7 * i)
      if (b < 0x80) {
        this.pos = pos
        return value >>> 0
      }
    }
    throw this.fail('bad or truncated varint')
  }

  /**
   * Reads a varint as an exact uint64 bigint: up to 7 bytes (49 bits)
   * accumulate in a double, which is exact; longer ones continue in bigint.
   * At most 10 bytes; bits above 64 are dropped, as uint64 parsing requires.
   */
  uint64 (): bigint {
    const buf = this.buf
    const end = this.end
    let pos = this.pos
    let value = 0
    let scale = 1
    for (let i = 0; i < 7 && pos < end; i++) {
      const b = buf[pos++] as number
      value += (b & 0x7f) * scale
      if (b < 0x80) {
        this.pos = pos
        return BigInt(value)
      }
      scale *= 128
    }
    if (pos - this.pos === 7) {
      let big = BigInt(value)
      for (let shift = 49n; shift < 70n && pos < end; shift += 7n) {
        const b = buf[pos++] as number
        big |= BigInt(b & 0x7f) << shift
        if (b < 0x80) {
          this.pos = pos
          return BigInt.asUintN(64, big)
        }
      }
    }
    throw this.fail('bad or truncated varint')
  }

  /** Reads a length prefix (at most 5 bytes, below 2^31 as protobufjs' `size()`) that must fit before `end`. */
  private length (): number {
    const buf = this.buf
    const end = this.end
    let pos = this.pos
    let value = 0
    let scale = 1
    for (let i = 0; i < 5 && pos < end; i++) {
      const b = buf[pos++] as number
      value += (b & 0x7f) * scale
      if (b < 0x80) {
        if (i === 4 && b > 0x07) break
        if (value > end - pos) throw this.fail('truncated length-delimited field')
        this.pos = pos
        return value
      }
      scale *= 128
    }
    throw this.fail('bad or truncated length')
  }

  /** Reads a length-delimited field as a view into the input (the shared empty array when empty). */
  bytes (): Uint8Array {
    const n = this.length()
    const start = this.pos
    this.pos = start + n
    return n === 0 ? EMPTY_BYTES : this.buf.subarray(start, start + n)
  }

  /** Reads a length-delimited field as a string, refusing invalid UTF-8. */
  string (): string {
    const n = this.length()
    const start = this.pos
    this.pos = start + n
    try {
      return utf8.readStrict(this.buf, start, start + n)
    } catch {
      this.pos = start
      throw this.fail('invalid UTF-8')
    }
  }

  /** Starts a nested message (a map entry): narrows `end` to it and returns the enclosing `end`, for {@link leave}. */
  enter (): number {
    const n = this.length()
    const outer = this.end
    this.end = this.pos + n
    return outer
  }

  /** Ends a nested message started by {@link enter}. */
  leave (outer: number): void {
    this.end = outer
  }

  /**
   * Handles a tag the decoder does not know: a known field number (1..`known`)
   * with another wire type is refused; an unknown field is skipped in O(1), at
   * most {@link MAX_UNKNOWN_FIELDS} per message.
   */
  other (tag: number, known: number): void {
    const field = tag >>> 3
    const wireType = tag & 7
    if (field === 0) throw this.fail('field number 0')
    if (field <= known) throw this.fail(`wrong wire type ${wireType} for field ${field}`)
    if (++this.unknown > MAX_UNKNOWN_FIELDS) throw new SizeLimitError('field', MAX_UNKNOWN_FIELDS, this.unknown)
    switch (wireType) {
      case 0: {
        const buf = this.buf
        const end = this.end
        let pos = this.pos
        for (let i = 0; ; i++) {
          if (i === 10 || pos >= end) throw this.fail('bad or truncated varint')
          if ((buf[pos++] as number) < 0x80) break
        }
        this.pos = pos
        return
      }
      case 1: this.skip(8); return
      case 2: this.skip(this.length()); return
      case 5: this.skip(4); return
      case 3:
      case 4: throw this.fail(`group (wire type ${wireType}) in a proto3 message`)
      default: throw this.fail(`wire type ${wireType}`)
    }
  }

  private skip (n: number): void {
    if (n > this.end - this.pos) throw this.fail('truncated field')
    this.pos += n
  }
}
