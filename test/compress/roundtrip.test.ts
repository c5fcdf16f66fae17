import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  CompressionId,
  DEFAULT_GZIP_LEVEL,
  DEFAULT_ZSTD_LEVEL,
  createCompressorSet,
  createGzipFflate,
  createGzipZlib,
  createZstdNapi,
  createZstdWasm,
  defaultCompressors,
  getCompressor,
  gzipFflate,
  gzipZlib,
  listBackends,
  none,
  snappyJs,
  zstdNapi,
  zstdWasm
} from '../../src/compress/index.js'
import { CodecUnavailableError, InvalidConfigError, SizeLimitError, UnknownCodecError } from '../../src/errors.js'
import { candidates, formats, loaded } from './backends.js'
import { jsonLike, randomBytes } from './fixtures.js'

const words = ['block', 'peer', '0x00', 'hash', '"value":', '{', '}', ' ', 'aaaaaaaa', '\n']
/** Random bytes, or compressible text made of a few words (both matter: literals vs matches). */
const payload = fc.oneof(
  fc.uint8Array({ maxLength: 3000 }),
  fc.array(fc.constantFrom(...words), { maxLength: 600 }).map((w) => new TextEncoder().encode(w.join('')))
)

const fixed: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['one byte', Uint8Array.of(42)],
  ['64 KiB JSON', jsonLike(64 * 1024)],
  ['1 MiB JSON', jsonLike(1024 * 1024, 3)],
  ['300 KiB random (several snappy and zstd blocks)', randomBytes(300 * 1024)],
  ['1 MiB zeros', new Uint8Array(1024 * 1024)]
]

for (const c of candidates) {
  test(`${c.format}/${c.backend}: fast-check round trip, exact cap accepted, cap - 1 refused`, (t) => {
    if (c.compressor === undefined) return t.skip(c.skip)
    const z = c.compressor
    assert.equal(z.id, CompressionId[c.format as 'snappy'])
    assert.equal(z.name, c.format)
    assert.equal(z.backend, c.backend)
    assert.ok(Object.isFrozen(z))
    fc.assert(fc.property(payload, (data) => {
      const packed = z.compress(data)
      assert.deepEqual(z.decompress(packed, data.length), data)
      assert.deepEqual(z.decompress(packed, data.length + 100), data)
      if (data.length > 0) {
        assert.throws(() => z.decompress(packed, data.length - 1), (err: unknown) =>
          err instanceof SizeLimitError && err.details.quantity === 'decompressed' && err.details.limit === data.length - 1)
      }
    }), { numRuns: 150 })
  })

  test(`${c.format}/${c.backend}: fixed inputs up to 1 MiB`, (t) => {
    if (c.compressor === undefined) return t.skip(c.skip)
    for (const [label, data] of fixed) {
      const packed = c.compressor.compress(data)
      assert.deepEqual(c.compressor.decompress(packed, data.length), data, label)
    }
  })
}

for (const format of formats) {
  test(`${format}: every backend decodes every other backend's output`, (t) => {
    const backends = loaded(format)
    if (backends.length < 2) return t.skip(`only ${backends.map((b) => b.backend).join(', ')} installed`)
    const inputs = [...fixed.map(([, d]) => d), ...fc.sample(payload, { numRuns: 60, seed: 11 })]
    for (const a of backends) {
      for (const b of backends) {
        for (const data of inputs) {
          assert.deepEqual(b.decompress(a.compress(data), data.length), data, `${a.backend} -> ${b.backend}, ${data.length} B`)
        }
      }
    }
  })
}

test('none: returns the input itself and enforces the cap', () => {
  const data = Uint8Array.of(1, 2, 3)
  assert.equal(none.compress(data), data)
  assert.equal(none.decompress(data, 3), data)
  assert.throws(() => none.decompress(data, 2), SizeLimitError)
  assert.equal(none.id, 0)
})

test('decompress refuses a cap that is not a non-negative safe integer', () => {
  for (const z of [none, snappyJs, gzipFflate, gzipZlib, zstdWasm]) {
    for (const cap of [-1, 1.5, Number.NaN, 2 ** 53]) assert.throws(() => z.decompress(new Uint8Array(4), cap), InvalidConfigError, `${z.backend} ${cap}`)
  }
})

test('a cap of 0 accepts empty output only', () => {
  for (const z of [...loaded('snappy'), ...loaded('gzip'), ...loaded('zstd')]) {
    assert.deepEqual(z.decompress(z.compress(new Uint8Array(0)), 0), new Uint8Array(0), z.backend)
    assert.throws(() => z.decompress(z.compress(Uint8Array.of(1)), 0), SizeLimitError, z.backend)
  }
})

test('zstd: our compressors always declare Frame_Content_Size', () => {
  for (const z of loaded('zstd')) {
    for (const data of [new Uint8Array(0), jsonLike(5000), randomBytes(200_000)]) {
      const frame = z.compress(data)
      const fhd = frame[4] as number
      // FCS_Field_Size flag > 0, or Single_Segment_flag (then FCS is 1 byte).
      assert.ok((fhd >>> 6) !== 0 || (fhd & 0x20) !== 0, `${z.backend}: descriptor ${fhd.toString(16)}`)
    }
  }
})

test('levels: defaults are the documented ones and out-of-range levels are refused', () => {
  const data = jsonLike(20_000)
  assert.deepEqual(gzipZlib.compress(data), createGzipZlib({ level: DEFAULT_GZIP_LEVEL }).compress(data))
  assert.deepEqual(gzipFflate.compress(data), createGzipFflate({ level: DEFAULT_GZIP_LEVEL }).compress(data))
  assert.deepEqual(zstdWasm.compress(data), createZstdWasm({ level: DEFAULT_ZSTD_LEVEL }).compress(data))
  assert.notDeepEqual(gzipZlib.compress(data), createGzipZlib({ level: 1 }).compress(data), 'level reaches zlib')
  assert.notDeepEqual(zstdWasm.compress(data), createZstdWasm({ level: 9 }).compress(data), 'level reaches zstd')
  if (zstdNapi !== undefined) assert.deepEqual(zstdNapi.compress(data), createZstdNapi({ level: DEFAULT_ZSTD_LEVEL })?.compress(data))
  for (const level of [-1, 10, 1.5]) {
    assert.throws(() => createGzipZlib({ level }), InvalidConfigError)
    assert.throws(() => createGzipFflate({ level }), InvalidConfigError)
  }
  for (const level of [23, 0.5]) assert.throws(() => createZstdWasm({ level }), InvalidConfigError)
})

test('registry: lookup by name and wire id, fastest available first, typed errors', () => {
  assert.deepEqual(listBackends('zstd').map((b) => b.backend), ['zstd-napi', 'zstd-wasm'])
  assert.deepEqual(listBackends(1).map((b) => b.backend), ['snappy-napi', 'snappyjs'])
  assert.deepEqual(listBackends('gzip').map((b) => b.kind), ['node', 'portable'])
  assert.equal(listBackends().length, 7)
  for (const b of listBackends()) assert.equal(b.unavailable === undefined, b.compressor !== undefined, b.backend)
  for (const name of ['none', 'snappy', 'gzip', 'zstd'] as const) {
    const fastest = listBackends(name).find((b) => b.compressor !== undefined)?.compressor
    assert.equal(getCompressor(name), fastest)
    assert.equal(getCompressor(CompressionId[name]), fastest)
    assert.equal(defaultCompressors[name], fastest)
    assert.equal(defaultCompressors.get(CompressionId[name]), fastest)
  }
  assert.equal(getCompressor('gzip', 'fflate'), gzipFflate)
  assert.equal(getCompressor(2, 'node-zlib'), gzipZlib)
  for (const bad of ['lz4', 'ZSTD', 4, 99, -1, 1.5]) {
    assert.throws(() => getCompressor(bad), (e: unknown) => e instanceof UnknownCodecError && e.details.kind === 'compression' && e.details.id === bad)
    assert.throws(() => defaultCompressors.get(bad), UnknownCodecError)
  }
  assert.throws(() => getCompressor('zstd', 'zstd-js'), UnknownCodecError)
  for (const b of listBackends().filter((x) => x.compressor === undefined)) {
    assert.throws(() => getCompressor(b.name, b.backend), CodecUnavailableError)
  }
})

test('compressor sets: backend by name or instance, validated at creation', () => {
  const portable = createCompressorSet({ snappy: 'snappyjs', gzip: 'fflate', zstd: 'zstd-wasm' })
  assert.deepEqual([portable.snappy, portable.gzip, portable.zstd], [snappyJs, gzipFflate, zstdWasm])
  assert.equal(portable.get('none'), none)
  const fast = createGzipZlib({ level: 1 })
  assert.equal(createCompressorSet({ gzip: fast }).gzip, fast)
  assert.ok(Object.isFrozen(portable))
  assert.throws(() => createCompressorSet({ gzip: snappyJs }), InvalidConfigError)
  assert.throws(() => createCompressorSet({ zstd: 'nope' }), UnknownCodecError)
})

test('a cap larger than any buffer is accepted', () => {
  const data = jsonLike(3000)
  for (const z of [...loaded('snappy'), ...loaded('gzip'), ...loaded('zstd')]) {
    assert.deepEqual(z.decompress(z.compress(data), Number.MAX_SAFE_INTEGER), data, z.backend)
  }
})
