/**
 * How a {@link RejectReason} of `codec.open` maps to a gossipsub validation
 * result (gossipsub v1.1 spec, "Extended Validators"): `Reject` when the
 * bytes prove the propagating peer sent something no honest peer forwards
 * (it lost score under P4), `Ignore` when the message may be fine and only
 * stale or unreadable for us (dropped, not forwarded, nobody penalised).
 *
 * @module
 */
import './polyfill.js'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { RejectReason } from '../codec/index.js'

/**
 * The verdict of every rejection reason.
 *
 * Reject — an honest peer validates before forwarding, so it never relays these:
 * - `invalid-signature`, `digest-mismatch`: forged or tampered.
 * - `wrong-channel`: signed for another topic (cross-topic replay).
 * - `wrong-type`: a message type this topic does not carry.
 * - `too-large`, `malformed`: over the shared budget, or not decodable after a valid signature.
 *
 * Ignore — not necessarily the sender's fault:
 * - `replayed`, `out-of-window`: already delivered, or behind our replay window
 *   (a late duplicate after the seen-cache expired, or a restarted node).
 * - `too-old`, `clock-skew`: depends on our clock and the path's delay.
 * - `unknown-codec`: a serializer or compression this node does not have
 *   (e.g. a user serializer id 128+ deployed to part of the network).
 */
export const GOSSIP_VERDICTS: Readonly<Record<RejectReason, TopicValidatorResult>> = Object.freeze({
  'invalid-signature': TopicValidatorResult.Reject,
  'digest-mismatch': TopicValidatorResult.Reject,
  'wrong-channel': TopicValidatorResult.Reject,
  'wrong-type': TopicValidatorResult.Reject,
  'too-large': TopicValidatorResult.Reject,
  malformed: TopicValidatorResult.Reject,
  replayed: TopicValidatorResult.Ignore,
  'out-of-window': TopicValidatorResult.Ignore,
  'too-old': TopicValidatorResult.Ignore,
  'clock-skew': TopicValidatorResult.Ignore,
  'unknown-codec': TopicValidatorResult.Ignore
})

/** The gossipsub verdict for a rejection reason. */
export function gossipVerdict (reason: RejectReason): TopicValidatorResult {
  return GOSSIP_VERDICTS[reason]
}
