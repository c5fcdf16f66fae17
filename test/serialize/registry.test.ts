import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  BlockType, PeerInfoType, SerializerId, SerializerRegistry, createJsonSerializer, createMsgpackSerializer,
  createMsgpackStructuredSerializer, createSerializerRegistry, defaultSerializerRegistry, defineMessageType,
  protobufBlock
} from '../../src/serialize/index.js'
import type { MsgpackStructuredSerializer, Serializer } from '../../src/serialize/index.js'
import { DuplicateCodecError, InvalidConfigError, UnknownCodecError } from '../../src/errors.js'
import { sampleBlock, typedFailure } from './arbitraries.js'

describe('SerializerRegistry', () => {
  it('the default registry holds every built-in, ordered by (type id, serializer id)', () => {
    const pairs = defaultSerializerRegistry.list().map((s) => `${s.type.name}:${s.id}:${s.name}`)
    assert.deepEqual(pairs, [
      'Block:1:protobuf', 'Block:2:msgpack', 'Block:3:flatbuffers', 'Block:4:json', 'Block:5:msgpackStructured', 'Block:6:capnp',
      'PeerInfo:1:protobuf', 'PeerInfo:2:msgpack', 'PeerInfo:3:flatbuffers', 'PeerInfo:4:json', 'PeerInfo:5:msgpackStructured', 'PeerInfo:6:capnp'
    ])
    assert.deepEqual(defaultSerializerRegistry.types().map((t) => t.name), ['Block', 'PeerInfo'])
  })

  it('looks up by ids, names and type objects', () => {
    const r = defaultSerializerRegistry
    assert.equal(r.get(1, 1), protobufBlock)
    assert.equal(r.get('Block', 'protobuf'), protobufBlock)
    assert.equal(r.get(BlockType, SerializerId.protobuf), protobufBlock)
    assert.equal(r.get('PeerInfo', 'json').type, PeerInfoType)
    assert.equal(r.getType('PeerInfo'), PeerInfoType)
    assert.equal(r.getType(1), BlockType)
    assert.equal(r.has('Block', 'flatbuffers'), true)
    assert.equal(r.has('Block', 'cbor'), false)
    assert.equal(r.has(99, 1), false)
  })

  it('unknown ids and names are UnknownCodecError with the kind', () => {
    const r = defaultSerializerRegistry
    const e1 = typedFailure(() => r.get(99, 1))
    assert.ok(e1 instanceof UnknownCodecError)
    assert.deepEqual(e1.details, { kind: 'message-type', id: 99 })
    const e2 = typedFailure(() => r.get('Block', 77))
    assert.ok(e2 instanceof UnknownCodecError)
    assert.deepEqual(e2.details, { kind: 'serializer', id: 77 })
    const e3 = typedFailure(() => r.get('Block', 'cbor'))
    assert.ok(e3 instanceof UnknownCodecError)
    assert.deepEqual(e3.details, { kind: 'serializer', id: 'Block/cbor' })
    assert.throws(() => r.getType('Nope'), UnknownCodecError)
  })

  it('refuses to reuse a (type, format) pair, a format id/name or a type id/name', () => {
    const r = createSerializerRegistry()
    assert.throws(() => r.register(protobufBlock), DuplicateCodecError)
    assert.throws(() => r.register(createJsonSerializer(BlockType)), DuplicateCodecError)
    // format id 1 is protobuf: a different name under id 1 is refused, as is 'json' under another id
    assert.throws(() => r.register({ ...createJsonSerializer(BlockType), id: 1, name: 'proto' }), (e: unknown) => e instanceof DuplicateCodecError && e.details.id === 1)
    assert.throws(() => r.register(createJsonSerializer(BlockType, { id: 200 })), (e: unknown) => e instanceof DuplicateCodecError && e.details.id === 'json')
    // another type object under Block's id or name
    const Impostor = defineMessageType({ id: 1, name: 'Impostor', fields: { a: 'bytes' } })
    assert.throws(() => r.register(createJsonSerializer(Impostor, { id: 201 })), (e: unknown) => e instanceof DuplicateCodecError && e.details.kind === 'message-type')
    const SameName = defineMessageType({ id: 3000, name: 'Block', fields: { a: 'bytes' } })
    assert.throws(() => r.register(createMsgpackSerializer(SameName, { id: 202 })), (e: unknown) => e instanceof DuplicateCodecError && e.details.id === 'Block')
    // nothing of the refused registrations leaked in
    assert.equal(r.list().length, 12)
    assert.equal(r.has(3000, 202), false)
  })

  it('validates ids', () => {
    const r = new SerializerRegistry()
    const json = createJsonSerializer(BlockType)
    for (const id of [0, 256, 1.5]) assert.throws(() => r.register({ ...json, id }), InvalidConfigError)
    assert.throws(() => r.register({ ...json, name: '' }), InvalidConfigError)
    assert.throws(() => r.register({ ...json, type: { ...BlockType, id: 70_000 } }), InvalidConfigError)
    assert.throws(() => r.register({ id: 130, name: 'x' } as unknown as Serializer), InvalidConfigError)
  })

  it('createSerializerRegistry: empty, or with another structure version', () => {
    assert.equal(createSerializerRegistry({ builtins: false }).list().length, 0)
    const r = createSerializerRegistry({ structureVersion: 3 })
    const s = r.get(BlockType, 'msgpackStructured') as MsgpackStructuredSerializer<unknown>
    assert.equal(s.structureVersion, 3)
    assert.deepStrictEqual(s.decode(s.encode(sampleBlock())), sampleBlock())
    assert.equal((defaultSerializerRegistry.get(BlockType, 5) as MsgpackStructuredSerializer<unknown>).structureVersion, 1)
  })

  it('a user message type with JSON, msgpack and structured serializers in a few lines', () => {
    const Ping = defineMessageType({ id: 1000, name: 'Ping', fields: { nonce: 'uint64', from: 'bytes', note: 'string' } })
    const registry = createSerializerRegistry()
      .register(createJsonSerializer(Ping))
      .register(createMsgpackSerializer(Ping))
      .register(createMsgpackStructuredSerializer(Ping, { version: 1 }))
    const ping = { nonce: 42n, from: new Uint8Array([1]), note: 'hello' }
    for (const format of ['json', 'msgpack', 'msgpackStructured']) {
      const s = registry.get(Ping, format)
      assert.deepStrictEqual(s.decode(s.encode(ping)), ping)
    }
    assert.equal(registry.get('Ping', 'json').type, Ping)
    assert.throws(() => registry.get('Ping', 'protobuf'), UnknownCodecError)
  })
})
