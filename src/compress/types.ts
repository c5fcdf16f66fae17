/**
 * The compressor contract. Every method is synchronous (gossipsub's
 * DataTransform is synchronous) and every decompressor enforces its output cap
 * BEFORE allocating in proportion to what the input claims.
 *
 * @module
 */

/** Compresses and decompresses one wire format with one backend library. */
export interface Compressor {
  /** Wire id of the format: 0 none, 1 snappy (raw block), 2 gzip, 3 zstd. */
  readonly id: number
  /** Format name: `none`, `snappy`, `gzip`, `zstd`. */
  readonly name: CompressionName
  /** Library doing the work, e.g. `snappyjs`, `snappy-napi`, `node-zlib`, `fflate`, `zstd-wasm`, `zstd-napi`. */
  readonly backend: string
  /** Compresses `input`. */
  compress(input: Uint8Array): Uint8Array
  /**
   * Decompresses `input`, producing at most `maxOutput` bytes. Throws
   * {@link SizeLimitError} (`quantity: 'decompressed'`) as soon as the output
   * would exceed the cap (from a header claim when there is one, else while
   * streaming) and {@link MalformedInputError} on corrupt input.
   */
  decompress(input: Uint8Array, maxOutput: number): Uint8Array
}

/** Names of the built-in compression formats. */
export type CompressionName = 'none' | 'snappy' | 'gzip' | 'zstd'

/** Wire ids of the built-in compression formats; never reused. */
export const CompressionId = Object.freeze({
  none: 0,
  snappy: 1,
  gzip: 2,
  zstd: 3
} as const)
