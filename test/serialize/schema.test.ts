import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { defineMessageType } from '../../src/serialize/schema.js'
import type { InferMessage, MessageSchema, MessageValue } from '../../src/serialize/schema.js'
import { BlockType, PeerInfoType } from '../../src/serialize/messages.js'
import { InvalidConfigError, InvalidValueError } from '../../src/errors.js'
import { DEFAULT_MAX_METADATA_ENTRIES, DEFAULT_MAX_MULTIADDRS } from '../../src/limits.js'
import { block, sampleBlock, samplePeerInfo, typedFailure } from './arbitraries.js'

/** The same Block schema without the hand-written fast path. */
const GenericBlock = defineMessageType({
  id: 1,
  name: 'Block',
  fields: { hash: 'bytes', data: 'bytes', timestamp: 'uint64', ttl: 'uint32', version: 'uint32', signature: 'bytes' }
})

function fieldOf (f: () => void): string | undefined {
  const err = typedFailure(f)
  if (err === undefined) return undefined
  assert.ok(err instanceof InvalidValueError)
  return err.details.field
}

describe('defineMessageType', () => {
  it('infers the value type and builds a frozen schema in field order', () => {
    const pingFields = { nonce: 'uint64', from: 'bytes', tags: { kind: 'list', of: 'string', maxItems: 2 }, ok: 'bool' } as const
    // An explicit annotation lets TypeScript use `assert()` as an assertion signature.
    const Ping: MessageSchema<InferMessage<typeof pingFields>> = defineMessageType({ id: 1000, name: 'Ping', fields: pingFields })
    const v: MessageValue<typeof Ping> = { nonce: 1n, from: new Uint8Array(1), tags: ['a'], ok: true }
    const unknownValue: unknown = v
    Ping.assert(unknownValue)
    assert.equal(unknownValue.nonce, 1n)
    assert.ok(Object.isFrozen(Ping))
    assert.deepEqual(Ping.fields.map((d) => d.name), ['nonce', 'from', 'tags', 'ok'])
    assert.deepEqual(Ping.fields[2], { name: 'tags', kind: 'list', of: 'string', max: 2, path: 'Ping.tags' })
  })

  const badInits: Array<[string, unknown]> = [
    ['id 0', { id: 0, name: 'X', fields: { a: 'bytes' } }],
    ['id 65536', { id: 65_536, name: 'X', fields: { a: 'bytes' } }],
    ['fractional id', { id: 1.5, name: 'X', fields: { a: 'bytes' } }],
    ['empty name', { id: 1, name: '', fields: { a: 'bytes' } }],
    ['no fields', { id: 1, name: 'X', fields: {} }],
    ['unknown kind', { id: 1, name: 'X', fields: { a: 'int8' } }],
    ['reserved field name', { id: 1, name: 'X', fields: JSON.parse('{"__proto__":"bytes"}') }],
    ['constructor field', { id: 1, name: 'X', fields: { constructor: 'bytes' } }],
    ['list without maxItems', { id: 1, name: 'X', fields: { a: { kind: 'list', of: 'bytes' } } }],
    ['list of lists', { id: 1, name: 'X', fields: { a: { kind: 'list', of: 'list', maxItems: 1 } } }],
    ['map with 0 entries', { id: 1, name: 'X', fields: { a: { kind: 'map', maxEntries: 0 } } }]
  ]
  for (const [name, init] of badInits) {
    it(`refuses ${name} with InvalidConfigError`, () => {
      assert.throws(() => defineMessageType(init as Parameters<typeof defineMessageType>[0]), InvalidConfigError)
    })
  }
})

describe('assert()', () => {
  const cases: Array<[string, unknown, string]> = [
    ['null', null, 'Block'],
    ['a number', 5, 'Block'],
    ['hash as an array', { ...sampleBlock(), hash: [1, 2] }, 'Block.hash'],
    ['data missing', { ...sampleBlock(), data: undefined }, 'Block.data'],
    ['timestamp as a number', { ...sampleBlock(), timestamp: 5 }, 'Block.timestamp'],
    ['timestamp negative', { ...sampleBlock(), timestamp: -1n }, 'Block.timestamp'],
    ['timestamp 2^64', { ...sampleBlock(), timestamp: 2n ** 64n }, 'Block.timestamp'],
    ['ttl -0', { ...sampleBlock(), ttl: -0 }, 'Block.ttl'],
    ['ttl NaN', { ...sampleBlock(), ttl: Number.NaN }, 'Block.ttl'],
    ['ttl 2^32', { ...sampleBlock(), ttl: 2 ** 32 }, 'Block.ttl'],
    ['version 1.5', { ...sampleBlock(), version: 1.5 }, 'Block.version'],
    ['version as bigint', { ...sampleBlock(), version: 1n }, 'Block.version'],
    ['signature as a string', { ...sampleBlock(), signature: 'ff' }, 'Block.signature']
  ]
  for (const [name, value, field] of cases) {
    it(`Block: ${name} -> InvalidValueError naming ${field}`, () => {
      assert.equal(fieldOf(() => BlockType.assert(value)), field)
      assert.equal(fieldOf(() => GenericBlock.assert(value)), field)
    })
  }

  it('the Block fast path accepts and rejects exactly what the generic check does', () => {
    const anyField = fc.oneof(
      fc.uint8Array({ maxLength: 2 }), fc.constant(Buffer.from([1])), fc.bigInt({ min: -2n, max: 2n ** 64n + 1n }),
      fc.integer({ min: -2, max: 2 ** 32 + 1 }), fc.constantFrom(-0, 0.5, Number.NaN, 2 ** 32 - 1, null, undefined, 'x', [])
    )
    const nearBlock = fc.oneof(
      block,
      fc.record({ hash: anyField, data: anyField, timestamp: anyField, ttl: anyField, version: anyField, signature: anyField }),
      block.chain((b) => fc.constantFrom(...Object.keys(b)).chain((k) => anyField.map((x) => ({ ...b, [k]: x }))))
    )
    fc.assert(fc.property(nearBlock, (v) => {
      assert.equal(fieldOf(() => BlockType.assert(v)), fieldOf(() => GenericBlock.assert(v)))
    }), { numRuns: 2000 })
  })

  it('PeerInfo: list and map limits and contents, naming the element', () => {
    PeerInfoType.assert(samplePeerInfo())
    const at = (over: Record<string, unknown>): string | undefined => fieldOf(() => PeerInfoType.assert({ ...samplePeerInfo(), ...over }))
    assert.equal(at({ multiaddrs: Array.from({ length: DEFAULT_MAX_MULTIADDRS + 1 }, () => new Uint8Array(0)) }), 'PeerInfo.multiaddrs')
    assert.equal(at({ multiaddrs: Array.from({ length: DEFAULT_MAX_MULTIADDRS }, () => new Uint8Array(0)) }), undefined)
    assert.equal(at({ multiaddrs: [new Uint8Array(0), null] }), 'PeerInfo.multiaddrs[1]')
    assert.equal(at({ multiaddrs: new Set() }), 'PeerInfo.multiaddrs')
    assert.equal(at({ metadata: Object.fromEntries(Array.from({ length: DEFAULT_MAX_METADATA_ENTRIES + 1 }, (_, i) => [`${i}`, ''])) }), 'PeerInfo.metadata')
    assert.equal(at({ metadata: new Map([['a', 'b']]) }), 'PeerInfo.metadata')
    assert.equal(at({ metadata: { a: 1 } }), 'PeerInfo.metadata["a"]')
    assert.equal(at({ metadata: { a: '\ud800' } }), 'PeerInfo.metadata["a"]')
    assert.equal(at({ metadata: JSON.parse('{"__proto__":"x"}') }), 'PeerInfo.metadata["__proto__"]')
    assert.equal(at({ metadata: { constructor: 'x' } }), 'PeerInfo.metadata["constructor"]')
    assert.equal(at({ metadata: Object.assign(Object.create(null), { a: 'b' }) }), undefined)
    assert.equal(at({ peerId: undefined }), 'PeerInfo.peerId')
  })

  it('ignores extra properties', () => {
    BlockType.assert({ ...sampleBlock(), extra: 1 })
  })
})
