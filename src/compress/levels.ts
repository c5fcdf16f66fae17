/**
 * Default compression levels, one source of truth for every backend of a
 * format (the backends of one format must produce comparable output).
 * Figures: `node --import tsx test/compress/measure-levels.ts`, JSON-like
 * transaction data (test/compress/fixtures.ts), median of 3 runs on a shared
 * 2-core machine under load (speeds drift 2x between runs; ratios are exact).
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'
import { DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL } from '../limits.js'
export { DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL }

/** Resolves a gzip level: `undefined` -> default, else an integer 0..9 or {@link InvalidConfigError}. */
export function gzipLevel (level: number | undefined): number {
  const l = level ?? DEFAULT_GZIP_LEVEL
  if (Number.isInteger(l) && l >= 0 && l <= 9) return l
  throw new InvalidConfigError('level', `an integer in 0..9, got ${String(level)}`)
}

/** Resolves a zstd level: `undefined` -> default, else an integer -131072..22 (libzstd's range; negative = fast modes). */
export function zstdLevel (level: number | undefined): number {
  const l = level ?? DEFAULT_ZSTD_LEVEL
  if (Number.isInteger(l) && l >= -131_072 && l <= 22) return l
  throw new InvalidConfigError('level', `an integer in -131072..22, got ${String(level)}`)
}
