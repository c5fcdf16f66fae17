/**
 * {@link WiresealStreamInit} checked and resolved once per stream: the
 * channel and the encodings a wireseal protocol id names (SPEC.md 14.1), the
 * `codec.open` options, the read-side mark, the deadlines' pace and the budget
 * scope. A bad option is an {@link InvalidConfigError} naming it.
 *
 * @module
 */
import type { Stream } from '@libp2p/interface'
import type { Codec, OpenOptions } from '../codec/index.js'
import type { CompressionName } from '../compress/types.js'
import { InvalidConfigError } from '../errors.js'
import { checkPositive, checkPositiveInt } from '../options/checks.js'
import { DEFAULT_STREAM_FRAME_TIMEOUT_MS, DEFAULT_STREAM_HIGH_WATER_MARK, DEFAULT_STREAM_MIN_BYTES_PER_SECOND } from '../limits.js'
import type { WireLimits } from '../limits.js'
import { DEFAULT_PROTOCOL_NAMES, protocolNamesFor, tryParseProtocolId, type ProtocolNames } from './protocol-id.js'
import { Pace } from './stream-deadlines.js'
import { defaultStreamBudget, type BudgetScope, type StreamBudget } from './stream-budget.js'
import type { RejectPolicy, WiresealStreamInit } from './stream.js'

/** The resolved settings of one stream. */
export interface StreamSettings {
  readonly codec: Codec
  readonly limits: WireLimits
  readonly channel: string
  /** What every read passes to `codec.open`. */
  readonly openOptions: OpenOptions
  /** Serializer and compression of `write()`, unless a write overrides them. */
  readonly serializer: number | undefined
  readonly compression: 'auto' | CompressionName | undefined
  readonly onReject: RejectPolicy
  readonly highWaterMark: number
  readonly pace: Pace
  /** Idle limit of a read waiting between frames (ms; Infinity: none). */
  readonly idleMs: number
  readonly budget: StreamBudget
  /** Where the stream's bytes are accounted; undefined without a connection. */
  readonly scope: BudgetScope | undefined
}

/** The names protocol ids are parsed with: the caller's, else the defaults plus a segment per type of the codec's registry. */
export function protocolNamesOf (init: { protocolNames?: ProtocolNames, codec: Codec }): ProtocolNames {
  if (init.protocolNames !== undefined) return init.protocolNames
  const lookup = init.codec.serializers
  return lookup?.types === undefined ? DEFAULT_PROTOCOL_NAMES : protocolNamesFor(lookup.types())
}

/** Checks `init` and resolves its defaults against the stream's negotiated protocol id. */
export function resolveStreamSettings (stream: Stream, init: WiresealStreamInit): StreamSettings {
  const limits = init.limits ?? init.codec.limits
  const channel = init.channel ?? stream.protocol
  if (channel === undefined || channel === '') throw new InvalidConfigError('channel', 'a channel, or a stream with a negotiated protocol')
  const parsed = tryParseProtocolId(channel, protocolNamesOf(init))
  const strict = init.strictCodecs !== false && parsed !== undefined
  const maxPayloadBytes = init.maxPayloadBytes
  if (maxPayloadBytes !== undefined) checkPositiveInt('maxPayloadBytes', maxPayloadBytes)
  const openOptions: OpenOptions = {
    channel,
    types: init.types ?? (parsed === undefined ? undefined : [parsed.messageTypeId]),
    // The negotiated id fixes the encoding: the codec refuses any other before decompressing. 0: `none`.
    serializers: strict ? [parsed.serializerId] : undefined,
    compressions: strict ? [parsed.compressionId, 0] : undefined,
    maxPayloadBytes
  }
  const highWaterMark = init.highWaterMark ?? DEFAULT_STREAM_HIGH_WATER_MARK
  checkPositiveInt('highWaterMark', highWaterMark)
  const pace = new Pace({
    baseMs: checkPositive('frameTimeoutMs', init.frameTimeoutMs ?? DEFAULT_STREAM_FRAME_TIMEOUT_MS),
    minBytesPerSecond: checkPositive('minBytesPerSecond', init.minBytesPerSecond ?? DEFAULT_STREAM_MIN_BYTES_PER_SECOND)
  })
  const idleMs = init.idleTimeoutMs === undefined ? Infinity : checkPositive('idleTimeoutMs', init.idleTimeoutMs)
  const connection = init.connection
  return {
    codec: init.codec,
    limits,
    channel,
    openOptions,
    serializer: init.serializer ?? parsed?.serializerId,
    compression: init.compression ?? parsed?.compression,
    onReject: init.onReject ?? 'throw',
    highWaterMark,
    pace,
    idleMs,
    budget: init.budget ?? defaultStreamBudget,
    scope: connection === undefined ? undefined : { connection: connection.id, peer: connection.remotePeer.toString() }
  }
}
