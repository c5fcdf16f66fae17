/**
 * The identity "compressor" (wire id 0): the payload travels as is, so
 * choosing it costs zero payload bytes.
 *
 * @module
 */
import { SizeLimitError } from '../errors.js'
import { plain } from './bytes.js'
import { defineCompressor } from './guard.js'
import { CompressionId, type Compressor } from './types.js'

/**
 * Wire id 0: no compression. Both directions return the input itself (no
 * copy), as a plain `Uint8Array` view when it is a `Buffer`, like every backend.
 */
export const none: Compressor = defineCompressor({
  id: CompressionId.none,
  name: 'none',
  backend: 'none',
  compress (input: Uint8Array): Uint8Array {
    return plain(input)
  },
  decompress (input: Uint8Array, maxOutput: number): Uint8Array {
    if (input.length > maxOutput) throw new SizeLimitError('decompressed', maxOutput, input.length)
    return plain(input)
  }
})
