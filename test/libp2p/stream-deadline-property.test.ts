/**
 * Properties of the stream deadlines and budget (issue 9), on an in-memory
 * stream with node:test's mocked clock (setTimeout and Date), so random
 * timings run in no real time:
 * - honest traffic (every frame delivered, in any split, within
 *   `frameBytes / minBytesPerSecond` of its first byte, any gap between
 *   frames, a consumer that dawdles so the reader pauses) is never cut;
 * - traffic slower than that is cut exactly when its deadline passes;
 * - the bytes held for a connection and for a peer never exceed the budget,
 *   equal the unfinished frames of the streams still open, and a stream is
 *   reset (BufferBudgetError) exactly when its next bytes would go over.
 */
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { PeerId } from '@libp2p/interface'
import type { Codec } from '../../src/codec/index.js'
import { BufferBudgetError, DeadlineError } from '../../src/errors.js'
import { createStreamBudget } from '../../src/libp2p/stream-budget.js'
import { encodeUvarint, wiresealStream, type WiresealStream } from '../../src/libp2p/stream.js'
import { FakeStream, streamCodec } from './fixtures.js'

const BASE_MS = 100
const RATE = 10_000 // bytes per second: 10 bytes per ms
const ID = '/wireseal/block/1.0.0/protobuf-none'

/** Lets promise chains and the consumer loop run (setImmediate is not mocked). */
async function flush (): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve))
}

/** Moves the mocked clock forward to `at`, letting the code run at every due timer. */
async function advanceTo (at: number, now: { t: number }): Promise<void> {
  while (now.t < at) {
    const step = Math.min(at - now.t, 25)
    mock.timers.tick(step)
    now.t += step
    await flush()
  }
}

function peer (name: string): PeerId {
  return { toString: () => name } as unknown as PeerId
}

/** A reader collecting raw frames until the end or an error. */
function consume (ws: WiresealStream, dawdleMs: number[]): { frames: Uint8Array[], done: Promise<unknown> } {
  const frames: Uint8Array[] = []
  const done = (async () => {
    let i = 0
    for await (const f of ws.frames()) {
      frames.push(f.slice())
      const wait = dawdleMs[i++ % Math.max(1, dawdleMs.length)] ?? 0
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    }
  })().then(() => undefined, (err: unknown) => err)
  return { frames, done }
}

/** A frame body, cut points inside its framed bytes, and how much of its allowance it uses. */
const frameArb = fc.record({
  // small frames too, so a dawdling reader can hold whole ones below the mark while the next arrives
  size: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 6000 })),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
  /** Fraction of bytes / RATE the frame takes, first to last byte (honest: at most 1). */
  pace: fc.double({ min: 0, max: 1, noNaN: true }),
  /** Silence before the frame, in ms (no idle deadline is set). */
  gapMs: fc.integer({ min: 0, max: 5 * BASE_MS })
})

/** Delivery events of `frames` laid out in time: [time, bytes, last of its frame]. */
function schedule (frames: Array<{ size: number, cuts: number[], pace: number, gapMs: number }>, start: number, slowBy: number): { events: Array<[number, Uint8Array, boolean]>, bodies: Uint8Array[] } {
  const events: Array<[number, Uint8Array, boolean]> = []
  const bodies: Uint8Array[] = []
  let t = start
  for (const [k, f] of frames.entries()) {
    const body = Uint8Array.from({ length: f.size }, (_, i) => (i * 7 + k) & 0xff)
    bodies.push(body)
    const framed = new Uint8Array([...encodeUvarint(f.size), ...body])
    t += f.gapMs
    // the frame's first and last bytes are `pace * size / RATE` apart (plus `slowBy` ms for a slow sender)
    const span = f.pace * f.size * 1000 / RATE + slowBy
    const points = [...new Set(f.cuts.map((c) => Math.floor(c * framed.length)).filter((c) => c > 0 && c < framed.length))].sort((a, b) => a - b)
    const edges = [0, ...points, framed.length]
    for (let i = 0; i + 1 < edges.length; i++) {
      const at = edges.length === 2 ? t : t + Math.floor(span * i / (edges.length - 2))
      events.push([at, framed.subarray(edges[i], edges[i + 1]), i + 2 === edges.length])
    }
    t += Math.floor(span)
  }
  return { events, bodies }
}

describe('stream deadlines and budget: properties on a mocked clock', () => {
  let codec: Codec
  const now = { t: 0 }

  beforeEach(async () => {
    codec ??= await streamCodec(70)
    now.t = 1_700_000_000_000
    mock.timers.enable({ apis: ['setTimeout', 'Date'], now: now.t })
  })

  afterEach(() => {
    mock.timers.reset()
  })

  it('never cuts a sender at or above the minimum rate, whatever the splits, gaps and reader pauses', async (t) => {
    let pausedRuns = 0
    let midFrameRuns = 0
    let runs = 0
    await fc.assert(fc.asyncProperty(
      fc.array(frameArb, { minLength: 1, maxLength: 12 }),
      fc.array(fc.integer({ min: 0, max: 10 * BASE_MS }), { maxLength: 4 }),
      fc.integer({ min: 1, max: 2048 }),
      async (frames, dawdle, highWaterMark) => {
        const fake = new FakeStream(`s${now.t}`, ID)
        const budget = createStreamBudget({ connectionBytes: 64 * 1024, peerBytes: 64 * 1024 })
        const ws = wiresealStream(fake.asStream(), { codec, frameTimeoutMs: BASE_MS, minBytesPerSecond: RATE, highWaterMark, budget, connection: { id: 'c', remotePeer: peer('p') } })
        const reader = consume(ws, dawdle)
        const { events, bodies } = schedule(frames, now.t, 0)
        // A paused reader stops the sender (the muxer grants no window): the rest of its schedule moves back.
        let shift = 0
        let midFrame = false
        for (const [at, bytes, last] of events) {
          await advanceTo(at + shift, now)
          for (let spins = 0; fake.readStatus === 'paused' && spins < 10_000; spins++) {
            await advanceTo(now.t + 5, now)
            shift += 5
          }
          fake.deliver(bytes)
          await flush()
          assert.equal(fake.abortedWith, undefined, `cut: ${String(fake.abortedWith)}`)
          if (!last && fake.readStatus === 'paused') midFrame = true
        }
        fake.endRemote()
        // let the dawdling reader finish (each wait is mocked time)
        let finished = false
        void reader.done.then(() => { finished = true })
        for (let i = 0; i <= bodies.length && !finished; i++) await advanceTo(now.t + 10 * BASE_MS + 1, now)
        const outcome = await Promise.race([reader.done, flush().then(() => 'still reading')])
        assert.equal(outcome, undefined, `reader failed: ${String(outcome)} (${reader.frames.length} of ${bodies.length} frames, fake ${fake.readStatus}/${fake.status}, stats ${JSON.stringify(ws.stats)})`)
        assert.deepEqual(reader.frames, bodies)
        assert.equal(budget.heldByConnection('c'), 0)
        runs++
        if (ws.stats.pauses > 0) pausedRuns++
        if (midFrame) midFrameRuns++
      }
    ), { numRuns: 150, seed: 9001 })
    t.diagnostic(`${runs} runs, ${pausedRuns} with the reader pausing the stream, ${midFrameRuns} of them in the middle of a frame`)
    assert.ok(pausedRuns > runs / 10, `${pausedRuns} of ${runs} runs paused`)
  })

  it('does not count against the sender the time a dawdling reader keeps a frame paused mid-way', async (t) => {
    let midFrameRuns = 0
    let runs = 0
    const small = fc.record({ size: fc.integer({ min: 0, max: 100 }), cuts: fc.constant<number[]>([]), pace: fc.constant<number>(0), gapMs: fc.constant<number>(0) })
    const large = fc.record({
      size: fc.integer({ min: 2000, max: 6000 }),
      cuts: fc.array(fc.double({ min: 0.05, max: 0.95, noNaN: true }), { minLength: 2, maxLength: 6 }),
      pace: fc.double({ min: 0.5, max: 1, noNaN: true }),
      gapMs: fc.integer({ min: 0, max: 20 })
    })
    await fc.assert(fc.asyncProperty(
      // A is taken and dawdled over; B waits whole below the mark; C arrives and crosses it mid-frame
      small, small, large, fc.integer({ min: BASE_MS, max: 20 * BASE_MS }), fc.integer({ min: 1, max: 1500 }),
      async (a, b, c, dawdleMs, above) => {
        const fake = new FakeStream(`m${now.t}`, ID)
        const ws = wiresealStream(fake.asStream(), { codec, frameTimeoutMs: BASE_MS, minBytesPerSecond: RATE, highWaterMark: b.size + 2 + above })
        const reader = consume(ws, [dawdleMs])
        const { events, bodies } = schedule([a, b, c], now.t, 0)
        let shift = 0
        let midFrame = false
        for (const [at, bytes, last] of events) {
          await advanceTo(at + shift, now)
          for (let spins = 0; fake.readStatus === 'paused' && spins < 10_000; spins++) {
            await advanceTo(now.t + 5, now)
            shift += 5
          }
          fake.deliver(bytes)
          await flush()
          assert.equal(fake.abortedWith, undefined, `cut: ${String(fake.abortedWith)}`)
          if (!last && fake.readStatus === 'paused') midFrame = true
        }
        fake.endRemote()
        let finished = false
        void reader.done.then(() => { finished = true })
        for (let i = 0; i < 4 && !finished; i++) await advanceTo(now.t + dawdleMs + 1, now)
        assert.equal(await Promise.race([reader.done, flush().then(() => 'still reading')]), undefined)
        assert.deepEqual(reader.frames, bodies)
        runs++
        if (midFrame) midFrameRuns++
      }
    ), { numRuns: 100, seed: 9004 })
    t.diagnostic(`${runs} runs, ${midFrameRuns} paused in the middle of a frame`)
    assert.ok(midFrameRuns > runs / 2, `${midFrameRuns} of ${runs} runs paused mid-frame`)
  })

  it('cuts a frame that takes longer than base + bytes / rate, at its deadline', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 6000 }),
      fc.integer({ min: 1, max: 5 }),
      async (size, pieces) => {
        const fake = new FakeStream(`s${now.t}`, ID)
        const ws = wiresealStream(fake.asStream(), { codec, frameTimeoutMs: BASE_MS, minBytesPerSecond: RATE })
        const reader = consume(ws, [])
        const framed = new Uint8Array([...encodeUvarint(size), ...new Uint8Array(size)])
        const limit = BASE_MS + framed.length * 1000 / RATE
        const start = now.t
        // everything but the last byte, spread over the allowance; the last one comes 1 ms too late
        const head = framed.subarray(0, framed.length - 1)
        // every piece non-empty: the first byte arrives at `start`
        pieces = Math.min(pieces, head.length)
        for (let i = 0; i < pieces; i++) {
          await advanceTo(start + Math.floor(i * (limit - 1) / pieces), now)
          fake.deliver(head.subarray(Math.floor(i * head.length / pieces), Math.floor((i + 1) * head.length / pieces)))
          await flush()
        }
        await advanceTo(start + Math.ceil(limit) - 1, now)
        assert.equal(fake.abortedWith, undefined, 'not before the deadline')
        await advanceTo(start + Math.ceil(limit) + 1, now)
        fake.deliver(framed.subarray(framed.length - 1))
        const err = await reader.done
        assert.ok(err instanceof DeadlineError, `got ${String(err)}`)
        assert.equal(err.details.deadline, 'frame')
        assert.equal(err.details.expectedBytes, framed.length)
        assert.equal(err.details.doneBytes, head.length)
        assert.equal(fake.abortedWith, err)
        assert.deepEqual(reader.frames, [])
      }
    ), { numRuns: 100, seed: 9002 })
  })

  it('never holds more than the connection and peer budgets, and resets exactly the stream that would go over', async () => {
    const step = fc.record({ stream: fc.nat(), bytes: fc.integer({ min: 1, max: 3000 }), complete: fc.boolean() })
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 256, max: 16_000 }),
      fc.integer({ min: 256, max: 24_000 }),
      fc.array(step, { minLength: 1, maxLength: 60 }),
      async (streams, connectionBytes, peerBytes, steps) => {
        const budget = createStreamBudget({ connectionBytes, peerBytes })
        // streams alternate between two connections of the same peer
        const conns = ['c0', 'c1']
        const fakes = Array.from({ length: streams }, (_, i) => new FakeStream(`s${i}`, ID))
        const readers = fakes.map((f, i) => consume(wiresealStream(f.asStream(), { codec, budget, connection: { id: conns[i % 2] as string, remotePeer: peer('p') } }), []))
        // the model: bytes of each stream's unfinished frame (a 1 MiB claim, never finished)
        const partial = new Array<number>(streams).fill(0)
        const alive = new Array<boolean>(streams).fill(true)
        const heldBy = (c: number): number => partial.reduce((sum, p, i) => sum + (alive[i] === true && i % 2 === c ? p : 0), 0)
        for (const s of steps) {
          const i = s.stream % streams
          const fake = fakes[i] as FakeStream
          if (alive[i] !== true) continue
          // before the unfinished frame starts, maybe a complete one (net zero); then bytes of the unfinished one
          const first = (partial[i] as number) === 0
          const start = first ? encodeUvarint(1024 * 1024) : new Uint8Array(0)
          const done = s.complete && first ? new Uint8Array([...encodeUvarint(s.bytes), ...new Uint8Array(s.bytes)]) : new Uint8Array(0)
          const more = new Uint8Array([...done, ...start, ...new Uint8Array(s.bytes)])
          const delta = more.length - done.length
          const c = i % 2
          const connectionOver = heldBy(c) + delta > connectionBytes
          const over = connectionOver || heldBy(0) + heldBy(1) + delta > peerBytes
          fake.deliver(more)
          await flush()
          if (over) {
            alive[i] = false
            assert.ok(fake.abortedWith instanceof BufferBudgetError, `stream ${i}: ${String(fake.abortedWith)}`)
            const d = fake.abortedWith.details
            assert.equal(d.scope, connectionOver ? 'connection' : 'peer')
            assert.ok(d.actual > d.limit)
          } else {
            assert.equal(fake.abortedWith, undefined, `stream ${i} reset under the budget`)
            partial[i] = (partial[i] as number) + delta
          }
          assert.equal(budget.heldByConnection('c0'), heldBy(0))
          assert.equal(budget.heldByConnection('c1'), heldBy(1))
          assert.equal(budget.heldByPeer('p'), heldBy(0) + heldBy(1))
          assert.ok(budget.heldByConnection('c0') <= connectionBytes && budget.heldByConnection('c1') <= connectionBytes)
          assert.ok(budget.heldByPeer('p') <= peerBytes)
        }
        for (const f of fakes) f.abort(new Error('end of case'))
        await Promise.all(readers.map(async (r) => r.done))
        assert.equal(budget.heldByPeer('p'), 0, 'released when the streams end')
      }
    ), { numRuns: 150, seed: 9003 })
  })
})
