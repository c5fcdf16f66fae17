/**
 * Conversion between wireseal values and the JavaScript shapes msgpackr packs
 * and unpacks, shared by the plain and the shared-structure msgpack serializers.
 *
 * Encoding: uint64 up to 2^32-1 becomes a number (so msgpackr picks the
 * shortest uint format), larger values stay bigint (msgpackr writes `int 64`
 * below 2^63 and `uint 64` above: plain integers every msgpack decoder reads).
 *
 * Decoding (after {@link scanMsgpack}, which guarantees string keys, no
 * reserved keys, valid UTF-8 and bounded sizes, on a plain `Uint8Array` view,
 * so decoded `bin` values are plain `Uint8Array`s) is strict: every schema field
 * must be present with the right type, else a {@link MalformedInputError}
 * naming it; unknown keys are ignored, for forward compatibility.
 *
 * Block and PeerInfo rarely get here: their hand-written fast paths
 * (msgpack-block.ts, msgpack-peer-info.ts) read the canonical layout directly.
 *
 * @module
 */
import { MalformedInputError } from '../errors.js'
import { EXPECTED, isPlainObject, isUint32 } from './schema.js'
import type { FieldDescriptor, MessageSchema, ScalarKind } from './schema.js'
import { badField, readField } from './decoding.js'

const MAX_U32_BIG = 0xffff_ffffn
const MAX_U64 = 0xffff_ffff_ffff_ffffn

/** How one message type maps to and from msgpackr's JavaScript shapes. */
export interface MsgpackShapes<T> {
  /** A value that passed `type.assert()` -> the object msgpackr packs (schema fields only, schema order). */
  toShape(value: T): object
  /** What msgpackr decoded (after the scan) -> the value; throws MalformedInputError / SizeLimitError. */
  fromShape(raw: unknown): T
}

/** uint64 -> what msgpackr packs in the shortest integer format. */
function packUint64 (v: bigint): number | bigint {
  return v <= MAX_U32_BIG ? Number(v) : v
}

/** A decoded msgpack integer -> exact uint64 bigint, or undefined. Other encoders use any integer width. */
function unpackUint64 (x: unknown): bigint | undefined {
  if (typeof x === 'number') return Number.isSafeInteger(x) && x >= 0 ? BigInt(x) : undefined
  if (typeof x === 'bigint') return x >= 0n && x <= MAX_U64 ? x : undefined
  return undefined
}


/** One decoded msgpack scalar -> its wireseal value, or throws naming `path` (`path[index]` for list elements). */
function scalar (format: string, path: string, index: number, kind: ScalarKind, x: unknown): unknown {
  switch (kind) {
    case 'bytes':
      // A view into the decoder's input, which is always a plain Uint8Array view: already plain.
      if (x instanceof Uint8Array) return x
      break
    case 'string':
      // UTF-8 validity was checked by the scan; valid UTF-8 never decodes to a lone surrogate.
      if (typeof x === 'string') return x
      break
    case 'uint32':
      if (isUint32(x)) return x
      break
    case 'uint64': {
      const v = unpackUint64(x)
      if (v !== undefined) return v
      break
    }
    case 'bool':
      if (typeof x === 'boolean') return x
      break
  }
  throw badField(format, index < 0 ? path : `${path}[${index}]`, EXPECTED[kind])
}

function field (format: string, d: FieldDescriptor, x: unknown): unknown {
  return readField(format, d, x, scalar, 'map', false)
}

/** Shapes for any schema type. */
export function genericMsgpackShapes<T> (type: MessageSchema<T>, format: string): MsgpackShapes<T> {
  return {
    toShape (value: T): object {
      const v = value as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const d of type.fields) {
        const x = v[d.name]
        if (d.kind === 'uint64') out[d.name] = packUint64(x as bigint)
        else if (d.kind === 'list' && d.of === 'uint64') out[d.name] = (x as bigint[]).map(packUint64)
        else out[d.name] = x
      }
      return out
    },
    fromShape (raw: unknown): T {
      if (!isPlainObject(raw)) throw new MalformedInputError(format, 'top level is not a map')
      const out: Record<string, unknown> = {}
      for (const d of type.fields) {
        if (!Object.hasOwn(raw, d.name)) throw new MalformedInputError(format, `missing field ${d.path}`)
        out[d.name] = field(format, d, raw[d.name])
      }
      return out as T
    }
  }
}
