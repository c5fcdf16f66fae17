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
 * Scans the top-level fields of `buf`. For each `fields[i]`, throws
 * {@link SizeLimitError} (`quantity: 'field'`) as soon as it occurs more than
 * `limits[i]` times. Throws {@link MalformedInputError} on
 * truncation, field number 0, a group or an unknown wire type.
 */
export function checkRepeatedCounts (format: string, buf: Uint8Array, fields: readonly number[], limits: readonly number[]): void {
  const counts = new Array<number>(fields.length).fill(0)
  const end = buf.length
  let pos = 0
  while (pos < end) {
    // Tag varint (at most 5 bytes for a uint32). Values are accumulated in a
    // double: exact, since only tags and lengths below 2^35 are read here.
    let tag = 0
    let scale = 1
    let i = 0
    for (; i < 5 && pos < end; i++) {
      const b = buf[pos++] as number
      tag += (b & 0x7f) * scale
      scale *= 128
      if (b < 0x80) break
    }
    if (i === 5 || (i < 5 && (buf[pos - 1] as number) >= 0x80)) throw new MalformedInputError(format, 'bad or truncated tag')
    if (tag > 0xffff_ffff) throw new MalformedInputError(format, 'tag out of range')
    const field = Math.floor(tag / 8)
    const wireType = tag % 8
    if (field === 0) throw new MalformedInputError(format, 'field number 0')
    if (pos >= end) throw new MalformedInputError(format, 'truncated field')
    switch (wireType) {
      case 0: {
        let j = 0
        while (j < 10 && pos < end && (buf[pos++] as number) >= 0x80) j++
        if (j === 10 || (buf[pos - 1] as number) >= 0x80) throw new MalformedInputError(format, 'bad or truncated varint')
        break
      }
      case 1: pos += 8; break
      case 2: {
        let length = 0
        let lscale = 1
        let j = 0
        for (; j < 5 && pos < end; j++) {
          const b = buf[pos++] as number
          length += (b & 0x7f) * lscale
          lscale *= 128
          if (b < 0x80) break
        }
        if (j === 5 || (j < 5 && (buf[pos - 1] as number) >= 0x80)) throw new MalformedInputError(format, 'bad or truncated length')
        pos += length
        break
      }
      case 5: pos += 4; break
      default: throw new MalformedInputError(format, `wire type ${wireType}`)
    }
    if (pos > end) throw new MalformedInputError(format, 'truncated field')
    for (let k = 0; k < fields.length; k++) {
      if (fields[k] === field) {
        const n = (counts[k] as number) + 1
        const limit = limits[k] as number
        if (n > limit) throw new SizeLimitError('field', limit, n)
        counts[k] = n
      }
    }
  }
}
