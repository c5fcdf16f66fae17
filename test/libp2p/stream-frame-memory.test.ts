/**
 * Frames handed out by the reader own their memory: a body cut from one chunk
 * is a view of that chunk, a body spanning chunks is a copy in an ArrayBuffer
 * of its own, never a slice of Node's shared Buffer pool (which a caller
 * reading or transferring `frame.buffer` would expose or detach).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createCodec } from '../../src/codec/index.js'
import { wiresealStream } from '../../src/libp2p/stream.js'
import { encodeUvarint } from '../../src/libp2p/stream-frame-writer.js'
import { FakeStream } from './fixtures.js'

const tick = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

describe('stream frame memory', () => {
  for (const size of [1, 100, 2000, 5000]) {
    it(`a ${size} B body split over two chunks is copied into its own ArrayBuffer`, async () => {
      const fake = new FakeStream('v', '/wireseal/block/1.0.0/protobuf-none')
      const ws = wiresealStream(fake.asStream(), { codec: createCodec({ replay: false }), channel: '/wireseal/block/1.0.0/protobuf-none', frameTimeoutMs: Infinity })
      const body = Uint8Array.from({ length: size }, (_, i) => (i * 7 + 1) & 0xff)
      const framed = new Uint8Array([...encodeUvarint(size), ...body])
      const frames: Uint8Array[] = []
      const reading = (async () => { for await (const f of ws.frames()) frames.push(f) })()
      const cut = Math.max(1, framed.length - 1)
      fake.deliver(framed.slice(0, cut))
      await tick()
      fake.deliver(framed.slice(cut))
      await tick()
      fake.endRemote()
      await reading
      assert.equal(frames.length, 1)
      const frame = frames[0] as Uint8Array
      assert.deepEqual(frame, body)
      if (size > 1) {
        assert.equal(frame.byteOffset, 0)
        assert.equal(frame.buffer.byteLength, size, 'the copy owns exactly its bytes')
      }
    })
  }
})
