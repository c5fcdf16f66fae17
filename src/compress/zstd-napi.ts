/**
 * zstd (wire id 3, RFC 8878) on the native `zstd-napi` package (libzstd
 * binding, an optional dependency built from source by npm).
 *
 * Decompression, after {@link scanZstdFrames} has bounded the output:
 * - every frame declares its content size: one-shot `ZSTD_decompressDCtx`
 *   into exactly the declared total (checked against the cap by the scan);
 * - some frame does not: `ZSTD_decompressStream` into chunks, aborting with
 *   {@link SizeLimitError} as soon as the output passes the cap. The window a
 *   streaming decoder allocates is bounded by the scan and by `windowLogMax`.
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { concatChunks, plain } from './bytes.js'
import { defineCompressor, maxFramesOption, toDecodeError } from './guard.js'
import { zstdLevel } from './levels.js'
import { loadOptional, type Optional } from '../optional.js'
import { CompressionId, type Compressor } from './types.js'
import { ZSTD_MAX_STREAMING_WINDOW, scanZstdFrames } from './zstd-format.js'

/** The parts of `zstd-napi/binding` we use. */
interface DCtx {
  decompress(dst: Uint8Array, src: Uint8Array): number
  decompressStream(dst: Uint8Array, src: Uint8Array): [hint: number, produced: number, consumed: number]
  setParameter(param: number, value: number): void
  reset(directive: number): void
}
interface CCtx {
  compress(dst: Uint8Array, src: Uint8Array, level: number): number
}
interface ZstdBinding {
  DCtx: new () => DCtx
  CCtx: new () => CCtx
  compressBound(size: number): number
  DParameter: { windowLogMax: number }
  ResetDirective: { sessionOnly: number }
}

function isBinding (mod: unknown): mod is ZstdBinding {
  const m = mod as Partial<ZstdBinding> | null
  return typeof m?.DCtx === 'function' && typeof m.CCtx === 'function' && typeof m.compressBound === 'function' &&
    typeof m.DParameter?.windowLogMax === 'number' && typeof m.ResetDirective?.sessionOnly === 'number'
}

const loaded: Optional<ZstdBinding> = loadOptional('zstd-napi/binding', isBinding)

/** Why the native zstd backend is unavailable, or `undefined` when it loaded. */
export const zstdNapiUnavailable: string | undefined = loaded.loaded ? undefined : loaded.reason

/** Output chunk of the streaming path (libzstd's ZSTD_DStreamOutSize is 128 KiB; larger chunks mean fewer calls). */
const STREAM_CHUNK_MAX = 1024 * 1024

/** Compressed outputs up to this size go through a reused scratch buffer and are copied out exactly. */
const SCRATCH_MAX = 1024 * 1024

/** Options of {@link createZstdNapi}. */
export interface ZstdNapiInit {
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

function create (z: ZstdBinding, level: number, maxFrames: number): Compressor {
  // Contexts are reused across calls (creating one costs more than compressing a small message).
  let cctx: CCtx | undefined
  let dctx: DCtx | undefined
  let scratch: Uint8Array | undefined

  function stream (d: DCtx, input: Uint8Array, maxOutput: number, bound: number): Uint8Array {
    // windowLogMax: refuse any window above what the scan already accepted.
    const windowLog = Math.ceil(Math.log2(Math.max(ZSTD_MAX_STREAMING_WINDOW, maxOutput)))
    d.reset(z.ResetDirective.sessionOnly)
    d.setParameter(z.DParameter.windowLogMax, Math.min(31, windowLog))
    const chunkSize = Math.max(1, Math.min(bound, maxOutput + 1, STREAM_CHUNK_MAX))
    const chunks: Uint8Array[] = []
    let total = 0
    let src = input
    let buf = new Uint8Array(chunkSize)
    let used = 0
    while (true) {
      const [hint, produced, consumed] = d.decompressStream(buf.subarray(used), src)
      used += produced
      total += produced
      src = src.subarray(consumed)
      if (total > maxOutput) throw new SizeLimitError('decompressed', maxOutput, total)
      // hint 0: the current frame is decoded and flushed completely.
      if (src.length === 0 && hint === 0) break
      if (used === buf.length) {
        // Output full: more may be pending inside the decoder even with no input left.
        chunks.push(buf)
        buf = new Uint8Array(chunkSize)
        used = 0
        continue
      }
      if (src.length === 0) throw new MalformedInputError('zstd', 'truncated frame')
      if (produced === 0 && consumed === 0) throw new MalformedInputError('zstd', 'decoder made no progress')
    }
    // A mostly empty last chunk is copied out rather than kept alive whole.
    if (used > 0) chunks.push(used < buf.length >>> 1 ? buf.slice(0, used) : buf.subarray(0, used))
    return chunks.length === 0 ? new Uint8Array(0) : concatChunks(chunks, total)
  }

  return defineCompressor({
    id: CompressionId.zstd,
    name: 'zstd',
    backend: 'zstd-napi',
    compress (input: Uint8Array): Uint8Array {
      cctx ??= new z.CCtx()
      const bound = z.compressBound(input.length)
      // ZSTD_compressCCtx writes one frame with Frame_Content_Size, as decompress requires to allocate exactly.
      if (bound > SCRATCH_MAX) {
        const dst = new Uint8Array(bound)
        return dst.subarray(0, cctx.compress(dst, input, level))
      }
      if (scratch === undefined || scratch.length < bound) scratch = new Uint8Array(Math.max(bound, 64 * 1024))
      return scratch.slice(0, cctx.compress(scratch, input, level))
    },
    decompress (input: Uint8Array, maxOutput: number): Uint8Array {
      const scan = scanZstdFrames(input, maxOutput, maxFrames)
      dctx ??= new z.DCtx()
      try {
        if (scan.contentSize === undefined) return stream(dctx, input, maxOutput, scan.outputBound)
        // Every byte is written (the length is checked), so the output need not be zero-filled first.
        const out = Buffer.allocUnsafeSlow(scan.contentSize)
        if (dctx.decompress(out, input) !== out.length) throw new MalformedInputError('zstd', 'output length differs from the declared content size')
        return plain(out)
      } catch (err) {
        throw toDecodeError('zstd', err)
      }
    }
  })
}

/** Creates a zstd compressor on `zstd-napi`; `undefined` when the package is not installed. */
export function createZstdNapi (init: ZstdNapiInit = {}): Compressor | undefined {
  const level = zstdLevel(init.level)
  const maxFrames = maxFramesOption(init.maxFrames)
  return loaded.loaded ? create(loaded.module, level, maxFrames) : undefined
}

/** zstd on `zstd-napi` at the default level (`DEFAULT_ZSTD_LEVEL`), or `undefined` when it is not installed. */
export const zstdNapi: Compressor | undefined = createZstdNapi()
