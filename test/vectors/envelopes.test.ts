/**
 * The committed conformance vectors (test/vectors/envelopes.json, see
 * README.md): regenerated in memory and compared byte for byte, opened by the
 * codec, checked by an independent reading of the format (a minimal protobuf
 * walker, @libp2p/crypto signatures, node:crypto SHA-256, an RFC 9162 proof
 * check written here); every must-reject vector is refused with its reason
 * and rule, and names a section that SPEC.md has.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { publicKeyFromProtobuf } from '@libp2p/crypto/keys'
import { createCodec, type OpenAccepted, type OpenResult } from '../../src/codec/index.js'
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

/** Opens any vector: chunked ones through openChunked() and their frames. */
function openVector (v: { envelope: string, frames?: string[] }, channel = file.channel): OpenResult {
  const rx = receiver()
  const head = unhex(v.envelope)
  if (v.frames === undefined) return rx.open(head, { channel })
  const chunked = rx.openChunked(head, { channel })
  if (!chunked.ok) return chunked
  for (const f of v.frames) {
    const verdict = chunked.accept(unhex(f))
    if (!verdict.ok) return { ok: false, reason: verdict.reason as 'malformed', detail: `frame: ${verdict.reason}`, ...('rule' in verdict && verdict.rule !== undefined ? { rule: verdict.rule } : {}) }
  }
  return chunked.finish()
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
    assert.deepEqual([...new Set(file.vectors.map((v) => v.kind))].sort(), ['batch', 'chunked', 'item', 'single'])
    assert.deepEqual(file.keys.map((k) => k.type), ['Ed25519', 'secp256k1', 'ECDSA P-256', 'ECDSA P-384', 'ECDSA P-521'])
    for (const k of file.keys) assert.ok(file.vectors.some((v) => v.key === k.name), `a vector signed with ${k.name}`)
    // items 0 and last of the batch, an empty payload, chunked with frames and the empty chunked value
    for (const n of ['Block/protobuf/zstd/batch/item-0', 'Block/protobuf/zstd/batch/item-2', 'Block/protobuf/none/empty', 'Block/protobuf/none/chunked', 'Block/protobuf/none/chunked/empty']) assert.ok(names.has(n), n)
    assert.equal(file.vectors.find((v) => v.name === 'Block/protobuf/none/chunked/empty')!.frames!.length, 0)
    assert.ok(file.vectors.find((v) => v.name === 'Block/protobuf/none/chunked')!.frames!.length > 1)
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
      const r = openVector(v)
      assert.equal(r.ok, true, `${v.name}: ${r.ok ? '' : r.reason}`)
      const a = r as OpenAccepted
      assert.equal(a.kind, v.kind === 'chunked' ? 'single' : v.kind, v.name)
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

  it('every vector checks out under an independent reading of the format', async () => {
    const prefix = unhex(file.domainPrefix)
    assert.deepEqual(prefix, Uint8Array.from([file.domain.length, ...new TextEncoder().encode(file.domain)]))
    for (const v of file.vectors) {
      const env = fields(unhex(v.envelope))
      // proto3: a payload that is empty is not written; index and proof (explicit presence) always are in an item
      const payloadWritten = v.kind !== 'chunked' && v.serialized !== ''
      assert.deepEqual(env.map((f) => f.field), [1, 2, ...(payloadWritten ? [3] : []), ...(v.kind === 'item' ? [4, 5] : [])], v.name)
      const headerBytes = get(env, 1) as Uint8Array
      const signature = get(env, 2) as Uint8Array
      const payload = (get(env, 3) ?? new Uint8Array(0)) as Uint8Array
      assert.equal(hex(headerBytes), v.headerBytes)
      assert.equal(hex(signature), v.signature)
      const h0 = fields(headerBytes)
      // SPEC.md 4.2: ascending field numbers, no field holding its default value, items_root only in a batch, chunk_bytes only chunked
      const numbers = h0.map((f) => f.field)
      assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), `${v.name}: ascending`)
      assert.equal(new Set(numbers).size, numbers.length)
      for (const f of h0) assert.ok(f.value instanceof Uint8Array ? f.value.length > 0 : f.value !== 0, `${v.name}: field ${f.field} holds its default`)
      assert.equal(numbers.includes(13), v.kind === 'batch' || v.kind === 'item', `${v.name}: items_root`)
      assert.equal(numbers.includes(15), v.kind === 'chunked', `${v.name}: chunk_bytes`)
      const h = h0
      const num = (n: number): number => (get(h, n) ?? 0) as number
      assert.equal(get(h, 1), 2)
      assert.equal(get(h, 2), { single: 1, batch: 2, item: 2, chunked: 3 }[v.kind])
      assert.equal(num(3), v.type.id)
      assert.equal(num(4), v.serializer.id)
      assert.equal(num(5), v.compression.id)
      assert.equal(new TextDecoder().decode(get(h, 6) as Uint8Array), file.channel)
      assert.equal(get(h, 7), file.seq)
      assert.equal(get(h, 8), file.timestamp)
      assert.equal(hex(get(h, 14) as Uint8Array), keyOf(v).publicKey)
      // the signature, checked by @libp2p/crypto over uvarint(len(domain)) || domain || header
      const key = publicKeyFromProtobuf(get(h, 14) as Uint8Array)
      assert.equal(await key.verify(Uint8Array.from([...prefix, ...headerBytes]), signature), true, `${v.name}: signature`)
      assert.equal(key.toString(), keyOf(v).id)
      const codec = registry.get(v.type.id, v.serializer.id)
      if (v.kind === 'chunked') {
        // SPEC.md 9: frames { index (omitted when 0), proof, data }, chunk_bytes each but the last, RFC 9162 root = digest
        const chunkBytes = get(h, 15) as number
        const frames = v.frames!.map((f) => fields(unhex(f)))
        assert.equal(num(12), frames.length)
        const data = frames.map((f) => get(f, 3) as Uint8Array)
        frames.forEach((f, i) => {
          assert.equal((get(f, 1) ?? 0), i)
          assert.equal(rfc9162Verify(data[i]!, i, frames.length, (get(f, 2) ?? new Uint8Array(0)) as Uint8Array, get(h, 11) as Uint8Array), true, `${v.name}: chunk ${i}`)
          assert.equal(data[i]!.length, i === frames.length - 1 ? num(10) - i * chunkBytes : chunkBytes)
        })
        if (frames.length === 0) assert.equal(hex(get(h, 11) as Uint8Array), hex(sha256(new Uint8Array(0))), 'empty-tree root')
        const carried = Uint8Array.from(data.flatMap((d) => [...d]))
        assert.equal(carried.length, num(10))
        const b = listBackends(v.compression.id).find((x) => x.compressor !== undefined)!
        assert.equal(hex(b.compressor!.decompress(carried, num(9))), v.serialized)
        continue
      }
      if (v.kind === 'item') {
        // the item travels uncompressed; its proof binds it to the signed items root
        assert.equal(hex(payload), v.serialized)
        assert.equal(get(env, 4), v.index)
        assert.equal(rfc9162Verify(payload, v.index!, num(12), get(env, 5) as Uint8Array, get(h, 13) as Uint8Array), true, `${v.name}: proof`)
        assert.deepEqual(codec.decode(payload), expectedValues(v)[0])
        continue
      }
      assert.equal(num(10), payload.length)
      assert.equal(hex(get(h, 11) as Uint8Array), hex(sha256(payload)), `${v.name}: digest`)
      assert.equal(num(9), unhex(v.serialized).length)
      // decompress with the recorded backend and with every other available backend of the format
      for (const b of listBackends(v.compression.id)) {
        if (b.compressor === undefined) continue
        assert.equal(hex(b.compressor.decompress(payload, num(9))), v.serialized, `${v.name}: ${b.backend}`)
      }
      const serialized = unhex(v.serialized)
      if (v.kind === 'single') {
        assert.equal(num(12), 1)
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
        assert.equal(num(12), items.length)
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
    for (const v of file.vectors.filter((x) => x.kind !== 'chunked')) {
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
      const payload = (get(fields(bytes), 3) ?? new Uint8Array(0)) as Uint8Array
      const recordedPayload = (get(fields(unhex(v.envelope)), 3) ?? new Uint8Array(0)) as Uint8Array
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

  it('every must-reject vector is refused with its stated reason and rule', () => {
    assert.ok(file.rejects.length >= 60)
    assert.equal(new Set(file.rejects.map((r) => r.name)).size, file.rejects.length, 'names are unique')
    assert.equal(file.receiver.now, file.timestamp)
    for (const v of file.rejects) {
      const r = openVector(v, v.channel ?? file.channel)
      assert.equal(r.ok, false, `${v.name} accepted`)
      if (r.ok) continue
      assert.equal(r.reason, v.expect.reason, `${v.name}: ${r.detail}`)
      if (v.expect.rule !== undefined) assert.equal(r.rule, v.expect.rule, `${v.name}: ${r.detail}`)
    }
  })

  it('every must-reject vector names a section SPEC.md has, and SPEC.md lists its rule in that section', () => {
    const spec = readFileSync(new URL('../../SPEC.md', import.meta.url), 'utf8')
    const sections = new Map<string, string>()
    let current: string | undefined
    for (const line of spec.split('\n')) {
      const m = /^#{2,4} (\d+(?:\.\d+)*)\.? /.exec(line)
      if (m !== null) { current = m[1]!; sections.set(current, '') }
      if (current !== undefined) {
        // a section's text includes its subsections'
        for (const [id] of sections) if (current === id || current.startsWith(id + '.')) sections.set(id, sections.get(id)! + line + '\n')
      }
    }
    for (const v of file.rejects) {
      assert.ok(sections.has(v.section), `${v.name}: SPEC.md has no section ${v.section}`)
      if (v.expect.rule !== undefined) assert.ok(sections.get(v.section)!.includes('`' + v.expect.rule + '`'), `${v.name}: section ${v.section} does not name rule ${v.expect.rule}`)
      assert.ok(sections.get(v.section)!.includes('`' + v.expect.reason + '`') || spec.includes('`' + v.expect.reason + '`'), `${v.name}: SPEC.md does not name reason ${v.expect.reason}`)
    }
  })

  it('the must-reject vectors cover every wire rule open() can report', () => {
    const covered = new Set(file.rejects.map((r) => r.expect.rule).filter((x) => x !== undefined))
    // rules not reachable through an envelope: over-long field lengths are caps (field-length), and
    // structural rules of the key reader beyond those listed share the generic protobuf rules
    for (const rule of ['varint-non-minimal', 'varint-overflow', 'truncated', 'field-order', 'unknown-field', 'wire-type', 'default-value', 'missing-field', 'foreign-field',
      'unsupported-version', 'unknown-kind', 'digest-length', 'count', 'payload-length', 'channel-utf8', 'item-fields', 'proof-length', 'key-type', 'key-length',
      'key-uncompressed', 'key-non-canonical', 'key-invalid', 'batch-prefix', 'trailing-bytes', 'empty-root']) {
      assert.ok(covered.has(rule as never), `no must-reject vector for rule ${rule}`)
    }
  })

  it('the vectors, their README and SPEC.md ship in the npm package', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { files: string[] }
    for (const entry of ['test/vectors', 'SPEC.md', 'proto']) assert.ok(pkg.files.includes(entry), entry)
  })
})
