/**
 * The gossipsub `DataTransform` of wireseal topics.
 *
 * It compresses nothing. A wireseal envelope already carries its payload
 * compressed per the size-aware policy and signed over the compressed bytes;
 * compressing the envelope again would spend CPU on signature, key and
 * digest bytes that do not compress, and decompressing on the way in would
 * make us allocate in proportion to what an unauthenticated peer claims,
 * before any check. Instead:
 *
 * - inbound (runs before `msgIdFn` and the validator, for every new message):
 *   a bounded parse of the envelope. A frame over `limits.maxFrameBytes`, a
 *   payload claim over the budget or bytes that are not a canonical envelope
 *   throw, and gossipsub counts a throwing transform as an invalid message
 *   delivery by the sender (P4 on scored topics). The validator only ever
 *   sees bounded, well-formed envelopes. The bytes are returned as they are:
 *   no copy.
 * - outbound (runs on `publish`): the same bounded parse, plus the check that
 *   the envelope was sealed for the topic it is published on, so a local bug
 *   fails loudly instead of getting this node penalised by its peers.
 *
 * Topics outside `topics` pass through untouched, so one gossipsub instance
 * can carry wireseal topics and plain ones.
 *
 * @module
 */
import './polyfill.js'
import type { DataTransform } from '@libp2p/gossipsub/types'
import { InvalidValueError } from '../errors.js'
import type { WireLimits } from '../limits.js'
import { parseEnvelope } from '../envelope/envelope.js'

/** Options of {@link createGossipTransform}. */
export interface GossipTransformInit {
  /** The shared size budget (the codec's). */
  limits: WireLimits
  /** Topics carrying wireseal envelopes; other topics pass through untouched. */
  topics: ReadonlySet<string>
  /**
   * Called with the error before an inbound transform throws (for counters).
   * @default none
   */
  onInboundError?: (topic: string, err: unknown) => void
}

/**
 * Creates the synchronous transform. Inbound throws `SizeLimitError`
 * or `MalformedInputError`; outbound additionally throws
 * {@link InvalidValueError} (`field: 'channel'`) for an envelope sealed for
 * another topic.
 */
export function createGossipTransform (init: GossipTransformInit): DataTransform {
  const { limits, topics, onInboundError } = init
  return Object.freeze({
    inboundTransform (topic: string, data: Uint8Array): Uint8Array {
      if (!topics.has(topic)) return data
      try {
        parseEnvelope(data, limits)
      } catch (err) {
        onInboundError?.(topic, err)
        throw err
      }
      return data
    },
    outboundTransform (topic: string, data: Uint8Array): Uint8Array {
      if (!topics.has(topic)) return data
      const channel = parseEnvelope(data, limits).header.channel
      if (channel !== topic) throw new InvalidValueError('channel', `an envelope sealed for topic "${topic}", got "${channel}"`)
      return data
    }
  })
}
