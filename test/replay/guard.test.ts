import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createReplayGuard, REPLAY_OK } from '../../src/replay/index.js'
import type { ReplayGuard, ReplayVerdict } from '../../src/replay/index.js'
import { InvalidConfigError } from '../../src/errors.js'
import { DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_MESSAGE_AGE_MS, DEFAULT_REPLAY_WINDOW } from '../../src/limits.js'

const NOW = 1_700_000_000_000
const A = '12D3KooWAlice'
const B = '12D3KooWBob'
const C = '12D3KooWCarol'

function reason (v: ReplayVerdict): string {
  return v.ok ? 'ok' : v.reason
}

function guard (init: Parameters<typeof createReplayGuard>[0] = {}): ReplayGuard {
  return createReplayGuard({ now: () => NOW, ...init })
}

describe('ReplayGuard', () => {
  it('uses the documented defaults', () => {
    const g = guard()
    assert.equal(g.windowSize, DEFAULT_REPLAY_WINDOW)
    assert.equal(reason(g.precheck(A, 't', 1, NOW - DEFAULT_MAX_MESSAGE_AGE_MS)), 'ok')
    assert.equal(reason(g.precheck(A, 't', 1, NOW - DEFAULT_MAX_MESSAGE_AGE_MS - 1)), 'too-old')
    assert.equal(reason(g.precheck(A, 't', 1, NOW + DEFAULT_MAX_CLOCK_SKEW_MS)), 'ok')
    assert.equal(reason(g.precheck(A, 't', 1, NOW + DEFAULT_MAX_CLOCK_SKEW_MS + 1)), 'clock-skew')
  })

  it('accepts a message once, then reports it replayed', () => {
    const g = guard()
    assert.equal(g.precheck(A, 't', 7, NOW), REPLAY_OK)
    assert.equal(g.commit(A, 't', 7, NOW), REPLAY_OK)
    assert.equal(reason(g.precheck(A, 't', 7, NOW)), 'replayed')
    assert.equal(reason(g.commit(A, 't', 7, NOW)), 'replayed')
    assert.equal(reason(g.commit(A, 't', 8, NOW)), 'ok')
    assert.equal(reason(g.precheck(A, 't', 8 - DEFAULT_REPLAY_WINDOW, NOW)), 'out-of-window')
  })

  it('precheck never mutates state', () => {
    const g = guard()
    for (let i = 0; i < 100; i++) assert.equal(reason(g.precheck(`peer${i}`, 't', i, NOW)), 'ok')
    assert.equal(g.size, 0)
    assert.equal(reason(g.precheck('peer1', 't', 1, NOW)), 'ok')
  })

  it('isolates channels and senders', () => {
    const g = guard()
    g.commit(A, 'blocks', 5, NOW)
    assert.equal(reason(g.precheck(A, 'blocks', 5, NOW)), 'replayed')
    assert.equal(reason(g.precheck(A, 'peers', 5, NOW)), 'ok')
    assert.equal(reason(g.precheck(B, 'blocks', 5, NOW)), 'ok')
    // A channel that is a prefix/suffix combination of sender and channel does not collide.
    g.commit('ab', 'c', 1, NOW)
    assert.equal(reason(g.precheck('a', 'bc', 1, NOW)), 'ok')
    assert.equal(g.size, 2)
  })

  it('refuses too-old, future, NaN timestamps and invalid seqs; a refused commit changes nothing', () => {
    const g = guard({ maxMessageAgeMs: 1000, maxClockSkewMs: 100 })
    assert.equal(reason(g.commit(A, 't', 1, NOW - 1001)), 'too-old')
    assert.equal(reason(g.commit(A, 't', 1, NOW + 101)), 'clock-skew')
    assert.equal(reason(g.commit(A, 't', 1, NaN)), 'too-old')
    assert.equal(reason(g.commit(A, 't', -1, NOW)), 'out-of-window')
    assert.equal(reason(g.commit(A, 't', 1.5, NOW)), 'out-of-window')
    assert.equal(reason(g.commit(A, 't', 2 ** 53, NOW)), 'out-of-window')
    assert.equal(g.size, 0)
    assert.equal(reason(g.commit(A, 't', 1, NOW, NOW + 500)), 'ok')
    // nowMs overrides the clock: 1001 ms later the same timestamp is too old.
    assert.equal(reason(g.precheck(A, 't', 2, NOW, NOW + 1001)), 'too-old')
  })

  it('evicts the least recently committed window and raises the floor', () => {
    const g = guard({ maxTrackedSenders: 2 })
    g.commit(A, 't', 100, NOW - 3000)
    g.commit(B, 't', 200, NOW - 2000)
    g.commit(A, 't', 101, NOW - 1000) // A is now the most recent: B is the LRU
    assert.equal(g.floorMs, -Infinity)
    g.commit(C, 't', 1, NOW - 500) // evicts B
    assert.equal(g.size, 2)
    assert.equal(g.floorMs, NOW - 2000)
    // B's accepted message is not accepted again, though B has no window any more.
    assert.equal(reason(g.precheck(B, 't', 200, NOW - 2000)), 'out-of-window')
    assert.equal(reason(g.commit(B, 't', 200, NOW - 2000)), 'out-of-window')
    // The documented cost: an older, never-seen message of B is refused too.
    assert.equal(reason(g.commit(B, 't', 199, NOW - 2500)), 'out-of-window')
    // A is still tracked: its replays are caught by the window.
    assert.equal(reason(g.precheck(A, 't', 100, NOW - 3000)), 'replayed')
    // A fresh message from B is fine and makes a new window (evicting A, the LRU now).
    assert.equal(reason(g.commit(B, 't', 300, NOW - 100)), 'ok')
    assert.equal(g.floorMs, NOW - 1000)
    assert.equal(reason(g.precheck(A, 't', 100, NOW - 3000)), 'out-of-window')
    assert.equal(reason(g.precheck(A, 't', 101, NOW - 1000)), 'out-of-window')
  })

  it('a window re-created after eviction refuses pre-eviction messages with seqs inside it', () => {
    const g = guard({ maxTrackedSenders: 1 })
    g.commit(A, 't', 10, NOW - 5000)
    g.commit(A, 't', 11, NOW - 4000)
    g.commit(B, 't', 1, NOW - 3000) // evicts A, floor = NOW - 4000
    g.commit(A, 't', 20, NOW - 1000) // new window for A with high 20, evicts B
    // seq 10 is inside the new window and unseen by it, but its timestamp is below the floor.
    assert.equal(reason(g.precheck(A, 't', 10, NOW - 5000)), 'out-of-window')
    assert.equal(reason(g.commit(A, 't', 11, NOW - 4000)), 'out-of-window')
    assert.equal(reason(g.commit(A, 't', 19, NOW - 900)), 'ok')
  })

  it('a new window inherits the floor from before the eviction it causes', () => {
    const g = guard({ maxTrackedSenders: 1 })
    g.commit(A, 't', 1, NOW - 1000)
    // B's message is older than A's newest; evicting A must not make B's own later messages fail.
    assert.equal(reason(g.commit(B, 't', 1, NOW - 3000)), 'ok')
    assert.equal(g.floorMs, NOW - 1000)
    assert.equal(reason(g.commit(B, 't', 2, NOW - 2900)), 'ok')
    assert.equal(reason(g.precheck(A, 't', 1, NOW - 1000)), 'out-of-window')
  })

  it('never accepts a committed message twice under random commits and evictions', () => {
    fc.assert(fc.property(
      fc.array(fc.record({
        sender: fc.integer({ min: 0, max: 5 }),
        channel: fc.integer({ min: 0, max: 1 }),
        seq: fc.integer({ min: 0, max: 300 }),
        age: fc.integer({ min: 0, max: 5000 })
      }), { maxLength: 200 }),
      fc.integer({ min: 1, max: 6 }),
      (msgs, max) => {
        const g = guard({ maxTrackedSenders: max, windowSize: 64 })
        const accepted = new Set<string>()
        for (const m of msgs) {
          const key = `${m.sender}/${m.channel}/${m.seq}/${m.age}`
          const v = g.commit(`p${m.sender}`, `c${m.channel}`, m.seq, NOW - m.age)
          if (v.ok) {
            assert.ok(!accepted.has(key), `accepted twice: ${key}`)
            accepted.add(key)
          }
          assert.ok(g.size <= max)
        }
        // Replaying everything that was accepted is refused.
        for (const key of accepted) {
          const [s, c, seq, age] = key.split('/').map(Number) as [number, number, number, number]
          assert.equal(g.commit(`p${s}`, `c${c}`, seq, NOW - age).ok, false, key)
        }
      }
    ), { numRuns: 200 })
  })

  it('validates its options', () => {
    for (const init of [{ maxTrackedSenders: 0 }, { maxTrackedSenders: 1.5 }, { windowSize: 0 }, { maxMessageAgeMs: -1 }, { maxClockSkewMs: NaN }, { flushIntervalMs: 0 }]) {
      assert.throws(() => createReplayGuard(init), InvalidConfigError, JSON.stringify(init))
    }
  })

  it('an in-memory guard ignores flush and close', async () => {
    const g = guard()
    g.commit(A, 't', 1, NOW)
    await g.flush()
    await g.close()
    assert.equal(reason(g.precheck(A, 't', 1, NOW)), 'replayed')
  })
})
