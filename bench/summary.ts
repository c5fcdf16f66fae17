/**
 * `summary.json`: the few KB of a run that are committed next to report.md
 * and the charts (the full `results.json`, every sample of every case, is
 * not): where and how the run was made, and every target with its
 * measurement, threshold and verdict (the README's headline figures are
 * targets).
 *
 * @module
 */
import type { BenchResults } from './runner.js'

/** One target of a {@link BenchSummary}. */
export interface SummaryTarget {
  id: string
  suite: string
  issue: string
  /** Measured value, rounded to 4 significant digits; null when it was not a number. */
  measured: number | null
  op: '>=' | '<='
  threshold: number
  pass: boolean
}

/** What summary.json holds. */
export interface BenchSummary {
  date: string
  mode: string
  commit: string | null
  node: string
  cpu: string
  /** Targets that pass, of all. */
  passed: number
  total: number
  /** Suites that failed (their targets are missing), with why. */
  failedSuites: Array<{ id: string, error: string }>
  targets: SummaryTarget[]
}

/** The summary of `results`. */
export function summarizeResults (results: BenchResults): BenchSummary {
  const e = results.environment
  return {
    date: e.date,
    mode: e.mode,
    commit: e.commit,
    node: e.node,
    cpu: `${e.cpuModel}, ${e.cores} cores`,
    passed: results.targets.filter(t => t.pass).length,
    total: results.targets.length,
    failedSuites: results.suites.flatMap(s => s.error === null ? [] : [{ id: s.id, error: s.error }]),
    targets: results.targets.map(t => ({
      id: t.id,
      suite: t.suite,
      issue: t.issue,
      measured: Number.isFinite(t.measured) ? Number(t.measured.toPrecision(4)) : null,
      op: t.op,
      threshold: t.threshold,
      pass: t.pass
    }))
  }
}

/** summary.json's text: one target a line, so a diff between two runs reads target by target. */
export function renderSummary (summary: BenchSummary): string {
  const { targets, ...head } = summary
  const top = JSON.stringify(head, null, 2).replace(/\n}$/, '')
  return `${top},\n  "targets": [\n${targets.map(t => `    ${JSON.stringify(t)}`).join(',\n')}\n  ]\n}\n`
}
