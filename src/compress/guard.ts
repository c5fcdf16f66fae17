/**
 * Shared guards of every decompressor: the output cap is validated once, and
 * whatever a backend library throws is turned into a wireseal error so that
 * only {@link MalformedInputError} and {@link SizeLimitError} leave
 * `decompress`.
 *
 * @module
 */
import { InvalidConfigError, MalformedInputError, SizeLimitError } from '../errors.js'

/** Throws {@link InvalidConfigError} unless `maxOutput` is a non-negative safe integer. */
export function assertCap (maxOutput: number): void {
  if (Number.isSafeInteger(maxOutput) && maxOutput >= 0) return
  throw new InvalidConfigError('maxOutput', `a non-negative safe integer, got ${String(maxOutput)}`)
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
