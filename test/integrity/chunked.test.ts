import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InvalidConfigError, MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { DEFAULT_CHUNK_BYTES, DEFAULT_LIMITS, createLimits } from '../../src/limits.js'
import { ChunkAssembler, countChunks, splitIntoChunks, type ChunkedPayload } from '../../src/integrity/chunked.js'
import { EMPTY_TREE_ROOT, merkleRoot } from '../../src/integrity/merkle.js'

// Bound every property, shrinking included, so a failing run still ends quickly on a shared machine.
fc.installGlobalPlugin(fc.interruptAfterTimeLimit(10_000, { failOnInterrupt: true }))
// Every assert.ok carries a message: without one, a failing assert.ok under tsx can hang Node 20 while it
// re-reads the source to build its message.

const bytesOf = (n: number): Uint8Array => new Uint8Array(randomBytes(n))

/** Deterministic shuffle (xorshift) so failures replay. */
function shuffled<T> (xs: readonly T[], seed: number): T[] {
  const out = [...xs]
  let s = (seed | 0) || 0x9e3779b9
  for (let i = out.length - 1; i > 0; i--) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5
    const j = (s >>> 0) % (i + 1)
    const t = out[i]!
    out[i] = out[j]!
    out[j] = t
  }
  return out
}

function assemble (split: ChunkedPayload, order: number[]): ChunkAssembler {
  const asm = new ChunkAssembler({ root: split.root, totalLength: split.totalLength, chunkBytes: split.chunkBytes })
  for (const i of order) {
    const c = split.chunks[i]!
    assert.deepEqual(asm.accept(c.index, c.bytes, c.proof), { ok: true })
  }
  return asm
}

describe('chunked: round trips', () => {
  const cb = 1000
  for (const size of [0, 1, cb - 1, cb, cb + 1, 7 * cb + 13]) {
    it(`payload of ${size} B with ${cb} B chunks, out of order`, () => {
      const payload = bytesOf(size)
      const split = splitIntoChunks(payload, cb)
      assert.equal(split.totalLength, size)
      assert.equal(split.chunkBytes, cb)
      assert.equal(split.chunkCount, countChunks(size, cb))
      assert.equal(split.chunks.length, split.chunkCount)
      split.chunks.forEach((c, i) => {
        assert.equal(c.index, i)
        assert.equal(c.bytes.length, Math.min(cb, size - i * cb))
        assert.equal(c.bytes.buffer, payload.buffer, 'chunks are views, not copies')
      })
      // the root is the RFC 9162 Merkle Tree Hash over the chunks, computed independently
      assert.deepEqual(split.root, merkleRoot(split.chunks.map(c => c.bytes)))
      const asm = new ChunkAssembler(split)
      assert.equal(asm.complete, size === 0)
      assert.equal(asm.heldBytes, 0, 'nothing allocated before a chunk verified')
      const order = shuffled(split.chunks.map(c => c.index), size + 1)
      for (const [k, i] of order.entries()) {
        assert.equal(asm.bytes(), undefined, 'no payload before the last chunk')
        const c = split.chunks[i]!
        assert.deepEqual(asm.accept(i, c.bytes, c.proof), { ok: true })
        assert.equal(asm.has(i), true)
        assert.equal(asm.receivedCount, k + 1)
        assert.equal(asm.heldBytes, size, 'never more than totalLength')
      }
      assert.equal(asm.complete, true)
      const out = asm.bytes()
      assert.deepEqual(out, payload)
      assert.equal(asm.bytes(), out, 'the same array on every call')
    })
  }

  it('a multi-MB payload with the default chunk size, last chunk first', () => {
    const payload = bytesOf(3 * 1024 * 1024 + 777)
    const split = splitIntoChunks(payload)
    assert.equal(split.chunkBytes, DEFAULT_CHUNK_BYTES)
    assert.equal(split.chunkCount, Math.ceil(payload.length / DEFAULT_CHUNK_BYTES))
    const order = split.chunks.map(c => c.index).reverse()
    const asm = assemble(split, order)
    assert.equal(asm.complete, true)
    assert.deepEqual(asm.bytes(), payload)
  })

  it('random payloads, chunk sizes and arrival orders, with rejected garbage interleaved', () => {
    fc.assert(fc.property(
      fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 2, max: 700 }), fc.integer(), fc.nat(),
      (payload, cb, seed, junk) => {
        const split = splitIntoChunks(payload, cb)
        const asm = new ChunkAssembler(split)
        for (const i of shuffled(split.chunks.map(c => c.index), seed)) {
          const c = split.chunks[i]!
          // a wrong chunk offered at this index first: wrong size, or right size with another chunk's proof
          const other = split.chunks[(i + 1 + junk) % split.chunkCount]!
          const verdict = asm.accept(i, other.bytes, other.proof)
          // accepted only if it IS chunk i (identical content, e.g. in an all-zero payload, may legitimately pass)
          if (verdict.ok) {
            assert.deepEqual(other.bytes, c.bytes, 'a foreign chunk must not be accepted')
            continue
          }
          assert.deepEqual(asm.accept(i, c.bytes, c.proof), { ok: true })
        }
        assert.deepEqual(asm.bytes(), payload)
      }), { numRuns: 40 })
  })
})

describe('chunked: rejections', () => {
  const cb = 512
  const payload = bytesOf(5 * cb + 100) // 6 chunks, last one 100 B
  const split = splitIntoChunks(payload, cb)
  const fresh = (): ChunkAssembler => new ChunkAssembler(split)

  /** Records every TypedArray.prototype.set that writes into an array of `targetLength` bytes. */
  function watchCopies<T> (targetLength: number, fn: () => T): { result: T, copies: Uint8Array[] } {
    const original = Uint8Array.prototype.set
    const copies: Uint8Array[] = []
    Uint8Array.prototype.set = function (this: Uint8Array, source: ArrayLike<number>, offset?: number) {
      if (this.length === targetLength) copies.push(source as Uint8Array)
      return original.call(this, source, offset)
    }
    try {
      return { result: fn(), copies }
    } finally {
      Uint8Array.prototype.set = original
    }
  }

  it('a tampered chunk is rejected as bad-proof and nothing of it is copied or allocated', () => {
    const asm = fresh()
    const c = split.chunks[2]!
    const tampered = c.bytes.slice()
    tampered[17]! ^= 0x01
    const first = watchCopies(payload.length, () => asm.accept(2, tampered, c.proof))
    assert.deepEqual(first.result, { ok: false, reason: 'bad-proof' })
    assert.equal(first.copies.length, 0, 'no copy into a payload-sized buffer')
    assert.equal(asm.heldBytes, 0, 'no payload buffer allocated for a forged chunk')
    assert.equal(asm.has(2), false)
    assert.equal(asm.receivedCount, 0)

    // after a genuine chunk allocated the buffer, a forged one is still never copied
    assert.deepEqual(asm.accept(0, split.chunks[0]!.bytes, split.chunks[0]!.proof), { ok: true })
    const second = watchCopies(payload.length, () => asm.accept(2, tampered, c.proof))
    assert.deepEqual(second.result, { ok: false, reason: 'bad-proof' })
    assert.equal(second.copies.length, 0, 'no copy into the payload buffer')
    // the spy does see the copy of a genuine chunk (so the check above can fail)
    const third = watchCopies(payload.length, () => asm.accept(2, c.bytes, c.proof))
    assert.deepEqual(third.result, { ok: true })
    assert.equal(third.copies.length, 1, 'a genuine chunk is copied exactly once')
    assert.equal(third.copies[0], c.bytes)
  })

  it('tampered proofs are rejected as bad-proof', () => {
    const c = split.chunks[1]!
    const flipped = c.proof.map(p => p.slice())
    flipped[1]![0]! ^= 0x80
    const cases: Array<[string, Uint8Array[]]> = [
      ['flipped bit', flipped],
      ['dropped element', c.proof.slice(1)],
      ['extra element', [...c.proof, split.root]],
      ['empty proof', []],
      ['another chunk\'s proof', split.chunks[0]!.proof],
      ['short element', [c.proof[0]!.subarray(0, 31), ...c.proof.slice(1)]],
      ['overlong proof', Array.from({ length: 50 }, () => new Uint8Array(32))]
    ]
    for (const [name, proof] of cases) {
      const asm = fresh()
      assert.deepEqual(asm.accept(1, c.bytes, proof), { ok: false, reason: 'bad-proof' }, name)
      assert.equal(asm.heldBytes, 0, name)
    }
  })

  it('a genuine chunk at the wrong index is rejected', () => {
    const asm = fresh()
    const c0 = split.chunks[0]!
    assert.deepEqual(asm.accept(1, c0.bytes, c0.proof), { ok: false, reason: 'bad-proof' })
    // the last (short) chunk offered at a full-size index fails on size
    const last = split.chunks[5]!
    assert.deepEqual(asm.accept(3, last.bytes, last.proof), { ok: false, reason: 'bad-size' })
  })

  it('duplicates are rejected, even with different bytes, and the first copy stays', () => {
    const asm = fresh()
    const c = split.chunks[4]!
    assert.deepEqual(asm.accept(4, c.bytes, c.proof), { ok: true })
    assert.deepEqual(asm.accept(4, c.bytes, c.proof), { ok: false, reason: 'duplicate' })
    assert.deepEqual(asm.accept(4, new Uint8Array(cb), c.proof), { ok: false, reason: 'duplicate' })
    assert.equal(asm.receivedCount, 1)
    for (const x of split.chunks) if (x.index !== 4) asm.accept(x.index, x.bytes, x.proof)
    assert.deepEqual(asm.bytes(), payload)
  })

  it('out-of-range and non-integer indices are rejected as bad-index', () => {
    const asm = fresh()
    const c = split.chunks[0]!
    for (const index of [-1, 6, 7, 2 ** 32, 1.5, Number.NaN, Infinity, -0.5]) {
      assert.deepEqual(asm.accept(index, c.bytes, c.proof), { ok: false, reason: 'bad-index' }, String(index))
    }
    assert.equal(asm.heldBytes, 0)
  })

  it('chunks of the wrong size are rejected as bad-size before hashing', () => {
    const asm = fresh()
    const c = split.chunks[0]!
    const last = split.chunks[5]!
    assert.deepEqual(asm.accept(0, c.bytes.subarray(0, cb - 1), c.proof), { ok: false, reason: 'bad-size' })
    assert.deepEqual(asm.accept(0, Uint8Array.of(...c.bytes, 0), c.proof), { ok: false, reason: 'bad-size' })
    assert.deepEqual(asm.accept(0, new Uint8Array(0), c.proof), { ok: false, reason: 'bad-size' })
    // the last chunk must be exactly the remainder, not a full chunk
    assert.deepEqual(asm.accept(5, new Uint8Array(cb), last.proof), { ok: false, reason: 'bad-size' })
    assert.deepEqual(asm.accept(5, last.bytes.subarray(0, 99), last.proof), { ok: false, reason: 'bad-size' })
    assert.equal(asm.receivedCount, 0)
  })

  it('verdicts are shared frozen values (no allocation per chunk)', () => {
    const asm = fresh()
    const c = split.chunks[0]!
    const a = asm.accept(9, c.bytes, c.proof)
    const b = asm.accept(10, c.bytes, c.proof)
    assert.equal(a, b)
    assert.ok(Object.isFrozen(a), 'frozen verdict')
  })
})

describe('chunked: header checks at construction', () => {
  const root = splitIntoChunks(bytesOf(10), 4).root

  it('a totalLength claim over the limit is a SizeLimitError before any allocation', () => {
    const limits = createLimits({ maxPayloadBytes: 1000 })
    assert.throws(() => new ChunkAssembler({ root, totalLength: 1001, chunkBytes: 100 }, limits), (e: unknown) =>
      e instanceof SizeLimitError && e.details.quantity === 'payload' && e.details.limit === 1000 && e.details.actual === 1001)
    assert.equal(new ChunkAssembler({ root: splitIntoChunks(new Uint8Array(1000), 100).root, totalLength: 1000, chunkBytes: 100 }, limits).chunkCount, 10)
    // claims that could never be allocated fail the same way (a RangeError would mean we tried)
    for (const totalLength of [DEFAULT_LIMITS.maxPayloadBytes + 1, 2 ** 40, Number.MAX_SAFE_INTEGER]) {
      assert.throws(() => new ChunkAssembler({ root, totalLength, chunkBytes: DEFAULT_CHUNK_BYTES }), SizeLimitError)
    }
  })

  it('a chunk tree deeper than maxProofDepth is a SizeLimitError (proof-depth)', () => {
    // 10,000 one-byte chunks: depth 14 > 12
    assert.throws(() => new ChunkAssembler({ root, totalLength: 10_000, chunkBytes: 1 }), (e: unknown) =>
      e instanceof SizeLimitError && e.details.quantity === 'proof-depth' && e.details.limit === 12 && e.details.actual === 14)
    // exactly 2^12 chunks is fine
    assert.equal(new ChunkAssembler({ root, totalLength: 4096, chunkBytes: 1 }).chunkCount, 4096)
  })

  it('malformed headers are MalformedInputError', () => {
    const bad: Array<[string, { root: Uint8Array, totalLength: number, chunkBytes: number }]> = [
      ['short root', { root: root.subarray(0, 31), totalLength: 10, chunkBytes: 4 }],
      ['long root', { root: Uint8Array.of(...root, 0), totalLength: 10, chunkBytes: 4 }],
      ['negative length', { root, totalLength: -1, chunkBytes: 4 }],
      ['fractional length', { root, totalLength: 1.5, chunkBytes: 4 }],
      ['NaN length', { root, totalLength: Number.NaN, chunkBytes: 4 }],
      ['zero chunkBytes', { root, totalLength: 10, chunkBytes: 0 }],
      ['fractional chunkBytes', { root, totalLength: 10, chunkBytes: 2.5 }],
      ['empty payload with a non-empty root', { root, totalLength: 0, chunkBytes: 4 }]
    ]
    for (const [name, header] of bad) {
      assert.throws(() => new ChunkAssembler(header), (e: unknown) =>
        e instanceof MalformedInputError && e.details.format === 'chunked-header', name)
    }
    const empty = new ChunkAssembler({ root: EMPTY_TREE_ROOT, totalLength: 0, chunkBytes: 4 })
    assert.equal(empty.complete, true)
    assert.deepEqual(empty.bytes(), new Uint8Array(0))
  })

  it('keeps its own copy of the root', () => {
    const payload = bytesOf(100)
    const split = splitIntoChunks(payload, 30)
    const r = split.root.slice()
    const asm = new ChunkAssembler({ root: r, totalLength: 100, chunkBytes: 30 })
    r.fill(0)
    for (const c of split.chunks) assert.deepEqual(asm.accept(c.index, c.bytes, c.proof), { ok: true })
    assert.deepEqual(asm.bytes(), payload)
  })
})

describe('chunked: splitIntoChunks applies the sender-side budget', () => {
  it('refuses bad chunk sizes, oversized payloads and too deep trees', () => {
    for (const cb of [0, -1, 1.5, Number.NaN]) assert.throws(() => splitIntoChunks(new Uint8Array(10), cb), InvalidConfigError)
    const limits = createLimits({ maxPayloadBytes: 100 })
    assert.throws(() => splitIntoChunks(new Uint8Array(101), 10, limits), (e: unknown) =>
      e instanceof SizeLimitError && e.details.quantity === 'payload' && e.details.actual === 101)
    assert.throws(() => splitIntoChunks(new Uint8Array(5000), 1), (e: unknown) =>
      e instanceof SizeLimitError && e.details.quantity === 'proof-depth')
    assert.equal(splitIntoChunks(new Uint8Array(100), 10, limits).chunkCount, 10)
  })

  it('uses limits.chunkBytes when no chunk size is given', () => {
    const limits = createLimits({ chunkBytes: 64 })
    assert.equal(splitIntoChunks(new Uint8Array(200), undefined, limits).chunkCount, 4)
  })
})
