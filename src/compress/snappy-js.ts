/**
 * Raw snappy block (wire id 1), the portable backend: `snappyjs` compresses;
 * our own one-pass decoder ({@link decodeSnappyElements}) decompresses, because
 * `snappyjs.uncompress` neither bounds-checks every copy nor verifies that the
 * output fills the declared length (validating first and then decoding with it
 * walked the input twice). The length claim is checked against the cap before
 * anything is allocated.
 *
 * @module
 */
import { compress } from 'snappyjs'
import { SizeLimitError } from '../errors.js'
import { plain } from './bytes.js'
import { defineCompressor } from './guard.js'
import { decodeSnappyElements, readSnappyLength } from './snappy-format.js'
import { CompressionId, type Compressor } from './types.js'
import { allocBytes } from '../alloc.js'

/** Snappy on `snappyjs` (pure JavaScript). */
export const snappyJs: Compressor = defineCompressor({
  id: CompressionId.snappy,
  name: 'snappy',
  backend: 'snappyjs',
  compress (input: Uint8Array): Uint8Array {
    return plain(compress(input))
  },
  decompress (input: Uint8Array, maxOutput: number): Uint8Array {
    const { length, offset } = readSnappyLength(input)
    if (length > maxOutput) throw new SizeLimitError('decompressed', maxOutput, length)
    const out = allocBytes(length)
    decodeSnappyElements(input, offset, out)
    return out
  }
})
