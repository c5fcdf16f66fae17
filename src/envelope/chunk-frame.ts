/**
 * Chunk frames of chunked envelopes (proto/envelope.proto, message `Chunk`):
 * `{ index, proof, data }`, each verified alone against the Merkle root signed
 * in the head envelope (RFC 9162 2.1.3.2), so a receiver never holds
 * unverified payload bytes.
 *
 * @module
 */
import { LEN, PbReader, PbWriter, VARINT, bytesFieldLength, uintFieldLength } from './pb.js'
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

/** Encodes one chunk frame. */
export function encodeChunkFrame (index: number, proof: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(uintFieldLength(F.index, index) + bytesFieldLength(F.proof, proof.length) + bytesFieldLength(F.data, data.length))
  const w = new PbWriter(out)
  w.uintField(F.index, index)
  w.bytesField(F.proof, proof)
  w.bytesField(F.data, data)
  return out
}

/** Strict, bounded parse of a chunk frame. Throws {@link errors!MalformedInputError}. */
export function parseChunkFrame (bytes: Uint8Array, limits: WireLimits): ChunkFrame {
  const r: PbReader = new PbReader(bytes, 'chunk frame')
  let index: number | undefined
  let proof: Uint8Array | undefined
  let data: Uint8Array | undefined
  for (let field = r.nextField(WIRE_TYPES); field !== 0; field = r.nextField(WIRE_TYPES)) {
    if (field === F.index) index = r.varint()
    else if (field === F.proof) proof = r.bytes(32 * limits.maxProofDepth, 'proof')
    else data = r.bytes(limits.chunkBytes, 'chunk data')
  }
  if (index === undefined || proof === undefined || data === undefined) r.fail('missing index, proof or data')
  if (proof.length % 32 !== 0) r.fail('proof length is not a multiple of 32')
  return { index, proof, data }
}
