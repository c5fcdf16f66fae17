/**
 * Batch payload layout (SPEC.md 8): the serialized items as `uvarint(len) || item` (minimal uvarint),
 * concatenated, then compressed as one block. The header's `itemsRoot` is the
 * RFC 9162 Merkle root over the serialized items, so one item can later be
 * forwarded with its inclusion proof and verified alone against the signed
 * header.
 *
 * @module
 */
import { WireFormatError } from '../errors.js'
import { readVarint, VARINT_NON_MINIMAL, VARINT_TRUNCATED } from '../varint.js'
import { PbWriter, varintLength } from './pb.js'

/** Longest item length prefix (SPEC.md 8). */
const MAX_PREFIX_BYTES = 5

/** Lays out serialized items as one uncompressed batch payload. */
export function joinBatchItems (items: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const item of items) total += varintLength(item.length) + item.length
  const out = new Uint8Array(total)
  const w = new PbWriter(out)
  for (const item of items) {
    w.varint(item.length)
    out.set(item, w.pos)
    w.pos += item.length
  }
  return out
}

/**
 * Splits an uncompressed batch payload into exactly `count` items (views, no
 * copy; SPEC.md 8). Throws {@link WireFormatError} on a non-minimal or
 * over-long length prefix (`batch-prefix`), truncation (`truncated`) and
 * bytes after the last item (`trailing-bytes`).
 */
export function splitBatchItems (payload: Uint8Array, count: number): Uint8Array[] {
  const items = new Array<Uint8Array>(count)
  const cursor = { pos: 0 }
  for (let i = 0; i < count; i++) {
    const len = readVarint(payload, cursor, MAX_PREFIX_BYTES)
    if (len === VARINT_TRUNCATED) throw new WireFormatError('batch', 'truncated', `truncated length prefix of item ${i}`)
    if (len === VARINT_NON_MINIMAL) throw new WireFormatError('batch', 'batch-prefix', `non-minimal length prefix of item ${i}`)
    if (len < 0) throw new WireFormatError('batch', 'batch-prefix', `length prefix of item ${i} longer than ${MAX_PREFIX_BYTES} bytes`)
    const pos = cursor.pos
    if (len > payload.length - pos) throw new WireFormatError('batch', 'truncated', `item ${i} is truncated`)
    items[i] = payload.subarray(pos, pos + len)
    cursor.pos = pos + len
  }
  const pos = cursor.pos
  if (pos !== payload.length) throw new WireFormatError('batch', 'trailing-bytes', `${payload.length - pos} trailing bytes after ${count} items`)
  return items
}
