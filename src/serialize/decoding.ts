/**
 * Internal helpers every serializer's decoder shares: input normalisation and
 * the translation of library exceptions into wireseal errors. Not exported
 * from the package.
 *
 * @module
 */
import { InvalidValueError, MalformedInputError, SizeLimitError, WiresealError } from '../errors.js'
import { EXPECTED, RESERVED_KEYS, isPlainObject, isWellFormed } from './schema.js'
import type { FieldDescriptor, MessageSchema, ScalarKind } from './schema.js'

/**
 * The zero-length byte string decoders return for absent `bytes` fields.
 * Shared and frozen (a zero-length array has no content to mutate), which saves
 * an allocation per absent field; it deep-equals `new Uint8Array(0)`.
 */
export const EMPTY_BYTES: Uint8Array = Object.freeze(new Uint8Array(0)) as Uint8Array

/**
 * Returns `bytes` as a plain `Uint8Array` (a view, no copy) so that decoders
 * built on Node's `Buffer` paths never leak `Buffer` instances: every
 * serializer then decodes to values that `assert.deepStrictEqual` each other.
 */
export function plainBytes (bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** Checks the argument of `decode()` and returns it as a plain `Uint8Array`. */
export function inputBytes (bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidValueError('input', 'Uint8Array')
  return plainBytes(bytes)
}

/** Checks the argument of `decode()` and returns a new plain `Uint8Array` view of it (never the caller's object). */
export function freshView (bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new InvalidValueError('input', 'Uint8Array')
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Turns anything a third-party decoder threw (RangeError, TypeError, plain
 * Error, stack overflow) into a {@link MalformedInputError}; wireseal errors
 * pass through unchanged.
 */
export function toDecodeError (format: string, err: unknown): WiresealError<object> {
  if (err instanceof WiresealError) return err
  const text = err instanceof Error ? err.message : String(err)
  return new MalformedInputError(format, text.length > 120 ? `${text.slice(0, 120)}...` : text, { cause: err })
}

/** Throws {@link SizeLimitError} (`quantity: 'field'`) when a decoded collection is over its limit. */
export function checkCount (limit: number, actual: number): void {
  if (actual > limit) throw new SizeLimitError('field', limit, actual)
}

/** Rejects a decoded map key that is reserved (prototype pollution) or not well-formed. */
export function checkDecodedKey (format: string, path: string, key: string): void {
  if (RESERVED_KEYS.has(key)) throw new MalformedInputError(format, `${path}: reserved key ${JSON.stringify(key)}`)
  if (!isWellFormed(key)) throw new MalformedInputError(format, `${path}: key is not well-formed Unicode`)
}

/** A decoding error naming the field path and what was expected there. */
export function badField (format: string, path: string, expected: string): MalformedInputError {
  return new MalformedInputError(format, `${path}: expected ${expected}`)
}

/** Converts one decoded scalar (`index` >= 0 inside a list, -1 otherwise), throwing {@link badField}. */
export type ScalarReader = (format: string, path: string, index: number, kind: ScalarKind, x: unknown) => unknown

/**
 * Converts one decoded field of a generic schema: lists element by element
 * through `scalar`, string maps key by key (reserved and ill-formed keys
 * refused, counts bounded by the field's limit), scalars through `scalar`.
 * Shared by the JSON and msgpack decoders, which differ only in their scalars.
 *
 * @param mapNoun - what a map is called in this format's errors (`object`, `map`)
 * @param checkValues - whether map values must be re-checked for well-formed Unicode (JSON; msgpack's scan already did)
 */
export function readField (format: string, d: FieldDescriptor, x: unknown, scalar: ScalarReader, mapNoun: string, checkValues: boolean): unknown {
  if (d.kind === 'list') {
    if (!Array.isArray(x)) throw badField(format, d.path, 'array')
    checkCount(d.max as number, x.length)
    const of = d.of as ScalarKind
    const out = new Array<unknown>(x.length)
    for (let i = 0; i < x.length; i++) out[i] = scalar(format, d.path, i, of, x[i])
    return out
  }
  if (d.kind === 'map') {
    if (!isPlainObject(x)) throw badField(format, d.path, mapNoun)
    const keys = Object.keys(x)
    checkCount(d.max as number, keys.length)
    const out: Record<string, string> = {}
    for (const key of keys) {
      // JSON.parse makes `__proto__` an own property; it is refused like every reserved key.
      checkDecodedKey(format, d.path, key)
      const v = x[key]
      if (typeof v !== 'string' || (checkValues && !isWellFormed(v))) throw badField(format, `${d.path}[${JSON.stringify(key)}]`, EXPECTED.string)
      out[key] = v
    }
    return out
  }
  return scalar(format, d.path, -1, d.kind, x)
}

/** Room for unknown (newer) fields: top-level entries and nested items a generic decoder accepts beyond what the schema needs. */
export const UNKNOWN_FIELD_ROOM = 16

/**
 * Deepest nesting of a schema message in the self-describing formats (JSON,
 * msgpack): the message, then a list or map field (or an unknown field's
 * value, allowed one level like them).
 */
export const SCHEMA_MAX_DEPTH = 2

/** Container limits of a schema's generic decoders (JSON scan, msgpack scan). */
export interface SchemaContainerLimits {
  /** Most top-level entries: the schema's fields plus {@link UNKNOWN_FIELD_ROOM}. */
  readonly maxTopEntries: number
  /** Most elements of a nested container: the largest list/map limit, at least {@link UNKNOWN_FIELD_ROOM}. */
  readonly maxNestedItems: number
}

/**
 * Container limits for a schema: top-level entries up to the field count plus
 * room for unknown fields; nested containers up to the largest list/map
 * limit. The exact per-field limits are checked again on the decoded shape.
 * Together with {@link SCHEMA_MAX_DEPTH} they bound what a generic decoder
 * materialises to `maxTopEntries * maxNestedItems` values plus the input's bytes.
 */
export function schemaContainerLimits (type: MessageSchema<unknown>): SchemaContainerLimits {
  let nested = UNKNOWN_FIELD_ROOM
  for (const d of type.fields) if (d.max !== undefined && d.max > nested) nested = d.max
  return Object.freeze({ maxTopEntries: type.fields.length + UNKNOWN_FIELD_ROOM, maxNestedItems: nested })
}
