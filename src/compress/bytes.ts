/**
 * Byte-array helpers shared by the backends: every compressor returns plain
 * `Uint8Array`s (never a `Buffer` subclass), so outputs of different backends
 * compare equal and callers see one type.
 *
 * @module
 */

/** Concatenates `chunks` (whose lengths sum to `total`); a single chunk is returned as is. */
export function concatChunks (chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/** A plain `Uint8Array` view of the same memory (no copy) when `bytes` is a subclass such as `Buffer`. */
export function plain (bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
