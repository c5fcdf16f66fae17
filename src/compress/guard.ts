/**
 * Shared guards of every compressor: arguments are validated once, in
 * {@link defineCompressor}, before any backend sees them; whatever a backend
 * library throws is turned into a wireseal error so that only
 * {@link MalformedInputError} and {@link SizeLimitError} leave `decompress`
 * (and {@link errors!InvalidConfigError} for a bad cap).
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { checkNonNegativeInt, checkPositiveInt, describeValue } from '../options/checks.js'
import { DEFAULT_MAX_FRAMES } from '../limits.js'
import type { CompressionName, Compressor } from './types.js'

export { DEFAULT_MAX_FRAMES }

/** Throws {@link errors!InvalidConfigError} unless `maxOutput` is a non-negative safe integer. */
export function assertCap (maxOutput: number): void {
  checkNonNegativeInt('maxOutput', maxOutput)
}

/** Throws {@link MalformedInputError} for `format` unless `input` is a `Uint8Array` (a `Buffer` is one). */
export function assertBytes (format: string, input: unknown): asserts input is Uint8Array {
  if (input instanceof Uint8Array) return
  throw new MalformedInputError(format, `input must be a Uint8Array, got ${typeof input === 'object' ? describeValue(input) : typeof input}`)
}

/** Resolves a `maxFrames` option: `undefined` -> {@link DEFAULT_MAX_FRAMES}, else an integer >= 1. */
export function maxFramesOption (value: number | undefined): number {
  return checkPositiveInt('maxFrames', value ?? DEFAULT_MAX_FRAMES)
}

/** The parts of a {@link Compressor} a backend writes; {@link defineCompressor} adds the argument checks. */
export interface CompressorSpec {
  readonly id: number
  readonly name: CompressionName
  readonly backend: string
  /** Called with a checked `Uint8Array`. */
  compress(input: Uint8Array): Uint8Array
  /** Called with a checked `Uint8Array` and a checked cap. */
  decompress(input: Uint8Array, maxOutput: number): Uint8Array
}

/**
 * The one way a backend becomes a {@link Compressor}: a frozen object whose
 * `compress` and `decompress` refuse anything but a `Uint8Array`
 * ({@link MalformedInputError}) and a cap that is not a non-negative safe
 * integer ({@link errors!InvalidConfigError}) before the backend runs, so that no
 * backend library ever sees `null`, a string or an array.
 */
export function defineCompressor (spec: CompressorSpec): Compressor {
  const { id, name, backend } = spec
  const inner = { compress: spec.compress, decompress: spec.decompress }
  return Object.freeze({
    id,
    name,
    backend,
    compress (input: Uint8Array): Uint8Array {
      assertBytes(name, input)
      return inner.compress(input)
    },
    decompress (input: Uint8Array, maxOutput: number): Uint8Array {
      assertBytes(name, input)
      assertCap(maxOutput)
      return inner.decompress(input, maxOutput)
    }
  })
}

/**
 * Maps anything a backend threw to a wireseal error: our own
 * {@link SizeLimitError} / {@link MalformedInputError} pass through, every
 * other error becomes a {@link MalformedInputError} for `format` with the
 * original as `cause`.
 */
export function toDecodeError (format: string, err: unknown): SizeLimitError | MalformedInputError {
  if (err instanceof SizeLimitError || err instanceof MalformedInputError) return err
  const reason = err instanceof Error ? err.message : String(err)
  return new MalformedInputError(format, reason, { cause: err })
}
