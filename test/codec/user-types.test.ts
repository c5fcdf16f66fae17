/**
 * Your own message type through the codec, written as a user writes it:
 * public imports only (the built package), no option beyond the registry.
 * A seal without `serializer` uses one the type has; the registry's `types`
 * gives a schema type its serializers.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createCodec, InvalidConfigError, UnknownCodecError } from 'wireseal'
import { BlockType, createSerializerRegistry, defineMessageType, SerializerId } from 'wireseal/serialize'

const Vote = defineMessageType({ id: 1000, name: 'Vote', fields: { slot: 'uint64', approve: 'bool', tags: { kind: 'list', of: 'string', maxItems: 4 } } })
const vote = { slot: 7n, approve: true, tags: ['a'] }

describe('user types: serializers and the default one', () => {
  it('createSerializerRegistry({ types }) registers msgpack and json; a seal without serializer uses msgpack', async () => {
    const serializers = createSerializerRegistry({ types: [Vote] })
    assert.deepEqual(serializers.list().filter((s) => s.type === Vote).map((s) => s.name), ['msgpack', 'json'])
    const alice = createCodec({ privateKey: await generateKeyPair('Ed25519'), serializers })
    const bob = createCodec({ serializers })
    const opened = bob.open(alice.seal(Vote, vote, { channel: 'votes' }), { channel: 'votes', types: [Vote] })
    assert.ok(opened.ok)
    assert.equal(opened.serializer, SerializerId.msgpack)
    assert.deepEqual(opened.value, vote)
    // the built-ins keep protobuf
    assert.equal(serializers.defaultFor(BlockType).name, 'protobuf')
  })

  it('the default is protobuf when the type has it, else the lowest wire id registered', () => {
    const serializers = createSerializerRegistry({ builtins: false })
    assert.throws(() => serializers.defaultFor(Vote), UnknownCodecError)
    // the error names what fixes it
    assert.throws(() => createSerializerRegistry().get(Vote, 'msgpack'), /createSerializerRegistry\(\{ types: \[YourType\] \}\)/)
    const json = createSerializerRegistry({ types: [Vote] }).get(Vote, 'json')
    serializers.register(json)
    assert.equal(serializers.defaultFor(Vote).name, 'json')
    serializers.register(createSerializerRegistry({ types: [Vote] }).get(Vote, 'msgpack'))
    assert.equal(serializers.defaultFor(Vote).name, 'msgpack')
  })

  it('types must be schema types: a typed error names the entry', () => {
    assert.throws(() => createSerializerRegistry({ types: [{ id: 2000, name: 'NoFields', assert () {} } as never] }), (err: unknown) => err instanceof InvalidConfigError && err.details.option === 'types[0]')
    assert.throws(() => createSerializerRegistry({ types: 'Vote' as never }), (err: unknown) => err instanceof InvalidConfigError && err.details.option === 'types')
  })
})
