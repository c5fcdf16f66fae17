/**
 * Plain-JS misuse of the codec's options (issue 12 item 3): each is one
 * InvalidConfigError whose `details.option` names the option, thrown before
 * anything is signed, sequenced or committed. And `types` given as message
 * types: what open() accepts with and without it.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { createCodec } from '../../src/codec/index.js'
import { InvalidConfigError } from '../../src/errors.js'
import { createSigner } from '../../src/envelope/keys.js'
import { createSequencer } from '../../src/replay/sequencer.js'
import { BlockType, PeerInfoType, block, codec, peerInfo, reasonOf, seededKey } from './helpers.js'

const CH = 'wireseal/test/options'
const alice = await seededKey(1)

/** Runs `fn`, which must throw InvalidConfigError naming `option`; returns the error. */
function refused (fn: () => unknown, option: string): InvalidConfigError {
  let caught: unknown
  try {
    fn()
  } catch (err) {
    caught = err
  }
  assert.ok(caught instanceof InvalidConfigError, `expected InvalidConfigError for ${option}, got ${String(caught)}`)
  assert.equal(caught.details.option, option)
  return caught
}

describe('createCodec options', () => {
  const badInits: Array<[string, unknown, string]> = [
    ['a misspelt key', { privatekey: alice }, 'privatekey'],
    ['an option of open() passed to createCodec', { channel: CH }, 'channel'],
    ['null', null, 'init'],
    ['a string', 'key', 'init'],
    ['serializers without get()', { serializers: {} }, 'serializers'],
    ['limits that are not a WireLimits', { limits: { maxPayloadBytes: 1024 } }, 'limits.maxCompressedBytes'],
    ['limits: a number', { limits: 1024 }, 'limits'],
    ['compression: a name (a seal option)', { compression: 'gzip' }, 'compression'],
    ['compressors without get()', { compressors: [] }, 'compressors'],
    ['replay: true', { replay: true }, 'replay'],
    ['sequencer without next()', { sequencer: {} }, 'sequencer'],
    ['domain: a number', { domain: 7 }, 'domain'],
    ['keyCache without get()', { keyCache: { size: 0 } }, 'keyCache'],
    ['now: a number', { now: 1_700_000_000_000 }, 'now']
  ]
  for (const [name, init, option] of badInits) {
    it(`${name}: InvalidConfigError naming ${option}`, () => {
      refused(() => createCodec(init as never), option)
    })
  }

  it('a privateKey that is not a key says what it got', () => {
    assert.match(refused(() => createCodec({ privateKey: 'abc' } as never), 'privateKey').details.expected, /libp2p PrivateKey.*got string$/)
    assert.match(refused(() => createCodec({ privateKey: {} } as never), 'privateKey').details.expected, /got an object that is not one$/)
    assert.match(refused(() => createCodec({ privateKey: null } as never), 'privateKey').details.expected, /got null$/)
    assert.match(refused(() => createCodec({ privateKey: alice.publicKey } as never), 'privateKey').details.expected, /got a public key$/)
    const rsaLike = { type: 'RSA', raw: new Uint8Array(8), publicKey: {}, sign: () => new Uint8Array(0) }
    assert.match(refused(() => createCodec({ privateKey: rsaLike } as never), 'privateKey').details.expected, /Ed25519, secp256k1 or ECDSA key, got RSA$/)
  })

  it('createSigner refuses the same way', () => {
    refused(() => createSigner('abc' as never), 'privateKey')
  })

  it('every documented option is accepted, undefined ones included', async () => {
    const key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(3))
    const c = createCodec({ privateKey: key, replay: false, domain: 'wireseal/test', now: () => 5, limits: undefined, sequencer: createSequencer({ now: () => 5 }) })
    assert.equal(c.id, key.publicKey.toString())
  })
})

describe('seal options', () => {
  const value = block(0)
  let nexts = 0
  const sender = codec({ privateKey: alice, sequencer: { next: () => ++nexts, writes: 0 } as never })
  const seals: Array<[string, (options: unknown) => unknown]> = [
    ['seal', (o) => sender.seal(BlockType, value, o as never)],
    ['sealBatch', (o) => sender.sealBatch(BlockType, [value, value], o as never)],
    ['sealChunked', (o) => sender.sealChunked(BlockType, value, o as never)]
  ]
  const badOptions: Array<[string, unknown, string]> = [
    ['no options', undefined, 'options'],
    ['no channel', {}, 'options.channel'],
    ['an empty channel', { channel: '' }, 'options.channel'],
    ['a channel that is not a string', { channel: 7 }, 'options.channel'],
    ['a misspelt key', { channel: CH, serialiser: 'json' }, 'options.serialiser'],
    ['an option of open()', { channel: CH, types: [BlockType] }, 'options.types'],
    ['serializer: an object', { channel: CH, serializer: {} }, 'options.serializer'],
    ['serializer: not an integer', { channel: CH, serializer: 1.5 }, 'options.serializer'],
    ['compression: an id', { channel: CH, compression: 2 }, 'options.compression'],
    ['peerAccepts: an array', { channel: CH, peerAccepts: [2] }, 'options.peerAccepts']
  ]
  for (const [method, call] of seals) {
    for (const [name, options, option] of badOptions) {
      it(`${method}, ${name}: InvalidConfigError naming ${option}, no seq consumed`, () => {
        const before = nexts
        refused(() => call(options), option)
        assert.equal(nexts, before)
      })
    }
  }

  it('the message type and encode()\'s serializer are checked too', () => {
    refused(() => sender.seal(undefined as never, value, { channel: CH }), 'type')
    refused(() => sender.sealBatch(BlockType, value as never, { channel: CH }), 'values')
    refused(() => sender.encode({ name: 'Block' } as never, value), 'type')
    refused(() => sender.encode(BlockType, value, {} as never), 'serializer')
  })

  it('a serializer by name or id and a forced compression still seal', () => {
    const receiver = codec()
    for (const serializer of ['json', 4, 'msgpackStructured'] as const) {
      const e = sender.seal(BlockType, value, { channel: CH, serializer, compression: 'none', peerAccepts: new Set([0]) })
      assert.equal(reasonOf(receiver.open(e, { channel: CH })), 'ok')
    }
  })
})

describe('open options', () => {
  const sender = codec({ privateKey: alice })
  const blockEnvelope = sender.seal(BlockType, block(1), { channel: CH })
  const peerEnvelope = sender.seal(PeerInfoType, peerInfo(1), { channel: CH })

  it('a misspelt key is refused, not ignored (types was meant: any type would open)', () => {
    const receiver = codec()
    refused(() => receiver.open(peerEnvelope, { channel: CH, type: [BlockType] } as never), 'options.type')
    refused(() => receiver.verify(peerEnvelope, { channel: CH, maxPayload: 10 } as never), 'options.maxPayload')
    refused(() => receiver.openChunked(peerEnvelope, { channel: CH, compression: [0] } as never), 'options.compression')
  })

  it('types holds message types or their ids; anything else names its index', () => {
    const receiver = codec()
    refused(() => receiver.open(blockEnvelope, { channel: CH, types: [BlockType, 'PeerInfo'] } as never), 'options.types[1]')
    refused(() => receiver.open(blockEnvelope, { channel: CH, types: [{ name: 'Block' }] } as never), 'options.types[0]')
  })

  it('without types every type the lookup knows opens; with types, only those listed', () => {
    assert.equal(reasonOf(codec().open(blockEnvelope, { channel: CH })), 'ok')
    assert.equal(reasonOf(codec().open(peerEnvelope, { channel: CH })), 'ok')
    for (const types of [[BlockType], [BlockType.id]]) {
      const receiver = codec()
      assert.equal(reasonOf(receiver.open(blockEnvelope, { channel: CH, types })), 'ok')
      assert.equal(reasonOf(receiver.open(peerEnvelope, { channel: CH, types })), 'wrong-type')
      assert.equal(reasonOf(receiver.verify(peerEnvelope, { channel: CH, types })), 'wrong-type')
      assert.equal(reasonOf(receiver.openChunked(sender.sealChunked(PeerInfoType, peerInfo(2), { channel: CH })[0] as Uint8Array, { channel: CH, types })), 'wrong-type')
    }
    const both = codec()
    assert.equal(reasonOf(both.open(blockEnvelope, { channel: CH, types: [BlockType, PeerInfoType] })), 'ok')
    assert.equal(reasonOf(both.open(peerEnvelope, { channel: CH, types: [PeerInfoType.id, BlockType] })), 'ok')
  })
})
