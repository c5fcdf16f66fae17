import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import fc from 'fast-check'
import { BlockStore } from '../src/block-store.js'
import { closeNodeDatabases, openNodeDatabases, type NodeDatabases } from '../src/block-store-layout.js'

const hashOf = (i: number): Uint8Array => createHash('sha256').update(`block ${i}`).digest()
const envOf = (i: number): Uint8Array => new TextEncoder().encode(`envelope ${i}`)

async function withDb<T> (fn: (dbs: NodeDatabases, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ws-block-store-'))
  const dbs = await openNodeDatabases(dir)
  try {
    return await fn(dbs, dir)
  } finally {
    await closeNodeDatabases(dbs)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Every kept height has a block whose hash maps back to it, and no other hash entry exists. */
async function assertConsistent (dbs: NodeDatabases, store: BlockStore): Promise<void> {
  const hashes = dbs.db.sublevel<string, string>('block-hashes', { valueEncoding: 'utf8' })
  const byHeight = new Map<string, string>()
  for await (const [k, v] of dbs.blocks.iterator()) {
    const h = BigInt(`0x${k}`)
    // records pruned by the last write are deleted by the next one
    if (h >= store.lowest) byHeight.set(h.toString(), Buffer.from(v.subarray(0, 32)).toString('hex'))
  }
  const index = new Map<string, string>()
  for await (const [k, v] of hashes.iterator()) index.set(k, v)
  assert.equal(index.size, byHeight.size, 'one hash entry per kept block')
  for (const [h, hash] of byHeight) assert.equal(index.get(hash), h)
  assert.equal(byHeight.size, store.height === 0n ? 0 : store.size)
}

describe('BlockStore', () => {
  it('numbers blocks 1, 2, ... and refuses a hash it already has, also when appended concurrently', async () => {
    await withDb(async (db) => {
      const store = await BlockStore.open(db)
      const results = await Promise.all([0, 1, 2, 1, 0, 3].map(async (i) => await store.append(hashOf(i), envOf(i))))
      assert.deepEqual(results, [1n, 2n, 3n, undefined, undefined, 4n])
      assert.equal(await store.append(hashOf(2), envOf(2)), undefined)
      assert.ok(await store.has(hashOf(3)))
      assert.equal(await store.has(hashOf(9)), false)
      const range = await store.range(2n, 2)
      assert.deepEqual(range.map((b) => [b.height, new TextDecoder().decode(b.envelope)]), [[2n, 'envelope 1'], [3n, 'envelope 2']])
      await assertConsistent(db, store)
    })
  })

  it('drain: appends already accepted are written in full before it resolves, later ones are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-block-store-'))
    try {
      const dbs = await openNodeDatabases(dir)
      const store = await BlockStore.open(dbs)
      // appends in flight (not awaited), as a sync batch being stored when the node stops
      const inFlight = Array.from({ length: 300 }, (_, i) => store.append(hashOf(i), envOf(i)))
      await store.drain()
      // closed right after the drain, as the node does: the log is exact as written, no repair needed at the next open
      await closeNodeDatabases(dbs)
      await assert.rejects(store.append(hashOf(1_000), envOf(1_000)), { name: 'BlockStoreClosedError' })
      assert.deepEqual(await Promise.all(inFlight), Array.from({ length: 300 }, (_, i) => BigInt(i + 1)))
      const again = await openNodeDatabases(dir)
      try {
        const hashes = again.db.sublevel<string, string>('block-hashes', { valueEncoding: 'utf8' })
        let indexed = 0
        for await (const _ of hashes.keys()) indexed++
        let records = 0
        for await (const _ of again.blocks.keys()) records++
        const meta = again.db.sublevel<string, string>('meta', { valueEncoding: 'utf8' })
        assert.deepEqual([records, indexed, await meta.get('height')], [300, 300, '300'])
      } finally {
        await closeNodeDatabases(again)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('keeps at most maxBlocks, pruning the oldest with their hash entries, and reopens where it was', async () => {
    await withDb(async (db, dir) => {
      const store = await BlockStore.open(db, { maxBlocks: 10 })
      await Promise.all(Array.from({ length: 300 }, async (_, i) => await store.append(hashOf(i), envOf(i))))
      assert.equal(store.height, 300n)
      assert.equal(store.lowest, 291n)
      assert.equal(store.size, 10)
      assert.equal(await store.has(hashOf(0)), false, 'a pruned block can be stored again')
      assert.ok(await store.has(hashOf(299)))
      assert.deepEqual((await store.range(1n, 3)).map((b) => b.height), [291n, 292n, 293n], 'a range below the kept part starts at the lowest')
      await assertConsistent(db, store)
      const again = await BlockStore.open(db, { maxBlocks: 10 })
      assert.equal(again.height, 300n)
      assert.equal(again.lowest, 291n)
      void dir
    })
  })

  it('stays consistent for any interleaving of appends and duplicates (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 25 }),
      async (waves, maxBlocks) => {
        await withDb(async (db) => {
          const store = await BlockStore.open(db, { maxBlocks })
          const seen = new Set<number>()
          let stored = 0
          for (const wave of waves) {
            const res = await Promise.all(wave.map(async (i) => ({ i, h: await store.append(hashOf(i), envOf(i)) })))
            for (const { i, h } of res) if (h !== undefined) { stored++; seen.add(i) }
          }
          assert.equal(store.height, BigInt(stored))
          await assertConsistent(db, store)
        })
      }), { numRuns: 25 })
  })
  it('keeps the records alone in their own database, keyed by height', async () => {
    await withDb(async (dbs) => {
      const store = await BlockStore.open(dbs, { maxBlocks: 5 })
      await Promise.all(Array.from({ length: 12 }, async (_, i) => await store.append(hashOf(i), envOf(i))))
      const keys: string[] = []
      for await (const k of dbs.blocks.keys()) keys.push(k)
      assert.ok(keys.length >= 5 && keys.every((k) => /^[0-9a-f]{16}$/.test(k)), keys.join(' '))
      for await (const k of dbs.db.keys()) assert.ok(!k.startsWith('!blocks!'), `a record in the node database: ${k}`)
    })
  })

  it('finishes a write a crash cut short: records past meta/height are indexed, records pruned from the index deleted', async () => {
    await withDb(async (dbs) => {
      const store = await BlockStore.open(dbs, { maxBlocks: 4 })
      for (let i = 0; i < 6; i++) await store.append(hashOf(i), envOf(i))
      assert.deepEqual([store.lowest, store.height], [3n, 6n])
      // the record batch of the next write landed, its index batch did not; and a pruned record is still there
      const key = (h: bigint): string => h.toString(16).padStart(16, '0')
      await dbs.blocks.put(key(7n), Buffer.concat([hashOf(7), envOf(7)]))
      await dbs.blocks.put(key(2n), Buffer.concat([hashOf(2), envOf(2)]))
      const again = await BlockStore.open(dbs, { maxBlocks: 4 })
      assert.equal(again.height, 7n)
      assert.ok(await again.has(hashOf(7)), 'the orphan record is indexed')
      assert.equal(await again.append(hashOf(7), envOf(7)), undefined, 'and deduplicated')
      assert.equal(await dbs.blocks.get(key(2n)), undefined, 'the pruned record is gone')
      assert.equal(await again.append(hashOf(8), envOf(8)), 8n)
      await assertConsistent(dbs, again)
    })
  })

  it('moves a log of the earlier single-database layout over at open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-block-store-'))
    try {
      const db = new ClassicLevel<string, string>(join(dir, 'db'))
      await db.open()
      const records = db.sublevel<string, Uint8Array>('blocks', { valueEncoding: 'view' })
      const hashes = db.sublevel<string, string>('block-hashes', { valueEncoding: 'utf8' })
      const meta = db.sublevel<string, string>('meta', { valueEncoding: 'utf8' })
      for (let i = 1; i <= 600; i++) {
        await records.put(i.toString(16).padStart(16, '0'), Buffer.concat([hashOf(i), envOf(i)]))
        await hashes.put(Buffer.from(hashOf(i)).toString('hex'), String(i))
      }
      await meta.put('height', '600')
      await db.close()
      const dbs = await openNodeDatabases(dir)
      try {
        const store = await BlockStore.open(dbs)
        assert.equal(store.height, 600n)
        assert.deepEqual((await store.range(599n, 5)).map((b) => new TextDecoder().decode(b.envelope)), ['envelope 599', 'envelope 600'])
        assert.equal(await store.append(hashOf(5), envOf(5)), undefined, 'the hash index came along')
        await assertConsistent(dbs, store)
        for await (const k of dbs.db.keys()) assert.ok(!k.startsWith('!blocks!'), `left in the node database: ${k}`)
      } finally {
        await closeNodeDatabases(dbs)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
