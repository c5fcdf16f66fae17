/**
 * Default compression levels, one source of truth for every backend of a
 * format (the backends of one format must produce comparable output).
 * Figures: `node --import tsx test/compress/measure-levels.ts`, JSON-like
 * transaction data (test/compress/fixtures.ts), median of 3 runs on a shared
 * 2-core machine under load (speeds drift 2x between runs; ratios are exact).
 *
 * @module
 */
import { checkInt } from '../options/checks.js'
import { DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL } from '../limits.js'
export { DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL }

/** Resolves a gzip level: `undefined` -> default, else an integer 0..9 or {@link errors!InvalidConfigError}. */
export function gzipLevel (level: number | undefined): number {
  return checkInt('level', level ?? DEFAULT_GZIP_LEVEL, 0, 9)
}

/** Resolves a zstd level: `undefined` -> default, else an integer -131072..22 (libzstd's range; negative = fast modes). */
export function zstdLevel (level: number | undefined): number {
  return checkInt('level', level ?? DEFAULT_ZSTD_LEVEL, -131_072, 22)
}
