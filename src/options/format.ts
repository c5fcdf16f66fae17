/**
 * Writing option values back as people write them: durations and byte sizes
 * in the largest unit that divides them exactly, so that the text parses
 * back to the same number (CLI help, configuration documentation, logs).
 *
 * @module
 */

/** [suffix, size] from the largest unit down; the base unit is the caller's. */
type Units = ReadonlyArray<readonly [string, number]>

const DURATION_UNITS: Units = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]
const SIZE_UNITS: Units = [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]]

function exact (n: number, units: Units, base: string): string {
  for (const [suffix, size] of units) {
    if (n !== 0 && n % size === 0) return `${n / size}${suffix}`
  }
  return `${n}${base}`
}

/** Milliseconds as `7d`, `2h`, `10m`, `45s` or `500ms`: the largest unit that divides them exactly. */
export function formatDuration (ms: number): string {
  return exact(ms, DURATION_UNITS, 'ms')
}

/** Bytes as `1GiB`, `4MiB`, `64KiB` or `100B`: the largest binary unit that divides them exactly. */
export function formatSize (bytes: number): string {
  return exact(bytes, SIZE_UNITS, 'B')
}
