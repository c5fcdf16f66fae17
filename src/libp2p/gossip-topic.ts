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
import { checkPositiveInt } from '../options/checks.js'
import type { WireLimits } from '../limits.js'
import { serializerIdOf } from '../serialize/names.js'
import type { MessageType, SerializerChoice } from '../serialize/types.js'
import type { GossipBatchInit } from './gossip-batcher.js'

/** One topic carried by `wiresealGossip`. */
export interface GossipTopicInit<T = unknown> {
  /** The message type of the topic; envelopes of any other type are rejected. */
  type: MessageType<T>
  /**
   * Serializer used by {@link WiresealGossip.publish}: a name (`'msgpack'`) or a wire id.
   * @default the first of `serializers` when given, else the codec's default for the type (protobuf for the built-ins, msgpack for a schema type)
   */
  serializer?: SerializerChoice
  /**
   * Compression used by {@link WiresealGossip.publish}: `auto` lets the codec's size-aware policy choose.
   * @default 'auto'
   */
  compression?: 'auto' | CompressionName
  /**
   * Serializers accepted on this topic (names or wire ids); an envelope in any other is
   * refused (`unknown-codec`, Ignore) before its signature is checked or its
   * payload decompressed. {@link WiresealGossip.publish} refuses to seal in
   * one outside the set (InvalidConfigError).
   * @default any serializer the codec knows for the topic's type
   */
  serializers?: ReadonlyArray<SerializerChoice>
  /**
   * Compressions accepted on this topic (names, or `CompressionId` wire ids), refused
   * like `serializers` otherwise: no decompressor runs for a compression the
   * topic does not carry. Publishing with `compression: 'auto'` is not
   * checked here (the codec's policy chooses): pass `peerAccepts` or a
   * fixed compression on a restricted topic.
   * @default any compression the codec has
   */
  compressions?: ReadonlyArray<CompressionName | number>
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
  /** Serializer name or wire id. @default the topic's */
  serializer?: SerializerChoice
  /** Compression. @default the topic's */
  compression?: 'auto' | CompressionName
  /** Compression ids the subscribers accept (the policy falls back). @default all */
  peerAccepts?: ReadonlySet<number>
}

const textEncoder = new TextEncoder()

/** A non-empty list of names or wire ids as wire ids (`idOf` names the entry in its error). */
function idSet<C> (option: string, choices: ReadonlyArray<C> | undefined, idOf: (choice: C, option: string) => number): ReadonlyArray<number> | undefined {
  if (choices === undefined) return undefined
  if (!Array.isArray(choices) || choices.length === 0) throw new InvalidConfigError(option, 'a non-empty array of names or wire ids')
  return Object.freeze(choices.map((c, i) => idOf(c, `${option}[${i}]`)))
}

function compressionIdOf (choice: CompressionName | number, option: string): number {
  if (typeof choice === 'number' && Object.values(CompressionId).includes(choice as never)) return choice
  if (typeof choice === 'string' && Object.hasOwn(CompressionId, choice)) return CompressionId[choice]
  throw new InvalidConfigError(option, `a compression name (${Object.keys(CompressionId).join(', ')}) or its wire id, got ${JSON.stringify(choice)}`)
}

/** The `codec.open` options of one topic: its channel, type, accepted codecs and payload cap. */
export function topicOpenOptions (name: string, t: GossipTopicInit): OpenOptions {
  const serializers = idSet(`topics.${name}.serializers`, t.serializers, serializerIdOf)
  const compressions = idSet(`topics.${name}.compressions`, t.compressions, compressionIdOf)
  if (t.serializer !== undefined) serializerIdOf(t.serializer, `topics.${name}.serializer`)
  const cap = t.maxPayloadBytes
  if (cap !== undefined) checkPositiveInt(`topics.${name}.maxPayloadBytes`, cap)
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
  const choice = options.serializer ?? t.serializer
  const option = options.serializer !== undefined ? 'options.serializer' : `topics.${topic}.serializer`
  // Unnamed: the topic's first accepted serializer, else the codec's default for the type.
  const serializer = choice === undefined ? accepted.serializers?.[0] : serializerIdOf(choice, option)
  const compression = options.compression ?? t.compression
  if (accepted.serializers !== undefined && serializer !== undefined && !accepted.serializers.includes(serializer)) {
    throw new InvalidConfigError(option, `one of the topic's serializers ${accepted.serializers.join(', ')}, got ${String(choice)}`)
  }
  if (accepted.compressions !== undefined && compression !== undefined && compression !== 'auto' && !accepted.compressions.includes(CompressionId[compression])) {
    throw new InvalidConfigError(`topics.${topic}.compression`, `one of the topic's compressions ${accepted.compressions.join(', ')}, got ${compression}`)
  }
  return { serializer, compression }
}
