/**
 * Joins the chunks a streaming decoder produced.
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
