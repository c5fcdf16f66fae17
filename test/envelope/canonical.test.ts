/**
 * One encoding per envelope (SPEC.md 2, 4, 5, 8, 9): every leniency the
 * format once had is refused with its typed rule, through `open()` (reason
 * `malformed`, `rule` set) and through the parsers. Each case is validly
 * signed, so only the structural rule can refuse it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { createCodec, type OpenAccepted, type OpenResult } from '../../src/codec/index.js'
import { createSigner } from '../../src/envelope/keys.js'
import { domainPrefix, parseEnvelope } from '../../src/envelope/envelope.js'
import { ENVELOPE_VERSION } from '../../src/envelope/header.js'
import { splitBatchItems } from '../../src/envelope/batch.js'
import { parseChunkFrame } from '../../src/envelope/chunk-frame.js'
import { createLimits, DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN } from '../../src/limits.js'
import { WireFormatError, type WireRule } from '../../src/errors.js'
import { BlockType, createSerializerRegistry, type Block } from '../../src/serialize/index.js'
import { sha256 } from '../../src/integrity/sha256.js'
import { buildMerkleTree } from '../../src/integrity/merkle.js'

const NOW = 1_700_000_000_000
const prefix = domainPrefix(DEFAULT_SIGNATURE_DOMAIN)
const registry = createSerializerRegistry()
const pbBlock = registry.get(BlockType.id, 1)
const seed = new Uint8Array(32).fill(9)

/** A field of a hand-written message: varint value, bytes, or raw bytes spliced in as they are. */
type Field = [number, number | Uint8Array] | Uint8Array

function varint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) { out.push((n % 128) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return out
}

/** Hand-written protobuf writer: writes exactly the fields given, in the order given. */
function message (fields: Field[]): Uint8Array {
  const out: number[] = []
  for (const f of fields) {
    if (f instanceof Uint8Array) { out.push(...f); continue }
    const [n, v] = f
    if (typeof v === 'number') out.push(...varint(n * 8), ...varint(v))
    else out.push(...varint(n * 8 + 2), ...varint(v.length), ...v)
  }
  return Uint8Array.from(out)
}

const block: Block = { hash: sha256(Uint8Array.of(1)), data: new Uint8Array(80).fill(5), timestamp: 1n, ttl: 2, version: 1, signature: Uint8Array.of(7) }
const payload = pbBlock.encode(block)

describe('canonical encodings only', async () => {
  const key = await generateKeyPairFromSeed('Ed25519', seed)
  const signer = createSigner(key)
  const sign = (h: Uint8Array): Uint8Array => signer.sign(Uint8Array.from([...prefix, ...h]))

  /** Header fields of a valid single envelope over `payload` (ascending, defaults omitted). */
  function singleHeader (over: Record<number, number | Uint8Array | null> = {}, extra: Field[] = []): Field[] {
    const base: Record<number, number | Uint8Array> = { 1: ENVELOPE_VERSION, 2: 1, 3: 1, 4: 1, 6: new TextEncoder().encode('c'), 7: 5, 8: NOW, 9: payload.length, 10: payload.length, 11: sha256(payload), 12: 1, 14: signer.publicKey }
    const merged: Record<number, number | Uint8Array | null> = { ...base, ...over }
    const fields: Field[] = Object.keys(merged).map(Number).sort((a, b) => a - b).filter((n) => merged[n] !== null).map((n) => [n, merged[n]!] as Field)
    return [...fields, ...extra]
  }

  function envelope (headerFields: Field[], env: (h: Uint8Array, sig: Uint8Array) => Field[] = (h, sig) => [[1, h], [2, sig], [3, payload]]): Uint8Array {
    const h = message(headerFields)
    return message(env(h, sign(h)))
  }

  const open = (bytes: Uint8Array, channel = 'c'): OpenResult => createCodec({ serializers: registry, now: () => NOW }).open(bytes, { channel })

  function refused (bytes: Uint8Array, rule: WireRule, what: string): void {
    const r = open(bytes)
    assert.equal(r.ok, false, `${what}: accepted`)
    if (r.ok) return
    assert.equal(r.reason, 'malformed', `${what}: ${r.reason} ${r.detail}`)
    assert.equal(r.rule, rule, `${what}: ${r.detail}`)
  }

  it('the baseline envelope (hand-written, canonical) opens', () => {
    const r = open(envelope(singleHeader()))
    assert.equal(r.ok, true, r.ok ? '' : r.detail)
    assert.deepEqual((r as OpenAccepted).value, block)
  })

  it('a header field written with its default value is refused (default-value)', () => {
    refused(envelope(singleHeader({ 5: 0 })), 'default-value', 'compression = 0 written')
    refused(envelope(singleHeader({ 6: new Uint8Array(0) })), 'default-value', 'empty channel written')
    refused(envelope(singleHeader({ 7: 0 })), 'default-value', 'seq = 0 written')
    // and the envelope's payload written empty
    const empty = pbBlock.encode({ hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) })
    assert.equal(empty.length, 0)
    refused(envelope(singleHeader({ 9: null, 10: null, 11: sha256(empty) }), (h, s) => [[1, h], [2, s], [3, empty]]), 'default-value', 'payload written empty (1a 00)')
  })

  it('version 1 (the pre-proto3 format) and a missing version are refused (unsupported-version)', () => {
    refused(envelope(singleHeader({ 1: 1 })), 'unsupported-version', 'version 1')
    refused(envelope(singleHeader({ 1: null })), 'unsupported-version', 'no version')
  })

  it('fields that do not belong to the envelope kind are refused (foreign-field)', () => {
    refused(envelope(singleHeader({ 13: sha256(Uint8Array.of(2)) })), 'foreign-field', 'items_root in a single envelope')
    refused(envelope(singleHeader({ 15: 4096 })), 'foreign-field', 'chunk_bytes in a single envelope')
    refused(envelope(singleHeader(), (h, s) => [[1, h], [2, s], [3, payload], [4, 0], [5, new Uint8Array(0)]]), 'foreign-field', 'index and proof in a single envelope')
    // an empty items_root in a single envelope was accepted too; it is now a written default
    refused(envelope(singleHeader({ 13: new Uint8Array(0) })), 'default-value', 'empty items_root in a single envelope')
  })

  it('a chunked head with a payload, without chunk_bytes or with a wrong count is refused', () => {
    const root = buildMerkleTree([payload]).root
    const chunked = { 2: 3, 11: root, 12: 1, 15: 4096 }
    const ok = envelope(singleHeader(chunked), (h, s) => [[1, h], [2, s]])
    const rx = createCodec({ serializers: registry, now: () => NOW }).openChunked(ok, { channel: 'c' })
    assert.equal(rx.ok, true, rx.ok ? '' : rx.detail)
    refused(envelope(singleHeader(chunked), (h, s) => [[1, h], [2, s], [3, payload]]), 'foreign-field', 'payload in a chunked head')
    refused(envelope(singleHeader({ ...chunked, 15: null }), (h, s) => [[1, h], [2, s]]), 'missing-field', 'no chunk_bytes')
    refused(envelope(singleHeader({ ...chunked, 15: 10 }), (h, s) => [[1, h], [2, s]]), 'count', 'count 1 for 10-byte chunks')
    const big = open(envelope(singleHeader({ ...chunked, 15: DEFAULT_LIMITS.chunkBytes + 1 }), (h, s) => [[1, h], [2, s]]))
    assert.equal(big.ok ? 'ok' : big.reason, 'too-large', 'chunks over the receiver\'s chunkBytes')
  })

  it('field order, repeats, unknown fields and wire types are refused', () => {
    const fields = singleHeader()
    const swapped = [...fields]
    ;[swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!]
    refused(envelope(swapped), 'field-order', 'type and serializer swapped')
    refused(envelope([...fields, [14, signer.publicKey]]), 'field-order', 'public key twice')
    refused(envelope([...fields, [16, 1]]), 'unknown-field', 'unknown header field 16')
    refused(envelope(singleHeader(), (h, s) => [[1, h], [2, s], [3, payload], [9, 1]]), 'unknown-field', 'unknown envelope field 9')
    refused(envelope(singleHeader(), (h, s) => [[2, s], [1, h], [3, payload]]), 'field-order', 'signature before header')
    refused(envelope([...fields.slice(0, 2), Uint8Array.of(0x1a, 0x01, 0x01), ...fields.slice(3)]), 'wire-type', 'type as bytes')
  })

  it('non-minimal varints and trailing bytes are refused', () => {
    const fields = singleHeader()
    // seq 5 as 85 00
    const seqAt = fields.findIndex((f) => !(f instanceof Uint8Array) && f[0] === 7)
    const nonMinimal = [...fields]
    nonMinimal[seqAt] = Uint8Array.of(0x38, 0x85, 0x00)
    refused(envelope(nonMinimal), 'varint-non-minimal', 'seq 85 00')
    const good = envelope(fields)
    refused(Uint8Array.from([...good, 0x00]), 'unknown-field', 'a trailing zero byte after the envelope')
    refused(Uint8Array.from([...good, 0x1a]), 'field-order', 'a trailing tag after the envelope')
    const h = message(fields)
    refused(message([[1, Uint8Array.from([...h, 0x78])], [2, sign(Uint8Array.from([...h, 0x78]))], [3, payload]]), 'truncated', 'a trailing tag inside the header')
  })

  it('batch items with a non-minimal length prefix or trailing bytes are refused', () => {
    const items = [pbBlock.encode(block), pbBlock.encode({ ...block, ttl: 3 })]
    const root = buildMerkleTree(items).root
    const batchOf = (list: Uint8Array): Uint8Array => envelope(singleHeader({ 2: 2, 9: list.length, 10: list.length, 11: sha256(list), 12: 2, 13: root }), (h, s) => [[1, h], [2, s], [3, list]])
    const canonical = Uint8Array.from([...varint(items[0]!.length), ...items[0]!, ...varint(items[1]!.length), ...items[1]!])
    assert.equal(open(batchOf(canonical)).ok, true)
    assert.ok(items[0]!.length < 128)
    const padded = Uint8Array.from([items[0]!.length | 0x80, 0x00, ...items[0]!, ...varint(items[1]!.length), ...items[1]!])
    refused(batchOf(padded), 'batch-prefix', 'length prefix 0x80|n 00')
    refused(batchOf(Uint8Array.from([...canonical, 0])), 'trailing-bytes', 'a byte after the last item')
    assert.throws(() => splitBatchItems(padded, 2), (e: unknown) => e instanceof WireFormatError && e.details.rule === 'batch-prefix')
  })

  it('an item envelope needs both index and proof; the index must be in the batch', () => {
    const items = [pbBlock.encode(block)]
    const list = Uint8Array.from([...varint(items[0]!.length), ...items[0]!])
    const root = buildMerkleTree(items).root
    const h = singleHeader({ 2: 2, 9: list.length, 10: list.length, 11: sha256(list), 12: 1, 13: root })
    assert.equal(open(envelope(h, (hb, s) => [[1, hb], [2, s], [3, items[0]!], [4, 0], [5, new Uint8Array(0)]])).ok, true, 'item 0 of 1')
    refused(envelope(h, (hb, s) => [[1, hb], [2, s], [3, items[0]!], [4, 0]]), 'item-fields', 'index without proof')
    refused(envelope(h, (hb, s) => [[1, hb], [2, s], [3, items[0]!], [5, new Uint8Array(0)]]), 'item-fields', 'proof without index')
    refused(envelope(h, (hb, s) => [[1, hb], [2, s], [3, items[0]!], [4, 1], [5, new Uint8Array(0)]]), 'item-fields', 'index 1 of 1')
    refused(envelope(h, (hb, s) => [[1, hb], [2, s], [3, items[0]!], [4, 0], [5, new Uint8Array(31)]]), 'proof-length', 'proof of 31 bytes')
  })

  it('chunk frames: index 0 and an empty proof omitted, written defaults refused', () => {
    const data = Uint8Array.of(1, 2, 3)
    assert.deepEqual(parseChunkFrame(message([[3, data]]), DEFAULT_LIMITS).index, 0)
    for (const [bytes, rule] of [
      [message([[1, 0], [3, data]]), 'default-value'],
      [message([[2, new Uint8Array(0)], [3, data]]), 'default-value'],
      [message([[1, 1]]), 'missing-field'],
      [message([[3, data], [1, 1]]), 'field-order'],
      [message([[3, data], [4, 1]]), 'unknown-field']
    ] as const) {
      assert.throws(() => parseChunkFrame(bytes, DEFAULT_LIMITS), (e: unknown) => e instanceof WireFormatError && e.details.rule === rule, rule)
    }
  })

  it('the empty value sealed chunked opens end to end (0 chunks, SHA-256 of nothing)', () => {
    const empty: Block = { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) }
    for (const compression of ['auto', 'none', 'gzip', 'snappy', 'zstd'] as const) {
      const sender = createCodec({ privateKey: key, serializers: registry, now: () => NOW })
      const frames = sender.sealChunked(BlockType, empty, { channel: 'c', compression })
      const rx = createCodec({ serializers: registry, now: () => NOW }).openChunked(frames[0]!, { channel: 'c' })
      assert.equal(rx.ok, true, rx.ok ? '' : `${compression}: ${rx.detail}`)
      if (!rx.ok) return
      for (const f of frames.slice(1)) assert.deepEqual(rx.accept(f), { ok: true })
      assert.equal(rx.complete, true)
      const done = rx.finish()
      assert.equal(done.ok, true, done.ok ? '' : done.detail)
      assert.deepEqual((done as OpenAccepted).value, empty)
    }
  })

  it('the chunk size comes from the signed head: a receiver with other limits assembles it', () => {
    const value: Block = { ...block, data: new Uint8Array(5000).fill(1) }
    const sender = createCodec({ privateKey: key, serializers: registry, now: () => NOW, limits: createLimits({ chunkBytes: 1024 }) })
    const frames = sender.sealChunked(BlockType, value, { channel: 'c', compression: 'none' })
    assert.ok(frames.length > 5)
    assert.equal(parseEnvelope(frames[0]!, DEFAULT_LIMITS).header.chunkBytes, 1024)
    const rx = createCodec({ serializers: registry, now: () => NOW }).openChunked(frames[0]!, { channel: 'c' })
    assert.equal(rx.ok, true, rx.ok ? '' : rx.detail)
    if (!rx.ok) return
    for (const f of frames.slice(1)) assert.deepEqual(rx.accept(f), { ok: true })
    assert.deepEqual((rx.finish() as OpenAccepted).value, value)
  })

  it('property: a mutated canonical envelope is accepted only if it is the original, else refused without throwing', () => {
    const good = envelope(singleHeader())
    fc.assert(fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete'), (at, byte, op) => {
      const bytes = op === 'set' ? Uint8Array.from(good, (b, i) => i === at ? byte : b)
        : op === 'insert' ? Uint8Array.from([...good.subarray(0, at), byte, ...good.subarray(at)])
          : Uint8Array.from([...good.subarray(0, at), ...good.subarray(at + 1)])
      const r = open(bytes)
      if (r.ok) assert.deepEqual(bytes, good)
      else if (r.reason === 'malformed') assert.ok(r.rule !== undefined || r.detail.length > 0)
    }), { numRuns: 400 })
  })
})
