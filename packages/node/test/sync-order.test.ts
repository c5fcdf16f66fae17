/**
 * InOrderBatches (../src/sync-order.ts): batches of concurrent sync
 * responses are applied in request order, gathered into writes, and readers
 * wait once too many bytes wait to be applied.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { InOrderBatches } from '../src/sync-order.js'

/** A batch: its label and size. */
interface Batch { id: string, bytes: number }

const b = (id: string, bytes = 10): Batch => ({ id, bytes })
const tick = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

/** An apply that records its calls and finishes each when released. */
function recorder (): { apply: (batches: Batch[]) => Promise<void>, calls: string[][], release: () => void } {
  const calls: string[][] = []
  const waiting: Array<() => void> = []
  return {
    calls,
    apply: async (batches) => {
      calls.push(batches.map((x) => x.id))
      await new Promise<void>((resolve) => waiting.push(resolve))
    },
    release: () => { for (const r of waiting.splice(0)) r() }
  }
}

describe('InOrderBatches', { timeout: 10_000 }, () => {
  it('applies a later request\'s batches only after every earlier request ended and was applied', async () => {
    const r = recorder()
    const order = new InOrderBatches<Batch>(r.apply, (x) => x.bytes, { applyBytes: 1, maxPendingBytes: 1_000 })
    const first = order.next()
    const second = order.next()
    assert.equal(second.onBatch(b('2a')), undefined, 'a later request keeps reading')
    assert.equal(first.onBatch(b('1a')), undefined)
    await tick()
    assert.deepEqual(r.calls, [['1a']], 'the head first, the later one waits')
    assert.equal(first.onBatch(b('1b')), undefined)
    await tick()
    assert.deepEqual(r.calls, [['1a'], ['1b']], 'called without waiting for the previous apply to finish')
    const firstDone = first.end()
    await tick()
    assert.deepEqual(r.calls, [['1a'], ['1b']], 'ended, but not yet applied: the later request still waits')
    r.release()
    await firstDone
    await tick()
    assert.deepEqual(r.calls, [['1a'], ['1b'], ['2a']], 'the later request goes on once the head ended and was applied')
    const secondDone = second.end()
    r.release()
    await secondDone
    assert.equal(order.pending, 0)
  })

  it('gathers a request\'s batches up to applyBytes into one call, and the rest at its end', async () => {
    const r = recorder()
    const order = new InOrderBatches<Batch>(r.apply, (x) => x.bytes, { applyBytes: 25, maxPendingBytes: 1_000 })
    const only = order.next()
    for (const id of ['a', 'b', 'c', 'd']) only.onBatch(b(id))
    await tick()
    assert.deepEqual(r.calls, [['a', 'b', 'c']], '30 bytes gathered >= 25: one call')
    const done = only.end()
    await tick()
    assert.deepEqual(r.calls, [['a', 'b', 'c'], ['d']])
    r.release()
    await done
  })

  it('a reader waits once more than maxPendingBytes wait to be applied, until its batch is applied', async () => {
    const r = recorder()
    const order = new InOrderBatches<Batch>(r.apply, (x) => x.bytes, { applyBytes: 1, maxPendingBytes: 25 })
    const head = order.next()
    assert.equal(head.onBatch(b('a')), undefined)
    assert.equal(head.onBatch(b('b')), undefined)
    const wait = head.onBatch(b('c'))
    assert.ok(wait instanceof Promise, '30 bytes pending > 25: wait')
    assert.equal(order.pending, 30)
    let resumed = false
    void wait.then(() => { resumed = true })
    await tick()
    assert.equal(resumed, false, 'not before the store finished')
    r.release()
    await wait
    assert.equal(order.pending, 0)
    await head.end()
  })

  it('a reader that fails still ends its place: what it handed over is applied, and later requests go on', async () => {
    const applied: string[] = []
    const order = new InOrderBatches<Batch>(async (batches) => { applied.push(...batches.map((x) => x.id)) }, (x) => x.bytes, { applyBytes: 1_000, maxPendingBytes: 1_000 })
    let secondOnBatch: ((batch: Batch) => Promise<void> | undefined) | undefined
    let endSecond!: () => void
    const first = order.run(async (onBatch) => {
      onBatch(b('1a'))
      throw new Error('forged response')
    })
    const second = order.run(async (onBatch) => {
      secondOnBatch = onBatch
      await new Promise<void>((resolve) => { endSecond = resolve })
      return 'done'
    })
    await assert.rejects(first, /forged response/)
    secondOnBatch?.(b('2a'))
    endSecond()
    assert.equal(await second, 'done')
    assert.deepEqual(applied, ['1a', '2a'])
  })

  it('an apply failure rejects that request\'s end and every later one, and never goes unhandled', async () => {
    let unhandled = 0
    const onUnhandled = (): void => { unhandled++ }
    process.on('unhandledRejection', onUnhandled)
    try {
      const order = new InOrderBatches<Batch>(async (batches) => {
        if (batches.some((x) => x.id === 'bad')) throw new Error('disk full')
      }, (x) => x.bytes, { applyBytes: 1, maxPendingBytes: 1_000 })
      const first = order.next()
      const second = order.next()
      first.onBatch(b('bad'))
      second.onBatch(b('ok'))
      await tick()
      await tick()
      await assert.rejects(first.end(), /disk full/)
      await assert.rejects(second.end(), /disk full/)
      await tick()
      assert.equal(unhandled, 0)
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
  })
})
