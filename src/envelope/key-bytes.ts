/**
 * Byte helpers of the key and signature encodings: concatenation, big-endian
 * unsigned integers (SEC 1 2.3.7 Octet-String-to-Integer) and prefix matching.
 *
 * @module
 */

/** Concatenates `parts` into a new array. */
export function concat (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) { out.set(p, o); o += p.length }
  return out
}

/** The unsigned big-endian integer `bytes` encode. */
export function toBigInt (bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

/** True when `bytes` begins with `prefix`. */
export function startsWith (bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false
  return true
}
