/**
 * Memory for the frame bodies that span chunks (SPEC.md 14.2). The reader
 * hands out each body as one contiguous Uint8Array, so a body that arrived in
 * pieces is copied once when it is taken. By default the copy owns a fresh
 * ArrayBuffer, so every frame stays valid for as long as the caller keeps it.
 * A loop that is done with each frame before it asks for the next can pass a
 * {@link FrameScratch} instead (`frames({ validUntilNextRead: true })`): the
 * copies then reuse one buffer, which saves the allocation per frame and the
 * garbage collections that its external memory brings (a 64 KiB frame always
 * spans two Noise messages of at most 65,519 plaintext bytes, so at full speed
 * that is every frame).
 *
 * @module
 */

/**
 * Largest body copied into a scratch buffer (bytes). Larger ones get memory
 * of their own even in the reused mode, so a loop keeps at most this much
 * alive between frames.
 */
export const SCRATCH_MAX_BYTES = 1024 * 1024

/** Smallest scratch buffer allocated (bytes): one 64 KiB frame. */
const SCRATCH_MIN_BYTES = 64 * 1024

/**
 * `bytes` of fresh memory in an ArrayBuffer of its own (not zero-filled: the
 * caller writes every byte). Unpooled (allocUnsafeSlow): a caller reading or
 * transferring `.buffer` never sees or detaches Node's shared Buffer pool. A
 * plain Uint8Array view, as the rest of the API returns.
 */
function ownBytes (bytes: number): Uint8Array {
  const own = Buffer.allocUnsafeSlow(bytes)
  return new Uint8Array(own.buffer, own.byteOffset, bytes)
}

/**
 * One reused buffer for the spanning bodies of one frame loop: each body
 * taken through it overwrites the previous one.
 */
export class FrameScratch {
  private buffer: Uint8Array | undefined

  /** `bytes` of the reused buffer (grown when needed, never shrunk below what was needed). */
  take (bytes: number): Uint8Array {
    let buf = this.buffer
    // byteLength reads 0 once a caller transferred the buffer (detached it): allocate again.
    if (buf === undefined || buf.byteLength < bytes) {
      buf = ownBytes(Math.max(SCRATCH_MIN_BYTES, 2 ** Math.ceil(Math.log2(bytes))))
      this.buffer = buf
    }
    return buf.subarray(0, bytes)
  }
}

/**
 * One contiguous copy of `parts` (`bytes` in all): in `scratch` when given
 * and the body is at most {@link SCRATCH_MAX_BYTES}, else in memory of its own.
 */
export function joinParts (parts: readonly Uint8Array[], bytes: number, scratch: FrameScratch | undefined): Uint8Array {
  const out = scratch !== undefined && bytes <= SCRATCH_MAX_BYTES ? scratch.take(bytes) : ownBytes(bytes)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
