/**
 * Raw snappy block (wire id 1) on `snappyjs`, the portable backend.
 *
 * `snappyjs` neither bounds-checks every copy nor verifies that the output
 * fills the declared length, so the stream is validated by
 * {@link checkSnappyElements} before it decodes; the length claim is checked
 * against the cap before anything is allocated.
 *
 * @module
 */
import { compress, uncompress } from 'snappyjs'
import { SizeLimitError } from '../errors.js'
import { plain } from './bytes.js'
import { assertCap, toDecodeError } from './guard.js'
import { checkSnappyElements, readSnappyLength } from './snappy-format.js'
import { CompressionId, type Compressor } from './types.js'

/** Snappy on `snappyjs` (pure JavaScript). */
export const snappyJs: Compressor = Object.freeze({
  id: CompressionId.snappy,
  name: 'snappy',
  backend: 'snappyjs',
  compress (input: Uint8Array): Uint8Array {
    return plain(compress(input))
  },
  decompress (input: Uint8Array, maxOutput: number): Uint8Array {
    assertCap(maxOutput)
    const { length, offset } = readSnappyLength(input)
    if (length > maxOutput) throw new SizeLimitError('decompressed', maxOutput, length)
    checkSnappyElements(input, offset, length)
    try {
      return plain(uncompress(input, length))
    } catch (err) {
      throw toDecodeError('snappy', err)
    }
  }
})
