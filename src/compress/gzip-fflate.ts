/**
 * gzip (wire id 2, RFC 1952), the portable backend: `fflate` compresses;
 * wireseal's own DEFLATE decoder ({@link inflateRaw}) decompresses, under
 * the member walk every gzip backend shares ({@link decodeGzipMembers}).
 *
 * fflate's streaming `Gunzip` was used before; it cannot be made linear or
 * bounded from outside: it re-concatenates and re-scans a buffered header on
 * every push (a 4 MiB FNAME took 10 s, node:zlib 1.4 ms), copies its state
 * and the rest of the pushed slice at every member (100k empty members: 5 s,
 * +67 MiB), and a push cannot be cut fine enough to stop near a small cap
 * (a bomb reached 4 MiB of output, +17 MiB RSS, under a 64 KiB cap), and it
 * does not say where a member's DEFLATE data ends. The decoder here writes
 * into one buffer that never grows past the cap, stops the moment the output
 * would pass it, reports the end of each stream, and rejects what zlib
 * rejects (test/compress/adversarial.test.ts checks it against node:zlib).
 *
 * @module
 */
import { gzipSync } from 'fflate'
import { crc32 } from './crc32.js'
import { decodeGzipMembers } from './gzip-format.js'
import { defineCompressor, maxFramesOption } from './guard.js'
import { inflateRaw } from './inflate.js'
import { gzipLevel } from './levels.js'
import { CompressionId, type Compressor } from './types.js'

/** Options of {@link createGzipFflate}. */
export interface GzipFflateInit {
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

/** Creates a gzip compressor on `fflate` (compression) and wireseal's inflater (decompression). */
export function createGzipFflate (init: GzipFflateInit = {}): Compressor {
  const level = gzipLevel(init.level) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9
  const maxFrames = maxFramesOption(init.maxFrames)
  return defineCompressor({
    id: CompressionId.gzip,
    name: 'gzip',
    backend: 'fflate',
    compress (input: Uint8Array): Uint8Array {
      // mtime 0: the output depends on the input only (RFC 1952: "MTIME = 0 means no time stamp").
      return gzipSync(input, { level, mtime: 0 })
    },
    decompress (input: Uint8Array, maxOutput: number): Uint8Array {
      return decodeGzipMembers(input, maxOutput, maxFrames, inflateRaw, crc32)
    }
  })
}

/** gzip on `fflate` (pure JavaScript) at the default level (`DEFAULT_GZIP_LEVEL`). */
export const gzipFflate: Compressor = createGzipFflate()
