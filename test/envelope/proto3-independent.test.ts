/**
 * Headers and envelopes built by an independent proto3 implementation
 * (protons, generated from proto/envelope.proto into ./protons) are accepted
 * by wireseal, and wireseal's own encoding is byte for byte what protons
 * emits for the same values (SPEC.md 2.2, 4.2: the canonical encoding is the
 * stock proto3 one). Before format version 2 a protons header was refused as
 * `malformed` (zero fields omitted).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { generateKeyPairFromSeed, generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { Chunk, Envelope, Header } from './protons/envelope.js'
import { createCodec, type OpenAccepted } from '../../src/codec/index.js'
import { createSigner } from '../../src/envelope/keys.js'
import { domainPrefix, parseEnvelope } from '../../src/envelope/envelope.js'
import { ENVELOPE_VERSION, encodeChannel, headerLength, writeHeader, type HeaderParts } from '../../src/envelope/header.js'
import { PbWriter } from '../../src/envelope/pb.js'
import { DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN } from '../../src/limits.js'
import { BlockType, createSerializerRegistry, type Block } from '../../src/serialize/index.js'
import { sha256 } from '../../src/integrity/sha256.js'
import { buildMerkleTree, encodeProof } from '../../src/integrity/merkle.js'
import { joinBatchItems } from '../../src/envelope/batch.js'

const NOW = 1_700_000_000_000
const prefix = domainPrefix(DEFAULT_SIGNATURE_DOMAIN)
const registry = createSerializerRegistry()
const protobufBlock = registry.get(BlockType.id, 1)
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function receiver (): ReturnType<typeof createCodec> {
  return createCodec({ serializers: registry, now: () => NOW })
}

/** Signs protons-encoded header bytes; the envelope is protons-encoded too. */
function envelopeOf (key: PrivateKey, header: Partial<Header>, payload: Uint8Array, item?: { index: number, proof: Uint8Array }): Uint8Array {
  const headerBytes = Header.encode(header)
  const signed = Uint8Array.from([...prefix, ...headerBytes])
  const signature = createSigner(key).sign(signed)
  return Envelope.encode({ header: headerBytes, signature: Uint8Array.from(signature), payload: Uint8Array.from(payload), ...(item === undefined ? {} : { index: item.index, proof: Uint8Array.from(item.proof) }) })
}

function header (key: PrivateKey, fields: Partial<Header>): Partial<Header> {
  return { version: ENVELOPE_VERSION, publicKey: createSigner(key).publicKey, ...fields }
}

const emptyBlock: Block = { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) }

describe('an independent proto3 encoder (protons)', async () => {
  const ed = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(7))
  const block: Block = { hash: sha256(Uint8Array.of(1)), data: new TextEncoder().encode('x'.repeat(100)), timestamp: 5n, ttl: 9, version: 1, signature: Uint8Array.of(1, 2) }

  it('a single envelope with zero compression, an empty channel and seq 0 (fields a proto3 encoder omits) opens', () => {
    const payload = protobufBlock.encode(block)
    const env = envelopeOf(ed, header(ed, { kind: 1, type: 1, serializer: 1, compression: 0, channel: '', seq: 0n, timestamp: BigInt(NOW), uncompressedLength: BigInt(payload.length), payloadLength: BigInt(payload.length), digest: sha256(payload), count: 1 }), payload)
    const r = receiver().open(env, { channel: '' })
    assert.equal(r.ok, true, r.ok ? '' : `${r.reason} ${r.detail}`)
    assert.deepEqual((r as OpenAccepted).value, block)
    assert.equal((r as OpenAccepted).seq, 0)
  })

  it('an empty payload (omitted by proto3) with timestamp 0 opens', () => {
    const payload = protobufBlock.encode(emptyBlock)
    assert.equal(payload.length, 0)
    const env = envelopeOf(ed, header(ed, { kind: 1, type: 1, serializer: 1, channel: 'c', seq: 3n, timestamp: BigInt(NOW), digest: sha256(payload), count: 1 }), payload)
    assert.equal(parseEnvelope(env, DEFAULT_LIMITS).payload.length, 0)
    const r = receiver().open(env, { channel: 'c' })
    assert.equal(r.ok, true, r.ok ? '' : `${r.reason} ${r.detail}`)
    assert.deepEqual((r as OpenAccepted).value, emptyBlock)
  })

  it('a batch and its items 0 (index 0 written: proto3 optional) and last open', () => {
    const values = [block, emptyBlock, { ...block, ttl: 10 }]
    const items = values.map((v) => protobufBlock.encode(v))
    const payload = joinBatchItems(items)
    const tree = buildMerkleTree(items)
    const h = header(ed, { kind: 2, type: 1, serializer: 1, channel: 'b', seq: 10n, timestamp: BigInt(NOW), uncompressedLength: BigInt(payload.length), payloadLength: BigInt(payload.length), digest: sha256(payload), count: 3, itemsRoot: tree.root })
    const batch = receiver().open(envelopeOf(ed, h, payload), { channel: 'b' })
    assert.equal(batch.ok, true, batch.ok ? '' : `${batch.reason} ${batch.detail}`)
    assert.deepEqual((batch as OpenAccepted).messages.map((m) => m.value), values)
    for (const index of [0, 2]) {
      const env = envelopeOf(ed, h, items[index]!, { index, proof: encodeProof(tree.proof(index)) })
      if (index === 0) assert.equal(hex(env).includes('2000'), true, 'index 0 is on the wire')
      const r = receiver().open(env, { channel: 'b' })
      assert.equal(r.ok, true, r.ok ? '' : `${r.reason} ${r.detail}`)
      assert.equal((r as OpenAccepted).kind, 'item')
      assert.deepEqual((r as OpenAccepted).value, values[index])
      // the item envelope wireseal builds is the protons one
      assert.equal(hex((batch as OpenAccepted).itemEnvelope!(index)), hex(env))
    }
    // a batch of one: item 0 with an empty proof (both written)
    const one = [protobufBlock.encode(block)]
    const oneTree = buildMerkleTree(one)
    const h1 = { ...h, count: 1, itemsRoot: oneTree.root, uncompressedLength: BigInt(joinBatchItems(one).length), payloadLength: BigInt(joinBatchItems(one).length), digest: sha256(joinBatchItems(one)) }
    const item = envelopeOf(ed, h1, one[0]!, { index: 0, proof: new Uint8Array(0) })
    assert.ok(hex(item).endsWith('20002a00'))
    const r = receiver().open(item, { channel: 'b' })
    assert.equal(r.ok, true, r.ok ? '' : `${r.reason} ${r.detail}`)
  })

  it('a chunked head with chunk_bytes and protons chunk frames open, the empty value included', () => {
    const big: Block = { ...block, data: new Uint8Array(2500).fill(3) }
    for (const value of [big, emptyBlock]) {
      const payload = protobufBlock.encode(value)
      const chunkBytes = 1000
      const pieces: Uint8Array[] = []
      for (let o = 0; o < payload.length; o += chunkBytes) pieces.push(payload.subarray(o, o + chunkBytes))
      const tree = buildMerkleTree(pieces)
      const head = envelopeOf(ed, header(ed, { kind: 3, type: 1, serializer: 1, channel: 'k', seq: 1n, timestamp: BigInt(NOW), uncompressedLength: BigInt(payload.length), payloadLength: BigInt(payload.length), digest: tree.root, count: pieces.length, chunkBytes }), new Uint8Array(0))
      const rx = receiver().openChunked(head, { channel: 'k' })
      assert.equal(rx.ok, true, rx.ok ? '' : `${rx.reason} ${rx.detail}`)
      if (!rx.ok) return
      assert.equal(rx.chunkCount, pieces.length)
      for (const [i, data] of pieces.entries()) assert.deepEqual(rx.accept(Chunk.encode({ index: i, proof: encodeProof(tree.proof(i)), data })), { ok: true })
      const done = rx.finish()
      assert.equal(done.ok, true, done.ok ? '' : `${done.reason} ${done.detail}`)
      assert.deepEqual((done as OpenAccepted).value, value)
    }
  })

  it('wireseal seals exactly the bytes protons emits (every key type, every kind)', async () => {
    const keys = [ed, await generateKeyPair('secp256k1'), await generateKeyPair('ECDSA', 'P-256'), await generateKeyPair('ECDSA', 'P-384'), await generateKeyPair('ECDSA', 'P-521')]
    for (const key of keys) {
      const sender = createCodec({ privateKey: key, serializers: registry, now: () => NOW, sequencer: { next: () => 0, writes: 0 } })
      const sealed = [
        // seal refuses the empty channel; its omission from the header is the property test's below
        sender.seal(BlockType, block, { channel: 'x', compression: 'none' }),
        sender.seal(BlockType, emptyBlock, { channel: 'x', compression: 'none' }),
        sender.sealBatch(BlockType, [block, emptyBlock], { channel: 'x', compression: 'gzip' }),
        ...sender.sealChunked(BlockType, emptyBlock, { channel: 'x' }),
        sender.sealChunked(BlockType, block, { channel: 'x' })[0]!
      ]
      for (const bytes of sealed) {
        const env = Envelope.decode(bytes)
        assert.equal(hex(Envelope.encode(env)), hex(bytes), 'envelope re-encoded by protons')
        const h = Header.decode(env.header)
        assert.equal(hex(Header.encode(h)), hex(env.header), 'header re-encoded by protons')
      }
    }
  })

  it('property: for any header values, wireseal\'s header bytes are protons\' and read back to the same values', () => {
    const u32 = fc.integer({ min: 0, max: 0xffff_ffff })
    const u53 = fc.maxSafeNat()
    const bytes32 = fc.oneof(fc.constant(new Uint8Array(0)), fc.uint8Array({ minLength: 32, maxLength: 32 }))
    fc.assert(fc.property(u32, u32, u32, u32, u32, fc.string({ maxLength: 40 }), u53, u53, u53, u53, bytes32, u32, bytes32, fc.uint8Array({ minLength: 1, maxLength: 100 }), u32,
      (version, kind, type, serializer, compression, channel, seq, timestamp, uncompressedLength, payloadLength, digest, count, itemsRoot, publicKey, chunkBytes) => {
        const parts: HeaderParts = { version, kind: kind as 1, type, serializer, compression, channel, channelBytes: encodeChannel(channel), seq, timestamp, uncompressedLength, payloadLength, digest, count, itemsRoot, publicKey, chunkBytes }
        const out = new Uint8Array(headerLength(parts))
        const w = new PbWriter(out)
        writeHeader(w, parts)
        assert.equal(w.pos, out.length)
        const theirs = Header.encode({ version, kind, type, serializer, compression, channel, seq: BigInt(seq), timestamp: BigInt(timestamp), uncompressedLength: BigInt(uncompressedLength), payloadLength: BigInt(payloadLength), digest, count, itemsRoot, publicKey, chunkBytes })
        assert.equal(hex(out), hex(theirs))
      }), { numRuns: 300 })
  })
})
