/**
 * wireseal over gossipsub (@libp2p/gossipsub 17): one factory configures the
 * whole message path of a set of topics.
 *
 * ```ts
 * const gossip = wiresealGossip({ codec, topics: { blocks: { type: BlockType }, peers: { type: PeerInfoType } } })
 * const node = await createLibp2p({ ..., services: { identify: identify(), pubsub: gossipsub({ ...gossip.gossipsubOptions }) } })
 * gossip.attach(node)
 * gossip.onMessage('blocks', ({ value, from }) => { ... })
 * await gossip.publish('blocks', block)
 * ```
 *
 * What each piece does (gossipsub v1.1 spec; js-libp2p gossipsub's order of
 * work per received message: fastMsgIdFn -> transform -> msgIdFn -> seen
 * cache -> topic validator -> deliver + forward):
 * - `globalSignaturePolicy: StrictNoSign`: envelopes carry their own
 *   signature, seq and sender key; gossipsub's own signature would be a
 *   second Ed25519 verification per message for nothing.
 * - `fastMsgIdFn` / `msgIdFn` (./gossip-ids.ts): SHA-256 over topic and envelope,
 *   computed once; duplicates are dropped before any parsing or verification.
 * - `dataTransform` (./gossip-transform.ts): a bounded envelope parse; no
 *   double compression.
 * - the topic validator: `codec.open` with `channel = topic`, the topic's
 *   message type and, when configured, its accepted serializers, compressions
 *   and payload cap (refused before the signature check and before any
 *   decompression), then signature, digest, replay window, age; answering Accept,
 *   Reject or Ignore (./gossip-verdict.ts). Replay state is committed by the
 *   validator, so a value is delivered at most once even when the same
 *   message comes back after the seen-cache forgot it.
 * - `scoreParams` (./gossip-score.ts): every topic scored, so Reject costs score.
 * - `maxInboundDataLength`: `limits.maxFrameBytes` + room for the RPC around
 *   the message, from the same budget as streams and decompression.
 *
 * Batched publishing (`batch` on a topic, ./gossip-batcher.ts): values
 * published within a short window share one batch envelope. Receivers need
 * no option: every wireseal receiver opens batch envelopes, validates them
 * once (one signature) and delivers each item on its own, in batch order;
 * replay state is per item, so an item already seen (e.g. forwarded alone
 * with its proof) is not delivered again, a batch whose items were all seen
 * is `replayed` (Ignore) and a forged one is Reject, as for single messages.
 *
 * Accepted values reach the application exactly once through
 * {@link WiresealGossip.onMessage}. Messages signed with this node's own key
 * are never delivered back to it (ignored if a peer relays one back), so
 * nodes must not share a signing key (their sequence numbers would collide
 * anyway).
 *
 * @module
 */
import './polyfill.js'
import type { GossipSub, PublishResult, StrictNoSign, TopicValidatorFn } from '@libp2p/gossipsub'
import type { PeerScoreParams, PeerScoreThresholds } from '@libp2p/gossipsub/score'
import type { DataTransform, FastMsgIdFn, MsgIdFn } from '@libp2p/gossipsub/types'
import type { Codec } from '../codec/index.js'
import type { WireLimits } from '../limits.js'
import type { GossipHandler, GossipMessage } from './gossip-delivery.js'
import type { GossipStats } from './gossip-stats.js'
import type { GossipPublishOptions, GossipTopicsInit, TopicValue } from './gossip-topic.js'
import { GossipTopics } from './gossip-topics.js'
import type { GossipRejection } from './gossip-validator.js'
export { DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES } from '../limits.js'
export { DEFAULT_GOSSIP_BATCH_MAX_BYTES, DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS, DEFAULT_GOSSIP_BATCH_MAX_ITEMS, type GossipBatchInit } from './gossip-batcher.js'
export type { GossipHandler, GossipMessage } from './gossip-delivery.js'
export type { GossipStats } from './gossip-stats.js'
export type { GossipPublishOptions, GossipTopicInit, GossipTopicsInit, TopicValue } from './gossip-topic.js'
export type { GossipRejection } from './gossip-validator.js'

/** Options of {@link wiresealGossip}. */
export interface WiresealGossipInit<Topics extends GossipTopicsInit> {
  /** This node's codec: its key seals what we publish, its replay state guards what we accept. */
  codec: Codec
  /** The topics, each with its message type. */
  topics: Topics
  /**
   * The size budget. It must be the codec's (one budget per node); pass it
   * only to assert that.
   * @default codec.limits
   */
  limits?: WireLimits
  /**
   * Room for the RPC around an envelope in `maxInboundDataLength`.
   * @default DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES (1 MiB)
   */
  rpcOverheadBytes?: number
  /**
   * Base gossipsub score parameters; each configured topic gets
   * `wiresealTopicScoreParams()` merged under `scoreParams.topics[topic]` and the topic's `score`.
   * @default {}
   */
  scoreParams?: Partial<PeerScoreParams>
  /**
   * Gossipsub score thresholds.
   * @default gossipsub's (gossip -10, publish -50, graylist -80)
   */
  scoreThresholds?: Partial<PeerScoreThresholds>
  /**
   * Called when a message handler throws or rejects (the message still
   * counts as delivered; other handlers still run).
   * @default none (only `stats().handlerErrors` counts it)
   */
  onError?: (err: unknown, message: GossipMessage) => void
  /**
   * Called for every message a topic validator refuses, with the relaying
   * peer: the hook for a node's own reputation and metrics. Must not throw.
   * @default none (only `stats()` counts it)
   */
  onReject?: (rejection: GossipRejection) => void
}

/** The gossipsub options to spread into `gossipsub({ ...gossipsubOptions })`. */
export interface WiresealGossipsubOptions {
  readonly globalSignaturePolicy: typeof StrictNoSign
  readonly dataTransform: DataTransform
  readonly msgIdFn: MsgIdFn
  readonly fastMsgIdFn: FastMsgIdFn
  readonly maxInboundDataLength: number
  readonly scoreParams: Partial<PeerScoreParams>
  readonly scoreThresholds: Partial<PeerScoreThresholds>
}

/** A configured set of wireseal gossip topics for one node. */
export interface WiresealGossip<Topics extends GossipTopicsInit> {
  /** Spread into `gossipsub({ ...gossipsubOptions, ...yours })` (yours must not override these). */
  readonly gossipsubOptions: WiresealGossipsubOptions
  /** The configured topic names. */
  readonly topics: ReadonlyArray<keyof Topics & string>
  /** The topic validator of one topic (registered by {@link attach}). */
  validator(topic: keyof Topics & string): TopicValidatorFn
  /**
   * Registers the validators, listens for accepted messages and subscribes to
   * every topic, on a gossipsub started with {@link gossipsubOptions}.
   * Throws {@link errors!InvalidConfigError} when already attached, when the
   * gossipsub is not `StrictNoSign`, or when another validator holds a topic.
   */
  attach(target: GossipSub | { services: { pubsub: GossipSub } }): void
  /** Undoes {@link attach}: waiting batches published first, then validators removed, topics unsubscribed. Handlers stay registered. */
  detach(): void
  /** Seals `value` for `topic` without publishing it. */
  seal<K extends keyof Topics & string>(topic: K, value: TopicValue<Topics[K]>, options?: GossipPublishOptions): Uint8Array
  /**
   * Seals and publishes one value. Throws `InvalidValueError` for a value
   * that does not fit the topic's type, {@link errors!SizeLimitError} when too
   * large, and gossipsub's `PublishError`s (e.g. no subscribed peers).
   * On a topic with `batch`, the value may wait (at most `maxDelayMs`) to
   * share a batch envelope: the promise resolves with that envelope's
   * result once it is published, or rejects with the error sealing or
   * publishing it threw (for every value of the batch). A value that does not
   * fit its type is refused on its own, before it joins a batch.
   */
  publish<K extends keyof Topics & string>(topic: K, value: TopicValue<Topics[K]>, options?: GossipPublishOptions): Promise<PublishResult>
  /** Seals values under ONE signature (a batch envelope) and publishes them as one gossip message (after any batch waiting on the topic). */
  publishBatch<K extends keyof Topics & string>(topic: K, values: ReadonlyArray<TopicValue<Topics[K]>>, options?: GossipPublishOptions): Promise<PublishResult>
  /**
   * Seals and publishes every batch waiting now (topics with `batch`);
   * resolves when gossipsub took them. {@link detach} does it too.
   */
  flush(): Promise<void>
  /** Calls `handler` once for every accepted message of `topic`; returns the function that removes it. */
  onMessage<K extends keyof Topics & string>(topic: K, handler: GossipHandler<TopicValue<Topics[K]>>): () => void
  /** Counters since creation. */
  stats(): GossipStats
}

/**
 * Configures wireseal on a set of gossipsub topics for one node: the
 * gossipsub options (StrictNoSign, transform, message ids, scoring, inbound
 * size cap), the validators, publishing and delivery. Throws
 * {@link errors!InvalidConfigError} for an empty or invalid topic set, a topic name
 * over `maxChannelBytes`, or limits that differ from the codec's.
 */
export function wiresealGossip<const Topics extends GossipTopicsInit> (init: WiresealGossipInit<Topics>): WiresealGossip<Topics> {
  return new GossipTopics(init)
}
