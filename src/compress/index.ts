/**
 * Compression layer: the {@link Compressor} contract, the formats none,
 * snappy (raw block), gzip and zstd on portable and accelerated backends,
 * lookup by name or wire id, and the size-aware {@link createCompressionPolicy}.
 *
 * Every `decompress(bytes, maxOutput)` refuses to produce more than
 * `maxOutput` bytes and checks any size the input claims before allocating
 * it; it throws only {@link errors!MalformedInputError} and {@link errors!SizeLimitError}
 * (and {@link errors!InvalidConfigError} for a cap that is not a non-negative
 * safe integer). Every `compress` and `decompress` refuses input that is not a
 * `Uint8Array` with {@link errors!MalformedInputError}.
 *
 * @module
 */
export { CompressionId, type CompressionName, type Compressor } from './types.js'
export { none } from './none.js'
export { snappyJs } from './snappy-js.js'
export { snappyNapi, snappyNapiUnavailable } from './snappy-napi.js'
export { createGzipFflate, gzipFflate, type GzipFflateInit } from './gzip-fflate.js'
export { createGzipZlib, gzipZlib, type GzipZlibInit } from './gzip-zlib.js'
export { createZstdWasm, zstdWasm, type ZstdWasmInit } from './zstd-wasm.js'
export { createZstdNapi, zstdNapi, zstdNapiUnavailable, type ZstdNapiInit } from './zstd-napi.js'
export { DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL } from './levels.js'
export { DEFAULT_MAX_FRAMES } from './guard.js'
export { readSnappyLength, type SnappyPreamble } from './snappy-format.js'
export { scanZstdFrames, ZSTD_MAX_STREAMING_WINDOW, type ZstdScan } from './zstd-format.js'
export {
  compressionName,
  createCompressorSet,
  defaultCompressors,
  getCompressor,
  listBackends,
  type BackendInfo,
  type BackendKind,
  type CompressorSet,
  type CompressorSetInit
} from './registry.js'
export {
  createCompressionPolicy,
  DEFAULT_BATCH_CODECS,
  DEFAULT_SINGLE_CODECS,
  type CompressionChoice,
  type CompressionPolicy,
  type CompressionPolicyInit,
  type CompressOptions
} from './policy.js'
