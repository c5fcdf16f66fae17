import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { InvalidConfigError, InvalidValueError } from 'wireseal/errors'
import { createRateLimiter, DEFAULT_RATE_LIMIT_IDLE_MS, DEFAULT_RATE_LIMIT_MAX_KEYS } from '../src/protection/token-bucket.js'

function clock (start = 1_000_000): { now: () => number, advance: (ms: number) => void } {
  let t = start
  return { now: () => t, advance: (ms) => { t += ms } }
}

describe('protection/token-bucket', () => {
  it('allows a burst, then the sustained rate', () => {
    const c = clock()
    const rl = createRateLimiter({ ratePerSecond: 10, burst: 5, now: c.now })
    for (let i = 0; i < 5; i++) assert.equal(rl.take('a'), true, `burst ${i}`)
    assert.equal(rl.take('a'), false, 'bucket empty')
    assert.equal(rl.take('b'), true, 'keys are independent')
    c.advance(99)
    assert.equal(rl.take('a'), false, 'one unit refills in 100 ms')
    c.advance(1)
    assert.equal(rl.take('a'), true)
    assert.equal(rl.take('a'), false)
    c.advance(10_000)
    for (let i = 0; i < 5; i++) assert.equal(rl.take('a'), true, 'refilled to the burst, not beyond')
    assert.equal(rl.take('a'), false)
    assert.deepEqual(rl.counts(), { allowed: 12, limited: 4, evicted: 0 })
  })

  it('counts amounts (bytes) and refuses an amount above the burst without taking anything', () => {
    const c = clock()
    const rl = createRateLimiter({ ratePerSecond: 1000, burst: 4096, now: c.now })
    assert.equal(rl.take('p', 4097), false)
    assert.equal(rl.take('p', 4000), true)
    assert.equal(rl.take('p', 200), false, 'a refused take takes nothing')
    assert.equal(rl.take('p', 96), true)
    assert.equal(rl.take('p', 0), true)
    c.advance(500)
    assert.equal(rl.take('p', 500), true)
    assert.equal(rl.take('p', 1), false)
    for (const bad of [-1, Number.NaN, Infinity, '1' as unknown as number]) {
      assert.throws(() => rl.take('p', bad), InvalidValueError)
    }
  })

  it('handles rates whose interval is not an integer (float rounding)', () => {
    const c = clock()
    const rl = createRateLimiter({ ratePerSecond: 3, burst: 3, now: c.now })
    for (let i = 0; i < 3; i++) assert.equal(rl.take('x'), true)
    assert.equal(rl.take('x'), false)
    c.advance(1000)
    for (let i = 0; i < 3; i++) assert.equal(rl.take('x'), true)
  })

  it('never lets more than burst + rate × elapsed through (GCRA conformance)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 50 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 60 })), { maxLength: 200 }),
      (rate, burst, steps) => {
        const c = clock(0)
        const rl = createRateLimiter({ ratePerSecond: rate, burst, now: c.now })
        let taken = 0
        for (const [dt, amount] of steps) {
          c.advance(dt)
          if (rl.take('k', amount)) taken += amount
          assert.ok(taken <= burst + rate * c.now() / 1000 + 1e-9, `${taken} > ${burst} + ${rate}×${c.now()}ms`)
        }
      }), { numRuns: 500 })
  })

  it('multiplier scales rate and burst; 0 turns limiting off and tracks nothing', () => {
    const c = clock()
    const double = createRateLimiter({ ratePerSecond: 1, burst: 2, multiplier: 2, now: c.now })
    for (let i = 0; i < 4; i++) assert.equal(double.take('a'), true)
    assert.equal(double.take('a'), false)
    const off = createRateLimiter({ ratePerSecond: 1, burst: 1, multiplier: 0, now: c.now })
    assert.equal(off.unlimited, true)
    for (let i = 0; i < 10_000; i++) assert.equal(off.take(`k${i}`, 1e9), true)
    assert.equal(off.size, 0)
  })

  it('a flood of new keys cannot grow the map beyond maxKeys', () => {
    const c = clock()
    const rl = createRateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 100, now: c.now })
    for (let i = 0; i < 10_000; i++) rl.take(`peer-${i}`)
    assert.equal(rl.size, 100)
    assert.equal(rl.counts().evicted, 9_900)
    assert.equal(DEFAULT_RATE_LIMIT_MAX_KEYS, 4096)
  })

  it('evicts the least recently used key first', () => {
    const c = clock()
    const rl = createRateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 2, now: c.now })
    assert.equal(rl.take('a'), true)
    assert.equal(rl.take('b'), true)
    assert.equal(rl.take('a'), false, 'a used again: most recent')
    rl.take('c') // evicts b
    assert.equal(rl.take('a'), false, 'a kept its debt')
    assert.equal(rl.take('b'), true, 'b was evicted and starts full')
  })

  it('prunes idle keys, but never before their bucket has refilled', () => {
    const c = clock()
    const rl = createRateLimiter({ ratePerSecond: 1, burst: 100, idleMs: 1000, now: c.now })
    assert.equal(rl.take('slow', 100), true)
    rl.take('other')
    c.advance(1000)
    assert.equal(rl.prune(), 0, 'idleMs is raised to the 100 s refill time')
    c.advance(99_000)
    assert.equal(rl.prune(), 2)
    assert.equal(rl.size, 0)
    const d = createRateLimiter({ ratePerSecond: 10, burst: 1, now: c.now })
    d.take('x')
    c.advance(DEFAULT_RATE_LIMIT_IDLE_MS - 1)
    d.take('y') // lazy pruning on take
    assert.equal(d.size, 2)
    c.advance(1)
    d.take('y')
    assert.equal(d.size, 1, 'x pruned lazily after the default 5 min')
  })

  it('rejects bad options with InvalidConfigError naming the option', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ratePerSecond: 0, burst: 1 }, 'ratePerSecond'],
      [{ ratePerSecond: -1, burst: 1 }, 'ratePerSecond'],
      [{ ratePerSecond: Number.NaN, burst: 1 }, 'ratePerSecond'],
      [{ ratePerSecond: 1, burst: 0.5 }, 'burst'],
      [{ ratePerSecond: 1, burst: 1, maxKeys: 0 }, 'maxKeys'],
      [{ ratePerSecond: 1, burst: 1, maxKeys: 1.5 }, 'maxKeys'],
      [{ ratePerSecond: 1, burst: 1, idleMs: -1 }, 'idleMs'],
      [{ ratePerSecond: 1, burst: 1, multiplier: -1 }, 'multiplier'],
      [{ ratePerSecond: 1, burst: 1, now: 5 }, 'now']
    ]
    for (const [init, option] of cases) {
      assert.throws(() => createRateLimiter(init as never), (err: unknown) => err instanceof InvalidConfigError && err.details.option === option, option)
    }
  })
})
