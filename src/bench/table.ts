/**
 * Tables of benchmark output, as Markdown or as space-aligned text for the
 * terminal. Numbers are written with {@link formatNumber}.
 *
 * @module
 */
import { formatNumber } from '../format.js'

/** Output flavour of {@link renderTable}. */
export type TableFormat = 'markdown' | 'text'

function cell (v: string | number): string {
  return typeof v === 'number' ? formatNumber(v) : v
}

/**
 * Renders a table as a Markdown table or as space-aligned text; the columns
 * whose indices are in `right` are right-aligned.
 */
export function renderTable (
  columns: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
  format: TableFormat,
  right: ReadonlySet<number> = new Set()
): string {
  const body = rows.map(r => columns.map((_, i) => cell(r[i] ?? '')))
  if (format === 'markdown') {
    const esc = (s: string): string => s.replaceAll('|', '\\|')
    const line = (cells: readonly string[]): string => `| ${cells.map(esc).join(' | ')} |`
    return [line(columns), line(columns.map((_, i) => right.has(i) ? '---:' : '---')), ...body.map(line)].join('\n')
  }
  const widths = columns.map((c, i) => Math.max(c.length, ...body.map(r => (r[i] as string).length)))
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)).join('  ').trimEnd()
  return [line(columns), line(widths.map(w => '-'.repeat(w))), ...body.map(line)].join('\n')
}
