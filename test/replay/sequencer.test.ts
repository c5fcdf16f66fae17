import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSequencer, decodeStateFile, SEQUENCER_STATE_FORMAT, SEQUENCER_STATE_VERSION, SEQUENCER_TIME_SCALE } from '../../src/replay/index.js'
import { CorruptStateError, InvalidConfigError, InvalidValueError, MalformedInputError, StateLockedError, StorageError } from '../../src/errors.js'
import { DEFAULT_SEQUENCER_LEASE } from '../../src/limits.js'

const dir = mkdtempSync(join(tmpdir(), 'wireseal-seq-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const freshPath = (): string => join(dir, `seq-${++n}.json`)
const T0 = 1_700_000_000_000

describe('Sequencer', () => {
  it('in memory: strictly increasing per channel, seeded from the clock', () => {
    const s = createSequencer({ now: () => T0 })
    const a = s.next('a')
    assert.equal(a, T0 * SEQUENCER_TIME_SCALE)
    assert.equal(s.next('b'), T0 * SEQUENCER_TIME_SCALE)
    let prev = a
    for (let i = 0; i < 10_000; i++) {
      const x = s.next('a')
      assert.ok(Number.isSafeInteger(x) && x === prev + 1)
      prev = x
    }
    assert.equal(s.next('b'), T0 * SEQUENCER_TIME_SCALE + 1)
    assert.equal(s.writes, 0)
  })

  it('in memory: stays increasing across restarts while the clock moves forward', () => {
    let t = T0
    let prev = -1
    for (let restart = 0; restart < 20; restart++) {
      const s = createSequencer({ now: () => t })
      // Fewer than 1024 numbers per elapsed millisecond.
      for (let i = 0; i < 1000; i++) {
        const x = s.next('c')
        assert.ok(x > prev, `restart ${restart}`)
        prev = x
      }
      t += 1
    }
  })

  it('with a file: strictly increasing across restarts even when the clock goes back', () => {
    const path = freshPath()
    let t = T0
    let prev = -1
    for (let restart = 0; restart < 10; restart++) {
      const s = createSequencer({ path, now: () => t, leaseSize: 100 })
      for (let i = 0; i < 250; i++) {
        const x = s.next('c')
        assert.ok(x > prev, `restart ${restart}: ${x} <= ${prev}`)
        prev = x
      }
      s.close()
      t -= 60_000 // the clock jumps back a minute before every restart
    }
  })

  it('resumes above the persisted reservation and keeps other channels', () => {
    const path = freshPath()
    const s1 = createSequencer({ path, now: () => T0, leaseSize: 1000 })
    s1.next('a')
    s1.next('b')
    s1.close()
    const s2 = createSequencer({ path, now: () => T0, leaseSize: 1000 })
    assert.equal(s2.next('a'), T0 * SEQUENCER_TIME_SCALE + 1000)
    s2.close()
    // s2 never touched 'b', but rewrote the file: 'b' must still be there.
    const s3 = createSequencer({ path, now: () => T0, leaseSize: 1000 })
    assert.equal(s3.next('b'), T0 * SEQUENCER_TIME_SCALE + 1000)
    assert.equal(s3.next('a'), T0 * SEQUENCER_TIME_SCALE + 2000)
    s3.close()
  })

  it('writes once per lease', () => {
    const path = freshPath()
    const s = createSequencer({ path, now: () => T0, leaseSize: 1000 })
    for (let i = 0; i < 10_000; i++) s.next('a')
    assert.equal(s.writes, 10)
    const obj = decodeStateFile(SEQUENCER_STATE_FORMAT, SEQUENCER_STATE_VERSION, readFileSync(path))
    assert.deepEqual(obj.channels, [['a', T0 * SEQUENCER_TIME_SCALE + 9_999]])
    s.close()
    const d = createSequencer({ path: freshPath(), now: () => T0 })
    for (let i = 0; i < 10_000; i++) d.next('a')
    assert.equal(d.writes, 1)
    d.close()
    assert.ok(DEFAULT_SEQUENCER_LEASE >= 10_000)
  })

  it('rejects a damaged file unless told to start fresh', () => {
    const path = freshPath()
    const s = createSequencer({ path, now: () => T0, leaseSize: 10 })
    s.next('a')
    s.close()
    const good = readFileSync(path)
    for (const bad of ['', 'garbage', good.subarray(0, good.length - 3), good.toString().replace('"a"', '"b"')]) {
      writeFileSync(path, bad)
      // A MalformedInputError that names the file (and the lock is released on the way out).
      assert.throws(() => createSequencer({ path }), (err: unknown) => err instanceof CorruptStateError && err instanceof MalformedInputError && err.details.path === path)
    }
    writeFileSync(path, good)
    assert.throws(() => createSequencer({ path, maxStateFileBytes: good.length - 1 }), MalformedInputError)
    writeFileSync(path, 'garbage')
    const fresh = createSequencer({ path, now: () => T0 + 1, startFresh: true, leaseSize: 10 })
    assert.ok(fresh.next('a') > T0 * SEQUENCER_TIME_SCALE + 10)
    fresh.close()
    const again = createSequencer({ path })
    assert.ok(again.next('a') > T0 * SEQUENCER_TIME_SCALE + 10) // the fresh run rewrote a valid file
    again.close()
  })

  it('has one writer: a second sequencer on the same file is refused until the first closes', () => {
    const path = freshPath()
    const s1 = createSequencer({ path, now: () => T0, leaseSize: 10 })
    assert.equal(s1.next('a'), T0 * SEQUENCER_TIME_SCALE)
    assert.throws(() => createSequencer({ path, now: () => T0 }), (err: unknown) =>
      err instanceof StateLockedError && err.details.pid === process.pid && err.details.path === `${path}.lock`)
    s1.close()
    assert.throws(() => s1.next('a'), StorageError)
    // Same millisecond, same clock: the second one resumes above the first one's reservation.
    const s2 = createSequencer({ path, now: () => T0, leaseSize: 10 })
    assert.equal(s2.next('a'), T0 * SEQUENCER_TIME_SCALE + 10)
    s2.close()
    s2.close() // idempotent
  })

  it('removes temp files left by a writer killed mid-write when it opens the file', () => {
    const path = freshPath()
    const leftovers = [`${path}.4242.1.tmp`, `${path}.99999.17.tmp`]
    for (const f of leftovers) writeFileSync(f, 'partial')
    const unrelated = `${path}.notes.tmp`
    writeFileSync(unrelated, 'keep')
    const s = createSequencer({ path, now: () => T0 })
    for (const f of leftovers) assert.equal(existsSync(f), false, f)
    assert.equal(existsSync(unrelated), true)
    s.close()
  })

  it('throws rather than leave the safe-integer range', () => {
    const s = createSequencer({ now: () => Math.floor(Number.MAX_SAFE_INTEGER / SEQUENCER_TIME_SCALE) })
    let last = 0
    let count = 0
    assert.throws(() => {
      for (; count < 2000; count++) last = s.next('x')
    }, InvalidValueError)
    assert.equal(last, Number.MAX_SAFE_INTEGER)
    assert.equal(count, 1024) // seed 2^53 - 1024 .. 2^53 - 1
  })

  it('validates its options', () => {
    for (const leaseSize of [0, -1, 1.5, 2 ** 41]) assert.throws(() => createSequencer({ leaseSize }), InvalidConfigError)
  })
})
