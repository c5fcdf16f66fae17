/**
 * The Block / PeerInfo field checklist, enforced: the TypeScript schemas
 * (src/serialize/messages.ts) and the three schema files each serializer's
 * layout comes from (proto/*.proto, *.fbs, *.capnp) list the same fields, in
 * the same (wire) order, with the same kinds. A field added to one of them and
 * not the others fails here by name, before any round trip runs.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { BlockType, PeerInfoType, type FieldDescriptor, type MessageSchema } from '../../src/serialize/index.js'

/** A field as every source can state it: camelCase name and a neutral kind. */
interface Field { name: string, kind: string }

const PROTO_DIR = new URL('../../proto/', import.meta.url)
const read = (file: string): string => readFileSync(new URL(file, PROTO_DIR), 'utf8')

/** `peer_id` -> `peerId` (protobuf and FlatBuffers name fields in snake case). */
const camel = (name: string): string => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())

/** The body of `<keyword> <name> { ... }` in a schema file, comments removed. */
function body (source: string, keyword: string, name: string, comment: RegExp): string {
  const clean = source.replace(comment, '')
  const match = new RegExp(`${keyword}\\s+${name}\\s*\\{([^}]*)\\}`).exec(clean)
  assert.ok(match, `${keyword} ${name} not found`)
  return match[1] as string
}

function fromSchema (schema: MessageSchema<unknown>): Field[] {
  return schema.fields.map((f: FieldDescriptor) => ({ name: f.name, kind: f.kind === 'list' ? `list<${String(f.of)}>` : f.kind }))
}

const PROTO_KINDS: Record<string, string> = { bytes: 'bytes', string: 'string', uint32: 'uint32', uint64: 'uint64', bool: 'bool' }
function fromProto (message: string): Field[] {
  const fields = [...body(read(`${snake(message)}.proto`), 'message', message, /\/\/.*$/gm).matchAll(/^\s*(repeated\s+)?(map<string,\s*string>|\w+)\s+(\w+)\s*=\s*(\d+)\s*;/gm)]
  // Field numbers are 1..n in declaration order: the wire order is the declaration order.
  fields.forEach((m, i) => { assert.equal(Number(m[4]), i + 1, `${message}.${String(m[3])}: field number ${String(m[4])} out of sequence`) })
  return fields.map((m) => {
    const type = m[2] as string
    const kind = type.startsWith('map<') ? 'map' : (PROTO_KINDS[type] ?? `unknown ${type}`)
    return { name: camel(m[3] as string), kind: m[1] === undefined ? kind : `list<${kind}>` }
  })
}

/** FlatBuffers types; `[Bytes]` and `[MetadataEntry]` are the wrapper tables of proto/peer_info.fbs. */
const FBS_KINDS: Record<string, string> = { '[ubyte]': 'bytes', string: 'string', uint: 'uint32', ulong: 'uint64', bool: 'bool', '[Bytes]': 'list<bytes>', '[string]': 'list<string>', '[MetadataEntry]': 'map' }
function fromFbs (message: string): Field[] {
  return [...body(read(`${snake(message)}.fbs`), 'table', message, /\/\/.*$/gm).matchAll(/^\s*(\w+)\s*:\s*([^;\s]+)\s*;/gm)]
    .map((m) => ({ name: camel(m[1] as string), kind: FBS_KINDS[m[2] as string] ?? `unknown ${String(m[2])}` }))
}

const CAPNP_KINDS: Record<string, string> = { Data: 'bytes', Text: 'string', UInt32: 'uint32', UInt64: 'uint64', Bool: 'bool', 'List(Data)': 'list<bytes>', 'List(Text)': 'list<string>', 'List(MetadataEntry)': 'map' }
function fromCapnp (message: string): Field[] {
  const fields = [...body(read(`${snake(message)}.capnp`), 'struct', message, /#.*$/gm).matchAll(/^\s*(\w+)\s*@(\d+)\s*:([^;\s]+)\s*;/gm)]
  fields.forEach((m, i) => { assert.equal(Number(m[2]), i, `${message}.${String(m[1])}: ordinal @${String(m[2])} out of sequence`) })
  return fields.map((m) => ({ name: m[1] as string, kind: CAPNP_KINDS[m[3] as string] ?? `unknown ${String(m[3])}` }))
}

function snake (message: string): string {
  return message.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase()
}

describe('schema files: the same fields as the TypeScript schemas', () => {
  for (const [message, schema] of [['Block', BlockType], ['PeerInfo', PeerInfoType]] as const) {
    const expected = fromSchema(schema as MessageSchema<unknown>)
    it(`${message}: proto/${snake(message)}.proto`, () => { assert.deepEqual(fromProto(message), expected) })
    it(`${message}: proto/${snake(message)}.fbs`, () => { assert.deepEqual(fromFbs(message), expected) })
    it(`${message}: proto/${snake(message)}.capnp`, () => { assert.deepEqual(fromCapnp(message), expected) })
  }

  it('the parsers see a field that is missing or out of place', () => {
    // The checks above compare whole lists; make sure the parsers do not return an empty or partial list that could match by accident.
    assert.equal(fromProto('Block').length, 6)
    assert.equal(fromFbs('PeerInfo').length, 3)
    assert.equal(fromCapnp('Block').at(-1)?.name, 'signature')
    assert.notDeepEqual(fromProto('Block'), [...fromSchema(BlockType as MessageSchema<unknown>)].reverse())
  })
})
