/**
 * The configuration of one wireseal gossip topic: its message type, the
 * encodings it publishes in and accepts, its payload cap, score and batching;
 * and the `codec.open` options a topic validator derives from it once
 * (SPEC.md 14.3: the topic is the channel).
 *
 * @module
 */
import type { TopicScoreParams } from '@libp2p/gossipsub/score'
import type { OpenOptions } from '../codec/index.js'
import { CompressionId, type CompressionName } from '../compress/types.js'
import { InvalidConfigError } from '../errors.js'
import type { WireLimits } from '../limits.js'
import { SerializerId, type MessageType } from '../serialize/types.js'
import type { GossipBatchInit } from './gossip-batcher.js'

/** One topic carried by `wiresealGossip`. */
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

/** Overrides of the topic's publish settings. */
export interface GossipPublishOptions {
  /** Serializer wire id. @default the topic's */
  serializer?: number
  /** Compression. @default the topic's */
  compression?: 'auto' | CompressionName
  /** Compression ids the subscribers accept (the policy falls back). @default all */
  peerAccepts?: ReadonlySet<number>
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
export function topicOpenOptions (name: string, t: GossipTopicInit): OpenOptions {
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

/** Checks a topic's name and type; throws {@link errors!InvalidConfigError} naming the option. */
export function checkTopic (name: string, t: GossipTopicInit | undefined, limits: WireLimits): asserts t is GossipTopicInit {
  if (name.length === 0) throw new InvalidConfigError('topics', 'non-empty topic names')
  const bytes = textEncoder.encode(name).length
  if (bytes > limits.maxChannelBytes) throw new InvalidConfigError(`topics.${name}`, `a name of at most ${limits.maxChannelBytes} UTF-8 bytes, got ${bytes}`)
  if (t?.type === undefined || !Number.isInteger(t.type.id)) throw new InvalidConfigError(`topics.${name}.type`, 'a message type')
}

/** The encodings a publish seals with. */
export interface PublishCodecs {
  serializer: number | undefined
  compression: 'auto' | CompressionName | undefined
}

/** The serializer and compression to publish with on `topic`, refused when the topic does not accept them. */
export function publishCodecs (topic: string, t: GossipTopicInit, accepted: OpenOptions, options: GossipPublishOptions): PublishCodecs {
  const serializer = options.serializer ?? t.serializer
  const compression = options.compression ?? t.compression
  if (accepted.serializers !== undefined && !accepted.serializers.includes(serializer ?? SerializerId.protobuf)) {
    throw new InvalidConfigError(`topics.${topic}.serializer`, `one of the topic's serializers ${accepted.serializers.join(', ')}, got ${String(serializer ?? SerializerId.protobuf)}`)
  }
  if (accepted.compressions !== undefined && compression !== undefined && compression !== 'auto' && !accepted.compressions.includes(CompressionId[compression])) {
    throw new InvalidConfigError(`topics.${topic}.compression`, `one of the topic's compressions ${accepted.compressions.join(', ')}, got ${compression}`)
  }
  return { serializer, compression }
}
