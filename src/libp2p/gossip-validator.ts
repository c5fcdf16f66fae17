/**
 * The topic validator of one wireseal gossip topic (SPEC.md 14.3): `codec.open`
 * with the topic's channel, type, accepted encodings and payload cap, answering
 * Accept, Reject or Ignore per reason (`GOSSIP_VERDICTS`). Replay state is
 * committed by the validator, so a value is accepted at most once even when
 * the same message comes back after the seen-cache forgot it.
 *
 * @module
 */
import { TopicValidatorResult, type Message, type TopicValidatorFn } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import type { Codec, OpenAccepted, OpenOptions, RejectReason } from '../codec/index.js'
import type { GossipCounters } from './gossip-stats.js'
import { GOSSIP_VERDICTS } from './gossip-verdict.js'

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

/** Options of {@link createTopicValidator}. */
export interface TopicValidatorInit {
  codec: Codec
  topic: string
  /** What `codec.open` is given (the topic's, validated once). */
  options: OpenOptions
  counters: GossipCounters
  /** Receives each envelope accepted, for delivery. */
  accepted: (msg: Message, opened: OpenAccepted) => void
  onReject: ((rejection: GossipRejection) => void) | undefined
}

/** The validator function gossipsub calls for every message of the topic. */
export function createTopicValidator (init: TopicValidatorInit): TopicValidatorFn {
  const { codec, topic, options, counters, onReject } = init
  const { rejected, ignored } = counters
  return (peer: PeerId, msg: Message): TopicValidatorResult => {
    const result = codec.open(msg.data, options)
    if (result.ok) {
      if (result.from === codec.id) {
        // Our own message relayed back after the seen-cache forgot it: never delivered to ourselves.
        counters.ownMessages++
        return TopicValidatorResult.Ignore
      }
      init.accepted(msg, result)
      counters.accepted++
      return TopicValidatorResult.Accept
    }
    const verdict = GOSSIP_VERDICTS[result.reason]
    if (verdict === TopicValidatorResult.Reject) rejected[result.reason]++
    else ignored[result.reason]++
    if (onReject !== undefined) {
      try {
        onReject({ topic, reason: result.reason, verdict: verdict === TopicValidatorResult.Reject ? 'reject' : 'ignore', propagationSource: peer, detail: result.detail })
      } catch {
        // a reporter that throws must not change the verdict
      }
    }
    return verdict
  }
}
