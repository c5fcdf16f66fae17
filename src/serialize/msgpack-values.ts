/**
 * Conversion between wireseal values and the JavaScript shapes msgpackr packs
 * and unpacks, shared by the plain and the shared-structure msgpack serializers.
 *
 * Encoding: uint64 up to 2^32-1 becomes a number (so msgpackr picks the
 * shortest uint format), larger values stay bigint (msgpackr writes `int 64`
 * below 2^63 and `uint 64` above: plain integers every msgpack decoder reads).
 *
 * Decoding is strict: every schema field must be present with the right type
 * (a missing or mistyped field is a {@link MalformedInputError} naming it);
 * unknown keys are ignored, for forward compatibility.
 *
 * @module
 */
import { MalformedInputError } from '../errors.js'
import { EXPECTED, isUint32 } from './schema.js'
import type { FieldDescriptor, MessageSchema, ScalarKind } from './schema.js'
import { checkCount, checkDecodedKey, plainBytes } from './decoding.js'

const MAX_U32_BIG = 0xffff_ffffn
const MAX_U64 = 0xffff_ffff_ffff_ffffn

/** A wireseal value -> an object msgpackr packs (schema order, only schema fields). `mapsAsMap` packs map fields from a JS `Map` (never a record). */
export function toMsgpackShape<T> (type: MessageSchema<T>, value: T, mapsAsMap: boolean): Record<string, unknown> {
  const v = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const d of type.fields) {
    const x = v[d.name]
    if (d.kind === 'uint64') out[d.name] = (x as bigint) <= MAX_U32_BIG ? Number(x) : x
    else if (d.kind === 'list' && d.of === 'uint64') out[d.name] = (x as bigint[]).map((e) => e <= MAX_U32_BIG ? Number(e) : e)
    else if (d.kind === 'map' && mapsAsMap) out[d.name] = new Map(Object.entries(x as Record<string, string>))
    else out[d.name] = x
  }
  return out
}

function bad (format: string, path: string, expected: string): MalformedInputError {
  return new MalformedInputError(format, `${path}: expected ${expected}`)
}

/** One decoded msgpack scalar -> its wireseal value, or throws naming `path` (`path[index]` for list elements). */
function scalar (format: string, path: string, index: number, kind: ScalarKind, x: unknown): unknown {
  switch (kind) {
    case 'bytes':
      if (x instanceof Uint8Array) return plainBytes(x)
      break
    case 'string':
      // UTF-8 validity was checked by the scan; valid UTF-8 never decodes to a lone surrogate.
      if (typeof x === 'string') return x
      break
    case 'uint32':
      if (isUint32(x)) return x
      break
    case 'uint64':
      // Any msgpack integer format: other encoders use the shortest one.
      if (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0) return BigInt(x)
      if (typeof x === 'bigint' && x >= 0n && x <= MAX_U64) return x
      break
    case 'bool':
      if (typeof x === 'boolean') return x
      break
  }
  throw bad(format, index < 0 ? path : `${path}[${index}]`, EXPECTED[kind])
}

function field (format: string, d: FieldDescriptor, x: unknown): unknown {
  if (d.kind === 'list') {
    if (!Array.isArray(x)) throw bad(format, d.path, 'array')
    checkCount(d.max as number, x.length)
    const of = d.of as ScalarKind
    const out = new Array<unknown>(x.length)
    for (let i = 0; i < x.length; i++) {
      out[i] = scalar(format, d.path, i, of, x[i])
    }
    return out
  }
  if (d.kind === 'map') {
    if (!(x instanceof Map)) throw bad(format, d.path, 'map')
    checkCount(d.max as number, x.size)
    const out: Record<string, string> = {}
    for (const [key, s] of x) {
      if (typeof key !== 'string') throw bad(format, d.path, 'string keys')
      checkDecodedKey(format, d.path, key)
      if (typeof s !== 'string') throw bad(format, `${d.path}[${JSON.stringify(key)}]`, EXPECTED.string)
      out[key] = s
    }
    return out
  }
  return scalar(format, d.path, -1, d.kind, x)
}

/**
 * A decoded msgpack container -> a wireseal value. `container` is a `Map`
 * (plain msgpack, decoded with `mapsAsObjects: false`) or the object msgpackr
 * builds from a shared-structure record.
 */
export function fromMsgpackShape<T> (type: MessageSchema<T>, format: string, container: unknown): T {
  const isMap = container instanceof Map
  if (!isMap && (container === null || typeof container !== 'object' || Array.isArray(container))) {
    throw new MalformedInputError(format, 'top level is not a map')
  }
  const out: Record<string, unknown> = {}
  for (const d of type.fields) {
    let x: unknown
    if (isMap) {
      x = container.get(d.name)
      if (x === undefined && !container.has(d.name)) throw new MalformedInputError(format, `missing field ${d.path}`)
    } else {
      if (!Object.hasOwn(container, d.name)) throw new MalformedInputError(format, `missing field ${d.path}`)
      x = (container as Record<string, unknown>)[d.name]
    }
    out[d.name] = field(format, d, x)
  }
  return out as T
}
