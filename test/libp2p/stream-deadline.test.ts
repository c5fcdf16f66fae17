/**
 * Slowloris on real libp2p streams (issue 9): a peer that starts a frame and
 * goes silent, trickles it, stalls a chunked message, spreads unfinished
 * frames over many streams of one connection, or stops reading our writes.
 * Every case ends with the stream reset and a typed error within the deadline
 * derived from the options (small values here, so each case takes well under
 * a second); the bytes held are released.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import type { Codec } from '../../src/codec/index.js'
import { BufferBudgetError, DeadlineError } from '../../src/errors.js'
import { BlockType, type Block } from '../../src/serialize/index.js'
import { handleWireseal, protocolId } from '../../src/libp2p/protocols.js'
import { createStreamBudget } from '../../src/libp2p/stream-budget.js'
import { requestHandler } from '../../src/libp2p/stream-request.js'
import { encodeUvarint, frameEnvelope, wiresealStream, type WiresealStream, type WiresealStreamInit } from '../../src/libp2p/stream.js'
import { withResolvers } from '../../src/libp2p/polyfill.js'
import { sleep, startNodes, stopNodes, streamCodec, testBlock, waitFor, withTimeout, type TestNode } from './fixtures.js'

const KiB = 1024
const MiB = 1024 * KiB

let version = 0
function freshId (): string {
  return protocolId({ message: 'block', serializer: 'protobuf', compression: 'none', version: `8.0.${version++}` })
}

/** What the victim's read loop ended with. */
interface Outcome {
  error: unknown
  /** ms from the stream's first read to the error. */
  ms: number
  values: Block[]
  ws: WiresealStream
}

describe('stream deadlines and budget against a slowloris peer', () => {
  let nodes: TestNode[] = []
  let attacker: TestNode
  let victim: TestNode
  let attackerCodec: Codec
  let victimCodec: Codec

  /** A victim reading every stream of a fresh id through handleWireseal (so with its connection); one outcome per stream. */
  async function victimOn (init: Partial<WiresealStreamInit>, streams = 1): Promise<{ id: string, outcomes: Array<Promise<Outcome>> }> {
    const id = freshId()
    const slots = Array.from({ length: streams }, () => withResolvers<Outcome>())
    let next = 0
    await handleWireseal(victim, [id], async (ws) => {
      const slot = slots[next++]
      const start = performance.now()
      const values: Block[] = []
      let error: unknown
      try {
        for await (const msg of ws.read<Block>()) values.push(msg.value)
      } catch (err) {
        error = err
      }
      slot?.resolve({ error, ms: performance.now() - start, values, ws })
    }, { codec: victimCodec, ...init })
    return { id, outcomes: slots.map(async (s, i) => withTimeout(s.promise, `victim stream ${i} on ${id}`, 8000)) }
  }

  async function rawStream (id: string): Promise<Stream> {
    return attacker.dialProtocol(victim.peerId, id)
  }

  before(async () => {
    nodes = await startNodes(2, { connect: 'line' })
    ;[attacker, victim] = nodes as [TestNode, TestNode]
    attackerCodec = await streamCodec(50)
    victimCodec = await streamCodec(51)
  })

  after(async () => {
    await stopNodes(nodes)
  })

  it('resets a stream whose 4 MiB frame stops after 256 KiB, once base + size / rate has passed', async (t) => {
    // 200 ms + 4 MiB at 16 MiB/s = 450 ms
    const budget = createStreamBudget()
    const { id, outcomes } = await victimOn({ frameTimeoutMs: 200, minBytesPerSecond: 16 * MiB, budget })
    const raw = await rawStream(id)
    const claim = 4 * MiB
    const prefix = encodeUvarint(claim)
    raw.send(prefix)
    raw.send(new Uint8Array(256 * KiB))
    const seen = await outcomes[0] as Outcome
    assert.ok(seen.error instanceof DeadlineError, `got ${String(seen.error)}`)
    const d = seen.error.details
    t.diagnostic(`reset after ${seen.ms.toFixed(0)} ms (limit ${d.limitMs.toFixed(0)} ms), ${d.doneBytes} of ${d.expectedBytes} B`)
    assert.equal(d.operation, 'read')
    assert.equal(d.deadline, 'frame')
    assert.equal(d.expectedBytes, prefix.length + claim)
    assert.equal(d.doneBytes, prefix.length + 256 * KiB)
    assert.ok(Math.abs(d.limitMs - (200 + (prefix.length + claim) * 1000 / (16 * MiB))) < 1e-6, `limit ${d.limitMs}`)
    // not before the deadline, and not long after it (the bound is loose: a shared CI machine)
    assert.ok(seen.ms >= d.limitMs - 25, `reset after ${seen.ms.toFixed(0)} ms, limit ${d.limitMs.toFixed(0)} ms`)
    assert.ok(seen.ms < d.limitMs + 3000, `reset after ${seen.ms.toFixed(0)} ms`)
    assert.equal(seen.ws.stream.status, 'aborted')
    await waitFor(() => raw.status === 'reset', 'attacker stream reset', 5000)
    assert.equal(budget.heldByPeer(attacker.peerId.toString()), 0, 'the partial frame is released')
  })

  it('resets a stream trickling one byte every 20 ms: a trickle does not extend the deadline', async (t) => {
    // 150 ms + 4 MiB at 64 MiB/s = 212.5 ms, while each byte comes well within the base
    const { id, outcomes } = await victimOn({ frameTimeoutMs: 150, minBytesPerSecond: 64 * MiB })
    const raw = await rawStream(id)
    raw.send(encodeUvarint(4 * MiB))
    let sent = 0
    const trickle = (async () => {
      while (raw.status === 'open' && raw.writeStatus === 'writable' && sent < 500) {
        await sleep(20)
        try {
          raw.send(new Uint8Array([sent & 0xff]))
          sent++
        } catch {
          return
        }
      }
    })()
    const seen = await outcomes[0] as Outcome
    await trickle
    assert.ok(seen.error instanceof DeadlineError, `got ${String(seen.error)}`)
    t.diagnostic(`reset after ${seen.ms.toFixed(0)} ms (limit ${seen.error.details.limitMs.toFixed(1)} ms), ${sent} bytes trickled`)
    assert.equal(seen.error.details.deadline, 'frame')
    assert.ok(seen.error.details.doneBytes > 3 && seen.error.details.doneBytes < 400, `${seen.error.details.doneBytes} B trickled before the reset`)
    assert.ok(seen.ms >= seen.error.details.limitMs - 25, `reset after ${seen.ms.toFixed(0)} ms`)
    assert.ok(sent < 500, 'the trickle was cut')
  })

  it('resets a chunked message whose chunks stop coming (deadline over the whole message)', async (t) => {
    const { id, outcomes } = await victimOn({ frameTimeoutMs: 200, minBytesPerSecond: 64 * MiB })
    const raw = await rawStream(id)
    const frames = attackerCodec.sealChunked(BlockType, testBlock(1, 300 * KiB), { channel: id, compression: 'none' })
    assert.ok(frames.length >= 4, `${frames.length} frames`)
    // the head and one chunk, each frame whole: only the message as a whole stalls
    raw.send(frameEnvelope(frames[0] as Uint8Array))
    raw.send(frameEnvelope(frames[1] as Uint8Array))
    const seen = await outcomes[0] as Outcome
    assert.ok(seen.error instanceof DeadlineError, `got ${String(seen.error)}`)
    t.diagnostic(`reset after ${seen.ms.toFixed(0)} ms (limit ${seen.error.details.limitMs.toFixed(0)} ms), ${seen.error.details.doneBytes} of ${seen.error.details.expectedBytes} B assembled`)
    assert.equal(seen.error.details.deadline, 'chunked')
    assert.equal(seen.error.details.doneBytes, (frames[1] as Uint8Array).length)
    assert.ok(seen.ms >= seen.error.details.limitMs - 25, `reset after ${seen.ms.toFixed(0)} ms`)
    assert.equal(seen.ws.stream.status, 'aborted')
  })

  it('an optional idle deadline resets a read left waiting between frames', async () => {
    const { id, outcomes } = await victimOn({ idleTimeoutMs: 150 })
    const client = wiresealStream(await rawStream(id), { codec: attackerCodec })
    await client.write(BlockType, testBlock(3))
    const seen = await outcomes[0] as Outcome
    assert.deepEqual(seen.values, [testBlock(3)])
    assert.ok(seen.error instanceof DeadlineError, `got ${String(seen.error)}`)
    assert.deepEqual(seen.error.details, { operation: 'read', deadline: 'idle', limitMs: 150, doneBytes: 0, expectedBytes: 0 })
    client.abort(new Error('done'))
  })

  it('bounds the unfinished frames of many streams on one connection by the shared budget', async (t) => {
    const limit = 1 * MiB
    const budget = createStreamBudget({ connectionBytes: limit, peerBytes: 8 * MiB })
    const streams = 10
    const partial = 192 * KiB
    const { id, outcomes } = await victimOn({ budget, frameTimeoutMs: 60_000 }, streams)
    const raws: Stream[] = []
    let maxHeld = 0
    const sample = setInterval(() => {
      for (const c of victim.getConnections(attacker.peerId)) maxHeld = Math.max(maxHeld, budget.heldByConnection(c.id))
    }, 2)
    try {
      for (let i = 0; i < streams; i++) {
        const raw = await rawStream(id)
        raws.push(raw)
        raw.send(encodeUvarint(4 * MiB))
        raw.send(new Uint8Array(partial))
      }
      // at most floor(1 MiB / 192 KiB) = 5 streams fit; the others are reset
      await waitFor(() => raws.filter((r) => r.status === 'reset').length >= streams - 5, 'streams over the budget reset', 5000)
    } finally {
      clearInterval(sample)
    }
    const [connection] = victim.getConnections(attacker.peerId)
    assert.ok(connection !== undefined)
    const held = budget.heldByConnection(connection.id)
    assert.ok(held <= limit && maxHeld <= limit, `held ${held} B, at most ${maxHeld} B, limit ${limit}`)
    assert.ok(held >= partial, 'the streams within the budget keep their frames')
    t.diagnostic(`${streams} streams x ${partial / KiB} KiB unfinished: ${raws.filter((r) => r.status === 'reset').length} reset, held ${held} B (max sampled ${maxHeld} B) of ${limit}`)
    // the ones reset saw a BufferBudgetError naming the connection
    for (const raw of raws) raw.abort(new Error('attacker done'))
    const seen = await Promise.all(outcomes)
    const refused = seen.filter((o) => o.error instanceof BufferBudgetError)
    assert.ok(refused.length >= streams - 5, `${refused.length} refused`)
    for (const o of refused) {
      const e = o.error as BufferBudgetError
      assert.equal(e.details.scope, 'connection')
      assert.equal(e.details.id, connection.id)
      assert.equal(e.details.limit, limit)
      assert.ok(e.details.actual > limit)
    }
    await waitFor(() => budget.heldByConnection(connection.id) === 0 && budget.heldByPeer(attacker.peerId.toString()) === 0, 'budget released', 5000)
  })

  it('names the peer scope when the peer budget is the smaller one', async () => {
    const budget = createStreamBudget({ connectionBytes: 8 * MiB, peerBytes: 256 * KiB })
    const { id, outcomes } = await victimOn({ budget, frameTimeoutMs: 60_000 }, 2)
    const first = await rawStream(id)
    first.send(new Uint8Array([...encodeUvarint(MiB), ...new Uint8Array(200 * KiB)]))
    await waitFor(() => budget.heldByPeer(attacker.peerId.toString()) > 0, 'first stream held')
    const second = await rawStream(id)
    second.send(new Uint8Array([...encodeUvarint(MiB), ...new Uint8Array(100 * KiB)]))
    await waitFor(() => second.status === 'reset', 'second stream reset', 5000)
    first.abort(new Error('attacker done'))
    const errors = (await Promise.all(outcomes)).map((o) => o.error)
    const refused = errors.find((e) => e instanceof BufferBudgetError)
    assert.ok(refused instanceof BufferBudgetError, errors.map(String).join(', '))
    assert.equal(refused.details.scope, 'peer')
    assert.equal(refused.details.id, attacker.peerId.toString())
    assert.equal(refused.details.limit, 256 * KiB)
  })

  it('requestHandler streams share the connection budget and see the deadline too', async () => {
    const id = freshId()
    const budget = createStreamBudget({ connectionBytes: 64 * KiB, peerBytes: 64 * KiB })
    const errors: unknown[] = []
    const failed = withResolvers<void>()
    await victim.handle(id, requestHandler({ codec: victimCodec, budget, frameTimeoutMs: 150, minBytesPerSecond: 64 * MiB, onError: (err) => { errors.push(err); if (errors.length === 2) failed.resolve() } }, () => ({ type: BlockType, value: testBlock(0) })))
    const over = await rawStream(id)
    over.send(new Uint8Array([...encodeUvarint(MiB), ...new Uint8Array(100 * KiB)]))
    const stalled = await rawStream(id)
    stalled.send(new Uint8Array([...encodeUvarint(MiB), ...new Uint8Array(10 * KiB)]))
    await withTimeout(failed.promise, 'both requests failed', 5000)
    assert.ok(errors.some((e) => e instanceof BufferBudgetError && e.details.scope === 'connection'), errors.map(String).join(', '))
    assert.ok(errors.some((e) => e instanceof DeadlineError && e.details.deadline === 'frame'), errors.map(String).join(', '))
    assert.equal(budget.heldByPeer(attacker.peerId.toString()), 0)
  })

  it('fails a write the peer never drains within base + queued bytes / rate, and resets the stream', async (t) => {
    const id = freshId()
    const held = withResolvers<Stream>()
    // a peer that accepts the stream and never reads it
    await victim.handle(id, (stream) => {
      stream.pause()
      held.resolve(stream)
    })
    const ws = wiresealStream(await rawStream(id), { codec: attackerCodec, frameTimeoutMs: 200, minBytesPerSecond: 4 * MiB })
    const frame = new Uint8Array(60 * KiB).fill(7)
    let failure: unknown
    let waitedMs = 0
    for (let i = 0; i < 1000 && failure === undefined; i++) {
      const start = performance.now()
      await withTimeout(ws.writeSealed(frame), 'a write to a peer that does not read', 5000).catch((err: unknown) => { failure = err })
      waitedMs = performance.now() - start
    }
    assert.ok(failure instanceof DeadlineError, `got ${String(failure)}`)
    const d = failure.details
    t.diagnostic(`the write failed after ${waitedMs.toFixed(0)} ms (limit ${d.limitMs.toFixed(0)} ms, ${d.expectedBytes} B queued, ${ws.stats.bytesWritten} B written)`)
    assert.equal(d.operation, 'write')
    assert.equal(d.deadline, 'drain')
    assert.ok(d.expectedBytes > 0 && d.limitMs === 200 + d.expectedBytes * 1000 / (4 * MiB), JSON.stringify(d))
    assert.ok(waitedMs >= d.limitMs - 25 && waitedMs < d.limitMs + 3000, `the write waited ${waitedMs.toFixed(0)} ms, limit ${d.limitMs.toFixed(0)} ms`)
    assert.equal(ws.stream.status, 'aborted')
    await assert.rejects(ws.writeSealed(frame), DeadlineError)
    const far = await held.promise
    await waitFor(() => far.status === 'reset', 'the silent peer sees the reset', 5000)
  })

  it('lets honest traffic through: 2 MiB frames at full speed with the same tight options', async () => {
    const { id, outcomes } = await victimOn({ frameTimeoutMs: 200, minBytesPerSecond: 16 * MiB })
    const client = wiresealStream(await rawStream(id), { codec: attackerCodec, frameTimeoutMs: 200, minBytesPerSecond: 16 * MiB })
    const values = [0, 1, 2, 3].map((i) => testBlock(i, 2 * MiB))
    for (const v of values) await client.write(BlockType, v, { compression: 'none' })
    await client.close()
    const seen = await outcomes[0] as Outcome
    assert.equal(seen.error, undefined)
    assert.equal(seen.values.length, values.length)
  })
})
