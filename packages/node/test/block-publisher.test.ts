/**
 * BlockPublisher: when the node batches its blocks, and what it stores of
 * them (the forwardable envelope its receivers store too).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { BlockType, createCodec, type Block } from 'wireseal'
import { sealedGossip } from 'wireseal/libp2p'
import { DEFAULT_LIMITS } from 'wireseal/limits'
import { BlockPublisher, batchesBlocks, blockBatchOption } from '../src/block-publisher.js'
import { makeBlock } from '../src/block-producer.js'
import type { BlockStore } from '../src/block-store.js'
import { createNodeMetrics } from '../src/metrics/index.js'

const metrics = (): ReturnType<typeof createNodeMetrics> => createNodeMetrics({ connectionLimits: { in: 1, out: 1 }, memoryLimitBytes: 1 << 30 })

/** A store that records appends. */
function recorder (): { store: BlockStore, appended: Array<{ hash: Uint8Array, envelope: Uint8Array }> } {
  const appended: Array<{ hash: Uint8Array, envelope: Uint8Array }> = []
  const store = { height: 0n, async append (hash: Uint8Array, envelope: Uint8Array) { appended.push({ hash, envelope }); return BigInt(appended.length) } }
  return { store: store as unknown as BlockStore, appended }
}

describe('BlockPublisher', () => {
  it('batches from the configured production rate on, never at 0', () => {
    const at = (blockIntervalMs: number, gossipBatchRate: number): boolean => batchesBlocks({ blockIntervalMs, gossipBatchRate, gossipBatchDelayMs: 100 })
    assert.equal(at(1000, 20), false, 'the default interval')
    assert.equal(at(50, 20), true, '20 blocks/s')
    assert.equal(at(51, 20), false)
    assert.equal(at(20, 0), false, 'disabled')
    assert.equal(at(0, 20), false, 'a node that produces nothing')
    assert.equal(blockBatchOption({ blockIntervalMs: 1000, gossipBatchRate: 20, gossipBatchDelayMs: 100 }, () => {}), undefined)
    assert.equal(blockBatchOption({ blockIntervalMs: 20, gossipBatchRate: 20, gossipBatchDelayMs: 70 }, () => {})?.maxDelayMs, 70)
  })

  it('stores each block of a sealed batch as its item envelope, and a lone block as its envelope', async () => {
    const codec = createCodec({ privateKey: await generateKeyPair('Ed25519'), replay: false })
    const { store, appended } = recorder()
    const publisher = new BlockPublisher({
      batched: true,
      seal: () => { throw new Error('not used when batched') },
      publishSealed: async () => { throw new Error('not used when batched') },
      publishBatched: async () => {},
      store,
      metrics: metrics(),
      log: pino({ level: 'silent' })
    })
    const blocks = Array.from({ length: 4 }, () => makeBlock(500))
    const batch = codec.sealBatch(BlockType, blocks, { channel: 'b' })
    publisher.sealed(sealedGossip(batch, blocks, DEFAULT_LIMITS))
    const lone = codec.seal(BlockType, blocks[0] as Block, { channel: 'b' })
    publisher.sealed(sealedGossip(lone, [blocks[0]], DEFAULT_LIMITS))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(appended.map((a) => a.hash), [...blocks.map((b) => b.hash), (blocks[0] as Block).hash])
    const receiver = createCodec({ replay: false })
    const opened = receiver.open(batch, { channel: 'b' })
    assert.ok(opened.ok && opened.itemEnvelope !== undefined)
    assert.deepEqual(appended.slice(0, 4).map((a) => a.envelope), blocks.map((_, i) => (opened.itemEnvelope as (i: number) => Uint8Array)(i)), 'what the receivers store')
    assert.equal(appended[4]?.envelope, lone)
  })

  it('one envelope per block below the rate: stored while it is published', async () => {
    const { store, appended } = recorder()
    const published: Uint8Array[] = []
    const codec = createCodec({ privateKey: await generateKeyPair('Ed25519'), replay: false })
    const publisher = new BlockPublisher({
      batched: false,
      seal: (block) => codec.seal(BlockType, block, { channel: 'b' }),
      publishSealed: async (envelope) => { published.push(envelope) },
      publishBatched: async () => { throw new Error('not used') },
      store,
      metrics: metrics(),
      log: pino({ level: 'silent' })
    })
    const block = makeBlock(100)
    await publisher.produce(block)
    assert.equal(published.length, 1)
    assert.deepEqual(appended, [{ hash: block.hash, envelope: published[0] }])
  })
})
