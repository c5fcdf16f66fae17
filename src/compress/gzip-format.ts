/**
 * gzip member framing (RFC 1952 section 2.3), walked by us for every gzip
 * backend: {@link decodeGzipMembers} parses each member header, hands the
 * backend only the raw DEFLATE data, checks the trailer, and goes on from
 * where the backend says the stream ended. Both backends therefore accept
 * and reject exactly the same inputs, in time linear in the input: each byte
 * of a header is read once (a 4 MiB FNAME cost fflate's re-scanning
 * `Gunzip` 10 s), and the number of members is bounded.
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { concatChunks } from './bytes.js'
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

/** Offset of the byte after the zero terminator of the string starting at `at` (one linear scan). */
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

/**
 * A backend's raw DEFLATE decoder: decodes the stream starting at
 * `input[start]` into at most `maxOutput` bytes ({@link SizeLimitError}
 * beyond), and returns the output and the offset right after the stream.
 * `sizeHint` is an untrusted guess of the output size (the last ISIZE).
 */
export type RawInflate = (input: Uint8Array, start: number, maxOutput: number, sizeHint: number) => { output: Uint8Array, end: number }

/**
 * Decodes every member of `input` (RFC 1952 2.2: "a series of members"):
 * header ({@link parseGzipHeader}), DEFLATE data (`inflate`), trailer
 * ({@link checkGzipTrailer}, with `crc` the CRC-32 of the member's output).
 * Nothing may follow the last member, not even the zero padding node:zlib
 * skips. Throws {@link SizeLimitError} (`decompressed`) once the output
 * passes `maxOutput` and (`compressed-frames`) on member `maxMembers + 1`,
 * {@link MalformedInputError} on anything else wrong.
 */
export function decodeGzipMembers (input: Uint8Array, maxOutput: number, maxMembers: number, inflate: RawInflate, crc: (data: Uint8Array) => number): Uint8Array {
  const n = input.length
  // ISIZE of the last member: the exact size of a single-member input, a hint only.
  const hint = n >= 18 ? u32le(input, n - 4) : 0
  const chunks: Uint8Array[] = []
  let total = 0
  let pos = 0
  let members = 0
  do {
    if (++members > maxMembers) throw new SizeLimitError('compressed-frames', maxMembers, members)
    const data = parseGzipHeader(input, pos)
    const { output, end } = inflate(input, data, maxOutput - total, members === 1 ? hint : 0)
    total += output.length
    if (n - end < GZIP_TRAILER_BYTES) throw malformed('truncated trailer')
    pos = end + GZIP_TRAILER_BYTES
    checkGzipTrailer(input, pos, crc(output), output.length)
    chunks.push(output)
  } while (pos < n)
  return concatChunks(chunks, total)
}
