/**
 * The node's own `p2p_*` metrics on one prom-client `Registry` per node
 * (never prom-client's global one), plus prom-client's default process
 * metrics (`process_resident_memory_bytes`, ...) registered on it once.
 * libp2p's (./libp2p-metrics.ts) and gossipsub's (./gossipsub-register.ts)
 * series land on the same registry, so one `/metrics` page shows all three.
 *
 * Every label takes its values from the closed sets of ./labels.ts and every
 * combination exists from the start at 0, so `rate()` and alert rules see
 * a series before its first event (Prometheus naming guide: "avoid missing
 * metrics"). Names follow the production checklist
 * (seeds/p2p-production-best-practices.txt: `p2p_message_processing_seconds`,
 * `p2p_peer_dial_failures_total`, `p2p_blacklist_total`).
 *
 * @module
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { InvalidConfigError, InvalidValueError } from 'wireseal/errors'
import {
  BLOCK_SOURCES, BYTE_STAGES, DIRECTIONS, MESH_TOPICS, MESSAGE_PROTOCOLS, REJECT_REASONS, knownLabel, rejectReasonLabel,
  type BlockSource, type ByteStage, type Direction, type MeshTopic, type MessageProtocol
} from './labels.js'

/**
 * Buckets of `p2p_message_processing_seconds`: 0.1 ms (a cached duplicate)
 * to 5 s (far past the 1 s p99 alert), about 2.5x apart.
 */
export const DEFAULT_PROCESSING_BUCKETS: readonly number[] = Object.freeze([
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
])

/** Buckets of `p2p_delivery_latency_seconds` (producer clock to receipt): 1 ms to 60 s. */
export const DEFAULT_DELIVERY_BUCKETS: readonly number[] = Object.freeze([
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
])

/**
 * Connection limits exported as `p2p_connection_limit{direction}` when the
 * node passes none: libp2p's `maxConnections` default (300), which one limit
 * covers both directions (NODE.md §1).
 */
export const DEFAULT_CONNECTION_LIMITS: Readonly<Record<Direction, number>> = Object.freeze({ in: 300, out: 300 })

/** Memory budget exported as `p2p_memory_limit_bytes` when the node passes none: 1 GiB. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024

/** Values read at scrape time (each optional; a source that throws leaves the last value). */
export interface NodeMetricsSources {
  /** Connected peers (`p2p_peers`). */
  peers?: () => number
  /** Open connections by direction (`p2p_connections`). */
  connections?: () => Partial<Record<Direction, number>>
  /** Gossip mesh peers by topic label (`p2p_mesh_peers`). */
  meshPeers?: () => Partial<Record<MeshTopic, number>>
  /** Height of the local chain head (`p2p_block_height`). */
  blockHeight?: () => number
  /** Readiness (`p2p_ready`). */
  ready?: () => boolean
}

/** Options of {@link createNodeMetrics}. */
export interface NodeMetricsInit {
  /**
   * The registry to fill. It must be this node's own (one per node).
   * @default a new Registry
   */
  registry?: Registry
  /**
   * Register prom-client's default process metrics on the registry.
   * @default true
   */
  defaultMetrics?: boolean
  /**
   * Connection limits by direction, exported as `p2p_connection_limit`.
   * @default DEFAULT_CONNECTION_LIMITS ({ in: 300, out: 300 })
   */
  connectionLimits?: Partial<Record<Direction, number>>
  /**
   * The memory budget (e.g. the container limit), exported as `p2p_memory_limit_bytes`.
   * @default DEFAULT_MEMORY_LIMIT_BYTES (1 GiB)
   */
  memoryLimitBytes?: number
  /**
   * Buckets of `p2p_message_processing_seconds`.
   * @default DEFAULT_PROCESSING_BUCKETS (0.1 ms to 5 s)
   */
  processingBuckets?: readonly number[]
  /**
   * Buckets of `p2p_delivery_latency_seconds`.
   * @default DEFAULT_DELIVERY_BUCKETS (1 ms to 60 s)
   */
  deliveryBuckets?: readonly number[]
  /**
   * Gauges read at scrape time instead of pushed.
   * @default {} (push them with the setters)
   */
  sources?: NodeMetricsSources
}

/**
 * The node's metrics. Label arguments are typed; at run time a value outside
 * the label's set throws {@link InvalidValueError} (a programming error),
 * except rejection reasons, which fold into `other`.
 */
export interface NodeMetrics {
  /** This node's registry (libp2p's and gossipsub's metrics go here too). */
  readonly registry: Registry
  /** The `Content-Type` of {@link NodeMetrics.metrics}. */
  readonly contentType: string
  /** The Prometheus text exposition of the whole registry. */
  metrics(): Promise<string>
  /** One message (`p2p_messages_total`). */
  message(direction: Direction, protocol: MessageProtocol, count?: number): void
  /** Time spent handling one received message (`p2p_message_processing_seconds`). */
  observeProcessing(protocol: MessageProtocol, seconds: number): void
  /** Bytes moved (`p2p_bytes_total`). */
  bytes(stage: ByteStage, direction: Direction, count: number): void
  /** One refused message, stream or connection (`p2p_rejected_total`); unknown reasons count as `other`. */
  rejected(reason: string, count?: number): void
  /** One ban (`p2p_blacklist_total`). */
  banned(): void
  /** One failed dial (`p2p_peer_dial_failures_total`). */
  dialFailed(): void
  /** One block this node produced (`p2p_blocks_produced_total`). */
  blockProduced(): void
  /** One block received and accepted (`p2p_blocks_received_total`). */
  blockReceived(source: BlockSource): void
  /** Producer timestamp to receipt (`p2p_delivery_latency_seconds`); a negative value (clock skew) counts as 0. */
  observeDeliveryLatency(seconds: number): void
  /** Blocks served to syncing peers (`p2p_sync_blocks_served_total`). */
  syncBlocksServed(count: number): void
  /** Messages the validation queue dropped (`p2p_validation_queue_dropped_total`). */
  validationQueueDropped(count?: number): void
  /** Open connections in one direction (`p2p_connections`). */
  setConnections(direction: Direction, count: number): void
  /** Connected peers (`p2p_peers`). */
  setPeers(count: number): void
  /** Gossip mesh peers of one topic (`p2p_mesh_peers`). */
  setMeshPeers(topic: MeshTopic, count: number): void
  /** Local chain height (`p2p_block_height`). */
  setBlockHeight(height: number): void
  /** Readiness (`p2p_ready`, 1 or 0). */
  setReady(ready: boolean): void
  /** Connection limit of one direction (`p2p_connection_limit`), e.g. after `setMaxConnections`. */
  setConnectionLimit(direction: Direction, limit: number): void
  /** The memory budget (`p2p_memory_limit_bytes`). */
  setMemoryLimit(bytes: number): void
}

function label<T extends string> (allowed: readonly T[], value: unknown, field: string): T {
  const ok = knownLabel(allowed, value)
  if (ok === undefined) throw new InvalidValueError(`metrics.${field}`, `one of ${allowed.join(', ')}`)
  return ok
}

function nonNegative (value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new InvalidValueError(`metrics.${field}`, 'a finite number >= 0')
  return value
}

function optionNonNegative (value: number | undefined, fallback: number, option: string): number {
  const v = value ?? fallback
  if (!Number.isFinite(v) || v < 0) throw new InvalidConfigError(option, 'a finite number >= 0')
  return v
}

function buckets (value: readonly number[] | undefined, fallback: readonly number[], option: string): number[] {
  const b = [...(value ?? fallback)]
  const increasing = b.length > 0 && b.every((x, i) => Number.isFinite(x) && x > 0 && (i === 0 || x > (b[i - 1] as number)))
  if (!increasing) throw new InvalidConfigError(option, 'a non-empty, strictly increasing list of positive numbers')
  return b
}

/** Runs a scrape-time source; a throwing or non-finite source leaves the gauge as it was. */
function read<T> (source: (() => T) | undefined, apply: (value: T) => void): void {
  if (source === undefined) return
  let value: T
  try { value = source() } catch { return }
  apply(value)
}

function isCount (v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0
}

/** Creates the metrics of one node on its own registry. */
export function createNodeMetrics (init: NodeMetricsInit = {}): NodeMetrics {
  const registry = init.registry ?? new Registry()
  const registers = [registry]
  const sources = init.sources ?? {}
  const limits = {
    in: optionNonNegative(init.connectionLimits?.in, DEFAULT_CONNECTION_LIMITS.in, 'connectionLimits.in'),
    out: optionNonNegative(init.connectionLimits?.out, DEFAULT_CONNECTION_LIMITS.out, 'connectionLimits.out')
  }
  const memoryLimit = optionNonNegative(init.memoryLimitBytes, DEFAULT_MEMORY_LIMIT_BYTES, 'memoryLimitBytes')
  const processingBuckets = buckets(init.processingBuckets, DEFAULT_PROCESSING_BUCKETS, 'processingBuckets')
  const deliveryBuckets = buckets(init.deliveryBuckets, DEFAULT_DELIVERY_BUCKETS, 'deliveryBuckets')

  const messages = new Counter({ name: 'p2p_messages_total', help: 'Messages sent (out) and received (in) by protocol', labelNames: ['direction', 'protocol'] as const, registers })
  const processing = new Histogram({ name: 'p2p_message_processing_seconds', help: 'Time to validate and handle one received message', labelNames: ['protocol'] as const, buckets: processingBuckets, registers })
  const bytesTotal = new Counter({ name: 'p2p_bytes_total', help: 'Message bytes: raw = serialized payload before compression, wire = envelope bytes', labelNames: ['stage', 'direction'] as const, registers })
  const rejectedTotal = new Counter({ name: 'p2p_rejected_total', help: 'Refused messages, streams and connections by reason', labelNames: ['reason'] as const, registers })
  const blacklist = new Counter({ name: 'p2p_blacklist_total', help: 'Peers banned', registers })
  const dialFailures = new Counter({ name: 'p2p_peer_dial_failures_total', help: 'Outbound dials that failed', registers })
  const connections = new Gauge({
    name: 'p2p_connections',
    help: 'Open connections by direction',
    labelNames: ['direction'] as const,
    registers,
    collect () {
      read(sources.connections, (c) => { for (const d of DIRECTIONS) if (isCount(c?.[d])) this.set({ direction: d }, c[d]) })
    }
  })
  const connectionLimit = new Gauge({ name: 'p2p_connection_limit', help: 'Connection limit by direction', labelNames: ['direction'] as const, registers })
  const peers = new Gauge({
    name: 'p2p_peers',
    help: 'Connected peers',
    registers,
    collect () { read(sources.peers, (n) => { if (isCount(n)) this.set(n) }) }
  })
  const mesh = new Gauge({
    name: 'p2p_mesh_peers',
    help: 'Gossip mesh peers by topic',
    labelNames: ['topic'] as const,
    registers,
    collect () {
      read(sources.meshPeers, (m) => { for (const t of MESH_TOPICS) if (isCount(m?.[t])) this.set({ topic: t }, m[t]) })
    }
  })
  const produced = new Counter({ name: 'p2p_blocks_produced_total', help: 'Blocks this node produced', registers })
  const received = new Counter({ name: 'p2p_blocks_received_total', help: 'Blocks received and accepted, by source', labelNames: ['source'] as const, registers })
  const height = new Gauge({
    name: 'p2p_block_height',
    help: 'Height of the local chain head',
    registers,
    collect () { read(sources.blockHeight, (h) => { if (isCount(h)) this.set(h) }) }
  })
  const delivery = new Histogram({ name: 'p2p_delivery_latency_seconds', help: 'Producer timestamp to receipt of a block', buckets: deliveryBuckets, registers })
  const served = new Counter({ name: 'p2p_sync_blocks_served_total', help: 'Blocks served to syncing peers', registers })
  const queueDropped = new Counter({ name: 'p2p_validation_queue_dropped_total', help: 'Messages dropped by the full validation queue', registers })
  const ready = new Gauge({
    name: 'p2p_ready',
    help: '1 when the node is ready (listening, peered or bootstrap, not shutting down)',
    registers,
    collect () { read(sources.ready, (r) => { if (typeof r === 'boolean') this.set(r ? 1 : 0) }) }
  })
  const memory = new Gauge({ name: 'p2p_memory_limit_bytes', help: 'The memory budget RSS is compared against', registers })

  // Every series at 0 from the start.
  for (const direction of DIRECTIONS) {
    for (const protocol of MESSAGE_PROTOCOLS) messages.inc({ direction, protocol }, 0)
    for (const stage of BYTE_STAGES) bytesTotal.inc({ stage, direction }, 0)
    connections.set({ direction }, 0)
    connectionLimit.set({ direction }, limits[direction])
  }
  for (const protocol of MESSAGE_PROTOCOLS) processing.zero({ protocol })
  for (const reason of REJECT_REASONS) rejectedTotal.inc({ reason }, 0)
  for (const topic of MESH_TOPICS) mesh.set({ topic }, 0)
  for (const source of BLOCK_SOURCES) received.inc({ source }, 0)
  for (const c of [blacklist, dialFailures, produced, served, queueDropped]) c.inc(0)
  peers.set(0)
  height.set(0)
  ready.set(0)
  memory.set(memoryLimit)

  if (init.defaultMetrics ?? true) collectDefaultMetrics({ register: registry })

  return {
    registry,
    contentType: registry.contentType,
    metrics: async () => await registry.metrics(),
    message (direction, protocol, count = 1) {
      messages.inc({ direction: label(DIRECTIONS, direction, 'direction'), protocol: label(MESSAGE_PROTOCOLS, protocol, 'protocol') }, nonNegative(count, 'count'))
    },
    observeProcessing (protocol, seconds) {
      processing.observe({ protocol: label(MESSAGE_PROTOCOLS, protocol, 'protocol') }, nonNegative(seconds, 'seconds'))
    },
    bytes (stage, direction, count) {
      bytesTotal.inc({ stage: label(BYTE_STAGES, stage, 'stage'), direction: label(DIRECTIONS, direction, 'direction') }, nonNegative(count, 'count'))
    },
    rejected (reason, count = 1) {
      rejectedTotal.inc({ reason: rejectReasonLabel(reason) }, nonNegative(count, 'count'))
    },
    banned () { blacklist.inc() },
    dialFailed () { dialFailures.inc() },
    blockProduced () { produced.inc() },
    blockReceived (source) { received.inc({ source: label(BLOCK_SOURCES, source, 'source') }) },
    observeDeliveryLatency (seconds) {
      if (typeof seconds !== 'number' || Number.isNaN(seconds)) throw new InvalidValueError('metrics.seconds', 'a number')
      delivery.observe(Math.max(0, seconds))
    },
    syncBlocksServed (count) { served.inc(nonNegative(count, 'count')) },
    validationQueueDropped (count = 1) { queueDropped.inc(nonNegative(count, 'count')) },
    setConnections (direction, count) { connections.set({ direction: label(DIRECTIONS, direction, 'direction') }, nonNegative(count, 'count')) },
    setPeers (count) { peers.set(nonNegative(count, 'count')) },
    setMeshPeers (topic, count) { mesh.set({ topic: label(MESH_TOPICS, topic, 'topic') }, nonNegative(count, 'count')) },
    setBlockHeight (h) { height.set(nonNegative(h, 'height')) },
    setReady (r) { ready.set(r ? 1 : 0) },
    setConnectionLimit (direction, limit) { connectionLimit.set({ direction: label(DIRECTIONS, direction, 'direction') }, nonNegative(limit, 'limit')) },
    setMemoryLimit (bytes) { memory.set(nonNegative(bytes, 'bytes')) }
  }
}
