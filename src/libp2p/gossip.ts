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
import {
  StrictNoSign,
  TopicValidatorResult,
  type GossipSub,
  type GossipsubMessage,
  type Message,
  type PublishResult,
  type TopicValidatorFn
} from '@libp2p/gossipsub'
import type { PeerScoreParams, PeerScoreThresholds, TopicScoreParams } from '@libp2p/gossipsub/score'
import type { DataTransform, FastMsgIdFn, MsgIdFn } from '@libp2p/gossipsub/types'
import type { PeerId } from '@libp2p/interface'
import type { Codec, OpenAccepted, OpenOptions, RejectReason } from '../codec/index.js'
import { CompressionId, type CompressionName } from '../compress/types.js'
import { SerializerId } from '../serialize/types.js'
import { InvalidConfigError, SizeLimitError } from '../errors.js'
import type { WireLimits } from '../limits.js'
import type { MessageType } from '../serialize/types.js'
import { createGossipMessageIds } from './gossip-ids.js'
import { wiresealScoreParams } from './gossip-score.js'
import { createGossipTransform } from './gossip-transform.js'
import { GOSSIP_VERDICTS } from './gossip-verdict.js'
import { gossipBatchConfig, TopicBatcher, type BatchKey, type GossipBatchInit } from './gossip-batcher.js'
import { varintLength } from '../envelope/pb.js'
import { DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES } from '../limits.js'
export { DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES }
export { DEFAULT_GOSSIP_BATCH_MAX_BYTES, DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS, DEFAULT_GOSSIP_BATCH_MAX_ITEMS, type GossipBatchInit } from './gossip-batcher.js'

/** One topic carried by {@link wiresealGossip}. */
export interface GossipTopicInit<T = unknown> {
  /** The message type of the topic; envelopes of any other type are rejected. */
  type: MessageType<T>
  /**
   * Serializer wire id used by {@link WiresealGossip.publish}.
   * @default SerializerId.protobuf
   */
  serializer?: number
  /**
   * Compression used by {@link WiresealGossip.publish}: `auto` lets the codec's size-aware policy choose.
   * @default 'auto'
   */
  compression?: 'auto' | CompressionName
  /**
   * Serializer wire ids accepted on this topic; an envelope in any other is
   * refused (`unknown-codec`, Ignore) before its signature is checked or its
   * payload decompressed. {@link WiresealGossip.publish} refuses to seal in
   * one outside the set (InvalidConfigError).
   * @default any serializer the codec knows for the topic's type
   */
  serializers?: ReadonlyArray<number>
  /**
   * Compression wire ids (`CompressionId`) accepted on this topic, refused
   * like `serializers` otherwise: no decompressor runs for a compression the
   * topic does not carry. Publishing with `compression: 'auto'` is not
   * checked here (the codec's policy chooses): pass `peerAccepts` or a
   * fixed compression on a restricted topic.
   * @default any compression the codec has
   */
  compressions?: ReadonlyArray<number>
  /**
   * Cap on the signed declared uncompressed length of an envelope on this
   * topic (`too-large`, Reject, before decompressing); see
   * `OpenOptions.maxPayloadBytes`. The type's own cap and the budget apply too.
   * @default the budget's maxPayloadBytes
   */
  maxPayloadBytes?: number
  /**
   * Overrides of this topic's score parameters.
   * @default wiresealTopicScoreParams()
   */
  score?: Partial<TopicScoreParams>
  /**
   * Batched publishing: {@link WiresealGossip.publish} coalesces values
   * published within `maxDelayMs` into one batch envelope (`true` for the
   * defaults: 5 ms, 64 values, 256 KiB). A topic idle for a window still
   * sends its next value at once, so this only delays values when the topic
   * publishes faster than one envelope per window. Receivers need no option.
   * @default undefined (every publish is its own envelope)
   */
  batch?: boolean | GossipBatchInit
}

/** Topics by name (the gossipsub topic string is also the envelope channel). */
export type GossipTopicsInit = Record<string, GossipTopicInit<unknown>>

/** The value type carried by a topic's init. */
export type TopicValue<C> = C extends GossipTopicInit<infer T> ? T : never

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

/** One accepted message, as handed to the application. */
export interface GossipMessage<T = unknown> {
  /** The topic (= the channel the envelope was signed for). */
  readonly topic: string
  /** The decoded value. */
  readonly value: T
  /** Signer id (peer id string of the envelope key), not the peer that relayed it. */
  readonly from: string
  /** Signer peer id (undefined for ECDSA keys). */
  readonly signer: PeerId | undefined
  /** The signer's sequence number of this message. */
  readonly seq: number
  /** Index in its batch (0 for a single message). */
  readonly index: number
  /** Sender clock, ms since the epoch. */
  readonly timestamp: number
  /** Serializer wire id it travelled in. */
  readonly serializer: number
  /** Compression wire id it travelled in. */
  readonly compression: number
  /** The peer that relayed it to us. */
  readonly propagationSource: PeerId
  /** Gossipsub message id string. */
  readonly msgId: string
  /**
   * The signer's envelope of this message, verifiable on its own by any node
   * (the gossip message bytes; for a batch item, the item's envelope with
   * its inclusion proof, built on the first call). For storing and relaying
   * the original signed form, e.g. to serve it later over a sync protocol.
   */
  envelope(): Uint8Array
}

/** A message a topic validator refused, as reported to {@link WiresealGossipInit.onReject}. */
export interface GossipRejection {
  readonly topic: string
  readonly reason: RejectReason
  /** `reject` lowers the relaying peer's gossipsub score; `ignore` does not. */
  readonly verdict: 'reject' | 'ignore'
  /** The peer that relayed the message to us (not necessarily its signer). */
  readonly propagationSource: PeerId
  /** One line for logs (the codec's rejection detail). */
  readonly detail: string
}

/** Receives accepted messages of one topic. */
export type GossipHandler<T> = (message: GossipMessage<T>) => void | Promise<void>

/** Overrides of the topic's publish settings. */
export interface GossipPublishOptions {
  /** Serializer wire id. @default the topic's */
  serializer?: number
  /** Compression. @default the topic's */
  compression?: 'auto' | CompressionName
  /** Compression ids the subscribers accept (the policy falls back). @default all */
  peerAccepts?: ReadonlySet<number>
}

/** Counters since creation (a snapshot). */
export interface GossipStats {
  /** Envelopes the validator accepted. */
  accepted: number
  /** Messages handed to at least one handler (batch items one by one). */
  delivered: number
  /** Accepted messages no handler was registered for. */
  dropped: number
  /** Validator `Reject`s by reason. */
  rejected: Record<RejectReason, number>
  /** Validator `Ignore`s by reason. */
  ignored: Record<RejectReason, number>
  /** Inbound transform refusals (frame over the budget or not an envelope), before any id or validation. */
  refusedFrames: { 'too-large': number, malformed: number }
  /** Handler calls that threw or rejected. */
  handlerErrors: number
  /** Valid envelopes signed by this node's own key that came back to it (ignored). */
  ownMessages: number
  /** Envelopes this node published (single and batch). */
  publishedEnvelopes: number
  /** Values this node published (a batch counts each of its values). */
  publishedValues: number
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
   * Throws {@link InvalidConfigError} when already attached, when the
   * gossipsub is not `StrictNoSign`, or when another validator holds a topic.
   */
  attach(target: GossipSub | { services: { pubsub: GossipSub } }): void
  /** Undoes {@link attach}: waiting batches published first, then validators removed, topics unsubscribed. Handlers stay registered. */
  detach(): void
  /** Seals `value` for `topic` without publishing it. */
  seal<K extends keyof Topics & string>(topic: K, value: TopicValue<Topics[K]>, options?: GossipPublishOptions): Uint8Array
  /**
   * Seals and publishes one value. Throws `InvalidValueError` for a value
   * that does not fit the topic's type, {@link SizeLimitError} when too
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

function sameLimits (a: WireLimits, b: WireLimits): boolean {
  return (Object.keys(a) as Array<keyof WireLimits>).every((k) => a[k] === b[k])
}

function zeroReasons (): Record<RejectReason, number> {
  const out = {} as Record<RejectReason, number>
  for (const reason of Object.keys(GOSSIP_VERDICTS) as RejectReason[]) out[reason] = 0
  return out
}

const textEncoder = new TextEncoder()

function idSet (option: string, ids: unknown): ReadonlyArray<number> | undefined {
  if (ids === undefined) return undefined
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => Number.isSafeInteger(id))) {
    throw new InvalidConfigError(option, 'a non-empty array of integer wire ids')
  }
  return Object.freeze([...ids as number[]])
}

/** The `codec.open` options of one topic: its channel, type, accepted codecs and payload cap. */
function topicOpenOptions (name: string, t: GossipTopicInit): OpenOptions {
  const serializers = idSet(`topics.${name}.serializers`, t.serializers)
  const compressions = idSet(`topics.${name}.compressions`, t.compressions)
  const cap = t.maxPayloadBytes
  if (cap !== undefined && (!Number.isSafeInteger(cap) || cap < 1)) throw new InvalidConfigError(`topics.${name}.maxPayloadBytes`, `a positive integer, got ${String(cap)}`)
  return Object.freeze({
    channel: name,
    types: Object.freeze([t.type.id]),
    ...(serializers === undefined ? {} : { serializers }),
    ...(compressions === undefined ? {} : { compressions }),
    ...(cap === undefined ? {} : { maxPayloadBytes: cap })
  })
}

/** `fn`, called at most once. */
function memo<T> (fn: () => T): () => T {
  let done = false
  let value: T | undefined
  return () => {
    if (!done) {
      value = fn()
      done = true
    }
    return value as T
  }
}

class GossipTopics<Topics extends GossipTopicsInit> implements WiresealGossip<Topics> {
  readonly gossipsubOptions: WiresealGossipsubOptions
  readonly topics: ReadonlyArray<keyof Topics & string>
  private readonly codec: Codec
  private readonly config: Topics
  /** What the validator of each topic passes to `codec.open` (frozen, validated once). */
  private readonly openOptions = new Map<string, OpenOptions>()
  private readonly validators = new Map<string, TopicValidatorFn>()
  private readonly handlers = new Map<string, Set<GossipHandler<unknown>>>()
  /** Envelopes accepted by the validator, waiting for gossipsub's `gossipsub:message` event. */
  private readonly pending = new WeakMap<Message, OpenAccepted>()
  private readonly onError: ((err: unknown, message: GossipMessage) => void) | undefined
  private readonly onReject: ((rejection: GossipRejection) => void) | undefined
  private readonly counters: GossipStats
  private pubsub: GossipSub | undefined
  /** The batching publisher of each topic with `batch`. */
  private readonly batchers = new Map<string, TopicBatcher>()
  private readonly listener = (evt: CustomEvent<GossipsubMessage>): void => { this.deliver(evt.detail) }

  constructor (init: WiresealGossipInit<Topics>) {
    const { codec, topics } = init
    if (codec === undefined || typeof codec.open !== 'function') throw new InvalidConfigError('codec', 'a wireseal codec (createCodec)')
    const limits = init.limits ?? codec.limits
    if (!sameLimits(limits, codec.limits)) throw new InvalidConfigError('limits', 'the codec\'s limits (one budget per node)')
    const rpcOverheadBytes = init.rpcOverheadBytes ?? DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES
    if (!Number.isSafeInteger(rpcOverheadBytes) || rpcOverheadBytes < 0) throw new InvalidConfigError('rpcOverheadBytes', `a non-negative integer, got ${String(rpcOverheadBytes)}`)
    const names = Object.keys(topics ?? {})
    if (names.length === 0) throw new InvalidConfigError('topics', 'at least one topic')
    const scoreOverrides: Record<string, Partial<TopicScoreParams> | undefined> = {}
    for (const name of names) {
      const t = topics[name] as GossipTopicInit
      if (name.length === 0) throw new InvalidConfigError('topics', 'non-empty topic names')
      const bytes = textEncoder.encode(name).length
      if (bytes > limits.maxChannelBytes) throw new InvalidConfigError(`topics.${name}`, `a name of at most ${limits.maxChannelBytes} UTF-8 bytes, got ${bytes}`)
      if (t?.type === undefined || !Number.isInteger(t.type.id)) throw new InvalidConfigError(`topics.${name}.type`, 'a message type')
      const open = topicOpenOptions(name, t)
      this.openOptions.set(name, open)
      scoreOverrides[name] = t.score
      // a receiver's topic cap bounds a whole batch payload (the type's cap bounds each item: checked by encode)
      const batch = gossipBatchConfig(`topics.${name}.batch`, t.batch, limits, open.maxPayloadBytes ?? limits.maxPayloadBytes)
      if (batch !== undefined) this.batchers.set(name, new TopicBatcher({ config: batch, send: (values, key) => this.send(name, values, key) }))
    }
    this.codec = codec
    this.config = topics
    this.topics = Object.freeze(names) as ReadonlyArray<keyof Topics & string>
    this.onError = init.onError
    this.onReject = init.onReject
    this.counters = {
      accepted: 0,
      delivered: 0,
      dropped: 0,
      rejected: zeroReasons(),
      ignored: zeroReasons(),
      refusedFrames: { 'too-large': 0, malformed: 0 },
      handlerErrors: 0,
      ownMessages: 0,
      publishedEnvelopes: 0,
      publishedValues: 0
    }
    const ids = createGossipMessageIds()
    const refused = this.counters.refusedFrames
    this.gossipsubOptions = Object.freeze({
      globalSignaturePolicy: StrictNoSign,
      dataTransform: createGossipTransform({
        limits,
        topics: new Set(names),
        onInboundError: (_topic, err) => { refused[err instanceof SizeLimitError ? 'too-large' : 'malformed']++ }
      }),
      msgIdFn: ids.msgIdFn,
      fastMsgIdFn: ids.fastMsgIdFn,
      maxInboundDataLength: limits.maxFrameBytes + rpcOverheadBytes,
      scoreParams: wiresealScoreParams(scoreOverrides, init.scoreParams),
      scoreThresholds: { ...init.scoreThresholds }
    })
  }

  private topicInit (topic: string): GossipTopicInit {
    const t = Object.hasOwn(this.config, topic) ? this.config[topic] : undefined
    if (t === undefined) throw new InvalidConfigError('topic', `one of ${this.topics.map((n) => JSON.stringify(n)).join(', ')}, got ${JSON.stringify(topic)}`)
    return t
  }

  validator (topic: keyof Topics & string): TopicValidatorFn {
    let fn = this.validators.get(topic)
    if (fn !== undefined) return fn
    this.topicInit(topic)
    const options = this.openOptions.get(topic) as OpenOptions
    const { rejected, ignored } = this.counters
    fn = (peer: PeerId, msg: Message): TopicValidatorResult => {
      const result = this.codec.open(msg.data, options)
      if (result.ok) {
        if (result.from === this.codec.id) {
          // Our own message relayed back after the seen-cache forgot it: never delivered to ourselves.
          this.counters.ownMessages++
          return TopicValidatorResult.Ignore
        }
        this.pending.set(msg, result)
        this.counters.accepted++
        return TopicValidatorResult.Accept
      }
      const verdict = GOSSIP_VERDICTS[result.reason]
      if (verdict === TopicValidatorResult.Reject) rejected[result.reason]++
      else ignored[result.reason]++
      if (this.onReject !== undefined) {
        try {
          this.onReject({ topic, reason: result.reason, verdict: verdict === TopicValidatorResult.Reject ? 'reject' : 'ignore', propagationSource: peer, detail: result.detail })
        } catch {
          // a reporter that throws must not change the verdict
        }
      }
      return verdict
    }
    this.validators.set(topic, fn)
    return fn
  }

  attach (target: GossipSub | { services: { pubsub: GossipSub } }): void {
    if (this.pubsub !== undefined) throw new InvalidConfigError('attach', 'one gossipsub per WiresealGossip (call detach() first)')
    const pubsub = 'services' in target ? target.services.pubsub : target
    if (pubsub?.topicValidators === undefined) throw new InvalidConfigError('attach', 'a gossipsub service or a libp2p node with services.pubsub')
    if (pubsub.globalSignaturePolicy !== StrictNoSign) {
      throw new InvalidConfigError('globalSignaturePolicy', 'StrictNoSign: create gossipsub with { ...gossipsubOptions }')
    }
    for (const topic of this.topics) {
      const existing = pubsub.topicValidators.get(topic)
      if (existing !== undefined && existing !== this.validators.get(topic)) {
        throw new InvalidConfigError(`topicValidators.${topic}`, 'no other validator on a wireseal topic')
      }
    }
    this.pubsub = pubsub
    for (const topic of this.topics) pubsub.topicValidators.set(topic, this.validator(topic))
    pubsub.addEventListener('gossipsub:message', this.listener)
    for (const topic of this.topics) pubsub.subscribe(topic)
  }

  detach (): void {
    const pubsub = this.pubsub
    if (pubsub === undefined) return
    for (const b of this.batchers.values()) void b.flush()
    this.pubsub = undefined
    pubsub.removeEventListener('gossipsub:message', this.listener)
    for (const topic of this.topics) {
      if (pubsub.topicValidators.get(topic) === this.validators.get(topic)) pubsub.topicValidators.delete(topic)
      pubsub.unsubscribe(topic)
    }
  }

  private attached (): GossipSub {
    if (this.pubsub === undefined) throw new InvalidConfigError('attach', 'attach() before publishing')
    return this.pubsub
  }

  /** The serializer and compression to publish with, refused when the topic does not accept them. */
  private publishCodecs (topic: string, t: GossipTopicInit, options: GossipPublishOptions): { serializer: number | undefined, compression: 'auto' | CompressionName | undefined } {
    const serializer = options.serializer ?? t.serializer
    const compression = options.compression ?? t.compression
    const accepted = this.openOptions.get(topic) as OpenOptions
    if (accepted.serializers !== undefined && !accepted.serializers.includes(serializer ?? SerializerId.protobuf)) {
      throw new InvalidConfigError(`topics.${topic}.serializer`, `one of the topic's serializers ${accepted.serializers.join(', ')}, got ${String(serializer ?? SerializerId.protobuf)}`)
    }
    if (accepted.compressions !== undefined && compression !== undefined && compression !== 'auto' && !accepted.compressions.includes(CompressionId[compression])) {
      throw new InvalidConfigError(`topics.${topic}.compression`, `one of the topic's compressions ${accepted.compressions.join(', ')}, got ${compression}`)
    }
    return { serializer, compression }
  }

  seal<K extends keyof Topics & string>(topic: K, value: TopicValue<Topics[K]>, options: GossipPublishOptions = {}): Uint8Array {
    const t = this.topicInit(topic)
    return this.codec.seal(t.type, value, { channel: topic, ...this.publishCodecs(topic, t, options), peerAccepts: options.peerAccepts })
  }

  async publish<K extends keyof Topics & string>(topic: K, value: TopicValue<Topics[K]>, options: GossipPublishOptions = {}): Promise<PublishResult> {
    const pubsub = this.attached()
    const batcher = this.batchers.get(topic)
    if (batcher === undefined) {
      this.counters.publishedEnvelopes++
      this.counters.publishedValues++
      return pubsub.publish(topic, this.seal(topic, value, options))
    }
    const t = this.topicInit(topic)
    const codecs = this.publishCodecs(topic, t, options)
    // serialized here as well as when sealed: a bad value is refused alone, and its size bounds the batch
    const item = this.codec.encode(t.type, value, codecs.serializer)
    return batcher.add(value, varintLength(item.length) + item.length, { ...codecs, peerAccepts: options.peerAccepts })
  }

  async publishBatch<K extends keyof Topics & string>(topic: K, values: ReadonlyArray<TopicValue<Topics[K]>>, options: GossipPublishOptions = {}): Promise<PublishResult> {
    this.attached()
    const t = this.topicInit(topic)
    void this.batchers.get(topic)?.flush()
    return this.send(topic, values, { ...this.publishCodecs(topic, t, options), peerAccepts: options.peerAccepts }, true)
  }

  async flush (): Promise<void> {
    await Promise.all([...this.batchers.values()].map(async (b) => b.flush()))
  }

  /** Seals `values` (one alone, or a batch) and hands the envelope to gossipsub; seals before returning (seq order). */
  private send (topic: string, values: readonly unknown[], key: BatchKey, asBatch = false): Promise<PublishResult> {
    const pubsub = this.attached()
    const t = this.topicInit(topic)
    const options = { channel: topic, serializer: key.serializer, compression: key.compression as 'auto' | CompressionName | undefined, peerAccepts: key.peerAccepts }
    const bytes = values.length === 1 && !asBatch ? this.codec.seal(t.type, values[0], options) : this.codec.sealBatch(t.type, values, options)
    this.batchers.get(topic)?.sealed(bytes, values)
    this.counters.publishedEnvelopes++
    this.counters.publishedValues += values.length
    return pubsub.publish(topic, bytes)
  }

  onMessage<K extends keyof Topics & string>(topic: K, handler: GossipHandler<TopicValue<Topics[K]>>): () => void {
    this.topicInit(topic)
    if (typeof handler !== 'function') throw new InvalidConfigError('handler', 'a function')
    let set = this.handlers.get(topic)
    if (set === undefined) {
      set = new Set()
      this.handlers.set(topic, set)
    }
    const h = handler as GossipHandler<unknown>
    set.add(h)
    return () => { set.delete(h) }
  }

  /** Hands the values of one accepted envelope to the handlers, once. */
  private deliver (event: GossipsubMessage): void {
    const opened = this.pending.get(event.msg)
    if (opened === undefined) return
    this.pending.delete(event.msg)
    const handlers = this.handlers.get(opened.channel)
    for (const m of opened.messages) {
      if (handlers === undefined || handlers.size === 0) {
        this.counters.dropped++
        continue
      }
      this.counters.delivered++
      const message: GossipMessage = {
        topic: opened.channel,
        value: m.value,
        from: opened.from,
        signer: opened.peerId,
        seq: m.seq,
        index: m.index,
        timestamp: opened.timestamp,
        serializer: opened.serializer,
        compression: opened.compression,
        propagationSource: event.propagationSource,
        msgId: event.msgId,
        envelope: opened.kind === 'batch' && opened.itemEnvelope !== undefined
          ? memo(opened.itemEnvelope.bind(undefined, m.index))
          : () => event.msg.data
      }
      for (const handler of handlers) {
        try {
          const r = handler(message)
          if (r instanceof Promise) r.catch((err: unknown) => { this.handlerFailed(err, message) })
        } catch (err) {
          this.handlerFailed(err, message)
        }
      }
    }
  }

  private handlerFailed (err: unknown, message: GossipMessage): void {
    this.counters.handlerErrors++
    try {
      this.onError?.(err, message)
    } catch {
      // an error reporter that throws must not break delivery to other handlers
    }
  }

  stats (): GossipStats {
    const c = this.counters
    return {
      accepted: c.accepted,
      delivered: c.delivered,
      dropped: c.dropped,
      rejected: { ...c.rejected },
      ignored: { ...c.ignored },
      refusedFrames: { ...c.refusedFrames },
      handlerErrors: c.handlerErrors,
      ownMessages: c.ownMessages,
      publishedEnvelopes: c.publishedEnvelopes,
      publishedValues: c.publishedValues
    }
  }
}

/**
 * Configures wireseal on a set of gossipsub topics for one node: the
 * gossipsub options (StrictNoSign, transform, message ids, scoring, inbound
 * size cap), the validators, publishing and delivery. Throws
 * {@link InvalidConfigError} for an empty or invalid topic set, a topic name
 * over `maxChannelBytes`, or limits that differ from the codec's.
 */
export function wiresealGossip<const Topics extends GossipTopicsInit> (init: WiresealGossipInit<Topics>): WiresealGossip<Topics> {
  return new GossipTopics(init)
}
