/**
 * The compression libraries wireseal wraps, called directly the way their
 * READMEs show, at wireseal's default levels: the baselines of the
 * compressors suite (every library installed here) and of the pipeline suite
 * (the fastest snappy). Native packages are optional: missing ones are left out.
 *
 * @module
 */
import { createRequire } from 'node:module'
import zlib from 'node:zlib'
import { compress as zstdWasmCompress, decompress as zstdWasmDecompress, init as zstdWasmInit } from '@bokuweb/zstd-wasm'
import { gunzipSync as fflateGunzip, gzipSync as fflateGzip } from 'fflate'
import * as snappyjs from 'snappyjs'
import { DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL, type CompressionName } from '../src/compress/index.js'

/** A library called directly. */
export interface DirectCodec {
  /** Same name as the wireseal backend it corresponds to. */
  backend: string
  compress(input: Uint8Array): Uint8Array
  decompress(input: Uint8Array): Uint8Array
}

interface SnappyNapi {
  compressSync(input: Uint8Array): Uint8Array
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Uint8Array
}

interface ZstdNapi {
  compress(input: Uint8Array, parameters: { compressionLevel: number }): Uint8Array
  decompress(input: Uint8Array): Uint8Array
}

const require = createRequire(import.meta.url)

/** An optional native package, or undefined when it is not installed here. */
function optional<T> (name: string): T | undefined {
  try {
    return require(name) as T
  } catch {
    return undefined
  }
}

/** The snappy libraries installed here, fastest first: `snappy` (napi) when present, then snappyjs. */
export function snappyCodecs (): DirectCodec[] {
  const napi = optional<SnappyNapi>('snappy')
  return [
    ...(napi === undefined ? [] : [{ backend: 'snappy-napi', compress: (i: Uint8Array) => napi.compressSync(i), decompress: (i: Uint8Array) => napi.uncompressSync(i, { asBuffer: true }) }]),
    { backend: 'snappyjs', compress: i => snappyjs.compress(i), decompress: i => snappyjs.uncompress(i) }
  ]
}

/** Every library installed here, per format, fastest first. */
export async function directCodecs (): Promise<Record<Exclude<CompressionName, 'none'>, DirectCodec[]>> {
  await zstdWasmInit()
  const zstdNapi = optional<ZstdNapi>('zstd-napi')
  const gzipLevel = { level: DEFAULT_GZIP_LEVEL } as const
  const zstdParams = { compressionLevel: DEFAULT_ZSTD_LEVEL }
  return {
    snappy: snappyCodecs(),
    gzip: [
      { backend: 'node-zlib', compress: i => zlib.gzipSync(i, gzipLevel), decompress: i => zlib.gunzipSync(i) },
      { backend: 'fflate', compress: i => fflateGzip(i, gzipLevel), decompress: i => fflateGunzip(i) }
    ],
    zstd: [
      ...(zstdNapi === undefined ? [] : [{ backend: 'zstd-napi', compress: (i: Uint8Array) => zstdNapi.compress(i, zstdParams), decompress: (i: Uint8Array) => zstdNapi.decompress(i) }]),
      { backend: 'zstd-wasm', compress: i => zstdWasmCompress(i, DEFAULT_ZSTD_LEVEL), decompress: i => zstdWasmDecompress(i) }
    ]
  }
}
