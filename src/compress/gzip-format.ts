/**
 * gzip member framing (RFC 1952 section 2.3), parsed by us for the portable
 * backend, whose inflater neither rejects reserved header flags nor checks
 * the header CRC, the CRC-32 or the ISIZE of a member.
 *
 * @module
 */
import { MalformedInputError } from '../errors.js'
import { crc32 } from './crc32.js'

const FHCRC = 0x02
const FEXTRA = 0x04
const FNAME = 0x08
const FCOMMENT = 0x10
const FRESERVED = 0xe0

/** Bytes of a member trailer: CRC32 then ISIZE, both little-endian. */
export const GZIP_TRAILER_BYTES = 8

function malformed (reason: string): MalformedInputError {
  return new MalformedInputError('gzip', reason)
}

function u32le (b: Uint8Array, at: number): number {
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0
}

/** Offset of the byte after the zero terminator of the string starting at `at`. */
function skipZeroTerminated (b: Uint8Array, at: number): number {
  const zero = b.indexOf(0, at)
  if (zero < 0) throw malformed('truncated header')
  return zero + 1
}

/**
 * Validates the member header starting at `start` and returns the offset of
 * its deflate data. "A compliant decompressor must give an error indication
 * if any reserved bit is non-zero" (2.3.1.2); FHCRC, when present, must match
 * the low 16 bits of the CRC-32 of the header bytes before it.
 */
export function parseGzipHeader (b: Uint8Array, start: number): number {
  if (b.length - start < 10) throw malformed('truncated header')
  if (b[start] !== 0x1f || b[start + 1] !== 0x8b) throw malformed('not a gzip member (bad magic)')
  if (b[start + 2] !== 8) throw malformed('compression method is not deflate')
  const flg = b[start + 3] as number
  if ((flg & FRESERVED) !== 0) throw malformed('reserved header flag set')
  let pos = start + 10
  if ((flg & FEXTRA) !== 0) {
    if (pos + 2 > b.length) throw malformed('truncated header')
    pos += 2 + ((b[pos] as number) | ((b[pos + 1] as number) << 8))
    if (pos > b.length) throw malformed('truncated header')
  }
  if ((flg & FNAME) !== 0) pos = skipZeroTerminated(b, pos)
  if ((flg & FCOMMENT) !== 0) pos = skipZeroTerminated(b, pos)
  if ((flg & FHCRC) !== 0) {
    if (pos + 2 > b.length) throw malformed('truncated header')
    const expected = (b[pos] as number) | ((b[pos + 1] as number) << 8)
    if ((crc32(b.subarray(start, pos)) & 0xffff) !== expected) throw malformed('header CRC mismatch')
    pos += 2
  }
  return pos
}

/**
 * Checks the trailer ending at `end` against the CRC-32 and size of what
 * the member decompressed to (ISIZE is the size modulo 2^32, 2.3.1).
 */
export function checkGzipTrailer (b: Uint8Array, end: number, crc: number, size: number): void {
  const at = end - GZIP_TRAILER_BYTES
  if (at < 0) throw malformed('truncated trailer')
  if (u32le(b, at) !== crc) throw malformed('CRC-32 mismatch')
  if (u32le(b, at + 4) !== size % 2 ** 32) throw malformed('ISIZE mismatch')
}
