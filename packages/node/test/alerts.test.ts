/**
 * The deploy/ artifacts: promtool accepts the alert rules and the example
 * configuration, the rules' unit tests pass (and fail when a threshold is
 * changed), every metric an alert or a Grafana panel queries is one the
 * node's registry exports, and the alert thresholds are the status
 * command's. promtool comes from the Debian package `prometheus`; without it
 * the promtool checks skip and say so.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createNodeMetrics, parsePromText } from '../src/metrics/index.js'
import { DEFAULT_STATUS_THRESHOLDS } from '../src/status-command.js'

const DEPLOY = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy')
const PROM_DIR = join(DEPLOY, 'prometheus')
const ALERTS = readFileSync(join(PROM_DIR, 'alerts.yml'), 'utf8')
const DASHBOARD_TEXT = readFileSync(join(DEPLOY, 'grafana', 'dashboard.json'), 'utf8')

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8', timeout: 10_000 })
const PROMTOOL_SKIP = promtool.error !== undefined || promtool.status !== 0
  ? 'promtool not found: install the Debian package `prometheus` (apt-get install prometheus)'
  : false

function runPromtool (args: string[], cwd: string): { status: number | null, output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 })
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}

const PROMQL_WORDS = new Set([
  'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan'
])

/**
 * Metric names a PromQL expression reads: identifiers that are not
 * functions, keywords, label names, label values, grouping labels or
 * durations. Grafana's `$__rate_interval` and `$var` are dropped.
 */
export function promqlMetricNames (expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/\$\w+/g, ' ')
  const names = new Set<string>()
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0]
    const after = stripped.slice((m.index ?? 0) + word.length)
    if (/^\s*\(/.test(after)) continue // a function
    if (PROMQL_WORDS.has(word.toLowerCase())) continue
    if (/^\d/.test(word) || /^e\d+$/i.test(word)) continue
    names.add(word)
  }
  return [...names]
}

/** Family and sample names the node's registry exports. */
async function exportedNames (): Promise<Set<string>> {
  const page = parsePromText(await createNodeMetrics().metrics())
  return new Set([...page.samples.map((s) => s.name), ...page.types.keys()])
}

/** The `expr:` of each alert, by alert name (alerts.yml keeps each on one line). */
function alertExprs (): Map<string, string> {
  const out = new Map<string, string>()
  let current: string | undefined
  for (const line of ALERTS.split('\n')) {
    const alert = /^\s*- alert:\s*(\S+)/.exec(line)
    if (alert !== null) current = alert[1]
    const expr = /^\s*expr:\s*(.+)$/.exec(line)
    if (expr !== null && current !== undefined) out.set(current, (expr[1] as string).trim())
  }
  return out
}

describe('alert rules', () => {
  it('pass promtool check rules and check config', { skip: PROMTOOL_SKIP }, () => {
    const rules = runPromtool(['check', 'rules', 'alerts.yml'], PROM_DIR)
    assert.equal(rules.status, 0, rules.output)
    assert.match(rules.output, /SUCCESS: 8 rules found/)
    const config = runPromtool(['check', 'config', 'prometheus.yml'], PROM_DIR)
    assert.equal(config.status, 0, config.output)
  })

  it('pass their promtool unit tests', { skip: PROMTOOL_SKIP }, () => {
    const r = runPromtool(['test', 'rules', 'alerts.test.yml'], PROM_DIR)
    assert.equal(r.status, 0, r.output)
    assert.match(r.output, /SUCCESS/)
  })

  it('fail their unit tests when a threshold moves (the tests bite)', { skip: PROMTOOL_SKIP }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'wireseal-alerts-'))
    try {
      copyFileSync(join(PROM_DIR, 'alerts.test.yml'), join(dir, 'alerts.test.yml'))
      for (const [from, to] of [['p2p_connection_limit > 0.8', 'p2p_connection_limit > 0.9'], ['p2p_mesh_peers < 4', 'p2p_mesh_peers < 2'], ['p2p_ready == 0\n        for: 2m', 'p2p_ready == 0\n        for: 10m']] as const) {
        assert.ok(ALERTS.includes(from), from)
        writeFileSync(join(dir, 'alerts.yml'), ALERTS.replace(from, to))
        const r = runPromtool(['test', 'rules', 'alerts.test.yml'], dir)
        assert.notEqual(r.status, 0, `a changed rule (${from} -> ${to}) must fail the tests`)
        assert.match(r.output, /FAILED/)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('cover the alerts the node needs, each reading only exported metrics', async () => {
    const exprs = alertExprs()
    assert.deepEqual([...exprs.keys()].sort(), [
      'P2PBanBurst', 'P2PConnectionsNearLimit', 'P2PDialFailuresHigh', 'P2PGossipMeshThin', 'P2PMemoryHigh', 'P2PMessageProcessingSlow', 'P2PNodeDown', 'P2PNodeNotReady'
    ])
    const exported = await exportedNames()
    for (const [alert, expr] of exprs) {
      for (const name of promqlMetricNames(expr)) {
        if (name === 'up') continue // written by Prometheus itself
        assert.ok(exported.has(name), `${alert} reads ${name}, which the node does not export`)
      }
    }
  })

  it('use the status command\'s thresholds', () => {
    const exprs = alertExprs()
    const t = DEFAULT_STATUS_THRESHOLDS
    assert.match(exprs.get('P2PConnectionsNearLimit') ?? '', new RegExp(`p2p_connections / p2p_connection_limit > ${t.connectionRatio}\\b`))
    assert.match(exprs.get('P2PGossipMeshThin') ?? '', new RegExp(`p2p_mesh_peers < ${t.minMeshPeers}$`))
    assert.match(exprs.get('P2PMessageProcessingSlow') ?? '', new RegExp(`histogram_quantile\\(0\\.99, .*\\) > ${t.processingP99Seconds}$`))
    assert.match(exprs.get('P2PMemoryHigh') ?? '', new RegExp(`process_resident_memory_bytes / p2p_memory_limit_bytes > ${t.memoryRatio}\\b`))
  })
})

describe('promqlMetricNames', () => {
  it('finds metric names and nothing else', () => {
    assert.deepEqual(promqlMetricNames('histogram_quantile(0.99, sum by (instance, le) (rate(p2p_message_processing_seconds_bucket{instance=~"$instance"}[$__rate_interval]))) > 1'), ['p2p_message_processing_seconds_bucket'])
    assert.deepEqual(promqlMetricNames('p2p_connections / p2p_connection_limit > 0.8 and p2p_connection_limit > 0').sort(), ['p2p_connection_limit', 'p2p_connections'])
    assert.deepEqual(promqlMetricNames('sum by (reason) (rate(p2p_rejected_total{reason="rate-limited"}[5m])) > 0'), ['p2p_rejected_total'])
    assert.deepEqual(promqlMetricNames('up{job="wireseal-node"} == 0'), ['up'])
    assert.deepEqual(promqlMetricNames('rate(x_total[1m]) * 60 > 1e3'), ['x_total'])
  })
})

describe('Grafana dashboard', () => {
  it('is valid JSON with unique panel ids, each panel on the templated Prometheus data source', () => {
    const d = JSON.parse(DASHBOARD_TEXT) as { uid: string, title: string, panels: Array<{ id: number, type: string, title: string, datasource?: { uid: string }, targets?: Array<{ expr: string }> }> }
    assert.equal(d.uid, 'wireseal-node')
    const ids = d.panels.map((p) => p.id)
    assert.equal(new Set(ids).size, ids.length)
    for (const p of d.panels.filter((p) => p.type !== 'row')) {
      assert.equal(p.datasource?.uid, '${datasource}', p.title)
      assert.ok((p.targets ?? []).length > 0, `${p.title} has a query`)
    }
  })

  it('queries only metrics the node exports, and every p2p_* family at least once', async () => {
    const d = JSON.parse(DASHBOARD_TEXT) as { panels: Array<{ title: string, targets?: Array<{ expr: string }> }>, templating: { list: Array<{ definition?: string }> } }
    const exported = await exportedNames()
    const used = new Set<string>()
    const exprs: Array<[string, string]> = []
    for (const p of d.panels) for (const t of p.targets ?? []) exprs.push([p.title, t.expr])
    for (const v of d.templating.list) {
      const lv = /^label_values\((\w+),\s*\w+\)$/.exec(v.definition ?? '')
      if (lv !== null) exprs.push(['templating', lv[1] as string])
    }
    assert.ok(exprs.length >= 25)
    for (const [title, expr] of exprs) {
      const names = promqlMetricNames(expr)
      assert.ok(names.length > 0, `${title}: ${expr}`)
      for (const name of names) {
        assert.ok(exported.has(name), `panel "${title}" reads ${name}, which the node does not export`)
        used.add(name.replace(/_(bucket|sum|count)$/, ''))
      }
    }
    const families = [...exported].filter((n) => n.startsWith('p2p_') && !/_(bucket|sum|count)$/.test(n))
    for (const family of families) assert.ok(used.has(family), `no panel shows ${family}`)
  })
})
