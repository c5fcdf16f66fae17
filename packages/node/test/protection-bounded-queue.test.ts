import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { InvalidConfigError, InvalidValueError } from 'wireseal/errors'
import { createBoundedQueue, type QueueJob } from '../src/protection/bounded-queue.js'

/** A job that records its id when it runs and finishes when released. */
function gate (): { job: (id: number, log: number[]) => QueueJob, release: () => void } {
  const waiters: Array<() => void> = []
  return {
    job: (id, log) => async () => {
      log.push(id)
      await new Promise<void>((resolve) => { waiters.push(resolve) })
    },
    release: () => { for (const w of waiters.splice(0)) w() }
  }
}

const tick = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

describe('protection/bounded-queue', () => {
  it('FIFO: runs in order, refuses the new job when full', async () => {
    const q = createBoundedQueue({ capacity: 2, concurrency: 1, order: 'fifo' })
    const log: number[] = []
    const g = gate()
    assert.equal(q.push(g.job(1, log)), true)
    await tick() // 1 starts
    assert.equal(q.push(g.job(2, log)), true)
    assert.equal(q.push(g.job(3, log)), true)
    assert.equal(q.push(g.job(4, log)), false, 'full')
    assert.equal(q.dropped, 1)
    assert.equal(q.size, 2)
    assert.equal(q.running, 1)
    for (let i = 0; i < 3; i++) { g.release(); await tick(); await tick() }
    assert.deepEqual(log, [1, 2, 3])
    assert.equal(q.completed, 3)
  })

  it('LIFO: runs the newest first, drops the oldest waiting job when full', async () => {
    const dropped: QueueJob[] = []
    const q = createBoundedQueue({ capacity: 2, order: 'lifo', onDrop: (j) => { dropped.push(j) } })
    const log: number[] = []
    const g = gate()
    q.push(g.job(1, log))
    await tick()
    const two = g.job(2, log)
    q.push(two)
    q.push(g.job(3, log))
    assert.equal(q.push(g.job(4, log)), true, 'the new job is kept')
    assert.deepEqual(dropped, [two], 'the oldest waiting job went')
    for (let i = 0; i < 3; i++) { g.release(); await tick(); await tick() }
    assert.deepEqual(log, [1, 4, 3])
  })

  it('honours the concurrency bound', async () => {
    const q = createBoundedQueue({ capacity: 100, concurrency: 3 })
    let active = 0
    let peak = 0
    const done: Array<Promise<void>> = []
    for (let i = 0; i < 20; i++) {
      let finish!: () => void
      done.push(new Promise<void>((resolve) => { finish = resolve }))
      q.push(async () => {
        active++
        peak = Math.max(peak, active)
        await tick()
        active--
        finish()
      })
    }
    await Promise.all(done)
    await tick()
    assert.equal(peak, 3)
    assert.equal(q.completed, 20)
  })

  it('counts failures (sync throws and rejections) without unhandled rejections', async () => {
    const errors: unknown[] = []
    const q = createBoundedQueue({ onError: (err) => { errors.push(err) } })
    q.push(() => { throw new Error('sync') })
    q.push(async () => { throw new Error('async') })
    q.push(() => 42)
    await tick(); await tick(); await tick()
    assert.equal(q.failed, 2)
    assert.equal(q.completed, 1)
    assert.deepEqual(errors.map((e) => (e as Error).message), ['sync', 'async'])
  })

  it('drain waits for running jobs, drops waiting ones, then refuses new ones', async () => {
    const dropped: QueueJob[] = []
    const q = createBoundedQueue({ capacity: 10, onDrop: (j) => { dropped.push(j) } })
    const log: number[] = []
    const g = gate()
    q.push(g.job(1, log))
    await tick()
    q.push(g.job(2, log))
    let drained = false
    const p = q.drain(AbortSignal.timeout(10_000)).then((r) => { drained = true; return r })
    await tick()
    assert.equal(drained, false, 'job 1 still running')
    assert.equal(dropped.length, 1, 'job 2 dropped')
    assert.equal(q.push(g.job(3, log)), false)
    g.release()
    assert.deepEqual(await p, { abandoned: 0 })
    assert.deepEqual(log, [1])
    assert.equal(q.closed, true)
    assert.deepEqual(await q.drain(), { abandoned: 0 }, 'idempotent')
  })

  it('drain gives up when its signal aborts, and aborts the running jobs’ signal', async () => {
    const q = createBoundedQueue({ concurrency: 2 })
    let seen: AbortSignal | undefined
    q.push(async (signal) => {
      seen = signal
      await new Promise<void>((resolve) => { signal.addEventListener('abort', () => { resolve() }) })
    })
    q.push(() => new Promise(() => {})) // never settles
    await tick()
    const ac = new AbortController()
    const a = q.drain(ac.signal)
    const b = q.drain(ac.signal) // two drains both resolve
    ac.abort()
    assert.deepEqual(await a, { abandoned: 2 })
    assert.deepEqual(await b, { abandoned: 2 })
    assert.equal(seen?.aborted, true)
  })

  it('never holds more than capacity waiting jobs, whatever the pushes (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.constantFrom('fifo', 'lifo'), fc.array(fc.boolean(), { maxLength: 80 }), async (capacity, order, ops) => {
      let dropCalls = 0
      const q = createBoundedQueue({ capacity, order: order as 'fifo' | 'lifo', onDrop: () => { dropCalls++ } })
      let pushed = 0
      for (const pushNow of ops) {
        if (pushNow) { q.push(() => tick()); pushed++ } else await tick()
        assert.ok(q.size <= capacity)
      }
      await q.drain()
      assert.equal(q.dropped, dropCalls)
      assert.equal(q.completed + q.failed + q.dropped, pushed)
    }), { numRuns: 100 })
  })

  it('rejects bad options and jobs', () => {
    for (const [init, option] of [[{ capacity: 0 }, 'capacity'], [{ concurrency: 0 }, 'concurrency'], [{ capacity: 1.5 }, 'capacity'], [{ order: 'random' }, 'order']] as const) {
      assert.throws(() => createBoundedQueue(init as never), (err: unknown) => err instanceof InvalidConfigError && err.details.option === option)
    }
    assert.throws(() => createBoundedQueue().push('job' as never), InvalidValueError)
  })
})
