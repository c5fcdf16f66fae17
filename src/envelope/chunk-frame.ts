/**
 * Chunk frames of chunked envelopes (proto/envelope.proto, message `Chunk`):
 * `{ index, proof, data }`, each verified alone against the Merkle root signed
 * in the head envelope (RFC 9162 2.1.3.2), so a receiver never holds
 * unverified payload bytes.
 *
 * @module
 */
import { LEN, PbReader, PbWriter, VARINT, bytesField3Length, uintField3Length } from './pb.js'
import type { WireLimits } from '../limits.js'

/** A parsed chunk frame; `proof` and `data` are views into the input. */
export interface ChunkFrame {
  index: number
  /** Concatenated 32-byte proof hashes. */
  proof: Uint8Array
  data: Uint8Array
}

const F = { index: 1, proof: 2, data: 3 } as const
const WIRE_TYPES: Array<number | undefined> = [undefined, VARINT, LEN, LEN]
const EMPTY = new Uint8Array(0)

/** Encodes one chunk frame (SPEC.md 9.2: proto3, index 0 and an empty proof omitted). */
export function encodeChunkFrame (index: number, proof: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(uintField3Length(F.index, index) + bytesField3Length(F.proof, proof.length) + bytesField3Length(F.data, data.length))
  const w = new PbWriter(out)
  w.uintField3(F.index, index)
  w.bytesField3(F.proof, proof)
  w.bytesField3(F.data, data)
  return out
}

/** Strict, bounded parse of a chunk frame (SPEC.md 9.2). Throws {@link errors!WireFormatError}. */
export function parseChunkFrame (bytes: Uint8Array, limits: WireLimits): ChunkFrame {
  const r: PbReader = new PbReader(bytes, 'chunk frame')
  let index = 0
  let proof: Uint8Array = EMPTY
  let data: Uint8Array | undefined
  for (let field = r.nextField(WIRE_TYPES); field !== 0; field = r.nextField(WIRE_TYPES)) {
    if (field === F.index) index = r.uint3('index')
    else if (field === F.proof) proof = r.bytes(32 * limits.maxProofDepth, 'proof', 'proof-length')
    else data = r.bytes(limits.chunkBytes, 'chunk data', 'chunk-size')
  }
  // a chunk holds at least one byte: an empty payload has no chunks
  if (data === undefined) r.fail('missing-field', 'chunk frame without data')
  if (proof.length % 32 !== 0) r.fail('proof-length', 'proof length is not a multiple of 32')
  return { index, proof, data }
}
