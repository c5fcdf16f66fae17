/**
 * libp2p's `metrics` option on the node's registry, through
 * `@libp2p/prometheus-metrics` 5 with Lodestar's settings
 * (`lodestar:beacon-node/src/network/libp2p/index.ts`, NODE.md §1):
 * - `registry`: the node's own, so `libp2p_*` series share its `/metrics` page;
 * - `collectDefaultMetrics: false`: `createNodeMetrics` registers the defaults
 *   once (a second registration throws "already registered");
 * - `preserveExistingMetrics: true`: `false` would clear prom-client's global
 *   registry and the module's metric map, under any other node in the process.
 *
 * Trap kept in mind: `@libp2p/prometheus-metrics` keeps its metric objects
 * in a module-global map, so a second libp2p node in the same process reuses
 * the first one's objects (on the first one's registry) and its own series
 * never appear. Run one node per process when its libp2p metrics matter.
 *
 * @module
 */
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import type { Registry } from 'prom-client'

/** Options of {@link libp2pMetrics}. */
export interface Libp2pMetricsInit {
  /** The node's registry (the one of `createNodeMetrics`). */
  registry: Registry
  /**
   * Directory whose file system `nodejs_fs_usage_bytes` reports (the data directory).
   * @default process.cwd() (the package's own default)
   */
  statfsLocation?: string
}

/** The value of libp2p's `metrics` option: `createLibp2p({ metrics: libp2pMetrics({ registry }) })`. */
export function libp2pMetrics (init: Libp2pMetricsInit): ReturnType<typeof prometheusMetrics> {
  return prometheusMetrics({
    registry: init.registry,
    collectDefaultMetrics: false,
    preserveExistingMetrics: true,
    ...(init.statfsLocation !== undefined ? { statfsLocation: init.statfsLocation } : {})
  })
}
