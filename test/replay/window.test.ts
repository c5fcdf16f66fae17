import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { ReplayWindow, windowGeometry } from '../../src/replay/index.js'
import type { WindowVerdict } from '../../src/replay/index.js'
import { InvalidConfigError } from '../../src/errors.js'
import { DEFAULT_REPLAY_WINDOW } from '../../src/limits.js'

/** Naive reference: a Set of every committed number and the high-water mark. */
class SetWindow {
  private readonly seen = new Set<number>()
  private high = -1
  constructor (readonly size: number) {}
  check (seq: number): WindowVerdict {
    if (!Number.isSafeInteger(seq) || seq < 0) return 'out-of-window'
    if (seq > this.high) return 'ok'
    if (this.high - seq >= this.size) return 'out-of-window'
    return this.seen.has(seq) ? 'replayed' : 'ok'
  }

  commit (seq: number): boolean {
    if (this.check(seq) !== 'ok') return false
    this.seen.add(seq)
    if (seq > this.high) this.high = seq
    return true
  }
}

describe('windowGeometry', () => {
  it('keeps the default of 8128 in a 256-word (1 KiB) ring, like wireguard-go', () => {
    const g = windowGeometry()
    assert.equal(g.size, DEFAULT_REPLAY_WINDOW)
    assert.equal(g.words, 256)
    assert.equal(g.mask, 255)
  })

  it('rounds sizes up to whole words and keeps a spare word', () => {
    assert.deepEqual({ ...windowGeometry(1) }, { size: 32, words: 2, mask: 1 })
    assert.deepEqual({ ...windowGeometry(100) }, { size: 128, words: 8, mask: 7 })
    assert.deepEqual({ ...windowGeometry(128) }, { size: 128, words: 8, mask: 7 })
    assert.deepEqual({ ...windowGeometry(129) }, { size: 160, words: 8, mask: 7 })
    assert.deepEqual({ ...windowGeometry(225) }, { size: 256, words: 16, mask: 15 })
  })

  it('rejects sizes outside 1..2^20', () => {
    for (const bad of [0, -1, 1.5, NaN, (1 << 20) + 1, Infinity]) {
      assert.throws(() => windowGeometry(bad), InvalidConfigError)
      assert.throws(() => new ReplayWindow({ size: bad }), InvalidConfigError)
    }
  })
})

describe('ReplayWindow', () => {
  it('accepts each sequence number once, in order', () => {
    const w = new ReplayWindow()
    for (let seq = 0; seq < 20_000; seq++) {
      assert.equal(w.check(seq), 'ok')
      assert.equal(w.commit(seq), true)
      assert.equal(w.check(seq), 'replayed')
      assert.equal(w.commit(seq), false)
    }
    assert.equal(w.highest, 19_999)
  })

  it('accepts a shuffled block within the window exactly once', () => {
    const w = new ReplayWindow()
    const base = 1_000_003
    const seqs = Array.from({ length: w.size }, (_, i) => base + i)
    // Deterministic Fisher-Yates with an LCG.
    let r = 12345
    for (let i = seqs.length - 1; i > 0; i--) {
      r = (r * 1103515245 + 12345) >>> 0
      const j = r % (i + 1)
      ;[seqs[i], seqs[j]] = [seqs[j]!, seqs[i]!]
    }
    for (const s of seqs) assert.equal(w.commit(s), true, `first commit of ${s}`)
    for (const s of seqs) assert.equal(w.check(s), 'replayed')
    assert.equal(w.highest, base + w.size - 1)
  })

  it('refuses numbers older than the window, accepts the oldest one inside', () => {
    const w = new ReplayWindow()
    assert.equal(w.commit(10_000), true)
    assert.equal(w.check(10_000 - 8128), 'out-of-window')
    assert.equal(w.commit(10_000 - 8128), false)
    assert.equal(w.check(10_000 - 8127), 'ok')
    assert.equal(w.commit(10_000 - 8127), true)
    assert.equal(w.check(0), 'out-of-window')
  })

  it('handles seq 0, huge jumps and MAX_SAFE_INTEGER', () => {
    const w = new ReplayWindow()
    assert.equal(w.check(0), 'ok')
    assert.equal(w.commit(0), true)
    assert.equal(w.check(0), 'replayed')
    assert.equal(w.commit(2 ** 40), true)
    assert.equal(w.check(0), 'out-of-window')
    assert.equal(w.check(2 ** 40 - 1), 'ok')
    assert.equal(w.check(2 ** 40 - 8127), 'ok')
    const max = Number.MAX_SAFE_INTEGER
    assert.equal(w.commit(max), true)
    assert.equal(w.check(max), 'replayed')
    assert.equal(w.check(max - 1), 'ok')
    assert.equal(w.check(max - 8127), 'ok')
    assert.equal(w.check(max - 8128), 'out-of-window')
    assert.equal(w.check(2 ** 40), 'out-of-window')
    assert.equal(w.commit(max - 8127), true)
    assert.equal(w.check(max - 8127), 'replayed')
  })

  it('a jump clears the bits left by an earlier lap of the ring', () => {
    const w = new ReplayWindow({ size: 64 })
    // Ring of 4 words = 128 bits; after the jump the same ring slots map to new numbers.
    for (let s = 0; s < 64; s++) w.commit(s)
    assert.equal(w.commit(128 + 64), true)
    for (let s = 129; s < 192; s++) assert.equal(w.check(s), 'ok', `seq ${s}`)
    assert.equal(w.commit(128 * 1000 + 5), true)
    for (let s = 128 * 1000 - 58; s < 128 * 1000 + 5; s++) assert.equal(w.check(s), 'ok', `seq ${s}`)
  })

  it('treats invalid numbers as out-of-window and never commits them', () => {
    const w = new ReplayWindow()
    for (const bad of [-1, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 60]) {
      assert.equal(w.check(bad), 'out-of-window', String(bad))
      assert.equal(w.commit(bad), false, String(bad))
    }
    assert.equal(w.highest, -1)
  })

  it('restore(high) counts every seq <= high as seen and nothing above', () => {
    fc.assert(fc.property(
      fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
      fc.integer({ min: 1, max: 300 }),
      (high, delta) => {
        const w = new ReplayWindow({ size: 256 })
        w.restore(high)
        assert.equal(w.check(high), 'replayed')
        if (high - delta >= 0) assert.equal(w.check(high - delta), high - (high - delta) >= 256 ? 'out-of-window' : 'replayed')
        assert.equal(w.check(high + 1), high < Number.MAX_SAFE_INTEGER ? 'ok' : 'out-of-window')
        if (high + delta <= Number.MAX_SAFE_INTEGER) {
          assert.equal(w.check(high + delta), 'ok')
          assert.equal(w.commit(high + delta), true)
          // Numbers between the restored mark and the new one were never seen.
          if (delta > 1) assert.equal(w.check(high + 1), delta - 1 >= 256 ? 'out-of-window' : 'ok')
          assert.equal(w.check(high), delta >= 256 ? 'out-of-window' : 'replayed')
        }
      }
    ), { numRuns: 300 })
    assert.throws(() => new ReplayWindow().restore(-1), InvalidConfigError)
  })

  it('reset forgets everything', () => {
    const w = new ReplayWindow()
    w.commit(5)
    w.reset()
    assert.equal(w.highest, -1)
    assert.equal(w.check(5), 'ok')
  })

  it('gives the same verdicts as a Set-based reference on random sequences', () => {
    const op = fc.record({
      commit: fc.boolean(),
      // Mostly near the current top (reordering), sometimes far behind or a jump ahead.
      kind: fc.constantFrom('near', 'near', 'near', 'behind', 'jump', 'abs'),
      offset: fc.integer({ min: -300, max: 300 }),
      far: fc.integer({ min: 0, max: 1 << 30 })
    })
    fc.assert(fc.property(
      fc.constantFrom(1, 32, 64, 100, 1000, DEFAULT_REPLAY_WINDOW),
      fc.array(op, { minLength: 1, maxLength: 400 }),
      (size, ops) => {
        const w = new ReplayWindow({ size })
        const ref = new SetWindow(w.size)
        for (const o of ops) {
          const top = Math.max(w.highest, 0)
          let seq: number
          if (o.kind === 'near') seq = top + o.offset
          else if (o.kind === 'behind') seq = top - w.size + (o.offset % 3)
          else if (o.kind === 'jump') seq = top + o.far
          else seq = o.far
          if (seq < 0) seq = 0
          if (o.commit) assert.equal(w.commit(seq), ref.commit(seq), `commit ${seq}`)
          else assert.equal(w.check(seq), ref.check(seq), `check ${seq}`)
        }
      }
    ), { numRuns: 300 })
  })
})
