/**
 * gzip (wire id 2, RFC 1952) on `node:zlib`, the accelerated backend.
 *
 * zlib checks headers, CRC-32 and ISIZE of every member and decodes
 * concatenated members; `maxOutputLength` makes it stop once the output
 * passes the cap (it never trusts ISIZE). Two things are added: the error
 * mapping, and a check that zlib consumed the whole input (it silently stops
 * at trailing zero bytes after the last member; we reject any trailing data,
 * like the fflate backend).
 *
 * @module
 */
import { constants } from 'node:buffer'
import { gunzipSync, gzipSync, type Gzip } from 'node:zlib'
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { plain } from './bytes.js'
import { assertCap, toDecodeError } from './guard.js'
import { gzipLevel } from './levels.js'
import { CompressionId, type Compressor } from './types.js'

/** Options of {@link createGzipZlib}. */
export interface GzipZlibInit {
  /**
   * Deflate level 0..9.
   * @default DEFAULT_GZIP_LEVEL (6)
   */
  level?: number
}

const MAX_LENGTH = constants.MAX_LENGTH
/** zlib's default output chunk (Z_DEFAULT_CHUNK). */
const DEFAULT_CHUNK = 16 * 1024
/**
 * Output room zlib's fast decoding loop needs: inflate() runs inflate_fast()
 * only while at least 258 bytes of output space are left (zlib inflate.c), so
 * a chunk cut to the exact output would decode its last 258 bytes slowly.
 */
const INFLATE_FAST_ROOM = 258

/** What the `*Sync` convenience methods return with `info: true`. */
interface SyncInfo {
  buffer: Buffer
  engine: Gzip
}

function decompress (input: Uint8Array, maxOutput: number): Uint8Array {
  assertCap(maxOutput)
  let result: SyncInfo
  try {
    // maxOutputLength must be in 1..buffer.constants.MAX_LENGTH; a cap of 0 is enforced below.
    const maxOutputLength = Math.min(Math.max(1, maxOutput), MAX_LENGTH)
    // Output chunks no larger than the cap needs (plus one byte to see an overflow, plus the fast loop's
    // room): a small message then costs one small allocation instead of zlib's default 16 KiB chunk.
    const chunkSize = Math.min(maxOutput + 1 + INFLATE_FAST_ROOM, DEFAULT_CHUNK)
    result = gunzipSync(input, { maxOutputLength, chunkSize, info: true }) as unknown as SyncInfo
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new SizeLimitError('decompressed', maxOutput, maxOutput + 1)
    }
    throw toDecodeError('gzip', err)
  }
  const out = result.buffer
  if (out.length > maxOutput) throw new SizeLimitError('decompressed', maxOutput, out.length)
  if (result.engine.bytesWritten !== input.length) throw new MalformedInputError('gzip', 'data after the last member')
  return plain(out)
}

/** Creates a gzip compressor on `node:zlib`. */
export function createGzipZlib (init: GzipZlibInit = {}): Compressor {
  const options = Object.freeze({ level: gzipLevel(init.level) })
  return Object.freeze({
    id: CompressionId.gzip,
    name: 'gzip',
    backend: 'node-zlib',
    compress (input: Uint8Array): Uint8Array {
      return plain(gzipSync(input, options))
    },
    decompress
  } satisfies Compressor)
}

/** gzip on `node:zlib` at the default level (`DEFAULT_GZIP_LEVEL`). */
export const gzipZlib: Compressor = createGzipZlib()
