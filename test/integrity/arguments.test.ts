import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InvalidConfigError, InvalidValueError, MalformedInputError, SizeLimitError } from '../../src/errors.js'
import {
  ChunkAssembler, buildMerkleTree, buildMerkleTreeFromLeafHashes, decodeProof, encodeProof, hashChildren, hashLeaf,
  merkleRoot, merkleRootFromLeafHashes, splitIntoChunks, verifyInclusion
} from '../../src/integrity/index.js'

// Issue 9: null and wrong-typed arguments got a TypeError from deep inside the hashing code. Each entry point
// now gives its documented rejection: `false` (verifyInclusion), a verdict (accept), or a typed error.

fc.configureGlobal({ interruptAfterTimeLimit: 10_000, markInterruptAsFailure: true })

const BAD = [null, undefined, 'abc', 42, {}, [1, 2], new ArrayBuffer(32), new Uint16Array(16)]
const tree = buildMerkleTree([Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)])
const leaf = tree.leafHash(1)
const proof = tree.proof(1)

describe('integrity entry points refuse null and wrong-typed arguments with their documented rejection', () => {
  it('verifyInclusion returns false, never throws', () => {
    assert.equal(verifyInclusion(leaf, 1, 3, proof, tree.root), true)
    for (const bad of BAD) {
      const b = bad as never
      assert.equal(verifyInclusion(b, 1, 3, proof, tree.root), false, `leafHash ${String(bad)}`)
      assert.equal(verifyInclusion(leaf, b, 3, proof, tree.root), false, `index ${String(bad)}`)
      assert.equal(verifyInclusion(leaf, 1, b, proof, tree.root), false, `size ${String(bad)}`)
      assert.equal(verifyInclusion(leaf, 1, 3, b, tree.root), false, `proof ${String(bad)}`)
      assert.equal(verifyInclusion(leaf, 1, 3, [b, ...proof.slice(1)], tree.root), false, `proof[0] ${String(bad)}`)
      assert.equal(verifyInclusion(leaf, 1, 3, proof, b), false, `root ${String(bad)}`)
      if (bad !== undefined && typeof bad !== 'number') assert.equal(verifyInclusion(leaf, 1, 3, proof, tree.root, b), false, `maxDepth ${String(bad)}`)
    }
    fc.assert(fc.property(fc.anything(), fc.anything(), fc.anything(), fc.anything(), fc.anything(), (a, b, c, d, e) => {
      assert.equal(typeof verifyInclusion(a as never, b as never, c as never, d as never, e as never), 'boolean')
      assert.equal(verifyInclusion(leaf, 1, 3, proof, tree.root, a as never), a === undefined || (typeof a === 'number' && Number.isSafeInteger(a) && a >= proof.length))
    }), { numRuns: 500 })
  })

  it('decodeProof: MalformedInputError for non-bytes, InvalidConfigError for a bad maxDepth', () => {
    for (const bad of BAD) {
      assert.throws(() => decodeProof(bad as never), (e: unknown) => e instanceof MalformedInputError && e.details.format === 'merkle-proof', String(bad))
      if (bad !== undefined && typeof bad !== 'number') assert.throws(() => decodeProof(new Uint8Array(32), bad as never), InvalidConfigError, String(bad))
    }
    fc.assert(fc.property(fc.anything(), (a) => {
      try {
        decodeProof(a as never)
        assert.fail('accepted a non-Uint8Array')
      } catch (err) {
        assert.ok(err instanceof MalformedInputError, String(err))
      }
    }), { numRuns: 300 })
    assert.throws(() => decodeProof(new Uint8Array(32 * 3), 2), SizeLimitError)
  })

  it('merkleRoot and friends: InvalidValueError naming the argument', () => {
    const named = (field: string) => (e: unknown): boolean => e instanceof InvalidValueError && e.details.field === field
    for (const bad of BAD) {
      const b = bad as never
      if (!Array.isArray(bad)) {
        assert.throws(() => merkleRoot(b), named('leaves'), String(bad))
        assert.throws(() => buildMerkleTree(b), named('leaves'), String(bad))
        assert.throws(() => merkleRootFromLeafHashes(b), named('leafHashes'), String(bad))
        assert.throws(() => buildMerkleTreeFromLeafHashes(b), named('leafHashes'), String(bad))
        assert.throws(() => encodeProof(b), named('proof'), String(bad))
      }
      if (bad instanceof Uint8Array) continue
      assert.throws(() => merkleRoot([Uint8Array.of(1), b]), named('leaves[1]'), String(bad))
      assert.throws(() => merkleRootFromLeafHashes([b]), named('leafHashes[0]'), String(bad))
      assert.throws(() => encodeProof([b]), named('proof[0]'), String(bad))
      assert.throws(() => hashLeaf(b), named('leaf'), String(bad))
      assert.throws(() => hashChildren(b, leaf), named('left'), String(bad))
      assert.throws(() => hashChildren(leaf, b), named('right'), String(bad))
      assert.throws(() => splitIntoChunks(b), named('payload'), String(bad))
    }
    fc.assert(fc.property(fc.anything(), (a) => {
      try {
        merkleRoot(a as never)
      } catch (err) {
        assert.ok(err instanceof InvalidValueError, String(err))
        return
      }
      assert.ok(Array.isArray(a) && a.every((x) => x instanceof Uint8Array), 'accepted something that is not a list of Uint8Array')
    }), { numRuns: 300 })
  })

  it('ChunkAssembler: a bad header is a MalformedInputError, bad chunk arguments are verdicts', () => {
    const payload = new Uint8Array(300).map((_, i) => i)
    const split = splitIntoChunks(payload, 100)
    const header = { root: split.root, totalLength: 300, chunkBytes: 100 }
    for (const bad of [null, undefined, 'abc', 42]) {
      assert.throws(() => new ChunkAssembler(bad as never), (e: unknown) => e instanceof MalformedInputError && e.details.format === 'chunked-header', String(bad))
    }
    for (const bad of [null, 'abc', 42, {}]) {
      assert.throws(() => new ChunkAssembler(header, bad as never), InvalidConfigError, String(bad))
      assert.throws(() => splitIntoChunks(payload, 100, bad as never), InvalidConfigError, String(bad))
    }
    const a = new ChunkAssembler(header)
    const c = split.chunks[1]
    assert.ok(c !== undefined, 'chunk 1')
    for (const bad of BAD) {
      const b = bad as never
      assert.equal(a.accept(b, c.bytes, c.proof).ok, false, `index ${String(bad)}`)
      assert.deepEqual(a.accept(1, b, c.proof), { ok: false, reason: 'bad-size' }, `bytes ${String(bad)}`)
      assert.deepEqual(a.accept(1, c.bytes, b), { ok: false, reason: 'bad-proof' }, `proof ${String(bad)}`)
      assert.deepEqual(a.accept(1, c.bytes, [b, ...c.proof.slice(1)]), { ok: false, reason: 'bad-proof' }, `proof[0] ${String(bad)}`)
    }
    fc.assert(fc.property(fc.anything(), fc.anything(), fc.anything(), (i, bytes, p) => {
      const v = a.accept(i as never, bytes as never, p as never)
      assert.equal(v.ok, false, 'accepted garbage')
    }), { numRuns: 300 })
    assert.deepEqual(a.accept(1, c.bytes, c.proof), { ok: true })
    assert.equal(a.heldBytes, 300)
  })
})
