/**
 * Chunked envelopes over a real libp2p stream: a large Block travels as a
 * signed head plus chunk frames, each verified against the signed Merkle root
 * as it arrives; a tampered chunk or a replayed head is refused.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Codec } from '../../src/codec/index.js'
import { BlockType, type Block } from '../../src/serialize/index.js'
import { protocolId } from '../../src/libp2p/protocols.js'
import { frameEnvelope, wiresealStream, type StreamRejection } from '../../src/libp2p/stream.js'
import { withResolvers } from '../../src/libp2p/polyfill.js'
import { startNodes, stopNodes, streamCodec, withTimeout, type TestNode } from './fixtures.js'

/** A Block of `bytes` of semi-compressible data (several 64 KiB chunks even after snappy). */
function bigBlock (seed: number, bytes: number): Block {
  const data = new Uint8Array(bytes)
  let x = seed * 2654435761 >>> 0
  for (let i = 0; i < bytes; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    data[i] = (x >>> 24) & 0x3f
  }
  return { hash: new Uint8Array(32).fill(seed), data, timestamp: BigInt(seed), ttl: 1, version: 1, signature: new Uint8Array(0) }
}

describe('chunked envelopes over a stream', () => {
  let nodes: TestNode[] = []
  let sender: Codec
  let receiver: Codec
  let n = 0
  const freshId = (): string => protocolId({ message: 'block', serializer: 'protobuf', compression: 'snappy', version: `7.0.${n++}` })

  before(async () => {
    nodes = await startNodes(2, { connect: 'line' })
    sender = await streamCodec(31)
    receiver = await streamCodec(32)
  })
  after(async () => { await stopNodes(nodes) })

  /** Serves `id` on the second node, collecting what read() delivers and refuses. */
  async function serve (id: string): Promise<{ done: Promise<{ values: Block[], rejections: StreamRejection[] }> }> {
    const done = withResolvers<{ values: Block[], rejections: StreamRejection[] }>()
    await (nodes[1] as TestNode).handle(id, async (stream) => {
      const rejections: StreamRejection[] = []
      const ws = wiresealStream(stream, { codec: receiver, onReject: (r) => rejections.push(r) })
      const values: Block[] = []
      for await (const msg of ws.read<Block>({ signal: AbortSignal.timeout(20_000) })) values.push(msg.value)
      done.resolve({ values, rejections })
    })
    // wrapped: an async function returning a bare promise would wait for it
    return { done: withTimeout(done.promise, `serve ${id}`, 30_000) }
  }

  it('delivers a 1.5 MB Block sent as chunks, between ordinary messages, exactly once', async () => {
    const id = freshId()
    const result = await serve(id)
    const ws = wiresealStream(await (nodes[0] as TestNode).dialProtocol((nodes[1] as TestNode).peerId, id), { codec: sender })
    const small = bigBlock(1, 300)
    const big = bigBlock(2, 1_500_000)
    await ws.write(BlockType, small)
    await ws.writeChunked(BlockType, big)
    await ws.write(BlockType, small)
    await ws.close()
    const { values, rejections } = await result.done
    assert.deepEqual(rejections, [])
    assert.equal(values.length, 3)
    assert.deepEqual(values[1], big)
    assert.ok(ws.stats.framesWritten > 4, `the big block went as several chunk frames (${ws.stats.framesWritten} frames)`)
  })

  it('refuses a payload with a tampered chunk, skips its remaining chunks, and goes on', async () => {
    const id = freshId()
    const result = await serve(id)
    const ws = wiresealStream(await (nodes[0] as TestNode).dialProtocol((nodes[1] as TestNode).peerId, id), { codec: sender })
    const frames = sender.sealChunked(BlockType, bigBlock(3, 600_000), { channel: id })
    assert.ok(frames.length >= 4, `several chunks (${frames.length - 1})`)
    const tampered = frames.map((f) => f.slice())
    const chunk = tampered[1] as Uint8Array
    chunk[chunk.length - 10] = (chunk[chunk.length - 10] as number) ^ 0x40
    for (const f of tampered) await ws.writeSealed(f)
    const after = bigBlock(4, 500)
    await ws.write(BlockType, after)
    // The genuine head again: its seq was consumed by the refused attempt, so it is a replay.
    ws.stream.send(frameEnvelope(frames[0] as Uint8Array))
    await ws.close()
    const { values, rejections } = await result.done
    assert.deepEqual(values, [after], 'only the honest message after the bad payload')
    assert.deepEqual(rejections.map((r) => r.reason), ['digest-mismatch', 'replayed'])
  })
})
