/**
 * Cap'n Proto serializers: round trips, the layout against the compiler's
 * (capnp-es generated code), interop both ways with capnp-es and with the
 * C++ reference (`capnp` tool: canonical form, multi-segment messages with
 * far and double-far pointers; fixed vectors here, live when installed), and
 * the bounded reader: truncation, garbage, oversized claims, aliasing.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import fc from 'fast-check'
import * as $ from 'capnp-es'
import { capnpBlock, capnpPeerInfo, createCapnpBlockSerializer, SerializerId } from '../../src/serialize/index.js'
import { CAPNP_LAYOUT } from '../../src/serialize/capnp.js'
import { CAPNP_MAX_SEGMENTS } from '../../src/serialize/capnp-wire.js'
import { Block as CpBlock, PeerInfo as CpPeerInfo } from '../../src/serialize/generated/capnp/index.js'
import type { Block, PeerInfo } from '../../src/serialize/messages.js'
import { InvalidValueError, MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { DEFAULT_PROTOCOL_NAMES } from '../../src/libp2p/protocol-id.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createCodec } from '../../src/codec/index.js'
import { BlockType, PeerInfoType } from '../../src/serialize/messages.js'
import { MAX_U64, block, peerInfo, sampleBlock, samplePeerInfo, typedFailure } from './arbitraries.js'

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

// --- capnp-es as the independent implementation ------------------------------

function esEncodeBlock (b: Block): Uint8Array {
  const m = new $.Message()
  const r = m.initRoot(CpBlock)
  if (b.hash.length > 0) r._initHash(b.hash.length).copyBuffer(b.hash)
  if (b.data.length > 0) r._initData(b.data.length).copyBuffer(b.data)
  r.timestamp = b.timestamp
  r.ttl = b.ttl
  r.version = b.version
  if (b.signature.length > 0) r._initSignature(b.signature.length).copyBuffer(b.signature)
  return new Uint8Array(m.toArrayBuffer())
}

function esDecodeBlock (bytes: Uint8Array): Block {
  const r = new $.Message(bytes, false).getRoot(CpBlock)
  return { hash: r.hash.toUint8Array(), data: r.data.toUint8Array(), timestamp: r.timestamp, ttl: r.ttl, version: r.version, signature: r.signature.toUint8Array() }
}

function esEncodePeerInfo (p: PeerInfo): Uint8Array {
  const m = new $.Message()
  const r = m.initRoot(CpPeerInfo)
  if (p.peerId.length > 0) r._initPeerId(p.peerId.length).copyBuffer(p.peerId)
  const addrs = r._initMultiaddrs(p.multiaddrs.length)
  p.multiaddrs.forEach((a, i) => {
    const d = new $.Message().initRoot(CpBlock)._initHash(a.length) // a Data orphan source: copy through a scratch message
    d.copyBuffer(a)
    addrs.set(i, d)
  })
  const keys = Object.keys(p.metadata)
  const entries = r._initMetadata(keys.length)
  keys.forEach((k, i) => {
    const e = entries.get(i)
    e.key = k
    e.value = p.metadata[k] as string
  })
  return new Uint8Array(m.toArrayBuffer())
}

function esDecodePeerInfo (bytes: Uint8Array): PeerInfo {
  const r = new $.Message(bytes, false).getRoot(CpPeerInfo)
  const metadata: Record<string, string> = {}
  for (const e of r.metadata) metadata[e.key] = e.value
  return { peerId: r.peerId.toUint8Array(), multiaddrs: [...r.multiaddrs].map((d) => d.toUint8Array()), metadata }
}

/** Deep equality up to Buffer/Uint8Array and null-prototype differences: compares the canonical encodings. */
function sameBlock (a: Block, b: Block): void {
  assert.equal(hex(capnpBlock.encode(a)), hex(capnpBlock.encode(b)))
}

// --- crafted messages ----------------------------------------------------------

/** A struct pointer word (encoding.html "Structs"). */
const structPtr = (offset: number, dataWords: number, ptrWords: number): bigint =>
  (BigInt(ptrWords) << 48n) | (BigInt(dataWords) << 32n) | BigInt((offset << 2) >>> 0)
/** A list pointer word (element size 2 byte, 6 pointer, 7 composite). */
const listPtr = (offset: number, size: number, count: number): bigint =>
  (BigInt(count) << 35n) | (BigInt(size) << 32n) | BigInt(((offset << 2) | 1) >>> 0)
/** A far pointer word. */
const farPtr = (pad: number, segment: number, double = false): bigint =>
  (BigInt(segment) << 32n) | BigInt(((pad << 3) | (double ? 4 : 0) | 2) >>> 0)
/** A composite list's tag: element count and sizes. */
const compositeTag = (count: number, dataWords: number, ptrWords: number): bigint => structPtr(count, dataWords, ptrWords)

/** Frames segments of 64-bit words with their segment table. */
function message (...segments: bigint[][]): Uint8Array {
  const head = 8 * ((segments.length >>> 1) + 1)
  const out = new Uint8Array(head + segments.reduce((n, s) => n + 8 * s.length, 0))
  const v = new DataView(out.buffer)
  v.setUint32(0, segments.length - 1, true)
  segments.forEach((s, i) => v.setUint32(4 + 4 * i, s.length, true))
  let at = head
  for (const s of segments) for (const w of s) { v.setBigUint64(at, BigInt.asUintN(64, w), true); at += 8 }
  return out
}

/** Words holding `bytes` (zero-padded). */
function wordsOfBytes (bytes: Uint8Array): bigint[] {
  const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8)
  padded.set(bytes)
  const v = new DataView(padded.buffer)
  return Array.from({ length: padded.length / 8 }, (_, i) => v.getBigUint64(8 * i, true))
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const nul = (s: string): Uint8Array => new Uint8Array([...utf8(s), 0])

function malformed (f: () => unknown, reason?: RegExp): MalformedInputError {
  const err = typedFailure(f)
  assert.ok(err instanceof MalformedInputError, `expected MalformedInputError, got ${String(err)}`)
  if (reason !== undefined) assert.match(err.details.reason, reason)
  return err
}

function sizeLimit (f: () => unknown, limit: number, actual: number): void {
  const err = typedFailure(f)
  assert.ok(err instanceof SizeLimitError, `expected SizeLimitError, got ${String(err)}`)
  assert.deepEqual(err.details, { quantity: 'field', limit, actual })
}

// --- the C++ reference ---------------------------------------------------------

const haveCapnp = spawnSync('capnp', ['--version']).status === 0

/** `capnp convert` on a stream of messages (stdin -> stdout). */
function capnpConvert (args: string[], input: Uint8Array | string): Buffer {
  return execFileSync('capnp', ['convert', ...args], { input, maxBuffer: 64 << 20 })
}

/**
 * Written by the C++ reference: `capnp convert text:binary --segment-size=N`
 * (0.9.2) of the text in each comment; multi-segment, with far pointers
 * (Block, 5 segments) and double-far pointers (PeerInfo, 11 segments).
 */
const CPP_VECTORS = {
  // checked live only (--segment-size=2: 5 segments)
  blockText: '(hash = 0x"0102", data = 0x"' + 'ab'.repeat(100) + '", timestamp = 5, ttl = 7, version = 9, signature = 0x"ff")',
  // (peerId = 0x"1220", multiaddrs = [0x"04", "", 0x"0506"], metadata = [(key = "k", value = "v"), (key = "z", value = "€")]) --segment-size=1
  peerInfoText: '(peerId = 0x"1220", multiaddrs = [0x"04", "", 0x"0506"], metadata = [(key = "k", value = "v"), (key = "z", value = "€")])',
  peerInfo: '0a00000001000000040000000200000004000000020000000200000006000000020000000200000002000000020000000200000001000000' +
    '000000000000030002000000020000000200000003000000020000000600000001000000120000001220000000000000010000001e000000' +
    '020000000400000005000000020000000200000005000000010000000a00000004000000000000000100000012000000050600000000000001' +
    '000000270000000800000000000200020000000700000002000000080000000200000009000000020000000a00000001000000120000006b00' +
    '0000000000000100000012000000760000000000000001000000120000007a000000000000000100000022000000e282ac0000000000'
}

describe('capnp: registration', () => {
  it('is serializer 6, `capnp`, for Block and PeerInfo, and a protocol-id name', () => {
    assert.equal(SerializerId.capnp, 6)
    assert.deepEqual([capnpBlock.id, capnpBlock.name, capnpPeerInfo.id, capnpPeerInfo.name], [6, 'capnp', 6, 'capnp'])
    assert.equal(DEFAULT_PROTOCOL_NAMES.serializers.capnp, 6)
  })

  it('seals and opens through the codec by name, like any built-in', async () => {
    const alice = createCodec({ privateKey: await generateKeyPair('Ed25519') })
    const bob = createCodec()
    const b = { ...sampleBlock(), data: new Uint8Array(4096).fill(3) }
    const opened = bob.open(alice.seal(BlockType, b, { channel: 'capnp-test', serializer: 'capnp' }), { channel: 'capnp-test', types: [BlockType.id] })
    assert.ok(opened.ok, opened.ok ? '' : opened.reason)
    assert.deepStrictEqual(opened.value, b)
    const p = bob.open(alice.seal(PeerInfoType, samplePeerInfo(), { channel: 'capnp-test', serializer: SerializerId.capnp }), { channel: 'capnp-test' })
    assert.ok(p.ok && p.serializer === SerializerId.capnp)
    assert.deepStrictEqual(p.value, samplePeerInfo())
  })

  it('the hard-coded layout is the compiler\'s (capnp-es generated code, from `capnp compile`)', () => {
    assert.equal(CpBlock._capnp.size.dataByteLength, 8 * CAPNP_LAYOUT.Block.dataWords)
    assert.equal(CpBlock._capnp.size.pointerLength, CAPNP_LAYOUT.Block.ptrWords)
    assert.equal(CpPeerInfo._capnp.size.dataByteLength, 0)
    assert.equal(CpPeerInfo._capnp.size.pointerLength, CAPNP_LAYOUT.PeerInfo.ptrWords)
    // field offsets: each field set alone through capnp-es reads back alone through wireseal
    const b: Block = { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) }
    for (const field of ['hash', 'data', 'signature'] as const) sameBlock(capnpBlock.decode(esEncodeBlock({ ...b, [field]: Uint8Array.of(1) })), { ...b, [field]: Uint8Array.of(1) })
    sameBlock(capnpBlock.decode(esEncodeBlock({ ...b, timestamp: 2n ** 63n + 3n })), { ...b, timestamp: 2n ** 63n + 3n })
    sameBlock(capnpBlock.decode(esEncodeBlock({ ...b, ttl: 0xfffffffe })), { ...b, ttl: 0xfffffffe })
    sameBlock(capnpBlock.decode(esEncodeBlock({ ...b, version: 7 })), { ...b, version: 7 })
  })
})

describe('capnp: round trips and interop', () => {
  it('property: Block and PeerInfo decode(encode(x)) deep-equal x, and re-encode to the same bytes', () => {
    fc.assert(fc.property(block, (b) => {
      const bytes = capnpBlock.encode(b)
      const back = capnpBlock.decode(bytes)
      assert.deepStrictEqual(back, b)
      assert.equal(hex(capnpBlock.encode(back)), hex(bytes))
    }), { numRuns: 300 })
    fc.assert(fc.property(peerInfo, (p) => {
      const bytes = capnpPeerInfo.encode(p)
      const back = capnpPeerInfo.decode(bytes)
      assert.deepStrictEqual(back, p)
      assert.equal(hex(capnpPeerInfo.encode(back)), hex(bytes))
    }), { numRuns: 300 })
  })

  it('uint64 and uint32 edges are exact; the data section shrinks with trailing zeros (canonical)', () => {
    for (const timestamp of [0n, 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n, MAX_U64]) {
      const b: Block = { ...sampleBlock(), timestamp, ttl: 2 ** 32 - 1 }
      assert.equal(capnpBlock.decode(capnpBlock.encode(b)).timestamp, timestamp)
    }
    const empty: Block = { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) }
    // table (1 segment of 1 word) + a zero-sized root struct at offset -1
    assert.equal(hex(capnpBlock.encode(empty)), '00000000' + '01000000' + 'fcffffff' + '00000000')
    assert.equal(capnpBlock.encode({ ...empty, timestamp: 1n }).length, 8 + 16)
    assert.equal(capnpBlock.encode({ ...empty, ttl: 1 }).length, 8 + 24)
    assert.equal(capnpBlock.encode({ ...empty, signature: Uint8Array.of(1) }).length, 8 + 8 + 24 + 8)
  })

  it('property: capnp-es reads what wireseal writes, and wireseal reads what capnp-es writes (its own layout and order)', () => {
    fc.assert(fc.property(block, (b) => {
      sameBlock(esDecodeBlock(capnpBlock.encode(b)), b)
      assert.deepStrictEqual(capnpBlock.decode(esEncodeBlock(b)), b)
    }), { numRuns: 150 })
    fc.assert(fc.property(peerInfo, (p) => {
      const es = esDecodePeerInfo(capnpPeerInfo.encode(p))
      assert.equal(hex(capnpPeerInfo.encode(es)), hex(capnpPeerInfo.encode(p)))
      assert.deepStrictEqual(capnpPeerInfo.decode(esEncodePeerInfo(p)), p)
    }), { numRuns: 150 })
  })

  it('a 1 MiB Block from capnp-es (its segments as it sizes them) decodes', () => {
    const b: Block = { ...sampleBlock(), data: new Uint8Array(1 << 20).fill(9) }
    assert.deepStrictEqual(capnpBlock.decode(esEncodeBlock(b)), b)
  })

  it('multi-segment messages of the C++ reference (far and double-far pointers) decode', () => {
    const p = capnpPeerInfo.decode(unhex(CPP_VECTORS.peerInfo))
    assert.equal(new DataView(unhex(CPP_VECTORS.peerInfo).buffer).getUint32(0, true) + 1, 11)
    assert.deepStrictEqual(p, { peerId: Uint8Array.of(0x12, 0x20), multiaddrs: [Uint8Array.of(4), new Uint8Array(0), Uint8Array.of(5, 6)], metadata: { k: 'v', z: '€' } })
  })

  it('the C++ reference agrees, where installed: canonical form = wireseal bytes; its multi-segment output decodes', (t) => {
    if (!haveCapnp) {
      t.skip('capnp not installed (apt-get install -y capnproto)')
      return
    }
    assert.equal(hex(capnpConvert(['text:binary', '--segment-size=1', 'proto/peer_info.capnp', 'PeerInfo'], CPP_VECTORS.peerInfoText)), CPP_VECTORS.peerInfo)
    const multi = capnpConvert(['text:binary', '--segment-size=2', 'proto/block.capnp', 'Block'], CPP_VECTORS.blockText)
    assert.ok(multi.readUInt32LE(0) > 0, 'several segments')
    assert.deepStrictEqual(capnpBlock.decode(new Uint8Array(multi)), {
      hash: Uint8Array.of(1, 2), data: new Uint8Array(100).fill(0xab), timestamp: 5n, ttl: 7, version: 9, signature: Uint8Array.of(0xff)
    })
    // One `capnp convert binary:canonical` over a stream of random messages: each comes back byte for byte (without its segment table).
    const blocks = fc.sample(block, 60)
    const peers = fc.sample(peerInfo, 60)
    for (const encoded of [blocks.map((b) => capnpBlock.encode(b)), peers.map((p) => capnpPeerInfo.encode(p))]) {
      const canonical = capnpConvert(['binary:canonical'], Buffer.concat(encoded))
      assert.equal(canonical.toString('hex'), encoded.map((e) => hex(e.subarray(8))).join(''))
    }
    // and the reference decodes them to the same values (text form of one each)
    const text = capnpConvert(['binary:text', '--short', 'proto/peer_info.capnp', 'PeerInfo'], capnpPeerInfo.encode(samplePeerInfo())).toString()
    assert.match(text, /agent/)
    assert.match(text, /wireseal\/0\.1 ✓/)
  })

  it('refuses values a list pointer cannot hold, and non-Block values, with InvalidValueError', () => {
    // a Uint8Array claiming 2^29 bytes (one more than a list count holds), refused before anything is copied
    const huge = Object.defineProperty(new Uint8Array(1), 'length', { value: 2 ** 29 })
    assert.ok(typedFailure(() => createCapnpBlockSerializer().encode({ ...sampleBlock(), ttl: -1 })) instanceof InvalidValueError)
    const err = typedFailure(() => capnpBlock.encode({ ...sampleBlock(), data: huge }))
    assert.ok(err instanceof InvalidValueError && err.details.field === 'Block.data', String(err))
  })
})

describe('capnp: bounded decoding', () => {
  const valid = capnpPeerInfo.encode(samplePeerInfo())
  const validBlock = capnpBlock.encode({ ...sampleBlock(), data: new Uint8Array(100).fill(1) })

  it('every truncation and any trailing byte is a MalformedInputError', () => {
    for (const bytes of [valid, validBlock, unhex(CPP_VECTORS.peerInfo)]) {
      const s = bytes === validBlock ? capnpBlock : capnpPeerInfo
      for (let n = 0; n < bytes.length; n++) malformed(() => s.decode(bytes.subarray(0, n)))
      malformed(() => s.decode(new Uint8Array([...bytes, 0])), /after the last segment/)
      malformed(() => s.decode(new Uint8Array([...bytes, 0, 0, 0, 0, 0, 0, 0, 0])), /after the last segment/)
    }
  })

  it('the segment table is checked before any pointer: count claims over 16 are SizeLimitError, size claims past the input Malformed', () => {
    // 2^32 segments claimed in an 8-byte input; 17 segments
    sizeLimit(() => capnpBlock.decode(unhex('ffffffff' + '00000000')), CAPNP_MAX_SEGMENTS, 2 ** 32)
    const seventeen = new Uint8Array(8 * 10)
    seventeen[0] = 16
    sizeLimit(() => capnpBlock.decode(seventeen), CAPNP_MAX_SEGMENTS, 17)
    // one segment of 2^32 - 1 words in 16 bytes; a capability pointer as root is never reached
    malformed(() => capnpBlock.decode(unhex('00000000ffffffff' + '0300000000000000')), /runs past/)
    // 16 segments: the table alone needs 72 bytes
    const sixteen = new Uint8Array(40)
    sixteen[0] = 15
    malformed(() => capnpBlock.decode(sixteen), /truncated segment table/)
    malformed(() => capnpBlock.decode(unhex('0000000000000000')), /empty first segment/)
    // 16 segments are accepted (each empty but the first)
    const ok = new Uint8Array(72 + 8)
    ok[0] = 15
    ok[4] = 1
    assert.deepStrictEqual(capnpBlock.decode(ok), { hash: new Uint8Array(0), data: new Uint8Array(0), timestamp: 0n, ttl: 0, version: 0, signature: new Uint8Array(0) })
  })

  it('oversized list claims: a 2^29-1 byte Data in 40 bytes is Malformed; 2^29-1 multiaddrs or metadata entries are SizeLimitError from the pointer', () => {
    malformed(() => capnpBlock.decode(message([structPtr(0, 0, 1), listPtr(0, 2, 2 ** 29 - 1), 0n])), /out of bounds/)
    sizeLimit(() => capnpPeerInfo.decode(message([structPtr(0, 0, 2), 0n, listPtr(0, 6, 2 ** 29 - 1)])), 64, 2 ** 29 - 1)
    sizeLimit(() => capnpPeerInfo.decode(message([structPtr(0, 0, 2), 0n, listPtr(0, 6, 65)])), 64, 65)
    // composite: the tag claims 10^6 elements (word count 0)
    sizeLimit(() => capnpPeerInfo.decode(message([structPtr(0, 0, 3), 0n, 0n, listPtr(0, 7, 0), compositeTag(1_000_000, 0, 0)])), 64, 1_000_000)
    // composite: 2 elements of 2 words do not fit a 1-word list
    malformed(() => capnpPeerInfo.decode(message([structPtr(0, 0, 3), 0n, 0n, listPtr(0, 7, 1), compositeTag(2, 0, 2), 0n])), /overrun/)
    // composite: the word count runs past the segment
    malformed(() => capnpPeerInfo.decode(message([structPtr(0, 0, 3), 0n, 0n, listPtr(0, 7, 2 ** 29 - 1), compositeTag(1, 0, 2)])), /out of bounds/)
    // 64 of each is fine
    const p: PeerInfo = { peerId: new Uint8Array(0), multiaddrs: Array.from({ length: 64 }, () => Uint8Array.of(1)), metadata: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, 'v'])) }
    assert.deepStrictEqual(capnpPeerInfo.decode(capnpPeerInfo.encode(p)), p)
  })

  it('a list pointer aiming before the buffer is out of bounds, whatever its count (was read as null, leaving its count in force)', () => {
    // fast-check counterexample of bounded.test.ts: offset -2^29 words, 8193 pointer elements, in 40 bytes
    const bytes = Uint8Array.from([0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 128, 14, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    malformed(() => capnpPeerInfo.decode(bytes), /out of bounds/)
    malformed(() => capnpBlock.decode(message([structPtr(0, 0, 1), (2n << 32n) | 0x8000_0001n])), /out of bounds/)
  })

  it('aliased pointers are refused by the traversal budget (64 metadata values on one 1 KiB text would decode to 64 KiB)', () => {
    const big = wordsOfBytes(nul('x'.repeat(1024)))
    const entries: bigint[] = []
    // 64 entries of (key null, value -> the shared text after the list); entry i's value pointer is word 2i+1 of the list
    for (let i = 0; i < 64; i++) entries.push(0n, listPtr(2 * (64 - i - 1), 2, 1025))
    const bytes = message([structPtr(0, 0, 3), 0n, 0n, listPtr(0, 7, 128), compositeTag(64, 0, 2), ...entries, ...big])
    // (all 64 keys are '' too: the duplicate would only overwrite; the budget trips first)
    malformed(() => capnpPeerInfo.decode(bytes), /traversal limit/)
    // the same layout with one entry decodes
    const one = message([structPtr(0, 0, 3), 0n, 0n, listPtr(0, 7, 2), compositeTag(1, 0, 2), 0n, listPtr(0, 2, 1025), ...big])
    assert.equal(capnpPeerInfo.decode(one).metadata[''], 'x'.repeat(1024))
    // a Block whose three fields alias one 1 KiB Data
    const data = wordsOfBytes(new Uint8Array(1024).fill(7))
    const aliased = message([structPtr(0, 0, 3), listPtr(2, 2, 1024), listPtr(1, 2, 1024), listPtr(0, 2, 1024), ...data])
    malformed(() => capnpBlock.decode(aliased), /traversal limit/)
  })

  it('far pointers: landing pads checked (segment, bounds, no far-to-far chains, double-far tag); capabilities and wrong element sizes refused', () => {
    const root = structPtr(0, 0, 1)
    // root -> far -> segment 1 pad -> struct in segment 1 whose hash is "ab"
    const good = message([farPtr(0, 1)], [structPtr(0, 0, 1), listPtr(0, 2, 2), wordsOfBytes(utf8('ab'))[0] as bigint])
    assert.deepEqual([...capnpBlock.decode(good).hash], [0x61, 0x62])
    // double-far: pad in segment 1 = (far to segment 2 word 0, tag), content in segment 2
    const dbl = message([farPtr(0, 1, true)], [farPtr(0, 2), structPtr(0, 0, 1)], [listPtr(0, 2, 1), 0x7an])
    assert.deepEqual([...capnpBlock.decode(dbl).hash], [0x7a])
    malformed(() => capnpBlock.decode(message([farPtr(0, 5)])), /segment 5/)
    malformed(() => capnpBlock.decode(message([farPtr(9, 1)], [0n])), /landing pad out of bounds/)
    malformed(() => capnpBlock.decode(message([farPtr(0, 1)], [farPtr(0, 0)])), /far pointer landing on another far pointer/)
    malformed(() => capnpBlock.decode(message([farPtr(0, 1, true)], [farPtr(0, 1, true), structPtr(0, 0, 0)])), /double-far landing pad/)
    malformed(() => capnpBlock.decode(message([farPtr(0, 1, true)], [farPtr(0, 1), structPtr(3, 0, 0)])), /double-far tag/)
    malformed(() => capnpBlock.decode(message([3n])), /capability/)
    malformed(() => capnpBlock.decode(message([listPtr(0, 2, 0)])), /root pointer is not a struct/)
    malformed(() => capnpBlock.decode(message([root, structPtr(-1, 0, 0)])), /Block.hash: expected a list/)
    malformed(() => capnpBlock.decode(message([root, listPtr(0, 6, 0)])), /Block.hash: expected a list/)
    malformed(() => capnpBlock.decode(message([structPtr(-5, 0, 1), 0n])), /struct out of bounds/)
    malformed(() => capnpBlock.decode(message([structPtr(0, 3, 0), 0n])), /struct out of bounds/)
  })

  it('text: NUL-terminated valid UTF-8; reserved keys refused', () => {
    const entry = (key: Uint8Array): Uint8Array => {
      const w = wordsOfBytes(key)
      return message([structPtr(0, 0, 3), 0n, 0n, listPtr(0, 7, 1), compositeTag(1, 0, 1), listPtr(0, 2, key.length), ...w])
    }
    assert.deepStrictEqual(capnpPeerInfo.decode(entry(nul('ok'))).metadata, { ok: '' })
    malformed(() => capnpPeerInfo.decode(entry(utf8('ok'))), /NUL terminator/)
    malformed(() => capnpPeerInfo.decode(entry(new Uint8Array(0))), /NUL terminator/)
    malformed(() => capnpPeerInfo.decode(entry(Uint8Array.of(0xc3, 0x28, 0))), /invalid UTF-8/)
    malformed(() => capnpPeerInfo.decode(entry(Uint8Array.of(0xed, 0xa0, 0x80, 0))), /invalid UTF-8/) // a surrogate
    malformed(() => capnpPeerInfo.decode(entry(nul('__proto__'))), /reserved key/)
    const long = 'ü'.repeat(100)
    assert.deepStrictEqual(capnpPeerInfo.decode(entry(nul(long))).metadata, { [long]: '' })
  })

  /** Words that look like pointers of every kind, at small offsets. */
  const word = fc.oneof(
    fc.tuple(fc.integer({ min: -4, max: 8 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 })).map(([o, d, p]) => structPtr(o, d, p)),
    fc.tuple(fc.integer({ min: -4, max: 8 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 80 })).map(([o, s, n]) => listPtr(o, s, n)),
    fc.tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 3 }), fc.boolean()).map(([o, s, d]) => farPtr(o, s, d)),
    fc.tuple(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 })).map(([n, d, p]) => compositeTag(n, d, p)),
    fc.bigInt({ min: 0n, max: MAX_U64 }),
    fc.constant(0n)
  )
  const crafted = fc.array(fc.array(word, { minLength: 1, maxLength: 24 }), { minLength: 1, maxLength: 4 }).map((segs) => message(...segs))

  it('property: pointer-shaped garbage in 1-4 segments decodes or fails typed, never to more text than input', () => {
    fc.assert(fc.property(crafted, (bytes) => {
      for (const s of [capnpBlock, capnpPeerInfo] as const) {
        let value: unknown
        const err = typedFailure(() => { value = (s as typeof capnpPeerInfo).decode(bytes) })
        if (err !== undefined) continue
        if (s === capnpPeerInfo) {
          const p = value as PeerInfo
          const text = Object.entries(p.metadata).reduce((n, [k, v]) => n + k.length + v.length, 0)
          assert.ok(text <= bytes.length, `${text} characters from ${bytes.length} bytes`)
          assert.ok(p.multiaddrs.length <= 64 && Object.keys(p.metadata).length <= 64)
        }
      }
    }), { numRuns: 3000 })
  })
})
