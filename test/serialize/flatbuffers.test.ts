import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import * as flatbuffers from 'flatbuffers'
import { createFlatbuffersBlockSerializer, flatbuffersBlock, flatbuffersPeerInfo } from '../../src/serialize/flatbuffers.js'
import { Block as FbBlock, Bytes as FbBytes, MetadataEntry as FbEntry, PeerInfo as FbPeerInfo } from '../../src/serialize/generated/flatbuffers/index.js'
import { BlockType, PeerInfoType } from '../../src/serialize/messages.js'
import type { Block } from '../../src/serialize/messages.js'
import { MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { block, peerInfo, sampleBlock, samplePeerInfo, typedFailure } from './arbitraries.js'

/** Positions inside a buffer, read the way the FlatBuffers spec lays them out (little-endian). */
function layout (bytes: Uint8Array): { view: DataView, root: number, vtable: number, field: (slot: number) => number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const root = view.getUint32(0, true)
  const vtable = root - view.getInt32(root, true)
  const field = (slot: number): number => {
    const fo = view.getUint16(vtable + 4 + 2 * slot, true)
    return fo === 0 ? 0 : root + fo
  }
  return { view, root, vtable, field }
}

function patched (bytes: Uint8Array, f: (l: ReturnType<typeof layout>) => void): Uint8Array {
  const copy = new Uint8Array(bytes)
  f(layout(copy))
  return copy
}

/** A Block built the "standard" way: generated per-byte vector helpers, fresh Builder, defaults forced. */
function buildWithGeneratedHelpers (b: Block): Uint8Array {
  const builder = new flatbuffers.Builder(16)
  builder.forceDefaults(true)
  const hash = FbBlock.createHashVector(builder, b.hash)
  const data = FbBlock.createDataVector(builder, b.data)
  const signature = FbBlock.createSignatureVector(builder, b.signature)
  builder.finish(FbBlock.createBlock(builder, hash, data, b.timestamp, b.ttl, b.version, signature))
  return builder.asUint8Array()
}

describe('flatbuffers', () => {
  it('decodes buffers built with the generated per-byte helpers (interop with a plain flatc user)', () => {
    fc.assert(fc.property(block, (b) => {
      assert.deepStrictEqual(flatbuffersBlock.decode(buildWithGeneratedHelpers(b)), b)
    }), { numRuns: 100 })
  })

  it('its output reads back through the generated accessors alone', () => {
    const bytes = flatbuffersPeerInfo.encode(samplePeerInfo())
    const r = FbPeerInfo.getRootAsPeerInfo(new flatbuffers.ByteBuffer(bytes))
    assert.equal(r.multiaddrsLength(), 2)
    assert.deepEqual([...(r.multiaddrs(0, new FbBytes()) as FbBytes).valueArray() as Uint8Array], [4, 127, 0, 0, 1])
    const e = r.metadata(1, new FbEntry()) as FbEntry
    assert.equal(e.key(), 'agent')
    assert.equal(e.value(), 'wireseal/0.1 ✓')
  })

  it('copies its output out of the reused Builder (earlier results stay intact)', () => {
    const s = createFlatbuffersBlockSerializer()
    const first = s.encode(sampleBlock())
    const snapshot = Uint8Array.from(first)
    s.encode({ ...sampleBlock(), data: new Uint8Array(2 * 1024 * 1024).fill(7) })
    s.encode({ ...sampleBlock(), hash: new Uint8Array(32).fill(1) })
    assert.deepEqual(first, snapshot)
    assert.deepStrictEqual(s.decode(first), sampleBlock())
  })

  describe('verification: offsets pointing outside are MalformedInputError', () => {
    const good = flatbuffersBlock.encode(sampleBlock())
    const cases: Array<[string, Uint8Array]> = [
      ['empty input', new Uint8Array(0)],
      ['3 bytes', new Uint8Array([1, 0, 0])],
      ['root offset past the end', patched(good, (l) => l.view.setUint32(0, good.length + 4, true))],
      ['root offset 0xffffffff', patched(good, (l) => l.view.setUint32(0, 0xffff_ffff, true))],
      ['vtable before the buffer', patched(good, (l) => l.view.setInt32(l.root, l.root + 100, true))],
      ['vtable past the end', patched(good, (l) => l.view.setInt32(l.root, -good.length, true))],
      ['odd vtable size', patched(good, (l) => l.view.setUint16(l.vtable, 5, true))],
      ['vtable size past the end', patched(good, (l) => l.view.setUint16(l.vtable, 0x7ffe, true))],
      ['table size past the end', patched(good, (l) => l.view.setUint16(l.vtable + 2, 0x7ff0, true))],
      ['field outside its table', patched(good, (l) => l.view.setUint16(l.vtable + 4, l.view.getUint16(l.vtable + 2, true), true))],
      ['vector offset past the end', patched(good, (l) => l.view.setUint32(l.field(1), good.length, true))],
      ['vector length 2^31-1', patched(good, (l) => {
        const p = l.field(1)
        l.view.setUint32(p + l.view.getUint32(p, true), 0x7fff_ffff, true)
      })],
      ['vector length 0xffffffff', patched(good, (l) => {
        const p = l.field(0)
        l.view.setUint32(p + l.view.getUint32(p, true), 0xffff_ffff, true)
      })]
    ]
    for (const [name, bytes] of cases) {
      it(name, () => {
        assert.throws(() => flatbuffersBlock.decode(bytes), MalformedInputError)
      })
    }

    it('unterminated string and invalid UTF-8 in metadata', () => {
      const p = { peerId: new Uint8Array(0), multiaddrs: [], metadata: { ab: 'cd' } }
      const bytes = flatbuffersPeerInfo.encode(p)
      const at = Buffer.from(bytes).indexOf(Buffer.from('ab'))
      const unterminated = new Uint8Array(bytes)
      unterminated[at + 2] = 0x41
      assert.throws(() => flatbuffersPeerInfo.decode(unterminated), MalformedInputError)
      const badUtf8 = new Uint8Array(bytes)
      badUtf8[at] = 0xc3
      badUtf8[at + 1] = 0x28
      assert.throws(() => flatbuffersPeerInfo.decode(badUtf8), MalformedInputError)
    })

    it('reserved metadata keys', () => {
      const bytes = flatbuffersPeerInfo.encode({ peerId: new Uint8Array(0), multiaddrs: [], metadata: { __proto_x: 'v' } })
      const at = Buffer.from(bytes).indexOf(Buffer.from('__proto_x'))
      const evil = new Uint8Array(bytes)
      evil[at + 8] = 0x5f // '__proto__'
      assert.throws(() => flatbuffersPeerInfo.decode(evil), MalformedInputError)
    })

    it('too many multiaddrs / metadata entries: SizeLimitError from the vector length, before reading elements', () => {
      const p = { peerId: new Uint8Array(0), multiaddrs: [new Uint8Array([1])], metadata: {} }
      const bytes = flatbuffersPeerInfo.encode(p)
      const l = layout(bytes)
      const vec = l.field(1) + l.view.getUint32(l.field(1), true)
      for (const n of [65, 0x7fff_ffff]) {
        const evil = new Uint8Array(bytes)
        new DataView(evil.buffer).setUint32(vec, n, true)
        const err = typedFailure(() => flatbuffersPeerInfo.decode(evil))
        assert.ok(err instanceof SizeLimitError)
        assert.equal(err.details.actual, n)
      }
    })
  })

  it('every strict prefix is rejected, unless it only drops trailing alignment padding (then the value is unchanged)', () => {
    fc.assert(fc.property(block, (b) => {
      const bytes = flatbuffersBlock.encode(b)
      for (let n = 0; n < bytes.length; n += Math.max(1, bytes.length >> 5)) {
        let decoded: Block | undefined
        const err = typedFailure(() => { decoded = flatbuffersBlock.decode(bytes.subarray(0, n)) })
        if (err === undefined) {
          assert.ok(n > bytes.length - 8, `prefix ${n} of ${bytes.length} decoded`)
          assert.deepStrictEqual(decoded, b)
        }
      }
    }), { numRuns: 40 })
  })

  it('garbage and bit flips give a typed error or a well-formed value, never a RangeError or undefined field', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), (g) => {
      typedFailure(() => BlockType.assert(flatbuffersBlock.decode(g)))
      typedFailure(() => PeerInfoType.assert(flatbuffersPeerInfo.decode(g)))
    }), { numRuns: 500 })
    fc.assert(fc.property(peerInfo, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (p, flips) => {
      const bytes = new Uint8Array(flatbuffersPeerInfo.encode(p))
      for (const [i, x] of flips) bytes[i % bytes.length] = (bytes[i % bytes.length] as number) ^ x
      typedFailure(() => PeerInfoType.assert(flatbuffersPeerInfo.decode(bytes)))
    }), { numRuns: 300 })
  })
})
