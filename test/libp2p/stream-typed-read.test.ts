/**
 * `read(Type)` / `readOne(Type)` (issue 12): the value type follows from the
 * message type passed, and at run time envelopes of any other type are
 * refused (`wrong-type`), so the static type holds. The `// @ts-expect-error`
 * lines are checked by `tsc --noEmit` (npm run typecheck): each must stay an
 * error, or the build fails. The old `read<T>()` form still compiles.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Codec } from '../../src/codec/index.js'
import { InvalidConfigError, RejectedMessageError } from '../../src/errors.js'
import { BlockType, PeerInfoType, type Block, type PeerInfo } from '../../src/serialize/index.js'
import { protocolId } from '../../src/libp2p/protocols.js'
import { encodeUvarint, wiresealStream, type WiresealStream } from '../../src/libp2p/stream.js'
import { request, requestHandler } from '../../src/libp2p/stream-request.js'
import { FakeStream, streamCodec, testBlock, testPeerInfo } from './fixtures.js'

const BLOCKS = protocolId({ message: 'block', serializer: 'protobuf', compression: 'none' })
const ANY = '/typed-read/test/1'

function framed (envelope: Uint8Array): Uint8Array {
  return new Uint8Array([...encodeUvarint(envelope.length), ...envelope])
}

/** A stream on `protocol` with `envelopes` delivered, then the remote's end. */
function streamWith (codec: Codec, protocol: string, envelopes: Uint8Array[], types?: number[]): WiresealStream {
  const fake = new FakeStream('s', protocol)
  const ws = wiresealStream(fake.asStream(), { codec, types })
  for (const e of envelopes) fake.deliver(framed(e))
  fake.endRemote()
  return ws
}

/** Compiled, never called: the type-level contract. */
async function typeContract (ws: WiresealStream, codec: Codec): Promise<void> {
  const one = await ws.readOne(BlockType)
  if (one !== undefined) {
    const block: Block = one.value
    void block
    // @ts-expect-error a Block read is not a PeerInfo
    const info: PeerInfo = one.value
    void info
  }
  for await (const m of ws.read(PeerInfoType, { signal: AbortSignal.timeout(1) })) {
    const info: PeerInfo = m.value
    void info
    // @ts-expect-error a PeerInfo has no `ttl`
    void m.value.ttl
  }
  const untyped = await ws.readOne()
  if (untyped !== undefined) {
    // @ts-expect-error without a type the value is unknown, not any
    const block: Block = untyped.value
    void block
  }
  // the deprecated form still compiles (an unchecked cast)
  const cast = await ws.readOne<Block>()
  if (cast !== undefined) void cast.value.ttl
  // @ts-expect-error a type and a value of another type cannot be written together
  await ws.write(BlockType, testPeerInfo(0))

  const stream = ws.stream
  const res = await request(stream, BlockType, testBlock(0), { codec, responseType: PeerInfoType })
  const peer: PeerInfo = res.value
  void peer
  // @ts-expect-error the response is typed by responseType
  const wrong: Block = res.value
  void wrong
  requestHandler({ codec, requestType: BlockType }, (req) => ({ type: BlockType, value: { ...req.value, ttl: req.value.ttl + 1 } }))
  // @ts-expect-error the reply's value must be of the reply's type
  requestHandler({ codec, requestType: BlockType }, (req) => ({ type: PeerInfoType, value: req.value }))
}

describe('typed reads: read(Type) / readOne(Type)', () => {
  it('type-level contract compiles (checked by tsc)', () => {
    assert.equal(typeof typeContract, 'function')
  })

  it('readOne(Type) returns the value of that type and refuses envelopes of another', async () => {
    const codec = await streamCodec(50)
    const block = codec.seal(BlockType, testBlock(1), { channel: ANY })
    const info = codec.seal(PeerInfoType, testPeerInfo(1), { channel: ANY })
    const ws = streamWith(codec, ANY, [block, info])
    const got = await ws.readOne(BlockType)
    assert.deepEqual(got?.value, testBlock(1))
    await assert.rejects(ws.readOne(BlockType), (e: unknown) => e instanceof RejectedMessageError && e.details.reason === 'wrong-type')
    assert.equal(ws.stats.rejected, 1)
  })

  it('read(Type) under onReject skip yields only that type', async () => {
    const codec = await streamCodec(51)
    const fake = new FakeStream('s', ANY)
    const ws = wiresealStream(fake.asStream(), { codec, onReject: 'skip' })
    for (let i = 0; i < 4; i++) {
      fake.deliver(framed(codec.seal(BlockType, testBlock(i), { channel: ANY })))
      fake.deliver(framed(codec.seal(PeerInfoType, testPeerInfo(i), { channel: ANY })))
    }
    fake.endRemote()
    const infos: PeerInfo[] = []
    for await (const m of ws.read(PeerInfoType)) infos.push(m.value)
    assert.deepEqual(infos, [0, 1, 2, 3].map(testPeerInfo))
    assert.equal(ws.stats.rejected, 4)
  })

  it('the old read() / readOne() forms keep working', async () => {
    const codec = await streamCodec(52)
    const ws = streamWith(codec, ANY, [codec.seal(BlockType, testBlock(2), { channel: ANY }), codec.seal(PeerInfoType, testPeerInfo(2), { channel: ANY })])
    assert.deepEqual((await ws.readOne<Block>())?.value, testBlock(2))
    const rest: unknown[] = []
    for await (const m of ws.read({ signal: AbortSignal.timeout(5000) })) rest.push(m.value)
    assert.deepEqual(rest, [testPeerInfo(2)])
  })

  it('reading a type the stream does not accept is an InvalidConfigError naming `types`', async () => {
    const codec = await streamCodec(53)
    const ws = streamWith(codec, BLOCKS, [])
    await assert.rejects(ws.readOne(PeerInfoType), (e: unknown) => e instanceof InvalidConfigError && e.details.option === 'types' && /PeerInfo \(2\)/.test(e.message))
    const it = ws.read(PeerInfoType)
    await assert.rejects(it.next(), (e: unknown) => e instanceof InvalidConfigError && e.details.option === 'types')
    // with `types` widened the same read is allowed
    const wide = streamWith(codec, BLOCKS, [], [BlockType.id, PeerInfoType.id])
    assert.equal(await wide.readOne(PeerInfoType), undefined)
  })
})
