/**
 * `--schema FILE`: the user's own message types for every command, written
 * as the JSON form of what `defineMessageType` takes (`id`, `name`, `fields`,
 * optional `maxPayloadBytes`), one object or an array of them per file:
 *
 * ```json
 * { "id": 1000, "name": "Vote", "maxPayloadBytes": 4096,
 *   "fields": { "slot": "uint64", "voter": "bytes", "approve": "bool",
 *               "tags": { "kind": "list", "of": "string", "maxItems": 8 },
 *               "labels": { "kind": "map", "maxEntries": 16 } } }
 * ```
 *
 * Validated strictly before `defineMessageType` sees it: unknown keys, a
 * reserved id (1..127 are wireseal's), a name taken by a built-in type and
 * any bad field are a {@link SchemaFileError} naming the entry. Schema types
 * get the generic msgpack and json serializers.
 *
 * @module
 */
import { InvalidConfigError, SchemaFileError, WiresealError } from '../errors.js'
import { intExpectation, isIntInRange } from '../options/checks.js'
import { createJsonSerializer } from '../serialize/json.js'
import { createMsgpackSerializer } from '../serialize/msgpack.js'
import { createSerializerRegistry, defaultSerializerRegistry, type SerializerRegistry } from '../serialize/registry.js'
import { defineMessageType, isPlainObject, type FieldSpec, type MessageSchema } from '../serialize/schema.js'
import { DEFAULT_INPUT_WAIT_MS, readAnyFile } from './io.js'

/** Largest schema file read. */
export const MAX_SCHEMA_FILE_BYTES = 64 * 1024
/** Most message types over all `--schema` files of one command. */
export const MAX_SCHEMA_TYPES = 64
/** Most fields of one schema type. */
export const MAX_SCHEMA_FIELDS = 256
/** Lowest id a schema type may take: 1..127 are reserved for wireseal's own types. */
export const MIN_USER_TYPE_ID = 128
/** Serializer names a schema type gets, the first being the default of `wireseal seal`. */
export const SCHEMA_SERIALIZERS = ['msgpack', 'json'] as const

const TYPE_KEYS = ['id', 'name', 'fields', 'maxPayloadBytes']
const SCALARS = ['bytes', 'string', 'uint32', 'uint64', 'bool']
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/
const RESERVED = new Set(['__proto__', 'constructor', 'prototype'])

function text (v: unknown): string {
  const s = JSON.stringify(v) ?? String(v)
  return s.length > 40 ? `${s.slice(0, 40)}...` : s
}

/** Checks one JSON object against its allowed keys; `at` is the path prefix for errors. */
function onlyKeys (path: string, at: string, v: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new SchemaFileError(path, `${at}${k}`, `no such key (allowed: ${allowed.join(', ')})`)
  }
}

function positive (path: string, field: string, v: unknown): number {
  if (isIntInRange(v, 1)) return v
  throw new SchemaFileError(path, field, `${intExpectation(1)}, got ${text(v)}`)
}

function fieldSpec (path: string, at: string, spec: unknown): FieldSpec {
  if (typeof spec === 'string') {
    if (SCALARS.includes(spec)) return spec as FieldSpec
    throw new SchemaFileError(path, at, `one of ${SCALARS.join(', ')}, or a list / map object, got ${text(spec)}`)
  }
  if (!isPlainObject(spec)) throw new SchemaFileError(path, at, `a scalar kind (${SCALARS.join(', ')}) or a { "kind": "list" | "map" } object, got ${text(spec)}`)
  if (spec.kind === 'list') {
    onlyKeys(path, `${at}.`, spec, ['kind', 'of', 'maxItems'])
    if (typeof spec.of !== 'string' || !SCALARS.includes(spec.of)) throw new SchemaFileError(path, `${at}.of`, `one of ${SCALARS.join(', ')}, got ${text(spec.of)}`)
    return { kind: 'list', of: spec.of as 'bytes', maxItems: positive(path, `${at}.maxItems`, spec.maxItems) }
  }
  if (spec.kind === 'map') {
    onlyKeys(path, `${at}.`, spec, ['kind', 'maxEntries'])
    return { kind: 'map', maxEntries: positive(path, `${at}.maxEntries`, spec.maxEntries) }
  }
  throw new SchemaFileError(path, `${at}.kind`, `"list" or "map", got ${text(spec.kind)}`)
}

/** Validates one type description and defines it; `at` locates it in the file (`` or `[i].`). */
export function schemaType (path: string, at: string, v: unknown, taken: ReadonlySet<string> = new Set()): MessageSchema<unknown> {
  if (!isPlainObject(v)) throw new SchemaFileError(path, at.replace(/\.$/, ''), `a message type object { "id", "name", "fields" }, got ${text(v)}`)
  onlyKeys(path, at, v, TYPE_KEYS)
  const { id, name, fields, maxPayloadBytes } = v
  if (typeof id !== 'number' || !Number.isInteger(id) || id < MIN_USER_TYPE_ID || id > 65_535) {
    throw new SchemaFileError(path, `${at}id`, `an integer in ${MIN_USER_TYPE_ID}..65535 (1..127 are wireseal's own types), got ${text(id)}`)
  }
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) throw new SchemaFileError(path, `${at}name`, `an identifier of at most 64 characters, got ${text(name)}`)
  if (taken.has(name) || name.toLowerCase() === 'raw') throw new SchemaFileError(path, `${at}name`, `a name no other type has (${text(name)} is taken)`)
  if (!isPlainObject(fields)) throw new SchemaFileError(path, `${at}fields`, `an object of field specs, got ${text(fields)}`)
  const names = Object.keys(fields)
  if (names.length === 0 || names.length > MAX_SCHEMA_FIELDS) throw new SchemaFileError(path, `${at}fields`, `1 to ${MAX_SCHEMA_FIELDS} fields, got ${names.length}`)
  const specs: Record<string, FieldSpec> = {}
  for (const f of names) {
    if (!IDENTIFIER.test(f) || RESERVED.has(f)) throw new SchemaFileError(path, `${at}fields.${f}`, 'a field name that is an identifier of at most 64 characters, not __proto__, constructor or prototype')
    specs[f] = fieldSpec(path, `${at}fields.${f}`, fields[f])
  }
  const cap = maxPayloadBytes === undefined ? undefined : positive(path, `${at}maxPayloadBytes`, maxPayloadBytes)
  try {
    return defineMessageType({ id, name, fields: specs, ...(cap === undefined ? {} : { maxPayloadBytes: cap }) }) as MessageSchema<unknown>
  } catch (err) {
    // Everything defineMessageType checks was checked above; kept as a typed error should it check more.
    if (err instanceof InvalidConfigError) throw new SchemaFileError(path, `${at}${err.details.option}`, err.details.expected)
    throw err
  }
}

/** Parses a schema file's bytes: one type object or an array of them, whose names are not in `taken` (default: the built-in types'). */
export function parseSchemaFile (path: string, bytes: Uint8Array, taken: ReadonlySet<string> = new Set(defaultSerializerRegistry.types().map(t => t.name))): Array<MessageSchema<unknown>> {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new SchemaFileError(path, '', `UTF-8 JSON (${err instanceof SyntaxError ? err.message : 'not UTF-8'})`)
  }
  const list = Array.isArray(json) ? json : [json]
  if (list.length === 0 || list.length > MAX_SCHEMA_TYPES) throw new SchemaFileError(path, '', `1 to ${MAX_SCHEMA_TYPES} message types, got ${list.length}`)
  const names = new Set(taken)
  return list.map((v, i) => {
    const t = schemaType(path, Array.isArray(json) ? `[${i}].` : '', v, names)
    names.add(t.name)
    return t
  })
}

/**
 * The registry of a command: the built-ins, plus the msgpack and json
 * serializers of every type in `files` (none: the shared default registry).
 * A type id used twice is a {@link SchemaFileError} too.
 */
export async function loadSchemas (files: readonly string[] | undefined, waitMs = DEFAULT_INPUT_WAIT_MS): Promise<SerializerRegistry> {
  if (files === undefined || files.length === 0) return defaultSerializerRegistry
  const registry = createSerializerRegistry()
  const names = new Set(registry.types().map(t => t.name))
  const ids = new Map(registry.types().map(t => [t.id, t.name]))
  let count = 0
  for (const file of files) {
    const types = parseSchemaFile(file, await readAnyFile(file, MAX_SCHEMA_FILE_BYTES, { waitMs }), names)
    count += types.length
    if (count > MAX_SCHEMA_TYPES) throw new SchemaFileError(file, '', `at most ${MAX_SCHEMA_TYPES} message types over all --schema files`)
    for (const t of types) {
      const other = ids.get(t.id)
      if (other !== undefined) throw new SchemaFileError(file, t.name, `an id no other type has (${t.id} is ${other}'s)`)
      ids.set(t.id, t.name)
      names.add(t.name)
      try {
        registry.register(createMsgpackSerializer(t)).register(createJsonSerializer(t))
      } catch (err) {
        if (err instanceof WiresealError) throw new SchemaFileError(file, t.name, `a type the registry accepts (${err.message})`)
        throw err
      }
    }
  }
  return registry
}
