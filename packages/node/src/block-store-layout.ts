/**
 * Where the node's block log lives on disk: two LevelDB databases in the
 * data dir.
 *
 * - `<dataDir>/blocks`: the block records only (`<height as 16 hex digits>`
 *   -> SHA-256 of the block data || envelope), written in height order.
 * - `<dataDir>/db`: everything else (the block hash index, the log's
 *   meta, known peers, bans, sync cursors).
 *
 * Why two: LevelDB moves a table of keys that overlap nothing below it
 * down a level without rewriting it, which an append-only log of
 * increasing keys allows as long as no other keys share its tables. The
 * hash index (random keys) and the meta written with every batch shared
 * them in one database and made every compaction rewrite the block data:
 * about 0.67 ms of CPU per 64 KB block appended, against 0.30 ms apart
 * (steady state over 600 MB of appends, all LevelDB threads counted).
 *
 * A data dir of the earlier single-database layout (records in the
 * `blocks` sublevel of `db`) is moved over at open, in batches; a move cut
 * short resumes at the next open.
 *
 * @module
 */
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'

/** The two databases of a node (see the module comment). */
export interface NodeDatabases {
  /** State: the block hash index, the log's meta, known peers, bans, sync cursors. */
  readonly db: ClassicLevel<string, string>
  /** Block records only, keyed by height. */
  readonly blocks: ClassicLevel<string, Uint8Array>
}

/** Records moved per batch from the earlier layout. */
const MOVE_BATCH = 256

/** Opens (creating them if needed) the two databases in `dataDir`, moving records of the earlier layout over. */
export async function openNodeDatabases (dataDir: string): Promise<NodeDatabases> {
  const db = new ClassicLevel<string, string>(join(dataDir, 'db'))
  await db.open()
  const blocks = new ClassicLevel<string, Uint8Array>(join(dataDir, 'blocks'), { valueEncoding: 'view' })
  try {
    await blocks.open()
    await moveEarlierRecords(db, blocks)
  } catch (err) {
    await Promise.allSettled([db.close(), blocks.close()])
    throw err
  }
  return { db, blocks }
}

/** Closes both databases (both are tried; the first failure is thrown). */
export async function closeNodeDatabases (dbs: NodeDatabases): Promise<void> {
  const [a, b] = await Promise.allSettled([dbs.blocks.close(), dbs.db.close()])
  for (const r of [a, b]) if (r.status === 'rejected') throw r.reason
}

async function moveEarlierRecords (db: ClassicLevel<string, string>, blocks: ClassicLevel<string, Uint8Array>): Promise<void> {
  const old = db.sublevel<string, Uint8Array>('blocks', { valueEncoding: 'view' })
  for (;;) {
    const batch: Array<[string, Uint8Array]> = []
    for await (const entry of old.iterator({ limit: MOVE_BATCH })) batch.push(entry)
    if (batch.length === 0) return
    // written to the new place first: a move cut short leaves copies, never a gap
    await blocks.batch(batch.map(([key, value]) => ({ type: 'put' as const, key, value })))
    await old.batch(batch.map(([key]) => ({ type: 'del' as const, key })))
  }
}
