/**
 * A non-allocating structural pass over MessagePack bytes, run before msgpackr
 * materialises anything. It enforces what msgpackr cannot be told to enforce:
 *
 * - nesting depth (our schemas need two levels: the message, then a list or map);
 * - element counts per container, checked from the header BEFORE reading the
 *   elements (an `array 32` claiming 2^32 entries, or a map of millions of
 *   tiny entries, is refused without allocating);
 * - no extension types (msgpackr would turn `fixext 1` type 0x72 into a record
 *   definition, and other types into Dates, Maps, ...: none of them is part of
 *   a wireseal schema), no `0xc1`;
 * - UTF-8 validity of every `str` (msgpackr's decoder replaces bad bytes with
 *   U+FFFD; protobuf and JSON refuse them, so msgpack does too);
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

/** Deepest container nesting any wireseal schema produces: message -> list/map. */
const MAX_DEPTH = 2

/**
 * Scans `buf` from `start`; throws {@link MalformedInputError} or
 * {@link SizeLimitError} (`quantity: 'field'`) on the first violation.
 */
export function scanMsgpack (format: string, buf: Uint8Array, start: number, limits: MsgpackScanLimits): void {
  const end = buf.length
  let pos = start
  const structured = limits.recordToken !== undefined

  const need = (n: number): void => {
    if (pos + n > end) throw new MalformedInputError(format, 'truncated')
  }
  const u8 = (): number => {
    need(1)
    return buf[pos++] as number
  }
  const u16 = (): number => {
    need(2)
    const v = ((buf[pos] as number) << 8) | (buf[pos + 1] as number)
    pos += 2
    return v
  }
  const u32 = (): number => {
    need(4)
    const v = (buf[pos] as number) * 0x100_0000 + (((buf[pos + 1] as number) << 16) | ((buf[pos + 2] as number) << 8) | (buf[pos + 3] as number))
    pos += 4
    return v
  }
  const skip = (n: number): void => {
    need(n)
    pos += n
  }
  const str = (n: number): void => {
    need(n)
    const stop = pos + n
    // ASCII fast path; the native check only for strings with high bytes.
    for (let i = pos; i < stop; i++) {
      if ((buf[i] as number) >= 0x80) {
        if (!isUtf8(buf.subarray(pos, stop))) throw new MalformedInputError(format, 'invalid UTF-8 in str')
        break
      }
    }
    pos = stop
  }
  const container = (count: number, perItem: number, depth: number): void => {
    if (depth > MAX_DEPTH) throw new MalformedInputError(format, 'nesting too deep')
    const limit = depth === 1 ? limits.maxTopEntries : limits.maxNestedItems
    if (count > limit) throw new SizeLimitError('field', limit, count)
    // Each element takes at least one byte: refuse impossible claims at once.
    if (count * perItem > end - pos) throw new MalformedInputError(format, 'truncated')
    for (let i = count * perItem; i > 0; i--) value(depth + 1)
  }
  // `depth` is the nesting level a container starting here would have.
  const value = (depth: number): void => {
    const t = u8()
    if (t <= 0x7f) {
      // positive fixint; in structured mode 0x40..0x7f would be a record reference (msgpackr writes such ints as uint 8)
      if (structured && t >= 0x40) throw new MalformedInputError(format, 'nested record')
      return
    }
    if (t >= 0xe0) return // negative fixint
    if (t <= 0x8f) return container(t & 0x0f, 2, depth)
    if (t <= 0x9f) return container(t & 0x0f, 1, depth)
    if (t <= 0xbf) return str(t & 0x1f)
    switch (t) {
      case 0xc0: case 0xc2: case 0xc3: return
      case 0xc4: return skip(u8())
      case 0xc5: return skip(u16())
      case 0xc6: return skip(u32())
      case 0xcc: case 0xd0: return skip(1)
      case 0xcd: case 0xd1: return skip(2)
      case 0xca: case 0xce: case 0xd2: return skip(4)
      case 0xcb: case 0xcf: case 0xd3: return skip(8)
      case 0xd9: return str(u8())
      case 0xda: return str(u16())
      case 0xdb: return str(u32())
      case 0xdc: return container(u16(), 1, depth)
      case 0xdd: return container(u32(), 1, depth)
      case 0xde: return container(u16(), 2, depth)
      case 0xdf: return container(u32(), 2, depth)
      default: // 0xc1 (never used) and the ext family 0xc7-0xc9, 0xd4-0xd8
        throw new MalformedInputError(format, t === 0xc1 ? 'reserved byte 0xc1' : `extension type (byte 0x${t.toString(16)}) not allowed`)
    }
  }

  if (structured) {
    if (u8() !== limits.recordToken) throw new MalformedInputError(format, 'not a record of the expected structure')
    const fields = limits.recordFields ?? 0
    if (fields > limits.maxTopEntries) throw new SizeLimitError('field', limits.maxTopEntries, fields)
    for (let i = 0; i < fields; i++) value(2)
  } else {
    const t = buf[pos]
    if (t === undefined) throw new MalformedInputError(format, 'empty input')
    if (!((t >= 0x80 && t <= 0x8f) || t === 0xde || t === 0xdf)) throw new MalformedInputError(format, 'top level is not a map')
    value(1)
  }
  if (pos !== end) throw new MalformedInputError(format, `${end - pos} bytes of trailing data`)
}
