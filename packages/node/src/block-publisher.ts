/**
 * How the node publishes the blocks it produces (issue 14):
 *
 * - One envelope per block, below `P2P_GOSSIP_BATCH_RATE` blocks per second
 *   of production (the default interval of 1 s is far below it).
 * - At or above it, batched: the block topic's gossip batcher seals the
 *   blocks produced within `P2P_GOSSIP_BATCH_DELAY` of its previous flush
 *   into ONE batch envelope (one signature over the items' Merkle root, one
 *   gossip message; ./gossip-batcher.ts of the library), so every receiver
 *   verifies one signature and handles one message per batch. Each receiver
 *   stores each block's forwardable item envelope (signed batch header, the
 *   block, its inclusion proof); the producer stores exactly the same bytes
 *   (the batch's `onSealed` hook), so block sync serves item envelopes, and a
 *   syncing node verifies one header signature per producer batch plus an
 *   inclusion proof per block.
 *
 * A block is stored when it is sealed, while it is being published: a
 * LevelDB write never holds a block (or the next production tick) back.
 *
 * @module
 */
import type { Logger } from 'pino'
import type { Block } from 'wireseal'
import type { GossipBatchInit, SealedGossip } from 'wireseal/libp2p'
import type { BlockStore } from './block-store.js'
import type { NodeMetrics } from './metrics/index.js'

/** The production settings that decide the publishing mode. */
export interface BlockPublishingConfig {
  readonly blockIntervalMs: number
  /** Production rate (blocks/s) from which blocks are batched; 0 = never. */
  readonly gossipBatchRate: number
  /** Longest a produced block waits to share a batch envelope (ms). */
  readonly gossipBatchDelayMs: number
}

/** True when a node with `config` publishes its blocks batched. */
export function batchesBlocks (config: BlockPublishingConfig): boolean {
  return config.gossipBatchRate > 0 && config.blockIntervalMs > 0 && 1000 / config.blockIntervalMs >= config.gossipBatchRate
}

/** The block topic's `batch` option for `config` (undefined: one envelope per block). */
export function blockBatchOption (config: BlockPublishingConfig, onSealed: (sealed: SealedGossip) => void): GossipBatchInit | undefined {
  return batchesBlocks(config) ? { maxDelayMs: config.gossipBatchDelayMs, onSealed } : undefined
}

/** What a {@link BlockPublisher} publishes with and reports to. */
export interface BlockPublisherInit {
  /** True when the block topic batches ({@link blockBatchOption}). */
  batched: boolean
  /** Seals one block as a single envelope on the block topic. */
  seal: (block: Block) => Uint8Array
  /** Hands sealed bytes to gossipsub. */
  publishSealed: (envelope: Uint8Array) => Promise<unknown>
  /** Publishes through the topic's batcher (which calls {@link BlockPublisher.sealed}); resolves once its envelope is out. */
  publishBatched: (block: Block) => Promise<unknown>
  store: BlockStore
  metrics: NodeMetrics
  log: Logger
}

/** Publishes and stores the node's own blocks. */
export class BlockPublisher {
  constructor (private readonly init: BlockPublisherInit) {}

  /** Publishes a block this node produced, and stores its forwardable envelope. */
  async produce (block: Block): Promise<void> {
    const { init } = this
    init.metrics.blockProduced()
    if (init.batched) {
      // not awaited: the block waits up to the batch delay, and a busy producer would skip ticks meanwhile
      init.publishBatched(block).then(
        () => { init.metrics.message('out', 'gossip-block') },
        (err: unknown) => { init.log.debug({ err }, 'block publish failed') }
      )
      return
    }
    const envelope = init.seal(block)
    const stored = this.store(block, envelope)
    try {
      await init.publishSealed(envelope)
      this.published(block, envelope.length)
    } catch (err) {
      init.log.debug({ err }, 'block publish failed')
    }
    await stored
  }

  /** The block topic's `onSealed` hook: stores each block of an envelope the batcher sealed as its receivers will. */
  sealed (s: SealedGossip): void {
    s.values.forEach((value, i) => { void this.store(value as Block, s.itemEnvelope(i)) })
    this.init.metrics.bytes('wire', 'out', s.envelope.length)
    for (const value of s.values) this.init.metrics.bytes('raw', 'out', (value as Block).data.length)
  }

  private published (block: Block, wireBytes: number): void {
    this.init.metrics.message('out', 'gossip-block')
    this.init.metrics.bytes('raw', 'out', block.data.length)
    this.init.metrics.bytes('wire', 'out', wireBytes)
  }

  private async store (block: Block, envelope: Uint8Array): Promise<void> {
    const { store, metrics, log } = this.init
    try {
      await store.append(block.hash, envelope)
      metrics.setBlockHeight(Number(store.height))
    } catch (err) {
      log.warn({ err }, 'own block not stored')
    }
  }
}
