/**
 * Request / response failures (SPEC.md 14.4): a responder that cannot answer
 * writes an error frame, and the requester throws a RequestFailedError naming
 * what failed and the option that addresses it, instead of seeing a reset.
 * Also: the error frame's own encoding rules, and both directions of
 * compatibility with peers that predate error frames.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import type { Codec } from '../../src/codec/index.js'
import { InvalidConfigError, InvalidValueError, MalformedInputError, RejectedMessageError, RequestFailedError, StreamClosedError } from '../../src/errors.js'
import { BlockType, PeerInfoType, type Block } from '../../src/serialize/index.js'
import { protocolId } from '../../src/libp2p/protocols.js'
import { decodeRequestErrorFrame, encodeRequestErrorFrame, isRequestErrorFrame, REQUEST_ERROR_CODES } from '../../src/libp2p/request-error-frame.js'
import { request, requestHandler } from '../../src/libp2p/stream-request.js'
import { wiresealStream } from '../../src/libp2p/stream.js'
import { withResolvers } from '../../src/libp2p/polyfill.js'
import { startNodes, stopNodes, streamCodec, testBlock, testPeerInfo, withTimeout, type TestNode } from './fixtures.js'

let version = 0
function freshId (): string {
  return protocolId({ message: 'block', serializer: 'protobuf', compression: 'none', version: `9.0.${version++}` })
}

describe('request error frames (SPEC.md 14.4)', () => {
  it('round-trips every code, and a detail over 256 bytes is cut between characters', () => {
    for (const [failure, code] of Object.entries(REQUEST_ERROR_CODES)) {
      const frame = encodeRequestErrorFrame(failure as keyof typeof REQUEST_ERROR_CODES, 'TypeError')
      assert.deepEqual([...frame.subarray(0, 2)], [0, code])
      assert.ok(isRequestErrorFrame(frame))
      const err = decodeRequestErrorFrame(frame, '/p')
      assert.ok(err instanceof RequestFailedError)
      assert.equal(err.details.failure, failure)
      assert.equal(err.details.code, code)
      assert.equal(err.details.detail, 'TypeError')
      assert.equal(err.details.protocol, '/p')
    }
    // 'é' is 2 bytes: 200 of them are 400 bytes, cut to 128 whole characters (256 bytes)
    const long = encodeRequestErrorFrame('handler-failed', 'é'.repeat(200))
    assert.equal(long.length, 2 + 256)
    assert.equal((decodeRequestErrorFrame(long, '/p') as RequestFailedError).details.detail, 'é'.repeat(128))
    // a cut that would split a 3-byte character backs off to the character before it
    const cut = encodeRequestErrorFrame('handler-failed', 'a' + '€'.repeat(100))
    assert.equal((decodeRequestErrorFrame(cut, '/p') as RequestFailedError).details.detail, 'a' + '€'.repeat(85))
  })

  it('refuses error frames without a code, with code 0 or over 258 bytes; reports unknown codes by number', () => {
    assert.ok(decodeRequestErrorFrame(Uint8Array.of(0), '/p') instanceof MalformedInputError)
    assert.ok(decodeRequestErrorFrame(Uint8Array.of(0, 0), '/p') instanceof MalformedInputError)
    assert.ok(decodeRequestErrorFrame(new Uint8Array(259).fill(1, 1), '/p') instanceof MalformedInputError)
    const unknown = decodeRequestErrorFrame(Uint8Array.of(0, 200, 0x68, 0x69), '/p')
    assert.ok(unknown instanceof RequestFailedError)
    assert.equal(unknown.details.failure, 'unknown')
    assert.equal(unknown.details.code, 200)
    assert.equal(unknown.details.detail, 'hi')
    assert.equal(unknown.details.option, undefined)
  })

  it('never takes an envelope for an error frame', async () => {
    const codec = await streamCodec(40)
    const envelope = codec.seal(BlockType, testBlock(0), { channel: '/p' })
    assert.equal(envelope[0], 0x0a)
    assert.equal(isRequestErrorFrame(envelope), false)
    assert.equal(isRequestErrorFrame(new Uint8Array(0)), false)
  })
})

describe('request / requestHandler failures over real streams', () => {
  let nodes: TestNode[] = []
  let a: TestNode
  let b: TestNode
  let codecA: Codec
  let codecB: Codec

  before(async () => {
    nodes = await startNodes(2, { connect: 'line' })
    ;[a, b] = nodes as [TestNode, TestNode]
    codecA = await streamCodec(41)
    codecB = await streamCodec(42)
  })

  after(async () => {
    await stopNodes(nodes)
  })

  async function dial (id: string): Promise<Stream> {
    return withTimeout(a.dialProtocol(b.peerId, id), 'dial')
  }

  it('a handler that throws, without onError, answers handler-failed: the error name reaches the requester, its message does not', async () => {
    const id = freshId()
    await b.handle(id, requestHandler({ codec: codecB, requestType: BlockType }, () => { throw new TypeError('secret detail of the responder') }))
    const err = await request(await dial(id), BlockType, testBlock(1), { codec: codecA, responseType: BlockType }).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof RequestFailedError, String(err))
    assert.equal(err.details.failure, 'handler-failed')
    assert.equal(err.details.code, REQUEST_ERROR_CODES['handler-failed'])
    assert.equal(err.details.detail, 'TypeError')
    assert.equal(err.details.protocol, id)
    assert.equal(err.details.option, 'requestHandler onError')
    assert.match(err.message, /handler-failed \(TypeError\); see requestHandler onError/)
    assert.doesNotMatch(err.message, /secret/)
  })

  it('still hands the responder its own error through onError', async () => {
    const id = freshId()
    const seen = withResolvers<unknown>()
    await b.handle(id, requestHandler({ codec: codecB, onError: (e) => { seen.resolve(e) } }, async () => { throw new RangeError('out of range') }))
    await assert.rejects(request(await dial(id), BlockType, testBlock(2), { codec: codecA }), (e: unknown) => e instanceof RequestFailedError && e.details.detail === 'RangeError')
    const own = await withTimeout(seen.promise, 'onError')
    assert.ok(own instanceof RangeError)
    assert.equal(own.message, 'out of range')
  })

  it('a request of the wrong type answers bad-request naming the reason and the responder option', async () => {
    const id = protocolId({ message: 'peer_info', serializer: 'protobuf', compression: 'none', version: `9.1.${version++}` })
    await b.handle(id, requestHandler({ codec: codecB, requestType: PeerInfoType }, (req) => ({ type: PeerInfoType, value: req.value })))
    // the requester signs a Block for a peer_info protocol (types widened on its side so it can send one)
    const err = await request(await dial(id), BlockType, testBlock(3), { codec: codecA, types: [BlockType.id, PeerInfoType.id] }).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof RequestFailedError, String(err))
    assert.equal(err.details.failure, 'bad-request')
    assert.equal(err.details.detail, 'wrong-type')
    assert.equal(err.details.option, 'requestHandler types / requestType')
  })

  it('a handler slower than timeoutMs answers timeout and sees its signal fire', async () => {
    const id = freshId()
    const aborted = withResolvers<boolean>()
    await b.handle(id, requestHandler({ codec: codecB, timeoutMs: 300 }, async (_req, { signal }) => {
      await new Promise<void>((resolve) => { signal.addEventListener('abort', () => { resolve() }, { once: true }) })
      aborted.resolve(signal.aborted)
      return { type: BlockType, value: testBlock(0) }
    }))
    const err = await request(await dial(id), BlockType, testBlock(4), { codec: codecA, timeoutMs: 10_000 }).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof RequestFailedError, String(err))
    assert.equal(err.details.failure, 'timeout')
    assert.equal(err.details.detail, '300 ms')
    assert.equal(err.details.option, 'requestHandler timeoutMs')
    assert.equal(await withTimeout(aborted.promise, 'handler signal'), true)
  })

  it('a reply that cannot be sealed answers bad-response', async () => {
    const id = freshId()
    const errors: unknown[] = []
    await b.handle(id, requestHandler({ codec: codecB, onError: (e) => errors.push(e) }, () => ({ type: BlockType, value: { height: 'not a number' } as unknown as Block })))
    const err = await request(await dial(id), BlockType, testBlock(5), { codec: codecA }).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof RequestFailedError, String(err))
    assert.equal(err.details.failure, 'bad-response')
    assert.equal(err.details.detail, 'InvalidValueError')
    assert.ok(errors[0] instanceof InvalidValueError)
  })

  it('a requestHandler whose requestType is outside its types is refused when created', () => {
    assert.throws(() => requestHandler({ codec: codecB, types: [PeerInfoType.id], requestType: BlockType }, (req) => ({ type: BlockType, value: req.value })),
      (e: unknown) => e instanceof InvalidConfigError && e.details.option === 'types')
  })

  it('an older requester refuses an error frame as a malformed envelope (the exchange still fails)', async () => {
    const id = freshId()
    await b.handle(id, requestHandler({ codec: codecB }, () => { throw new Error('boom') }))
    // what request() did before SPEC.md 14.4: write, close, then readOne
    const ws = wiresealStream(await dial(id), { codec: codecA, onReject: 'throw' })
    await ws.write(BlockType, testBlock(6))
    await ws.close()
    await assert.rejects(ws.readOne({ signal: AbortSignal.timeout(5000) }), (e: unknown) => e instanceof RejectedMessageError && e.details.reason === 'malformed')
  })

  it('an older responder that resets still fails the request with StreamClosedError', async () => {
    const id = freshId()
    // what requestHandler did before SPEC.md 14.4 on a failure: abort the stream
    await b.handle(id, async (stream) => {
      const ws = wiresealStream(stream, { codec: codecB })
      await ws.readOne({ signal: AbortSignal.timeout(5000) })
      ws.abort(new Error('responder failed'))
    })
    await assert.rejects(request(await dial(id), BlockType, testBlock(7), { codec: codecA }), (e: unknown) => e instanceof StreamClosedError)
  })

  it('typed exchanges: requestType and responseType type the values, and a response of another type is refused', async () => {
    const id = freshId()
    await b.handle(id, requestHandler({ codec: codecB, requestType: BlockType }, (req) => ({ type: BlockType, value: { ...req.value, ttl: req.value.ttl + 1 } })))
    const res = await request(await dial(id), BlockType, testBlock(8), { codec: codecA, responseType: BlockType })
    const ttl: number = res.value.ttl
    assert.equal(ttl, testBlock(8).ttl + 1)
    const other = freshId()
    await b.handle(other, requestHandler({ codec: codecB, types: [BlockType.id, PeerInfoType.id] }, () => ({ type: PeerInfoType, value: testPeerInfo(0) })))
    await assert.rejects(request(await dial(other), BlockType, testBlock(9), { codec: codecA, types: [BlockType.id, PeerInfoType.id], responseType: BlockType }),
      (e: unknown) => e instanceof RejectedMessageError && e.details.reason === 'wrong-type')
  })
})
