/**
 * Schema-described message types: declare the fields once and get a
 * {@link MessageType} whose `assert()` checks every field, plus the generic
 * serializers (JSON, msgpack) that work from the same description.
 *
 * @example
 * ```ts
 * const Ping = defineMessageType({
 *   id: 1000,
 *   name: 'Ping',
 *   fields: { nonce: 'uint64', from: 'bytes', tags: { kind: 'list', of: 'string', maxItems: 8 } }
 * })
 * type Ping = MessageValue<typeof Ping>   // { nonce: bigint, from: Uint8Array, tags: string[] }
 * ```
 *
 * @module
 */
import { InvalidConfigError, InvalidValueError } from '../errors.js'
import { checkInt, checkPositiveInt } from '../options/checks.js'
import type { MessageType } from './types.js'

/** Kinds of single-valued fields, and the JavaScript type each decodes to. */
export interface ScalarTypes {
  /** `Uint8Array` (any subclass accepted on encode; decoders return plain `Uint8Array`). */
  bytes: Uint8Array
  /** Well-formed Unicode string (no lone surrogates: they cannot round-trip through UTF-8). */
  string: string
  /** Integer 0..2^32-1. */
  uint32: number
  /** Integer 0..2^64-1 as `bigint`. */
  uint64: bigint
  /** `true` or `false`. */
  bool: boolean
}

/** Name of a scalar field kind. */
export type ScalarKind = keyof ScalarTypes

/** A repeated field: an array of scalars, bounded in length. */
export interface ListFieldSpec {
  readonly kind: 'list'
  /** Element kind. */
  readonly of: ScalarKind
  /** Most elements accepted (by `assert()` and by every decoder). Required: every decoder has hard limits. */
  readonly maxItems: number
}

/** A `map<string, string>` field: a plain object with string values, bounded in entries. */
export interface MapFieldSpec {
  readonly kind: 'map'
  /** Most entries accepted (by `assert()` and by every decoder). */
  readonly maxEntries: number
}

/** How a field is declared in {@link MessageTypeInit.fields}. */
export type FieldSpec = ScalarKind | ListFieldSpec | MapFieldSpec

/** The JavaScript value type of one field spec. */
export type FieldValue<F> =
  F extends ScalarKind ? ScalarTypes[F]
    : F extends { kind: 'list', of: infer K extends ScalarKind } ? Array<ScalarTypes[K]>
      : F extends { kind: 'map' } ? Record<string, string>
        : never

/** The value type described by a `fields` object. */
export type InferMessage<F extends Record<string, FieldSpec>> = { -readonly [K in keyof F]: FieldValue<F[K]> }

/** The value type of a {@link MessageSchema}. */
export type MessageValue<S> = S extends MessageSchema<infer T> ? T : never

/** One field, normalised: what the generic serializers iterate over. */
export interface FieldDescriptor {
  /** Property name in the value (also the key in JSON and msgpack). */
  readonly name: string
  /** `list` and `map` for collections, else the scalar kind. */
  readonly kind: ScalarKind | 'list' | 'map'
  /** Element kind of a `list`. */
  readonly of?: ScalarKind
  /** Largest element / entry count of a `list` or `map`. */
  readonly max?: number
  /** `Type.field`, used in error details. */
  readonly path: string
}

/** A {@link MessageType} that also carries its field description. */
export interface MessageSchema<T> extends MessageType<T> {
  /** Fields in declaration (= wire) order. */
  readonly fields: readonly FieldDescriptor[]
}

/** Options of {@link defineMessageType}. */
export interface MessageTypeInit<F extends Record<string, FieldSpec>> {
  /** Wire id, 1..65535; 1..127 are reserved for wireseal's own types. */
  id: number
  /** Human name, e.g. `Block`; used in error details and registry lookups. */
  name: string
  /** Fields in wire order. Names must be identifiers and not `__proto__`, `constructor` or `prototype`. */
  fields: F
  /**
   * Largest serialized message of this type in bytes (any format), enforced
   * at seal and, from the signed declared length, at open before anything is
   * decompressed (see {@link MessageType.maxPayloadBytes}). Set it to what the
   * type can legitimately need: e.g. `uint32` and short `bytes` fields never
   * need the 10 MiB budget.
   * @default none (the budget's `maxPayloadBytes` alone)
   */
  maxPayloadBytes?: number
  /**
   * Message segment of the type's libp2p protocol ids (`[a-z0-9_.-]+`).
   * @default the name in kebab case (`MyVote` -> `my-vote`)
   */
  protocolName?: string
}

/**
 * Keys refused in every map field and as field names: assigning them on a plain
 * object either changes its prototype (`__proto__`) or shadows what generic
 * merge code walks to reach a prototype (`constructor`, `prototype`).
 * Every decoder rejects them, so decoded maps are always safe plain objects.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype'])

const MAX_U64 = 0xffff_ffff_ffff_ffffn
const SCALAR_KINDS: ReadonlySet<string> = new Set(['bytes', 'string', 'uint32', 'uint64', 'bool'])
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/

interface WellFormed { isWellFormed(): boolean }

/** True when `s` has no lone surrogate (ES2024 `String.prototype.isWellFormed`, Node >= 20). */
export function isWellFormed (s: string): boolean {
  return (s as unknown as WellFormed).isWellFormed()
}

/** True for an integer in 0..2^32-1 (not -0, which would not round-trip as the same value). */
export function isUint32 (v: unknown): v is number {
  return typeof v === 'number' && (v >>> 0) === v && (v !== 0 || 1 / v > 0)
}

/** True for a bigint in 0..2^64-1. */
export function isUint64 (v: unknown): v is bigint {
  return typeof v === 'bigint' && v >= 0n && v <= MAX_U64
}

/** Expected-type text of a scalar kind, for error details. */
export const EXPECTED: Readonly<Record<ScalarKind, string>> = Object.freeze({
  bytes: 'Uint8Array',
  string: 'well-formed string',
  uint32: 'uint32 integer 0..4294967295',
  uint64: 'uint64 bigint 0n..18446744073709551615n',
  bool: 'boolean'
})

/** Checks a scalar against its kind (the success path is a single comparison or two). */
export function isScalar (kind: ScalarKind, v: unknown): boolean {
  switch (kind) {
    case 'bytes': return v instanceof Uint8Array
    case 'uint64': return isUint64(v)
    case 'uint32': return isUint32(v)
    case 'string': return typeof v === 'string' && isWellFormed(v)
    case 'bool': return typeof v === 'boolean'
  }
}

/** True for an object literal / `Object.create(null)` object, the only map representation accepted. */
export function isPlainObject (v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

function assertField (d: FieldDescriptor, v: unknown): void {
  switch (d.kind) {
    case 'list': {
      if (!Array.isArray(v)) throw new InvalidValueError(d.path, `array of ${EXPECTED[d.of as ScalarKind]}`)
      if (v.length > (d.max as number)) throw new InvalidValueError(d.path, `at most ${d.max as number} items, got ${v.length}`)
      const of = d.of as ScalarKind
      for (let i = 0; i < v.length; i++) {
        if (!isScalar(of, v[i])) throw new InvalidValueError(`${d.path}[${i}]`, EXPECTED[of])
      }
      return
    }
    case 'map': {
      if (!isPlainObject(v)) throw new InvalidValueError(d.path, 'plain object of string values')
      const keys = Object.keys(v)
      if (keys.length > (d.max as number)) throw new InvalidValueError(d.path, `at most ${d.max as number} entries, got ${keys.length}`)
      for (const key of keys) {
        if (RESERVED_KEYS.has(key) || !isWellFormed(key)) throw new InvalidValueError(`${d.path}[${JSON.stringify(key)}]`, 'a key other than __proto__/constructor/prototype, well-formed')
        const s = v[key]
        if (typeof s !== 'string' || !isWellFormed(s)) throw new InvalidValueError(`${d.path}[${JSON.stringify(key)}]`, EXPECTED.string)
      }
      return
    }
    default:
      if (!isScalar(d.kind, v)) throw new InvalidValueError(d.path, EXPECTED[d.kind])
  }
}

function describe (typeName: string, name: string, spec: FieldSpec): FieldDescriptor {
  const path = `${typeName}.${name}`
  if (typeof spec === 'string') {
    if (!SCALAR_KINDS.has(spec)) throw new InvalidConfigError(`fields.${name}`, `one of bytes, string, uint32, uint64, bool, got ${JSON.stringify(spec)}`)
    return Object.freeze({ name, kind: spec, path })
  }
  if (spec?.kind === 'list') {
    if (!SCALAR_KINDS.has(spec.of)) throw new InvalidConfigError(`fields.${name}.of`, 'a scalar kind')
    return Object.freeze({ name, kind: 'list', of: spec.of, max: checkPositiveInt(`fields.${name}.maxItems`, spec.maxItems), path })
  }
  if (spec?.kind === 'map') {
    return Object.freeze({ name, kind: 'map', max: checkPositiveInt(`fields.${name}.maxEntries`, spec.maxEntries), path })
  }
  throw new InvalidConfigError(`fields.${name}`, 'a scalar kind, { kind: \'list\' } or { kind: \'map\' }')
}

/**
 * Declares a message type from its fields. The result is frozen; its
 * `assert()` throws {@link InvalidValueError} naming the first bad field
 * (`Type.field`, `Type.list[3]`, `Type.map["key"]`). Extra properties on a
 * value are ignored (and never encoded).
 *
 * @throws {@link InvalidConfigError} on a bad id, name or field spec.
 */
export function defineMessageType<const F extends Record<string, FieldSpec>> (init: MessageTypeInit<F>): MessageSchema<InferMessage<F>> {
  const { id, name } = init
  checkInt('id', id, 1, 65_535)
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) throw new InvalidConfigError('name', 'an identifier')
  if (!isPlainObject(init.fields)) throw new InvalidConfigError('fields', 'a plain object of field specs')
  const names = Object.keys(init.fields)
  if (names.length === 0) throw new InvalidConfigError('fields', 'at least one field')
  const fields = names.map((field) => {
    if (!IDENTIFIER.test(field) || RESERVED_KEYS.has(field)) throw new InvalidConfigError(`fields.${field}`, 'an identifier other than __proto__/constructor/prototype')
    return describe(name, field, init.fields[field] as FieldSpec)
  })
  const typeName = name
  const maxPayloadBytes = init.maxPayloadBytes === undefined ? undefined : checkPositiveInt('maxPayloadBytes', init.maxPayloadBytes)
  const protocolName = init.protocolName
  if (protocolName !== undefined && (typeof protocolName !== 'string' || !/^[a-z0-9_.-]+$/.test(protocolName))) {
    throw new InvalidConfigError('protocolName', `a protocol id segment of [a-z0-9_.-], got ${JSON.stringify(protocolName)}`)
  }
  return Object.freeze({
    id,
    name,
    ...(protocolName === undefined ? {} : { protocolName }),
    ...(maxPayloadBytes === undefined ? {} : { maxPayloadBytes }),
    fields: Object.freeze(fields),
    assert (value: unknown): asserts value is InferMessage<F> {
      if (value === null || typeof value !== 'object') throw new InvalidValueError(typeName, 'an object')
      const v = value as Record<string, unknown>
      for (let i = 0; i < fields.length; i++) {
        const d = fields[i] as FieldDescriptor
        assertField(d, v[d.name])
      }
    }
  })
}

/**
 * Gives a schema a hand-written success-path check: `assert()` runs `isValid`
 * first and only when it fails runs the generic field-by-field check, which
 * throws the precise {@link InvalidValueError}. `isValid` must accept exactly
 * the values the generic check accepts (a hot-path optimisation: the generic
 * check reads fields by computed key, about 100 ns for a Block; a direct check
 * takes about 5 ns).
 */
export function withFastCheck<T> (schema: MessageSchema<T>, isValid: (value: unknown) => boolean): MessageSchema<T> {
  const slow = schema.assert.bind(schema) as (value: unknown) => void
  return Object.freeze({
    id: schema.id,
    name: schema.name,
    ...(schema.maxPayloadBytes === undefined ? {} : { maxPayloadBytes: schema.maxPayloadBytes }),
    fields: schema.fields,
    assert (value: unknown): asserts value is T {
      if (!isValid(value)) slow(value)
    }
  })
}
