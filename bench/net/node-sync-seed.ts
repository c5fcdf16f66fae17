/**
 * Seeds a reference node's block log for the sync benchmark (issue 10,
 * "catching up 10,000 missed 4 KB blocks") before the node starts: the
 * node's own identity (created in its data dir as the node would), Blocks
 * from the node's own `makeBlock`, each sealed as the node's producer seals
 * it (the block topic's channel, protobuf, the codec's size-aware
 * compression policy, Ed25519 by that identity), appended through the node's
 * `BlockStore` into the LevelDB databases the node opens. Much faster
 * than letting a node produce them. With `perBatch` > 1 the blocks are sealed
 * as a node producing at or above its batch rate publishes them (issue 14):
 * `perBatch` at a time in one batch envelope (snappy, as on the block topic),
 * each block kept as its item envelope (the signed batch header, the block,
 * its inclusion proof), the bytes every node of that network stores.
 *
 * The same envelopes are also written, each behind a 4-byte big-endian
 * length, to a file: the bytes the raw-stream baseline sends.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs'
// The library as the node runs it (its dist, like packages/node/src), never this repository's
// sources: while they are ahead of the last build, the two may disagree on the wire format.
import { BlockType, createCodec, SerializerId, type Block } from 'wireseal'
import { sealedGossip } from 'wireseal/libp2p'
import { InvalidConfigError } from '../../src/errors.js'
import { makeBlock } from '../../packages/node/src/block-producer.js'
import { BlockStore } from '../../packages/node/src/block-store.js'
import { closeNodeDatabases, openNodeDatabases } from '../../packages/node/src/block-store-layout.js'
import { loadOrCreateIdentity } from '../../packages/node/src/identity.js'
import { networkProtocols } from '../../packages/node/src/protocol.js'

/** Options of {@link seedBlockLog}. */
export interface SeedInit {
  /** The node's data dir (created if missing; must not be in use by a running node). */
  dataDir: string
  /** The node's network name (P2P_NETWORK): it names the block topic, the envelopes' channel. */
  network: string
  /** Blocks to append. */
  blocks: number
  /** Data bytes per Block (P2P_BLOCK_SIZE). */
  sizeBytes: number
  /** Where to write the length-prefixed envelopes for the raw baseline. */
  rawFile: string
  /** Blocks per producer batch envelope; 1 = one envelope per block. @default 1 */
  perBatch?: number
  /** Producer interval the blocks' timestamps are apart (ms). @default 100 */
  intervalMs?: number
}

/** What {@link seedBlockLog} wrote. */
export interface SeedResult {
  /** Height of the log afterwards. */
  height: number
  /** Sum of the envelopes' sizes (what a syncing node receives as block envelopes). */
  envelopeBytes: number
  /** Size of the raw file (envelopes plus their 4-byte lengths). */
  rawBytes: number
}

/** Appends `blocks` producer-signed Blocks to the node's log; see the module comment. */
export async function seedBlockLog (init: SeedInit): Promise<SeedResult> {
  if (!(Number.isSafeInteger(init.blocks) && init.blocks >= 1)) throw new InvalidConfigError('blocks', `a positive integer, got ${init.blocks}`)
  mkdirSync(init.dataDir, { recursive: true, mode: 0o700 })
  const { key } = await loadOrCreateIdentity(init.dataDir)
  const codec = createCodec({ privateKey: key, replay: false })
  const { blockTopic } = networkProtocols(init.network)
  const dbs = await openNodeDatabases(init.dataDir)
  const frames: Uint8Array[] = []
  try {
    const store = await BlockStore.open(dbs, { maxBlocks: Math.max(init.blocks, 100_000) })
    // Timestamps one block interval apart, ending now: a log a producer could have written.
    const interval = init.intervalMs ?? 100
    const perBatch = init.perBatch ?? 1
    const start = Date.now() - init.blocks * interval
    for (let i = 0; i < init.blocks; i += perBatch) {
      const blocks = Array.from({ length: Math.min(perBatch, init.blocks - i) }, (_, k) => makeBlock(init.sizeBytes, start + (i + k) * interval))
      for (const [k, envelope] of sealed(codec, blocks, blockTopic).entries()) frames.push(await append(store, blocks[k] as Block, envelope, i + k))
    }
    const raw = Buffer.concat(frames)
    writeFileSync(init.rawFile, raw)
    return { height: Number(store.height), envelopeBytes: raw.length - 4 * frames.length, rawBytes: raw.length }
  } finally {
    await closeNodeDatabases(dbs)
  }
}

/** The blocks' envelopes as the node's producer seals them: one alone, more in a batch kept as item envelopes. */
function sealed (codec: ReturnType<typeof createCodec>, blocks: Block[], channel: string): Uint8Array[] {
  if (blocks.length === 1) return [codec.seal(BlockType, blocks[0] as Block, { channel, serializer: SerializerId.protobuf })]
  const batch = codec.sealBatch(BlockType, blocks, { channel, serializer: SerializerId.protobuf, compression: 'snappy' })
  const s = sealedGossip(batch, blocks, codec.limits)
  return blocks.map((_, k) => s.itemEnvelope(k))
}

/** Appends one block; returns its frame for the raw file (4-byte big-endian length, envelope). */
async function append (store: BlockStore, block: Block, envelope: Uint8Array, i: number): Promise<Uint8Array> {
  if ((await store.append(block.hash, envelope)) === undefined) throw new InvalidConfigError('seed block', `a new block at ${i}, got a duplicate`)
  const frame = new Uint8Array(4 + envelope.length)
  new DataView(frame.buffer).setUint32(0, envelope.length)
  frame.set(envelope, 4)
  return frame
}
