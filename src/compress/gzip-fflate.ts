/**
 * gzip (wire id 2, RFC 1952) on `fflate`, the portable backend.
 *
 * Decompression streams under the cap: the input is fed to fflate's streaming
 * `Gunzip` in slices small enough that one step cannot produce more than
 * max(cap, 4 MiB) (DEFLATE expands at most ~1032:1), and it aborts with
 * {@link SizeLimitError} as soon as the output passes the cap. Peak memory is
 * thus a few times max(cap, 4 MiB): about +15 MiB of ArrayBuffers on a 1 GiB
 * bomb under a 1 MiB cap (test/compress/bomb-memory.test.ts), fflate's output
 * buffer doubling included. ISIZE is never trusted for allocation.
 *
 * fflate accepts multi-member input but checks neither reserved header flags,
 * the header CRC, nor any member's CRC-32 and ISIZE, and it silently accepts a
 * truncated last member; those checks are done here, so that this backend
 * accepts and rejects exactly what `node:zlib` does: one or more complete
 * members, nothing after the last one.
 *
 * @module
 */
import { Gunzip, gzipSync } from 'fflate'
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { concatChunks } from './bytes.js'
import { crc32 } from './crc32.js'
import { checkGzipTrailer, parseGzipHeader } from './gzip-format.js'
import { assertCap, toDecodeError } from './guard.js'
import { gzipLevel } from './levels.js'
import { CompressionId, type Compressor } from './types.js'

/** Options of {@link createGzipFflate}. */
export interface GzipFflateInit {
  /**
   * Deflate level 0..9.
   * @default DEFAULT_GZIP_LEVEL (6)
   */
  level?: number
}

/**
 * A bare member header (no flags), pushed after the real input: fflate parses
 * it as the next member only if the last real member's deflate stream ended
 * exactly 8 bytes (its trailer) before the end of the input, which is how we
 * learn where the last member ends without reaching into fflate's state.
 */
const SENTINEL = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff)

/** Largest expansion of DEFLATE: a 258-byte match costs at least 2 bits (RFC 1951 3.2.5). */
const DEFLATE_MAX_RATIO = 1032

/**
 * Output one step may produce at most, past which we cannot stop fflate: the
 * cap, or 4 MiB for smaller caps. Each step copies fflate's 32 KiB window, so
 * tiny slices are slow (on 64 KiB JSON, 1 KiB slices ran at 4 MB/s against
 * 35 MB/s for 4 KiB ones); 4 MiB bounds a step's overshoot and gives slices
 * of at least 4 KiB.
 */
const STEP_OUTPUT_MIN = 4 * 1024 * 1024

/** Input slice per step, so that one step cannot produce more than max(cap, 4 MiB). */
function sliceBytes (maxOutput: number): number {
  return Math.floor(Math.max(maxOutput, STEP_OUTPUT_MIN) / DEFLATE_MAX_RATIO)
}

function decompress (input: Uint8Array, maxOutput: number): Uint8Array {
  assertCap(maxOutput)
  parseGzipHeader(input, 0)
  const chunks: Uint8Array[] = []
  let total = 0
  let crc = 0
  let size = 0
  // Start offset of every member, and the CRC-32 and size each decompressed to.
  const starts = [0]
  const members: Array<{ crc: number, size: number }> = []
  const stream = new Gunzip((data) => {
    if (data.length === 0) return
    total += data.length
    if (total > maxOutput) throw new SizeLimitError('decompressed', maxOutput, total)
    crc = crc32(data, crc)
    size += data.length
    chunks.push(data)
  })
  stream.onmember = (offset) => {
    members.push({ crc, size })
    crc = 0
    size = 0
    starts.push(offset)
    if (offset < input.length) parseGzipHeader(input, offset)
  }
  try {
    const step = sliceBytes(maxOutput)
    for (let at = 0; at < input.length; at += step) stream.push(input.subarray(at, at + step), false)
    stream.push(SENTINEL, false)
  } catch (err) {
    throw toDecodeError('gzip', err)
  }
  const end = starts[starts.length - 1] as number
  if (end !== input.length) throw new MalformedInputError('gzip', 'truncated member or data after the last member')
  for (let i = 0; i < members.length; i++) {
    const m = members[i] as { crc: number, size: number }
    checkGzipTrailer(input, starts[i + 1] as number, m.crc, m.size)
  }
  return concatChunks(chunks, total)
}

/** Creates a gzip compressor on `fflate`. */
export function createGzipFflate (init: GzipFflateInit = {}): Compressor {
  const level = gzipLevel(init.level) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9
  return Object.freeze({
    id: CompressionId.gzip,
    name: 'gzip',
    backend: 'fflate',
    compress (input: Uint8Array): Uint8Array {
      // mtime 0: the output depends on the input only (RFC 1952: "MTIME = 0 means no time stamp").
      return gzipSync(input, { level, mtime: 0 })
    },
    decompress
  } satisfies Compressor)
}

/** gzip on `fflate` (pure JavaScript) at the default level (`DEFAULT_GZIP_LEVEL`). */
export const gzipFflate: Compressor = createGzipFflate()
