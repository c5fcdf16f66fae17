/**
 * The raw snappy block format (google/snappy `format_description.txt`), parsed
 * by us before any backend runs: the length preamble is checked against the
 * output cap before a single output byte is allocated. The element stream is
 * decoded here too, with every bound checked, for the portable backend and for
 * small blocks on the native one (where a native call costs more than the work).
 *
 * @module
 */
import { MalformedInputError } from '../errors.js'

/** The preamble of a raw snappy block. */
export interface SnappyPreamble {
  /** Uncompressed length the block declares. */
  readonly length: number
  /** Offset of the first element, right after the preamble. */
  readonly offset: number
}

function malformed (reason: string): MalformedInputError {
  return new MalformedInputError('snappy', reason)
}

/**
 * Reads the preamble: "the uncompressed length, stored as a little-endian
 * varint" of at most 32 bits, so at most 5 bytes and a fifth byte <= 0x0f.
 * Longer, overflowing or truncated varints throw {@link MalformedInputError}.
 */
export function readSnappyLength (input: Uint8Array): SnappyPreamble {
  let length = 0
  const end = Math.min(input.length, 5)
  for (let i = 0; i < end; i++) {
    const b = input[i] as number
    // Byte 5 carries bits 28..31: anything above 0x0f overflows 32 bits or continues past 5 bytes.
    if (i === 4 && b > 0x0f) throw malformed('length preamble longer than 32 bits')
    length += (b & 0x7f) * 2 ** (7 * i)
    if (b < 0x80) return { length, offset: i + 1 }
  }
  throw malformed('truncated length preamble')
}

/** Literals and copies shorter than this are copied byte by byte (a native call costs more). */
const SHORT_COPY = 16

/**
 * Decodes the elements after the preamble (format_description.txt section 2)
 * into `out`, whose length is the declared length, validating as it goes:
 * throws {@link MalformedInputError} unless every literal lies inside the
 * input, every copy offset is in 1..bytes produced so far, and the elements
 * produce exactly `out.length` bytes. Nothing is read or written out of
 * bounds, and the only allocation is the caller's `out`.
 */
export function decodeSnappyElements (input: Uint8Array, offset: number, out: Uint8Array): void {
  const n = input.length
  const length = out.length
  let pos = offset
  let op = 0
  while (pos < n) {
    const tag = input[pos++] as number
    const type = tag & 3
    let len: number
    if (type === 0) {
      // Literal: length-1 in the upper 6 bits, or in the next 1..4 bytes when those bits are 60..63.
      len = tag >>> 2
      if (len >= 60) {
        const extra = len - 59
        if (pos + extra > n) throw malformed('truncated literal length')
        len = 0
        for (let i = extra - 1; i >= 0; i--) len = len * 256 + (input[pos + i] as number)
        pos += extra
      }
      len += 1
      if (len > n - pos) throw malformed('literal runs past the end of the input')
      if (len > length - op) throw malformed('output longer than the declared length')
      if (len < SHORT_COPY) {
        for (let i = 0; i < len; i++) out[op + i] = input[pos + i] as number
      } else {
        out.set(input.subarray(pos, pos + len), op)
      }
      pos += len
      op += len
      continue
    }
    let distance: number
    if (type === 1) {
      // Copy with 1-byte offset: length 4..11, 11-bit offset.
      if (pos >= n) throw malformed('truncated copy')
      len = 4 + ((tag >>> 2) & 7)
      distance = ((tag >>> 5) << 8) | (input[pos] as number)
      pos += 1
    } else if (type === 2) {
      // Copy with 2-byte little-endian offset, length 1..64.
      if (pos + 2 > n) throw malformed('truncated copy')
      len = (tag >>> 2) + 1
      distance = (input[pos] as number) | ((input[pos + 1] as number) << 8)
      pos += 2
    } else {
      // Copy with 4-byte little-endian offset, length 1..64.
      if (pos + 4 > n) throw malformed('truncated copy')
      len = (tag >>> 2) + 1
      distance = ((input[pos] as number) | ((input[pos + 1] as number) << 8) |
        ((input[pos + 2] as number) << 16) | ((input[pos + 3] as number) << 24)) >>> 0
      pos += 4
    }
    if (distance === 0 || distance > op) throw malformed('copy offset outside the output')
    if (len > length - op) throw malformed('output longer than the declared length')
    // A copy may overlap its own output (distance < len): it then repeats the last `distance` bytes.
    if (distance >= len && len >= SHORT_COPY) {
      out.copyWithin(op, op - distance, op - distance + len)
    } else {
      for (let i = 0; i < len; i++) out[op + i] = out[op - distance + i] as number
    }
    op += len
  }
  if (op !== length) throw malformed('output shorter than the declared length')
}
