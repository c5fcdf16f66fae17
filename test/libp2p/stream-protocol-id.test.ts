/**
 * Protocol ids `/wireseal/<message>/<version>/<serializer>-<compression>`:
 * build/parse round trips, table-driven refusals, preference order; and the
 * uvarint frame prefix. No network.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { InvalidConfigError, MalformedInputError, UnknownCodecError } from '../../src/errors.js'
import { CompressionId, type CompressionName } from '../../src/compress/types.js'
import { MessageTypeId, SerializerId } from '../../src/serialize/types.js'
import {
  DEFAULT_PROTOCOL_NAMES, PROTOCOL_VERSION, parseProtocolId, protocolId, supportedProtocols, tryParseProtocolId
} from '../../src/libp2p/protocols.js'
import { encodeUvarint, frameEnvelope } from '../../src/libp2p/stream.js'

const COMPRESSIONS: CompressionName[] = ['none', 'snappy', 'gzip', 'zstd']

describe('protocolId / parseProtocolId', () => {
  it('builds the documented example and parses it back to wire ids', () => {
    const id = protocolId({ message: 'block', serializer: 'protobuf', compression: 'snappy' })
    assert.equal(id, '/wireseal/block/1.0.0/protobuf-snappy')
    const p = parseProtocolId(id)
    assert.deepEqual({ ...p }, {
      id,
      message: 'block',
      version: PROTOCOL_VERSION,
      serializer: 'protobuf',
      compression: 'snappy',
      messageTypeId: MessageTypeId.Block,
      serializerId: SerializerId.protobuf,
      compressionId: CompressionId.snappy
    })
  })

  it('round-trips every built-in name and any valid version (property)', () => {
    const messages = Object.keys(DEFAULT_PROTOCOL_NAMES.messages)
    const serializers = Object.keys(DEFAULT_PROTOCOL_NAMES.serializers)
    fc.assert(fc.property(
      fc.constantFrom(...messages), fc.constantFrom(...serializers), fc.constantFrom(...COMPRESSIONS),
      fc.nat(999), fc.nat(999), fc.nat(999),
      (message, serializer, compression, a, b, c) => {
        const version = `${a}.${b}.${c}`
        const id = protocolId({ message, serializer, compression, version })
        const p = parseProtocolId(id)
        assert.equal(p.message, message)
        assert.equal(p.serializer, serializer)
        assert.equal(p.compression, compression)
        assert.equal(p.version, version)
        assert.equal(p.serializerId, DEFAULT_PROTOCOL_NAMES.serializers[serializer])
        assert.equal(p.messageTypeId, DEFAULT_PROTOCOL_NAMES.messages[message])
        assert.equal(p.compressionId, CompressionId[compression])
      }
    ), { numRuns: 200 })
  })

  it('refuses ids that are not wireseal ids with MalformedInputError', () => {
    const bad = [
      '', '/', '/ipfs/ping/1.0.0', '/wireseal/block/1.0.0', '/wireseal/block/1.0.0/protobuf',
      '/wireseal/block/1.0.0/-snappy', '/wireseal/block/1.0/protobuf-snappy', '/wireseal/Block/1.0.0/protobuf-snappy',
      '/wireseal/block/1.0.0/protobuf-snappy/extra', 'wireseal/block/1.0.0/protobuf-snappy', '/wiresea/block/1.0.0/protobuf-snappy'
    ]
    for (const id of bad) {
      assert.throws(() => parseProtocolId(id), MalformedInputError, id)
      assert.equal(tryParseProtocolId(id), undefined)
    }
  })

  it('refuses unknown names with UnknownCodecError naming the kind', () => {
    const cases: Array<[string, string]> = [
      ['/wireseal/block/1.0.0/protobuf-brotli', 'compression'],
      ['/wireseal/blob/1.0.0/protobuf-none', 'message-type'],
      ['/wireseal/block/1.0.0/cbor-none', 'serializer'],
      ['/wireseal/__proto__/1.0.0/protobuf-none', 'message-type'],
      ['/wireseal/block/1.0.0/constructor-none', 'serializer']
    ]
    for (const [id, kind] of cases) {
      assert.throws(() => parseProtocolId(id), (err: unknown) => err instanceof UnknownCodecError && err.details.kind === kind, id)
    }
  })

  it('accepts user names through a custom table', () => {
    const names = { messages: { ...DEFAULT_PROTOCOL_NAMES.messages, tx: 300 }, serializers: { ...DEFAULT_PROTOCOL_NAMES.serializers, cbor: 200 } }
    const p = parseProtocolId('/wireseal/tx/2.1.0/cbor-zstd', names)
    assert.equal(p.messageTypeId, 300)
    assert.equal(p.serializerId, 200)
    assert.equal(p.compressionId, CompressionId.zstd)
  })

  it('refuses bad segments when building with InvalidConfigError', () => {
    assert.throws(() => protocolId({ message: 'block', serializer: 'proto-buf', compression: 'none' }), InvalidConfigError)
    assert.throws(() => protocolId({ message: 'Block', serializer: 'protobuf', compression: 'none' }), InvalidConfigError)
    assert.throws(() => protocolId({ message: 'block', serializer: 'protobuf', compression: 'lz4' as CompressionName }), InvalidConfigError)
    assert.throws(() => protocolId({ message: 'block', serializer: 'protobuf', compression: 'none', version: '1' }), InvalidConfigError)
  })
})

describe('supportedProtocols', () => {
  it('lists combinations serializer-first by default, in the given preference order', () => {
    assert.deepEqual(supportedProtocols({ message: 'block', serializers: ['msgpack', 'protobuf'], compressions: ['zstd', 'none'] }), [
      '/wireseal/block/1.0.0/msgpack-zstd',
      '/wireseal/block/1.0.0/msgpack-none',
      '/wireseal/block/1.0.0/protobuf-zstd',
      '/wireseal/block/1.0.0/protobuf-none'
    ])
  })

  it('lists compression-first on request, for every message, without duplicates', () => {
    const ids = supportedProtocols({ message: ['block', 'peer-info'], serializers: ['protobuf', 'json', 'protobuf'], compressions: ['snappy', 'none'], order: 'compression' })
    assert.deepEqual(ids, [
      '/wireseal/block/1.0.0/protobuf-snappy',
      '/wireseal/block/1.0.0/json-snappy',
      '/wireseal/block/1.0.0/protobuf-none',
      '/wireseal/block/1.0.0/json-none',
      '/wireseal/peer-info/1.0.0/protobuf-snappy',
      '/wireseal/peer-info/1.0.0/json-snappy',
      '/wireseal/peer-info/1.0.0/protobuf-none',
      '/wireseal/peer-info/1.0.0/json-none'
    ])
  })

  it('refuses an empty set', () => {
    assert.throws(() => supportedProtocols({ message: 'block', serializers: [], compressions: ['none'] }), InvalidConfigError)
  })
})

describe('frame prefix', () => {
  /** Independent LEB128 decoder (multiformats unsigned-varint). */
  function decode (bytes: Uint8Array): { value: number, length: number } {
    let value = 0
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] as number
      value += (b & 0x7f) * 2 ** (7 * i)
      if ((b & 0x80) === 0) return { value, length: i + 1 }
    }
    throw new Error('unterminated')
  }

  it('matches known vectors', () => {
    assert.deepEqual([...encodeUvarint(0)], [0])
    assert.deepEqual([...encodeUvarint(127)], [0x7f])
    assert.deepEqual([...encodeUvarint(128)], [0x80, 0x01])
    assert.deepEqual([...encodeUvarint(300)], [0xac, 0x02])
    assert.deepEqual([...encodeUvarint(16_384)], [0x80, 0x80, 0x01])
  })

  it('is minimal and decodes back (property)', () => {
    fc.assert(fc.property(fc.nat(2 ** 40), (n) => {
      const enc = encodeUvarint(n)
      const { value, length } = decode(enc)
      assert.equal(value, n)
      assert.equal(length, enc.length)
      assert.ok(enc.length === 1 || enc[enc.length - 1] !== 0, 'minimal: no trailing zero byte')
    }), { numRuns: 500 })
  })

  it('frames an envelope without copying it', () => {
    const body = new Uint8Array(300).fill(7)
    const framed = frameEnvelope(body)
    assert.equal(framed.byteLength, 302)
    const bufs = [...framed]
    assert.equal(bufs.length, 2)
    assert.equal(bufs[1], body, 'the envelope itself, not a copy')
    assert.deepEqual([...(bufs[0] as Uint8Array)], [0xac, 0x02])
  })
})
