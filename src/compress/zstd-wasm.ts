/**
 * zstd (wire id 3, RFC 8878) on `@bokuweb/zstd-wasm`, the portable backend.
 *
 * The wasm module must be instantiated asynchronously once; this module does
 * it with a top-level await, so importing it is all a caller of the
 * synchronous API needs.
 *
 * The package's own `decompress` allocates whatever the first frame header
 * claims (a 6.4 KB frame grew the heap to 250 MB), so we call the exported C
 * functions (`ZSTD_decompress`, `_malloc`) directly after
 * {@link scanZstdFrames} has bounded the output:
 * - every frame declares its content size: the sum is checked against the cap
 *   by the scan, then one-shot decoding into exactly that many bytes;
 * - some frame does not: this build has no streaming API, so one-shot
 *   decoding into `min(bound from the block headers, cap)` bytes; zstd stops
 *   with `dstSize_tooSmall` when the output would pass the cap, which is
 *   reported as {@link SizeLimitError}. Memory stays below the cap either way.
 * Skippable frames found by the scan are left out of the copy into the heap
 * (8 MiB of them grew RSS by 8 MiB before). The wasm heap never shrinks: it
 * keeps the largest (data frames + output) seen.
 *
 * @module
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { init } from '@bokuweb/zstd-wasm'
import { CodecUnavailableError, MalformedInputError, SizeLimitError } from '../errors.js'
import { defineCompressor, maxFramesOption } from './guard.js'
import { zstdLevel } from './levels.js'
import { CompressionId, type Compressor } from './types.js'
import { scanZstdFrames, type ZstdScan } from './zstd-format.js'

/** The Emscripten module behind `@bokuweb/zstd-wasm` (C functions take and return heap offsets and size_t). */
interface ZstdWasmModule {
  readonly HEAPU8: Uint8Array
  _malloc(size: number): number
  _free(ptr: number): void
  _ZSTD_isError(code: number): number
  _ZSTD_compressBound(size: number): number
  _ZSTD_compress(dst: number, dstCapacity: number, src: number, srcSize: number, level: number): number
  _ZSTD_decompress(dst: number, dstCapacity: number, src: number, srcSize: number): number
}

await init()

// The package exports only its simple API; its Emscripten module sits next to the entry point.
const require = createRequire(import.meta.url)
const wasm = (require(join(dirname(require.resolve('@bokuweb/zstd-wasm')), 'module.js')) as { Module: ZstdWasmModule }).Module

/** `ZSTD_ErrorCode` values we tell apart (zstd_errors.h, stable). */
const DST_SIZE_TOO_SMALL = 70
const ERROR_NAMES: Readonly<Record<number, string>> = {
  10: 'unknown frame prefix',
  14: 'frame parameter unsupported',
  16: 'window too large',
  20: 'corruption detected',
  22: 'checksum mismatch',
  32: 'dictionary wrong',
  70: 'output larger than declared',
  72: 'wrong source size'
}

function unavailable (reason: string): CodecUnavailableError {
  return new CodecUnavailableError('zstd/zstd-wasm', reason)
}

/** Heap allocation; 0 means the 2 GiB wasm heap is exhausted. */
function malloc (size: number): number {
  const ptr = wasm._malloc(Math.max(1, size))
  if (ptr === 0) throw unavailable(`wasm heap exhausted allocating ${size} bytes`)
  return ptr
}

/**
 * Runs `fn(src, srcSize, dst)` with `input` copied into the heap, except the
 * `skip` ranges (flattened `[start, end)` pairs), and `capacity` bytes of
 * output space.
 */
function withBuffers<T> (input: Uint8Array, skip: readonly number[], capacity: number, fn: (src: number, srcSize: number, dst: number) => T): T {
  let size = input.length
  for (let i = 0; i < skip.length; i += 2) size -= (skip[i + 1] as number) - (skip[i] as number)
  const src = malloc(size)
  let dst = 0
  try {
    dst = malloc(capacity)
    const heap = wasm.HEAPU8
    let at = src
    let from = 0
    for (let i = 0; i < skip.length; i += 2) {
      heap.set(input.subarray(from, skip[i]), at)
      at += (skip[i] as number) - from
      from = skip[i + 1] as number
    }
    heap.set(input.subarray(from), at)
    return fn(src, size, dst)
  } finally {
    if (dst !== 0) wasm._free(dst)
    wasm._free(src)
  }
}

/** A size_t result of the C API: the value, or the negated ZSTD_ErrorCode. */
function errorCode (result: number): number {
  return wasm._ZSTD_isError(result) !== 0 ? -(result | 0) : 0
}

/** Decodes the data frames of `input` into `capacity` bytes; returns the output or the error code. */
function decodeInto (input: Uint8Array, scan: ZstdScan, capacity: number): Uint8Array | number {
  // Nothing but skippable frames: nothing to decode.
  if (scan.frames === scan.skippable.length / 2) return new Uint8Array(0)
  return withBuffers(input, scan.skippable, capacity, (src, srcSize, dst) => {
    const r = wasm._ZSTD_decompress(dst, capacity, src, srcSize)
    const code = errorCode(r)
    if (code !== 0) return code
    return wasm.HEAPU8.slice(dst, dst + r)
  })
}

function malformed (code: number): MalformedInputError {
  return new MalformedInputError('zstd', ERROR_NAMES[code] ?? `zstd error ${code}`)
}

function decompress (input: Uint8Array, maxOutput: number, maxFrames: number): Uint8Array {
  const scan = scanZstdFrames(input, maxOutput, maxFrames)
  if (scan.contentSize !== undefined) {
    const out = decodeInto(input, scan, scan.contentSize)
    if (typeof out === 'number') throw malformed(out)
    if (out.length !== scan.contentSize) throw new MalformedInputError('zstd', 'output length differs from the declared content size')
    return out
  }
  const capacity = Math.min(scan.outputBound, maxOutput)
  const out = decodeInto(input, scan, capacity)
  if (typeof out !== 'number') return out
  if (out === DST_SIZE_TOO_SMALL && capacity === maxOutput) throw new SizeLimitError('decompressed', maxOutput, maxOutput + 1)
  throw malformed(out)
}

/** Options of {@link createZstdWasm}. */
export interface ZstdWasmInit {
  /**
   * zstd level.
   * @default DEFAULT_ZSTD_LEVEL (1)
   */
  level?: number
  /**
   * Most frames (skippable ones included) one input may hold.
   * @default DEFAULT_MAX_FRAMES (64)
   */
  maxFrames?: number
}

/** Creates a zstd compressor on `@bokuweb/zstd-wasm`. */
export function createZstdWasm (init: ZstdWasmInit = {}): Compressor {
  const level = zstdLevel(init.level)
  const maxFrames = maxFramesOption(init.maxFrames)
  return defineCompressor({
    id: CompressionId.zstd,
    name: 'zstd',
    backend: 'zstd-wasm',
    compress (input: Uint8Array): Uint8Array {
      const bound = wasm._ZSTD_compressBound(input.length)
      // ZSTD_compress writes one frame with Frame_Content_Size, as decompress requires to allocate exactly.
      return withBuffers(input, [], bound, (src, _, dst) => {
        const r = wasm._ZSTD_compress(dst, bound, src, input.length, level)
        const code = errorCode(r)
        if (code !== 0) throw unavailable(`ZSTD_compress failed with error ${code}`)
        return wasm.HEAPU8.slice(dst, dst + r)
      })
    },
    decompress (input: Uint8Array, maxOutput: number): Uint8Array {
      return decompress(input, maxOutput, maxFrames)
    }
  })
}

/** zstd on `@bokuweb/zstd-wasm` at the default level (`DEFAULT_ZSTD_LEVEL`). */
export const zstdWasm: Compressor = createZstdWasm()
