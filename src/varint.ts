/**
 * Unsigned LEB128 varints of safe integers (protobuf encoding spec, "Base 128
 * Varints"; the same encoding libp2p uses for length prefixes). The one
 * implementation every layer writes with; readers stay in their layers
 * because each bounds its input differently.
 *
 * @module
 */

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
