/**
 * The receiving side of a chunked payload (SPEC.md 9): the head envelope runs
 * the open path's checks up to the signature and commits its seq; then every
 * chunk frame is verified against the Merkle root the head signs as it
 * arrives (nothing unverified is kept), and the whole is decompressed,
 * capped by the signed length, and decoded once complete.
 *
 * @module
 */
import { WireFormatError } from '../errors.js'
import type { Serializer } from '../serialize/types.js'
import { decodeProof } from '../integrity/merkle.js'
import { ChunkAssembler } from '../integrity/chunked.js'
import { EnvelopeKind } from '../envelope/header.js'
import { parseChunkFrame } from '../envelope/chunk-frame.js'
import type { Opener } from './open.js'
import type { OpenOptions } from './options.js'
import { reject, rejectFromError } from './reasons.js'
import type { ChunkedReceiver, OpenRejected, OpenResult } from './types.js'

const EMPTY = new Uint8Array(0)

/**
 * Verifies a chunked head and returns the receiver of its chunk frames, or
 * the rejection. Options are validated by the caller.
 */
export function openChunked<T>(opener: Opener, head: Uint8Array, options: OpenOptions, now: number): ChunkedReceiver<T> | OpenRejected {
  const pre = opener.precheck(head, options, { now, guard: opener.replay })
  if ('ok' in pre) return pre
  const { env, sender } = pre
  const h = env.header
  if (h.kind !== EnvelopeKind.chunked) return reject('malformed', 'not a chunked head envelope')
  const limits = opener.limits
  let assembler: ChunkAssembler
  try {
    assembler = new ChunkAssembler({ root: h.digest, totalLength: h.payloadLength, chunkBytes: h.chunkBytes }, limits)
  } catch (err) {
    return rejectFromError(err)
  }
  const verdict = opener.commit(sender.id, h, h.seq, now)
  if (verdict !== undefined) return verdict
  const serializer = pre.serializer as Serializer<T>
  const finish = (): OpenResult<T> => {
    if (!assembler.complete) return reject('malformed', `${assembler.chunkCount - assembler.receivedCount} chunks missing`)
    try {
      const value = serializer.decode(opener.decompress(assembler.bytes() ?? EMPTY, h))
      return opener.accepted('single', sender, h, [{ value, seq: h.seq, index: 0 }])
    } catch (err) {
      return rejectFromError(err)
    }
  }
  return {
    ok: true,
    chunkCount: assembler.chunkCount,
    get complete () { return assembler.complete },
    accept (frame: Uint8Array) {
      let parsed
      let proof
      if (!(frame instanceof Uint8Array)) return { ok: false, reason: 'malformed' } as const
      try {
        parsed = parseChunkFrame(frame, limits)
        proof = decodeProof(parsed.proof, limits.maxProofDepth)
      } catch (err) {
        return err instanceof WireFormatError ? { ok: false, reason: 'malformed', rule: err.details.rule } as const : { ok: false, reason: 'malformed' } as const
      }
      return assembler.accept(parsed.index, parsed.data, proof)
    },
    finish
  }
}
