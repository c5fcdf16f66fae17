/**
 * Byte-string equality, the one comparison of digests, roots and ids. Not
 * constant-time: what it compares is public (digests of received bytes,
 * signed roots, peer ids), never a secret.
 *
 * @module
 */

/** Whether `a` and `b` hold the same bytes. */
export function bytesEqual (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
