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

/**
 * gzip level used when none is given: 6 (zlib's own default). On 64 KiB /
 * 1 MiB of JSON, node:zlib level 1 / 6 / 9 reach ratios 3.39 / 3.79 / 3.86
 * and 3.43 / 3.90 / 3.98 (level 6 sends 12% fewer bytes than level 1),
 * compressing 64 KiB at 91 / 30 / 10 MB/s; decompression runs at ~200 MB/s
 * whatever the level. gzip only carries batches to peers without zstd, where
 * bytes matter more than CPU, and level 9 adds 2% for 3x the time. fflate
 * at level 6 reaches 3.39 (its match finder is simpler).
 */
export const DEFAULT_GZIP_LEVEL = 6

/**
 * zstd level used when none is given: 1. On this data level 1 beats level 3
 * on both counts: ratio 4.11 vs 3.92 (64 KiB) and 4.25 vs 3.85 (1 MiB),
 * compressing at 235 vs 139 MB/s (zstd-napi, 64 KiB) and 110 vs 60 MB/s
 * (zstd-wasm); ANCHORS found level 3 adds almost nothing either.
 */
export const DEFAULT_ZSTD_LEVEL = 1

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
