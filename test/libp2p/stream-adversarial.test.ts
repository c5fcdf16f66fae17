/**
 * A hostile peer on a real libp2p stream: oversized length claims, bad
 * prefixes, garbage and truncated frames, forged, replayed and cross-channel
 * envelopes; plus cancellation (AbortSignal) of pending reads and writes and
 * resets. Every failure is a typed wireseal error.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Stream } from '@libp2p/interface'
import type { Codec } from '../../src/codec/index.js'
import { AbortError, MalformedInputError, RejectedMessageError, SizeLimitError, StreamClosedError } from '../../src/errors.js'
import { BlockType, type Block } from '../../src/serialize/index.js'
import { protocolId } from '../../src/libp2p/protocols.js'
import { encodeUvarint, frameEnvelope, wiresealStream, type StreamStats, type WiresealStream, type WiresealStreamInit } from '../../src/libp2p/stream.js'
import { withResolvers } from '../../src/libp2p/polyfill.js'
import { parse, reframe } from '../codec/helpers.js'
import { sleep, startNodes, stopNodes, streamCodec, testBlock, waitFor, withTimeout, type TestNode } from './fixtures.js'

/** What the victim's reader saw on one stream. */
interface Outcome {
  values: Block[]
  reasons: string[]
  error: unknown
  stats: StreamStats
  stream: Stream
}

let version = 0
/** A protocol id of its own for each test. */
function freshId (): string {
  return protocolId({ message: 'block', serializer: 'protobuf', compression: 'none', version: `9.0.${version++}` })
}

describe('stream codec against a hostile peer', () => {
  let nodes: TestNode[] = []
  let attacker: TestNode
  let victim: TestNode
  let attackerCodec: Codec
  let victimCodec: Codec

  /** Registers a reading victim on a fresh id; resolves with what it saw once its read loop ends. */
  async function victimOn (init: Partial<WiresealStreamInit> = {}): Promise<{ id: string, outcome: Promise<Outcome>, stream: Promise<WiresealStream> }> {
    const id = freshId()
    const outcome = withResolvers<Outcome>()
    const opened = withResolvers<WiresealStream>()
    await victim.handle(id, async (stream) => {
      const ws = wiresealStream(stream, { codec: victimCodec, ...init })
      opened.resolve(ws)
      const values: Block[] = []
      const reasons: string[] = []
      let error: unknown
      try {
        for await (const msg of ws.read<Block>({ signal: AbortSignal.timeout(8000) })) values.push(msg.value)
      } catch (err) {
        error = err
      }
      outcome.resolve({ values, reasons, error, stats: { ...ws.stats }, stream })
    })
    return { id, outcome: withTimeout(outcome.promise, `victim on ${id}`), stream: opened.promise }
  }

  async function rawStream (id: string): Promise<Stream> {
    return attacker.dialProtocol(victim.peerId, id)
  }

  before(async () => {
    nodes = await startNodes(2, { connect: 'line' })
    ;[attacker, victim] = nodes as [TestNode, TestNode]
    attackerCodec = await streamCodec(40)
    victimCodec = await streamCodec(41)
  })

  after(async () => {
    await stopNodes(nodes)
  })

  it('refuses an oversized length prefix before buffering any body byte, and aborts the stream', async () => {
    const { id, outcome } = await victimOn()
    const raw = await rawStream(id)
    const claim = victimCodec.limits.maxFrameBytes + 1
    const prefix = encodeUvarint(claim)
    raw.send(prefix)
    const seen = await outcome
    assert.ok(seen.error instanceof SizeLimitError, `got ${String(seen.error)}`)
    assert.deepEqual(seen.error.details, { quantity: 'frame', limit: victimCodec.limits.maxFrameBytes, actual: claim })
    assert.ok(seen.stats.maxBufferedBytes <= prefix.length, `buffered ${seen.stats.maxBufferedBytes} B`)
    assert.equal(seen.stream.status, 'aborted')
    // the attacker's end is reset: it cannot go on sending the claimed body
    await waitFor(() => raw.status === 'reset', 'attacker stream reset', 5000)
    assert.throws(() => raw.send(new Uint8Array(1024)))
  })

  it('refuses a 1 TiB claim arriving with body bytes in the same chunk', async () => {
    const { id, outcome } = await victimOn()
    const raw = await rawStream(id)
    const body = new Uint8Array(4096)
    const bytes = new Uint8Array([...encodeUvarint(2 ** 40), ...body])
    raw.send(bytes)
    const seen = await outcome
    assert.ok(seen.error instanceof SizeLimitError, `got ${String(seen.error)}`)
    assert.ok(seen.error.details.actual > seen.error.details.limit, 'claim over the limit')
    assert.ok(seen.stats.maxBufferedBytes <= bytes.length, 'only what arrived with the prefix')
  })

  it('refuses non-minimal prefixes (MalformedInputError) and prefixes longer than any allowed length (SizeLimitError)', async () => {
    const cases: Array<[number[], typeof MalformedInputError | typeof SizeLimitError]> = [
      [[0x80, 0x00], MalformedInputError],
      [[0x81, 0x80, 0x00], MalformedInputError],
      [[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], SizeLimitError]
    ]
    for (const [prefix, type] of cases) {
      const { id, outcome } = await victimOn()
      const raw = await rawStream(id)
      raw.send(Uint8Array.from(prefix))
      const seen = await outcome
      assert.ok(seen.error instanceof type, `${prefix}: got ${String(seen.error)}`)
      assert.equal(seen.stream.status, 'aborted')
    }
  })

  it('throws RejectedMessageError on a garbage frame (throw policy)', async () => {
    const { id, outcome } = await victimOn()
    const raw = await rawStream(id)
    raw.send(frameEnvelope(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])))
    await raw.close()
    const seen = await outcome
    assert.ok(seen.error instanceof RejectedMessageError, `got ${String(seen.error)}`)
    assert.equal(seen.error.details.reason, 'malformed')
    assert.equal(seen.error.details.channel, id)
  })

  it('skips and counts garbage frames (skip policy, callback) and stays in sync for the next real frame', async () => {
    const reasons: string[] = []
    const { id, outcome } = await victimOn({ onReject: (r) => reasons.push(r.reason) })
    const raw = await rawStream(id)
    const garbage = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 600 }), { numRuns: 40, seed: 7 })
    for (const g of garbage) raw.send(frameEnvelope(g))
    raw.send(frameEnvelope(attackerCodec.seal(BlockType, testBlock(7), { channel: id, compression: 'none' })))
    await raw.close()
    const seen = await outcome
    assert.equal(seen.error, undefined)
    assert.equal(seen.stats.rejected, garbage.length)
    assert.equal(reasons.length, garbage.length)
    assert.ok(reasons.every((r) => r === 'malformed' || r === 'unknown-codec' || r === 'too-large'), reasons.join(','))
    assert.deepEqual(seen.values, [testBlock(7)])
  })

  it('reports a frame truncated by the end of the stream (body and prefix)', async () => {
    for (const bytes of [new Uint8Array([...encodeUvarint(500), ...new Uint8Array(100)]), Uint8Array.from([0x80])]) {
      const { id, outcome } = await victimOn()
      const raw = await rawStream(id)
      raw.send(bytes)
      await raw.close()
      const seen = await outcome
      assert.ok(seen.error instanceof MalformedInputError, `got ${String(seen.error)}`)
      assert.match(seen.error.details.reason, /truncated/)
    }
  })

  it('rejects forged envelopes with the reason', async () => {
    const reasons: string[] = []
    const { id, outcome } = await victimOn({ onReject: (r) => reasons.push(r.reason) })
    const raw = await rawStream(id)
    const genuine = attackerCodec.seal(BlockType, testBlock(1), { channel: id, compression: 'none' })
    // header changed under the old signature; payload swapped under the signed digest
    raw.send(frameEnvelope(reframe(genuine, { header: (h) => { h.seq += 1 } })))
    const payload = parse(genuine).payload.slice()
    payload[0] = (payload[0] as number) ^ 1
    raw.send(frameEnvelope(reframe(genuine, { payload })))
    raw.send(frameEnvelope(genuine))
    await raw.close()
    const seen = await outcome
    assert.deepEqual(reasons, ['invalid-signature', 'digest-mismatch'])
    assert.deepEqual(seen.values, [testBlock(1)])
  })

  it('rejects a replayed envelope (same stream, then another stream) and a cross-channel one', async () => {
    const id = freshId()
    const reasons: string[] = []
    const delivered: Block[] = []
    let ended = 0
    await victim.handle(id, async (stream) => {
      const ws = wiresealStream(stream, { codec: victimCodec, onReject: (r) => reasons.push(r.reason) })
      for await (const msg of ws.read<Block>({ signal: AbortSignal.timeout(5000) })) delivered.push(msg.value)
      ended++
    })
    const envelope = attackerCodec.seal(BlockType, testBlock(5), { channel: id, compression: 'none' })
    const elsewhere = attackerCodec.seal(BlockType, testBlock(6), { channel: '/wireseal/block/1.0.0/protobuf-gzip', compression: 'none' })
    const raw = await rawStream(id)
    raw.send(frameEnvelope(envelope))
    raw.send(frameEnvelope(envelope))
    raw.send(frameEnvelope(elsewhere))
    await raw.close()
    await waitFor(() => ended === 1, 'first stream read', 5000)
    assert.deepEqual(delivered, [testBlock(5)])
    assert.deepEqual(reasons, ['replayed', 'wrong-channel'])
    // replay state lives in the codec, so a new stream does not reopen the window
    const raw2 = await rawStream(id)
    raw2.send(frameEnvelope(envelope))
    await raw2.close()
    await waitFor(() => ended === 2, 'second stream read', 5000)
    assert.deepEqual(delivered, [testBlock(5)])
    assert.deepEqual(reasons, ['replayed', 'wrong-channel', 'replayed'])
  })

  it('refuses to write a frame over maxFrameBytes, sending nothing', async () => {
    const { id } = await victimOn()
    const ws = wiresealStream(await rawStream(id), { codec: attackerCodec })
    const big = new Uint8Array(attackerCodec.limits.maxFrameBytes + 1)
    await assert.rejects(ws.writeSealed(big), (err: unknown) => err instanceof SizeLimitError && err.details.quantity === 'frame')
    assert.equal(ws.stats.framesWritten, 0)
    assert.equal(ws.stats.bytesWritten, 0)
    ws.abort(new Error('done'))
  })

  it('cancels a pending read with its AbortSignal and leaves the stream usable', async () => {
    const id = freshId()
    const server = withResolvers<WiresealStream>()
    await victim.handle(id, (stream) => { server.resolve(wiresealStream(stream, { codec: victimCodec })) })
    const client = wiresealStream(await rawStream(id), { codec: attackerCodec })
    await client.write(BlockType, testBlock(0)) // opens the stream on the far side
    const ws = await withTimeout(server.promise, 'server stream')
    const controller = new AbortController()
    const pending = ws.readOne({ signal: controller.signal })
    await sleep(30)
    controller.abort(new Error('user gave up'))
    // the first frame was already there: the read got it before the abort
    const first = await pending
    assert.deepEqual(first?.value, testBlock(0))
    const c2 = new AbortController()
    const waiting = ws.readOne({ signal: c2.signal })
    setTimeout(() => c2.abort(), 30)
    await assert.rejects(waiting, (err: unknown) => err instanceof AbortError && err.details.operation === 'read')
    // still usable
    await client.write(BlockType, testBlock(1))
    const next = await ws.readOne({ signal: AbortSignal.timeout(5000) })
    assert.deepEqual(next?.value, testBlock(1))
    await client.close()
    assert.equal(await ws.readOne({ signal: AbortSignal.timeout(5000) }), undefined)
  })

  it('cancels a write waiting for drain with its AbortSignal', async () => {
    const id = freshId()
    const server = withResolvers<WiresealStream>()
    // the far side reads one frame, then stops reading: its buffer fills and it pauses the stream
    await victim.handle(id, async (stream) => {
      const ws = wiresealStream(stream, { codec: victimCodec, highWaterMark: 64 * 1024 })
      server.resolve(ws)
      await ws.readFrame({ signal: AbortSignal.timeout(5000) })
    })
    const client = wiresealStream(await rawStream(id), { codec: attackerCodec })
    const frame = new Uint8Array(60_000).fill(1)
    let cancelled: unknown
    for (let i = 0; i < 2000 && cancelled === undefined; i++) {
      const controller = new AbortController()
      const write = client.writeSealed(frame, { signal: controller.signal })
      const state = await Promise.race([write.then(() => 'done', (e: unknown) => e), sleep(300).then(() => 'pending')])
      if (state === 'pending') {
        controller.abort()
        cancelled = await write.then(() => 'resolved', (e: unknown) => e)
      } else if (state !== 'done') {
        throw state
      }
    }
    assert.ok(cancelled instanceof AbortError, `got ${String(cancelled)}`)
    assert.equal(cancelled.details.operation, 'write')
    assert.ok(client.stats.drainWaits > 0, 'the writer waited for drain')
    const ws = await server.promise
    assert.ok(ws.stats.pauses > 0, 'the reader paused the stream')
    client.abort(new Error('done'))
  })

  it('aborts everything through the stream-level signal, and reports a remote reset as StreamClosedError', async () => {
    const id = freshId()
    const server = withResolvers<WiresealStream>()
    const controller = new AbortController()
    await victim.handle(id, (stream) => { server.resolve(wiresealStream(stream, { codec: victimCodec, signal: controller.signal })) })
    const client = wiresealStream(await rawStream(id), { codec: attackerCodec })
    await client.write(BlockType, testBlock(0))
    const ws = await withTimeout(server.promise, 'server stream')
    assert.deepEqual((await ws.readOne())?.value, testBlock(0))
    const pending = ws.readOne()
    controller.abort()
    await assert.rejects(pending, AbortError)
    await assert.rejects(ws.write(BlockType, testBlock(1)), AbortError)
    assert.equal(ws.stream.status, 'aborted')
    // the client sees the reset
    await assert.rejects(client.readOne({ signal: AbortSignal.timeout(5000) }), (err: unknown) => err instanceof StreamClosedError && err.details.status === 'reset')
    await assert.rejects(client.write(BlockType, testBlock(2)), StreamClosedError)
  })
})
