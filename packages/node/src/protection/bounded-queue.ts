/**
 * A bounded work queue with drop-on-overflow, after Lodestar's gossip
 * validation queues (`processor/gossipQueues`, NODE.md §2): FIFO for work
 * whose order matters (blocks), LIFO for work where the newest is worth most
 * (under load, the oldest is stale first). Memory is bounded by `capacity`
 * waiting jobs plus `concurrency` running ones; every drop is counted and
 * reported through `onDrop` (so a caller can, e.g., answer gossipsub's async
 * validation with Ignore instead of leaving the message pending).
 *
 * Overflow: FIFO refuses the new job (`push` returns false); LIFO drops the
 * oldest waiting job and accepts the new one.
 *
 * @module
 */
import { InvalidConfigError, InvalidValueError } from 'wireseal/errors'

/** A job: receives a signal aborted when a {@link BoundedQueue.drain} runs out of time. */
export type QueueJob = (signal: AbortSignal) => unknown

/** @default DEFAULT_QUEUE_CAPACITY (1024): Lodestar's block queue length. */
export const DEFAULT_QUEUE_CAPACITY = 1024
/** @default DEFAULT_QUEUE_CONCURRENCY (1) */
export const DEFAULT_QUEUE_CONCURRENCY = 1

/** Options of {@link createBoundedQueue}. */
export interface BoundedQueueInit<J extends QueueJob = QueueJob> {
  /** Waiting jobs held at most. @default DEFAULT_QUEUE_CAPACITY (1024) */
  capacity?: number
  /** Jobs running at once. @default DEFAULT_QUEUE_CONCURRENCY (1) */
  concurrency?: number
  /** Which waiting job runs next. @default 'fifo' */
  order?: 'fifo' | 'lifo'
  /** Called with each dropped job (overflow, or pending at drain). Must not throw. */
  onDrop?: (job: J) => void
  /** Called when a job throws or rejects. Must not throw. @default errors are only counted */
  onError?: (err: unknown, job: J) => void
}

/** Result of {@link BoundedQueue.drain}. */
export interface DrainResult {
  /** Jobs still running when the signal aborted (0 = clean). */
  abandoned: number
}

/** The queue returned by {@link createBoundedQueue}. */
export interface BoundedQueue<J extends QueueJob = QueueJob> {
  /** Queue `job`. False when this job was dropped (FIFO full, or draining). */
  push(job: J): boolean
  /** Jobs waiting. */
  readonly size: number
  /** Jobs running. */
  readonly running: number
  /** Jobs dropped so far. */
  readonly dropped: number
  /** Jobs that finished (resolved) so far. */
  readonly completed: number
  /** Jobs that threw or rejected so far. */
  readonly failed: number
  /** True once {@link drain} was called. */
  readonly closed: boolean
  /**
   * Stop taking jobs, drop the waiting ones, and wait for the running ones
   * until they end or `signal` aborts (then their signal is aborted too).
   * Never rejects.
   */
  drain(signal?: AbortSignal): Promise<DrainResult>
}

function int (name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new InvalidConfigError(name, `an integer >= ${min}`)
  return v
}

/** Create a bounded queue. Throws {@link InvalidConfigError} on a bad option. */
export function createBoundedQueue<J extends QueueJob = QueueJob> (init: BoundedQueueInit<J> = {}): BoundedQueue<J> {
  const capacity = int('capacity', init.capacity ?? DEFAULT_QUEUE_CAPACITY, 1)
  const concurrency = int('concurrency', init.concurrency ?? DEFAULT_QUEUE_CONCURRENCY, 1)
  const order = init.order ?? 'fifo'
  if (order !== 'fifo' && order !== 'lifo') throw new InvalidConfigError('order', "'fifo' or 'lifo'")
  const { onDrop, onError } = init
  // Ring buffer of waiting jobs.
  const ring: Array<J | undefined> = new Array<J | undefined>(capacity)
  let head = 0
  let size = 0
  let running = 0
  let dropped = 0
  let completed = 0
  let failed = 0
  let closed = false
  let scheduled = false
  const abort = new AbortController()
  /** Resolvers of pending drains, called when the last running job ends. */
  const idle = new Set<() => void>()

  function drop (job: J): void {
    dropped++
    try { onDrop?.(job) } catch { /* documented: must not throw */ }
  }

  function takeNext (): J {
    let i: number
    if (order === 'fifo') {
      i = head
      head = (head + 1) % capacity
    } else {
      i = (head + size - 1) % capacity
    }
    size--
    const job = ring[i] as J
    ring[i] = undefined
    return job
  }

  function settle (): void {
    running--
    if (running === 0 && idle.size > 0) for (const fn of [...idle]) fn()
    else pump()
  }

  function pump (): void {
    scheduled = false
    while (!closed && running < concurrency && size > 0) {
      const job = takeNext()
      running++
      void Promise.resolve()
        .then(() => job(abort.signal))
        .then(() => { completed++ }, (err: unknown) => {
          failed++
          try { onError?.(err, job) } catch { /* documented: must not throw */ }
        })
        .finally(settle)
    }
  }

  return {
    push (job) {
      if (typeof job !== 'function') throw new InvalidValueError('push.job', 'a function')
      if (closed) { drop(job); return false }
      if (size === capacity) {
        if (order === 'fifo') { drop(job); return false }
        const oldest = ring[head] as J
        ring[head] = undefined
        head = (head + 1) % capacity
        size--
        drop(oldest)
      }
      ring[(head + size) % capacity] = job
      size++
      if (!scheduled) {
        scheduled = true
        queueMicrotask(pump)
      }
      return true
    },
    get size () { return size },
    get running () { return running },
    get dropped () { return dropped },
    get completed () { return completed },
    get failed () { return failed },
    get closed () { return closed },
    async drain (signal) {
      closed = true
      while (size > 0) drop(takeNext())
      if (running === 0) return { abandoned: 0 }
      if (signal?.aborted === true) {
        abort.abort(signal.reason)
        return { abandoned: running }
      }
      return await new Promise<DrainResult>((resolve) => {
        const onIdle = (): void => {
          idle.delete(onIdle)
          signal?.removeEventListener('abort', onAbort)
          resolve({ abandoned: 0 })
        }
        const onAbort = (): void => {
          idle.delete(onIdle)
          abort.abort(signal?.reason)
          resolve({ abandoned: running })
        }
        idle.add(onIdle)
        signal?.addEventListener('abort', onAbort, { once: true })
      })
    }
  }
}
