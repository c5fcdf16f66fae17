/**
 * Chunked payloads: a payload cut into fixed-size chunks (the last may be
 * shorter), committed to by the RFC 9162 Merkle Tree Hash over the chunks.
 * A receiver that holds a trusted `{ root, totalLength, chunkBytes }` (taken
 * from a verified signature) checks every chunk's inclusion proof BEFORE
 * copying it, so a forged chunk costs one bounded hash and no memory.
 *
 * Chunk `i` covers `payload[i * chunkBytes, min((i + 1) * chunkBytes, totalLength))`;
 * the tree has `ceil(totalLength / chunkBytes)` leaves, and an empty payload
 * has no chunks and the empty-tree root `SHA-256("")`.
 *
 * @module
 */
import { InvalidConfigError, InvalidValueError, MalformedInputError, SizeLimitError, WireFormatError } from '../errors.js'
import { checkPositiveInt } from '../options/checks.js'
import { DEFAULT_LIMITS, type WireLimits } from '../limits.js'
import { buildMerkleTree, hashLeaf, isEmptyTreeRoot, verifyInclusion } from './merkle.js'
import { SHA256_BYTES } from './sha256.js'

/** What a receiver must know, from an authenticated source, to assemble a chunked payload. */
export interface ChunkedPayloadHeader {
  /** Merkle Tree Hash over the chunks (32 bytes). */
  readonly root: Uint8Array
  /** Length of the whole payload in bytes. */
  readonly totalLength: number
  /** Size of every chunk but the last. */
  readonly chunkBytes: number
}

/** One chunk with its inclusion proof. */
export interface Chunk {
  /** Position of the chunk (the Merkle leaf index). */
  readonly index: number
  /** The chunk's bytes: a view of the payload, not a copy. */
  readonly bytes: Uint8Array
  /** Inclusion proof of this chunk in the tree of `chunkCount` leaves. */
  readonly proof: Uint8Array[]
}

/** A payload split by {@link splitIntoChunks}. */
export interface ChunkedPayload extends ChunkedPayloadHeader {
  /** Number of chunks, `ceil(totalLength / chunkBytes)`. */
  readonly chunkCount: number
  /** The chunks in order. */
  readonly chunks: Chunk[]
}

/** Why {@link ChunkAssembler.accept} refused a chunk. */
export type ChunkRejection = 'bad-proof' | 'bad-index' | 'bad-size' | 'duplicate'

/** Verdict of {@link ChunkAssembler.accept}: a value, not an exception (hot path). */
export type ChunkVerdict =
  | { readonly ok: true }
  | { readonly ok: false, readonly reason: ChunkRejection }

// Frozen singletons: a verdict costs no allocation.
const OK: ChunkVerdict = Object.freeze({ ok: true })
const BAD_PROOF: ChunkVerdict = Object.freeze({ ok: false, reason: 'bad-proof' })
const BAD_INDEX: ChunkVerdict = Object.freeze({ ok: false, reason: 'bad-index' })
const BAD_SIZE: ChunkVerdict = Object.freeze({ ok: false, reason: 'bad-size' })
const DUPLICATE: ChunkVerdict = Object.freeze({ ok: false, reason: 'duplicate' })

/** Number of chunks of a payload of `totalLength` bytes cut every `chunkBytes` bytes. */
export function countChunks (totalLength: number, chunkBytes: number): number {
  return Math.ceil(totalLength / chunkBytes)
}

/** Throws {@link InvalidConfigError} unless `limits` looks like a {@link WireLimits} (e.g. `null`). */
function checkLimits (limits: WireLimits): void {
  if (typeof limits !== 'object' || limits === null || !Number.isSafeInteger(limits.maxPayloadBytes) || !Number.isSafeInteger(limits.maxProofDepth)) {
    throw new InvalidConfigError('limits', 'a WireLimits object from createLimits()')
  }
}

/** Smallest `d` with `2^d >= n`: the depth of the deepest leaf of an RFC 9162 tree of `n` leaves. */
function treeDepth (n: number): number {
  let d = 0
  while (2 ** d < n) d++
  return d
}

/**
 * Cuts `payload` into chunks of `chunkBytes` (views, no copy) and proves each
 * one against the Merkle root over all of them.
 *
 * Applies the same budget a receiver applies: throws {@link SizeLimitError}
 * (`payload`) above `limits.maxPayloadBytes` and (`proof-depth`) when the tree
 * would be deeper than `limits.maxProofDepth`; {@link InvalidConfigError} if
 * `chunkBytes` is not a positive integer or `limits` is not a limits object;
 * {@link InvalidValueError} if `payload` is not a `Uint8Array`.
 *
 * @param chunkBytes - @default limits.chunkBytes (DEFAULT_CHUNK_BYTES, 64,512 B)
 * @param limits - @default DEFAULT_LIMITS
 */
export function splitIntoChunks (payload: Uint8Array, chunkBytes?: number, limits: WireLimits = DEFAULT_LIMITS): ChunkedPayload {
  if (!(payload instanceof Uint8Array)) throw new InvalidValueError('payload', `a Uint8Array, got ${payload === null ? 'null' : typeof payload}`)
  checkLimits(limits)
  const size = checkPositiveInt('chunkBytes', chunkBytes ?? limits.chunkBytes)
  const totalLength = payload.length
  if (totalLength > limits.maxPayloadBytes) throw new SizeLimitError('payload', limits.maxPayloadBytes, totalLength)
  const chunkCount = countChunks(totalLength, size)
  const depth = treeDepth(chunkCount)
  if (depth > limits.maxProofDepth) throw new SizeLimitError('proof-depth', limits.maxProofDepth, depth)

  const pieces = new Array<Uint8Array>(chunkCount)
  for (let i = 0; i < chunkCount; i++) pieces[i] = payload.subarray(i * size, Math.min((i + 1) * size, totalLength))
  const tree = buildMerkleTree(pieces)
  const chunks = new Array<Chunk>(chunkCount)
  for (let i = 0; i < chunkCount; i++) chunks[i] = { index: i, bytes: pieces[i]!, proof: tree.proof(i) }
  return { root: tree.root, totalLength, chunkBytes: size, chunkCount, chunks }
}

/**
 * Reassembles a chunked payload from chunks arriving in any order, verifying
 * each against a TRUSTED header before copying it.
 *
 * Memory: nothing proportional to `totalLength` is allocated until the first
 * chunk verifies; then exactly `totalLength` bytes (at most
 * `limits.maxPayloadBytes`) plus one byte per chunk for bookkeeping.
 */
export class ChunkAssembler {
  /** Merkle root every chunk is checked against. */
  readonly root: Uint8Array
  /** Length of the whole payload. */
  readonly totalLength: number
  /** Size of every chunk but the last. */
  readonly chunkBytes: number
  /** Number of chunks expected. */
  readonly chunkCount: number
  readonly #maxProofDepth: number
  readonly #lastChunkBytes: number
  /** 1 where chunk i has been accepted. */
  readonly #received: Uint8Array
  #receivedCount = 0
  #buffer: Uint8Array | undefined

  /**
   * Checks the header against the budget before allocating anything. Throws
   * {@link SizeLimitError} (`payload`) if `totalLength > limits.maxPayloadBytes`,
   * (`proof-depth`) if the chunk tree would be deeper than `limits.maxProofDepth`,
   * and {@link MalformedInputError} (`chunked-header`) if the header is not an
   * object, the root is not 32 bytes, a length is not a non-negative integer (chunkBytes: positive), or an
   * empty payload does not carry the empty-tree root.
   *
   * @param header - from an authenticated source (a verified signature)
   * @param limits - @default DEFAULT_LIMITS
   */
  constructor (header: ChunkedPayloadHeader, limits: WireLimits = DEFAULT_LIMITS) {
    if (typeof header !== 'object' || header === null) throw new MalformedInputError('chunked-header', `header must be an object, got ${header === null ? 'null' : typeof header}`)
    checkLimits(limits)
    const { root, totalLength, chunkBytes } = header
    if (!(root instanceof Uint8Array) || root.length !== SHA256_BYTES) {
      throw new MalformedInputError('chunked-header', `root must be ${SHA256_BYTES} bytes`)
    }
    if (!Number.isSafeInteger(totalLength) || totalLength < 0) {
      throw new MalformedInputError('chunked-header', `totalLength must be a non-negative integer, got ${String(totalLength)}`)
    }
    if (totalLength > limits.maxPayloadBytes) throw new SizeLimitError('payload', limits.maxPayloadBytes, totalLength)
    if (!Number.isSafeInteger(chunkBytes) || chunkBytes < 1) {
      throw new MalformedInputError('chunked-header', `chunkBytes must be a positive integer, got ${String(chunkBytes)}`)
    }
    const chunkCount = countChunks(totalLength, chunkBytes)
    const depth = treeDepth(chunkCount)
    if (depth > limits.maxProofDepth) throw new SizeLimitError('proof-depth', limits.maxProofDepth, depth)
    if (chunkCount === 0 && !isEmptyTreeRoot(root)) {
      // SPEC.md 9.3: an empty payload has 0 chunks and the RFC 9162 empty-tree root
      throw new WireFormatError('chunked-header', 'empty-root', 'an empty payload must carry the empty-tree root SHA-256("")')
    }

    this.root = root.slice()
    this.totalLength = totalLength
    this.chunkBytes = chunkBytes
    this.chunkCount = chunkCount
    this.#maxProofDepth = limits.maxProofDepth
    this.#lastChunkBytes = totalLength - (chunkCount - 1) * chunkBytes
    this.#received = new Uint8Array(chunkCount)
  }

  /**
   * Offers chunk `index`. Checks, in this order and before touching the
   * payload buffer: the index is in range (`bad-index`), the chunk was not
   * accepted before (`duplicate`), its length is exactly the expected one
   * (`bad-size`), and its inclusion proof against {@link root} holds
   * (`bad-proof`, RFC 9162 section 2.1.3.2). Only then are its bytes copied
   * (the caller may reuse `bytes` afterwards). `bytes` that is not a
   * `Uint8Array` is `bad-size`, a `proof` that is not an array of hashes
   * `bad-proof`; nothing here throws.
   */
  accept (index: number, bytes: Uint8Array, proof: readonly Uint8Array[]): ChunkVerdict {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.chunkCount) return BAD_INDEX
    if (this.#received[index] === 1) return DUPLICATE
    const expected = index === this.chunkCount - 1 ? this.#lastChunkBytes : this.chunkBytes
    if (!(bytes instanceof Uint8Array) || bytes.length !== expected) return BAD_SIZE
    if (!verifyInclusion(hashLeaf(bytes), index, this.chunkCount, proof, this.root, this.#maxProofDepth)) return BAD_PROOF
    this.#buffer ??= new Uint8Array(this.totalLength)
    this.#buffer.set(bytes, index * this.chunkBytes)
    this.#received[index] = 1
    this.#receivedCount++
    return OK
  }

  /** Whether chunk `index` has been accepted. */
  has (index: number): boolean {
    return this.#received[index] === 1
  }

  /** Number of chunks accepted so far. */
  get receivedCount (): number {
    return this.#receivedCount
  }

  /** True once every chunk has been accepted (immediately for an empty payload). */
  get complete (): boolean {
    return this.#receivedCount === this.chunkCount
  }

  /** Bytes of payload buffer currently allocated: 0 until a chunk verified, then `totalLength`. */
  get heldBytes (): number {
    return this.#buffer?.length ?? 0
  }

  /**
   * The whole payload once {@link complete}, else `undefined`. Returns the
   * assembler's own buffer (no copy; the same array on every call).
   */
  bytes (): Uint8Array | undefined {
    if (!this.complete) return undefined
    this.#buffer ??= new Uint8Array(this.totalLength)
    return this.#buffer
  }
}
