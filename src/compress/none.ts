/**
 * The identity "compressor" (wire id 0): the payload travels as is, so
 * choosing it costs zero payload bytes.
 *
 * @module
 */
import { SizeLimitError } from '../errors.js'
import { defineCompressor } from './guard.js'
import { CompressionId, type Compressor } from './types.js'

/** Wire id 0: no compression. Both directions return the input itself (no copy). */
export const none: Compressor = defineCompressor({
  id: CompressionId.none,
  name: 'none',
  backend: 'none',
  compress (input: Uint8Array): Uint8Array {
    return input
  },
  decompress (input: Uint8Array, maxOutput: number): Uint8Array {
    if (input.length > maxOutput) throw new SizeLimitError('decompressed', maxOutput, input.length)
    return input
  }
})
