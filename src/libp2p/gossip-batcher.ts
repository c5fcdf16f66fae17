/**
 * Batched gossip publishing (issue 14): values published on one topic within
 * a short window share ONE batch envelope (one signature over the Merkle root
 * of their serializations, SPEC.md 8), so a receiver pays gossipsub's RPC,
 * yamux, Noise and signature costs once per batch instead of once per value.
 *
 * Flush policy, per topic (a leading-edge window, as Nagle's algorithm with a
 * timer, RFC 896):
 * - a topic that flushed nothing in the last `maxDelayMs` sends a value at
 *   once, alone (a single envelope): batching costs nothing at low rates;
 * - otherwise the value joins the open batch, which goes out `maxDelayMs`
 *   after the previous flush, or at once when it holds `maxItems` values or
 *   the next value would take it over `maxBytes`;
 * - a value over `maxBytes` on its own, or published with other options
 *   (serializer, compression, peerAccepts), first flushes the open batch, so
 *   values leave, and take their seqs, in the order they were published.
 *
 * Memory held: one open batch per topic, at most `maxItems` values whose
 * serializations total at most `maxBytes`.
 *
 * @module
 */
import type { PublishResult } from '@libp2p/gossipsub'
import { InvalidConfigError } from '../errors.js'
import { checkPositiveInt } from '../options/checks.js'
import { sealedGossip, type GossipSealedHook } from './gossip-sealed.js'
import {
  DEFAULT_GOSSIP_BATCH_MAX_BYTES,
  DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS,
  DEFAULT_GOSSIP_BATCH_MAX_ITEMS,
  type WireLimits
} from '../limits.js'

export { DEFAULT_GOSSIP_BATCH_MAX_BYTES, DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS, DEFAULT_GOSSIP_BATCH_MAX_ITEMS }

/** Batched publishing of one topic (`GossipTopicInit.batch`). */
export interface GossipBatchInit {
  /**
   * Longest a published value waits for others to share its envelope (ms),
   * counted from the topic's previous flush; a topic idle for this long sends
   * its next value at once. A positive number, at most 60,000.
   * @default DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS (5)
   */
  maxDelayMs?: number
  /**
   * Most values in one batch envelope; a batch that reaches it goes out at
   * once. 1..`limits.maxBatchItems`.
   * @default DEFAULT_GOSSIP_BATCH_MAX_ITEMS (64)
   */
  maxItems?: number
  /**
   * Most serialized bytes (the batch payload before compression, length
   * prefixes included) of one batch; a value over it is published alone.
   * Lowered to the topic's and the budget's `maxPayloadBytes` when those are
   * smaller, since receivers refuse a batch over them.
   * @default DEFAULT_GOSSIP_BATCH_MAX_BYTES (256 KiB)
   */
  maxBytes?: number
  /**
   * Called with every envelope sealed on the topic (single or batch), its
   * values and the forwardable envelope of each (./gossip-sealed.ts), just
   * before it is published: a publisher that keeps what it publishes can
   * keep the item envelopes its receivers keep. Must not throw (what it
   * throws is ignored).
   */
  onSealed?: GossipSealedHook
}

/** A topic's batching settings, validated and with defaults applied. */
export interface GossipBatchConfig {
  readonly maxDelayMs: number
  readonly maxItems: number
  readonly maxBytes: number
  /** {@link GossipBatchInit.onSealed}, given the sealed bytes and values. */
  readonly onSealed?: (envelope: Uint8Array, values: readonly unknown[]) => void
}

/**
 * Validates a topic's `batch` option (`true` for the defaults); undefined
 * or `false` when the topic publishes unbatched. `payloadCap` is the smallest
 * payload cap receivers apply to the topic.
 */
export function gossipBatchConfig (option: string, init: GossipBatchInit | boolean | undefined, limits: WireLimits, payloadCap: number): GossipBatchConfig | undefined {
  if (init === undefined || init === false) return undefined
  const b: GossipBatchInit = init === true ? {} : init
  if (b === null || typeof b !== 'object') throw new InvalidConfigError(option, 'true or { maxDelayMs?, maxItems?, maxBytes? }')
  const maxDelayMs = b.maxDelayMs ?? DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS
  if (typeof maxDelayMs !== 'number' || !(maxDelayMs > 0 && maxDelayMs <= 60_000)) {
    throw new InvalidConfigError(`${option}.maxDelayMs`, `a number of ms in (0, 60000], got ${String(maxDelayMs)}`)
  }
  const maxItems = checkPositiveInt(`${option}.maxItems`, b.maxItems ?? Math.min(DEFAULT_GOSSIP_BATCH_MAX_ITEMS, limits.maxBatchItems), limits.maxBatchItems)
  const maxBytes = checkPositiveInt(`${option}.maxBytes`, b.maxBytes ?? DEFAULT_GOSSIP_BATCH_MAX_BYTES)
  const hook = b.onSealed
  if (hook !== undefined && typeof hook !== 'function') throw new InvalidConfigError(`${option}.onSealed`, `a function, got ${typeof hook}`)
  const config = { maxDelayMs, maxItems, maxBytes: Math.min(maxBytes, payloadCap, limits.maxPayloadBytes) }
  if (hook === undefined) return Object.freeze(config)
  return Object.freeze({ ...config, onSealed: (envelope: Uint8Array, values: readonly unknown[]) => { hook(sealedGossip(envelope, values, limits)) } })
}

/** What a batch's values are sealed with: values published with other settings never share a batch. */
export interface BatchKey {
  readonly serializer: number | undefined
  readonly compression: string | undefined
  readonly peerAccepts: ReadonlySet<number> | undefined
}

function sameKey (a: BatchKey, b: BatchKey): boolean {
  return a.serializer === b.serializer && a.compression === b.compression && a.peerAccepts === b.peerAccepts
}

/**
 * Seals `values` (one: a single envelope; more: one batch envelope) and hands
 * them to gossipsub. It must seal synchronously, before returning its
 * promise: seqs are then taken in flush order.
 */
export type BatchSend = (values: unknown[], key: BatchKey) => Promise<PublishResult>

interface Waiting {
  value: unknown
  resolve: (r: PublishResult) => void
  reject: (err: unknown) => void
}

interface OpenBatch {
  key: BatchKey
  waiting: Waiting[]
  bytes: number
}

/** Options of {@link TopicBatcher}. */
export interface TopicBatcherInit {
  config: GossipBatchConfig
  send: BatchSend
  /** Monotonic clock (ms). @default performance.now */
  now?: () => number
}

/** The batching publisher of one topic. */
export class TopicBatcher {
  private readonly config: GossipBatchConfig
  private readonly send: BatchSend
  private readonly now: () => number
  private open: OpenBatch | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private lastFlushAt = Number.NEGATIVE_INFINITY

  constructor (init: TopicBatcherInit) {
    this.config = init.config
    this.send = init.send
    this.now = init.now ?? (() => performance.now())
  }

  /** Hands an envelope sealed on this topic (by a flush, a lone value or `publishBatch`) to the `onSealed` hook, if any. */
  sealed (envelope: Uint8Array, values: readonly unknown[]): void {
    try {
      this.config.onSealed?.(envelope, values)
    } catch {
      // documented: a hook that throws changes nothing about publishing
    }
  }

  /** Values waiting in the open batch. */
  get pending (): number {
    return this.open?.waiting.length ?? 0
  }

  /**
   * Queues one value whose serialization (with its batch length prefix) is
   * `bytes` long; resolves with the gossipsub result of the envelope that
   * carried it, or rejects with the error sealing or publishing it threw.
   */
  async add (value: unknown, bytes: number, key: BatchKey): Promise<PublishResult> {
    const { maxBytes, maxItems, maxDelayMs } = this.config
    const open = this.open
    if (open !== undefined && (!sameKey(open.key, key) || open.bytes + bytes > maxBytes)) void this.flush()
    const now = this.now()
    if (bytes > maxBytes || (this.open === undefined && now - this.lastFlushAt >= maxDelayMs)) {
      // alone: too large to share a batch, or the topic was idle for a window
      this.lastFlushAt = now
      return this.send([value], key)
    }
    return new Promise<PublishResult>((resolve, reject) => {
      let batch = this.open
      if (batch === undefined) {
        batch = { key, waiting: [], bytes: 0 }
        this.open = batch
      }
      batch.waiting.push({ value, resolve, reject })
      batch.bytes += bytes
      if (batch.waiting.length >= maxItems) void this.flush()
      else if (this.timer === undefined) this.timer = setTimeout(() => { this.timer = undefined; void this.flush() }, Math.max(0, this.lastFlushAt + maxDelayMs - now))
    })
  }

  /**
   * Seals and publishes the open batch now; every waiting publish settles
   * with its result. Resolves when that is done (at once when nothing waits);
   * never rejects (the publishes carry the errors).
   */
  async flush (): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    const batch = this.open
    if (batch === undefined) return
    this.open = undefined
    this.lastFlushAt = this.now()
    let sent: Promise<PublishResult>
    try {
      sent = this.send(batch.waiting.map((w) => w.value), batch.key)
    } catch (err) {
      for (const w of batch.waiting) w.reject(err)
      return
    }
    await sent.then(
      (r) => { for (const w of batch.waiting) w.resolve(r) },
      (err: unknown) => { for (const w of batch.waiting) w.reject(err) }
    )
  }
}
