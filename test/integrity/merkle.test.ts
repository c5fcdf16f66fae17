import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InvalidValueError, MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { DEFAULT_LIMITS } from '../../src/limits.js'
import {
  EMPTY_TREE_ROOT, buildMerkleTree, buildMerkleTreeFromLeafHashes, decodeProof, encodeProof, hashChildren, hashLeaf,
  isEmptyTreeRoot, merkleRoot, merkleRootFromLeafHashes, verifyInclusion
} from '../../src/integrity/merkle.js'

// Bound every property, shrinking included, so a failing run still ends quickly on a shared machine.
fc.installGlobalPlugin(fc.interruptAfterTimeLimit(10_000, { failOnInterrupt: true }))
// Every assert.ok carries a message: without one, a failing assert.ok under tsx can hang Node 20 while it
// re-reads the source to build its message.

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

// ------------------------------------------------------------------ independent reference
// Straight from the recursive definitions of RFC 9162 2.1.1 and 2.1.3.1, hashing with node:crypto directly.

const H = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}
const largestPow2Below = (n: number): number => {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
function refMth (d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return H()
  if (d.length === 1) return H(Uint8Array.of(0), d[0]!)
  const k = largestPow2Below(d.length)
  return H(Uint8Array.of(1), refMth(d.slice(0, k)), refMth(d.slice(k)))
}
function refPath (m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return []
  const k = largestPow2Below(d.length)
  return m < k
    ? [...refPath(m, d.slice(0, k)), refMth(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), refMth(d.slice(0, k))]
}
/** The left/right sides of the siblings on PATH(m, D[n]), leaf first: what a proof's shape depends on. */
function refShape (m: number, n: number): string {
  if (n === 1) return ''
  const k = largestPow2Below(n)
  return m < k ? refShape(m, k) + 'R' : refShape(m - k, n - k) + 'L'
}

// ------------------------------------------------------------------ RFC 6962 / certificate-transparency vectors

const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(unhex)
// Published roots for tree sizes 0..8 (certificate-transparency merkle_tree_test; size 0 is SHA-256("")).
const CT_ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'
]
// Published inclusion paths (index, size, path) from the same test suite.
const CT_PATHS: Array<[number, number, string[]]> = [
  [0, 1, []],
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']]
]

describe('merkle: RFC 6962 known answers', () => {
  it('the reference implementation reproduces the published roots (sanity of the oracle)', () => {
    for (let n = 0; n <= 8; n++) assert.equal(hex(refMth(CT_LEAVES.slice(0, n))), CT_ROOTS[n], `size ${n}`)
  })

  it('merkleRoot, merkleRootFromLeafHashes and buildMerkleTree give the published root for sizes 0..8', () => {
    for (let n = 0; n <= 8; n++) {
      const leaves = CT_LEAVES.slice(0, n)
      assert.equal(hex(merkleRoot(leaves)), CT_ROOTS[n], `merkleRoot size ${n}`)
      assert.equal(hex(merkleRootFromLeafHashes(leaves.map(hashLeaf))), CT_ROOTS[n], `from hashes size ${n}`)
      const tree = buildMerkleTree(leaves)
      assert.equal(tree.size, n)
      assert.equal(hex(tree.root), CT_ROOTS[n], `tree size ${n}`)
      assert.equal(hex(buildMerkleTreeFromLeafHashes(leaves.map(hashLeaf)).root), CT_ROOTS[n])
    }
    assert.equal(hex(EMPTY_TREE_ROOT), CT_ROOTS[0])
  })

  it('the exported empty root is a copy: mutating it changes nothing inside', () => {
    const saved = EMPTY_TREE_ROOT.slice()
    try {
      EMPTY_TREE_ROOT.fill(0)
      assert.equal(hex(merkleRoot([])), CT_ROOTS[0])
      assert.equal(isEmptyTreeRoot(unhex(CT_ROOTS[0]!)), true)
      assert.equal(isEmptyTreeRoot(new Uint8Array(32)), false)
      assert.equal(isEmptyTreeRoot(unhex(CT_ROOTS[1]!)), false)
      assert.equal(isEmptyTreeRoot(unhex(CT_ROOTS[0]!).subarray(0, 31)), false)
    } finally {
      EMPTY_TREE_ROOT.set(saved)
    }
  })

  it('leaf and node hashes use the 0x00 / 0x01 prefixes', () => {
    assert.equal(hex(hashLeaf(new Uint8Array(0))), CT_ROOTS[1])
    assert.equal(hex(hashChildren(hashLeaf(CT_LEAVES[0]!), hashLeaf(CT_LEAVES[1]!))), CT_ROOTS[2])
    assert.throws(() => hashChildren(new Uint8Array(31), new Uint8Array(32)), InvalidValueError)
  })

  it('produces and verifies the published inclusion paths', () => {
    for (const [index, size, path] of CT_PATHS) {
      const tree = buildMerkleTree(CT_LEAVES.slice(0, size))
      assert.deepEqual(tree.proof(index).map(hex), path, `PATH(${index}, D[${size}])`)
      assert.ok(verifyInclusion(hashLeaf(CT_LEAVES[index]!), index, size, path.map(unhex), unhex(CT_ROOTS[size]!)), `published PATH(${index}, D[${size}])`)
    }
  })

  it('every proof of every index of sizes 1..8 equals RFC PATH(m, D[n]) and verifies', () => {
    for (let n = 1; n <= 8; n++) {
      const leaves = CT_LEAVES.slice(0, n)
      const tree = buildMerkleTree(leaves)
      for (let m = 0; m < n; m++) {
        const proof = tree.proof(m)
        assert.deepEqual(proof.map(hex), refPath(m, leaves).map(hex), `PATH(${m}, D[${n}])`)
        assert.equal(hex(tree.leafHash(m)), hex(hashLeaf(leaves[m]!)))
        assert.ok(verifyInclusion(tree.leafHash(m), m, n, proof, tree.root), `verify ${m}/${n}`)
        // the same proof at every other index of this tree fails
        for (let other = 0; other < n; other++) {
          if (other !== m) assert.equal(verifyInclusion(tree.leafHash(m), other, n, proof, tree.root), false)
        }
      }
    }
  })
})

// ------------------------------------------------------------------ properties on random trees

/** 1..maxLeaves distinct leaves (the index is part of each leaf, so no two leaves collide). */
const treeArb = (maxLeaves: number): fc.Arbitrary<Uint8Array[]> =>
  fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: maxLeaves })
    .map(xs => xs.map((x, i) => {
      const leaf = new Uint8Array(x.length + 4)
      new DataView(leaf.buffer).setUint32(0, i)
      leaf.set(x, 4)
      return leaf
    }))

describe('merkle: random trees (1..300 leaves)', () => {
  it('root matches the recursive definition and every inclusion proof verifies', () => {
    fc.assert(fc.property(treeArb(300), leaves => {
      const tree = buildMerkleTree(leaves)
      assert.equal(hex(tree.root), hex(refMth(leaves)))
      assert.equal(hex(merkleRoot(leaves)), hex(tree.root))
      for (let i = 0; i < leaves.length; i++) {
        assert.ok(verifyInclusion(hashLeaf(leaves[i]!), i, leaves.length, tree.proof(i), tree.root), `leaf ${i}`)
      }
    }), { numRuns: 25 })
  })

  it('proofs are exactly RFC PATH(m, D[n])', () => {
    fc.assert(fc.property(treeArb(120), fc.nat(), (leaves, pick) => {
      const m = pick % leaves.length
      assert.deepEqual(buildMerkleTree(leaves).proof(m).map(hex), refPath(m, leaves).map(hex))
    }), { numRuns: 60 })
  })

  it('altered proofs, wrong index, wrong root and wrong size are rejected', () => {
    fc.assert(fc.property(treeArb(300), fc.nat(), fc.nat(), fc.nat({ max: 255 }), fc.integer({ min: 1, max: 400 }), (leaves, pickI, pickJ, bit, otherSize) => {
      const n = leaves.length
      const i = pickI % n
      const tree = buildMerkleTree(leaves)
      const leafHash = hashLeaf(leaves[i]!)
      const proof = tree.proof(i)
      const root = tree.root
      assert.ok(verifyInclusion(leafHash, i, n, proof, root), 'genuine proof')

      if (proof.length > 0) {
        // one flipped bit anywhere in the proof
        const k = pickJ % proof.length
        const flipped = proof.map(p => p.slice())
        flipped[k]![bit >> 3]! ^= 1 << (bit & 7)
        assert.equal(verifyInclusion(leafHash, i, n, flipped, root), false, 'flipped bit')
        // a dropped element
        assert.equal(verifyInclusion(leafHash, i, n, proof.filter((_, x) => x !== k), root), false, 'dropped element')
      }
      // an extra element, at the end or at the front
      assert.equal(verifyInclusion(leafHash, i, n, [...proof, root], root), false, 'extra element at end')
      assert.equal(verifyInclusion(leafHash, i, n, [leafHash, ...proof], root), false, 'extra element at front')
      // a flipped bit in the leaf hash or the root
      const badLeaf = leafHash.slice()
      badLeaf[bit >> 3]! ^= 1 << (bit & 7)
      assert.equal(verifyInclusion(badLeaf, i, n, proof, root), false, 'altered leaf')
      const badRoot = root.slice()
      badRoot[bit >> 3]! ^= 1 << (bit & 7)
      assert.equal(verifyInclusion(leafHash, i, n, proof, badRoot), false, 'wrong root')
      // any other index of the same tree
      if (n > 1) {
        const j = (i + 1 + (pickJ % (n - 1))) % n
        assert.equal(verifyInclusion(leafHash, j, n, proof, root), false, 'wrong index')
      }
      // out-of-range indices
      assert.equal(verifyInclusion(leafHash, n, n, proof, root), false, 'index == size')
      assert.equal(verifyInclusion(leafHash, -1, n, proof, root), false, 'negative index')
      // Another size verifies exactly when it gives this leaf the same path shape (RFC 9162 binds
      // position only together with the size; the size must therefore be authenticated).
      if (otherSize !== n) {
        const sameShape = i < otherSize && refShape(i, otherSize) === refShape(i, n)
        assert.equal(verifyInclusion(leafHash, i, otherSize, proof, root), sameShape, `size ${otherSize} vs ${n}`)
      }
    }), { numRuns: 150 })
  })

  it('a proof from a different tree of the same size does not verify', () => {
    fc.assert(fc.property(treeArb(64), fc.nat(), (leaves, pick) => {
      const i = pick % leaves.length
      const other = leaves.map(l => Uint8Array.of(...l, 0xff))
      const a = buildMerkleTree(leaves)
      const b = buildMerkleTree(other)
      assert.equal(verifyInclusion(hashLeaf(leaves[i]!), i, leaves.length, b.proof(i), a.root), leaves.length === 1)
    }), { numRuns: 50 })
  })
})

describe('merkle: verifyInclusion input checks', () => {
  const leaves = CT_LEAVES.slice(0, 5)
  const tree = buildMerkleTree(leaves)
  const lh = tree.leafHash(1)
  const proof = tree.proof(1)

  it('rejects size 0, index >= size and non-integers', () => {
    assert.equal(verifyInclusion(lh, 0, 0, [], EMPTY_TREE_ROOT), false)
    for (const [index, size] of [[5, 5], [6, 5], [1, 1.5], [1.5, 5], [Number.NaN, 5], [1, Number.NaN], [1, Infinity], [-1, 5], [1, 2 ** 53]]) {
      assert.equal(verifyInclusion(lh, index!, size!, proof, tree.root), false, `${index}/${size}`)
    }
  })

  it('rejects hashes of the wrong length', () => {
    assert.equal(verifyInclusion(lh.subarray(0, 31), 1, 5, proof, tree.root), false)
    assert.equal(verifyInclusion(lh, 1, 5, proof, tree.root.subarray(0, 31)), false)
    assert.equal(verifyInclusion(lh, 1, 5, [proof[0]!, Uint8Array.of(...proof[1]!, 0), proof[2]!], tree.root), false)
    assert.equal(verifyInclusion(lh, 1, 5, [proof[0]!, proof[1]!.subarray(0, 31), proof[2]!], tree.root), false)
  })

  it('refuses a proof longer than maxDepth before hashing, default DEFAULT_LIMITS.maxProofDepth', () => {
    assert.equal(DEFAULT_LIMITS.maxProofDepth, 12)
    // 4097 leaves: leaf 0 has a 13-element path, one more than the default depth.
    const big = Array.from({ length: 4097 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8))
    const t = buildMerkleTree(big)
    const p0 = t.proof(0)
    assert.equal(p0.length, 13)
    assert.equal(verifyInclusion(t.leafHash(0), 0, 4097, p0, t.root), false)
    assert.equal(verifyInclusion(t.leafHash(0), 0, 4097, p0, t.root, 13), true)
    // the last leaf is promoted up to the root: a 1-element path
    assert.deepEqual(t.proof(4096).map(hex), [hex(merkleRoot(big.slice(0, 4096)))])
    assert.ok(verifyInclusion(t.leafHash(4096), 4096, 4097, t.proof(4096), t.root), 'last leaf of 4097')
    assert.equal(verifyInclusion(lh, 1, 5, proof, tree.root, 2), false)
    assert.equal(verifyInclusion(lh, 1, 5, proof, tree.root, 3), true)
  })

  it('does not let a caller mutate the tree through returned arrays', () => {
    const t = buildMerkleTree(leaves)
    const rootHex = hex(t.root)
    t.proof(1)[0]!.fill(0)
    t.leafHash(1).fill(0)
    assert.equal(hex(t.root), rootHex)
    assert.ok(verifyInclusion(t.leafHash(1), 1, 5, t.proof(1), t.root), 'tree unchanged')
  })

  it('proof() and leafHash() refuse indices outside the tree', () => {
    for (const bad of [-1, 5, 1.5, Number.NaN]) {
      assert.throws(() => tree.proof(bad), InvalidValueError)
      assert.throws(() => tree.leafHash(bad), InvalidValueError)
    }
    assert.throws(() => buildMerkleTree([]).proof(0), InvalidValueError)
  })

  it('buildMerkleTreeFromLeafHashes / merkleRootFromLeafHashes refuse hashes of the wrong length', () => {
    assert.throws(() => merkleRootFromLeafHashes([new Uint8Array(32), new Uint8Array(33)]), InvalidValueError)
    assert.throws(() => buildMerkleTreeFromLeafHashes([new Uint8Array(0)]), InvalidValueError)
  })
})

describe('merkle: compact proof encoding', () => {
  it('round-trips and verifies from the decoded views', () => {
    fc.assert(fc.property(treeArb(300), fc.nat(), (leaves, pick) => {
      const i = pick % leaves.length
      const tree = buildMerkleTree(leaves)
      const bytes = encodeProof(tree.proof(i))
      assert.equal(bytes.length, 32 * tree.proof(i).length)
      const decoded = decodeProof(bytes)
      assert.deepEqual(decoded.map(hex), tree.proof(i).map(hex))
      assert.ok(verifyInclusion(hashLeaf(leaves[i]!), i, leaves.length, decoded, tree.root), 'decoded proof')
    }), { numRuns: 40 })
  })

  it('garbage and truncation: MalformedInputError', () => {
    const good = encodeProof(buildMerkleTree(CT_LEAVES).proof(3))
    for (const bad of [good.subarray(0, good.length - 1), good.subarray(0, 1), Uint8Array.of(...good, 7), new Uint8Array(33)]) {
      assert.throws(() => decodeProof(bad), (e: unknown) => e instanceof MalformedInputError && e.details.format === 'merkle-proof')
    }
    assert.deepEqual(decodeProof(new Uint8Array(0)), [])
  })

  it('oversized claim: SizeLimitError(proof-depth) against maxDepth', () => {
    assert.throws(() => decodeProof(new Uint8Array(32 * 13)), (e: unknown) =>
      e instanceof SizeLimitError && e.details.quantity === 'proof-depth' && e.details.limit === 12 && e.details.actual === 13)
    assert.throws(() => decodeProof(new Uint8Array(32 * 3), 2), SizeLimitError)
    assert.equal(decodeProof(new Uint8Array(32 * 3), 3).length, 3)
    // a huge claim is refused from its length alone
    assert.throws(() => decodeProof(new Uint8Array(32 * 100_000)), SizeLimitError)
  })

  it('encodeProof refuses elements that are not 32 bytes', () => {
    assert.throws(() => encodeProof([new Uint8Array(32), new Uint8Array(31)]), InvalidValueError)
  })
})

describe('merkle: verification speed', () => {
  it('verifies >= 10k proofs/s on a 256-leaf tree (target 50k; a loose floor for a shared machine)', (t) => {
    const leaves = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i, 1, 2, 3))
    const tree = buildMerkleTree(leaves)
    const proofs = leaves.map((_, i) => tree.proof(i))
    const hashes = leaves.map(hashLeaf)
    let ok = 0
    for (let i = 0; i < 2560; i++) if (verifyInclusion(hashes[i & 255]!, i & 255, 256, proofs[i & 255]!, tree.root)) ok++ // warm-up
    const n = 20_000
    const start = performance.now()
    for (let i = 0; i < n; i++) if (verifyInclusion(hashes[i & 255]!, i & 255, 256, proofs[i & 255]!, tree.root)) ok++
    const perSecond = n / ((performance.now() - start) / 1000)
    t.diagnostic(`verifyInclusion, 256 leaves: ${Math.round(perSecond)} proofs/s`)
    assert.equal(ok, n + 2560)
    assert.ok(perSecond >= 10_000, `${perSecond} proofs/s`)
  })
})
