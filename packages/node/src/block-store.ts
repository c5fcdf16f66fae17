/**
 * The node's block log on LevelDB: every block it has, in the order it got
 * them, numbered by a local height (1, 2, ...), kept as the producer's
 * original signed envelope so it can be served to other nodes unchanged.
 * Blocks are deduplicated by content hash, whatever path they came by
 * (gossip, sync or our own producer). The log is bounded: beyond `maxBlocks`
 * the lowest heights are deleted in the same write batch that appends.
 *
 * Appends are combined: those that arrive while a write is in flight go
 * into the next LevelDB batch together.
 *
 * Layout (./block-store-layout.ts: the records alone in their own database,
 * so that LevelDB can move them down its levels without rewriting them):
 *   blocks database: <height as 16 hex digits> -> SHA-256 of the block data (32 B) || envelope bytes
 *   node database:   block-hashes/<sha-256 hex> -> height (decimal)
 *                    meta/height, meta/lowest   -> decimal
 *
 * One write is two batches, records first, then the index and meta: a crash
 * between them leaves records above `meta/height`, which the next open
 * indexes. Records pruned by a write are deleted by the next one's record
 * batch (or the next open), after the index stopped pointing at them.
 *
 * @module
 */
import type { ClassicLevel } from 'classic-level'
import type { NodeDatabases } from './block-store-layout.js'

/** An append waiting for the next write batch. */
interface Waiting {
  readonly key: string
  readonly hash: Uint8Array
  readonly envelope: Uint8Array
  readonly resolve: (height: bigint | undefined) => void
  readonly reject: (err: unknown) => void
}

/** Most appends written in one LevelDB batch. */
const MAX_WRITE_BATCH = 256

/** The part of a LevelDB sublevel the store uses. */
interface Sub<V> {
  get (key: string): Promise<V | undefined>
  getMany (keys: string[]): Promise<Array<V | undefined>>
  iterator (options: { gte?: string, gt?: string, lte?: string, limit?: number }): AsyncIterable<[string, V]>
}

/** A LevelDB batch operation. */
type Op<V> = { type: 'put', key: string, value: V, sublevel?: Sub<unknown> } | { type: 'del', key: string, sublevel?: Sub<unknown> }

/** One stored block. */
export interface StoredBlock {
  readonly height: bigint
  readonly envelope: Uint8Array
}

/** Options of {@link openBlockStore}. */
export interface BlockStoreInit {
  /**
   * Most blocks kept; the oldest are pruned beyond it.
   * @default DEFAULT_MAX_STORED_BLOCKS (100,000)
   */
  maxBlocks?: number
}

/** Default of {@link BlockStoreInit.maxBlocks}: about 400 MB of 4 KB blocks. */
export const DEFAULT_MAX_STORED_BLOCKS = 100_000

const HASH_BYTES = 32

const heightKey = (h: bigint): string => h.toString(16).padStart(16, '0')

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

/** An append after {@link BlockStore.drain} began (the node is stopping). */
export class BlockStoreClosedError extends Error {
  override readonly name = 'BlockStoreClosedError'
  constructor () {
    super('block store: draining for shutdown, no more appends')
  }
}

/** The block log. Appends are combined into batches and applied in order; reads may run at any time. */
export class BlockStore {
  private readonly pending = new Set<string>()
  private readonly waiting: Waiting[] = []
  private flushing = false
  /** The write loop while it runs (what {@link drain} waits for). */
  private flushed: Promise<void> = Promise.resolve()
  /** Set by {@link drain}: appends are refused from then on. */
  private draining = false
  /** Heights pruned from the index by the last write, whose records the next write deletes. */
  private pruned: bigint[] = []

  private constructor (
    private readonly db: ClassicLevel<string, string>,
    private readonly records: ClassicLevel<string, Uint8Array>,
    private readonly hashes: Sub<string>,
    private readonly meta: Sub<string>,
    private readonly maxBlocks: number,
    private top: bigint,
    private bottom: bigint
  ) {}

  /** Opens (or creates) the log in the node's databases (./block-store-layout.ts), finishing a write a crash cut short. */
  static async open (dbs: NodeDatabases, init: BlockStoreInit = {}): Promise<BlockStore> {
    const maxBlocks = init.maxBlocks ?? DEFAULT_MAX_STORED_BLOCKS
    if (!Number.isSafeInteger(maxBlocks) || maxBlocks < 1) throw new RangeError(`maxBlocks: a positive integer, got ${String(maxBlocks)}`)
    const { db, blocks: records } = dbs
    const hashes = db.sublevel<string, string>('block-hashes', { valueEncoding: 'utf8' }) as unknown as Sub<string>
    const meta = db.sublevel<string, string>('meta', { valueEncoding: 'utf8' }) as unknown as Sub<string>
    let top = BigInt(await meta.get('height') ?? '0')
    const bottom = BigInt(await meta.get('lowest') ?? '1')
    // records written by a write whose index batch never landed: index them now
    const ops: Array<Op<string>> = []
    for await (const [k, v] of records.iterator({ gt: heightKey(top) })) {
      top = BigInt(`0x${k}`)
      ops.push({ type: 'put', sublevel: hashes as Sub<unknown>, key: hex(v.subarray(0, HASH_BYTES)), value: top.toString() })
    }
    if (ops.length > 0) await db.batch([...ops, { type: 'put', sublevel: meta as Sub<unknown>, key: 'height', value: top.toString() }] as never)
    // records pruned from the index whose deletion never landed
    await records.clear({ lt: heightKey(bottom) })
    return new BlockStore(db, records, hashes, meta, maxBlocks, top, bottom)
  }

  /** Height of the newest block (0 when empty). */
  get height (): bigint { return this.top }

  /** Height of the oldest block still kept. */
  get lowest (): bigint { return this.bottom }

  /** Number of blocks kept. */
  get size (): number { return Number(this.top - this.bottom + 1n) }

  /** True when a block with this content hash is stored (or being stored). */
  async has (hash: Uint8Array): Promise<boolean> {
    const key = hex(hash)
    return this.pending.has(key) || (await this.hashes.get(key)) !== undefined
  }

  /**
   * Appends a block by its content hash and original envelope. Returns its
   * height, or undefined when a block with that hash is already stored.
   */
  async append (hash: Uint8Array, envelope: Uint8Array): Promise<bigint | undefined> {
    if (this.draining) throw new BlockStoreClosedError()
    if (hash.length !== HASH_BYTES) throw new RangeError(`hash: ${HASH_BYTES} bytes, got ${hash.length}`)
    const key = hex(hash)
    if (this.pending.has(key)) return undefined
    this.pending.add(key)
    return await new Promise<bigint | undefined>((resolve, reject) => {
      this.waiting.push({ key, hash, envelope, resolve, reject })
      if (!this.flushing) this.flushed = this.flush()
    })
  }

  /**
   * Writes every waiting append, up to {@link MAX_WRITE_BATCH} per LevelDB
   * batch: appends that arrive while a batch is being written share the next
   * one (a sync response of 128 blocks costs one write, not 128).
   */
  private async flush (): Promise<void> {
    this.flushing = true
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, MAX_WRITE_BATCH)
        try {
          const heights = await this.write(batch)
          batch.forEach((b, i) => { b.resolve(heights[i]) })
        } catch (err) {
          for (const b of batch) b.reject(err)
        } finally {
          for (const b of batch) this.pending.delete(b.key)
        }
      }
    } finally {
      this.flushing = false
    }
  }

  private async write (batch: readonly Waiting[]): Promise<Array<bigint | undefined>> {
    const existing = await this.hashes.getMany(batch.map((b) => b.key))
    const records: Array<Op<Uint8Array>> = this.pruned.map((h) => ({ type: 'del', key: heightKey(h) }))
    const index: Array<Op<string>> = []
    const heights: Array<bigint | undefined> = []
    let top = this.top
    const written = new Map<bigint, string>()
    batch.forEach((b, i) => {
      if (existing[i] !== undefined) {
        heights.push(undefined)
        return
      }
      top += 1n
      heights.push(top)
      written.set(top, b.key)
      records.push({ type: 'put', key: heightKey(top), value: Buffer.concat([b.hash, b.envelope]) })
      index.push({ type: 'put', sublevel: this.hashes as Sub<unknown>, key: b.key, value: top.toString() })
    })
    if (top === this.top) return heights
    index.push({ type: 'put', sublevel: this.meta as Sub<unknown>, key: 'height', value: top.toString() })
    let bottom = this.bottom
    const pruned: bigint[] = []
    while (top - bottom + 1n > BigInt(this.maxBlocks)) pruned.push(bottom++)
    if (pruned.length > 0) {
      const old = await this.records.getMany(pruned.map(heightKey))
      pruned.forEach((h, i) => {
        // a block of this same batch pruned at once (a batch larger than maxBlocks) is not in the database yet
        const o = old[i]
        const key = written.get(h) ?? (o === undefined ? undefined : hex(o.subarray(0, HASH_BYTES)))
        if (key !== undefined) index.push({ type: 'del', sublevel: this.hashes as Sub<unknown>, key })
      })
      index.push({ type: 'put', sublevel: this.meta as Sub<unknown>, key: 'lowest', value: bottom.toString() })
    }
    await this.records.batch(records as never)
    this.pruned = []
    await this.db.batch(index as never)
    this.pruned = pruned
    this.top = top
    this.bottom = bottom
    return heights
  }

  /**
   * Refuses further appends ({@link BlockStoreClosedError}) and resolves once
   * every append already accepted is written, both of its batches: call it
   * before the databases close, so that a clean stop leaves the log exact
   * (a crash between the two batches is repaired by the next open).
   */
  async drain (): Promise<void> {
    this.draining = true
    await this.flushed
  }

  /** Up to `count` consecutive blocks from `start` (clamped to what is kept). */
  async range (start: bigint, count: number): Promise<StoredBlock[]> {
    const from = start < this.bottom ? this.bottom : start
    const out: StoredBlock[] = []
    if (count <= 0 || from > this.top) return out
    for await (const [k, v] of this.records.iterator({ gte: heightKey(from), lte: heightKey(this.top), limit: count })) out.push({ height: BigInt(`0x${k}`), envelope: v.subarray(HASH_BYTES) })
    return out
  }
}
