/**
 * Peer reputation in the Lodestar style (`beacon-node/src/network/peers/score`,
 * NODE.md §2): one score per peer in [-100, 100], decaying exponentially
 * towards 0 (10 min half-life), lowered by graded actions; at ≤ -20 the peer
 * is to be disconnected, at ≤ -50 banned for at least 30 min (decay paused
 * meanwhile), and a forgery bans it for good.
 *
 * Fusion with gossipsub, both ways, without a feedback loop and without
 * gossipsub ever banning on its own:
 * - {@link Reputation.appSpecificScore} exports this module's own score to
 *   `scoreParams.appSpecificScore`, scaled so that the disconnect threshold
 *   lands on gossipsub's graylist threshold (-20 → -80 with weight 10).
 * - {@link Reputation.setGossipScore} imports gossipsub's `getScore(peer)`
 *   minus that app-specific share, counts only its negative part, and weights
 *   it so that the graylist threshold maps to one point above the disconnect
 *   threshold (-80 → -19): gossipsub alone never disconnects nor bans, but it
 *   adds to the node's own penalties (Lodestar's `GOSSIPSUB_NEGATIVE_SCORE_WEIGHT`).
 *
 * The module only computes verdicts; the caller acts on them (ban list,
 * gater, hangUp), from the return value of each call or through `onChange`.
 * No timers: decay is computed on read, pruning runs lazily on updates.
 *
 * @module
 */
import type { RejectReason } from 'wireseal'
import { InvalidConfigError, InvalidValueError } from 'wireseal/errors'

/** Graded consequences of a fault, from none to a permanent ban. */
export type PeerAction = 'none' | 'low' | 'mid' | 'high' | 'fatal' | 'forgery'

/** Score change of each action; `fatal` and `forgery` go straight to the minimum. */
export const ACTION_PENALTIES: Readonly<Record<PeerAction, number>> = Object.freeze({
  none: 0,
  low: -1,
  mid: -5,
  high: -10,
  fatal: -200,
  forgery: -200
})

/**
 * Faults the node itself detects, beside wireseal's {@link RejectReason}s:
 * - `rate-limited`: a message refused by a rate limiter (report once per refused message);
 * - `sync-abuse`: a sync request outside the protocol's limits (count, concurrency);
 * - `queue-full`: a message dropped because a local queue was full;
 * - `forgery`: a validly signed message from the peer's own key that lies about
 *   an identity (claims another producer or peer id): attributable and deliberate.
 */
export type NodeRejectReason = 'rate-limited' | 'sync-abuse' | 'queue-full' | 'forgery'

/** Every reason {@link Reputation.penalizeFor} accepts. */
export type PenaltyReason = RejectReason | NodeRejectReason

/**
 * Where the fault arrived. On `stream` the remote peer sent the bytes itself.
 * On `gossip` the peer to penalise is the forwarder (gossipsub's
 * `propagationSource`), not the producer named in the envelope: the forwarder
 * is the one that failed to validate before forwarding, and a producer id in
 * a message can be anyone's.
 */
export type FaultContext = 'stream' | 'gossip'

/**
 * The action for each reason, per context. Why each grade:
 * - `invalid-signature`, `digest-mismatch`: on a stream, Noise rules out
 *   corruption in transit, so the sender made or relayed bytes that do not
 *   verify: fatal. On gossip the forwarder should have validated first, but a
 *   version skew in signing rules could make an honest one forward it: high.
 * - `malformed`: undecodable bytes from the sender itself (stream): high; from
 *   a forwarder: mid.
 * - `wrong-channel`, `wrong-type`: a valid envelope moved to another channel or
 *   type, the shape of a cross-channel replay: high on a stream, mid on gossip.
 * - `too-large`: limits can differ between honestly configured nodes: mid.
 * - `replayed`: an honest relay artefact (a resend after reconnect, a node that
 *   lost its replay state forwarding an old message): low on a stream; none on
 *   gossip, where a restarted receiver's empty seen-cache makes every honest
 *   relay forward what it already had (rate limits still count such messages).
 * - `too-old`, `out-of-window`, `clock-skew`: clocks and propagation delay,
 *   usually honest; low on a stream so a peer with a broken clock drifts out.
 *   None on gossip: after a crash the receiver's own replay guard refuses every
 *   timestamp up to its floor, and penalising the relays for that would push
 *   every honest mesh peer below 0 (gossipsub then prunes them all).
 * - `unknown-codec`: version skew (a newer peer's codec): low.
 * - `rate-limited`: low per refused message, so the penalty grows with the
 *   excess (a 10× flood bans within seconds, a slight overshoot decays away);
 *   Lodestar's fatal-on-first-excess would ban honest bursts.
 * - `sync-abuse`: a deliberate protocol violation by the requester: high.
 * - `queue-full`: our own overload, not the peer's fault: none.
 * - `forgery`: permanent ban (see {@link NodeRejectReason}).
 */
export const REASON_ACTIONS: Readonly<Record<PenaltyReason, Readonly<Record<FaultContext, PeerAction>>>> = Object.freeze({
  'invalid-signature': { stream: 'fatal', gossip: 'high' },
  'digest-mismatch': { stream: 'fatal', gossip: 'high' },
  malformed: { stream: 'high', gossip: 'mid' },
  'wrong-channel': { stream: 'high', gossip: 'mid' },
  'wrong-type': { stream: 'high', gossip: 'mid' },
  'too-large': { stream: 'mid', gossip: 'mid' },
  replayed: { stream: 'low', gossip: 'none' },
  'too-old': { stream: 'low', gossip: 'none' },
  'out-of-window': { stream: 'low', gossip: 'none' },
  'clock-skew': { stream: 'low', gossip: 'none' },
  'unknown-codec': { stream: 'low', gossip: 'low' },
  'rate-limited': { stream: 'low', gossip: 'low' },
  'sync-abuse': { stream: 'high', gossip: 'high' },
  'queue-full': { stream: 'none', gossip: 'none' },
  forgery: { stream: 'forgery', gossip: 'forgery' }
})

/** The action for `reason` arriving over `context`; throws {@link InvalidValueError} for an unknown reason. */
export function actionFor (reason: PenaltyReason, context: FaultContext): PeerAction {
  const row = Object.hasOwn(REASON_ACTIONS, reason) ? REASON_ACTIONS[reason] : undefined
  if (row === undefined || (context !== 'stream' && context !== 'gossip')) {
    throw new InvalidValueError('penalizeFor', `a known reason and context 'stream' | 'gossip', got ${String(reason)} / ${String(context)}`)
  }
  return row[context]
}

/** What the caller should do about a peer. `until: null` is a permanent ban. */
export type Verdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'disconnect' }
  | { readonly kind: 'ban', readonly until: number | null }

/** @default DEFAULT_SCORE_HALF_LIFE_MS (600_000): Lodestar's 10 minutes. */
export const DEFAULT_SCORE_HALF_LIFE_MS = 600_000
/** @default DEFAULT_DISCONNECT_THRESHOLD (-20): Lodestar's MIN_SCORE_BEFORE_DISCONNECT. */
export const DEFAULT_DISCONNECT_THRESHOLD = -20
/** @default DEFAULT_BAN_THRESHOLD (-50): Lodestar's MIN_SCORE_BEFORE_BAN. */
export const DEFAULT_BAN_THRESHOLD = -50
/** @default DEFAULT_MIN_BAN_MS (1_800_000): Lodestar's 30-minute cool-down before decay resumes. */
export const DEFAULT_MIN_BAN_MS = 1_800_000
/** @default DEFAULT_MAX_TRACKED_PEERS (10_000) */
export const DEFAULT_MAX_TRACKED_PEERS = 10_000
/** @default DEFAULT_GOSSIP_GRAYLIST_THRESHOLD (-80): gossipsub's default `graylistThreshold`. */
export const DEFAULT_GOSSIP_GRAYLIST_THRESHOLD = -80
/** @default DEFAULT_GOSSIP_APP_SPECIFIC_WEIGHT (10): gossipsub's default `appSpecificWeight`. */
export const DEFAULT_GOSSIP_APP_SPECIFIC_WEIGHT = 10
/** Scores are kept in [MIN_SCORE, MAX_SCORE]. */
export const MIN_SCORE = -100
/** Scores are kept in [MIN_SCORE, MAX_SCORE]. */
export const MAX_SCORE = 100
/** A peer whose own score decayed within this of 0 (and is not banned) is forgotten. */
export const PRUNE_EPSILON = 0.01

/** Options of {@link createReputation}. */
export interface ReputationInit {
  /** Half-life of the decay towards 0. @default DEFAULT_SCORE_HALF_LIFE_MS (600_000) */
  halfLifeMs?: number
  /** Disconnect at or below this score. @default DEFAULT_DISCONNECT_THRESHOLD (-20) */
  disconnectThreshold?: number
  /** Ban at or below this score (must be below the disconnect threshold). @default DEFAULT_BAN_THRESHOLD (-50) */
  banThreshold?: number
  /** A ban freezes the score this long before decay resumes. @default DEFAULT_MIN_BAN_MS (1_800_000) */
  minBanMs?: number
  /** Peers tracked at most; the least recently updated is forgotten beyond it. @default DEFAULT_MAX_TRACKED_PEERS (10_000) */
  maxPeers?: number
  /** The gossipsub `graylistThreshold` in use. @default DEFAULT_GOSSIP_GRAYLIST_THRESHOLD (-80) */
  gossipGraylistThreshold?: number
  /** The gossipsub `scoreParams.appSpecificWeight` in use. @default DEFAULT_GOSSIP_APP_SPECIFIC_WEIGHT (10) */
  gossipAppSpecificWeight?: number
  /** Clock in milliseconds. @default Date.now */
  now?: () => number
}

/** One verdict change, as passed to {@link Reputation.onChange} listeners. */
export interface ReputationChange {
  readonly peerId: string
  readonly previous: Verdict
  readonly verdict: Verdict
  /** The combined score after the change. */
  readonly score: number
  /** The reason passed to `penalizeFor`, if that caused the change. */
  readonly reason?: PenaltyReason
}

/** Counters of a {@link Reputation}, cumulative. */
export interface ReputationCounts {
  /** Peers forgotten because `maxPeers` was reached. */
  evicted: number
  /** Peers forgotten because their score decayed back to 0. */
  pruned: number
  /** Bans decided (including extensions and permanent ones). */
  bans: number
}

/** The reputation store returned by {@link createReputation}. */
export interface Reputation {
  /** Apply `action` to `peerId`; returns the resulting verdict. */
  penalize(peerId: string, action: PeerAction, reason?: PenaltyReason): Verdict
  /** {@link penalize} with the action {@link actionFor}(`reason`, `context`). */
  penalizeFor(peerId: string, reason: PenaltyReason, context: FaultContext): Verdict
  /**
   * Feed gossipsub's total score for a peer (`getScore`, e.g. every heartbeat).
   * Its app-specific share is removed, positives are ignored (time in mesh is
   * cheap to earn), negatives are weighted so they alone stay above the
   * disconnect threshold.
   */
  setGossipScore(peerId: string, gossipScore: number): Verdict
  /** The combined score now (own, decayed, plus the gossip share); 0 for an unknown peer. */
  score(peerId: string): number
  /** The verdict now (emits a change if time moved the peer to another state). */
  verdict(peerId: string): Verdict
  /** For gossipsub's `scoreParams.appSpecificScore`: the own score, scaled (no gossip share, no side effects). */
  appSpecificScore(peerId: string): number
  /** Listen to verdict changes; returns the unsubscribe function. Listeners run synchronously. */
  onChange(listener: (change: ReputationChange) => void): () => void
  /** Forget a peer (e.g. after an operator unban). */
  forget(peerId: string): void
  /** Forget every peer back at 0; returns how many. */
  prune(): number
  /** Peers tracked. */
  readonly size: number
  counts(): ReputationCounts
}

interface Entry {
  /** Own score as of `updated` (before decay). */
  own: number
  updated: number
  /** Weighted gossip share, in [disconnectThreshold + 1, 0]. */
  gossip: number
  /** Decay is paused until then (end of the minimum ban). */
  frozenUntil: number
  /** The ban lasts until then (0 when never banned). */
  banUntil: number
  permanent: boolean
  last: Verdict
}

const NONE: Verdict = Object.freeze({ kind: 'none' })
const DISCONNECT: Verdict = Object.freeze({ kind: 'disconnect' })

function num (name: string, v: unknown, ok: (x: number) => boolean, expected: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new InvalidConfigError(name, expected)
  return v
}

function sameVerdict (a: Verdict, b: Verdict): boolean {
  if (a.kind !== b.kind) return false
  return a.kind !== 'ban' || a.until === (b as { until: number | null }).until
}

/** Create a reputation store. Throws {@link InvalidConfigError} on a bad option. */
export function createReputation (init: ReputationInit = {}): Reputation {
  const halfLife = num('halfLifeMs', init.halfLifeMs ?? DEFAULT_SCORE_HALF_LIFE_MS, (x) => x > 0, 'a number > 0')
  const disconnectAt = num('disconnectThreshold', init.disconnectThreshold ?? DEFAULT_DISCONNECT_THRESHOLD, (x) => x < 0 && x > MIN_SCORE, 'a number in (-100, 0)')
  const banAt = num('banThreshold', init.banThreshold ?? DEFAULT_BAN_THRESHOLD, (x) => x >= MIN_SCORE && x < disconnectAt, 'a number in [-100, disconnectThreshold)')
  const minBanMs = num('minBanMs', init.minBanMs ?? DEFAULT_MIN_BAN_MS, (x) => x >= 0, 'a number >= 0')
  const maxPeers = num('maxPeers', init.maxPeers ?? DEFAULT_MAX_TRACKED_PEERS, (x) => Number.isInteger(x) && x >= 1, 'an integer >= 1')
  const graylist = num('gossipGraylistThreshold', init.gossipGraylistThreshold ?? DEFAULT_GOSSIP_GRAYLIST_THRESHOLD, (x) => x < 0, 'a number < 0')
  const appWeight = num('gossipAppSpecificWeight', init.gossipAppSpecificWeight ?? DEFAULT_GOSSIP_APP_SPECIFIC_WEIGHT, (x) => x > 0, 'a number > 0')
  const now = init.now ?? Date.now
  if (typeof now !== 'function') throw new InvalidConfigError('now', 'a function returning milliseconds')

  /** Own score → appSpecificScore: disconnectAt × weight × scale = graylist. */
  const appScale = graylist / disconnectAt / appWeight
  /** Negative gossip-only score → gossip share: graylist → disconnectAt + 1. */
  const gossipWeight = (disconnectAt + 1) / graylist
  const gossipFloor = disconnectAt + 1
  const peers = new Map<string, Entry>()
  const listeners = new Set<(change: ReputationChange) => void>()
  const counts: ReputationCounts = { evicted: 0, pruned: 0, bans: 0 }

  function ownAt (e: Entry, t: number): number {
    if (e.permanent) return e.own
    const from = Math.max(e.updated, e.frozenUntil)
    if (t <= from) return e.own
    return e.own * Math.pow(2, -(t - from) / halfLife)
  }

  function verdictAt (e: Entry, t: number): Verdict {
    if (e.permanent) return { kind: 'ban', until: null }
    if (t < e.banUntil) return { kind: 'ban', until: e.banUntil }
    return ownAt(e, t) + e.gossip <= disconnectAt ? DISCONNECT : NONE
  }

  function prunable (e: Entry, t: number): boolean {
    return !e.permanent && t >= e.banUntil && Math.abs(ownAt(e, t)) < PRUNE_EPSILON
  }

  function emit (change: ReputationChange): void {
    let first: unknown
    let failed = false
    for (const fn of [...listeners]) {
      try { fn(change) } catch (err) {
        if (!failed) { failed = true; first = err }
      }
    }
    if (failed) throw first
  }

  /** Recompute the verdict, emit on change, return it. */
  function settle (peerId: string, e: Entry, t: number, reason?: PenaltyReason): Verdict {
    const v = verdictAt(e, t)
    const previous = e.last
    if (!sameVerdict(previous, v)) {
      e.last = v
      emit({ peerId, previous, verdict: v, score: ownAt(e, t) + e.gossip, ...(reason !== undefined ? { reason } : {}) })
    }
    return v
  }

  /** Start (or restart) a ban when the combined score is at or below the ban threshold. */
  function maybeBan (e: Entry, t: number): void {
    if (e.permanent) return
    const own = ownAt(e, t)
    if (own + e.gossip > banAt) return
    e.own = own
    e.updated = t
    e.frozenUntil = t + minBanMs
    // After the freeze, own·2^(-Δ/h) climbs back above (banAt - gossip): Δ = h·log2(own / (banAt - gossip)) ≥ 0.
    e.banUntil = e.frozenUntil + halfLife * Math.log2(own / (banAt - e.gossip))
    counts.bans++
  }

  /** The entry of `peerId`, created if needed, moved to the most recently updated end. */
  function touch (peerId: string, t: number): Entry {
    for (const [k, e] of peers) {
      if (k === peerId || !prunable(e, t)) break
      peers.delete(k)
      counts.pruned++
    }
    let e = peers.get(peerId)
    if (e === undefined) {
      if (peers.size >= maxPeers) {
        peers.delete(peers.keys().next().value as string)
        counts.evicted++
      }
      e = { own: 0, updated: t, gossip: 0, frozenUntil: 0, banUntil: 0, permanent: false, last: NONE }
    } else {
      peers.delete(peerId)
    }
    peers.set(peerId, e)
    return e
  }

  function checkPeer (peerId: unknown): asserts peerId is string {
    if (typeof peerId !== 'string' || peerId.length === 0) throw new InvalidValueError('peerId', 'a non-empty peer id string')
  }

  function penalize (peerId: string, action: PeerAction, reason?: PenaltyReason): Verdict {
    checkPeer(peerId)
    if (!Object.hasOwn(ACTION_PENALTIES, action)) throw new InvalidValueError('penalize.action', `one of ${Object.keys(ACTION_PENALTIES).join(', ')}`)
    const t = now()
    if (action === 'none') return verdict(peerId)
    const e = touch(peerId, t)
    const own = ownAt(e, t)
    e.own = Math.min(MAX_SCORE, Math.max(MIN_SCORE, own + ACTION_PENALTIES[action]))
    e.updated = t
    if (action === 'forgery') {
      if (!e.permanent) counts.bans++
      e.permanent = true
    } else {
      maybeBan(e, t)
    }
    return settle(peerId, e, t, reason)
  }

  function verdict (peerId: string): Verdict {
    const e = peers.get(peerId)
    return e === undefined ? NONE : settle(peerId, e, now())
  }

  return {
    penalize,
    penalizeFor (peerId, reason, context) {
      return penalize(peerId, actionFor(reason, context), reason)
    },
    setGossipScore (peerId, gossipScore) {
      checkPeer(peerId)
      if (typeof gossipScore !== 'number' || Number.isNaN(gossipScore)) throw new InvalidValueError('setGossipScore.gossipScore', 'a number')
      const t = now()
      const existing = peers.get(peerId)
      const own = existing === undefined ? 0 : ownAt(existing, t)
      // gossipsub's total includes P5 = appSpecificScore × weight, computed from our own score: remove it.
      const gossipOnly = gossipScore - own * appScale * appWeight
      const share = gossipOnly >= 0 ? 0 : Math.max(gossipFloor, gossipOnly * gossipWeight)
      if (existing === undefined && share === 0) return NONE
      const e = touch(peerId, t)
      e.gossip = share
      // A heartbeat report starts a ban but never extends one (only new faults do).
      if (t >= e.banUntil) maybeBan(e, t)
      return settle(peerId, e, t)
    },
    score (peerId) {
      const e = peers.get(peerId)
      return e === undefined ? 0 : ownAt(e, now()) + e.gossip
    },
    verdict,
    appSpecificScore (peerId) {
      const e = peers.get(peerId)
      return e === undefined ? 0 : ownAt(e, now()) * appScale
    },
    onChange (listener) {
      if (typeof listener !== 'function') throw new InvalidValueError('onChange.listener', 'a function')
      const fn = (c: ReputationChange): void => { listener(c) }
      listeners.add(fn)
      return () => { listeners.delete(fn) }
    },
    forget (peerId) { peers.delete(peerId) },
    prune () {
      const t = now()
      let n = 0
      for (const [k, e] of peers) {
        if (!prunable(e, t)) continue
        settle(k, e, t)
        peers.delete(k)
        n++
      }
      counts.pruned += n
      return n
    },
    get size () { return peers.size },
    counts () { return { ...counts } }
  }
}
