import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { createJsonSerializer, jsonBlock, jsonPeerInfo } from '../../src/serialize/json.js'
import { decodeBase64, encodeBase64 } from '../../src/serialize/base64.js'
import { defineMessageType } from '../../src/serialize/schema.js'
import { MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { sampleBlock, samplePeerInfo, typedFailure } from './arbitraries.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const SAMPLE_JSON = '{"hash":"AQI=","data":"YWJj","timestamp":"1700000000000","ttl":300,"version":1,"signature":"/w=="}'

function blockJson (over: Record<string, unknown>, drop: string[] = []): Uint8Array {
  const o: Record<string, unknown> = { ...JSON.parse(SAMPLE_JSON), ...over }
  for (const k of drop) Reflect.deleteProperty(o, k)
  return utf8(JSON.stringify(o))
}

const naming = (text: string) => (err: unknown): boolean => err instanceof MalformedInputError && err.details.reason.includes(text)

describe('json', () => {
  it('encodes the sample Block in schema order, base64 bytes, decimal-string uint64', () => {
    assert.equal(new TextDecoder().decode(jsonBlock.encode(sampleBlock())), SAMPLE_JSON)
    assert.deepStrictEqual(jsonBlock.decode(utf8(SAMPLE_JSON)), sampleBlock())
  })

  it('encodes PeerInfo with a multiaddr list and a metadata object', () => {
    const text = new TextDecoder().decode(jsonPeerInfo.encode(samplePeerInfo()))
    assert.equal(text, '{"peerId":"Eg==","multiaddrs":["BH8AAAE=",""],"metadata":{"a":"b","agent":"wireseal/0.1 ✓"}}')
  })

  it('accepts surrounding whitespace and ignores unknown keys', () => {
    assert.deepStrictEqual(jsonBlock.decode(utf8(` \n${SAMPLE_JSON.slice(0, -1)},"future":{"x":[1]}}\t`)), sampleBlock())
  })

  const rejects: Array<[string, Uint8Array, string]> = [
    ['missing field', blockJson({}, ['version']), 'missing field Block.version'],
    ['uint64 as a JSON number', blockJson({ timestamp: 1_700_000_000_000 }), 'Block.timestamp'],
    ['uint64 with a leading zero', blockJson({ timestamp: '01' }), 'Block.timestamp'],
    ['uint64 with a sign', blockJson({ timestamp: '+1' }), 'Block.timestamp'],
    ['negative uint64', blockJson({ timestamp: '-1' }), 'Block.timestamp'],
    ['uint64 = 2^64', blockJson({ timestamp: '18446744073709551616' }), 'Block.timestamp'],
    ['uint64 with 21 digits', blockJson({ timestamp: '100000000000000000000' }), 'Block.timestamp'],
    ['uint32 as a string', blockJson({ ttl: '300' }), 'Block.ttl'],
    ['uint32 fraction', blockJson({ ttl: 1.5 }), 'Block.ttl'],
    ['uint32 = 2^32', blockJson({ ttl: 2 ** 32 }), 'Block.ttl'],
    ['uint32 = -0', utf8(SAMPLE_JSON.replace('"ttl":300', '"ttl":-0')), 'Block.ttl'],
    ['base64 without padding', blockJson({ hash: 'AQI' }), 'Block.hash'],
    ['base64 with non-zero pad bits', blockJson({ hash: 'AQJ=' }), 'Block.hash'],
    ['base64url alphabet', blockJson({ signature: '_w==' }), 'Block.signature'],
    ['base64 with whitespace', blockJson({ data: 'YW Jj' }), 'Block.data'],
    ['base64 with padding in the middle', blockJson({ data: 'AQ==YWJj' }), 'Block.data'],
    ['bytes as an array of numbers', blockJson({ data: [97, 98, 99] }), 'Block.data'],
    ['null field', blockJson({ hash: null }), 'Block.hash']
  ]
  for (const [name, bytes, field] of rejects) {
    it(`rejects ${name}, naming the field`, () => {
      assert.throws(() => jsonBlock.decode(bytes), naming(field))
    })
  }

  const malformed: Array<[string, Uint8Array]> = [
    ['empty input', new Uint8Array(0)],
    ['a BOM', Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8(SAMPLE_JSON))],
    ['invalid UTF-8', Uint8Array.of(...utf8(SAMPLE_JSON.slice(0, -2)), 0xc3, 0x28, 0x7d)],
    ['trailing text', utf8(SAMPLE_JSON + 'x')],
    ['two documents', utf8(SAMPLE_JSON + SAMPLE_JSON)],
    ['a top-level array', utf8('[1]')],
    ['a top-level null', utf8('null')],
    ['truncation', utf8(SAMPLE_JSON.slice(0, -1))]
  ]
  for (const [name, bytes] of malformed) {
    it(`rejects ${name} with MalformedInputError`, () => {
      assert.throws(() => jsonBlock.decode(bytes), MalformedInputError)
    })
  }

  it('rejects lone surrogates and reserved keys in metadata', () => {
    const base = { peerId: '', multiaddrs: [] as string[] }
    assert.throws(() => jsonPeerInfo.decode(utf8('{"peerId":"","multiaddrs":[],"metadata":{"a":"\\ud800"}}')), naming('PeerInfo.metadata["a"]'))
    assert.throws(() => jsonPeerInfo.decode(utf8('{"peerId":"","multiaddrs":[],"metadata":{"\\udc00":"x"}}')), MalformedInputError)
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      const text = `{"peerId":"","multiaddrs":[],"metadata":{"${key}":{"polluted":"yes"}}}`
      assert.throws(() => jsonPeerInfo.decode(utf8(text)), MalformedInputError, key)
      assert.throws(() => jsonPeerInfo.decode(utf8(JSON.stringify({ ...base, metadata: { [key]: 'x' } }))), MalformedInputError, key)
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('oversized lists and maps are SizeLimitError', () => {
    const addrs = Array.from({ length: 65 }, () => '')
    assert.throws(() => jsonPeerInfo.decode(utf8(JSON.stringify({ peerId: '', multiaddrs: addrs, metadata: {} }))), SizeLimitError)
    const metadata = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, '']))
    assert.throws(() => jsonPeerInfo.decode(utf8(JSON.stringify({ peerId: '', multiaddrs: [], metadata }))), SizeLimitError)
  })

  it('garbage never escapes as a non-wireseal error', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.json().map(utf8)), (g) => {
      typedFailure(() => jsonBlock.decode(g))
      typedFailure(() => jsonPeerInfo.decode(g))
    }), { numRuns: 500 })
  })

  it('createJsonSerializer handles bool, string and list fields of user types', () => {
    const Ping = defineMessageType({ id: 1000, name: 'Ping', fields: { ok: 'bool', note: 'string', nonces: { kind: 'list', of: 'uint64', maxItems: 4 } } })
    const s = createJsonSerializer(Ping, { id: 130 })
    const v = { ok: true, note: 'hi', nonces: [0n, 2n ** 64n - 1n] }
    assert.equal(new TextDecoder().decode(s.encode(v)), '{"ok":true,"note":"hi","nonces":["0","18446744073709551615"]}')
    assert.deepStrictEqual(s.decode(s.encode(v)), v)
    assert.throws(() => s.decode(utf8('{"ok":1,"note":"","nonces":[]}')), naming('Ping.ok'))
    assert.throws(() => s.decode(utf8('{"ok":true,"note":"","nonces":["1",2]}')), naming('Ping.nonces[1]'))
  })
})

describe('strict base64', () => {
  it('round-trips and matches Node\'s canonical encoder', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      const text = encodeBase64(b)
      assert.equal(text, Buffer.from(b).toString('base64'))
      const back = decodeBase64(text)
      assert.deepStrictEqual(back, new Uint8Array(b))
      assert.equal(Object.getPrototypeOf(back), Uint8Array.prototype)
    }), { numRuns: 300 })
  })

  it('accepts exactly the canonical form', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ '), maxLength: 12 }), (s) => {
      const decoded = decodeBase64(s)
      if (decoded !== undefined) assert.equal(encodeBase64(decoded), s)
    }), { numRuns: 1000 })
  })
})
