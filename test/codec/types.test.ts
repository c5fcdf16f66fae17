/**
 * Types that carry through (issue 12 item 2), checked by `tsc` (`npm run
 * typecheck` covers test/): every `@ts-expect-error` below must be an error,
 * so each line fails the typecheck if the types grow loose again. The
 * runtime halves check that what the types refuse is refused at run time too.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createCodec, type AcceptedType, type OpenResult, type ValueOfTypes } from '../../src/codec/index.js'
import { UnknownCodecError, InvalidConfigError } from '../../src/errors.js'
import { SerializerId, SERIALIZER_NAMES, serializerIdOf, serializerNameOf, BUILTIN_SERIALIZERS, type SerializerName, type ValueOf } from '../../src/serialize/index.js'
import { BlockType, PeerInfoType, block, codec, seededKey, type Block, type PeerInfo } from './helpers.js'

const CH = 'wireseal/test/types'
const alice = await seededKey(1)

/** `true` only when A and B are the same type. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends (<X>() => X extends B ? 1 : 2) ? true : false

describe('value types inferred from message types', () => {
  const sender = codec({ privateKey: alice })
  const blockEnvelope = sender.seal(BlockType, block(1), { channel: CH })

  it('ValueOf and ValueOfTypes', () => {
    const checks: Array<true> = [
      true satisfies Equal<ValueOf<typeof BlockType>, Block>,
      true satisfies Equal<ValueOf<typeof PeerInfoType>, PeerInfo>,
      true satisfies Equal<ValueOf<number>, unknown>,
      true satisfies Equal<ValueOfTypes<[typeof BlockType, typeof PeerInfoType]>, Block | PeerInfo>,
      true satisfies Equal<ValueOfTypes<[typeof BlockType, number]>, unknown>,
      true satisfies Equal<ValueOfTypes<undefined>, unknown>,
      true satisfies Equal<ValueOfTypes<readonly AcceptedType[]>, unknown>
    ]
    assert.equal(checks.length, 7)
  })

  it('open(bytes, { types: [BlockType] }) is an OpenResult<Block>', () => {
    const r = codec().open(blockEnvelope, { channel: CH, types: [BlockType] })
    true satisfies Equal<typeof r, OpenResult<Block>>
    assert.ok(r.ok)
    const value: Block = r.value
    assert.deepEqual(value, block(1))
    // @ts-expect-error a Block is not a PeerInfo
    const wrong: PeerInfo = r.value
    void wrong
  })

  it('two types give their union; an id among them, or no types, gives unknown', () => {
    const both = codec().open(blockEnvelope, { channel: CH, types: [BlockType, PeerInfoType] })
    true satisfies Equal<typeof both, OpenResult<Block | PeerInfo>>
    assert.ok(both.ok)
    // @ts-expect-error it may be a PeerInfo
    const onlyBlock: Block = both.value
    void onlyBlock
    const byId = codec().open(blockEnvelope, { channel: CH, types: [BlockType, PeerInfoType.id] })
    true satisfies Equal<typeof byId, OpenResult<unknown>>
    assert.equal(byId.ok, true)
    const untyped = codec().open(blockEnvelope, { channel: CH })
    true satisfies Equal<typeof untyped, OpenResult<unknown>>
    assert.ok(untyped.ok)
    // @ts-expect-error without types the value is unknown
    const notBlock: Block = untyped.value
    void notBlock
  })

  it('options built beforehand carry the types too', () => {
    const options = { channel: CH, types: [BlockType] }
    const r = codec().open(blockEnvelope, options)
    true satisfies Equal<typeof r, OpenResult<Block>>
    assert.equal(r.ok, true)
  })

  it('openChunked infers the value of finish()', () => {
    const [head, ...chunks] = sender.sealChunked(BlockType, block(2, 100 * 1024), { channel: CH })
    const rx = codec().openChunked(head as Uint8Array, { channel: CH, types: [BlockType] })
    assert.ok(rx.ok)
    for (const chunk of chunks) assert.deepEqual(rx.accept(chunk), { ok: true })
    const done = rx.finish()
    true satisfies Equal<typeof done, OpenResult<Block>>
    assert.ok(done.ok)
    assert.equal(done.value.data.length, 100 * 1024)
  })
})

describe('serializer and compression names are literal unions', () => {
  const sender = codec({ privateKey: alice })

  it('a misspelt serializer name does not compile, and throws', () => {
    // @ts-expect-error 'msgpak' is not a serializer name
    assert.throws(() => sender.seal(BlockType, block(0), { channel: CH, serializer: 'msgpak' }), UnknownCodecError)
    // @ts-expect-error nor for encode()
    assert.throws(() => sender.encode(BlockType, block(0), 'protobuff'), UnknownCodecError)
    // a user format is chosen by its wire id
    assert.throws(() => sender.seal(BlockType, block(0), { channel: CH, serializer: 201 }), UnknownCodecError)
  })

  it('a misspelt compression name does not compile, and throws', () => {
    // @ts-expect-error 'brotli' is not a compression
    assert.throws(() => sender.seal(BlockType, block(0), { channel: CH, compression: 'brotli' }), UnknownCodecError)
  })

  it('SerializerName is the keys of SerializerId', () => {
    true satisfies Equal<SerializerName, 'protobuf' | 'msgpack' | 'flatbuffers' | 'json' | 'msgpackStructured' | 'capnp'>
    assert.deepEqual([...SERIALIZER_NAMES].sort(), Object.keys(SerializerId).sort())
  })

  it('serializerIdOf / serializerNameOf: the one name <-> id mapping, the registry\'s', () => {
    for (const s of BUILTIN_SERIALIZERS) {
      assert.equal(serializerIdOf(s.name as SerializerName), s.id, s.name)
      assert.equal(serializerNameOf(s.id), s.name)
    }
    assert.deepEqual(SERIALIZER_NAMES.map((n) => serializerIdOf(n)), [1, 2, 3, 4, 5, 6], 'in wire id order')
    assert.equal(serializerIdOf(200), 200, 'a user id passes through')
    assert.equal(serializerNameOf(200), undefined)
    // @ts-expect-error a misspelt name
    assert.throws(() => serializerIdOf('msgpak', 'topics.blocks.serializer'), (e) => e instanceof InvalidConfigError && e.details.option === 'topics.blocks.serializer')
    for (const bad of [0, 256, 1.5, Number.NaN]) assert.throws(() => serializerIdOf(bad), InvalidConfigError, String(bad))
    assert.throws(() => serializerIdOf({} as never), (e) => e instanceof InvalidConfigError && e.details.option === 'serializer')
  })

  it('createCodec\'s option types: a wrong key object does not compile', () => {
    // @ts-expect-error a string is not a PrivateKey
    assert.throws(() => createCodec({ privateKey: 'abc' }), InvalidConfigError)
    // @ts-expect-error no such option
    assert.throws(() => createCodec({ privatekey: alice }), InvalidConfigError)
  })
})
