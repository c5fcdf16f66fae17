/**
 * MessagePack primitives of the fast paths (schema-driven, and hand-written
 * for Block and PeerInfo): exact sizes and writers that produce the bytes
 * msgpackr produces, and a cursor that reads only the canonical forms of
 * those bytes.
 *
 * Format: https://github.com/msgpack/msgpack/blob/master/spec.md. msgpackr
 * picks the shortest header for every str, bin, array and map, and the
 * shortest unsigned format for integers up to 2^32-1; a positive fixint holds
 * 0..0x7f in plain mode but only 0..0x3f when shared structures are on
 * (0x40..0x7f are record references there), which `fixMax` selects.
 *
 * The reader never throws: any byte outside the canonical forms makes it
 * report a miss, and the caller hands the input to the generic, validating
 * decoder, which either accepts it (another encoder's valid layout) or throws
 * the precise error.
 *
 * @module
 */
import { RESERVED_KEYS } from './schema.js'

/** Largest positive fixint in plain msgpack. */
export const FIXINT_MAX_PLAIN = 0x7f
/** Largest positive fixint when msgpackr records are in use (0x40.. are record references). */
export const FIXINT_MAX_RECORDS = 0x3f

const MAX_U32_BIG = 0xffff_ffffn
const MAX_I64_BIG = 0x7fff_ffff_ffff_ffffn
const TWO_32 = 0x1_0000_0000
/** Strings up to this many bytes are decoded and encoded by a JavaScript loop (a native call costs more). */
const SHORT_STRING = 32

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
const utf8Encoder = new TextEncoder()

/** The msgpack `str` bytes (header included) of a map key, e.g. a schema field name. */
export function strKey (name: string): Uint8Array {
  const n = utf8Length(name)
  const out = new Uint8Array(strSize(n))
  writeStr(out, 0, name, n)
  return out
}

/** Bytes of a `bin` of `n` bytes, header included. */
export function binSize (n: number): number {
  return n < 0x100 ? 2 + n : n < 0x1_0000 ? 3 + n : 5 + n
}

/** Bytes of a `str` whose UTF-8 form is `n` bytes, header included. */
export function strSize (n: number): number {
  return n < 0x20 ? 1 + n : n < 0x100 ? 2 + n : n < 0x1_0000 ? 3 + n : 5 + n
}

/** Bytes of an array or map header for `n` items (entries). */
export function containerHeaderSize (n: number): number {
  return n < 0x10 ? 1 : n < 0x1_0000 ? 3 : 5
}

/** Bytes of an unsigned integer 0..2^32-1. */
export function uintSize (v: number, fixMax: number): number {
  return v <= fixMax ? 1 : v < 0x100 ? 2 : v < 0x1_0000 ? 3 : 5
}

/** Bytes of a uint64: the 32-bit forms up to 2^32-1, else `int 64` / `uint 64`. */
export function uint64Size (v: bigint, fixMax: number): number {
  return v <= MAX_U32_BIG ? uintSize(Number(v), fixMax) : 9
}

/** UTF-8 length of a well-formed string (assert() refused lone surrogates). */
export function utf8Length (s: string): number {
  const n = s.length
  if (n > SHORT_STRING) return Buffer.byteLength(s, 'utf8')
  let bytes = n // one per UTF-16 unit, plus the extra bytes of wider characters
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) {
      bytes += 1
    } else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2 // a surrogate pair: 2 units, 4 bytes
      i++
    } else {
      bytes += 2
    }
  }
  return bytes
}

function writeBE32 (out: Uint8Array, pos: number, v: number): number {
  out[pos] = v >>> 24
  out[pos + 1] = (v >>> 16) & 0xff
  out[pos + 2] = (v >>> 8) & 0xff
  out[pos + 3] = v & 0xff
  return pos + 4
}

/** Writes a length header: the short form `short | n` below `shortLimit`, else the 8/16/32-bit forms at `tag8` (0 = none), `tag16`, `tag32`. */
function writeHeader (out: Uint8Array, pos: number, n: number, short: number, shortLimit: number, tag8: number, tag16: number, tag32: number): number {
  if (n < shortLimit) {
    out[pos] = short | n
    return pos + 1
  }
  if (tag8 !== 0 && n < 0x100) {
    out[pos] = tag8
    out[pos + 1] = n
    return pos + 2
  }
  if (n < 0x1_0000) {
    out[pos] = tag16
    out[pos + 1] = n >>> 8
    out[pos + 2] = n & 0xff
    return pos + 3
  }
  out[pos] = tag32
  return writeBE32(out, pos + 1, n)
}

/** Writes `bin 8/16/32` holding `b`. */
export function writeBin (out: Uint8Array, pos: number, b: Uint8Array): number {
  pos = writeHeader(out, pos, b.length, 0, 0, 0xc4, 0xc5, 0xc6)
  out.set(b, pos)
  return pos + b.length
}

/** Writes a `fixarray` / `array 16` / `array 32` header. */
export function writeArrayHeader (out: Uint8Array, pos: number, n: number): number {
  return writeHeader(out, pos, n, 0x90, 0x10, 0, 0xdc, 0xdd)
}

/** Writes a `fixmap` / `map 16` / `map 32` header. */
export function writeMapHeader (out: Uint8Array, pos: number, n: number): number {
  return writeHeader(out, pos, n, 0x80, 0x10, 0, 0xde, 0xdf)
}

/** Writes `s` as a `str` whose UTF-8 length the caller computed with {@link utf8Length}. */
export function writeStr (out: Uint8Array, pos: number, s: string, bytes: number): number {
  pos = writeHeader(out, pos, bytes, 0xa0, 0x20, 0xd9, 0xda, 0xdb)
  if (bytes === s.length && bytes <= SHORT_STRING) {
    for (let i = 0; i < bytes; i++) out[pos + i] = s.charCodeAt(i)
  } else {
    utf8Encoder.encodeInto(s, out.subarray(pos, pos + bytes))
  }
  return pos + bytes
}

/** Writes an unsigned integer 0..2^32-1 in its shortest form. */
export function writeUint (out: Uint8Array, pos: number, v: number, fixMax: number): number {
  if (v <= fixMax) {
    out[pos] = v
    return pos + 1
  }
  if (v < 0x100) {
    out[pos] = 0xcc
    out[pos + 1] = v
    return pos + 2
  }
  if (v < 0x1_0000) {
    out[pos] = 0xcd
    out[pos + 1] = v >>> 8
    out[pos + 2] = v & 0xff
    return pos + 3
  }
  out[pos] = 0xce
  return writeBE32(out, pos + 1, v)
}

/** Writes a uint64 as msgpackr does: 32-bit forms up to 2^32-1, `int 64` below 2^63, `uint 64` above. */
export function writeUint64 (out: Uint8Array, pos: number, v: bigint, fixMax: number): number {
  if (v <= MAX_U32_BIG) return writeUint(out, pos, Number(v), fixMax)
  out[pos] = v <= MAX_I64_BIG ? 0xd3 : 0xcf
  writeBE32(out, pos + 1, Number(v >> 32n))
  return writeBE32(out, pos + 5, Number(v & MAX_U32_BIG))
}

/**
 * Reads the canonical forms the fast paths expect. Each method returns a
 * sentinel (`undefined` or -1) instead of throwing when the next value is not
 * of the expected form or does not fit; after a miss the cursor's position is
 * meaningless and the caller must give up.
 */
export class MsgpackCursor {
  /** Next byte to read. */
  pos: number
  private readonly buf: Uint8Array
  private readonly end: number

  /** `buf` must be a plain `Uint8Array` (its subarrays are the decoded `bin` values). */
  constructor (buf: Uint8Array, pos: number) {
    this.buf = buf
    this.pos = pos
    this.end = buf.length
  }

  /** True when every byte was consumed. */
  atEnd (): boolean {
    return this.pos === this.end
  }

  /** Consumes `expected` (a precomputed header or key) when the input continues with exactly those bytes. */
  expect (expected: Uint8Array): boolean {
    const n = expected.length
    const buf = this.buf
    let p = this.pos
    if (p + n > this.end) return false
    for (let i = 0; i < n; i++, p++) {
      if (buf[p] !== expected[i]) return false
    }
    this.pos = p
    return true
  }

  /** Reads the 1/2/4-byte big-endian length after a header byte, or -1 when it does not fit. */
  private length (size: number): number {
    const buf = this.buf
    const p = this.pos
    if (p + size > this.end) return -1
    this.pos = p + size
    if (size === 1) return buf[p] as number
    if (size === 2) return ((buf[p] as number) << 8) | (buf[p + 1] as number)
    return (buf[p] as number) * 0x100_0000 + (((buf[p + 1] as number) << 16) | ((buf[p + 2] as number) << 8) | (buf[p + 3] as number))
  }

  /** A `bin 8/16/32` as a view into the input, or undefined. */
  bin (): Uint8Array | undefined {
    const t = this.buf[this.pos++]
    const n = t === 0xc4 ? this.length(1) : t === 0xc5 ? this.length(2) : t === 0xc6 ? this.length(4) : -1
    const start = this.pos
    if (n < 0 || start + n > this.end) return undefined
    this.pos = start + n
    return this.buf.subarray(start, start + n)
  }

  /** An unsigned integer in a positive fixint (up to `fixMax`) or `uint 8/16/32`, or -1. */
  uint32 (fixMax: number): number {
    const t = this.buf[this.pos++]
    if (t === undefined) return -1
    if (t <= fixMax) return t
    return t === 0xcc ? this.length(1) : t === 0xcd ? this.length(2) : t === 0xce ? this.length(4) : -1
  }

  /** A uint64 in any of the forms {@link writeUint64} writes (and a `uint 64` below 2^63), or undefined. */
  uint64 (fixMax: number): bigint | undefined {
    const t = this.buf[this.pos]
    if (t !== 0xd3 && t !== 0xcf) {
      const v = this.uint32(fixMax)
      return v < 0 ? undefined : BigInt(v)
    }
    this.pos++
    const hi = this.length(4)
    const lo = this.length(4)
    if (hi < 0 || lo < 0 || (t === 0xd3 && hi >= 0x8000_0000)) return undefined // negative int 64: the generic decoder names the field
    return hi < 0x20_0000 ? BigInt(hi * TWO_32 + lo) : (BigInt(hi) << 32n) | BigInt(lo)
  }

  /** Count of a `fixarray` / `array 16/32` header, or -1. */
  arrayHeader (): number {
    const t = this.buf[this.pos++]
    if (t === undefined) return -1
    if (t >= 0x90 && t <= 0x9f) return t & 0x0f
    return t === 0xdc ? this.length(2) : t === 0xdd ? this.length(4) : -1
  }

  /** Entry count of a `fixmap` / `map 16/32` header, or -1. */
  mapHeader (): number {
    const t = this.buf[this.pos++]
    if (t === undefined) return -1
    if (t >= 0x80 && t <= 0x8f) return t & 0x0f
    return t === 0xde ? this.length(2) : t === 0xdf ? this.length(4) : -1
  }

  /**
   * A map of at most `maxEntries` str keys to str values, as a plain object,
   * or undefined. Reserved keys (an error) and repeated keys (msgpackr keeps
   * the last value) are misses too: the generic decoder decides both.
   */
  stringMap (maxEntries: number): Record<string, string> | undefined {
    const n = this.mapHeader()
    if (n < 0 || n > maxEntries) return undefined
    const map: Record<string, string> = {}
    for (let i = 0; i < n; i++) {
      const key = this.str()
      if (key === undefined || RESERVED_KEYS.has(key) || Object.hasOwn(map, key)) return undefined
      const value = this.str()
      if (value === undefined) return undefined
      map[key] = value
    }
    return map
  }

  /** `false` / `true` as 0 / 1, or -1. */
  bool (): number {
    const t = this.buf[this.pos++]
    return t === 0xc2 ? 0 : t === 0xc3 ? 1 : -1
  }

  /** A `str` of valid UTF-8, or undefined. */
  str (): string | undefined {
    const t = this.buf[this.pos++]
    if (t === undefined) return undefined
    const n = t >= 0xa0 && t <= 0xbf ? t & 0x1f : t === 0xd9 ? this.length(1) : t === 0xda ? this.length(2) : t === 0xdb ? this.length(4) : -1
    const start = this.pos
    const stop = start + n
    if (n < 0 || stop > this.end) return undefined
    this.pos = stop
    return n <= SHORT_STRING ? shortString(this.buf, start, stop) : decodeUtf8(this.buf, start, stop)
  }
}

/** Slots of {@link shortStrings}: a power of two. */
const STRING_CACHE_SLOTS = 1024
/**
 * The ASCII strings of at most {@link SHORT_STRING} bytes decoded last, by a
 * hash of their bytes (one per slot, newest wins). Map keys and common values
 * (`agentVersion`, `region`, ...) repeat from message to message, and building
 * a JavaScript string from bytes costs far more than comparing them. Bounded
 * (about 1024 x 32 characters); a peer that floods it only evicts entries.
 */
const shortStrings = new Array<string>(STRING_CACHE_SLOTS).fill('')

/** Decodes `buf[start, stop)` (at most {@link SHORT_STRING} bytes) through {@link shortStrings}, or strictly as UTF-8 when not ASCII. */
function shortString (buf: Uint8Array, start: number, stop: number): string | undefined {
  let h = stop - start
  for (let i = start; i < stop; i++) {
    const c = buf[i] as number
    if (c >= 0x80) return decodeUtf8(buf, start, stop)
    h = Math.imul(h, 31) + c
  }
  const slot = (h ^ (h >>> 10)) & (STRING_CACHE_SLOTS - 1)
  const cached = shortStrings[slot] as string
  if (cached.length === stop - start) {
    let i = 0
    while (i < cached.length && cached.charCodeAt(i) === buf[start + i]) i++
    if (i === cached.length) return cached
  }
  let s = ''
  let i = start
  for (; i + 4 <= stop; i += 4) s += String.fromCharCode(buf[i] as number, buf[i + 1] as number, buf[i + 2] as number, buf[i + 3] as number)
  for (; i < stop; i++) s += String.fromCharCode(buf[i] as number)
  shortStrings[slot] = s
  return s
}

/** Strict UTF-8 decoding of `buf[start, stop)`, or undefined when it is not valid UTF-8. */
function decodeUtf8 (buf: Uint8Array, start: number, stop: number): string | undefined {
  try {
    return utf8Decoder.decode(buf.subarray(start, stop))
  } catch {
    return undefined
  }
}
