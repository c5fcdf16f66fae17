/**
 * The security claims of the seal/open pipeline, tested as an attacker would
 * try them. Every rejection is asserted by its exact reason.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { createLimits, DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_MESSAGE_AGE_MS } from '../../src/limits.js'
import { REJECT_REASONS, type ChunkedReceiver, type OpenAccepted, type OpenRejected, type OpenResult, type RejectReason } from '../../src/codec/index.js'
import { createReplayGuard } from '../../src/replay/index.js'
import { createCompressorSet, defaultCompressors, snappyJs } from '../../src/compress/index.js'
import { CompressionId } from '../../src/compress/types.js'
import { sha256 } from '../../src/integrity/sha256.js'
import { buildMerkleTree, encodeProof } from '../../src/integrity/merkle.js'
import { joinBatchItems } from '../../src/envelope/batch.js'
import { EnvelopeKind } from '../../src/envelope/header.js'
import { domainPrefix } from '../../src/envelope/envelope.js'
import { protobufBlock } from '../../src/serialize/protobuf.js'
import {
  BlockType, PeerInfoType, NOW, USER_SERIALIZER_ID, block, codec, ecdsaTwin, flipBit, freshKey, headerParts, noise,
  parse, peerInfo, reasonOf, reframe, seededKey, shuffle, signerOf, spyOn, type Block
} from './helpers.js'

const CH = 'wireseal/test/blocks'
const alice = await seededKey(1)
const mallory = await seededKey(2)
const aliceSigner = signerOf(alice)
const mallorySigner = signerOf(mallory)

function accepted<T> (r: OpenResult<T>): OpenAccepted<T> {
  assert.equal(r.ok, true, r.ok ? '' : `rejected: ${r.reason} (${r.detail})`)
  return r as OpenAccepted<T>
}

/** A sender, a single envelope, a batch of 8 and its forwarded item 3 (extracted by a relay). */
function fixtures (): { single: Uint8Array, compressed: Uint8Array, batch: Uint8Array, item: Uint8Array, items: Uint8Array[] } {
  const sender = codec({ privateKey: alice })
  const single = sender.seal(BlockType, block(0), { channel: CH })
  const compressed = sender.seal(BlockType, block(1, 4096), { channel: CH, compression: 'snappy' })
  const batch = sender.sealBatch(BlockType, [0, 1, 2, 3, 4, 5, 6, 7].map((i) => block(10 + i)), { channel: CH, compression: 'zstd' })
  const relay = accepted(codec().open(batch, { channel: CH }))
  const items = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => relay.itemEnvelope!(i))
  return { single, compressed, batch, item: items[3]!, items }
}

describe('bit flips', () => {
  const f = fixtures()
  for (const [name, bytes] of Object.entries({ single: f.single, 'compressed single': f.compressed, batch: f.batch, 'forwarded item': f.item })) {
    it(`every bit of a ${name} envelope (${bytes.length} B) is protected`, () => {
      const receiver = codec()
      // snappy payload of 4 KiB: 8 bits x every byte would be 35k opens; every 3rd byte keeps it under a second
      const step = bytes.length > 1000 ? 3 : 1
      let flips = 0
      for (let pos = 0; pos < bytes.length; pos += step) {
        for (let bit = 0; bit < 8; bit++) {
          const r = receiver.open(flipBit(bytes, pos, bit), { channel: CH })
          assert.notEqual(reasonOf(r), 'ok', `flip of bit ${bit} at byte ${pos} accepted`)
          assert.ok(REJECT_REASONS.includes(reasonOf(r) as RejectReason))
          flips++
        }
      }
      assert.ok(flips >= bytes.length * 8 / step - 8)
      // nothing was committed by any of the rejected copies
      accepted(receiver.open(bytes, { channel: CH }))
    })
  }

  it('property: random byte substitutions and xor masks are rejected', () => {
    const receiver = codec()
    const envs = [f.single, f.batch, f.item]
    fc.assert(fc.property(
      fc.integer({ min: 0, max: envs.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      (which, edits) => {
        const bytes = envs[which]!.slice()
        const touched = new Set<number>()
        for (const [p, x] of edits) {
          const pos = p % bytes.length
          if (touched.has(pos)) continue // two edits on one byte could cancel out
          touched.add(pos)
          bytes[pos] = (bytes[pos] as number) ^ x
        }
        assert.notEqual(reasonOf(receiver.open(bytes, { channel: CH })), 'ok')
      }
    ), { numRuns: 400, seed: 0x5eed })
  })
})

describe('replay and ordering', () => {
  it('an envelope opened twice is replayed', () => {
    const e = codec({ privateKey: alice }).seal(BlockType, block(0), { channel: CH })
    const receiver = codec()
    accepted(receiver.open(e, { channel: CH }))
    assert.equal(reasonOf(receiver.open(e, { channel: CH })), 'replayed')
    assert.equal(reasonOf(receiver.open(e.slice(), { channel: CH })), 'replayed')
  })

  it('100 envelopes opened in a shuffled order are each accepted exactly once', () => {
    const sender = codec({ privateKey: alice })
    const envs = Array.from({ length: 100 }, (_, i) => sender.seal(BlockType, block(i), { channel: CH }))
    const receiver = codec()
    const seqs = new Set<number>()
    for (const e of shuffle(envs, 7)) {
      const r = accepted<Block>(receiver.open(e, { channel: CH, types: [BlockType] }))
      assert.equal(seqs.has(r.seq), false)
      seqs.add(r.seq)
    }
    assert.equal(seqs.size, 100)
    for (const e of shuffle(envs, 8)) assert.equal(reasonOf(receiver.open(e, { channel: CH })), 'replayed')
  })

  it('older than the window is out-of-window (window of 64)', () => {
    const sender = codec({ privateKey: alice })
    const envs = Array.from({ length: 100 }, (_, i) => sender.seal(BlockType, block(i), { channel: CH }))
    const replay = createReplayGuard({ windowSize: 64, now: () => NOW })
    assert.equal(replay.windowSize, 64)
    const receiver = codec({ replay })
    accepted(receiver.open(envs[99]!, { channel: CH }))
    assert.equal(reasonOf(receiver.open(envs[0]!, { channel: CH })), 'out-of-window')
    // the window holds high-63 .. high: 36 is the oldest still accepted, 35 the newest refused
    assert.equal(reasonOf(receiver.open(envs[35]!, { channel: CH })), 'out-of-window')
    accepted(receiver.open(envs[36]!, { channel: CH }))
    accepted(receiver.open(envs[98]!, { channel: CH }))
    assert.equal(reasonOf(receiver.open(envs[36]!, { channel: CH })), 'replayed')
  })

  it('an envelope signed for channel A is refused on channel B', () => {
    const e = codec({ privateKey: alice }).seal(BlockType, block(0), { channel: 'A' })
    const receiver = codec()
    assert.equal(reasonOf(receiver.open(e, { channel: 'B' })), 'wrong-channel')
    // and rewriting the channel in the header breaks the signature
    assert.equal(reasonOf(receiver.open(reframe(e, { header: (h) => { h.channel = 'B'; h.channelBytes = new TextEncoder().encode('B') } }), { channel: 'B' })), 'invalid-signature')
    accepted(receiver.open(e, { channel: 'A' }))
  })

  it('a PeerInfo envelope is refused where only Blocks are accepted', () => {
    const e = codec({ privateKey: alice }).seal(PeerInfoType, peerInfo(0), { channel: CH })
    const receiver = codec()
    assert.equal(reasonOf(receiver.open(e, { channel: CH, types: [BlockType.id] })), 'wrong-type')
    // relabelled as a Block, the signature no longer holds
    assert.equal(reasonOf(receiver.open(reframe(e, { header: (h) => { h.type = BlockType.id } }), { channel: CH, types: [BlockType.id] })), 'invalid-signature')
    assert.deepEqual(accepted(receiver.open(e, { channel: CH, types: [PeerInfoType.id] })).value, peerInfo(0))
  })

  it('a replayed forwarded item after the full batch was opened is replayed', () => {
    const f = fixtures()
    const receiver = codec()
    assert.equal(accepted(receiver.open(f.batch, { channel: CH })).messages.length, 8)
    for (const item of f.items) assert.equal(reasonOf(receiver.open(item, { channel: CH })), 'replayed')
  })

  it('an item forwarded first is left out of the batch opened later; the batch again is replayed', () => {
    const f = fixtures()
    const receiver = codec()
    const item = accepted<Block>(receiver.open(f.item, { channel: CH, types: [BlockType] }))
    assert.equal(item.kind, 'item')
    assert.deepEqual(item.value, block(13))
    const batch = accepted<Block>(receiver.open(f.batch, { channel: CH, types: [BlockType] }))
    assert.deepEqual(batch.messages.map((m) => m.index), [0, 1, 2, 4, 5, 6, 7])
    assert.equal(reasonOf(receiver.open(f.batch, { channel: CH })), 'replayed')
  })
})

describe('header tampering keeps the old signature -> invalid-signature', () => {
  const sender = codec({ privateKey: alice })
  const e = sender.seal(BlockType, block(0, 4096), { channel: CH, compression: 'snappy' })
  const env = parse(e)
  assert.equal(env.header.compression, CompressionId.snappy)

  it('re-framing without a change reproduces the exact bytes (one canonical encoding)', () => {
    assert.deepEqual(reframe(e, {}), e)
  })

  const cases: Array<[string, (h: ReturnType<typeof headerParts>) => void]> = [
    ['compression id snappy -> gzip', (h) => { h.compression = CompressionId.gzip }],
    ['compression id snappy -> zstd', (h) => { h.compression = CompressionId.zstd }],
    ['serializer id protobuf -> a registered user format', (h) => { h.serializer = USER_SERIALIZER_ID }],
    ['message type Block -> PeerInfo', (h) => { h.type = PeerInfoType.id }],
    ['seq + 1', (h) => { h.seq += 1 }],
    ['timestamp - 1', (h) => { h.timestamp -= 1 }],
    ['declared uncompressed length - 1', (h) => { h.uncompressedLength -= 1 }],
    ['digest of another payload', (h) => { h.digest = sha256(noise(10)) }],
    ['public key of another sender', (h) => { h.publicKey = mallorySigner.publicKey }]
  ]
  for (const [name, change] of cases) {
    it(name, () => {
      const receiver = codec()
      assert.equal(reasonOf(receiver.open(reframe(e, { header: change }), { channel: CH })), 'invalid-signature')
      accepted(receiver.open(e, { channel: CH }))
    })
  }

  it('compression id patched in place (one varint byte, snappy -> gzip) -> invalid-signature', () => {
    // the header is field 1 of the envelope; inside it, compression is field 5 (tag 0x28) with a 1-byte value
    const headerStart = env.headerBytes.byteOffset - e.byteOffset
    const at = e.indexOf(0x28, headerStart)
    assert.ok(at > 0 && at < headerStart + 12 && e[at + 1] === CompressionId.snappy, 'compression field found')
    const patched = e.slice()
    patched[at + 1] = CompressionId.gzip
    assert.equal(parse(patched).header.compression, CompressionId.gzip)
    const receiver = codec()
    assert.equal(reasonOf(receiver.open(patched, { channel: CH })), 'invalid-signature')
    patched[at + 1] = 0x7f // an id nobody registered: refused before the signature is even checked
    assert.equal(reasonOf(receiver.open(patched, { channel: CH })), 'unknown-codec')
    accepted(receiver.open(e, { channel: CH }))
  })

  it('unknown compression and serializer ids signed by their sender -> unknown-codec', () => {
    const receiver = codec({ replay: false })
    for (const change of [(h: ReturnType<typeof headerParts>) => { h.compression = 9 }, (h: ReturnType<typeof headerParts>) => { h.serializer = 77 }]) {
      assert.equal(reasonOf(receiver.open(reframe(e, { header: change, signer: aliceSigner }), { channel: CH })), 'unknown-codec')
    }
  })
})

describe('sizes: refused before decompression', () => {
  const small = createLimits({ maxPayloadBytes: 16 * 1024 })

  function spiedReceiver (limits = small): { open: (b: Uint8Array) => OpenResult, calls: () => number, maxOutputs: () => number[] } {
    const snappy = spyOn(snappyJs)
    const gzip = spyOn(defaultCompressors.gzip)
    const zstd = spyOn(defaultCompressors.zstd)
    const none = spyOn(defaultCompressors.none)
    // `none` cannot be replaced in a set; wrap the set's lookup instead
    const base = createCompressorSet({ snappy: snappy.compressor, gzip: gzip.compressor, zstd: zstd.compressor })
    const compressors = Object.freeze({ ...base, none: none.compressor, get: (id: string | number) => base.get(id).id === 0 ? none.compressor : base.get(id) })
    const c = codec({ limits, compressors })
    const all = [snappy, gzip, zstd, none]
    return {
      open: (b) => c.open(b, { channel: CH }),
      calls: () => all.reduce((n, s) => n + s.calls.length, 0),
      maxOutputs: () => all.flatMap((s) => s.calls.map((x) => x.maxOutput))
    }
  }

  it('the spy sees decompress calls of accepted envelopes (so zero calls below means something)', () => {
    const rx = spiedReceiver()
    const e = codec({ privateKey: alice }).seal(BlockType, block(0, 8000), { channel: CH, compression: 'snappy' })
    accepted(rx.open(e))
    assert.equal(rx.calls(), 1)
  })

  it('a forged header claiming an uncompressed length over the budget -> too-large, no decompression', () => {
    const rx = spiedReceiver()
    const e = codec({ privateKey: alice }).seal(BlockType, block(0, 8000), { channel: CH, compression: 'snappy' })
    for (const claim of [small.maxPayloadBytes + 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      assert.equal(reasonOf(rx.open(reframe(e, { header: (h) => { h.uncompressedLength = claim } }))), 'too-large')
    }
    assert.equal(rx.calls(), 0)
  })

  it('a validly signed envelope from a sender with a larger budget -> too-large, no decompression', () => {
    const rx = spiedReceiver()
    const big = codec({ privateKey: alice, limits: createLimits({ maxPayloadBytes: 1024 * 1024 }) })
    // 200 KB of repetitive data compresses to a few KB: the frame is small, the claim is not
    const e = big.seal(BlockType, block(0, 200_000), { channel: CH, compression: 'snappy' })
    assert.ok(e.length < small.maxFrameBytes)
    assert.equal(reasonOf(rx.open(e)), 'too-large')
    const b = big.sealBatch(BlockType, [block(1, 100_000), block(2, 100_000)], { channel: CH, compression: 'zstd' })
    assert.equal(reasonOf(rx.open(b)), 'too-large')
    assert.equal(rx.calls(), 0)
  })

  it('a signed payload that inflates past its declared length is capped at the declared length', () => {
    const rx = spiedReceiver()
    const e = codec({ privateKey: alice }).seal(BlockType, block(0, 8000), { channel: CH, compression: 'snappy' })
    // Alice signs a header that under-declares the length (a lying sender, not a forger)
    const lying = reframe(e, { header: (h) => { h.uncompressedLength = 100 }, signer: aliceSigner })
    assert.equal(reasonOf(rx.open(lying)), 'too-large')
    assert.deepEqual(rx.maxOutputs(), [100])
  })

  it('a frame over maxFrameBytes -> too-large, no decompression', () => {
    const rx = spiedReceiver()
    const e = codec({ privateKey: alice }).seal(BlockType, { ...block(0), data: noise(small.maxFrameBytes) }, { channel: CH, compression: 'none' })
    assert.ok(e.length > small.maxFrameBytes)
    assert.equal(reasonOf(rx.open(e)), 'too-large')
    assert.equal(reasonOf(rx.open(new Uint8Array(small.maxFrameBytes + 1))), 'too-large')
    assert.equal(rx.calls(), 0)
  })

  it('a length prefix claiming more than the frame holds -> malformed, nothing allocated', () => {
    const rx = spiedReceiver()
    // field 3 (payload) claiming 2^40 bytes
    assert.equal(reasonOf(rx.open(Uint8Array.from([0x1a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]))), 'malformed')
    assert.equal(rx.calls(), 0)
  })
})

describe('payload and signature forgery', () => {
  it('a swapped payload of the same length -> digest-mismatch', () => {
    const sender = codec({ privateKey: alice })
    for (const compression of ['none', 'snappy'] as const) {
      const e = sender.seal(BlockType, block(0, 2048), { channel: CH, compression })
      const env = parse(e)
      const other = sender.seal(BlockType, block(1, 2048), { channel: CH, compression })
      const otherPayload = parse(other).payload
      assert.equal(otherPayload.length, env.payload.length)
      const receiver = codec()
      assert.equal(reasonOf(receiver.open(reframe(e, { payload: otherPayload }), { channel: CH })), 'digest-mismatch')
      assert.equal(reasonOf(receiver.verify(reframe(e, { payload: otherPayload }), { channel: CH })), 'digest-mismatch')
      accepted(receiver.open(e, { channel: CH }))
    }
  })

  it('a signature by another key claiming the victim\'s public key -> invalid-signature', () => {
    const e = codec({ privateKey: alice }).seal(BlockType, block(0), { channel: CH })
    const receiver = codec()
    // Mallory signs the very header (victim's key inside) with her own key
    const forged = reframe(e, { signer: mallorySigner })
    assert.deepEqual(parse(forged).header.publicKey, aliceSigner.publicKey)
    assert.equal(reasonOf(receiver.open(forged, { channel: CH })), 'invalid-signature')
    // ...or a fresh message of her own under Alice's name
    const own = codec({ privateKey: mallory }).seal(BlockType, block(5), { channel: CH })
    const impersonation = reframe(own, { header: (h) => { h.publicKey = aliceSigner.publicKey } })
    assert.equal(reasonOf(receiver.open(impersonation, { channel: CH })), 'invalid-signature')
    assert.equal(accepted(receiver.open(e, { channel: CH })).from, aliceSigner.id)
  })

  it('a valid signature made under another domain -> invalid-signature', () => {
    const other = codec({ privateKey: alice, domain: 'someone-else/v1' })
    const e = other.seal(BlockType, block(0), { channel: CH })
    const receiver = codec()
    assert.equal(reasonOf(receiver.open(e, { channel: CH })), 'invalid-signature')
    // proof the signature itself is good: a receiver on that domain accepts it
    accepted(codec({ domain: 'someone-else/v1' }).open(e, { channel: CH }))
    // and re-signing the same header under another domain prefix is refused too
    const resigned = reframe(codec({ privateKey: alice }).seal(BlockType, block(1), { channel: CH }), { signer: aliceSigner, prefix: domainPrefix('wireseal/envelope/v2') })
    assert.equal(reasonOf(receiver.open(resigned, { channel: CH })), 'invalid-signature')
  })

  it('too old and too far in the future -> too-old / clock-skew (limits inclusive)', () => {
    const receiver = codec()
    const at = (t: number): Uint8Array => codec({ privateKey: alice, now: () => t }).seal(BlockType, block(0), { channel: CH })
    assert.equal(reasonOf(receiver.open(at(NOW - DEFAULT_MAX_MESSAGE_AGE_MS - 1), { channel: CH })), 'too-old')
    assert.equal(reasonOf(receiver.open(at(NOW + DEFAULT_MAX_CLOCK_SKEW_MS + 1), { channel: CH })), 'clock-skew')
    assert.equal(reasonOf(receiver.open(at(0), { channel: CH })), 'too-old')
    accepted(receiver.open(at(NOW - DEFAULT_MAX_MESSAGE_AGE_MS), { channel: CH }))
    accepted(receiver.open(at(NOW + DEFAULT_MAX_CLOCK_SKEW_MS), { channel: CH }))
  })
})

describe('truncation and garbage never throw', () => {
  const f = fixtures()
  for (const [name, bytes] of Object.entries({ single: f.single, batch: f.batch, 'forwarded item': f.item })) {
    it(`every prefix of a ${name} envelope -> malformed`, () => {
      const receiver = codec()
      for (let n = 0; n < bytes.length; n++) {
        const r = receiver.open(bytes.subarray(0, n), { channel: CH })
        assert.ok(reasonOf(r) === 'malformed' || reasonOf(r) === 'too-large', `prefix ${n}: ${reasonOf(r)}`)
      }
      accepted(receiver.open(bytes, { channel: CH }))
    })
  }

  it('trailing bytes after a valid envelope -> malformed', () => {
    const receiver = codec()
    for (const tail of [[0], [0x30, 1], [0x2a, 0]]) {
      assert.equal(reasonOf(receiver.open(Uint8Array.from([...f.single, ...tail]), { channel: CH })), 'malformed')
    }
  })

  it('property: random bytes are rejected, never thrown', () => {
    const receiver = codec()
    fc.assert(fc.property(fc.uint8Array({ maxLength: 1024 }), (bytes) => {
      const r = receiver.open(bytes, { channel: CH })
      assert.equal(r.ok, false)
      assert.ok(REJECT_REASONS.includes(reasonOf(r) as RejectReason))
      assert.equal(reasonOf(receiver.verify(bytes, { channel: CH })) === 'ok', false)
    }), { numRuns: 500, seed: 1 })
  })

  it('property: well-framed envelopes with random header, signature and payload are rejected', () => {
    const receiver = codec()
    const field = (tag: number, body: Uint8Array): number[] => [tag, ...varint(body.length), ...body]
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 300 }), (h, s, p) => {
      const bytes = Uint8Array.from([...field(0x0a, h), ...field(0x12, s), ...field(0x1a, p)])
      assert.equal(receiver.open(bytes, { channel: CH }).ok, false)
    }), { numRuns: 300, seed: 2 })
  })

  it('property: validly signed garbage (the attacker\'s own key) never throws and never yields a wrong value', () => {
    // Anyone can sign with their own key, so decompressors and decoders see arbitrary signed bytes.
    const receiver = codec({ replay: false })
    const mkEnvelope = (payload: Uint8Array, compression: number, type: number, declared: number): Uint8Array => {
      const template = codec({ privateKey: mallory }).seal(BlockType, block(0), { channel: CH, compression: 'none' })
      return reframe(template, {
        signer: mallorySigner,
        payload,
        header: (h) => {
          h.compression = compression
          h.type = type
          h.uncompressedLength = declared
          h.payloadLength = payload.length
          h.digest = sha256(payload)
        }
      })
    }
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 600 }),
      fc.constantFrom(0, 1, 2, 3),
      fc.constantFrom(BlockType.id, PeerInfoType.id),
      fc.oneof(fc.integer({ min: 0, max: 4096 }), fc.constant(-1)),
      (payload, compression, type, declaredOrLen) => {
        const declared = declaredOrLen < 0 ? payload.length : declaredOrLen
        const r = receiver.open(mkEnvelope(payload, compression, type, declared), { channel: CH })
        if (r.ok) {
          // accepted only if the bytes really are a valid message of that type and length
          assert.equal(r.type, type)
          if (type === BlockType.id) BlockType.assert(r.value)
          else PeerInfoType.assert(r.value)
          if (compression === 0) assert.equal(declared, payload.length)
        } else {
          assert.ok(['malformed', 'too-large'].includes(r.reason), r.reason)
        }
      }
    ), { numRuns: 400, seed: 3 })
    // snappy/gzip/zstd "bombs": a tiny signed payload claiming the whole budget
    const bombs = [
      Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), // snappy: 4 GiB
      // zstd: single-segment frame declaring a 4-byte content size of 4 GiB - 1, then an empty raw last block
      Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00, 0x00]),
      // gzip: 1 MiB of zeros, about 1 KiB compressed
      defaultCompressors.gzip.compress(new Uint8Array(1 << 20))
    ]
    assert.equal(reasonOf(receiver.open(mkEnvelope(bombs[0]!, CompressionId.snappy, 1, 1000), { channel: CH })), 'too-large')
    assert.equal(reasonOf(receiver.open(mkEnvelope(bombs[1]!, CompressionId.zstd, 1, 1000), { channel: CH })), 'too-large')
    assert.equal(reasonOf(receiver.open(mkEnvelope(bombs[2]!, CompressionId.gzip, 1, 1000), { channel: CH })), 'too-large')
  })
})

function varint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return out
}

describe('batches and forwarded items', () => {
  it('a batch with one item swapped by an on-path attacker -> digest-mismatch', () => {
    const sender = codec({ privateKey: alice })
    const values = [0, 1, 2, 3].map((i) => block(i))
    const e = sender.sealBatch(BlockType, values, { channel: CH, compression: 'none' })
    const swapped = joinBatchItems([block(0), block(9), block(2), block(3)].map((v) => protobufBlock.encode(v)))
    assert.equal(swapped.length, parse(e).payload.length)
    const receiver = codec()
    assert.equal(reasonOf(receiver.open(reframe(e, { payload: swapped }), { channel: CH })), 'digest-mismatch')
    accepted(receiver.open(e, { channel: CH }))
  })

  it('a batch whose items do not match its signed items root -> digest-mismatch, nothing committed', () => {
    const sender = codec({ privateKey: alice })
    const e = sender.sealBatch(BlockType, [0, 1, 2, 3].map((i) => block(i)), { channel: CH, compression: 'none' })
    const swapped = joinBatchItems([block(0), block(9), block(2), block(3)].map((v) => protobufBlock.encode(v)))
    // the signer covers the payload digest but keeps the old items root
    const lying = reframe(e, { payload: swapped, signer: aliceSigner, header: (h) => { h.digest = sha256(swapped) } })
    const receiver = codec()
    assert.equal(reasonOf(receiver.open(lying, { channel: CH })), 'digest-mismatch')
    assert.equal(accepted(receiver.open(e, { channel: CH })).messages.length, 4)
  })

  it('a forwarded item with a proof for another index, a tampered proof or another item\'s bytes -> digest-mismatch', () => {
    const f = fixtures()
    const item3 = parse(f.items[3]!)
    const item4 = parse(f.items[4]!)
    const proof3 = item3.proof!
    const forged: Array<[string, Uint8Array]> = [
      ['index 3 -> 4 with the proof of 3', reframe(f.items[3]!, { item: { index: 4, proof: proof3 } })],
      ['proof of 4 on item 3', reframe(f.items[3]!, { item: { index: 3, proof: item4.proof! } })],
      ['item 4 bytes under index 3', reframe(f.items[3]!, { payload: item4.payload })],
      ['proof with a flipped bit', reframe(f.items[3]!, { item: { index: 3, proof: flipBit(proof3, 40, 2) } })],
      ['proof one hash short', reframe(f.items[3]!, { item: { index: 3, proof: proof3.subarray(32) } })],
      ['proof one hash long', reframe(f.items[3]!, { item: { index: 3, proof: Uint8Array.from([...proof3, ...new Uint8Array(32)]) } })],
      ['empty proof', reframe(f.items[3]!, { item: { index: 3, proof: new Uint8Array(0) } })]
    ]
    const receiver = codec()
    for (const [name, bytes] of forged) assert.equal(reasonOf(receiver.open(bytes, { channel: CH })), 'digest-mismatch', name)
    // structural nonsense is malformed
    assert.equal(reasonOf(receiver.open(reframe(f.items[3]!, { item: { index: 8, proof: proof3 } }), { channel: CH })), 'malformed')
    assert.equal(reasonOf(receiver.open(reframe(f.items[3]!, { item: { index: 3, proof: proof3.subarray(1) } }), { channel: CH })), 'malformed')
    // every genuine item still opens, each exactly once
    for (const [i, item] of f.items.entries()) assert.deepEqual(accepted(receiver.open(item, { channel: CH })).value, block(10 + i))
  })

  it('an item taken from one batch cannot be grafted onto another batch\'s signed header', () => {
    const f = fixtures()
    const other = codec({ privateKey: alice }).sealBatch(BlockType, [block(50), block(51)], { channel: CH, compression: 'none' })
    const otherEnv = parse(other)
    const tree = buildMerkleTree([protobufBlock.encode(block(50)), protobufBlock.encode(block(51))])
    const graft = reframe(other, { payload: parse(f.item).payload, item: { index: 1, proof: encodeProof(tree.proof(1)) } })
    assert.equal(otherEnv.header.kind, EnvelopeKind.batch)
    assert.equal(reasonOf(codec().open(graft, { channel: CH })), 'digest-mismatch')
  })
})

describe('nothing is committed for rejected envelopes', () => {
  it('a forged copy with a far-future seq does not advance the window', () => {
    const sender = codec({ privateKey: alice })
    const envs = Array.from({ length: 5 }, (_, i) => sender.seal(BlockType, block(i), { channel: CH }))
    const receiver = codec({ replay: createReplayGuard({ windowSize: 64, now: () => NOW }) })
    // seq + 10,000 would push envs[0..3] out of a 64-wide window if it were committed
    const forged = [
      reframe(envs[4]!, { header: (h) => { h.seq += 10_000 } }), // invalid-signature
      reframe(envs[4]!, { payload: parse(envs[3]!).payload }), // digest-mismatch
      reframe(envs[4]!, { header: (h) => { h.seq += 10_000 }, signer: mallorySigner }) // signed by the wrong key
    ]
    for (const bytes of forged) assert.notEqual(reasonOf(receiver.open(bytes, { channel: CH })), 'ok')
    assert.equal(reasonOf(receiver.open(forged[1]!, { channel: CH })), 'digest-mismatch')
    // the genuine envelope with that seq, and the older ones, are all still accepted
    for (const e of [envs[4]!, envs[0]!, envs[1]!, envs[2]!, envs[3]!]) accepted(receiver.open(e, { channel: CH }))
  })

  it('verify() refuses a forwarded item whose payload is not in the signed batch (no replay checks, no state)', () => {
    const f = fixtures()
    const forged = reframe(f.items[1]!, { payload: parse(f.items[2]!).payload })
    const anything = reframe(f.items[1]!, { payload: new TextEncoder().encode('anything at all'), item: { index: 1, proof: new Uint8Array(0) } })
    const receiver = codec()
    assert.equal(reasonOf(receiver.verify(forged, { channel: CH })), 'digest-mismatch')
    assert.equal(reasonOf(receiver.verify(anything, { channel: CH })), 'digest-mismatch')
    assert.equal(reasonOf(receiver.verify(f.items[1]!, { channel: CH })), 'ok')
    // verify() does no replay checks: an opened envelope still verifies, and opening after verify works
    accepted(receiver.open(f.items[1]!, { channel: CH }))
    assert.equal(reasonOf(receiver.verify(f.items[1]!, { channel: CH })), 'ok')
    assert.equal(reasonOf(receiver.open(f.items[1]!, { channel: CH })), 'replayed')
  })

  it('a validly signed envelope that fails to decode is committed: its replay costs no second decode', () => {
    // RFC 4303 3.4.3: the window is updated once integrity is verified. A sender
    // that signs garbage gets 'malformed' once; replays of it stop at the precheck.
    // (OpenRejected's doc, "nothing was committed", holds for unauthenticated rejections only.)
    let decodes = 0
    const counting = { ...protobufBlock, decode: (b: Uint8Array) => { decodes++; return protobufBlock.decode(b) } }
    const receiver = codec({ serializers: { get: () => counting } })
    const template = codec({ privateKey: mallory }).seal(BlockType, block(0), { channel: CH, compression: 'none' })
    const garbage = Uint8Array.from([0xff, 0xff, 0xff])
    const bad = reframe(template, { payload: garbage, signer: mallorySigner, header: (h) => { h.uncompressedLength = 3; h.payloadLength = 3; h.digest = sha256(garbage) } })
    assert.equal(reasonOf(receiver.open(bad, { channel: CH })), 'malformed')
    assert.equal(decodes, 1)
    assert.equal(reasonOf(receiver.open(bad, { channel: CH })), 'replayed')
    assert.equal(decodes, 1)
  })

  it('verify() commits nothing', () => {
    const e = codec({ privateKey: alice }).seal(BlockType, block(0), { channel: CH })
    const receiver = codec()
    assert.equal(reasonOf(receiver.verify(e, { channel: CH })), 'ok')
    assert.equal(reasonOf(receiver.verify(e, { channel: CH })), 'ok')
    accepted(receiver.open(e, { channel: CH }))
  })
})

describe('restart with a persisted replay guard', () => {
  it('a clean close and reopen still rejects the replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wireseal-attacks-'))
    try {
      const path = join(dir, 'replay.json')
      const sender = codec({ privateKey: alice })
      const e1 = sender.seal(BlockType, block(1), { channel: CH })
      const e2 = sender.seal(BlockType, block(2), { channel: CH })
      const g1 = createReplayGuard({ path, now: () => NOW })
      accepted(codec({ replay: g1 }).open(e1, { channel: CH }))
      await g1.close()
      const g2 = createReplayGuard({ path, now: () => NOW })
      const rx = codec({ replay: g2 })
      assert.equal(reasonOf(rx.open(e1, { channel: CH })), 'replayed')
      accepted(rx.open(e2, { channel: CH }))
      await g2.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('a crash (no close) and restart still rejects the replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wireseal-attacks-'))
    try {
      const path = join(dir, 'replay.json')
      const e1 = codec({ privateKey: alice }).seal(BlockType, block(1), { channel: CH })
      // long flush interval: the crashed guard's background timer never fires during the test
      const crashed = createReplayGuard({ path, now: () => NOW, flushIntervalMs: 60_000, lock: false }) // a dead process holds no lock
      accepted(codec({ replay: crashed }).open(e1, { channel: CH }))
      // no close(): the process "dies" here
      const g2 = createReplayGuard({ path, now: () => NOW })
      const rx = codec({ replay: g2 })
      const r = rx.open(e1, { channel: CH })
      assert.ok(reasonOf(r) === 'replayed' || reasonOf(r) === 'out-of-window', reasonOf(r))
      // messages timestamped after the crash bound (last flush + interval + skew) are accepted again
      const later = NOW + 60_000 + DEFAULT_MAX_CLOCK_SKEW_MS + 1
      const e3 = codec({ privateKey: alice, now: () => later }).seal(BlockType, block(3), { channel: CH })
      accepted(rx.open(e3, { channel: CH, now: later }))
      await g2.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('every key type seals and opens end to end', () => {
  for (const type of ['Ed25519', 'secp256k1', 'ECDSA P-256', 'ECDSA P-384', 'ECDSA P-521'] as const) {
    it(type, async () => {
      const key = await freshKey(type)
      const sender = codec({ privateKey: key })
      const receiver = codec()
      const single = accepted<Block>(receiver.open(sender.seal(BlockType, block(0, 3000), { channel: CH }), { channel: CH, types: [BlockType] }))
      assert.equal(single.from, key.publicKey.toString())
      assert.equal(single.from, sender.id)
      assert.equal(single.peerId?.toString(), type.startsWith('ECDSA') ? undefined : key.publicKey.toString())
      assert.deepEqual(single.value, block(0, 3000))
      const batch = accepted<Block>(receiver.open(sender.sealBatch(BlockType, [block(1), block(2), block(3)], { channel: CH }), { channel: CH, types: [BlockType] }))
      assert.deepEqual(batch.messages.map((m) => m.value), [block(1), block(2), block(3)])
      const item = batch.itemEnvelope!(2)
      assert.deepEqual(accepted(codec().open(item, { channel: CH })).value, block(3))
      // a flipped signature bit and another key's signature are refused for this key type too
      const e = sender.seal(BlockType, block(4), { channel: CH })
      const sigStart = parse(e).signature.byteOffset - e.byteOffset
      assert.equal(reasonOf(receiver.open(flipBit(e, sigStart + 8, 0), { channel: CH })), 'invalid-signature')
      assert.equal(reasonOf(receiver.open(reframe(e, { signer: mallorySigner }), { channel: CH })), 'invalid-signature')
      accepted(receiver.open(e, { channel: CH }))
      if (type.startsWith('ECDSA')) {
        // the other valid encoding of an ECDSA signature (r, n - s) carries the same seq: replayed
        assert.equal(reasonOf(receiver.open(ecdsaTwin(e), { channel: CH })), 'replayed')
      }
    })
  }
})

describe('chunked payloads', () => {
  // 1 KiB chunks on both ends (the chunk size is part of the shared budget)
  const limits = createLimits({ chunkBytes: 1024 })
  const big = (i: number): Block => ({ ...block(i), data: noise(5000, 100 + i) })

  function receiverOf (head: Uint8Array, c = codec({ limits })): ChunkedReceiver<Block> {
    const r = c.openChunked<Block>(head, { channel: CH })
    assert.equal(r.ok, true, r.ok ? '' : (r as OpenRejected).reason)
    return r as ChunkedReceiver<Block>
  }

  it('chunks in any order reassemble to the value; forged, foreign and duplicate chunks are refused and not kept', () => {
    const sender = codec({ privateKey: alice, limits })
    const [head, ...chunks] = sender.sealChunked(BlockType, big(0), { channel: CH, compression: 'none' })
    const [, ...otherChunks] = sender.sealChunked(BlockType, big(1), { channel: CH, compression: 'none' })
    assert.equal(chunks.length, 5)
    const rx = receiverOf(head!)
    assert.equal(rx.chunkCount, 5)
    assert.equal(reasonOf(rx.finish()), 'malformed', 'incomplete')
    // a chunk of another message, with its valid proof for the other root
    for (const c of otherChunks) assert.equal(rx.accept(c).ok, false)
    // every byte of a chunk frame, one bit each (a bit per byte keeps this fast)
    for (const c of [chunks[0]!, chunks[4]!]) {
      for (let pos = 0; pos < c.length; pos++) assert.equal(rx.accept(flipBit(c, pos, pos % 8)).ok, false, `flip at ${pos}`)
    }
    assert.equal(rx.complete, false)
    for (const c of shuffle(chunks, 3)) assert.deepEqual(rx.accept(c), { ok: true })
    assert.deepEqual(rx.accept(chunks[2]!), { ok: false, reason: 'duplicate' })
    assert.equal(rx.complete, true)
    assert.deepEqual(accepted(rx.finish()).value, big(0))
  })

  it('a head is not a single envelope, and a head replayed is replayed', () => {
    const sender = codec({ privateKey: alice, limits })
    const [head] = sender.sealChunked(BlockType, { ...block(0), data: block(0, 40_000).data }, { channel: CH, compression: 'zstd' })
    const c = codec({ limits })
    assert.equal(reasonOf(c.open(head!, { channel: CH })), 'malformed')
    receiverOf(head!, c)
    assert.equal(reasonOf(c.openChunked(head!, { channel: CH }) as OpenRejected), 'replayed')
    assert.equal(reasonOf(c.openChunked(head!, { channel: 'elsewhere' }) as OpenRejected), 'wrong-channel')
    assert.equal(reasonOf(c.openChunked(sender.seal(BlockType, block(1), { channel: CH }), { channel: CH }) as OpenRejected), 'malformed')
  })

  it('a tampered or over-budget head is refused before any chunk is taken', () => {
    const sender = codec({ privateKey: alice, limits })
    const [head] = sender.sealChunked(BlockType, big(2), { channel: CH, compression: 'none' })
    const c = codec({ limits })
    const tampered = reframe(head!, { limits, header: (h) => { h.digest = sha256(noise(3)) } })
    assert.equal(reasonOf(c.openChunked(tampered, { channel: CH }) as OpenRejected), 'invalid-signature')
    const huge = reframe(head!, { limits, header: (h) => { h.uncompressedLength = limits.maxPayloadBytes + 1 } })
    assert.equal(reasonOf(c.openChunked(huge, { channel: CH }) as OpenRejected), 'too-large')
    // the chunk count must match the declared length at the receiver's chunk size
    const count = reframe(head!, { limits, header: (h) => { h.count += 1 } })
    assert.equal(reasonOf(c.openChunked(count, { channel: CH }) as OpenRejected), 'malformed')
    for (let n = 0; n < head!.length; n++) assert.equal(reasonOf(c.openChunked(head!.subarray(0, n), { channel: CH }) as OpenRejected), 'malformed')
    // none of it was committed
    receiverOf(head!, c)
  })
})
