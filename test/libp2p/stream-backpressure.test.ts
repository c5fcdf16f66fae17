/**
 * Backpressure end to end on real nodes: a fast writer and a reader that
 * sleeps between frames. The writer must wait (drain) instead of queueing, and
 * the reader must pause the stream instead of buffering: the bytes the writer
 * gets ahead of the reader stay bounded while 50 MB go through.
 *
 * The bound is the reader's high-water mark plus what the muxer lets the
 * writer have in flight: yamux grants up to `maxStreamWindowSize` (16 MiB by
 * default) and re-grants it on resume, so memory per slow stream is about
 * highWaterMark + 2 x window.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { handleWireseal, dialWireseal, protocolId } from '../../src/libp2p/protocols.js'
import { withResolvers } from '../../src/libp2p/polyfill.js'
import type { StreamStats } from '../../src/libp2p/stream.js'
import { sleep, startNodes, stopNodes, streamCodec, withTimeout, type StartNodesInit, type TestNode } from './fixtures.js'

const MiB = 1024 * 1024
const FRAME_BYTES = 65_536 - 1024
const TOTAL_BYTES = 50 * 1000 * 1000
const FRAMES = Math.ceil(TOTAL_BYTES / FRAME_BYTES)

interface Measured {
  frames: number
  maxAheadBytes: number
  reader: StreamStats
  writer: StreamStats
  ms: number
  status: string
}

/** Pushes TOTAL_BYTES through a stream whose reader sleeps `sleepMs` every frame. */
async function measure (nodesInit: StartNodesInit, sleepMs: number, nodesOut: TestNode[]): Promise<Measured> {
  const nodes = await startNodes(2, { connect: 'line', ...nodesInit })
  nodesOut.push(...nodes)
  const [a, b] = nodes as [TestNode, TestNode]
  const codec = await streamCodec(60)
  const id = protocolId({ message: 'block', serializer: 'protobuf', compression: 'none' })
  let written = 0
  let consumed = 0
  let maxAhead = 0
  const note = (): void => { maxAhead = Math.max(maxAhead, written - consumed) }
  const done = withResolvers<{ frames: number, reader: StreamStats, status: string }>()
  await handleWireseal(b, [id], async (ws) => {
    let n = 0
    try {
      for await (const frame of ws.frames({ signal: AbortSignal.timeout(25_000) })) {
        // frames arrive whole and in order
        const seq = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0)
        if (seq !== n || frame.length !== FRAME_BYTES) throw new Error(`frame ${n}: seq ${seq}, ${frame.length} B`)
        n++
        consumed += frame.length
        note()
        await sleep(sleepMs)
      }
      done.resolve({ frames: n, reader: { ...ws.stats }, status: ws.stream.status })
    } catch (err) {
      done.reject(err)
    }
  }, { codec })
  const ws = await dialWireseal(a, b.peerId, [id], { codec })
  const start = performance.now()
  const deadline = Date.now() + 20_000
  for (let i = 0; i < FRAMES && Date.now() < deadline; i++) {
    const frame = new Uint8Array(FRAME_BYTES)
    new DataView(frame.buffer).setUint32(0, i)
    await ws.writeSealed(frame)
    written += FRAME_BYTES
    note()
  }
  await ws.close()
  const r = await withTimeout(done.promise, 'slow reader', 25_000)
  return { frames: r.frames, maxAheadBytes: maxAhead, reader: r.reader, writer: { ...ws.stats }, ms: performance.now() - start, status: r.status }
}

function describeRun (m: Measured): string {
  return `${m.frames} frames (${(m.frames * FRAME_BYTES / 1e6).toFixed(1)} MB) in ${m.ms.toFixed(0)} ms; writer ahead max ${(m.maxAheadBytes / MiB).toFixed(2)} MiB; ` +
    `reader held max ${(m.reader.maxBufferedBytes / MiB).toFixed(2)} MiB, paused ${m.reader.pauses}x; writer waited for drain ${m.writer.drainWaits}x`
}

describe('backpressure: slow reader, fast writer', () => {
  const nodes: TestNode[] = []

  after(async () => {
    await stopNodes(nodes)
  })

  it('with a 1 MiB yamux window the writer stays under 4 MiB ahead while 50 MB are written', async (t) => {
    const m = await measure({ yamux: { streamOptions: { maxStreamWindowSize: MiB } } }, 3, nodes)
    t.diagnostic(describeRun(m))
    assert.equal(m.frames, FRAMES)
    assert.ok(m.writer.drainWaits > 0, 'the writer waited')
    assert.ok(m.reader.pauses > 0, 'the reader paused the stream')
    assert.ok(m.maxAheadBytes < 4 * MiB, `writer ahead by ${m.maxAheadBytes} B`)
    assert.ok(m.reader.maxBufferedBytes < 2.5 * MiB, `reader held ${m.reader.maxBufferedBytes} B`)
  })

  it('with default yamux settings (16 MiB window) the stream survives and stays bounded by the window', async (t) => {
    const m = await measure({}, 3, nodes)
    t.diagnostic(describeRun(m))
    assert.equal(m.frames, FRAMES, 'not reset: every frame arrived')
    assert.ok(m.reader.pauses > 0, 'the reader paused the stream')
    assert.ok(m.maxAheadBytes < 40 * MiB, `writer ahead by ${m.maxAheadBytes} B`)
    assert.ok(m.reader.maxBufferedBytes < 20 * MiB, `reader held ${m.reader.maxBufferedBytes} B`)
  })
})
