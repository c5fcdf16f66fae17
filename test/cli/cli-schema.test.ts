// Issue 12 item 5: the user's own types in every command via --schema FILE
// (the defineMessageType fields as JSON), validated strictly with a
// SchemaFileError naming the bad entry.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { SchemaFileError } from '../../src/errors.js'
import { createCodec } from '../../src/codec/index.js'
import { createJsonSerializer, createMsgpackSerializer, createSerializerRegistry, defineMessageType } from '../../src/serialize/index.js'
import { loadSchemas, MAX_SCHEMA_FILE_BYTES, parseSchemaFile } from '../../src/cli/schema.js'
import { oneLineError, runMain, stopMain } from './run-main.js'

after(stopMain)

const VOTE = {
  id: 1000,
  name: 'Vote',
  maxPayloadBytes: 4096,
  fields: { slot: 'uint64', voter: 'bytes', approve: 'bool', weight: 'uint32', note: 'string', tags: { kind: 'list', of: 'string', maxItems: 8 }, labels: { kind: 'map', maxEntries: 4 } }
}
const voteJson = { slot: '18446744073709551615', voter: 'YWxpY2U=', approve: true, weight: 3, note: 'yes', tags: ['fast'], labels: { region: 'eu' } }
const enc = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v))

/** The SchemaFileError `field` of a bad schema, or 'ok'. */
function verdict (schema: unknown): string {
  try {
    parseSchemaFile('s.json', enc(schema))
    return 'ok'
  } catch (err) {
    if (err instanceof SchemaFileError) return err.details.field
    throw err
  }
}

describe('--schema: strict validation', () => {
  it('accepts the defineMessageType input as JSON, one object or an array', () => {
    const [t] = parseSchemaFile('s.json', enc(VOTE))
    assert.equal(t?.name, 'Vote')
    assert.equal(t?.maxPayloadBytes, 4096)
    assert.deepEqual(t?.fields.map(f => [f.name, f.kind, f.of, f.max]), [
      ['slot', 'uint64', undefined, undefined], ['voter', 'bytes', undefined, undefined], ['approve', 'bool', undefined, undefined],
      ['weight', 'uint32', undefined, undefined], ['note', 'string', undefined, undefined], ['tags', 'list', 'string', 8], ['labels', 'map', undefined, 4]
    ])
    // The same type as defineMessageType makes from the same input: equal encodings.
    const direct = defineMessageType(VOTE as Parameters<typeof defineMessageType>[0])
    const value = { slot: 1n, voter: new Uint8Array([1]), approve: false, weight: 0, note: '', tags: [], labels: {} }
    assert.deepEqual(createMsgpackSerializer(t!).encode(value), createMsgpackSerializer(direct).encode(value))
    assert.deepEqual(parseSchemaFile('s.json', enc([VOTE, { ...VOTE, id: 1001, name: 'Vote2' }])).map(x => x.name), ['Vote', 'Vote2'])
  })

  it('names the bad entry, table-driven', () => {
    const cases: Array<[unknown, string]> = [
      [{ ...VOTE, extra: 1 }, 'extra'],
      [{ ...VOTE, id: 1 }, 'id'],
      [{ ...VOTE, id: 127 }, 'id'],
      [{ ...VOTE, id: 65_536 }, 'id'],
      [{ ...VOTE, id: '1000' }, 'id'],
      [{ ...VOTE, id: 1000.5 }, 'id'],
      [{ ...VOTE, name: 'my vote' }, 'name'],
      [{ ...VOTE, name: 'Block' }, 'name'],
      [{ ...VOTE, name: 'raw' }, 'name'],
      [{ ...VOTE, name: undefined }, 'name'],
      [{ ...VOTE, fields: {} }, 'fields'],
      [{ ...VOTE, fields: [] }, 'fields'],
      [{ ...VOTE, fields: { slot: 'uint63' } }, 'fields.slot'],
      [{ ...VOTE, fields: { slot: 7 } }, 'fields.slot'],
      [{ ...VOTE, fields: { 'bad-name': 'bool' } }, 'fields.bad-name'],
      [{ id: 1000, name: 'V', fields: JSON.parse('{"__proto__": "bool"}') }, 'fields.__proto__'],
      [{ ...VOTE, fields: { constructor: 'bool' } }, 'fields.constructor'],
      [{ ...VOTE, fields: { tags: { kind: 'list', of: 'string' } } }, 'fields.tags.maxItems'],
      [{ ...VOTE, fields: { tags: { kind: 'list', of: 'list', maxItems: 2 } } }, 'fields.tags.of'],
      [{ ...VOTE, fields: { tags: { kind: 'list', of: 'string', maxItems: 0 } } }, 'fields.tags.maxItems'],
      [{ ...VOTE, fields: { tags: { kind: 'list', of: 'string', maxItems: 2, max: 3 } } }, 'fields.tags.max'],
      [{ ...VOTE, fields: { labels: { kind: 'map', maxEntries: -1 } } }, 'fields.labels.maxEntries'],
      [{ ...VOTE, fields: { labels: { kind: 'map', maxEntries: 2, of: 'string' } } }, 'fields.labels.of'],
      [{ ...VOTE, fields: { labels: { kind: 'set', maxEntries: 2 } } }, 'fields.labels.kind'],
      [{ ...VOTE, maxPayloadBytes: 0 }, 'maxPayloadBytes'],
      [{ ...VOTE, maxPayloadBytes: '4k' }, 'maxPayloadBytes'],
      [[VOTE, { ...VOTE, id: 1001 }], '[1].name'],
      [[VOTE, { ...VOTE, id: 1001, name: 'Other', fields: { x: 'float' } }], '[1].fields.x'],
      [[VOTE, 'Vote'], '[1]'],
      [[], ''],
      ['Vote', ''],
      [null, '']
    ]
    for (const [schema, field] of cases) assert.equal(verdict(schema), field, JSON.stringify(schema))
    for (const bytes of [new TextEncoder().encode('{"id": 1000,'), Uint8Array.of(0xff, 0xfe), new Uint8Array(0)]) {
      assert.throws(() => parseSchemaFile('s.json', bytes), (err: unknown) => err instanceof SchemaFileError && err.details.field === '' && /UTF-8 JSON/.test(err.message))
    }
  })

  it('fuzz: any JSON value is a defined type or a SchemaFileError, never another throw', () => {
    const fieldSpec = fc.oneof(
      fc.constantFrom('bytes', 'string', 'uint32', 'uint64', 'bool', 'float', ''),
      fc.record({ kind: fc.constantFrom('list', 'map', 'set'), of: fc.constantFrom('bytes', 'string', 'list', 'bool'), maxItems: fc.oneof(fc.integer({ min: -2, max: 100 }), fc.constant(1e300)) }, { requiredKeys: ['kind'] }),
      fc.record({ kind: fc.constant('map'), maxEntries: fc.integer({ min: -2, max: 100 }) }),
      fc.jsonValue({ maxDepth: 2 })
    )
    const schema = fc.record({
      id: fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.jsonValue({ maxDepth: 1 })),
      name: fc.oneof(fc.constantFrom('Vote', 'Block', 'raw', 'x y', ''), fc.string({ maxLength: 8 })),
      fields: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('a', 'b', '__proto__', 'constructor', '1x'), fc.string({ maxLength: 4 })), fieldSpec, { maxKeys: 5 }), fc.jsonValue({ maxDepth: 2 })),
      maxPayloadBytes: fc.oneof(fc.integer({ min: -1, max: 1 << 20 }), fc.jsonValue({ maxDepth: 1 }))
    }, { requiredKeys: [] })
    fc.assert(fc.property(fc.oneof(schema, fc.array(schema, { maxLength: 3 }), fc.jsonValue({ maxDepth: 3 })), (value) => {
      try {
        for (const t of parseSchemaFile('f.json', enc(value))) {
          // A defined type is usable: its serializers build and a wrong value is a typed error.
          const ser = createJsonSerializer(t)
          assert.throws(() => ser.encode({} as never))
        }
      } catch (err) {
        if (!(err instanceof SchemaFileError)) throw err
        assert.equal(err.details.path, 'f.json')
        assert.ok(err.message.startsWith('f.json'))
      }
    }), { numRuns: 2000 })
  })

  it('a type id used twice over two files, and a file over the size limit, are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wireseal-schema-'))
    try {
      const a = join(dir, 'a.json')
      const b = join(dir, 'b.json')
      writeFileSync(a, JSON.stringify(VOTE))
      writeFileSync(b, JSON.stringify({ ...VOTE, name: 'Ballot' }))
      await assert.rejects(loadSchemas([a, b]), (err: unknown) => err instanceof SchemaFileError && err.details.path === b && /1000 is Vote's/.test(err.message))
      const big = join(dir, 'big.json')
      writeFileSync(big, ' '.repeat(MAX_SCHEMA_FILE_BYTES + 1))
      await assert.rejects(loadSchemas([big]), /more than the 65536-byte limit/)
      const reg = await loadSchemas([a])
      assert.deepEqual(reg.list().filter(s => s.type.name === 'Vote').map(s => s.name), ['msgpack', 'json'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('--schema in every command', () => {
  let dir: string
  let schema: string
  let keyFile: string
  let valueFile: string
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wireseal-schema-cli-'))
    schema = join(dir, 'vote.json')
    writeFileSync(schema, JSON.stringify(VOTE))
    const key = await generateKeyPair('Ed25519')
    keyFile = join(dir, 'key.json')
    writeFileSync(keyFile, JSON.stringify({ version: 1, type: key.type, id: key.publicKey.toString(), privateKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64') }), { mode: 0o600 })
    valueFile = join(dir, 'vote-value.json')
    writeFileSync(valueFile, JSON.stringify(voteJson))
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('seal (msgpack by default, json on request) -> open -> inspect, and the library reads what the CLI wrote', async () => {
    for (const serializer of [undefined, 'json']) {
      const out = join(dir, `vote-${serializer ?? 'default'}.bin`)
      const s = await runMain(['seal', '--schema', schema, '--type', 'Vote', '--key', keyFile, '--channel', 'votes', '--in', valueFile, '--out', out, ...(serializer === undefined ? [] : ['--serializer', serializer])])
      assert.equal(s.code, 0, s.stderr)
      const o = await runMain(['open', '--schema', schema, '--type', 'Vote', '--channel', 'votes', '--in', out])
      assert.equal(o.code, 0, o.stderr)
      const opened = JSON.parse(o.stdout) as { type: string, serializer: string, value: unknown }
      assert.deepEqual([opened.type, opened.serializer], ['Vote', serializer ?? 'msgpack'])
      assert.deepEqual(opened.value, voteJson)
      const i = await runMain(['inspect', '--schema', schema, '--in', out])
      const info = JSON.parse(i.stdout) as Record<string, unknown>
      assert.deepEqual([info.type, info.typeName, info.serializerName, info.signatureValid, info.digestValid], [1000, 'Vote', serializer ?? 'msgpack', true, true])
      // A library user with the same type opens it.
      const Vote = defineMessageType(VOTE as Parameters<typeof defineMessageType>[0])
      const serializers = createSerializerRegistry().register(createMsgpackSerializer(Vote)).register(createJsonSerializer(Vote))
      const lib = createCodec({ serializers }).open(readFileSync(out), { channel: 'votes', types: [Vote.id] })
      assert.ok(lib.ok)
      assert.equal((lib.value as { slot: bigint }).slot, 18446744073709551615n)
    }
  })

  it('without the schema the type is unknown; a value that does not fit the type is refused naming the field', async () => {
    const out = join(dir, 'vote-default.bin')
    const o = await runMain(['open', '--channel', 'votes', '--in', out])
    assert.equal(o.code, 1)
    assert.match(oneLineError(o), /rejected: unknown-codec/)
    const noType = await runMain(['seal', '--type', 'Vote', '--key', keyFile, '--channel', 'votes', '--in', valueFile])
    assert.equal(noType.code, 2)
    assert.match(oneLineError(noType), /unknown --type "Vote": use Block, PeerInfo, or describe your own type with --schema FILE/)
    const bad = join(dir, 'bad-value.json')
    writeFileSync(bad, JSON.stringify({ ...voteJson, weight: -1 }))
    const r = await runMain(['seal', '--schema', schema, '--type', 'Vote', '--key', keyFile, '--channel', 'votes', '--in', bad])
    assert.equal(r.code, 2)
    assert.match(oneLineError(r), /not a valid Vote value: .*weight/)
    const proto = await runMain(['seal', '--schema', schema, '--type', 'Vote', '--key', keyFile, '--channel', 'votes', '--in', valueFile, '--serializer', 'protobuf'])
    assert.equal(proto.code, 2)
    assert.match(oneLineError(proto), /unknown --serializer "protobuf" for Vote: use msgpack, json/)
    // maxPayloadBytes from the schema applies at seal.
    const huge = join(dir, 'huge-value.json')
    writeFileSync(huge, JSON.stringify({ ...voteJson, note: 'x'.repeat(5000) }))
    const h = await runMain(['seal', '--schema', schema, '--type', 'Vote', '--key', keyFile, '--channel', 'votes', '--in', huge])
    assert.equal(h.code, 1)
    assert.match(oneLineError(h), /SizeLimitError/)
  })

  it('a bad schema file: exit 2, one line naming the file and the field, for every command', async () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ ...VOTE, fields: { ...VOTE.fields, tags: { kind: 'list', of: 'string', maxItems: 'eight' } } }))
    const env = join(dir, 'vote-default.bin')
    for (const args of [
      ['seal', '--type', 'Vote', '--key', keyFile, '--channel', 'votes', '--in', valueFile],
      ['open', '--channel', 'votes', '--in', env],
      ['inspect', '--in', env],
      ['bench', '--input', valueFile, '--quick']
    ]) {
      const r = await runMain([...args, '--schema', bad])
      assert.equal(r.code, 2, args[0])
      assert.match(oneLineError(r), new RegExp(`^wireseal: SchemaFileError: ${bad}: fields\\.tags\\.maxItems: expected a positive integer, got "eight"`), args[0])
    }
  })

  it('bench measures a schema type (msgpack and json x every compression)', async () => {
    const r = await runMain(['bench', '--schema', schema, '--type', 'Vote', '--input', valueFile, '--quick', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout) as { type: string, ranked: Array<{ serializer: string, compression: string }> }
    assert.equal(report.type, 'Vote')
    assert.deepEqual([...new Set(report.ranked.map(x => x.serializer))].sort(), ['json', 'msgpack'])
    assert.equal(report.ranked.length, 8)
    // Detected from the values too.
    const detected = await runMain(['bench', '--schema', schema, '--input', valueFile, '--quick', '--json'])
    assert.equal((JSON.parse(detected.stdout) as { type: string }).type, 'Vote')
  })
})
