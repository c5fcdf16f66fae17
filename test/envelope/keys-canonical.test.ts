/**
 * One encoding per public key (SPEC.md section 3): every non-canonical form
 * of a key that libp2p would still read (and report under the canonical peer
 * id) is refused with its rule.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { generateKeyPair, publicKeyFromProtobuf, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { ECDH } from 'node:crypto'
import { SenderKeyCache, createSigner } from '../../src/envelope/keys.js'
import { parsePublicKey } from '../../src/envelope/public-key.js'
import { WireFormatError, type WireRule } from '../../src/errors.js'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))

function refused (bytes: Uint8Array, rule: WireRule): void {
  assert.throws(() => parsePublicKey(bytes), (err: unknown) => err instanceof WireFormatError && err.details.rule === rule, `${hex(bytes)}: ${rule}`)
  // the sender cache (what open() uses) refuses it with the same rule
  assert.throws(() => new SenderKeyCache().get(bytes), (err: unknown) => err instanceof WireFormatError && err.details.rule === rule)
}

/** `08 type 12 len data` */
function pb (type: number, data: Uint8Array): Uint8Array {
  return Uint8Array.from([0x08, type, 0x12, data.length, ...data])
}

describe('public key encodings', async () => {
  const ed = await generateKeyPair('Ed25519')
  const k1 = await generateKeyPair('secp256k1')
  const ecdsa = await Promise.all((['P-256', 'P-384', 'P-521'] as const).map(async (c) => generateKeyPair('ECDSA', c)))
  const edPb = publicKeyToProtobuf(ed.publicKey)
  const k1Pb = publicKeyToProtobuf(k1.publicKey)

  it('accepts the canonical encoding of every key type and derives the id from those bytes', () => {
    for (const key of [ed, k1, ...ecdsa]) {
      const bytes = publicKeyToProtobuf(key.publicKey)
      const parsed = parsePublicKey(bytes)
      assert.equal(parsed.type, key.type)
      assert.equal(new SenderKeyCache().get(bytes).id, createSigner(key).id)
    }
    assert.deepEqual(ecdsa.map((k) => parsePublicKey(publicKeyToProtobuf(k.publicKey)).curve), ['P-256', 'P-384', 'P-521'])
  })

  it('refuses Data before Type (libp2p reads it as the same key)', () => {
    const data = edPb.subarray(4)
    refused(Uint8Array.from([0x12, 0x20, ...data, 0x08, 0x01]), 'field-order')
  })

  it('refuses an unknown field, before or after Data', () => {
    refused(Uint8Array.from([...edPb, 0x18, 0x01]), 'unknown-field')
    refused(Uint8Array.from([0x08, 0x01, 0x18, 0x05, ...edPb.subarray(2)]), 'unknown-field')
    refused(Uint8Array.from([0x22, 0x00, ...edPb]), 'unknown-field')
  })

  it('refuses a repeated field, a non-minimal varint and truncation', () => {
    refused(Uint8Array.from([...edPb, ...edPb.subarray(0, 2)]), 'field-order')
    refused(Uint8Array.from([0x08, 0x81, 0x00, ...edPb.subarray(2)]), 'varint-non-minimal')
    refused(Uint8Array.from([0x08, 0x01, 0x12, 0xa0, 0x00, ...edPb.subarray(4)]), 'varint-non-minimal')
    refused(edPb.subarray(0, edPb.length - 1), 'truncated')
    refused(Uint8Array.from([0x08, 0x01]), 'missing-field')
    refused(new Uint8Array(0), 'missing-field')
  })

  it('refuses an uncompressed (65-byte) secp256k1 key that libp2p accepts under the canonical peer id', () => {
    const point = new Uint8Array(ECDH.convertKey(k1Pb.subarray(4), 'secp256k1', undefined, undefined, 'uncompressed') as Buffer)
    assert.equal(point.length, 65)
    refused(pb(2, point), 'key-uncompressed')
  })

  it('refuses wrong key lengths and unsupported key types', () => {
    refused(pb(1, new Uint8Array(31).fill(9)), 'key-length')
    refused(pb(2, new Uint8Array(32).fill(2)), 'key-length')
    refused(pb(0, new Uint8Array(32).fill(2)), 'key-type')
    refused(pb(4, new Uint8Array(32).fill(2)), 'key-type')
  })

  it('refuses a non-reduced Ed25519 y and secp256k1 x', () => {
    const y = new Uint8Array(32).fill(0xff)
    y[0] = 0xee
    y[31] = 0x7f
    refused(pb(1, y), 'key-non-canonical')
    refused(pb(2, Uint8Array.from([0x02, ...new Uint8Array(32).fill(0xff)])), 'key-non-canonical')
    refused(pb(2, Uint8Array.from([0x05, ...k1Pb.subarray(5)])), 'key-non-canonical')
  })

  it('refuses an ECDSA key in any layout but libp2p\'s (wrong curve OID, SPKI, a point marker other than 04)', () => {
    const p256 = publicKeyToProtobuf(ecdsa[0]!.publicKey)
    const data = p256.subarray(4)
    const wrongOid = data.slice()
    wrongOid[16]! ^= 1
    refused(Uint8Array.from([0x08, 0x03, 0x12, data.length, ...wrongOid]), 'key-non-canonical')
    // the same point as SPKI (what header.ts once called it)
    const spki = unhex('3059301306072a8648ce3d020106082a8648ce3d03010703420004')
    const point = data.subarray(data.length - 64)
    refused(Uint8Array.from([0x08, 0x03, 0x12, spki.length + 64, ...spki, ...point]), 'key-non-canonical')
    const marked = data.slice()
    marked[data.length - 65] = 0x02
    refused(Uint8Array.from([0x08, 0x03, 0x12, data.length, ...marked]), 'key-non-canonical')
  })

  it('refuses a point off the curve as key-invalid', () => {
    const bad = k1Pb.slice()
    bad[bad.length - 1]! ^= 1
    // ~half of x values have no point; find one deterministically
    for (let i = 0; i < 64; i++) {
      bad[bad.length - 2] = i
      try {
        new SenderKeyCache().get(bad)
      } catch (err) {
        assert.ok(err instanceof WireFormatError)
        assert.equal(err.details.rule, 'key-invalid')
        return
      }
    }
    assert.fail('no off-curve x found')
  })

  it('property: any byte string is either the canonical encoding of one key or refused with a rule', () => {
    const keys = [edPb, k1Pb, ...ecdsa.map((k) => publicKeyToProtobuf(k.publicKey))]
    fc.assert(fc.property(fc.integer({ min: 0, max: keys.length - 1 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (k, at, byte, cut) => {
      const orig = keys[k]!
      const bytes = cut ? Uint8Array.from([...orig.subarray(0, at % orig.length), byte, ...orig.subarray(at % orig.length)]) : orig.slice()
      if (!cut) bytes[at % bytes.length] = byte
      try {
        new SenderKeyCache().get(bytes)
      } catch (err) {
        assert.ok(err instanceof WireFormatError, String(err))
        return
      }
      // accepted: then it is canonical (libp2p re-encodes it to the same bytes)
      assert.equal(hex(bytes), hex(publicKeyToProtobuf(publicKeyFromProtobuf(bytes))))
    }), { numRuns: 300 })
  })
})
