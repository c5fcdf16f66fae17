import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  CompressionId,
  createCompressionPolicy,
  createCompressorSet,
  defaultCompressors,
  DEFAULT_BATCH_CODECS,
  DEFAULT_SINGLE_CODECS,
  type CompressionName
} from '../../src/compress/index.js'
import { InvalidConfigError } from '../../src/errors.js'
import { DEFAULT_COMPRESSION_MIN_BYTES, DEFAULT_COMPRESSION_MIN_SAVINGS } from '../../src/limits.js'
import { jsonLike, randomBytes } from './fixtures.js'

const policy = createCompressionPolicy()
const ids = (...names: CompressionName[]): ReadonlySet<number> => new Set(names.map((n) => CompressionId[n]))

test('defaults come from limits.ts', () => {
  assert.equal(policy.minBytes, DEFAULT_COMPRESSION_MIN_BYTES)
  assert.equal(policy.minSavings, DEFAULT_COMPRESSION_MIN_SAVINGS)
  assert.deepEqual(DEFAULT_SINGLE_CODECS, ['snappy', 'zstd', 'gzip'])
  assert.deepEqual(DEFAULT_BATCH_CODECS, ['zstd', 'gzip', 'snappy'])
})

test('rules: size threshold, single vs batch, what the peer accepts', () => {
  const rows: Array<[string, number, { batch?: boolean, peerAccepts?: ReadonlySet<number> }, CompressionName]> = [
    ['1023 B single', 1023, {}, 'none'],
    ['1023 B batch', 1023, { batch: true }, 'none'],
    ['1024 B single', 1024, {}, 'snappy'],
    ['1025 B single', 1025, {}, 'snappy'],
    ['1024 B batch', 1024, { batch: true }, 'zstd'],
    ['64 KiB batch', 65_536, { batch: true }, 'zstd'],
    ['batch, peer without zstd', 4096, { batch: true, peerAccepts: ids('none', 'snappy', 'gzip') }, 'gzip'],
    ['batch, peer with snappy only', 4096, { batch: true, peerAccepts: ids('snappy') }, 'snappy'],
    ['single, peer without snappy', 4096, { peerAccepts: ids('gzip', 'zstd') }, 'zstd'],
    ['single, peer with gzip only', 4096, { peerAccepts: ids('gzip') }, 'gzip'],
    ['peer accepts nothing', 4096, { batch: true, peerAccepts: ids() }, 'none'],
    ['peer lists unknown ids only', 4096, { peerAccepts: new Set([9, 200]) }, 'none']
  ]
  for (const [label, size, options, expected] of rows) {
    assert.equal(policy.choose(size, options).name, expected, `choose: ${label}`)
    const data = jsonLike(size, size)
    const { compressor, bytes } = policy.compress(data, options)
    assert.equal(compressor.name, expected, `compress: ${label}`)
    assert.equal(compressor, defaultCompressors.get(expected))
    if (expected === 'none') assert.equal(bytes, data, `${label}: the input itself`)
    else assert.deepEqual(compressor.decompress(bytes, data.length), data, label)
  }
})

test('incompressible data goes out raw, as the identical bytes', () => {
  for (const batch of [false, true]) {
    const data = randomBytes(8192)
    const choice = policy.compress(data, { batch })
    assert.equal(choice.compressor.id, CompressionId.none)
    assert.equal(choice.bytes, data)
  }
})

test('minSavings decides right at the measured saving', () => {
  // Half random, half repetitive: snappy saves a fraction s strictly between 0 and 1.
  const data = Uint8Array.from([...randomBytes(6000, 3), ...new Uint8Array(3000).fill(97)])
  const saved = 1 - defaultCompressors.snappy.compress(data).length / data.length
  assert.ok(saved > 0.05 && saved < 0.9, `saving ${saved}`)
  assert.equal(createCompressionPolicy({ minSavings: saved - 0.001 }).compress(data).compressor.name, 'snappy')
  assert.equal(createCompressionPolicy({ minSavings: saved + 0.001 }).compress(data).compressor.name, 'none')
})

test('configuration: codec lists, thresholds, forced codec, compressor set', () => {
  const data = jsonLike(4000)
  assert.equal(createCompressionPolicy({ single: ['gzip'] }).compress(data).compressor.name, 'gzip')
  assert.equal(createCompressionPolicy({ batch: ['snappy'] }).compress(data, { batch: true }).compressor.name, 'snappy')
  assert.equal(createCompressionPolicy({ single: ['none'] }).compress(data).compressor.name, 'none')
  assert.equal(createCompressionPolicy({ minBytes: 5000 }).compress(data).compressor.name, 'none')
  const small = new TextEncoder().encode('a'.repeat(200))
  assert.equal(createCompressionPolicy({ minBytes: 0 }).compress(small).compressor.name, 'snappy')
  // Forced: below minBytes too, but never expanding and never what the peer refuses.
  assert.equal(createCompressionPolicy({ force: 'gzip' }).compress(small).compressor.name, 'gzip')
  assert.equal(createCompressionPolicy({ force: 'zstd' }).compress(randomBytes(500)).compressor.name, 'none')
  assert.equal(createCompressionPolicy({ force: 'zstd' }).compress(small, { peerAccepts: ids('gzip') }).compressor.name, 'none')
  assert.equal(createCompressionPolicy({ force: 'none' }).compress(data).compressor.name, 'none')
  const portable = createCompressorSet({ snappy: 'snappyjs', gzip: 'fflate', zstd: 'zstd-wasm' })
  const p = createCompressionPolicy({ compressors: portable })
  assert.equal(p.compress(data).compressor.backend, 'snappyjs')
  assert.equal(p.compress(data, { batch: true }).compressor.backend, 'zstd-wasm')
  assert.equal(p.compress(data, { batch: true, peerAccepts: ids('gzip') }).compressor.backend, 'fflate')
  assert.ok(Object.isFrozen(p))
})

test('invalid options throw InvalidConfigError', () => {
  const bad = [
    { minBytes: -1 }, { minBytes: 1.5 }, { minSavings: 1 }, { minSavings: -0.1 }, { minSavings: Number.NaN },
    { single: [] }, { single: ['lz4'] }, { batch: ['zstd', 'brotli'] }, { force: 'lz4' }
  ]
  for (const init of bad) assert.throws(() => createCompressionPolicy(init as never), InvalidConfigError, JSON.stringify(init))
})

test('never longer than the input, and always decodable with the chosen codec (fast-check)', () => {
  const config = fc.record({
    minBytes: fc.integer({ min: 0, max: 3000 }),
    minSavings: fc.double({ min: 0, max: 0.9, noNaN: true }),
    force: fc.option(fc.constantFrom<CompressionName>('none', 'snappy', 'gzip', 'zstd'), { nil: undefined })
  })
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: 5000 }),
    fc.integer({ min: 0, max: 20_000 }).map((n) => jsonLike(n, n + 1)),
    fc.integer({ min: 1, max: 5000 }).map((n) => new Uint8Array(n).fill(n & 0xff))
  )
  const accepts = fc.option(fc.subarray([0, 1, 2, 3]).map((a) => new Set(a)), { nil: undefined })
  fc.assert(fc.property(config, payload, fc.boolean(), accepts, (init, data, batch, peerAccepts) => {
    const p = createCompressionPolicy(init)
    const { compressor, bytes } = p.compress(data, { batch, peerAccepts })
    assert.ok(bytes.length <= data.length, `${compressor.name}: ${bytes.length} > ${data.length}`)
    if (peerAccepts !== undefined) assert.ok(compressor.id === 0 || peerAccepts.has(compressor.id))
    if (compressor.id === CompressionId.none) assert.equal(bytes, data)
    else assert.deepEqual(compressor.decompress(bytes, data.length), data)
  }), { numRuns: 300 })
})
