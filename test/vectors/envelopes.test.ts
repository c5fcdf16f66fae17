/**
 * The committed envelope vectors (test/vectors/envelopes.json, see README.md):
 * regenerated in memory and compared byte for byte, opened by the codec, and
 * checked by an independent reading of the format (a minimal protobuf walker,
 * @libp2p/crypto signatures, node:crypto SHA-256, an RFC 9162 proof check
 * written here).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { createCodec, type OpenAccepted } from '../../src/codec.js'
import { createCompressorSet, defaultCompressors, listBackends } from '../../src/compress/index.js'
import type { CompressionName } from '../../src/compress/types.js'
import { createSerializerRegistry, BlockType, PeerInfoType, type Block, type PeerInfo, type MessageType } from '../../src/serialize/index.js'
import {
  VECTORS_FORMAT, VECTORS_VERSION, generateVectors, readVectors, serializeVectors, valueFromFile, vectorKeys,
  type EnvelopeVector, type VectorFile
} from '../../scripts/vectors.js'

const file: VectorFile = readVectors()
const registry = createSerializerRegistry()
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function backendAvailable (name: CompressionName, backend: string): boolean {
  return listBackends(name).some((b) => b.backend === backend && b.compressor !== undefined)
}

const recordedAvailable = (Object.entries(file.backends) as Array<[CompressionName, string]>).every(([n, b]) => backendAvailable(n, b))

function receiver (compressors = defaultCompressors): ReturnType<typeof createCodec> {
  return createCodec({ serializers: registry, compressors, now: () => file.timestamp })
}

function keyOf (v: EnvelopeVector): { id: string, publicKey: string } {
  const k = file.keys.find((x) => x.name === v.key)
  assert.ok(k, `key ${v.key}`)
  return k
}

// --- an independent reader of the wire format (proto/envelope.proto) ---------

interface RawField { field: number, wire: number, value: number | Uint8Array }

/** Walks protobuf fields (varint and length-delimited only), as any protobuf library would. */
function fields (buf: Uint8Array): RawField[] {
  const out: RawField[] = []
  let pos = 0
  const varint = (): number => {
    let n = 0
    let scale = 1
    for (;;) {
      const b = buf[pos++]
      assert.ok(b !== undefined, 'truncated varint')
      n += (b & 0x7f) * scale
      if (b < 0x80) return n
      scale *= 128
    }
  }
  while (pos < buf.length) {
    const tag = varint()
    const wire = tag & 7
    if (wire === 0) out.push({ field: tag >>> 3, wire, value: varint() })
    else {
      assert.equal(wire, 2)
      const len = varint()
      out.push({ field: tag >>> 3, wire, value: buf.subarray(pos, pos + len) })
      pos += len
    }
  }
  return out
}

function get (fs: RawField[], field: number): RawField['value'] | undefined {
  return fs.find((f) => f.field === field)?.value
}

const sha256 = (b: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(b).digest())

/** RFC 9162 2.1.3.2, written from the RFC text for this test. */
function rfc9162Verify (leaf: Uint8Array, index: number, size: number, proof: Uint8Array, root: Uint8Array): boolean {
  if (index >= size || proof.length % 32 !== 0) return false
  let fn = index
  let sn = size - 1
  let r = sha256(Uint8Array.from([0, ...leaf]))
  for (let o = 0; o < proof.length; o += 32) {
    const p = proof.subarray(o, o + 32)
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Uint8Array.from([1, ...p, ...r]))
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2) }
      }
    } else {
      r = sha256(Uint8Array.from([1, ...r, ...p]))
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && hex(r) === hex(root)
}

function expectedValues (v: EnvelopeVector): Array<Block | PeerInfo> {
  return v.values.map((name) => valueFromFile(file, name))
}

describe('envelope vectors', () => {
  it('the file has the documented shape', () => {
    assert.equal(file.format, VECTORS_FORMAT)
    assert.equal(file.version, VECTORS_VERSION)
    const names = new Set(file.vectors.map((v) => v.name))
    assert.equal(names.size, file.vectors.length, 'names are unique')
    // every built-in format x every compression, for Block and PeerInfo
    for (const s of registry.list()) {
      for (const c of ['none', 'snappy', 'gzip', 'zstd']) assert.ok(names.has(`${s.type.name}/${s.name}/${c}`), `${s.type.name}/${s.name}/${c}`)
    }
    assert.deepEqual([...new Set(file.vectors.map((v) => v.kind))].sort(), ['batch', 'item', 'single'])
    assert.deepEqual(file.keys.map((k) => k.type), ['Ed25519', 'secp256k1'])
    // RFC 8032 7.1 TEST 1: the seed gives the published public key (inside the libp2p protobuf key)
    assert.equal(file.keys[0]!.publicKey, '08011220' + 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a')
  })

  it('regenerating with the recorded backends reproduces the committed bytes', async (t) => {
    if (!recordedAvailable) {
      t.diagnostic(`recorded backends ${JSON.stringify(file.backends)} not all available: exact comparison limited to vectors whose backend is`)
    }
    const usable = (Object.entries(file.backends) as Array<[CompressionName, string]>).filter(([n, b]) => n !== 'none' && backendAvailable(n, b))
    const fresh = await generateVectors({ backends: Object.fromEntries(usable), previous: file })
    let exact = 0
    for (const v of file.vectors) {
      if (v.compression.name !== 'none' && !backendAvailable(v.compression.name, v.compression.backend)) continue
      const g = fresh.vectors.find((x) => x.name === v.name)
      assert.ok(g, `vector ${v.name} is still generated`)
      assert.equal(g.headerBytes, v.headerBytes, `${v.name}: header`)
      assert.equal(g.serialized, v.serialized, `${v.name}: serialized message`)
      if (v.deterministic) assert.equal(g.envelope, v.envelope, `${v.name}: envelope`)
      exact++
    }
    assert.ok(exact > 0)
    if (recordedAvailable) assert.equal(serializeVectors(fresh), serializeVectors(file), 'the whole file, byte for byte')
  })

  it('every vector opens with the default (fastest) backends to its recorded value', () => {
    for (const v of file.vectors) {
      const r = receiver().open(unhex(v.envelope), { channel: file.channel })
      assert.equal(r.ok, true, `${v.name}: ${r.ok ? '' : r.reason}`)
      const a = r as OpenAccepted
      assert.equal(a.kind, v.kind, v.name)
      assert.equal(a.from, keyOf(v).id, v.name)
      assert.equal(a.type, v.type.id)
      assert.equal(a.serializer, v.serializer.id)
      assert.equal(a.compression, v.compression.id)
      assert.equal(a.channel, file.channel)
      assert.equal(a.timestamp, file.timestamp)
      assert.equal(a.seq, file.seq + (v.index ?? 0))
      assert.deepEqual(a.messages.map((m) => m.value), expectedValues(v), v.name)
    }
  })

  it('every vector checks out under an independent reading of the format', () => {
    const prefix = unhex(file.domainPrefix)
    assert.deepEqual(prefix, Uint8Array.from([file.domain.length, ...new TextEncoder().encode(file.domain)]))
    for (const v of file.vectors) {
      const env = fields(unhex(v.envelope))
      assert.deepEqual(env.map((f) => f.field), v.kind === 'item' ? [1, 2, 3, 4, 5] : [1, 2, 3], v.name)
      const headerBytes = get(env, 1) as Uint8Array
      const signature = get(env, 2) as Uint8Array
      const payload = get(env, 3) as Uint8Array
      assert.equal(hex(headerBytes), v.headerBytes)
      assert.equal(hex(signature), v.signature)
      const h = fields(headerBytes)
      const expectFields = v.kind === 'single' ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]
      assert.deepEqual(h.map((f) => f.field), expectFields, `${v.name}: header fields in order`)
      assert.equal(get(h, 1), 1)
      assert.equal(get(h, 2), v.kind === 'single' ? 1 : 2)
      assert.equal(get(h, 3), v.type.id)
      assert.equal(get(h, 4), v.serializer.id)
      assert.equal(get(h, 5), v.compression.id)
      assert.equal(new TextDecoder().decode(get(h, 6) as Uint8Array), file.channel)
      assert.equal(get(h, 7), file.seq)
      assert.equal(get(h, 8), file.timestamp)
      assert.equal(hex(get(h, 14) as Uint8Array), keyOf(v).publicKey)
      // the signature, checked by @libp2p/crypto over uvarint(len(domain)) || domain || header
      const key = publicKeyFromProtobuf(get(h, 14) as Uint8Array)
      assert.equal(key.verify(Uint8Array.from([...prefix, ...headerBytes]), signature), true, `${v.name}: signature`)
      assert.equal(key.toString(), keyOf(v).id)
      const codec = registry.get(v.type.id, v.serializer.id)
      if (v.kind === 'item') {
        // the item travels uncompressed; its proof binds it to the signed items root
        assert.equal(hex(payload), v.serialized)
        assert.equal(get(env, 4), v.index)
        assert.equal(rfc9162Verify(payload, v.index!, get(h, 12) as number, get(env, 5) as Uint8Array, get(h, 13) as Uint8Array), true, `${v.name}: proof`)
        assert.deepEqual(codec.decode(payload), expectedValues(v)[0])
        continue
      }
      assert.equal(get(h, 10), payload.length)
      assert.equal(hex(get(h, 11) as Uint8Array), hex(sha256(payload)), `${v.name}: digest`)
      assert.equal(get(h, 9), unhex(v.serialized).length)
      // decompress with the recorded backend and with every other available backend of the format
      for (const b of listBackends(v.compression.id)) {
        if (b.compressor === undefined) continue
        assert.equal(hex(b.compressor.decompress(payload, get(h, 9) as number)), v.serialized, `${v.name}: ${b.backend}`)
      }
      const serialized = unhex(v.serialized)
      if (v.kind === 'single') {
        assert.equal(get(h, 12), 1)
        assert.deepEqual(codec.decode(serialized), expectedValues(v)[0])
      } else {
        // uvarint(len) || item, repeated; the items root is the RFC 9162 root over the items
        const items: Uint8Array[] = []
        for (let pos = 0; pos < serialized.length;) {
          let len = 0
          for (let scale = 1; ; scale *= 128) {
            const b = serialized[pos++]!
            len += (b & 0x7f) * scale
            if (b < 0x80) break
          }
          items.push(serialized.subarray(pos, pos + len))
          pos += len
        }
        assert.equal(get(h, 12), items.length)
        assert.deepEqual(items.map((i) => codec.decode(i)), expectedValues(v))
        const leaves = items.map((i) => sha256(Uint8Array.from([0, ...i])))
        const root = (nodes: Uint8Array[]): Uint8Array => {
          if (nodes.length === 1) return nodes[0]!
          let k = 1
          while (k * 2 < nodes.length) k *= 2
          return sha256(Uint8Array.from([1, ...root(nodes.slice(0, k)), ...root(nodes.slice(k))]))
        }
        assert.equal(hex(root(leaves)), hex(get(h, 13) as Uint8Array), `${v.name}: items root`)
      }
    }
  })

  it('a flipped bit in any vector\'s signature, header or payload is refused', () => {
    for (const v of file.vectors) {
      const bytes = unhex(v.envelope)
      const sigAt = Buffer.from(bytes).indexOf(Buffer.from(unhex(v.signature)))
      for (const [pos, want] of [[sigAt + 3, 'invalid-signature'], [bytes.length - 1, undefined], [20, undefined]] as const) {
        const bad = bytes.slice()
        bad[pos] = bad[pos]! ^ 0x10
        const r = receiver().open(bad, { channel: file.channel })
        assert.equal(r.ok, false, `${v.name} @${pos}`)
        if (want !== undefined) assert.equal(r.ok ? 'ok' : r.reason, want, v.name)
      }
    }
  })

  it('re-sealed with the fastest backends: same value, and the same bytes wherever the payload bytes agree', async (t) => {
    const fastest = createCompressorSet()
    const keys = await vectorKeys()
    const sender = createCodec({
      privateKey: keys.find((k) => k.name === 'ed25519')!.key,
      serializers: registry,
      compressors: fastest,
      sequencer: { next: () => file.seq, writes: 0 },
      now: () => file.timestamp
    })
    const type = (id: number): MessageType<unknown> => (id === BlockType.id ? BlockType : PeerInfoType) as MessageType<unknown>
    let identical = 0
    let differ = 0
    for (const v of file.vectors.filter((x) => x.kind === 'single' && x.key === 'ed25519')) {
      const value = expectedValues(v)[0]
      const bytes = sender.seal(type(v.type.id), value, { channel: file.channel, serializer: v.serializer.id, compression: v.compression.name })
      const r = receiver().open(bytes, { channel: file.channel })
      assert.equal(r.ok, true, v.name)
      assert.deepEqual((r as OpenAccepted).value, value, v.name)
      const payload = get(fields(bytes), 3) as Uint8Array
      const recordedPayload = get(fields(unhex(v.envelope)), 3) as Uint8Array
      if (hex(payload) === hex(recordedPayload)) {
        // same compressed bytes -> the whole envelope is the vector, signature included
        assert.equal(hex(bytes), v.envelope, v.name)
        identical++
      } else {
        differ++
      }
    }
    assert.ok(identical >= file.vectors.filter((x) => x.compression.name === 'none' && x.key === 'ed25519' && x.kind === 'single').length)
    t.diagnostic(`fastest backends ${JSON.stringify({ snappy: fastest.snappy.backend, gzip: fastest.gzip.backend, zstd: fastest.zstd.backend })}: ` +
      `${identical} envelopes byte-identical to the vectors, ${differ} differ in compressed bytes only`)
  })
})
