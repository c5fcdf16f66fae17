/**
 * A non-allocating pass over the top level of a protobuf message that counts
 * the occurrences of repeated fields, so that a decoder can refuse an
 * oversized collection BEFORE materialising it (a 10 MiB PeerInfo of empty
 * `multiaddrs` entries would otherwise become millions of objects).
 *
 * Implements the wire format of https://protobuf.dev/programming-guides/encoding/:
 * tag = varint(field << 3 | wire type); wire types 0 varint, 1 i64,
 * 2 length-delimited, 5 i32. Groups (3, 4) do not exist in proto3 and are refused.
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'

/**
 * Scans the top-level fields of `buf`. For each `[field, limit]` in `limits`,
 * throws {@link SizeLimitError} (`quantity: 'field'`) as soon as the field
 * occurs more than `limit` times. Throws {@link MalformedInputError} on
 * truncation, field number 0, a group or an unknown wire type.
 */
export function checkRepeatedCounts (format: string, buf: Uint8Array, limits: ReadonlyArray<readonly [field: number, limit: number]>): void {
  const counts = new Array<number>(limits.length).fill(0)
  let pos = 0
  // Reads a varint of at most `maxBytes` bytes at `pos` and advances `pos`.
  // Values above 2^53 lose precision: only used for tags, lengths and skipping.
  const varint = (maxBytes: number): number => {
    let value = 0
    let scale = 1
    for (let i = 0; i < maxBytes; i++) {
      if (pos >= buf.length) throw new MalformedInputError(format, 'truncated varint')
      const b = buf[pos++] as number
      value += (b & 0x7f) * scale
      if (b < 0x80) return value
      scale *= 128
    }
    throw new MalformedInputError(format, 'varint too long')
  }
  while (pos < buf.length) {
    const tag = varint(5)
    if (tag > 0xffff_ffff) throw new MalformedInputError(format, 'tag out of range')
    const field = Math.floor(tag / 8)
    const wireType = tag % 8
    if (field === 0) throw new MalformedInputError(format, 'field number 0')
    switch (wireType) {
      case 0: varint(10); break
      case 1: pos += 8; break
      case 2: {
        const length = varint(5)
        pos += length
        break
      }
      case 5: pos += 4; break
      default: throw new MalformedInputError(format, `wire type ${wireType}`)
    }
    if (pos > buf.length) throw new MalformedInputError(format, 'truncated field')
    for (let i = 0; i < limits.length; i++) {
      const [f, limit] = limits[i] as readonly [number, number]
      if (f === field) {
        const n = (counts[i] as number) + 1
        if (n > limit) throw new SizeLimitError('field', limit, n)
        counts[i] = n
      }
    }
  }
}
