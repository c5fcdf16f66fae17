/**
 * gzip (wire id 2, RFC 1952) on `node:zlib`, the accelerated backend.
 *
 * Decompression runs the member walk every gzip backend shares
 * ({@link decodeGzipMembers}: our header parser, trailer check and member
 * bound) and gives zlib only each member's raw DEFLATE data
 * (`inflateRawSync`, which reports in `bytesWritten` where the stream ended).
 * `maxOutputLength` makes zlib stop once a member's output passes what is
 * left of the cap; it never trusts ISIZE. zlib's own gunzip would skip zero
 * padding after the last member; the walk rejects any trailing data, like
 * the portable backend.
 *
 * @module
 */
import { constants } from 'node:buffer'
import { crc32, gzipSync, inflateRawSync, type InflateRaw } from 'node:zlib'
import { SizeLimitError } from '../errors.js'
import { plain } from './bytes.js'
import { decodeGzipMembers } from './gzip-format.js'
import { defineCompressor, maxFramesOption, toDecodeError } from './guard.js'
import { gzipLevel } from './levels.js'
import { CompressionId, type Compressor } from './types.js'

/** Options of {@link createGzipZlib}. */
export interface GzipZlibInit {
  /**
   * Deflate level 0..9.
   * @default DEFAULT_GZIP_LEVEL (6)
   */
  level?: number
  /**
   * Most members one input may hold.
   * @default DEFAULT_MAX_FRAMES (64)
   */
  maxFrames?: number
}

const MAX_LENGTH = constants.MAX_LENGTH
/** zlib's default output chunk (Z_DEFAULT_CHUNK). */
const ZLIB_CHUNK_BYTES = 16 * 1024
/**
 * Output room zlib's fast decoding loop needs: inflate() runs inflate_fast()
 * only while at least 258 bytes of output space are left (zlib inflate.c), so
 * a chunk cut to the exact output would decode its last 258 bytes slowly.
 */
const INFLATE_FAST_ROOM = 258

/** What the `*Sync` convenience methods return with `info: true`. */
interface SyncInfo {
  buffer: Buffer
  engine: InflateRaw
}

/** One member's DEFLATE data through zlib, at most `maxOutput` bytes; `sizeHint` sizes the output chunk. */
function inflate (input: Uint8Array, start: number, maxOutput: number, sizeHint: number): { output: Uint8Array, end: number } {
  let result: SyncInfo
  try {
    // maxOutputLength must be in 1..buffer.constants.MAX_LENGTH; a cap of 0 is enforced below.
    const maxOutputLength = Math.min(Math.max(1, maxOutput), MAX_LENGTH)
    // Output chunks no larger than the cap (or the claimed size) needs, plus one byte to see an overflow, plus
    // the fast loop's room: a small message then costs one small allocation instead of zlib's default 16 KiB.
    const want = sizeHint > 0 ? Math.min(sizeHint, maxOutput) : maxOutput
    const chunkSize = Math.max(64, Math.min(want + 1 + INFLATE_FAST_ROOM, ZLIB_CHUNK_BYTES))
    result = inflateRawSync(input.subarray(start), { maxOutputLength, chunkSize, info: true }) as unknown as SyncInfo
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new SizeLimitError('decompressed', maxOutput, maxOutput + 1)
    }
    throw toDecodeError('gzip', err)
  }
  const out = result.buffer
  if (out.length > maxOutput) throw new SizeLimitError('decompressed', maxOutput, out.length)
  return { output: plain(out), end: start + result.engine.bytesWritten }
}

/** Creates a gzip compressor on `node:zlib`. */
export function createGzipZlib (init: GzipZlibInit = {}): Compressor {
  const options = Object.freeze({ level: gzipLevel(init.level) })
  const maxFrames = maxFramesOption(init.maxFrames)
  return defineCompressor({
    id: CompressionId.gzip,
    name: 'gzip',
    backend: 'node-zlib',
    compress (input: Uint8Array): Uint8Array {
      return plain(gzipSync(input, options))
    },
    decompress (input: Uint8Array, maxOutput: number): Uint8Array {
      return decodeGzipMembers(input, maxOutput, maxFrames, inflate, crc32)
    }
  })
}

/** gzip on `node:zlib` at the default level (`DEFAULT_GZIP_LEVEL`). */
export const gzipZlib: Compressor = createGzipZlib()
