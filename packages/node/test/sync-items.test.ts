/**
 * Block sync of blocks published in batches (issue 14): the responder serves
 * each block's item envelope (its producer's signed batch header, the block,
 * its inclusion proof); the requester verifies each producer header once and
 * an inclusion proof per block. A responder that forges items, proofs or
 * headers under a producer's remembered header is caught at the first one.
 *
 * Two in-process libp2p peers on loopback: the responder is the node's own
 * `syncHandler` over a log of prepared envelopes, the requester the node's
 * `SyncClient`.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createLibp2p, type Libp2p } from 'libp2p'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createCodec, type Block, type Codec } from 'wireseal'
import { encodeSignedEnvelope, parseEnvelope, VerifiedSignatureCache } from 'wireseal/envelope'
import { sealedGossip } from 'wireseal/libp2p'
import { DEFAULT_LIMITS } from 'wireseal/limits'
import type { BlockStore, StoredBlock } from '../src/block-store.js'
import { makeBlock } from '../src/block-producer.js'
import { BlockType, networkProtocols, nodeSerializers } from '../src/protocol.js'
import { SYNC_BATCH_BLOCKS, SyncClient, SyncFaultError, syncHandler } from '../src/sync.js'

const protocols = networkProtocols('sync-items-test')

/** `batches` batches of `perBatch` blocks sealed by one producer, as item envelopes (what every node stores). */
async function producerLog (batches: number, perBatch: number): Promise<{ envelopes: Uint8Array[], blocks: Block[], producer: string }> {
  const key = await generateKeyPair('Ed25519')
  const codec = createCodec({ privateKey: key, replay: false })
  const envelopes: Uint8Array[] = []
  const blocks: Block[] = []
  for (let b = 0; b < batches; b++) {
    const values = Array.from({ length: perBatch }, () => makeBlock(300))
    const sealed = sealedGossip(codec.sealBatch(BlockType, values, { channel: protocols.blockTopic }), values, DEFAULT_LIMITS)
    values.forEach((v, i) => { envelopes.push(sealed.itemEnvelope(i)); blocks.push(v) })
  }
  return { envelopes, blocks, producer: key.publicKey.toString() }
}

/** Range reads the responder made: [start, count] each. */
const reads: Array<[bigint, number]> = []

/** Heights below this were pruned (range clamps to it, as BlockStore.range does). */
let bottom = 1n

/** Called after each range read (a test moves `bottom` there, as a prune between two reads). */
let afterRead: (() => void) | undefined

/** A read-only log of `envelopes` at heights 1.. (what syncHandler reads). */
function logOf (envelopes: () => readonly Uint8Array[]): BlockStore {
  return {
    get height () { return BigInt(envelopes().length) },
    async range (start: bigint, count: number): Promise<StoredBlock[]> {
      reads.push([start, count])
      const from = start < bottom ? bottom : start
      const out = envelopes().slice(Number(from) - 1, Number(from) - 1 + count).map((envelope, i) => ({ height: from + BigInt(i), envelope }))
      afterRead?.()
      return out
    }
  } as unknown as BlockStore
}

async function peer (): Promise<Libp2p> {
  return await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
}

/** Replaces envelope `at` with `forge(it)`. */
function forged (envelopes: readonly Uint8Array[], at: number, forge: (env: ReturnType<typeof parseEnvelope>) => Uint8Array): Uint8Array[] {
  const out = [...envelopes]
  out[at] = forge(parseEnvelope(envelopes[at] as Uint8Array, DEFAULT_LIMITS))
  return out
}

function item (env: ReturnType<typeof parseEnvelope>, change: { payload?: Uint8Array, index?: number, proof?: Uint8Array, headerBytes?: Uint8Array, signature?: Uint8Array }): Uint8Array {
  return encodeSignedEnvelope({
    headerBytes: change.headerBytes ?? env.headerBytes,
    signature: change.signature ?? env.signature,
    payload: change.payload ?? env.payload,
    item: { index: change.index ?? env.index as number, proof: change.proof ?? env.proof as Uint8Array }
  })
}

describe('block sync of item envelopes', { timeout: 30_000 }, () => {
  let server: Libp2p
  let client: Libp2p
  let serving: readonly Uint8Array[] = []
  let responder: Codec
  let requester: Codec

  before(async () => {
    [server, client] = await Promise.all([peer(), peer()])
    responder = createCodec({ privateKey: await generateKeyPair('Ed25519'), serializers: nodeSerializers(), replay: false })
    requester = createCodec({ privateKey: await generateKeyPair('Ed25519'), serializers: nodeSerializers(), replay: false })
    await server.handle(protocols.syncProtocol, syncHandler({
      codec: responder,
      store: logOf(() => serving),
      protocols,
      frameTimeoutMs: 5_000,
      allow: () => true,
      onAbuse: () => {}
    }))
    await client.dial(server.getMultiaddrs()[0] as never)
  })
  after(async () => { await Promise.all([server?.stop(), client?.stop()]) })

  function syncClient (cache: VerifiedSignatureCache): SyncClient {
    return new SyncClient({ node: client, codec: requester, protocols, frameTimeoutMs: 5_000, verifiedHeaders: cache })
  }

  it('verifies one signature per producer batch and a proof per block', async () => {
    const log = await producerLog(4, 16)
    serving = log.envelopes
    const cache = new VerifiedSignatureCache()
    const res = await syncClient(cache).request(server.peerId, 1n, 64)
    assert.equal(res.status.code, 0)
    assert.deepEqual(res.blocks.map((b) => b.height), Array.from({ length: 64 }, (_, i) => BigInt(i + 1)))
    assert.deepEqual(res.blocks.map((b) => b.block.hash), log.blocks.map((b) => b.hash))
    assert.ok(res.blocks.every((b) => b.from === log.producer), 'each block is its producer\'s, whoever relays it')
    assert.deepEqual(res.blocks.map((b) => b.envelope), log.envelopes, 'the item envelopes, kept as served')
    assert.equal(cache.hits, 64 - 4)
    assert.equal(cache.signatures, 4)
  })

  it('the responder holds one batch of blocks at a time, and ends a response at a gap pruning left', async () => {
    const log = await producerLog(8, 16)
    serving = log.envelopes
    reads.length = 0
    const res = await syncClient(new VerifiedSignatureCache()).request(server.peerId, 1n, 128)
    assert.equal(res.blocks.length, 128)
    const batches = Array.from({ length: 128 / SYNC_BATCH_BLOCKS }, (_, k): [bigint, number] => [BigInt(1 + k * SYNC_BATCH_BLOCKS), SYNC_BATCH_BLOCKS])
    assert.deepEqual(reads, batches, 'read a batch at a time, never the whole request')
    // the log's bottom moves past the next batch after the first read: the response ends after that batch
    reads.length = 0
    afterRead = () => { if (reads.length === 1) bottom = BigInt(SYNC_BATCH_BLOCKS) + 10n }
    try {
      const short = await syncClient(new VerifiedSignatureCache()).request(server.peerId, 1n, 128)
      assert.equal(short.status.code, 0)
      assert.deepEqual(short.blocks.map((b) => b.height), Array.from({ length: SYNC_BATCH_BLOCKS }, (_, i) => BigInt(i + 1)), 'the first batch, then no gap')
    } finally {
      afterRead = undefined
      bottom = 1n
    }
  })

  it('open requests are read in order, one batch at a time, and give their slots back when read or aborted', async () => {
    const log = await producerLog(8, 16)
    serving = log.envelopes
    const client = syncClient(new VerifiedSignatureCache())
    const first = await client.open(server.peerId, 1n, 64)
    const second = await client.open(server.peerId, 65n, 64)
    const seen: bigint[][] = []
    let busy = false
    const outcome = await second.read(async (blocks) => {
      assert.equal(busy, false, 'the next batch waits for the last one\'s handler')
      busy = true
      await new Promise((resolve) => setTimeout(resolve, 5))
      seen.push(blocks.map((b) => b.height))
      busy = false
    })
    assert.deepEqual(outcome, { blocks: 64, status: { code: 0, height: 128n } })
    assert.deepEqual(seen.map((h) => h.length), [SYNC_BATCH_BLOCKS, SYNC_BATCH_BLOCKS])
    assert.deepEqual(seen.flat(), Array.from({ length: 64 }, (_, i) => BigInt(65 + i)))
    first.abort(new Error('not needed'))
    await assert.rejects(first.read(() => {}), /read once/)
    // both slots are free again: two more opens do not wait
    const again = await Promise.all([client.open(server.peerId, 1n, 1), client.open(server.peerId, 2n, 1)])
    for (const r of again) assert.equal((await r.read(() => {})).blocks, 1)
  })

  it('a forged block, proof or header under a producer header already verified is refused at once', async () => {
    const log = await producerLog(2, 16)
    const other = await producerLog(1, 16)
    const attacks: Record<string, [string, Uint8Array[]]> = {
      'block data changed': ['digest-mismatch', forged(log.envelopes, 5, (env) => item(env, { payload: parseEnvelope(other.envelopes[5] as Uint8Array, DEFAULT_LIMITS).payload }))],
      'proof of another item': ['digest-mismatch', forged(log.envelopes, 5, (env) => item(env, { proof: parseEnvelope(log.envelopes[6] as Uint8Array, DEFAULT_LIMITS).proof }))],
      'index moved': ['digest-mismatch', forged(log.envelopes, 5, (env) => item(env, { index: 6 }))],
      'header of batch 2 under the signature of batch 1': ['invalid-signature', forged(log.envelopes, 20, (env) => item(env, { signature: parseEnvelope(log.envelopes[0] as Uint8Array, DEFAULT_LIMITS).signature }))],
      'signature of batch 1 with one bit flipped': ['invalid-signature', forged(log.envelopes, 5, (env) => { const s = env.signature.slice(); s[10] = (s[10] as number) ^ 4; return item(env, { signature: s }) })]
    }
    for (const [what, [reason, envelopes]] of Object.entries(attacks)) {
      serving = envelopes
      const cache = new VerifiedSignatureCache()
      await assert.rejects(syncClient(cache).request(server.peerId, 1n, 32), (err: unknown) => err instanceof SyncFaultError && err.fault === reason, what)
      assert.ok(cache.hits > 0, `${what}: the producer header was remembered before the forgery`)
    }
  })
})
