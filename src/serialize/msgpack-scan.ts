/**
 * A non-allocating structural pass over MessagePack bytes, run before msgpackr
 * materialises anything. It enforces what msgpackr cannot be told to enforce:
 *
 * - nesting depth (our schemas need two levels: the message, then a list or
 *   map; {@link SizeLimitError} `depth` beyond);
 * - element counts per container, checked from the header BEFORE reading the
 *   elements (an `array 32` claiming 2^32 entries, or a map of millions of
 *   tiny entries, is refused without allocating);
 * - no extension types (msgpackr would turn `fixext 1` type 0x72 into a record
 *   definition, and other types into Dates, Maps, ...: none of them is part of
 *   a wireseal schema), no `0xc1`;
 * - UTF-8 validity of every `str` (msgpackr's decoder replaces bad bytes with
 *   U+FFFD; protobuf and JSON refuse them, so msgpack does too);
 * - map keys are `str` and never `__proto__`/`constructor`/`prototype`, so
 *   msgpackr can build plain objects safely (it would rename `__proto__` to
 *   `__proto_` and stringify other key types);
 * - every claimed length fits in the input, and exactly one value fills it.
 *
 * Implements the format of https://github.com/msgpack/msgpack/blob/master/spec.md.
 *
 * @module
 */
import { isUtf8 } from 'node:buffer'
import { MalformedInputError, SizeLimitError } from '../errors.js'

/** Limits of {@link scanMsgpack}. */
export interface MsgpackScanLimits {
  /** Most entries of the top-level map (or values after a structured record header). */
  readonly maxTopEntries: number
  /** Most elements of any nested array or map. */
  readonly maxNestedItems: number
  /** When set, the input must start with this one-byte record reference (msgpackr shared structure `0x40 + id`) followed by `recordFields` values. */
  readonly recordToken?: number
  /** Number of values after `recordToken`. */
  readonly recordFields?: number
}

const RESERVED = ['__proto__', 'prototype', 'constructor'].map((k) => Uint8Array.from(k, (c) => c.charCodeAt(0)))

/** True when the `n` bytes at `pos` spell a reserved key (see RESERVED_KEYS in schema.ts). */
function isReservedKey (buf: Uint8Array, pos: number, n: number): boolean {
  for (const k of RESERVED) {
    if (k.length !== n) continue
    let i = 0
    while (i < n && buf[pos + i] === k[i]) i++
    if (i === n) return true
  }
  return false
}

/** Deepest container nesting any wireseal schema produces: message -> list/map. */
const MAX_DEPTH = 2

/** Big-endian unsigned integer of `size` (1, 2 or 4) bytes at `pos`; the caller checked the bounds. */
function uint (buf: Uint8Array, pos: number, size: number): number {
  if (size === 1) return buf[pos] as number
  if (size === 2) return ((buf[pos] as number) << 8) | (buf[pos + 1] as number)
  return (buf[pos] as number) * 0x100_0000 + (((buf[pos + 1] as number) << 16) | ((buf[pos + 2] as number) << 8) | (buf[pos + 3] as number))
}

/** True when the `n` bytes at `pos` are valid UTF-8 (ASCII checked inline, the rest natively). */
function validUtf8 (buf: Uint8Array, pos: number, n: number): boolean {
  const stop = pos + n
  for (let i = pos; i < stop; i++) {
    if ((buf[i] as number) >= 0x80) return isUtf8(buf.subarray(pos, stop))
  }
  return true
}

/**
 * Scans `buf` from `start`; throws {@link MalformedInputError} or
 * {@link SizeLimitError} (`quantity: 'field'`) on the first violation.
 *
 * One loop over the tokens with a two-level explicit stack (level 1: the
 * message; level 2: a list or map inside it), no recursion and no closures:
 * this runs on every decoded message.
 */
export function scanMsgpack (format: string, buf: Uint8Array, start: number, limits: MsgpackScanLimits): void {
  const end = buf.length
  let pos = start
  const structured = limits.recordToken !== undefined
  // Items still to read per level (a map counts its keys and values), and whether the level is a map:
  // in a map, an even number of items left means the next item is a key.
  let left1: number
  let map1: boolean
  let left2 = 0
  let map2 = false
  let depth = 1

  if (structured) {
    if (pos >= end || buf[pos] !== limits.recordToken) throw new MalformedInputError(format, 'not a record of the expected structure')
    pos++
    left1 = limits.recordFields ?? 0
    if (left1 > limits.maxTopEntries) throw new SizeLimitError('field', limits.maxTopEntries, left1)
    map1 = false
  } else {
    const t = buf[pos]
    if (t === undefined) throw new MalformedInputError(format, 'empty input')
    let count: number
    if (t >= 0x80 && t <= 0x8f) {
      count = t & 0x0f
      pos += 1
    } else if (t === 0xde || t === 0xdf) {
      const size = t === 0xde ? 2 : 4
      if (pos + 1 + size > end) throw new MalformedInputError(format, 'truncated')
      count = uint(buf, pos + 1, size)
      pos += 1 + size
    } else {
      throw new MalformedInputError(format, 'top level is not a map')
    }
    if (count > limits.maxTopEntries) throw new SizeLimitError('field', limits.maxTopEntries, count)
    left1 = 2 * count
    map1 = true
  }
  if (left1 > end - pos) throw new MalformedInputError(format, 'truncated')

  while (depth > 0) {
    const left = depth === 1 ? left1-- : left2--
    if (left === 0) {
      depth--
      continue
    }
    if (pos >= end) throw new MalformedInputError(format, 'truncated')
    const t = buf[pos++] as number
    let n = -1 // bytes to skip (payload of bin/str/number/ext header)
    let count = -1 // elements of a container that opens here
    let isMap = false

    if ((depth === 1 ? map1 : map2) && (left & 1) === 0) {
      // A map key: a str, not a reserved key (msgpackr would stringify other
      // key types into property names and silently rename `__proto__`).
      if (t >= 0xa0 && t <= 0xbf) n = t & 0x1f
      else if (t >= 0xd9 && t <= 0xdb) {
        const size = t === 0xd9 ? 1 : t === 0xda ? 2 : 4
        if (pos + size > end) throw new MalformedInputError(format, 'truncated')
        n = uint(buf, pos, size)
        pos += size
      } else {
        throw new MalformedInputError(format, 'map key is not a string')
      }
      if (pos + n > end) throw new MalformedInputError(format, 'truncated')
      if ((n === 9 || n === 11) && isReservedKey(buf, pos, n)) throw new MalformedInputError(format, 'reserved map key')
      // Message-level keys only select fields (a key that is not valid UTF-8 matches none and is
      // ignored); keys of nested maps become values, so they must be valid.
      if (depth === 2 && !validUtf8(buf, pos, n)) throw new MalformedInputError(format, 'invalid UTF-8 in str')
      pos += n
      continue
    }

    if (t <= 0x7f) {
      // positive fixint; in structured mode 0x40..0x7f would be a record reference (msgpackr writes such ints as uint 8)
      if (structured && t >= 0x40) throw new MalformedInputError(format, 'nested record')
      continue
    }
    if (t >= 0xe0) continue // negative fixint
    if (t <= 0x8f) {
      count = t & 0x0f
      isMap = true
    } else if (t <= 0x9f) {
      count = t & 0x0f
    } else if (t <= 0xbf) {
      n = t & 0x1f
      if (pos + n > end) throw new MalformedInputError(format, 'truncated')
      if (!validUtf8(buf, pos, n)) throw new MalformedInputError(format, 'invalid UTF-8 in str')
    } else {
      switch (t) {
        case 0xc0: case 0xc2: case 0xc3: continue
        case 0xcc: case 0xd0: n = 1; break
        case 0xcd: case 0xd1: n = 2; break
        case 0xca: case 0xce: case 0xd2: n = 4; break
        case 0xcb: case 0xcf: case 0xd3: n = 8; break
        case 0xc4: case 0xc5: case 0xc6: case 0xd9: case 0xda: case 0xdb: {
          // bin 8/16/32, str 8/16/32: a 1/2/4-byte length, then the payload
          const size = t === 0xc4 || t === 0xd9 ? 1 : t === 0xc5 || t === 0xda ? 2 : 4
          if (pos + size > end) throw new MalformedInputError(format, 'truncated')
          n = uint(buf, pos, size)
          pos += size
          if (pos + n > end) throw new MalformedInputError(format, 'truncated')
          if (t >= 0xd9 && !validUtf8(buf, pos, n)) throw new MalformedInputError(format, 'invalid UTF-8 in str')
          break
        }
        case 0xdc: case 0xdd: case 0xde: case 0xdf: {
          // array 16/32, map 16/32
          const size = t === 0xdc || t === 0xde ? 2 : 4
          if (pos + size > end) throw new MalformedInputError(format, 'truncated')
          count = uint(buf, pos, size)
          pos += size
          isMap = t >= 0xde
          break
        }
        default: // 0xc1 (never used) and the ext family 0xc7-0xc9, 0xd4-0xd8
          throw new MalformedInputError(format, t === 0xc1 ? 'reserved byte 0xc1' : `extension type (byte 0x${t.toString(16)}) not allowed`)
      }
    }
    if (count >= 0) {
      if (depth === MAX_DEPTH) throw new SizeLimitError('depth', MAX_DEPTH, MAX_DEPTH + 1)
      if (count > limits.maxNestedItems) throw new SizeLimitError('field', limits.maxNestedItems, count)
      const items = isMap ? 2 * count : count
      // Each element takes at least one byte: refuse impossible claims at once.
      if (items > end - pos) throw new MalformedInputError(format, 'truncated')
      depth = 2
      left2 = items
      map2 = isMap
      continue
    }
    if (pos + n > end) throw new MalformedInputError(format, 'truncated')
    pos += n
  }
  if (pos !== end) throw new MalformedInputError(format, `${end - pos} bytes of trailing data`)
}
