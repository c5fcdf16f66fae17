/**
 * The node's metrics: its own `p2p_*` series, libp2p's and gossipsub's, all
 * on one prom-client registry per node; and the reader side (a Prometheus
 * text parser and `histogram_quantile`) used by the status command.
 *
 * @module
 */
export {
  createNodeMetrics,
  DEFAULT_CONNECTION_LIMITS,
  DEFAULT_DELIVERY_BUCKETS,
  DEFAULT_MEMORY_LIMIT_BYTES,
  DEFAULT_PROCESSING_BUCKETS,
  type NodeMetrics,
  type NodeMetricsInit,
  type NodeMetricsSources
} from './node-metrics.js'
export {
  BLOCK_SOURCES,
  BYTE_STAGES,
  CODEC_REJECT_REASONS,
  DIRECTIONS,
  MESH_TOPICS,
  MESSAGE_PROTOCOLS,
  NODE_REJECT_REASONS,
  OTHER_LABEL,
  REJECT_REASONS,
  rejectReasonLabel,
  type BlockSource,
  type ByteStage,
  type Direction,
  type MeshTopic,
  type MessageProtocol,
  type NodeRejectReason,
  type RejectLabel
} from './labels.js'
export { libp2pMetrics, type Libp2pMetricsInit } from './libp2p-metrics.js'
export { gossipsubMetrics, type GossipsubMetricsInit, type GossipsubMetricsOptions } from './gossipsub-register.js'
export { parsePromText, selectSamples, sumSamples, DEFAULT_PROM_TEXT_LIMITS, type PromSample, type PromText, type PromTextLimits } from './prom-text.js'
export { histogramQuantile, histogramBuckets, type Bucket } from './histogram-quantile.js'
