/**
 * How frame bodies that span chunks are handed out: by default each is a copy
 * in memory of its own (no two frames ever share bytes, however many follow);
 * with `frames({ validUntilNextRead: true })` they are copied into one buffer
 * reused by that loop, so a frame is valid only until the loop asks for the
 * next. Both modes cut the same bodies wherever the chunks split them.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createCodec } from '../../src/codec/index.js'
import { wiresealStream, type WiresealStream } from '../../src/libp2p/stream.js'
import { encodeUvarint } from '../../src/libp2p/stream-frame-writer.js'
import { SCRATCH_MAX_BYTES } from '../../src/libp2p/stream-frame-memory.js'
import { FakeStream } from './fixtures.js'

const CHANNEL = '/wireseal/block/1.0.0/protobuf-none'

function open (): { fake: FakeStream, ws: WiresealStream } {
  const fake = new FakeStream('v', CHANNEL)
  const ws = wiresealStream(fake.asStream(), { codec: createCodec({ replay: false }), channel: CHANNEL, frameTimeoutMs: Infinity })
  return { fake, ws }
}

/** A body of `size` bytes whose content depends on `seed`. */
function body (size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed * 17 + 5) & 0xff)
}

function framed (b: Uint8Array): Uint8Array {
  const prefix = encodeUvarint(b.length)
  const out = new Uint8Array(prefix.length + b.length)
  out.set(prefix)
  out.set(b, prefix.length)
  return out
}

/** Delivers `bytes` as chunks cut at `cuts` (increasing offsets). */
function deliverCut (fake: FakeStream, bytes: Uint8Array, cuts: readonly number[]): void {
  let at = 0
  for (const cut of [...cuts, bytes.length]) {
    if (cut > at) fake.deliver(bytes.slice(at, cut))
    at = cut
  }
}

/** True when two views share at least one byte of memory. */
function overlaps (a: Uint8Array, b: Uint8Array): boolean {
  if (a.buffer !== b.buffer || a.length === 0 || b.length === 0) return false
  return a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length
}

const MODES = [{ name: 'default', reuse: false }, { name: 'validUntilNextRead', reuse: true }] as const

describe('frame bodies spanning chunks', () => {
  for (const mode of MODES) {
    it(`${mode.name}: a frame split at every point (and at every pair of points) decodes the same`, async () => {
      const first = body(40, 1)
      const second = body(3, 2)
      const bytes = new Uint8Array([...framed(first), ...framed(second)])
      const splits: number[][] = []
      for (let a = 1; a < bytes.length; a++) {
        splits.push([a])
        for (let b = a + 1; b < bytes.length; b++) splits.push([a, b])
      }
      for (const cuts of splits) {
        const { fake, ws } = open()
        deliverCut(fake, bytes, cuts)
        fake.endRemote()
        const got: Uint8Array[] = []
        // Copy each frame inside the iteration: the reused mode only promises it until the next step.
        for await (const frame of ws.frames({ validUntilNextRead: mode.reuse })) got.push(frame.slice())
        assert.deepEqual(got, [first, second], `cuts ${cuts.join(',')}`)
      }
    })
  }

  it('default: frames stay intact and never share memory, however many spanning frames follow', async () => {
    const { fake, ws } = open()
    const sizes = [65_533, 40_000, 1, 65_533, 300, 200_000, 65_533, 5_000]
    const sent: Uint8Array[] = []
    for (let round = 0; round < 6; round++) {
      // Several spanning frames queued at once (joined when taken), then one at a time.
      const batch = round % 2 === 0 ? sizes : sizes.slice(0, 2)
      for (const size of batch) {
        const b = body(size, sent.length)
        sent.push(b)
        const f = framed(b)
        deliverCut(fake, f, [1, Math.floor(f.length / 2), f.length - 1])
      }
    }
    fake.endRemote()
    const got: Uint8Array[] = []
    for await (const frame of ws.frames()) got.push(frame)
    assert.equal(got.length, sent.length)
    got.forEach((frame, i) => { assert.deepEqual(frame, sent[i], `frame ${i}`) })
    for (let i = 0; i < got.length; i++) {
      for (let j = i + 1; j < got.length; j++) assert.equal(overlaps(got[i] as Uint8Array, got[j] as Uint8Array), false, `frames ${i} and ${j} share memory`)
    }
  })

  it('validUntilNextRead: the next spanning frame reuses the memory of the last one', async () => {
    const { fake, ws } = open()
    const it = ws.frames({ validUntilNextRead: true })[Symbol.asyncIterator]()
    const a = body(65_533, 1)
    const b = body(65_533, 2)
    deliverCut(fake, framed(a), [30_000])
    const fa = (await it.next()).value as Uint8Array
    assert.deepEqual(fa, a)
    deliverCut(fake, framed(b), [100])
    const fb = (await it.next()).value as Uint8Array
    assert.deepEqual(fb, b)
    // The documented contract: the earlier frame was only valid until this read.
    assert.equal(fb.buffer, fa.buffer)
    assert.equal(fb.byteOffset, fa.byteOffset)
    assert.deepEqual(fa, b)
    // Two spanning frames queued at once are still handed out one by one, each whole.
    const c = body(50_000, 3)
    const d = body(70_000, 4)
    deliverCut(fake, framed(c), [10])
    deliverCut(fake, framed(d), [60_000])
    assert.deepEqual((await it.next()).value, c)
    assert.deepEqual((await it.next()).value, d)
    fake.endRemote()
    assert.equal((await it.next()).done, true)
  })

  it('validUntilNextRead: each loop has its own buffer; default reads on the same stream never alias it', async () => {
    const { fake, ws } = open()
    const loopA = ws.frames({ validUntilNextRead: true })[Symbol.asyncIterator]()
    const loopB = ws.frames({ validUntilNextRead: true })[Symbol.asyncIterator]()
    const bodies = [body(65_533, 1), body(65_533, 2), body(65_533, 3)]
    for (const b of bodies) deliverCut(fake, framed(b), [20_000])
    const fa = (await loopA.next()).value as Uint8Array
    const fb = (await loopB.next()).value as Uint8Array
    const fc = await ws.readFrame() as Uint8Array
    assert.deepEqual([fa, fb, fc], bodies)
    assert.equal(overlaps(fa, fb), false)
    assert.equal(overlaps(fa, fc) || overlaps(fb, fc), false)
    assert.equal(fc.buffer.byteLength, fc.length, 'a default read copies into memory of its own')
  })

  it(`validUntilNextRead: a body over ${SCRATCH_MAX_BYTES} B gets memory of its own`, async () => {
    const { fake, ws } = open()
    const it = ws.frames({ validUntilNextRead: true })[Symbol.asyncIterator]()
    const big = body(SCRATCH_MAX_BYTES + 1, 1)
    deliverCut(fake, framed(big), [1000])
    const f1 = (await it.next()).value as Uint8Array
    deliverCut(fake, framed(body(65_533, 2)), [1000])
    const f2 = (await it.next()).value as Uint8Array
    assert.deepEqual(f1, big)
    assert.equal(overlaps(f1, f2), false)
  })

  it('validUntilNextRead: a caller that transfers a frame\'s buffer does not break the next frames', async () => {
    const { fake, ws } = open()
    const it = ws.frames({ validUntilNextRead: true })[Symbol.asyncIterator]()
    deliverCut(fake, framed(body(65_533, 1)), [7])
    const f1 = (await it.next()).value as Uint8Array
    const taken = f1.buffer as ArrayBuffer
    structuredClone(taken, { transfer: [taken] })
    assert.equal(f1.length, 0, 'the transfer detached it')
    const b = body(65_533, 2)
    deliverCut(fake, framed(b), [7])
    assert.deepEqual((await it.next()).value, b)
  })
})
