import { it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { readVarint, varintLength, varintRule, writeVarint, VARINT_NON_MINIMAL, VARINT_OVERFLOW, VARINT_TRUNCATED } from '../../src/varint.js'

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

const read = (bytes: number[], maxBytes = 8, pos = 0): [number, number] => {
  const cursor = { pos }
  return [readVarint(Uint8Array.from(bytes), cursor, maxBytes), cursor.pos]
}

it('readVarint: values, the cursor, and the SPEC.md 2.1 refusals', () => {
  assert.deepEqual(read([0]), [0, 1])
  assert.deepEqual(read([0x96, 0x01]), [150, 2])
  assert.deepEqual(read([0xaa, 0x96, 0x01], 8, 1), [150, 3], 'reads at the cursor')
  assert.deepEqual(read([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]), [2 ** 53 - 1, 8])
  // refusals leave the cursor where it was
  assert.deepEqual(read([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x10]), [VARINT_OVERFLOW, 0], '2^53')
  assert.deepEqual(read([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), [VARINT_OVERFLOW, 0], '9 bytes')
  assert.deepEqual(read([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]), [VARINT_OVERFLOW, 0], '8 continuation bytes: too long, not truncated')
  assert.deepEqual(read([0x80, 0x80, 0x80]), [VARINT_TRUNCATED, 0])
  assert.deepEqual(read([]), [VARINT_TRUNCATED, 0])
  assert.deepEqual(read([0x85, 0x00]), [VARINT_NON_MINIMAL, 0])
  assert.deepEqual(read([0x80, 0x00]), [VARINT_NON_MINIMAL, 0])
  // the call site's byte budget
  assert.deepEqual(read([0xff, 0x7f], 2), [16383, 2])
  assert.deepEqual(read([0x80, 0x80, 0x01], 2), [VARINT_OVERFLOW, 0])
  assert.deepEqual(read([0x80, 0x80, 0x80, 0x80, 0x80, 0x01], 5), [VARINT_OVERFLOW, 0])
  assert.deepEqual(read([0xff, 0xff, 0xff, 0xff, 0x7f], 5), [2 ** 35 - 1, 5])
  assert.equal(varintRule(VARINT_TRUNCATED), 'truncated')
  assert.equal(varintRule(VARINT_NON_MINIMAL), 'varint-non-minimal')
  assert.equal(varintRule(VARINT_OVERFLOW), 'varint-overflow')
})

it('readVarint reads back exactly what writeVarint writes, and nothing shorter', () => {
  fc.assert(fc.property(fc.maxSafeNat(), (n) => {
    const buf = new Uint8Array(10)
    const end = writeVarint(buf, 0, n)
    assert.deepEqual(read([...buf.subarray(0, end)]), [n, end])
    if (end > 1) assert.deepEqual(read([...buf.subarray(0, end - 1)]), [VARINT_TRUNCATED, 0])
    if (end > 1) assert.equal(read([...buf.subarray(0, end)], end - 1)[0], VARINT_OVERFLOW, 'one byte over the budget')
  }), { numRuns: 2000 })
})

it('readVarint refuses every padded encoding of a value', () => {
  fc.assert(fc.property(fc.nat({ max: 2 ** 28 }), fc.integer({ min: 1, max: 3 }), (n, pad) => {
    const buf = new Uint8Array(10)
    const end = writeVarint(buf, 0, n)
    const padded = [...buf.subarray(0, end)]
    padded[end - 1]! |= 0x80
    for (let i = 1; i < pad; i++) padded.push(0x80)
    padded.push(0x00)
    assert.deepEqual(read(padded), [VARINT_NON_MINIMAL, 0])
  }))
})
