/**
 * A `metricsRegister` for @libp2p/gossipsub 17 backed by prom-client, so
 * gossipsub's ~100 `gossipsub_*` series land on the node's registry.
 *
 * ```ts
 * gossipsub({ ...gossip.gossipsubOptions, ...gossipsubMetrics({ registry, topics: { block: BLOCK_TOPIC, peerinfo: PEERINFO_TOPIC } }) })
 * ```
 *
 * Shape (gossipsub `dist/src/metrics.d.ts`): `gauge(config)` returns
 * `{ inc, set, addCollect }`, `histogram(config)` returns
 * `{ startTimer, observe, reset }`, `avgMinMax(config)` returns `{ set(values) }`.
 * Gossipsub also needs `metricsTopicStrToLabel` (its constructor throws
 * without one).
 *
 * Bounded labels: gossipsub's `toTopic` falls back to the raw topic string
 * for a topic missing from the map, and fills `topicStr` labels from remote
 * peers' subscriptions and IHAVEs, so any peer could mint series. Here every
 * `topic` / `topicStr` label value is mapped to its configured label, and
 * anything else to `other`.
 *
 * Fresh values: gossipsub computes its gauges in `addCollect` callbacks
 * (one `onScrapeMetrics` pass fills mesh and topic peer counts, scores...).
 * prom-client collects metrics in registration order, so a callback run from
 * its own gauge would fill gauges already read and show the previous
 * scrape's values. Here every callback runs from the collector of
 * `gossipsub_metrics_collect_errors_total`, registered before any gossipsub
 * metric, so each scrape shows that scrape's state.
 *
 * @module
 */
import type {
  AvgMinMax, AvgMinMaxConfig, Gauge as GossipGauge, GaugeConfig, Histogram as GossipHistogram, HistogramConfig, MetricsRegister, TopicStrToLabel
} from '@libp2p/gossipsub/metrics'
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { InvalidConfigError } from 'wireseal/errors'
import { MESH_TOPICS, OTHER_LABEL, type MeshTopic } from './labels.js'

/** Gossipsub label names that carry a topic. */
const TOPIC_LABEL_KEYS: ReadonlySet<string> = new Set(['topic', 'topicStr'])

type Labels = Record<string, string | number>

/** Options of {@link gossipsubMetrics}. */
export interface GossipsubMetricsInit {
  /** The node's registry (the one of `createNodeMetrics`). */
  registry: Registry
  /** The gossipsub topic string of each topic label. */
  topics: Partial<Record<MeshTopic, string>>
}

/** The two gossipsub options to spread into `gossipsub({ ... })`. */
export interface GossipsubMetricsOptions {
  readonly metricsRegister: MetricsRegister
  readonly metricsTopicStrToLabel: TopicStrToLabel
}

/**
 * Builds gossipsub's `metricsRegister` and `metricsTopicStrToLabel` on
 * `registry`. One per gossipsub instance: a second one on the same registry
 * throws prom-client's "already registered".
 */
export function gossipsubMetrics (init: GossipsubMetricsInit): GossipsubMetricsOptions {
  const { registry } = init
  const topicStrToLabel: TopicStrToLabel = new Map()
  for (const [topicLabel, topicStr] of Object.entries(init.topics)) {
    if (!(MESH_TOPICS as readonly string[]).includes(topicLabel)) throw new InvalidConfigError(`topics.${topicLabel}`, `a label among ${MESH_TOPICS.join(', ')}`)
    if (typeof topicStr !== 'string' || topicStr === '') throw new InvalidConfigError(`topics.${topicLabel}`, 'a non-empty topic string')
    if (topicStrToLabel.has(topicStr)) throw new InvalidConfigError(`topics.${topicLabel}`, `a topic string not already used (${topicStr})`)
    topicStrToLabel.set(topicStr, topicLabel)
  }
  const topicLabels: ReadonlySet<string> = new Set(topicStrToLabel.values())
  const topicLabel = (value: string | number): string => {
    const s = String(value)
    return topicStrToLabel.get(s) ?? (topicLabels.has(s) ? s : OTHER_LABEL)
  }
  const bounded = (labels: Labels): Labels => {
    let out: Labels | undefined
    for (const key of Object.keys(labels)) {
      if (!TOPIC_LABEL_KEYS.has(key)) continue
      out ??= { ...labels }
      out[key] = topicLabel(labels[key] as string | number)
    }
    return out ?? labels
  }
  const collectFns: Array<() => void> = []
  const collectErrors: Counter<string> = new Counter({
    name: 'gossipsub_metrics_collect_errors_total',
    help: 'Gossipsub scrape-time collect callbacks that threw (the rest of the page is still served)',
    registers: [registry],
    collect () {
      for (const fn of collectFns) {
        try { fn() } catch { collectErrors.inc() }
      }
    }
  })
  collectErrors.inc(0)

  const register = {
    gauge (config: GaugeConfig<Labels>): GossipGauge<Labels> {
      const gauge: Gauge<string> = new Gauge({
        name: config.name,
        help: config.help,
        labelNames: config.labelNames ?? [],
        registers: [registry]
      })
      const wrapper = {
        inc (a?: Labels | number, b?: number): void {
          if (typeof a === 'object' && a !== null) gauge.inc(bounded(a), b ?? 1)
          else gauge.inc(a ?? 1)
        },
        set (a: Labels | number, b?: number): void {
          if (typeof a === 'object' && a !== null) gauge.set(bounded(a), b ?? 0)
          else gauge.set(a)
        },
        addCollect (fn: (g: GossipGauge<Labels>) => void): void { collectFns.push(() => { fn(wrapper) }) }
      } as unknown as GossipGauge<Labels>
      return wrapper
    },
    histogram (config: HistogramConfig<Labels>): GossipHistogram<Labels> {
      const histogram: Histogram<string> = new Histogram({
        name: config.name,
        help: config.help,
        labelNames: config.labelNames ?? [],
        ...(config.buckets !== undefined ? { buckets: config.buckets } : {}),
        registers: [registry]
      })
      return {
        startTimer (): () => void {
          const end = histogram.startTimer()
          return () => { end() }
        },
        observe (a: Labels | number, b?: number): void {
          if (typeof a === 'object' && a !== null) histogram.observe(bounded(a), b ?? 0)
          else histogram.observe(a)
        },
        reset (): void { histogram.reset() }
      } as unknown as GossipHistogram<Labels>
    },
    avgMinMax (config: AvgMinMaxConfig<Labels>): AvgMinMax<Labels> {
      // Four gauges, as Lodestar's AvgMinMax: `<name>_avg`, `_min`, `_max`, `_count`.
      const part = (suffix: string, what: string): Gauge<string> => new Gauge({
        name: `${config.name}_${suffix}`,
        help: `${config.help} (${what})`,
        labelNames: config.labelNames ?? [],
        registers: [registry]
      })
      const avg = part('avg', 'average'); const min = part('min', 'minimum'); const max = part('max', 'maximum'); const count = part('count', 'number of values')
      return {
        set (a: Labels | number[], b?: number[]): void {
          const labels = Array.isArray(a) ? {} : bounded(a)
          const values = (Array.isArray(a) ? a : b) ?? []
          let lo = Infinity; let hi = -Infinity; let sum = 0
          for (const v of values) { if (v < lo) lo = v; if (v > hi) hi = v; sum += v }
          const n = values.length
          avg.set(labels, n > 0 ? sum / n : 0)
          min.set(labels, n > 0 ? lo : 0)
          max.set(labels, n > 0 ? hi : 0)
          count.set(labels, n)
        }
      } as unknown as AvgMinMax<Labels>
    }
  }
  return { metricsRegister: register as unknown as MetricsRegister, metricsTopicStrToLabel: topicStrToLabel }
}
