/**
 * The backends under test, grouped by format, with the reason a native one
 * is missing (tests skip it with that reason instead of failing).
 */
import { listBackends, type Compressor } from '../../src/compress/index.js'

/** A backend that loaded, or the reason it did not. */
export interface Candidate {
  readonly format: string
  readonly backend: string
  readonly compressor: Compressor | undefined
  readonly skip: string | undefined
}

/** Every backend of every compressing format (not `none`). */
export const candidates: readonly Candidate[] = listBackends()
  .filter((b) => b.name !== 'none')
  .map((b) => ({
    format: b.name,
    backend: b.backend,
    compressor: b.compressor,
    skip: b.compressor === undefined ? `${b.backend} not installed (${b.unavailable ?? 'unknown reason'})` : undefined
  }))

/** The backends of one format that loaded. */
export function loaded (format: string): Compressor[] {
  return candidates.filter((c) => c.format === format && c.compressor !== undefined).map((c) => c.compressor as Compressor)
}

/** Formats with their backends. */
export const formats = ['snappy', 'gzip', 'zstd'] as const
