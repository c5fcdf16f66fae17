/**
 * Strict standard base64 (RFC 4648 section 4, with `=` padding). Node's own
 * decoder is lenient (it skips invalid characters and accepts missing padding
 * and the URL-safe alphabet); this one accepts only the canonical encoding:
 * alphabet `A-Z a-z 0-9 + /`, length a multiple of 4, padding only at the end,
 * and zero pad bits (RFC 4648 section 3.5), so that every byte string has
 * exactly one accepted text form.
 *
 * @module
 */
import { Buffer } from 'node:buffer'

/** Canonical base64 of `bytes`. */
export function encodeBase64 (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** Value of a base64 character, or -1. */
function sextet (c: number): number {
  if (c >= 65 && c <= 90) return c - 65 // A-Z
  if (c >= 97 && c <= 122) return c - 71 // a-z
  if (c >= 48 && c <= 57) return c + 4 // 0-9
  if (c === 43) return 62 // +
  if (c === 47) return 63 // /
  return -1
}

/** Decodes canonical base64 into a new plain `Uint8Array`, or returns `undefined` when `text` is not canonical base64. */
export function decodeBase64 (text: string): Uint8Array | undefined {
  const n = text.length
  if (n % 4 !== 0) return undefined
  if (n === 0) return new Uint8Array(0)
  const pad = text.charCodeAt(n - 1) === 61 ? (text.charCodeAt(n - 2) === 61 ? 2 : 1) : 0
  const body = n - pad
  for (let i = 0; i < body; i++) {
    if (sextet(text.charCodeAt(i)) < 0) return undefined
  }
  // Pad bits must be zero: the last data character carries 4 (pad 2) or 2 (pad 1) unused low bits.
  if (pad === 2 && (sextet(text.charCodeAt(body - 1)) & 0x0f) !== 0) return undefined
  if (pad === 1 && (sextet(text.charCodeAt(body - 1)) & 0x03) !== 0) return undefined
  const out = new Uint8Array((n / 4) * 3 - pad)
  Buffer.from(out.buffer, out.byteOffset, out.byteLength).write(text, 'base64')
  return out
}
