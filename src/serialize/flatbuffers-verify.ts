/**
 * Bounds verification of FlatBuffers input. The JavaScript runtime has no
 * verifier: its accessors follow whatever offsets the bytes contain and read
 * `undefined` (as 0 or NaN) past the end. Every offset, length and vtable a
 * decoder will follow is checked here first, after the rules of the C++
 * `flatbuffers::Verifier` (https://flatbuffers.dev/flatbuffers_internals.html):
 *
 * - root: `uoffset32` at byte 0 -> table;
 * - table: `soffset32` to its vtable; vtable = `u16 vtable size, u16 table size, u16 field offsets...`,
 *   both inside the buffer; each present field lies inside the table;
 * - vector / string: `uoffset32` from the field -> `u32 length` + elements inside
 *   the buffer; strings end with a 0 byte;
 * - vectors of tables: each element's `uoffset32` -> a verified table;
 * - work and output bounded by the input: vectors of tables are capped by the
 *   schema's list limits before their elements are visited (each visit is
 *   O(1)), byte vectors decode to views, and the strings a decoder copies out
 *   add up to at most the buffer's length (no aliasing amplification).
 *
 * Sizes and offsets are also kept below 2^15 / 2^31, where the JS runtime's
 * signed reads (`readInt16`, `readInt32`) agree with the unsigned wire types.
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'

/** A verified table: its position and the vtable facts needed to find fields. */
export interface VerifiedTable {
  readonly pos: number
  readonly vtable: number
  readonly vtableSize: number
  readonly tableSize: number
}

/** Walks one buffer; every method throws {@link MalformedInputError} on a bad offset. */
export class FlatbuffersVerifier {
  private readonly buf: Uint8Array
  private readonly format: string
  /** Bytes of every string verified so far (decoders copy strings out, unlike byte vectors). */
  private stringBytes = 0

  constructor (format: string, buf: Uint8Array) {
    this.format = format
    this.buf = buf
  }

  private fail (reason: string): never {
    throw new MalformedInputError(this.format, reason)
  }

  private u16 (p: number): number {
    if (p < 0 || p + 2 > this.buf.length) this.fail('offset out of bounds')
    return (this.buf[p] as number) | ((this.buf[p + 1] as number) << 8)
  }

  private u32 (p: number): number {
    if (p < 0 || p + 4 > this.buf.length) this.fail('offset out of bounds')
    const b = this.buf
    return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16)) + (b[p + 3] as number) * 0x100_0000
  }

  /** Follows a `uoffset32` stored at `p`; the target must start inside the buffer. */
  private follow (p: number): number {
    const off = this.u32(p)
    if (off === 0 || off >= 0x8000_0000) this.fail('bad offset')
    const target = p + off
    if (target >= this.buf.length) this.fail('offset out of bounds')
    return target
  }

  /** Verifies the root table. */
  root (): VerifiedTable {
    return this.table(this.follow(0))
  }

  /** Verifies the table at `pos` (its vtable and inline size). */
  table (pos: number): VerifiedTable {
    const len = this.buf.length
    const soff = this.u32(pos) | 0
    const vtable = pos - soff
    if (vtable < 0 || vtable + 4 > len) this.fail('vtable out of bounds')
    const vtableSize = this.u16(vtable)
    const tableSize = this.u16(vtable + 2)
    if (vtableSize < 4 || (vtableSize & 1) !== 0 || vtableSize >= 0x8000 || vtable + vtableSize > len) this.fail('bad vtable size')
    if (tableSize < 4 || tableSize >= 0x8000 || pos + tableSize > len) this.fail('bad table size')
    return { pos, vtable, vtableSize, tableSize }
  }

  /** Absolute position of field `slot` of `size` inline bytes, or 0 when absent. */
  field (t: VerifiedTable, slot: number, size: number): number {
    const vo = 4 + 2 * slot
    if (vo >= t.vtableSize) return 0
    const fo = this.u16(t.vtable + vo)
    if (fo === 0) return 0
    if (fo < 4 || fo + size > t.tableSize) this.fail('field outside its table')
    return t.pos + fo
  }

  /**
   * Verifies the vector referenced by the offset field at `fieldPos` (0 =
   * absent) with `elemSize`-byte elements and at most `limit` of them
   * (SizeLimitError beyond). Returns the element count.
   */
  vector (fieldPos: number, elemSize: number, limit = Infinity): number {
    if (fieldPos === 0) return 0
    const v = this.follow(fieldPos)
    const n = this.u32(v)
    if (n > limit) throw new SizeLimitError('field', limit, n)
    if (v + 4 + n * elemSize > this.buf.length) this.fail('vector out of bounds')
    return n
  }

  /**
   * Verifies the string referenced by the offset field at `fieldPos` (0 =
   * absent), including its 0 terminator. The strings of one buffer may add up
   * to at most its length: offsets may alias (64 metadata values pointing at
   * one 1 MiB string would decode to 64 MiB), and a decoder copies each string
   * out, so aliasing beyond that is refused (honest builders write each string
   * once; a deduplicated short string still fits).
   */
  string (fieldPos: number): void {
    if (fieldPos === 0) return
    const s = this.follow(fieldPos)
    const n = this.u32(s)
    if (s + 4 + n >= this.buf.length || this.buf[s + 4 + n] !== 0) this.fail('string out of bounds or unterminated')
    this.stringBytes += n
    if (this.stringBytes > this.buf.length) this.fail(`strings add up to more than the ${this.buf.length}-byte buffer (aliased offsets)`)
  }

  /** Verifies element `i` of a vector of tables whose field is at `fieldPos`; returns the table. */
  tableElement (fieldPos: number, i: number): VerifiedTable {
    const v = this.follow(fieldPos)
    return this.table(this.follow(v + 4 + 4 * i))
  }
}
