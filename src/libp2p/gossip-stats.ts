/**
 * The counters of one `wiresealGossip`: what its validators accepted,
 * rejected and ignored (by reason, SPEC.md 14.3), what was delivered or
 * dropped, and what it published.
 *
 * @module
 */
import type { RejectReason } from '../codec/index.js'
import { GOSSIP_VERDICTS } from './gossip-verdict.js'

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

/** The live counters behind {@link GossipStats} snapshots. */
export type GossipCounters = GossipStats

function zeroReasons (): Record<RejectReason, number> {
  const out = {} as Record<RejectReason, number>
  for (const reason of Object.keys(GOSSIP_VERDICTS) as RejectReason[]) out[reason] = 0
  return out
}

/** Counters at zero. */
export function createGossipCounters (): GossipCounters {
  return {
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
}

/** A copy of the counters (later counts do not change it). */
export function snapshotGossipStats (c: GossipCounters): GossipStats {
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
