/**
 * Merkle Tree Hash and inclusion proofs of RFC 9162 section 2.1 (identical to
 * RFC 6962 section 2.1), over SHA-256:
 *
 * - `MTH({}) = SHA-256()`, the hash of the empty string;
 * - leaf: `MTH({d0}) = SHA-256(0x00 || d0)`;
 * - node: `MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))` with `k`
 *   the largest power of two strictly less than `n`; no padding.
 *
 * Trees are built bottom-up: pairing neighbours level by level and promoting a
 * lone last node unchanged yields exactly the RFC's split-at-power-of-two tree.
 *
 * Proof verification follows RFC 9162 section 2.1.3.2 step by step. It binds
 * the leaf's position only together with the tree size: the size MUST come
 * from an authenticated source (a signed header), because a proof can verify
 * for more than one size (e.g. leaf 0 of a 3-leaf tree also verifies as leaf 0
 * of size 4 against the same root).
 *
 * @module
 */
import { MalformedInputError, InvalidValueError, SizeLimitError } from '../errors.js'
import { checkNonNegativeInt } from '../options/checks.js'
import { DEFAULT_LIMITS } from '../limits.js'
import { SHA256_BYTES, sha256Backend } from './sha256.js'

const HASH = SHA256_BYTES
const LEAF_PREFIX = Uint8Array.of(0x00)
const NODE_PREFIX = 0x01

/**
 * Scratch for node hashing, `0x01 || left || right` (65 bytes), and the running
 * hash of a verification. Used synchronously only, so never shared mid-call.
 */
const nodeScratch = new Uint8Array(1 + 2 * HASH)
nodeScratch[0] = NODE_PREFIX
const running = new Uint8Array(HASH)

/** Private copy of the empty-tree root: the exported one is mutable by callers. */
const EMPTY_ROOT = sha256Backend.hash(new Uint8Array(0))

/**
 * Root of the empty tree, `SHA-256("")` (RFC 9162 section 2.1.1). A copy:
 * mutating it changes nothing inside this module.
 */
export const EMPTY_TREE_ROOT: Uint8Array = EMPTY_ROOT.slice()

/** Whether `root` is the empty-tree root `SHA-256("")`. */
export function isEmptyTreeRoot (root: Uint8Array): boolean {
  if (root.length !== HASH) return false
  for (let i = 0; i < HASH; i++) if (root[i] !== EMPTY_ROOT[i]) return false
  return true
}

/** Leaf hash `SHA-256(0x00 || leaf)` (RFC 9162 section 2.1.1). */
export function hashLeaf (leaf: Uint8Array): Uint8Array {
  checkBytes('leaf', leaf)
  return sha256Backend.hashConcat(LEAF_PREFIX, leaf)
}

/** Interior node hash `SHA-256(0x01 || left || right)` (RFC 9162 section 2.1.1). */
export function hashChildren (left: Uint8Array, right: Uint8Array): Uint8Array {
  checkHash('left', left)
  checkHash('right', right)
  nodeScratch.set(left, 1)
  nodeScratch.set(right, 1 + HASH)
  return sha256Backend.hash(nodeScratch)
}

/** Throws {@link InvalidValueError} unless `value` is a `Uint8Array`. */
function checkBytes (field: string, value: unknown): asserts value is Uint8Array {
  if (!(value instanceof Uint8Array)) throw new InvalidValueError(field, `a Uint8Array, got ${value === null ? 'null' : typeof value}`)
}

/** Throws {@link InvalidValueError} unless `list` is an array. */
function checkList (field: string, list: unknown): asserts list is readonly unknown[] {
  if (!Array.isArray(list)) throw new InvalidValueError(field, `an array of Uint8Array, got ${list === null ? 'null' : typeof list}`)
}

function checkHash (field: string, h: Uint8Array): void {
  checkBytes(field, h)
  if (h.length !== HASH) throw new InvalidValueError(field, `a ${HASH}-byte hash, got ${h.length} bytes`)
}

/** Hashes every leaf into one contiguous array of `n * 32` bytes. */
function leafLevel (leaves: readonly Uint8Array[]): Uint8Array {
  checkList('leaves', leaves)
  const level = new Uint8Array(leaves.length * HASH)
  for (let i = 0; i < leaves.length; i++) {
    const leaf = leaves[i]
    checkBytes(`leaves[${i}]`, leaf)
    level.set(sha256Backend.hashConcat(LEAF_PREFIX, leaf), i * HASH)
  }
  return level
}

/** Copies given leaf hashes into one contiguous array, checking each length. */
function hashLevel (hashes: readonly Uint8Array[]): Uint8Array {
  checkList('leafHashes', hashes)
  const level = new Uint8Array(hashes.length * HASH)
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!
    checkHash(`leafHashes[${i}]`, h)
    level.set(h, i * HASH)
  }
  return level
}

/**
 * Hashes pairs of `src` (width nodes) into `dst` (ceil(width / 2) nodes),
 * promoting a lone last node. `dst` may be `src`: node j is written after
 * nodes 2j and 2j+1 were read.
 */
function reduceLevel (src: Uint8Array, width: number, dst: Uint8Array): void {
  const pairs = Math.floor(width / 2)
  for (let j = 0; j < pairs; j++) {
    const at = 2 * j * HASH
    nodeScratch.set(src.subarray(at, at + 2 * HASH), 1)
    sha256Backend.hashInto(nodeScratch, dst, j * HASH)
  }
  if (width % 2 === 1) dst.set(src.subarray((width - 1) * HASH, width * HASH), pairs * HASH)
}

/** Root of a level array of `n` hashes, reduced in place (destroys `level`). */
function rootInPlace (level: Uint8Array, n: number): Uint8Array {
  if (n === 0) return EMPTY_ROOT.slice()
  let width = n
  while (width > 1) {
    reduceLevel(level, width, level)
    width = Math.ceil(width / 2)
  }
  return level.slice(0, HASH)
}

/**
 * Merkle Tree Hash of `leaves` (RFC 9162 section 2.1.1); memory: 32 bytes per
 * leaf. Throws {@link InvalidValueError} unless `leaves` is an array of `Uint8Array`.
 */
export function merkleRoot (leaves: readonly Uint8Array[]): Uint8Array {
  return rootInPlace(leafLevel(leaves), leaves.length)
}

/**
 * Merkle Tree Hash from already computed leaf hashes (each `SHA-256(0x00 || d)`).
 * Throws {@link InvalidValueError} if a hash is not 32 bytes.
 */
export function merkleRootFromLeafHashes (hashes: readonly Uint8Array[]): Uint8Array {
  return rootInPlace(hashLevel(hashes), hashes.length)
}

/** A Merkle tree whose leaf and node hashes are computed once, for cheap inclusion proofs. */
export interface MerkleTree {
  /** Merkle Tree Hash (32 bytes); `SHA-256("")` for the empty tree. */
  readonly root: Uint8Array
  /** Number of leaves. */
  readonly size: number
  /** Hash of leaf `index`: `SHA-256(0x00 || leaf)` (a fresh copy). */
  leafHash(index: number): Uint8Array
  /**
   * Inclusion proof of leaf `index` (RFC 9162 section 2.1.3.1 `PATH(m, D[n])`):
   * sibling hashes from the leaf level up, fresh copies. Throws
   * {@link InvalidValueError} unless `0 <= index < size`.
   */
  proof(index: number): Uint8Array[]
}

class LevelTree implements MerkleTree {
  readonly root: Uint8Array
  readonly size: number
  /** levels[0] = leaf hashes; each level is `width * 32` contiguous bytes. */
  readonly #levels: Uint8Array[]

  constructor (level0: Uint8Array, size: number) {
    this.size = size
    const levels = [level0]
    let width = size
    let cur = level0
    while (width > 1) {
      const next = new Uint8Array(Math.ceil(width / 2) * HASH)
      reduceLevel(cur, width, next)
      levels.push(next)
      cur = next
      width = Math.ceil(width / 2)
    }
    this.#levels = levels
    this.root = size === 0 ? EMPTY_ROOT.slice() : cur.slice(0, HASH)
  }

  #checkIndex (index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new InvalidValueError('index', `an integer in [0, ${this.size}), got ${String(index)}`)
    }
  }

  leafHash (index: number): Uint8Array {
    this.#checkIndex(index)
    return this.#levels[0]!.slice(index * HASH, (index + 1) * HASH)
  }

  proof (index: number): Uint8Array[] {
    this.#checkIndex(index)
    const path: Uint8Array[] = []
    let j = index
    let width = this.size
    for (let l = 0; width > 1; l++) {
      const sibling = j ^ 1
      // A lone last node has no sibling at this level: it is promoted, nothing to prove.
      if (sibling < width) path.push(this.#levels[l]!.slice(sibling * HASH, (sibling + 1) * HASH))
      j = Math.floor(j / 2)
      width = Math.ceil(width / 2)
    }
    return path
  }
}

/** Builds a {@link MerkleTree} over `leaves`: one leaf hash each, `n - 1` node hashes, ~64 bytes per leaf kept. */
export function buildMerkleTree (leaves: readonly Uint8Array[]): MerkleTree {
  return new LevelTree(leafLevel(leaves), leaves.length)
}

/** Builds a {@link MerkleTree} from already computed 32-byte leaf hashes. */
export function buildMerkleTreeFromLeafHashes (hashes: readonly Uint8Array[]): MerkleTree {
  return new LevelTree(hashLevel(hashes), hashes.length)
}

/**
 * Verifies an inclusion proof exactly as RFC 9162 section 2.1.3.2 specifies.
 *
 * Returns `false`, never throws, when: `index >= size` or `size` is 0 or
 * either is not a safe integer; `leafHash`, `root` or a proof element is not
 * a 32-byte `Uint8Array` (`null` included); `proof` is not an array;
 * `maxDepth` is not a non-negative safe integer; the proof is longer than
 * `maxDepth` (refused before any hashing);
 * the proof is too long or too short for `(index, size)`; or the computed root
 * differs from `root`.
 *
 * `size` must be authenticated (see the module note). Cost: one SHA-256 of
 * 65 bytes per proof element and no allocation besides each digest.
 *
 * @param leafHash - `SHA-256(0x00 || leaf)`, see {@link hashLeaf}
 * @param index - position of the leaf, `leaf_index`
 * @param size - number of leaves of the tree, `tree_size`
 * @param proof - `inclusion_path`, sibling hashes from the leaf up
 * @param root - the expected Merkle Tree Hash
 * @param maxDepth - longest proof accepted. @default DEFAULT_LIMITS.maxProofDepth (12)
 */
export function verifyInclusion (
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  maxDepth: number = DEFAULT_LIMITS.maxProofDepth
): boolean {
  // 1. leaf_index >= tree_size fails (this also rejects tree_size 0).
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false
  if (!Array.isArray(proof) || !(leafHash instanceof Uint8Array) || !(root instanceof Uint8Array)) return false
  if (!Number.isSafeInteger(maxDepth) || maxDepth < 0) return false
  if (proof.length > maxDepth || leafHash.length !== HASH || root.length !== HASH) return false
  // 2. fn = leaf_index, sn = tree_size - 1; 3. r = hash.
  let fn = index
  let sn = size - 1
  running.set(leafHash)
  // 4. for each p in inclusion_path:
  for (let i = 0; i < proof.length; i++) {
    const p: unknown = proof[i]
    // a. sn == 0 before the path is used up: the path is too long.
    if (sn === 0 || !(p instanceof Uint8Array) || p.length !== HASH) return false
    if (fn % 2 === 1 || fn === sn) {
      // b.i. r = HASH(0x01 || p || r)
      nodeScratch.set(p, 1)
      nodeScratch.set(running, 1 + HASH)
      // b.ii. a right-edge node with no right sibling is promoted: skip those levels.
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      // otherwise r = HASH(0x01 || r || p)
      nodeScratch.set(running, 1)
      nodeScratch.set(p, 1 + HASH)
    }
    sha256Backend.hashInto(nodeScratch, running, 0)
    // c. shift fn and sn once.
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  // 5. sn must be 0 and r must equal root_hash.
  if (sn !== 0) return false
  for (let i = 0; i < HASH; i++) {
    if (running[i] !== root[i]) return false
  }
  return true
}

/** Compact form of a proof: its 32-byte hashes concatenated, leaf level first. */
export function encodeProof (proof: readonly Uint8Array[]): Uint8Array {
  checkList('proof', proof)
  const out = new Uint8Array(proof.length * HASH)
  for (let i = 0; i < proof.length; i++) {
    const h = proof[i]!
    checkHash(`proof[${i}]`, h)
    out.set(h, i * HASH)
  }
  return out
}

/**
 * Parses the compact form written by {@link encodeProof} into views of `bytes`
 * (no copy). Throws {@link MalformedInputError} (`merkle-proof`) if `bytes` is
 * not a `Uint8Array` or its length is not a multiple of 32,
 * {@link SizeLimitError} (`proof-depth`) if it holds more than `maxDepth`
 * hashes, before allocating anything, and {@link errors!InvalidConfigError} if
 * `maxDepth` is not a non-negative safe integer.
 *
 * @param maxDepth - @default DEFAULT_LIMITS.maxProofDepth (12)
 */
export function decodeProof (bytes: Uint8Array, maxDepth: number = DEFAULT_LIMITS.maxProofDepth): Uint8Array[] {
  checkNonNegativeInt('maxDepth', maxDepth)
  if (!(bytes instanceof Uint8Array)) throw new MalformedInputError('merkle-proof', `expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`)
  if (bytes.length % HASH !== 0) throw new MalformedInputError('merkle-proof', `length ${bytes.length} is not a multiple of ${HASH}`)
  const n = bytes.length / HASH
  if (n > maxDepth) throw new SizeLimitError('proof-depth', maxDepth, n)
  const proof = new Array<Uint8Array>(n)
  for (let i = 0; i < n; i++) proof[i] = bytes.subarray(i * HASH, (i + 1) * HASH)
  return proof
}
