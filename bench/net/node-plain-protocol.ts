/**
 * What the node suite's parent (./node.ts) and its plain js-libp2p peers
 * (./node-plain-peer.ts) share: the IPC requests the parent sends and their
 * results. A plain peer is the baseline of issue 10: TCP + Noise + Yamux +
 * identify + gossipsub with its default StrictSign policy, no wireseal.
 *
 * @module
 */

/** Gossipsub topic the plain peers publish Blocks on. */
export const PLAIN_TOPIC = '/wireseal-bench/plain/block/1'

/** Protocol of the raw sync baseline: the server writes its loaded bytes and closes. */
export const RAW_SYNC_PROTOCOL = '/wireseal-bench/raw-sync/1.0.0'

/** Delivery latencies of a window, with the node's own quantile rule (`sorted[floor(q * n)]`). */
export interface LatencySummary {
  p50: number
  p99: number
  /** Deliveries in the window. */
  n: number
}

/** Requests of the parent, each answered by one {@link PlainReply} with the same `id`. */
export type PlainRequest =
  | { id: number, cmd: 'init' }
  | { id: number, cmd: 'dial', addr: string }
  | { id: number, cmd: 'status' }
  | { id: number, cmd: 'produce', sizeBytes: number, intervalMs: number }
  | { id: number, cmd: 'halt' }
  | { id: number, cmd: 'counters' }
  | { id: number, cmd: 'serve-raw', file: string }
  | { id: number, cmd: 'fetch-raw', addr: string, expectBytes: number, timeoutMs: number }
  | { id: number, cmd: 'stop' }

/** Results by command. */
export interface PlainResults {
  /** Listen addresses, each ending in `/p2p/<peer id>`. */
  init: { addrs: string[] }
  dial: { dialed: true }
  /** Connected peers, topic subscribers and mesh peers of {@link PLAIN_TOPIC}. */
  status: { peers: number, subscribers: number, mesh: number }
  produce: { producing: true }
  /** Blocks published so far. */
  halt: { published: number }
  /**
   * Totals so far (blocks delivered to the application, blocks published,
   * refused deliveries), and the latencies of the deliveries since the
   * previous `counters` (the window is then cleared).
   */
  counters: { delivered: number, published: number, refused: number, latency: LatencySummary }
  /** Bytes loaded, served to every stream opened on {@link RAW_SYNC_PROTOCOL}. */
  'serve-raw': { bytes: number }
  /** Bytes read and the time (ms, monotonic) from opening the stream to its last byte. */
  'fetch-raw': { bytes: number, ms: number }
  stop: { stopped: true }
}

/** A reply: the result, or the error the command threw. */
export type PlainReply = { id: number, ok: true, result: unknown } | { id: number, ok: false, error: string }

/** Quantile of a sorted sample as the node's status ring computes it (no interpolation); 0 when empty. */
export function ringQuantile (sorted: ArrayLike<number>, q: number): number {
  const k = sorted.length
  if (k === 0) return 0
  return sorted[Math.min(k - 1, Math.floor(q * k))] as number
}
