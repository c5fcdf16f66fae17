/**
 * A one-shot DEFLATE decoder (RFC 1951) for the portable gzip backend,
 * written for the three things fflate's inflater cannot give it: the exact
 * offset where a stream ends (so members are walked by
 * {@link decodeGzipMembers}, never re-parsed by the library), output memory
 * bounded by the cap (one buffer, grown by doubling up to the cap, no window
 * copies), and the accept/reject decisions of zlib's `inflate.c`, which the
 * node:zlib backend makes.
 *
 * Work is linear in input plus output: every symbol consumes at least one
 * input bit or stops the call, and a Huffman table costs 2^9 (lengths) or 2^8
 * (distances) entries plus its symbols whatever its longest code, so many
 * tiny dynamic blocks cannot make table building dominate. Codes longer than
 * the table's root bits are decoded canonically (one step per bit, <= 15).
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'

function malformed (reason: string): MalformedInputError {
  return new MalformedInputError('gzip', reason)
}

const truncated = (): MalformedInputError => malformed('truncated deflate stream')

/** 3.2.5: base length and extra bits of length codes 257..285 (284 reaches 258 with its 5 extra bits, as zlib accepts). */
const LENGTH_BASE = new Uint16Array(29)
const LENGTH_EXTRA = new Uint8Array(29)
/** 3.2.5: base distance and extra bits of distance codes 0..29. */
const DIST_BASE = new Uint16Array(30)
const DIST_EXTRA = new Uint8Array(30)
for (let c = 0, base = 3; c < 28; c++) {
  LENGTH_EXTRA[c] = c < 8 ? 0 : (c - 4) >>> 2
  LENGTH_BASE[c] = base
  base += 1 << (LENGTH_EXTRA[c] as number)
}
LENGTH_BASE[28] = 258
for (let c = 0, base = 1; c < 30; c++) {
  DIST_EXTRA[c] = c < 4 ? 0 : (c >>> 1) - 1
  DIST_BASE[c] = base
  base += 1 << (DIST_EXTRA[c] as number)
}
/** 3.2.7: order in which the code length code lengths are sent. */
const CLEN_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15)

/**
 * A canonical Huffman code (3.2.2). `table` maps the next `root` stream bits
 * to `symbol << 4 | length` for codes of at most `root` bits, 0 otherwise;
 * `counts` / `symbols` decode the longer ones.
 */
interface Huffman {
  readonly root: number
  readonly table: Uint16Array
  /** counts[len]: number of codes of length len. */
  readonly counts: Uint16Array
  /** Symbols ordered by code (length, then symbol value). */
  readonly symbols: Uint16Array
}

/** Which code {@link build} makes (zlib's CODES, LENS, DISTS). */
type Kind = 0 | 1 | 2
const CODE_LENGTHS = 0
const LENGTHS = 1
const DISTANCES = 2

const SET_ERRORS = ['invalid code lengths set', 'invalid literal/lengths set', 'invalid distances set'] as const

/**
 * Builds the code for `lengths` (0 = unused symbol), refusing what zlib's
 * inflate_table refuses: an over-subscribed set, and an incomplete one
 * except a single code of length 1 for literal/lengths or distances (an
 * empty distance code is allowed: it fails only if a distance is needed).
 */
function build (lengths: Uint8Array, count: number, root: number, kind: Kind): Huffman {
  const counts = new Uint16Array(16)
  for (let s = 0; s < count; s++) {
    const len = lengths[s] as number
    counts[len] = (counts[len] as number) + 1
  }
  counts[0] = 0
  let max = 15
  while (max > 0 && counts[max] === 0) max--
  let left = 1
  for (let len = 1; len <= 15; len++) {
    left = (left << 1) - (counts[len] as number)
    if (left < 0) throw malformed(SET_ERRORS[kind])
  }
  if (left > 0 && max > 0 && (kind === CODE_LENGTHS || max !== 1)) {
    throw malformed(SET_ERRORS[kind])
  }
  if (max === 0 && kind === CODE_LENGTHS) throw malformed('invalid code lengths set')
  // Canonical codes: offsets of each length in `symbols`, then the first code of each length.
  const offsets = new Uint16Array(17)
  for (let len = 1; len <= 15; len++) offsets[len + 1] = (offsets[len] as number) + (counts[len] as number)
  const symbols = new Uint16Array(offsets[16] as number)
  const table = new Uint16Array(1 << root)
  let code = 0
  const next = new Uint16Array(16)
  for (let len = 1; len <= 15; len++) {
    code = (code + (counts[len - 1] as number)) << 1
    next[len] = code
  }
  for (let s = 0; s < count; s++) {
    const len = lengths[s] as number
    if (len === 0) continue
    const at = offsets[len] as number
    symbols[at] = s
    offsets[len] = at + 1
    if (len > root) continue
    // The stream sends codes most significant bit first: index the table by the reversed code.
    const c = next[len] as number
    next[len] = c + 1
    let rev = 0
    for (let i = 0; i < len; i++) rev |= ((c >>> i) & 1) << (len - 1 - i)
    const entry = (s << 4) | len
    for (let i = rev; i < table.length; i += 1 << len) table[i] = entry
  }
  return { root, table, counts, symbols }
}

const LENGTH_ROOT = 9
const DIST_ROOT = 8
let fixed: { lengths: Huffman, distances: Huffman } | undefined

/** 3.2.6: the fixed codes; symbols 286, 287 and distances 30, 31 exist in the code but are invalid when used. */
function fixedCodes (): { lengths: Huffman, distances: Huffman } {
  if (fixed !== undefined) return fixed
  const l = new Uint8Array(288)
  l.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288)
  fixed = { lengths: build(l, 288, LENGTH_ROOT, LENGTHS), distances: build(new Uint8Array(32).fill(5), 32, DIST_ROOT, DISTANCES) }
  return fixed
}

/** Where {@link inflateRaw} writes: a buffer grown by doubling, never past `limit` bytes. */
class Output {
  buf: Uint8Array
  constructor (hint: number, readonly limit: number) {
    this.buf = new Uint8Array(Math.min(Math.max(hint, 64), limit))
  }

  /** A buffer of at least `needed` bytes holding the first `used`; {@link SizeLimitError} past the limit. */
  grow (used: number, needed: number): Uint8Array {
    if (needed > this.limit) throw new SizeLimitError('decompressed', this.limit, needed)
    const next = new Uint8Array(Math.min(this.limit, Math.max(needed, this.buf.length * 2)))
    next.set(this.buf.subarray(0, used))
    this.buf = next
    return next
  }
}

/** Result of {@link inflateRaw}. */
export interface Inflated {
  /** The decompressed bytes. */
  readonly output: Uint8Array
  /** Offset of the first input byte after the stream (its last byte's unused bits are padding). */
  readonly end: number
}

/**
 * Decodes the raw DEFLATE stream starting at `input[start]`, producing at
 * most `maxOutput` bytes ({@link SizeLimitError} as soon as it would produce
 * more), and reports where it ends; bytes after the end are not read.
 * `sizeHint` sizes the first output buffer (an untrusted claim such as gzip's
 * ISIZE: it is clamped to the cap and to 1032 bytes per input byte, DEFLATE's
 * largest expansion). Throws {@link MalformedInputError} on anything zlib
 * rejects and on truncation.
 */
export function inflateRaw (input: Uint8Array, start: number, maxOutput: number, sizeHint = 0): Inflated {
  const n = input.length
  const sink = new Output(Math.min(sizeHint, (n - start) * 1032), maxOutput)
  let out = sink.buf
  let op = 0
  let pos = start
  // Bit buffer: `bc` bits (<= 31) of `bb`, least significant first. Past the end of the input it is
  // filled with zeros; `pos - n` such bytes were added, and consuming any of their bits is truncation.
  let bb = 0
  let bc = 0
  let last = false
  const lens = new Uint8Array(320)
  while (!last) {
    while (bc < 24) { bb |= (pos < n ? input[pos] as number : 0) << bc; pos++; bc += 8 }
    last = (bb & 1) === 1
    const type = (bb >>> 1) & 3
    bb >>>= 3
    bc -= 3
    if (pos > n && (pos - n) * 8 > bc) throw truncated()
    if (type === 0) {
      // 3.2.4: stored block, from the next byte boundary: LEN, NLEN (ones' complement), LEN bytes.
      pos -= bc >>> 3
      bb = 0
      bc = 0
      if (n - pos < 4) throw truncated()
      const len = (input[pos] as number) | ((input[pos + 1] as number) << 8)
      const nlen = (input[pos + 2] as number) | ((input[pos + 3] as number) << 8)
      if ((len ^ 0xffff) !== nlen) throw malformed('invalid stored block lengths')
      pos += 4
      if (n - pos < len) throw truncated()
      if (op + len > out.length) out = sink.grow(op, op + len)
      out.set(input.subarray(pos, pos + len), op)
      op += len
      pos += len
      continue
    }
    if (type === 3) throw malformed('invalid block type')
    let lcode: Huffman
    let dcode: Huffman
    if (type === 1) {
      ({ lengths: lcode, distances: dcode } = fixedCodes())
    } else {
      // 3.2.7: HLIT, HDIST, HCLEN, then the code length code, then the literal/length and distance code lengths.
      const nlen = (bb & 31) + 257
      const ndist = ((bb >>> 5) & 31) + 1
      const nclen = ((bb >>> 10) & 15) + 4
      bb >>>= 14
      bc -= 14
      if (nlen > 286 || ndist > 30) throw malformed('too many length or distance symbols')
      lens.fill(0, 0, 19)
      for (let i = 0; i < nclen; i++) {
        while (bc < 24) { bb |= (pos < n ? input[pos] as number : 0) << bc; pos++; bc += 8 }
        lens[CLEN_ORDER[i] as number] = bb & 7
        bb >>>= 3
        bc -= 3
      }
      if (pos > n && (pos - n) * 8 > bc) throw truncated()
      const ccode = build(lens, 19, 7, CODE_LENGTHS)
      lens.fill(0, 0, 19)
      const total = nlen + ndist
      for (let i = 0; i < total;) {
        while (bc < 24) { bb |= (pos < n ? input[pos] as number : 0) << bc; pos++; bc += 8 }
        const e = ccode.table[bb & 127] as number
        const l = e & 15
        bb >>>= l
        bc -= l
        const sym = e >>> 4
        if (sym < 16) {
          lens[i++] = sym
        } else {
          let repeat: number
          let value = 0
          if (sym === 16) {
            if (i === 0) throw malformed('invalid bit length repeat')
            value = lens[i - 1] as number
            repeat = 3 + (bb & 3)
            bb >>>= 2
            bc -= 2
          } else if (sym === 17) {
            repeat = 3 + (bb & 7)
            bb >>>= 3
            bc -= 3
          } else {
            repeat = 11 + (bb & 127)
            bb >>>= 7
            bc -= 7
          }
          if (i + repeat > total) throw malformed('invalid bit length repeat')
          lens.fill(value, i, i + repeat)
          i += repeat
        }
        if (pos > n && (pos - n) * 8 > bc) throw truncated()
      }
      if (lens[256] === 0) throw malformed('invalid code -- missing end-of-block')
      lcode = build(lens, nlen, LENGTH_ROOT, LENGTHS)
      dcode = build(lens.subarray(nlen, total), ndist, DIST_ROOT, DISTANCES)
    }
    const ltable = lcode.table
    const lmask = (1 << lcode.root) - 1
    const dtable = dcode.table
    const dmask = (1 << dcode.root) - 1
    // 3.2.5: literals, <length, distance> pairs, end of block (256).
    for (;;) {
      while (bc < 24) { bb |= (pos < n ? input[pos] as number : 0) << bc; pos++; bc += 8 }
      let e = ltable[bb & lmask] as number
      if (e === 0) e = slowDecode(lcode, bb)
      const l = e & 15
      bb >>>= l
      bc -= l
      let sym = e >>> 4
      if (pos > n && (pos - n) * 8 > bc) throw truncated()
      if (sym < 256) {
        if (op === out.length) out = sink.grow(op, op + 1)
        out[op++] = sym
        continue
      }
      if (sym === 256) break
      sym -= 257
      if (sym >= 29) throw malformed('invalid literal/length code')
      const lx = LENGTH_EXTRA[sym] as number
      const len = (LENGTH_BASE[sym] as number) + (bb & ((1 << lx) - 1))
      bb >>>= lx
      bc -= lx
      while (bc < 24) { bb |= (pos < n ? input[pos] as number : 0) << bc; pos++; bc += 8 }
      e = dtable[bb & dmask] as number
      if (e === 0) e = slowDecode(dcode, bb, 'invalid distance code')
      const dl = e & 15
      bb >>>= dl
      bc -= dl
      const dsym = e >>> 4
      if (dsym >= 30) throw malformed('invalid distance code')
      const dx = DIST_EXTRA[dsym] as number
      if (bc < dx) { bb |= (pos < n ? input[pos] as number : 0) << bc; pos++; bc += 8 }
      const dist = (DIST_BASE[dsym] as number) + (bb & ((1 << dx) - 1))
      bb >>>= dx
      bc -= dx
      if (pos > n && (pos - n) * 8 > bc) throw truncated()
      if (dist > op) throw malformed('invalid distance too far back')
      if (op + len > out.length) out = sink.grow(op, op + len)
      let from = op - dist
      if (dist >= len && len > 32) {
        out.copyWithin(op, from, from + len)
        op += len
      } else {
        // Overlapping copies repeat the last `dist` bytes, so they go byte by byte.
        const stop = op + len
        while (op < stop) out[op++] = out[from++] as number
      }
    }
  }
  const end = pos - (bc >>> 3)
  // The buffer is kept when at most 1/8 of it is unused, else the output is copied out.
  const output = out.length - op <= op >>> 3 ? out.subarray(0, op) : out.slice(0, op)
  return { output, end }
}

/**
 * Decodes a code longer than the table's root bits (or none: an unused
 * code of an incomplete set) from the bit buffer, one bit at a time as
 * RFC 1951 3.2.2 assigns codes; returns `symbol << 4 | length`.
 */
function slowDecode (h: Huffman, bb: number, invalid = 'invalid literal/length code'): number {
  let code = 0
  let first = 0
  let index = 0
  for (let len = 1; len <= 15; len++) {
    code |= (bb >>> (len - 1)) & 1
    const count = h.counts[len] as number
    if (code - first < count) {
      return ((h.symbols[index + code - first] as number) << 4) | len
    }
    index += count
    first = (first + count) << 1
    code <<= 1
  }
  throw malformed(invalid)
}
