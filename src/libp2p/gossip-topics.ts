/**
 * The implementation of {@link WiresealGossip}: the gossipsub options of a
 * set of topics, their validators, publishing (single, batched and explicit
 * batches) and delivery, on one gossipsub at a time.
 *
 * @module
 */
import { StrictNoSign, type GossipSub, type PublishResult, type TopicValidatorFn } from '@libp2p/gossipsub'
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { Codec, OpenOptions, SealOptions } from '../codec/index.js'
import type { CompressionName } from '../compress/types.js'
import { varintLength } from '../envelope/pb.js'
import { InvalidConfigError, SizeLimitError } from '../errors.js'
import { checkNonNegativeInt } from '../options/checks.js'
import { DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES, type WireLimits } from '../limits.js'
import { gossipBatchConfig, TopicBatcher, type BatchKey } from './gossip-batcher.js'
import { GossipDelivery, type GossipHandler } from './gossip-delivery.js'
import { createGossipMessageIds } from './gossip-ids.js'
import { wiresealScoreParams } from './gossip-score.js'
import { createGossipCounters, snapshotGossipStats, type GossipCounters, type GossipStats } from './gossip-stats.js'
import { checkTopic, publishCodecs, topicOpenOptions, type GossipPublishOptions, type PublishCodecs, type GossipTopicInit, type GossipTopicsInit, type TopicValue } from './gossip-topic.js'
import { createGossipTransform } from './gossip-transform.js'
import { createTopicValidator } from './gossip-validator.js'
import type { WiresealGossip, WiresealGossipInit, WiresealGossipsubOptions } from './gossip.js'

function sameLimits (a: WireLimits, b: WireLimits): boolean {
  return (Object.keys(a) as Array<keyof WireLimits>).every((k) => a[k] === b[k])
}

/** A configured set of wireseal gossip topics for one node. */
export class GossipTopics<Topics extends GossipTopicsInit> implements WiresealGossip<Topics> {
  readonly gossipsubOptions: WiresealGossipsubOptions
  readonly topics: ReadonlyArray<keyof Topics & string>
  private readonly codec: Codec
  private readonly config: Topics
  /** What the validator of each topic passes to `codec.open` (frozen, validated once). */
  private readonly openOptions = new Map<string, OpenOptions>()
  private readonly validators = new Map<string, TopicValidatorFn>()
  private readonly delivery: GossipDelivery
  private readonly onReject: WiresealGossipInit<Topics>['onReject']
  private readonly counters: GossipCounters
  private pubsub: GossipSub | undefined
  /** The batching publisher of each topic with `batch`. */
  private readonly batchers = new Map<string, TopicBatcher>()

  constructor (init: WiresealGossipInit<Topics>) {
    const { codec, topics } = init
    if (codec === undefined || typeof codec.open !== 'function') throw new InvalidConfigError('codec', 'a wireseal codec (createCodec)')
    const limits = init.limits ?? codec.limits
    if (!sameLimits(limits, codec.limits)) throw new InvalidConfigError('limits', 'the codec\'s limits (one budget per node)')
    const rpcOverheadBytes = init.rpcOverheadBytes ?? DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES
    checkNonNegativeInt('rpcOverheadBytes', rpcOverheadBytes)
    const names = Object.keys(topics ?? {})
    if (names.length === 0) throw new InvalidConfigError('topics', 'at least one topic')
    const scoreOverrides: Record<string, Partial<TopicScoreParams> | undefined> = {}
    for (const name of names) {
      const t = topics[name]
      checkTopic(name, t, limits)
      const open = topicOpenOptions(name, t)
      this.openOptions.set(name, open)
      scoreOverrides[name] = t.score
      // a receiver's topic cap bounds a whole batch payload (the type's cap bounds each item: checked by encode)
      const batch = gossipBatchConfig(`topics.${name}.batch`, t.batch, limits, open.maxPayloadBytes ?? limits.maxPayloadBytes)
      if (batch !== undefined) this.batchers.set(name, new TopicBatcher({ config: batch, send: (values, key) => this.sendCollected(name, values, key) }))
    }
    this.codec = codec
    this.config = topics
    this.topics = Object.freeze(names) as ReadonlyArray<keyof Topics & string>
    this.onReject = init.onReject
    this.counters = createGossipCounters()
    this.delivery = new GossipDelivery({ counters: this.counters, onError: init.onError })
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
    fn = createTopicValidator({
      codec: this.codec,
      topic,
      options: this.openOptions.get(topic) as OpenOptions,
      counters: this.counters,
      accepted: (msg, opened) => { this.delivery.accepted(msg, opened) },
      onReject: this.onReject
    })
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
    pubsub.addEventListener('gossipsub:message', this.delivery.listener)
    for (const topic of this.topics) pubsub.subscribe(topic)
  }

  detach (): void {
    const pubsub = this.pubsub
    if (pubsub === undefined) return
    for (const b of this.batchers.values()) void b.flush()
    this.pubsub = undefined
    pubsub.removeEventListener('gossipsub:message', this.delivery.listener)
    for (const topic of this.topics) {
      if (pubsub.topicValidators.get(topic) === this.validators.get(topic)) pubsub.topicValidators.delete(topic)
      pubsub.unsubscribe(topic)
    }
  }

  private attached (): GossipSub {
    if (this.pubsub === undefined) throw new InvalidConfigError('attach', 'attach() before publishing')
    return this.pubsub
  }

  /** The encodings of one publish (refused when the topic does not accept them), and what its subscribers accept. */
  private codecsFor (topic: string, t: GossipTopicInit, options: GossipPublishOptions): PublishCodecs & { peerAccepts: ReadonlySet<number> | undefined } {
    return { ...publishCodecs(topic, t, this.openOptions.get(topic) as OpenOptions, options), peerAccepts: options.peerAccepts }
  }

  seal<K extends keyof Topics & string>(topic: K, value: TopicValue<Topics[K]>, options: GossipPublishOptions = {}): Uint8Array {
    const t = this.topicInit(topic)
    return this.codec.seal(t.type, value, { channel: topic, ...this.codecsFor(topic, t, options) })
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
    const key = this.codecsFor(topic, t, options)
    // serialized here as well as when sealed: a bad value is refused alone, and its size bounds the batch
    const item = this.codec.encode(t.type, value, key.serializer)
    return batcher.add(value, varintLength(item.length) + item.length, key)
  }

  async publishBatch<K extends keyof Topics & string>(topic: K, values: ReadonlyArray<TopicValue<Topics[K]>>, options: GossipPublishOptions = {}): Promise<PublishResult> {
    this.attached()
    const t = this.topicInit(topic)
    void this.batchers.get(topic)?.flush()
    const key = this.codecsFor(topic, t, options)
    const bytes = this.codec.sealBatch(t.type, values, this.sealOptions(topic, key))
    this.batchers.get(topic)?.sealed(bytes, values)
    return this.publishSealed(topic, bytes, values.length)
  }

  async flush (): Promise<void> {
    await Promise.all([...this.batchers.values()].map(async (b) => b.flush()))
  }

  /** Seals what a batcher collected, one value alone as a single envelope, and publishes it (seals before returning: seq order). */
  private sendCollected (topic: string, values: readonly unknown[], key: BatchKey): Promise<PublishResult> {
    this.attached()
    const t = this.topicInit(topic)
    const options = this.sealOptions(topic, key)
    const bytes = values.length === 1 ? this.codec.seal(t.type, values[0], options) : this.codec.sealBatch(t.type, values, options)
    this.batchers.get(topic)?.sealed(bytes, values)
    return this.publishSealed(topic, bytes, values.length)
  }

  private sealOptions (topic: string, key: BatchKey): SealOptions {
    return { channel: topic, serializer: key.serializer, compression: key.compression as 'auto' | CompressionName | undefined, peerAccepts: key.peerAccepts }
  }

  /** Hands one sealed envelope carrying `values` values to gossipsub. */
  private publishSealed (topic: string, bytes: Uint8Array, values: number): Promise<PublishResult> {
    const pubsub = this.attached()
    this.counters.publishedEnvelopes++
    this.counters.publishedValues += values
    return pubsub.publish(topic, bytes)
  }

  onMessage<K extends keyof Topics & string>(topic: K, handler: GossipHandler<TopicValue<Topics[K]>>): () => void {
    this.topicInit(topic)
    return this.delivery.add(topic, handler as GossipHandler<unknown>)
  }

  stats (): GossipStats {
    return snapshotGossipStats(this.counters)
  }
}
