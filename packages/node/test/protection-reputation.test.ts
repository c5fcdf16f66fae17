import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { RejectReason } from 'wireseal'
import { InvalidConfigError, InvalidValueError } from 'wireseal/errors'
import {
  actionFor, createReputation, REASON_ACTIONS, DEFAULT_MIN_BAN_MS, DEFAULT_SCORE_HALF_LIFE_MS,
  type PenaltyReason, type ReputationChange, type Verdict
} from '../src/protection/reputation.js'

function clock (start = 1_700_000_000_000): { now: () => number, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => { t += ms } }
}

const HALF = DEFAULT_SCORE_HALF_LIFE_MS

describe('protection/reputation: scores and verdicts', () => {
  it('grades actions and disconnects at <= -20', () => {
    const c = clock()
    const r = createReputation({ now: c.now })
    assert.deepEqual(r.penalize('p', 'low'), { kind: 'none' })
    assert.equal(r.score('p'), -1)
    r.penalize('p', 'mid')
    assert.equal(r.score('p'), -6)
    r.penalize('p', 'high')
    assert.equal(r.score('p'), -16)
    assert.deepEqual(r.penalize('p', 'mid'), { kind: 'disconnect' }, '-21')
  })

  it('decays exponentially towards 0 with the half-life', () => {
    const c = clock()
    const r = createReputation({ now: c.now })
    for (let i = 0; i < 4; i++) r.penalize('p', 'mid')
    assert.deepEqual(r.verdict('p'), { kind: 'disconnect' })
    c.advance(HALF)
    assert.ok(Math.abs(r.score('p') + 10) < 1e-9, String(r.score('p')))
    assert.deepEqual(r.verdict('p'), { kind: 'none' })
    c.advance(HALF)
    assert.ok(Math.abs(r.score('p') + 5) < 1e-9)
  })

  it('bans at <= -50 for at least 30 min with decay frozen, then until the score climbs back above -50', () => {
    const c = clock()
    const t0 = c.now()
    const r = createReputation({ now: c.now })
    const v = r.penalize('p', 'fatal')
    assert.equal(v.kind, 'ban')
    // -100 frozen for 30 min, then one half-life to reach -50
    assert.equal((v as { until: number }).until, t0 + DEFAULT_MIN_BAN_MS + HALF)
    c.advance(DEFAULT_MIN_BAN_MS)
    assert.equal(r.score('p'), -100, 'no decay during the minimum ban')
    c.advance(HALF - 1)
    assert.equal(r.verdict('p').kind, 'ban')
    c.advance(1)
    assert.deepEqual(r.verdict('p'), { kind: 'disconnect' }, 'ban over, still below -20')
    c.advance(2 * HALF)
    assert.deepEqual(r.verdict('p'), { kind: 'none' })
  })

  it('a score reaching exactly -50 bans with the minimum duration only', () => {
    const c = clock()
    const r = createReputation({ now: c.now })
    for (let i = 0; i < 9; i++) r.penalize('p', 'mid')
    const v = r.penalize('p', 'mid')
    assert.deepEqual(v, { kind: 'ban', until: c.now() + DEFAULT_MIN_BAN_MS })
  })

  it('forgery bans permanently, never decaying', () => {
    const c = clock()
    const r = createReputation({ now: c.now })
    assert.deepEqual(r.penalizeFor('p', 'forgery', 'stream'), { kind: 'ban', until: null })
    c.advance(365 * 24 * 3600_000)
    assert.deepEqual(r.verdict('p'), { kind: 'ban', until: null })
    assert.equal(r.score('p'), -100)
  })

  it('stays in [-100, 100] and within the verdict rules for any sequence of actions (property)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('none', 'low', 'mid', 'high', 'fatal'), fc.integer({ min: 0, max: 3_600_000 })), { maxLength: 60 }), (steps) => {
      const c = clock()
      const r = createReputation({ now: c.now })
      for (const [action, dt] of steps) {
        c.advance(dt)
        const v = r.penalize('p', action as never)
        const s = r.score('p')
        assert.ok(s >= -100 && s <= 100)
        if (v.kind === 'none') assert.ok(s > -20)
        if (s <= -50) assert.equal(v.kind, 'ban')
        if (v.kind === 'ban') assert.ok(v.until !== null && v.until >= c.now() + DEFAULT_MIN_BAN_MS - 3_600_000)
      }
    }), { numRuns: 300 })
  })
})

describe('protection/reputation: gossipsub fusion', () => {
  it('appSpecificScore maps the disconnect threshold onto the graylist threshold (weight 10)', () => {
    const c = clock()
    const r = createReputation({ now: c.now })
    assert.equal(r.appSpecificScore('unknown'), 0)
    r.penalize('p', 'high')
    r.penalize('p', 'high')
    assert.equal(r.appSpecificScore('p') * 10, -80)
  })

  it('gossipsub alone never disconnects nor bans, however low its score', () => {
    fc.assert(fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), (g) => {
      const r = createReputation()
      const v = r.setGossipScore('p', g)
      assert.deepEqual(v, { kind: 'none' })
      assert.ok(r.score('p') > -20)
    }), { numRuns: 500 })
    const r = createReputation()
    r.setGossipScore('p', -80)
    assert.ok(Math.abs(r.score('p') + 19) < 1e-9, 'graylist threshold → one point above disconnect')
    r.setGossipScore('q', 500)
    assert.equal(r.score('q'), 0, 'positive gossip scores do not offset penalties')
    assert.equal(r.size, 1, 'a positive gossip score alone does not create an entry')
  })

  it('the gossip share adds to own penalties, without counting our own app-specific share twice', () => {
    const c = clock()
    const r = createReputation({ now: c.now })
    r.penalize('p', 'high') // own -10 → gossipsub's P5 = -10 × 0.4 × 10 = -40
    assert.deepEqual(r.setGossipScore('p', -40), { kind: 'none' }, 'gossipsub only reflects our own score back')
    assert.equal(r.score('p'), -10)
    const v = r.setGossipScore('p', -40 - 80) // plus -80 of its own
    assert.deepEqual(v, { kind: 'disconnect' })
    assert.ok(Math.abs(r.score('p') + 29) < 1e-9)
    for (let i = 0; i < 4; i++) r.penalize('p', 'mid')
    assert.equal(r.verdict('p').kind, 'disconnect', 'own -30 + gossip -19 = -49')
    const v2 = r.penalize('p', 'mid')
    // own -35 must climb back above -50 - (-19) = -31 after the frozen 30 min
    assert.deepEqual(v2, { kind: 'ban', until: c.now() + DEFAULT_MIN_BAN_MS + HALF * Math.log2(35 / 31) })
  })
})

describe('protection/reputation: events, bounds, pruning', () => {
  it('onChange reports each verdict change once, with the reason', () => {
    const c = clock()
    const r = createReputation({ now: c.now })
    const seen: ReputationChange[] = []
    const off = r.onChange((ch) => { seen.push(ch) })
    r.penalizeFor('p', 'sync-abuse', 'stream')
    r.penalizeFor('p', 'sync-abuse', 'stream')
    assert.equal(seen.length, 1)
    assert.deepEqual(seen[0]?.previous, { kind: 'none' })
    assert.deepEqual(seen[0]?.verdict, { kind: 'disconnect' })
    assert.equal(seen[0]?.reason, 'sync-abuse')
    r.penalizeFor('p', 'invalid-signature', 'stream')
    assert.equal(seen.length, 2)
    assert.equal(seen[1]?.verdict.kind, 'ban')
    c.advance(DEFAULT_MIN_BAN_MS + 10 * HALF)
    r.verdict('p')
    assert.equal(seen.length, 3, 'time moved it out of the ban')
    assert.deepEqual(seen[2]?.verdict, { kind: 'none' })
    off()
    r.penalize('p', 'fatal')
    assert.equal(seen.length, 3)
  })

  it('a throwing listener does not stop the others nor lose the state', () => {
    const r = createReputation()
    let called = 0
    r.onChange(() => { throw new Error('boom') })
    r.onChange(() => { called++ })
    assert.throws(() => r.penalize('p', 'fatal'), /boom/)
    assert.equal(called, 1)
    assert.equal(r.verdict('p').kind, 'ban')
  })

  it('tracks at most maxPeers (least recently updated evicted) and prunes peers back at 0', () => {
    const c = clock()
    const r = createReputation({ now: c.now, maxPeers: 50 })
    for (let i = 0; i < 5000; i++) r.penalize(`peer-${i}`, 'low')
    assert.equal(r.size, 50)
    assert.equal(r.counts().evicted, 4950)
    c.advance(10 * HALF) // -1 → ~-0.001
    r.penalize('fresh', 'low')
    assert.equal(r.size, 1, 'lazy pruning from the oldest end')
    const q = createReputation({ now: c.now })
    q.penalize('a', 'low')
    q.penalize('b', 'fatal')
    c.advance(10 * HALF)
    assert.equal(q.prune(), 1, 'the banned peer is kept')
    assert.equal(q.size, 1)
  })

  it('rejects bad input with typed errors', () => {
    const r = createReputation()
    assert.throws(() => r.penalize('', 'low'), InvalidValueError)
    assert.throws(() => r.penalize('p', 'huge' as never), InvalidValueError)
    assert.throws(() => r.penalizeFor('p', 'nope' as never, 'stream'), InvalidValueError)
    assert.throws(() => r.penalizeFor('p', 'replayed', 'carrier-pigeon' as never), InvalidValueError)
    assert.throws(() => r.penalizeFor('p', '__proto__' as never, 'stream'), InvalidValueError)
    assert.throws(() => r.setGossipScore('p', Number.NaN), InvalidValueError)
    for (const [init, option] of [
      [{ halfLifeMs: 0 }, 'halfLifeMs'], [{ disconnectThreshold: 5 }, 'disconnectThreshold'],
      [{ banThreshold: -10 }, 'banThreshold'], [{ banThreshold: -101 }, 'banThreshold'], [{ minBanMs: -1 }, 'minBanMs'],
      [{ maxPeers: 0 }, 'maxPeers'], [{ gossipGraylistThreshold: 1 }, 'gossipGraylistThreshold'], [{ gossipAppSpecificWeight: 0 }, 'gossipAppSpecificWeight']
    ] as const) {
      assert.throws(() => createReputation(init), (err: unknown) => err instanceof InvalidConfigError && err.details.option === option, option)
    }
  })
})

describe('protection/reputation: reason mapping', () => {
  it('maps every wireseal rejection and node reason, per context', () => {
    const wireseal: Record<RejectReason, true> = {
      'invalid-signature': true, replayed: true, 'too-old': true, 'out-of-window': true, 'wrong-channel': true, 'wrong-type': true,
      'digest-mismatch': true, 'too-large': true, malformed: true, 'unknown-codec': true, 'clock-skew': true
    }
    const all: PenaltyReason[] = [...Object.keys(wireseal) as RejectReason[], 'rate-limited', 'sync-abuse', 'queue-full', 'forgery']
    assert.deepEqual(Object.keys(REASON_ACTIONS).sort(), [...all].sort())
    assert.equal(actionFor('invalid-signature', 'stream'), 'fatal', 'the direct sender of a stream frame')
    assert.equal(actionFor('invalid-signature', 'gossip'), 'high', 'a forwarder')
    assert.equal(actionFor('replayed', 'stream'), 'low', 'an honest resend')
    for (const r of ['replayed', 'too-old', 'out-of-window', 'clock-skew'] as const) {
      assert.equal(actionFor(r, 'gossip'), 'none', `${r} on gossip: a relay artefact, or our own replay blackout after a crash`)
    }
    assert.equal(actionFor('queue-full', 'stream'), 'none', 'our overload')
    assert.equal(actionFor('forgery', 'gossip'), 'forgery')
  })

  it('honest artefacts never ban quickly: 49 replays on a stream stay below the ban threshold', () => {
    const r = createReputation()
    let v: Verdict = { kind: 'none' }
    for (let i = 0; i < 49; i++) v = r.penalizeFor('p', 'replayed', 'stream')
    assert.equal(v.kind, 'disconnect')
  })

  it('a restarted node refusing a whole mesh of relays during its replay blackout penalises none of them', () => {
    const r = createReputation()
    for (let i = 0; i < 500; i++) r.penalizeFor('relay', i % 2 === 0 ? 'out-of-window' : 'replayed', 'gossip')
    assert.equal(r.score('relay'), 0)
    assert.equal(r.verdict('relay').kind, 'none')
  })
})
