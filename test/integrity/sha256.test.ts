import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { InvalidValueError } from '../../src/errors.js'
import {
  SHA256_BYTES, createSha256, nobleSha256, nodeSha256, sha256, sha256Backend, sha256Concat, sha256Equals, sha256Into, type Sha256Backend
} from '../../src/integrity/sha256.js'

// Bound every property, shrinking included, so a failing run still ends quickly on a shared machine.
fc.installGlobalPlugin(fc.interruptAfterTimeLimit(10_000, { failOnInterrupt: true }))
// Every assert.ok carries a message: without one, a failing assert.ok under tsx can hang Node 20 while it
// re-reads the source to build its message.

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'))

// FIPS 180-4 / NIST CSRC example values for SHA-256.
const KAT: Array<[string, Uint8Array, string]> = [
  ['empty', new Uint8Array(0), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  ['"abc"', ascii('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ['448-bit message', ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
  ['896-bit message', ascii('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu'),
    'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1'],
  ['one million "a"', new Uint8Array(1_000_000).fill(0x61), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0']
]

const node: Sha256Backend = nodeSha256 ?? assert.fail('the node:crypto backend must load under Node')
const backends: Sha256Backend[] = [node, nobleSha256]

describe('sha256 known answers (FIPS 180-4)', () => {
  for (const b of backends) {
    for (const [name, msg, digest] of KAT) {
      it(`${b.name}: ${name}`, () => {
        assert.equal(hex(b.hash(msg)), digest)
        // incremental, in uneven pieces
        const h = b.create()
        for (let at = 0; at < msg.length; at += 999) h.update(msg.subarray(at, at + 999))
        assert.equal(hex(h.digest()), digest)
        // into an offset of a larger array
        const out = new Uint8Array(40).fill(0xee)
        b.hashInto(msg, out, 5)
        assert.equal(hex(out.subarray(5, 37)), digest)
        assert.ok(out.subarray(0, 5).every(x => x === 0xee) && out.subarray(37).every(x => x === 0xee), 'bytes around the digest untouched')
      })
    }
  }

  it('the default functions use the node backend and agree with the vectors', () => {
    assert.equal(sha256Backend, nodeSha256)
    for (const [, msg, digest] of KAT) assert.equal(hex(sha256(msg)), digest)
    assert.equal(hex(createSha256().update(ascii('ab')).update(ascii('c')).digest()), KAT[1]![2])
  })
})

describe('sha256 backends agree', () => {
  const bytes = fc.uint8Array({ maxLength: 5000 })

  it('node == noble one-shot, hashInto and hashConcat on random inputs', () => {
    fc.assert(fc.property(bytes, bytes, (a, b) => {
      const expected = hex(nobleSha256.hash(a))
      assert.equal(hex(node.hash(a)), expected)
      const joined = new Uint8Array(a.length + b.length)
      joined.set(a)
      joined.set(b, a.length)
      const both = hex(nobleSha256.hash(joined))
      // crosses the 4 KiB scratch threshold of the node backend in both directions
      assert.equal(hex(node.hashConcat(a, b)), both)
      assert.equal(hex(nobleSha256.hashConcat(a, b)), both)
      assert.equal(hex(sha256Concat(a, b)), both)
    }), { numRuns: 150 })
  })

  it('incremental == one-shot for any split of the input', () => {
    fc.assert(fc.property(bytes, fc.array(fc.nat({ max: 5000 }), { maxLength: 6 }), (data, cuts) => {
      const points = [...new Set(cuts.map(c => c % (data.length + 1)))].sort((x, y) => x - y)
      for (const b of backends) {
        const h = b.create()
        let prev = 0
        for (const p of [...points, data.length]) {
          h.update(data.subarray(prev, p))
          prev = p
        }
        assert.equal(hex(h.digest()), hex(b.hash(data)))
      }
    }), { numRuns: 100 })
  })

  it('hashInto may overwrite its own input (Merkle running hash)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 65, maxLength: 65 }), fc.integer({ min: 0, max: 33 }), (scratch, offset) => {
      const expected = hex(nobleSha256.hash(scratch))
      for (const b of backends) {
        const buf = scratch.slice()
        b.hashInto(buf, buf, offset)
        assert.equal(hex(buf.subarray(offset, offset + SHA256_BYTES)), expected)
      }
    }), { numRuns: 50 })
  })

  it('returns plain Uint8Arrays (never a Buffer), deep-equal across backends', () => {
    const msg = ascii('abc')
    for (const b of backends) {
      for (const d of [b.hash(msg), b.hashConcat(msg, msg), b.create().update(msg).digest()]) {
        assert.equal(Object.getPrototypeOf(d), Uint8Array.prototype)
        assert.equal(d.length, SHA256_BYTES)
        assert.equal(d.buffer.byteLength, SHA256_BYTES, 'must not expose a shared pool')
      }
    }
    assert.deepEqual(node.hash(msg), nobleSha256.hash(msg))
  })

  it('a used hasher refuses further use with InvalidValueError', () => {
    for (const b of backends) {
      const h = b.create().update(ascii('x'))
      h.digest()
      assert.throws(() => h.digest(), InvalidValueError)
      assert.throws(() => h.update(ascii('y')), InvalidValueError)
    }
  })
})

describe('sha256 module loading', () => {
  it('has no static node:crypto import (loads in browsers)', () => {
    const src = readFileSync(new URL('../../src/integrity/sha256.ts', import.meta.url), 'utf8')
    assert.doesNotMatch(src, /^\s*import\s+(?!type\b)[^;\n]*['"](node:)?crypto['"]/m)
    assert.doesNotMatch(src, /require\(\s*['"](node:)?crypto['"]\s*\)/)
  })

  it('falls back to noble when process.getBuiltinModule is missing', async () => {
    const original = process.getBuiltinModule
    try {
      // A fresh module instance (query string) evaluated without the Node hook.
      Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true })
      const url = new URL('../../src/integrity/sha256.ts', import.meta.url).href + '?no-builtins'
      const mod = await import(url) as typeof import('../../src/integrity/sha256.js')
      assert.equal(mod.nodeSha256, undefined)
      assert.equal(mod.sha256Backend.name, 'noble')
      assert.equal(hex(mod.sha256(ascii('abc'))), KAT[1]![2])
    } finally {
      Object.defineProperty(process, 'getBuiltinModule', { value: original, configurable: true, writable: true })
    }
    assert.equal(typeof process.getBuiltinModule, 'function')
  })
})

describe('allocation-free digest helpers', () => {
  const backends = [nobleSha256, ...(nodeSha256 === undefined ? [] : [nodeSha256])]
  it('equals() and hashInto() agree with hash() on every backend', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), (data, offset) => {
      for (const b of backends) {
        const d = b.hash(data)
        assert.equal(b.equals(data, d), true, `${b.name} equals`)
        const flipped = d.slice()
        flipped[offset % 32] = (flipped[offset % 32] as number) ^ 1
        assert.equal(b.equals(data, flipped), false, `${b.name} flipped`)
        assert.equal(b.equals(data, d.subarray(0, 31)), false, `${b.name} short`)
        const out = new Uint8Array(offset + 40).fill(0xaa)
        b.hashInto(data, out, offset)
        assert.deepEqual(out.subarray(offset, offset + 32), d, `${b.name} into`)
        assert.equal(out[offset + 32], 0xaa, `${b.name} wrote past the digest`)
      }
      assert.equal(sha256Equals(data, sha256(data)), true, 'default backend')
      const out = new Uint8Array(32)
      sha256Into(data, out)
      assert.deepEqual(out, sha256(data), 'sha256Into')
    }), { numRuns: 200 })
  })
})
