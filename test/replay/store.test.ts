import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import {
  createReplayGuard,
  decodeReplayState,
  encodeReplayState,
  encodeStateFile,
  REPLAY_STATE_FORMAT,
  REPLAY_STATE_VERSION,
  PERSISTED_UNSEEN_SPAN,
  MAX_PERSISTED_UNSEEN,
  writeFileAtomic,
  writeFileAtomicSync
} from '../../src/replay/index.js'
import type { ReplayGuardInit, ReplayState, ReplayVerdict } from '../../src/replay/index.js'
import { MalformedInputError, StorageError } from '../../src/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'wireseal-replay-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const freshPath = (): string => join(dir, `state-${++n}.json`)

const T0 = 1_700_000_000_000
const SKEW = 30_000
const A = '12D3KooWAlice'
const B = '12D3KooWBob'

function reason (v: ReplayVerdict): string {
  return v.ok ? 'ok' : v.reason
}

/** A guard on a fake clock; the flush interval is long so the real timer never fires during a test. */
function open (path: string, clock: { t: number }, init: ReplayGuardInit = {}): ReturnType<typeof createReplayGuard> {
  return createReplayGuard({ path, now: () => clock.t, flushIntervalMs: 60_000, maxClockSkewMs: SKEW, ...init })
}

function fileState (path: string): ReplayState {
  return decodeReplayState(readFileSync(path))
}

describe('replay state persistence', () => {
  it('writes an unclean file at once, a clean one on close', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    const g = open(path, clock)
    assert.equal(fileState(path).clean, false)
    assert.equal(fileState(path).lastFlushMs, T0)
    g.commit(A, 't', 5, T0)
    clock.t += 10
    await g.close()
    const s = fileState(path)
    assert.equal(s.clean, true)
    assert.equal(s.lastFlushMs, T0 + 10)
    // Seqs 0..4 were never seen: persisted as such, so they stay acceptable after a restart.
    assert.deepEqual(s.windows, [{ sender: A, channel: 't', highSeq: 5, highTimestampMs: T0, floorMs: -Infinity, unseen: [4, 3, 2, 1, 0] }])
    assert.throws(() => g.commit(A, 't', 6, T0), StorageError)
    assert.deepEqual(readdirSync(dir).filter(f => f.endsWith('.tmp')), [])
  })

  it('a restart after a clean close refuses replays, seqs at or below the mark included', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    const g1 = open(path, clock)
    g1.commit(A, 't', 100, T0)
    g1.commit(A, 't', 90, T0)
    g1.commit(B, 'u', 7, T0)
    await g1.close()
    clock.t += 1000
    const g2 = open(path, clock)
    assert.equal(g2.size, 2)
    assert.equal(g2.floorMs, -Infinity)
    assert.equal(reason(g2.precheck(A, 't', 100, T0)), 'replayed')
    assert.equal(reason(g2.commit(A, 't', 90, T0)), 'replayed')
    assert.equal(reason(g2.commit(A, 't', 95, T0)), 'ok') // never seen, just below the mark: kept acceptable
    assert.equal(reason(g2.commit(A, 't', 95, T0)), 'replayed')
    assert.equal(reason(g2.commit(B, 'u', 7, T0)), 'replayed')
    assert.equal(reason(g2.commit(A, 't', 101, T0)), 'ok')
    assert.equal(reason(g2.commit(B, 'u', 8, T0 + 10)), 'ok')
    g2.commit(A, 't', 1000, T0)
    await g2.close()
    const g3 = open(path, clock)
    // Far below the mark (beyond PERSISTED_UNSEEN_SPAN, or past MAX_PERSISTED_UNSEEN gaps): counted as seen.
    assert.equal(reason(g3.commit(A, 't', 1000 - PERSISTED_UNSEEN_SPAN, T0)), 'replayed')
    assert.equal(reason(g3.commit(A, 't', 999, T0)), 'ok')
    assert.equal(reason(g3.commit(A, 't', 1000 - MAX_PERSISTED_UNSEEN, T0)), 'ok') // the 31st gap below 1000 (999 is taken)
    assert.equal(reason(g3.commit(A, 't', 1000 - MAX_PERSISTED_UNSEEN - 1, T0)), 'replayed') // the 33rd: not persisted
    await g3.close()
  })

  it('seqs opened out of order by one process each are all accepted once (regression: the lower one was refused as replayed)', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    await fc.assert(fc.asyncProperty(fc.shuffledSubarray(Array.from({ length: 40 }, (_, i) => 1000 + i), { minLength: 1 }), fc.integer({ min: 0, max: 3 }), async (seqs, dup) => {
      rmSync(path, { force: true })
      for (const seq of [...seqs, ...seqs.slice(0, dup)]) {
        const g = open(path, clock)
        const first = seqs.indexOf(seq) === seqs.lastIndexOf(seq) && g.precheck(A, 't', seq, T0).ok
        const v = reason(g.commit(A, 't', seq, T0))
        await g.close()
        assert.equal(v, first ? 'ok' : 'replayed', `seq ${seq}`)
      }
      // Every one was accepted exactly once: a final pass finds them all replayed.
      const g = open(path, clock)
      for (const seq of seqs) assert.equal(reason(g.precheck(A, 't', seq, T0)), 'replayed')
      await g.close()
    }), { numRuns: 30 })
  })

  it('after a crash (no close) a message accepted after the last flush is not accepted again', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    // lock: false stands in for a process that dies (its lock is broken as stale; see the lock tests).
    const g1 = open(path, clock, { lock: false }) // flushes at T0
    clock.t = T0 + 1000
    assert.equal(reason(g1.commit(A, 't', 100, T0 + 1000)), 'ok') // only in memory
    assert.equal(fileState(path).windows.length, 0)
    // Crash: g1 is abandoned without close().
    clock.t = T0 + 5000
    const g2 = open(path, clock)
    assert.equal(g2.floorMs, T0 + 60_000 + SKEW)
    assert.equal(reason(g2.precheck(A, 't', 100, T0 + 1000)), 'out-of-window')
    assert.equal(reason(g2.commit(A, 't', 100, T0 + 1000)), 'out-of-window')
    // Even a message stamped as far in the future as g1 could have accepted is refused.
    assert.equal(reason(g2.commit(B, 't', 1, T0 + 60_000 + SKEW, T0 + 60_000)), 'out-of-window')
    assert.equal(reason(g2.commit(A, 't', 100, T0 + 60_000 + SKEW + 1, T0 + 60_000 + 1)), 'ok')
    await g2.close()
  })

  it('after a crash, restored windows keep their marks and get the crash floor', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    const g1 = open(path, clock, { lock: false }) // crashes below
    g1.commit(A, 't', 100, T0)
    await g1.flush()
    g1.commit(A, 't', 101, T0 + 1)
    const crashFloor = fileState(path).lastFlushMs + 60_000 + SKEW
    clock.t = crashFloor // restart late enough that fresh timestamps pass the floor
    const g2 = open(path, clock)
    assert.equal(reason(g2.commit(A, 't', 101, T0 + 1)), 'out-of-window') // below the crash floor
    assert.equal(reason(g2.commit(A, 't', 100, crashFloor + 1)), 'replayed') // restored mark
    assert.equal(reason(g2.commit(A, 't', 102, crashFloor + 1)), 'ok')
    await g2.close()
  })

  it('the timer flushes a dirty guard in the background', async () => {
    const path = freshPath()
    const g = createReplayGuard({ path, flushIntervalMs: 40 })
    g.commit(A, 't', 1, Date.now())
    assert.equal(fileState(path).windows.length, 0)
    for (let i = 0; i < 100 && fileState(path).windows.length === 0; i++) await new Promise(resolve => setTimeout(resolve, 20))
    assert.equal(fileState(path).windows.length, 1)
    assert.equal(fileState(path).clean, false)
    await g.close()
    assert.equal(fileState(path).clean, true)
  })

  it('a commit after the flush interval lapsed writes the file synchronously first', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    const g = open(path, clock, { flushIntervalMs: 1000 })
    g.commit(A, 't', 1, T0)
    assert.equal(fileState(path).lastFlushMs, T0)
    clock.t = T0 + 1001
    g.commit(A, 't', 2, T0 + 1001)
    const s = fileState(path)
    assert.equal(s.lastFlushMs, T0 + 1001)
    assert.equal(s.flushIntervalMs, 1000)
    // The snapshot precedes the commit that triggered it.
    assert.deepEqual(s.windows.map(w => w.highSeq), [1])
    // Within the interval, no further write.
    clock.t = T0 + 1500
    g.commit(A, 't', 3, T0 + 1500)
    assert.equal(fileState(path).lastFlushMs, T0 + 1001)
    await g.close()
  })

  it('the eviction floor survives a restart', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    const g1 = open(path, clock, { maxTrackedSenders: 1 })
    g1.commit(A, 't', 1, T0 - 100)
    g1.commit(B, 't', 1, T0) // evicts A
    await g1.close()
    const g2 = open(path, clock, { maxTrackedSenders: 1 })
    assert.equal(g2.floorMs, T0 - 100)
    assert.equal(reason(g2.commit(A, 't', 1, T0 - 100)), 'out-of-window')
    await g2.close()
  })

  it('windows beyond a smaller maxTrackedSenders are restored as evicted', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    const g1 = open(path, clock)
    g1.commit(A, 't', 1, T0 - 100)
    g1.commit(B, 't', 1, T0 - 50)
    await g1.close()
    const g2 = open(path, clock, { maxTrackedSenders: 1 })
    assert.equal(g2.size, 1)
    assert.equal(g2.floorMs, T0 - 100)
    assert.equal(reason(g2.commit(A, 't', 1, T0 - 100)), 'out-of-window')
    assert.equal(reason(g2.commit(B, 't', 1, T0 - 50)), 'replayed')
    await g2.close()
  })

  it('rejects a damaged state file with MalformedInputError', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    const g = open(path, clock)
    g.commit(A, 't', 123, T0)
    await g.close()
    const good = readFileSync(path)
    const text = good.toString('utf8')
    const cases: Array<[string, Uint8Array | string]> = [
      ['empty', ''],
      ['garbage', Buffer.from([0xff, 0x00, 0x13, 0x37, 0x42])],
      ['random text', 'hello world\n'],
      ['truncated', good.subarray(0, good.length - 10)],
      ['truncated body', good.subarray(0, 40)],
      ['no checksum', text.slice(0, text.indexOf('\n') + 1)],
      ['flipped digit', text.replace('123', '124')],
      ['trailing data', text + 'x'],
      ['wrong format', encodeStateFile('wireseal/sequencer-state', REPLAY_STATE_VERSION, { channels: [] })],
      ['future version', encodeStateFile(REPLAY_STATE_FORMAT, REPLAY_STATE_VERSION + 1, {})],
      ['bad schema', encodeStateFile(REPLAY_STATE_FORMAT, REPLAY_STATE_VERSION, { clean: true, lastFlushMs: T0, flushIntervalMs: 1, maxClockSkewMs: 1, floorMs: null, windows: [[A, 't', -5, T0, null]] })],
      ['duplicate window', encodeStateFile(REPLAY_STATE_FORMAT, REPLAY_STATE_VERSION, { clean: true, lastFlushMs: T0, flushIntervalMs: 1, maxClockSkewMs: 1, floorMs: null, windows: [[A, 't', 1, T0, null], [A, 't', 2, T0, null]] })],
      ['missing windows', encodeStateFile(REPLAY_STATE_FORMAT, REPLAY_STATE_VERSION, { clean: true, lastFlushMs: T0, flushIntervalMs: 1, maxClockSkewMs: 1, floorMs: null })]
    ]
    for (const [name, bytes] of cases) {
      writeFileSync(path, bytes)
      assert.throws(() => open(path, clock), MalformedInputError, name)
      // The damaged file is left alone for inspection.
      assert.deepEqual(readFileSync(path), Buffer.from(bytes), name)
    }
    // An oversized file is refused before it is read.
    writeFileSync(path, good)
    assert.throws(() => open(path, clock, { maxStateFileBytes: good.length - 1 }), MalformedInputError)
    const g2 = open(path, clock, { maxStateFileBytes: good.length })
    await g2.close()
  })

  it('startFresh discards a damaged file but still refuses anything the old run may have accepted', async () => {
    const path = freshPath()
    writeFileSync(path, 'garbage')
    const clock = { t: T0 }
    const g = open(path, clock, { startFresh: true })
    assert.equal(g.size, 0)
    assert.equal(g.floorMs, T0 + SKEW)
    assert.equal(reason(g.commit(A, 't', 1, T0 + SKEW)), 'out-of-window')
    assert.equal(reason(g.commit(A, 't', 1, T0 + SKEW + 1, T0 + 1)), 'ok')
    await g.close()
    assert.equal(fileState(path).clean, true)
  })

  it('an asynchronous flush never renames an older state over a newer one', async () => {
    const path = freshPath()
    const clock = { t: T0 }
    const g = open(path, clock, { flushIntervalMs: 1000 })
    g.commit(A, 't', 1, T0)
    const pending = g.flush() // snapshot with seq 1, written asynchronously
    clock.t = T0 + 5000
    g.commit(A, 't', 2, T0 + 5000) // horizon lapsed: synchronous write of a newer snapshot
    await pending
    assert.equal(fileState(path).lastFlushMs, T0 + 5000)
    await g.close()
    assert.deepEqual(fileState(path).windows.map(w => w.highSeq), [2])
  })

  it('reports I/O failures as StorageError', async () => {
    const missingDir = join(dir, 'no', 'such', 'dir', 'state.json')
    assert.throws(() => createReplayGuard({ path: missingDir }), StorageError)
    assert.throws(() => writeFileAtomicSync(missingDir, new Uint8Array(1)), StorageError)
    await assert.rejects(writeFileAtomic(missingDir, new Uint8Array(1)), StorageError)
    // A directory where the file should be.
    assert.throws(() => createReplayGuard({ path: dir }), StorageError)
  })

  it('encodes and decodes replay state losslessly', () => {
    const ts = fc.oneof(fc.constant(-Infinity), fc.integer({ min: 0, max: 2 ** 45 }))
    fc.assert(fc.property(
      fc.boolean(), fc.integer({ min: 0, max: 2 ** 45 }), ts,
      fc.uniqueArray(fc.record({
        sender: fc.string({ maxLength: 60 }),
        channel: fc.string({ maxLength: 30 }),
        highSeq: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        highTimestampMs: ts,
        floorMs: ts,
        gaps: fc.uniqueArray(fc.integer({ min: 1, max: PERSISTED_UNSEEN_SPAN - 1 }), { maxLength: MAX_PERSISTED_UNSEEN })
      }), { maxLength: 20, selector: w => `${w.sender}\u0000${w.channel}` }),
      (clean, lastFlushMs, floorMs, windows) => {
        const state: ReplayState = {
          clean, lastFlushMs, flushIntervalMs: 5000, maxClockSkewMs: SKEW, floorMs,
          windows: windows.map(({ gaps, ...w }) => {
            const unseen = gaps.filter(d => d <= w.highSeq).sort((x, y) => x - y).map(d => w.highSeq - d)
            return unseen.length === 0 ? w : { ...w, unseen }
          })
        }
        assert.deepEqual(decodeReplayState(encodeReplayState(state)), state)
      }
    ), { numRuns: 200 })
  })
})
