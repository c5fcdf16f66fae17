/**
 * Applies the batches of sync responses in request order while every
 * response in flight is read at once, holding at most a byte budget of
 * batches not yet applied.
 *
 * - Every response is read as it arrives: a response whose stream is left
 *   unread stalls in yamux's flow-control window, and @libp2p/yamux then
 *   sends the rest in ever smaller frames, each with its own cost on both
 *   sides (measured: about 25% more CPU per synced block).
 * - Batches are applied in order: a request's after every earlier request's,
 *   gathered until they hold `applyBytes` (or the request ended), since each
 *   `apply` is a database write with a fixed cost (LevelDB: one write per
 *   32-block batch instead of per 128-block request cost about 10% more CPU
 *   per synced block). Within a request, `apply` is called without waiting
 *   for its previous call to finish, so a store that combines writes (the
 *   block log does) writes what arrives meanwhile as one; a request's first
 *   call waits until every earlier request was applied, and after a failed
 *   apply no later request is applied (its `end` rejects with that error).
 * - A reader whose batch finds more than `maxPendingBytes` waiting (handed
 *   over, not yet applied) waits until that batch is applied: memory stays
 *   near the budget whatever the block size, and a fast network cannot run
 *   ahead of a slow disk without bound.
 *
 * @module
 */

/** Marks a promise as handled: its rejection reaches whoever awaits it later, never the process. */
function quiet (p: Promise<unknown>): void {
  p.catch(() => {})
}

/** One request's place in the order. */
export interface OrderedRequest<B> {
  /** For the request's reader: applies `batch` in order; a promise to await when over the budget. */
  onBatch: (batch: B) => Promise<void> | undefined
  /** The reader ended: resolves once all its batches are applied (rejects with the first apply error). */
  end: () => Promise<void>
}

/** Sizes of {@link InOrderBatches}. */
export interface InOrderLimits {
  /** Bytes of a request's batches gathered into one `apply` call (a request's last call may hold less). */
  applyBytes: number
  /** Bytes handed over and not yet applied above which a reader waits. */
  maxPendingBytes: number
}

/** The order of one sync run's requests. */
export class InOrderBatches<B> {
  /** Resolves once every request so far has ended and all its batches were applied (rejects after a failed apply). */
  private last: Promise<void> = Promise.resolve()
  /** Bytes of batches handed over and not yet applied. */
  private pendingBytes = 0

  constructor (
    private readonly apply: (batches: B[]) => Promise<void>,
    private readonly sizeOf: (batch: B) => number,
    private readonly limits: InOrderLimits
  ) {}

  /** Bytes of batches handed over and not yet applied. */
  get pending (): number { return this.pendingBytes }

  /**
   * Runs a request's reader in the next place of the order (taken at the
   * call). Its place ends however `read` settles, a failure too: otherwise
   * every later request's batches would wait forever, held in memory.
   */
  async run<T> (read: (onBatch: OrderedRequest<B>['onBatch']) => Promise<T>): Promise<T> {
    const place = this.next()
    try {
      return await read(place.onBatch)
    } finally {
      await place.end()
    }
  }

  /** A new request, after every earlier one ({@link run} ends it for you). */
  next (): OrderedRequest<B> {
    // resolves once apply was called for this request's batches so far (its first: once earlier ones are done)
    let called = this.last
    const applied: Array<Promise<void>> = []
    let gathered: B[] = []
    let gatheredBytes = 0
    let finish!: () => void
    const ended = new Promise<void>((resolve) => { finish = resolve })
    // the next request applies once this one ended and all of it was applied: after a failed apply, nothing more is
    this.last = ended.then(async () => {
      await called
      await Promise.all(applied)
    })
    quiet(this.last)
    const flush = (): Promise<void> => {
      const batches = gathered
      const size = gatheredBytes
      gathered = []
      gatheredBytes = 0
      // wrapped, so that `called` settles when apply was called, not when it finished
      const call = called.then(() => ({ finished: this.apply(batches) }))
      called = call.then(() => {})
      quiet(called)
      const done = call.then(async ({ finished }) => { await finished }).finally(() => { this.pendingBytes -= size })
      quiet(done)
      applied.push(done)
      return done
    }
    return {
      onBatch: (batch) => {
        const size = this.sizeOf(batch)
        this.pendingBytes += size
        gathered.push(batch)
        gatheredBytes += size
        if (gatheredBytes < this.limits.applyBytes) return undefined
        const done = flush()
        return this.pendingBytes > this.limits.maxPendingBytes ? done : undefined
      },
      end: async () => {
        if (gathered.length > 0) flush()
        finish()
        await called
        await Promise.all(applied)
      }
    }
  }
}
