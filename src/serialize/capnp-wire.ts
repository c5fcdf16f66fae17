/**
 * Cap'n Proto wire primitives (https://capnproto.org/encoding.html) under the
 * hand-written Block and PeerInfo codecs: a bounded reader that checks the
 * segment table and every pointer before following it, and the pieces of a
 * canonical single-segment writer.
 *
 * Reader rules, after the C++ reference's `capnp::ReaderOptions` and
 * `WireHelpers` (traversal limit, segment bounds, far-pointer landing pads):
 *
 * - Segment table ("Serialization over a stream"): `u32 count - 1`, `u32`
 *   word size per segment, padding to 8 bytes. At most
 *   {@link CAPNP_MAX_SEGMENTS} segments (SizeLimitError `field`), checked from
 *   the first word before the table is read; the sizes must add up to the
 *   input exactly (less: trailing data, more: truncation).
 * - Every pointer target lies inside its own segment, whole (struct sections,
 *   list contents including a composite list's tag); far pointers land inside
 *   the segment they name, a single-far pad is not itself far, a double-far
 *   pad is a far pointer then a tag. Capability pointers are refused.
 * - Traversal limit: every struct, list and landing pad read is charged its
 *   words, and the total may not exceed the message's own word count
 *   (C++ defaults to 8 Mi words whatever the size). Honest encoders never
 *   point twice at one object, so this refuses only aliasing, the one way a
 *   Cap'n Proto message decodes to more than its size.
 * - List counts are checked against the caller's limit (SizeLimitError
 *   `field`) before their elements are visited; nesting is fixed by the
 *   schema (at most {@link CAPNP_MAX_NESTING} objects deep, no recursion).
 * - Text: a byte list whose last byte is NUL and whose rest is valid UTF-8.
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { EMPTY_BYTES } from './decoding.js'

/**
 * Most segments a message may have. wireseal writes one; other encoders start
 * a new segment when one fills (capnp-es, the C++ `MallocMessageBuilder`
 * grows each new one), so a 10 MiB message takes a handful. The C++ reader
 * accepts up to 512.
 */
export const CAPNP_MAX_SEGMENTS = 16

/** Deepest object nesting of the built-in schemas: root struct, list, element (PeerInfo.metadata -> entry -> key). */
export const CAPNP_MAX_NESTING = 3

/** Element size codes of list pointers (encoding.html "Lists"). */
export const ELEMENT = Object.freeze({ byte: 2, pointer: 6, composite: 7 } as const)

/** Pointer kinds (the low two bits). */
const STRUCT = 0
const LIST = 1
const FAR = 2
/** {@link CapnpReader.follow} result for a null pointer. */
const NULL = -1

/** Largest list element count / struct offset the 29- and 30-bit pointer fields hold. */
export const MAX_LIST_COUNT = 0x1fff_ffff

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Reads `buf[start, stop)` as strict UTF-8 (ASCII by hand up to 32 bytes), or undefined when invalid. */
function utf8Text (buf: Uint8Array, start: number, stop: number): string | undefined {
  if (stop - start <= 32) {
    let s = ''
    let i = start
    for (; i < stop; i++) {
      const c = buf[i] as number
      if (c >= 0x80) break
      s += String.fromCharCode(c)
    }
    if (i === stop) return s
  }
  try {
    return utf8.decode(buf.subarray(start, stop))
  } catch {
    return undefined
  }
}

/**
 * Reads one message. Each method takes a pointer's byte position and the index
 * of the segment holding it, and refuses anything out of bounds; `follow`
 * leaves the target in {@link pos} / {@link seg} / {@link tag} (the pointer's
 * upper word: struct sizes or list element size and count).
 */
export class CapnpReader {
  readonly buf: Uint8Array
  readonly format: string
  /** Byte offset where each segment starts, and where it ends. */
  readonly starts: number[]
  readonly ends: number[]
  /** Words that may still be traversed. */
  private budget: number
  /** Target of the last {@link follow}: byte position, segment index, the pointer's upper 32 bits. */
  pos = 0
  seg = 0
  tag = 0
  /** Element count of the last list read, and a composite list's element sizes in words. */
  count = 0
  dataWords = 0
  ptrWords = 0

  constructor (format: string, buf: Uint8Array) {
    this.format = format
    this.buf = buf
    const len = buf.length
    if (len < 8) this.fail('truncated segment table')
    const n = this.u32(0) + 1
    if (n > CAPNP_MAX_SEGMENTS) throw new SizeLimitError('field', CAPNP_MAX_SEGMENTS, n)
    const head = 8 * ((n >>> 1) + 1)
    if (len < head) this.fail('truncated segment table')
    this.starts = new Array<number>(n)
    this.ends = new Array<number>(n)
    let at = head
    for (let i = 0; i < n; i++) {
      const words = this.u32(4 + 4 * i)
      this.starts[i] = at
      at += words * 8
      this.ends[i] = at
      if (at > len) this.fail(`segment ${i} of ${words} words runs past the ${len}-byte input`)
    }
    if (at !== len) this.fail(`${len - at} bytes after the last segment`)
    if (this.ends[0] === head) this.fail('empty first segment (no root pointer)')
    this.budget = (len - head) / 8
  }

  fail (reason: string): never {
    throw new MalformedInputError(this.format, reason)
  }

  u32 (p: number): number {
    const b = this.buf
    return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0
  }

  /** A little-endian uint64 as an exact bigint. */
  u64 (p: number): bigint {
    const lo = this.u32(p)
    const hi = this.u32(p + 4)
    if (hi < 0x20_0000) return BigInt(hi * 0x1_0000_0000 + lo)
    return (BigInt(hi) << 32n) | BigInt(lo)
  }

  private charge (words: number): void {
    this.budget -= words
    if (this.budget < 0) this.fail('traversal limit: pointers lead to more words than the message holds (aliased objects)')
  }

  /** Checks that `bytes` bytes at `pos` lie inside segment `seg`. */
  private inside (pos: number, bytes: number, seg: number, what: string): void {
    if (pos < (this.starts[seg] as number) || pos + bytes > (this.ends[seg] as number)) this.fail(`${what} out of bounds`)
  }

  /**
   * Resolves the pointer at byte `p` of segment `seg` (far pointers included):
   * returns its kind (struct 0, list 1) or -1 for null, with the target in
   * {@link pos} and {@link seg} and the sizes in {@link tag}. Only the
   * landing pads are checked here; the caller checks the object's extent.
   */
  follow (p: number, seg: number): number {
    const b = this.buf
    const lo = (b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)
    const hi = this.u32(p + 4)
    const kind = lo & 3
    if (kind <= LIST) {
      if (lo === 0 && hi === 0) return NULL
      this.pos = p + 8 + (lo >> 2) * 8
      this.seg = seg
      this.tag = hi
      return kind
    }
    if (kind !== FAR) this.fail('capability pointer (no capabilities in this schema)')
    return this.far(lo, hi)
  }

  /** Follows a far pointer (encoding.html "Inter-segment pointers"). */
  private far (lo: number, hi: number): number {
    const double = (lo & 4) !== 0
    const pad = this.segmentStart(hi) + (lo >>> 3) * 8
    const padWords = double ? 2 : 1
    this.inside(pad, padWords * 8, hi, 'far pointer landing pad')
    this.charge(padWords)
    const plo = this.u32(pad) | 0
    const phi = this.u32(pad + 4)
    if (!double) {
      const kind = plo & 3
      if (kind === FAR) this.fail('far pointer landing on another far pointer')
      if (kind !== STRUCT && kind !== LIST) this.fail('capability pointer (no capabilities in this schema)')
      if (plo === 0 && phi === 0) this.fail('far pointer landing on a null pointer')
      this.pos = pad + 8 + (plo >> 2) * 8
      this.seg = hi
      this.tag = phi
      return kind
    }
    // Double-far: the pad is a single far pointer to the content (no pad of its own), then a tag with offset 0.
    if ((plo & 7) !== FAR) this.fail('double-far landing pad is not a single far pointer')
    const start = this.segmentStart(phi)
    const tlo = this.u32(pad + 8) | 0
    const kind = tlo & 3
    if ((kind !== STRUCT && kind !== LIST) || (tlo >> 2) !== 0) this.fail('bad double-far tag')
    this.pos = start + (plo >>> 3) * 8
    this.seg = phi
    this.tag = this.u32(pad + 12)
    return kind
  }

  private segmentStart (seg: number): number {
    const s = this.starts[seg]
    if (s === undefined) this.fail(`far pointer to segment ${seg} of ${this.starts.length}`)
    return s
  }

  /**
   * The root struct: returns its byte position, with its data and pointer
   * section sizes in {@link dataWords} / {@link ptrWords} and its segment in {@link seg}.
   */
  root (): number {
    const k = this.follow(this.starts[0] as number, 0)
    if (k === NULL) return this.emptyStruct()
    if (k !== STRUCT) this.fail('root pointer is not a struct pointer')
    return this.structAt()
  }

  private emptyStruct (): number {
    this.dataWords = 0
    this.ptrWords = 0
    return this.pos
  }

  /** Checks and charges the struct {@link follow} just reached. */
  private structAt (): number {
    const dw = this.tag & 0xffff
    const pw = this.tag >>> 16
    this.inside(this.pos, (dw + pw) * 8, this.seg, 'struct')
    this.charge(dw + pw)
    this.dataWords = dw
    this.ptrWords = pw
    return this.pos
  }

  /** Follows a list pointer with elements of `size`: the content's byte position; the count in {@link count}. */
  private list (p: number, seg: number, size: number, what: string): number {
    const k = this.follow(p, seg)
    if (k === NULL) {
      this.count = 0
      return -1
    }
    if (k !== LIST || (this.tag & 7) !== size) this.fail(`${what}: expected a list of element size ${size}`)
    // A list before the buffer's start: out of bounds, and never mistaken for the null result (-1).
    if (this.pos < 0) this.fail(`${what} out of bounds`)
    this.count = this.tag >>> 3
    return this.pos
  }

  /** A `Data` field: a view into the input (empty when null). */
  data (p: number, seg: number, what: string): Uint8Array {
    const pos = this.list(p, seg, ELEMENT.byte, what)
    if (pos < 0) return EMPTY_BYTES
    const n = this.count
    const words = (n + 7) >>> 3
    this.inside(pos, words * 8, this.seg, what)
    this.charge(words)
    return this.buf.subarray(pos, pos + n)
  }

  /** A `Text` field: NUL-terminated, valid UTF-8 (empty when null). */
  text (p: number, seg: number, what: string): string {
    const pos = this.list(p, seg, ELEMENT.byte, what)
    if (pos < 0) return ''
    const n = this.count
    const words = (n + 7) >>> 3
    this.inside(pos, words * 8, this.seg, what)
    this.charge(words)
    if (n === 0 || this.buf[pos + n - 1] !== 0) this.fail(`${what}: text without its NUL terminator`)
    const s = utf8Text(this.buf, pos, pos + n - 1)
    if (s === undefined) this.fail(`${what}: invalid UTF-8`)
    return s
  }

  /**
   * A list of pointers of at most `limit` elements (SizeLimitError beyond,
   * before any is read): the first element's position (-1 when null), the
   * count in {@link count}, the segment in {@link seg}.
   */
  pointerList (p: number, seg: number, limit: number, what: string): number {
    const pos = this.list(p, seg, ELEMENT.pointer, what)
    if (pos < 0) return pos
    const n = this.count
    if (n > limit) throw new SizeLimitError('field', limit, n)
    this.inside(pos, n * 8, this.seg, what)
    this.charge(n)
    return pos
  }

  /**
   * A list of structs (inline composite) of at most `limit` elements: the
   * first element's position (-1 when null), the count in {@link count}, each
   * element's sizes in {@link dataWords} / {@link ptrWords}, the segment in {@link seg}.
   */
  structList (p: number, seg: number, limit: number, what: string): number {
    const pos = this.list(p, seg, ELEMENT.composite, what)
    if (pos < 0) return pos
    const words = this.count
    this.inside(pos, 8, this.seg, `${what} tag`)
    const tlo = this.u32(pos)
    if ((tlo & 3) !== STRUCT) this.fail(`${what}: composite list tag is not a struct tag`)
    const n = tlo >>> 2
    if (n > limit) throw new SizeLimitError('field', limit, n)
    const dw = this.u32(pos + 4) & 0xffff
    const pw = this.u32(pos + 4) >>> 16
    if (n * (dw + pw) > words) this.fail(`${what}: ${n} elements of ${dw + pw} words overrun the list's ${words} words`)
    this.inside(pos, 8 + words * 8, this.seg, what)
    this.charge(1 + words)
    this.count = n
    this.dataWords = dw
    this.ptrWords = pw
    return pos + 8
  }
}

// --- writer -----------------------------------------------------------------

/** Words taken by `n` bytes, padded to a word. */
export function wordsOf (n: number): number {
  return Math.ceil(n / 8)
}

/** Writes a little-endian uint32. */
export function putU32 (out: Uint8Array, p: number, v: number): void {
  out[p] = v
  out[p + 1] = v >>> 8
  out[p + 2] = v >>> 16
  out[p + 3] = v >>> 24
}

/** Writes a uint64 (0..2^64-1) little-endian. */
export function putU64 (out: Uint8Array, p: number, v: bigint): void {
  if (v <= 0x1f_ffff_ffff_ffffn) {
    const n = Number(v)
    const lo = n >>> 0
    putU32(out, p, lo)
    putU32(out, p + 4, (n - lo) / 0x1_0000_0000)
  } else {
    putU32(out, p, Number(v & 0xffff_ffffn))
    putU32(out, p + 4, Number(v >> 32n))
  }
}

/** Writes a struct pointer at `p` to `target` (byte positions); a zero-sized struct points at offset -1, as canonical form requires. */
export function putStructPointer (out: Uint8Array, p: number, target: number, dataWords: number, ptrWords: number): void {
  const offset = dataWords + ptrWords === 0 ? -1 : (target - p - 8) / 8
  putU32(out, p, offset << 2)
  putU32(out, p + 4, dataWords | (ptrWords << 16))
}

/** Writes a list pointer at `p` to `target` (byte positions). */
export function putListPointer (out: Uint8Array, p: number, target: number, size: number, count: number): void {
  putU32(out, p, (((target - p - 8) / 8) << 2) | LIST)
  putU32(out, p + 4, (count << 3) | size)
}

/** Writes the table of a single-segment message of `words` words (8 bytes: count - 1 = 0, size). */
export function putSingleSegmentTable (out: Uint8Array, words: number): void {
  putU32(out, 4, words)
}
