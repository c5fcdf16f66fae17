/**
 * Peer-score parameters that actually score wireseal gossip topics.
 *
 * Gossipsub v1.1 (libp2p specs, `pubsub/gossipsub/gossipsub-v1.1.md`, "Peer
 * Scoring") only penalises a validator `Reject` through P4, "invalid message
 * deliveries", and only on topics listed in `scoreParams.topics`: a topic
 * missing there is never scored, so a peer flooding it with forgeries keeps a
 * score of 0. Every topic a {@link wiresealGossip} carries gets an entry.
 *
 * The defaults are chosen so that ONE rejected message puts a peer below 0
 * whatever it earned before: positive topic scores are capped by
 * `topicScoreCap` (gossipsub default 10) and P4 is `weight * count^2`, so
 * with weight -20 one invalid delivery gives at most `10 - 20 = -10`
 * (the default `gossipThreshold`: no more gossip to it), two at most -70, three
 * at most -170, below the default `graylistThreshold` (-80), where every RPC of
 * the peer is ignored. Honest wireseal peers never forward what they rejected,
 * so they never collect P4.
 *
 * @module
 */
import './polyfill.js'
import type { PeerScoreParams, TopicScoreParams } from '@libp2p/gossipsub/score'
import { InvalidConfigError } from '../errors.js'
import { DEFAULT_GOSSIP_INVALID_MESSAGE_WEIGHT, DEFAULT_GOSSIP_INVALID_MESSAGE_HALF_LIFE_MS, DEFAULT_GOSSIP_FIRST_DELIVERY_HALF_LIFE_MS } from '../limits.js'
export { DEFAULT_GOSSIP_INVALID_MESSAGE_WEIGHT, DEFAULT_GOSSIP_INVALID_MESSAGE_HALF_LIFE_MS, DEFAULT_GOSSIP_FIRST_DELIVERY_HALF_LIFE_MS }

/** Gossipsub's default score decay interval (ms); decays below are per interval. */
export const GOSSIP_DECAY_INTERVAL_MS = 1000

/**
 * Per-interval decay factor that halves a counter every `halfLifeMs`:
 * `0.5^(intervalMs / halfLifeMs)`. Throws {@link InvalidConfigError} for
 * non-positive arguments or a half-life shorter than one interval.
 */
export function scoreDecay (halfLifeMs: number, intervalMs: number = GOSSIP_DECAY_INTERVAL_MS): number {
  if (!(intervalMs > 0) || !(halfLifeMs >= intervalMs)) {
    throw new InvalidConfigError('halfLifeMs', `a half-life >= the decay interval (${intervalMs} ms), got ${String(halfLifeMs)}`)
  }
  return Math.pow(0.5, intervalMs / halfLifeMs)
}

/**
 * Score parameters of one wireseal topic, for a decay interval of
 * `decayIntervalMs`.
 *
 * - P1 time in mesh: +0.01 per second, capped at 600 s (+6).
 * - P2 first deliveries: +1 each, capped at 20, half-life one minute.
 * - P3/P3b mesh delivery deficit: off (0): the rate of an application topic is
 *   unknown, and a deficit threshold would punish honest peers on quiet topics.
 * - P4 invalid deliveries: {@link DEFAULT_GOSSIP_INVALID_MESSAGE_WEIGHT}, half-life one hour.
 */
export function wiresealTopicScoreParams (decayIntervalMs: number = GOSSIP_DECAY_INTERVAL_MS): TopicScoreParams {
  return {
    topicWeight: 1,
    timeInMeshWeight: 0.01,
    timeInMeshQuantum: 1000,
    timeInMeshCap: 600,
    firstMessageDeliveriesWeight: 1,
    firstMessageDeliveriesDecay: scoreDecay(DEFAULT_GOSSIP_FIRST_DELIVERY_HALF_LIFE_MS, decayIntervalMs),
    firstMessageDeliveriesCap: 20,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: 0.5,
    meshMessageDeliveriesCap: 100,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 10,
    meshMessageDeliveriesActivation: 5000,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: 0.5,
    invalidMessageDeliveriesWeight: DEFAULT_GOSSIP_INVALID_MESSAGE_WEIGHT,
    invalidMessageDeliveriesDecay: scoreDecay(DEFAULT_GOSSIP_INVALID_MESSAGE_HALF_LIFE_MS, decayIntervalMs)
  }
}

/**
 * Builds gossipsub `scoreParams` where every topic of `topics` is scored:
 * {@link wiresealTopicScoreParams}, then `base.topics[topic]`, then the
 * topic's own overrides. Other fields of `base` (and topics not in `topics`)
 * are passed through unchanged; gossipsub fills in the rest.
 */
export function wiresealScoreParams (
  topics: Readonly<Record<string, Partial<TopicScoreParams> | undefined>>,
  base: Partial<PeerScoreParams> = {}
): Partial<PeerScoreParams> {
  const decayIntervalMs = base.decayInterval ?? GOSSIP_DECAY_INTERVAL_MS
  const scored: Record<string, TopicScoreParams> = { ...base.topics }
  for (const [topic, overrides] of Object.entries(topics)) {
    scored[topic] = { ...wiresealTopicScoreParams(decayIntervalMs), ...base.topics?.[topic], ...overrides }
  }
  return { ...base, topics: scored }
}
