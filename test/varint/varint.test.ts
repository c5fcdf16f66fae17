import { it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { varintLength, writeVarint } from '../../src/varint.js'

const encode = (n: number): number[] => {
  const buf = new Uint8Array(10)
  return [...buf.subarray(0, writeVarint(buf, 0, n))]
}

it('known encodings (protobuf spec examples and boundaries)', () => {
  assert.deepEqual(encode(0), [0])
  assert.deepEqual(encode(1), [1])
  assert.deepEqual(encode(127), [0x7f])
  assert.deepEqual(encode(128), [0x80, 0x01])
  assert.deepEqual(encode(150), [0x96, 0x01]) // the spec's example
  assert.deepEqual(encode(300), [0xac, 0x02])
  assert.deepEqual(encode(2 ** 53 - 1), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f])
})

it('length matches what is written, the encoding is minimal and decodes back', () => {
  fc.assert(fc.property(fc.maxSafeNat(), fc.nat(5), (n, pos) => {
    const buf = new Uint8Array(pos + 10)
    const end = writeVarint(buf, pos, n)
    assert.equal(end - pos, varintLength(n), 'length')
    const bytes = buf.subarray(pos, end)
    assert.ok(bytes.length === 1 || bytes[bytes.length - 1] !== 0, 'minimal: no trailing zero group')
    let v = 0
    for (let i = bytes.length - 1; i >= 0; i--) v = v * 128 + ((bytes[i] as number) & 0x7f)
    assert.equal(v, n, 'round trip')
  }), { numRuns: 2000 })
})
