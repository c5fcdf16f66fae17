/**
 * Unsigned LEB128 varints of safe integers (protobuf encoding spec, "Base 128
 * Varints"; the same encoding libp2p uses for length prefixes): the one
 * writer and the one reader of every wireseal format.
 *
 * The rule (SPEC.md 2.1), for the envelope, header, keys, batch prefixes,
 * chunk frames and stream frames alike: a varint is minimal (no final `00`
 * after a continuation byte), has at most the byte count its call site allows
 * (8 at most, which SPEC.md 2.1 states; 5 for a batch prefix, SPEC.md 8; 2 in
 * a key, SPEC.md 3.1) and a value of at most 2^53 − 1, so one value has one
 * encoding and every value is an exact double.
 *
 * Formats wireseal does not define keep their own rules, on purpose, because
 * their bytes come from other encoders and are fixed by the signed digest
 * (so their encoding need not be unique): protobuf *payloads* (serializer 1,
 * SPEC.md 10.1) are read by proto3 parsing rules in
 * serialize/protobuf-wire.ts (non-minimal varints accepted, as protobuf
 * parsers accept them; tags and lengths of at most 5 bytes; uint32 as the low
 * 32 bits and uint64 as a bigint of up to 10 bytes), and the snappy length
 * preamble by the snappy format's (compress/snappy-format.ts: at most 32
 * bits).
 *
 * @module
 */
import type { WireRule } from './errors.js'

/** {@link readVarint}: the input ended inside the varint. */
export const VARINT_TRUNCATED = -1
/** {@link readVarint}: a redundant final `00` byte. */
export const VARINT_NON_MINIMAL = -2
/** {@link readVarint}: more bytes than allowed, or a value above 2^53 − 1. */
export const VARINT_OVERFLOW = -3

/** Where {@link readVarint} reads; it advances `pos` past a valid varint. */
export interface VarintCursor {
  pos: number
}

/** Bytes of the minimal varint of a non-negative safe integer. */
export function varintLength (n: number): number {
  let len = 1
  while (n >= 128) {
    n = Math.floor(n / 128)
    len++
  }
  return len
}

/** Writes the minimal varint of a non-negative safe integer at `pos`; returns the position after it. */
export function writeVarint (buf: Uint8Array, pos: number, n: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 128
    n = Math.floor(n / 128)
  }
  buf[pos++] = n
  return pos
}

/**
 * Reads the varint at `cursor.pos` in `buf` under the rule above, with at
 * most `maxBytes` bytes (1..8). Returns its value (>= 0) and moves
 * `cursor.pos` past it, or returns {@link VARINT_TRUNCATED},
 * {@link VARINT_NON_MINIMAL} or {@link VARINT_OVERFLOW} and leaves the
 * cursor where it was. `maxBytes` continuation bytes are an overflow even
 * when the input ends right after them. Allocates nothing.
 */
export function readVarint (buf: Uint8Array, cursor: VarintCursor, maxBytes: number): number {
  let pos = cursor.pos
  let value = 0
  let scale = 1
  for (let i = 0; i < maxBytes; i++) {
    if (pos >= buf.length) return VARINT_TRUNCATED
    const b = buf[pos++]!
    if (b < 0x80) {
      if (b === 0 && i > 0) return VARINT_NON_MINIMAL
      value += b * scale
      if (value > Number.MAX_SAFE_INTEGER) return VARINT_OVERFLOW
      cursor.pos = pos
      return value
    }
    value += (b & 0x7f) * scale
    scale *= 128
  }
  return VARINT_OVERFLOW
}

/** The SPEC.md 2.1 rule a negative {@link readVarint} result breaks. */
export function varintRule (code: number): WireRule {
  return code === VARINT_TRUNCATED ? 'truncated' : code === VARINT_NON_MINIMAL ? 'varint-non-minimal' : 'varint-overflow'
}

/** A negative {@link readVarint} result in words, for error details. */
export function varintProblem (code: number): string {
  return code === VARINT_TRUNCATED ? 'truncated varint' : code === VARINT_NON_MINIMAL ? 'non-minimal varint' : 'varint too long or above 2^53-1'
}
