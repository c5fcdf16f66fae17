/**
 * Raw snappy block (wire id 1) on the native `snappy` package (napi-rs
 * binding of the Rust `snap` crate), an optional dependency.
 *
 * `snap` validates the whole stream (offsets, output length), so only the
 * length preamble is parsed here, to check the claim against the cap before
 * the binding allocates it.
 *
 * Blocks that declare fewer than {@link NATIVE_DECODE_MIN} bytes are decoded in
 * JavaScript ({@link decodeSnappyElements}): the native call and its external
 * Buffer cost a fixed ~2.5 us, more than decoding 1 KB takes.
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { plain } from './bytes.js'
import { defineCompressor, toDecodeError } from './guard.js'
import { loadOptional, type Optional } from '../optional.js'
import { decodeSnappyElements, readSnappyLength } from './snappy-format.js'
import { CompressionId, type Compressor } from './types.js'
import { allocBytes } from '../alloc.js'

/** The part of the `snappy` package we use (raw block format, not the framed one). */
interface SnappyNapi {
  compressSync(input: Uint8Array): Uint8Array
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Uint8Array
}

function isSnappyNapi (mod: unknown): mod is SnappyNapi {
  const m = mod as Partial<SnappyNapi> | null
  return typeof m?.compressSync === 'function' && typeof m.uncompressSync === 'function'
}

const loaded: Optional<SnappyNapi> = loadOptional('snappy', isSnappyNapi)

/** Why the native snappy backend is unavailable, or `undefined` when it loaded. */
export const snappyNapiUnavailable: string | undefined = loaded.loaded ? undefined : loaded.reason

/**
 * Smallest declared length decoded natively. Measured with a micro-benchmark
 * on transaction JSON (Node 20, 2 cores), JavaScript vs the binding: 3.0 vs
 * 3.4 us at 1 KB, 4.5 vs 4.3 us at 1.5 KB, 7.2 vs 5.0 us at 2 KB; they cross
 * near 1.3 KB.
 */
export const NATIVE_DECODE_MIN = 1280

/** Hoisted: one options object for every call. */
const AS_BUFFER = Object.freeze({ asBuffer: true as const })

function create (napi: SnappyNapi): Compressor {
  return defineCompressor({
    id: CompressionId.snappy,
    name: 'snappy',
    backend: 'snappy-napi',
    compress (input: Uint8Array): Uint8Array {
      return plain(napi.compressSync(input))
    },
    decompress (input: Uint8Array, maxOutput: number): Uint8Array {
      const { length, offset } = readSnappyLength(input)
      if (length > maxOutput) throw new SizeLimitError('decompressed', maxOutput, length)
      if (length < NATIVE_DECODE_MIN) {
        const small = allocBytes(length)
        decodeSnappyElements(input, offset, small)
        return small
      }
      let out: Uint8Array
      try {
        out = napi.uncompressSync(input, AS_BUFFER)
      } catch (err) {
        throw toDecodeError('snappy', err)
      }
      if (out.length !== length) throw new MalformedInputError('snappy', 'output length differs from the declared length')
      return plain(out)
    }
  })
}

/** Snappy on the native `snappy` package, or `undefined` when it is not installed. */
export const snappyNapi: Compressor | undefined = loaded.loaded ? create(loaded.module) : undefined
