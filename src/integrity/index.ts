/**
 * The integrity layer: SHA-256 with a node:crypto fast path and a portable
 * fallback, RFC 9162 section 2.1 Merkle trees with inclusion proofs, and
 * chunked payloads verified chunk by chunk against a trusted Merkle root;
 * `bytesEqual` compares digests, roots and ids.
 *
 * @module
 */
export { bytesEqual } from '../bytes.js'
export {
  SHA256_BYTES,
  sha256,
  sha256Concat,
  sha256Equals,
  sha256Into,
  createSha256,
  sha256Backend,
  nodeSha256,
  nobleSha256,
  type Sha256Backend,
  type Sha256Hasher
} from './sha256.js'
export {
  EMPTY_TREE_ROOT,
  isEmptyTreeRoot,
  hashLeaf,
  hashChildren,
  merkleRoot,
  merkleRootFromLeafHashes,
  buildMerkleTree,
  buildMerkleTreeFromLeafHashes,
  verifyInclusion,
  encodeProof,
  decodeProof,
  type MerkleTree
} from './merkle.js'
export {
  splitIntoChunks,
  countChunks,
  ChunkAssembler,
  type Chunk,
  type ChunkedPayload,
  type ChunkedPayloadHeader,
  type ChunkRejection,
  type ChunkVerdict
} from './chunked.js'
