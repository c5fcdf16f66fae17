import { test } from 'node:test'
import assert from 'node:assert/strict'
import { crc32 as zlibCrc32, deflateRawSync, gunzipSync, gzipSync, inflateRawSync } from 'node:zlib'
import fc from 'fast-check'
import { DEFAULT_MAX_FRAMES, createGzipFflate, createGzipZlib, createZstdWasm, listBackends, scanZstdFrames, zstdWasm, type Compressor } from '../../src/compress/index.js'
import { decodeGzipMembers, type RawInflate } from '../../src/compress/gzip-format.js'
import { crc32 } from '../../src/compress/crc32.js'
import { inflateRaw } from '../../src/compress/inflate.js'
import { InvalidConfigError, MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { loaded } from './backends.js'
import { concatBytes, EMPTY_ZSTD_FRAME, jsonLike, PATTERN, repeatBytes, zstdPattern, zstdRaw, zstdSkippable } from './fixtures.js'

// Issue 9: header fields, member and frame sequences, wrong-typed arguments. Every property bounds its runs.
fc.configureGlobal({ interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true })

const MiB = 1024 * 1024
const every = listBackends().filter((b) => b.compressor !== undefined).map((b) => b.compressor as Compressor)

type Outcome = { ok: Uint8Array } | { error: string }

function outcome (z: Compressor, input: Uint8Array, cap: number): Outcome {
  try {
    const out = z.decompress(input, cap)
    assert.ok(out.length <= cap, `${z.backend}: ${out.length} bytes over a cap of ${cap}`)
    return { ok: out }
  } catch (err) {
    if (err instanceof SizeLimitError) return { error: `SizeLimitError/${err.details.quantity}` }
    if (err instanceof MalformedInputError) return { error: 'MalformedInputError' }
    throw err
  }
}

/** node:zlib's own gunzip (it skips trailing zero padding and garbage after a member, which we refuse). */
function zlibGunzip (input: Uint8Array): Uint8Array | undefined {
  try {
    return new Uint8Array(gunzipSync(input))
  } catch {
    return undefined
  }
}

/** An inflater that counts its calls and checks it is only ever handed the start of DEFLATE data. */
function spy (starts: number[]): RawInflate {
  return (input, start, max, hint) => {
    starts.push(start)
    return inflateRaw(input, start, max, hint)
  }
}

interface MemberSpec {
  data: Uint8Array
  extra?: Uint8Array
  name?: Uint8Array
  comment?: Uint8Array
  hcrc: boolean
  level: number
}

/** A gzip member built from RFC 1952 2.3 by hand: header fields, node:zlib's raw DEFLATE, CRC-32 and ISIZE. */
function member (m: MemberSpec): Uint8Array {
  const flg = (m.hcrc ? 2 : 0) | (m.extra !== undefined ? 4 : 0) | (m.name !== undefined ? 8 : 0) | (m.comment !== undefined ? 16 : 0)
  const parts: Uint8Array[] = [Uint8Array.of(0x1f, 0x8b, 8, flg, 0, 0, 0, 0, 0, 3)]
  if (m.extra !== undefined) parts.push(Uint8Array.of(m.extra.length & 0xff, m.extra.length >>> 8), m.extra)
  if (m.name !== undefined) parts.push(m.name, Uint8Array.of(0))
  if (m.comment !== undefined) parts.push(m.comment, Uint8Array.of(0))
  if (m.hcrc) {
    const c = zlibCrc32(concatBytes(...parts)) & 0xffff
    parts.push(Uint8Array.of(c & 0xff, c >>> 8))
  }
  const trailer = new Uint8Array(8)
  new DataView(trailer.buffer).setUint32(0, zlibCrc32(m.data), true)
  new DataView(trailer.buffer).setUint32(4, m.data.length, true)
  return concatBytes(...parts, deflateRawSync(m.data, { level: m.level }), trailer)
}

const noNul = fc.uint8Array({ maxLength: 40 }).map((b) => b.map((x) => x === 0 ? 1 : x))
const memberSpec: fc.Arbitrary<MemberSpec> = fc.record({
  data: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 3000 }).map((n) => jsonLike(n, n))),
  extra: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
  name: fc.option(noNul, { nil: undefined }),
  comment: fc.option(noNul, { nil: undefined }),
  hcrc: fc.boolean(),
  level: fc.integer({ min: 0, max: 9 })
})

/** What is done to a valid sequence: nothing, trailing bytes, truncation, a flipped bit, a reserved flag. */
const mutation = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('tail' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('reserved' as const), bit: fc.integer({ min: 5, max: 7 }) })
)

test('gzip: random member sequences with header fields, trailing data and damage: every backend agrees with node:zlib or refuses, the inflater called once per member', () => {
  fc.assert(fc.property(fc.array(memberSpec, { minLength: 1, maxLength: 6 }), mutation, (specs, mut) => {
    let input = concatBytes(...specs.map(member))
    if (mut.kind === 'tail') input = concatBytes(input, mut.bytes)
    if (mut.kind === 'cut') input = input.subarray(0, mut.at % input.length)
    if (mut.kind === 'flip') {
      input = input.slice()
      const i = mut.at % input.length
      input[i] = (input[i] as number) ^ (1 << mut.bit)
    }
    if (mut.kind === 'reserved') {
      input = input.slice()
      input[3] = (input[3] as number) | (1 << mut.bit)
    }
    const expected = concatBytes(...specs.map((s) => s.data))
    const cap = expected.length
    const results = loaded('gzip').map((z) => [z.backend, outcome(z, input, cap)] as const)
    const [, first] = results[0] as readonly [string, Outcome]
    for (const [backend, o] of results) {
      const against = `${backend} differs from ${(results[0] as readonly [string, Outcome])[0]}`
      // Damaged DEFLATE data may be refused for overrunning the cap by one decoder and as corrupt by another,
      // depending on which it reaches first: both refuse. Anything accepted must be the same bytes.
      if ((mut.kind === 'flip' || mut.kind === 'cut') && 'error' in o && 'error' in first) continue
      assert.deepEqual(o, first, against)
    }
    if (mut.kind === 'none') assert.deepEqual(first, { ok: expected })
    // (A cut may fall between two members and leave a valid shorter sequence.)
    if (mut.kind === 'tail' || mut.kind === 'reserved') assert.ok('error' in first, `${mut.kind} accepted`)
    // Never more lenient than zlib: what we accept, zlib's own gunzip decodes to the same bytes.
    if ('ok' in first) assert.deepEqual(first.ok, zlibGunzip(input))
    const starts: number[] = []
    try {
      decodeGzipMembers(input, cap, DEFAULT_MAX_FRAMES, spy(starts), crc32)
    } catch {
      // Refused, as the backends refused it above.
    }
    assert.ok(starts.length <= specs.length, `${starts.length} inflate calls for ${specs.length} members`)
  }), { numRuns: 300 })
})

test('gzip: header fields are parsed once by the shared walker; the backend gets only the DEFLATE data', () => {
  const data = jsonLike(2000)
  for (const fields of [{ name: new Uint8Array(MiB).fill(0x61) }, { extra: new Uint8Array(65_535).fill(1), comment: new Uint8Array(MiB).fill(0x62) }, { name: Uint8Array.of(0x61), hcrc: true }]) {
    const m = member({ data, hcrc: false, level: 6, ...fields })
    const starts: number[] = []
    assert.deepEqual(decodeGzipMembers(m, data.length, DEFAULT_MAX_FRAMES, spy(starts), crc32), data)
    const headerBytes = m.length - deflateRawSync(data, { level: 6 }).length - 8
    assert.deepEqual(starts, [headerBytes])
    for (const z of loaded('gzip')) assert.deepEqual(z.decompress(m, data.length), data, z.backend)
  }
  // An FEXTRA length past the end, an unterminated FNAME: truncated header.
  const unterminated = concatBytes(Uint8Array.of(0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3), new Uint8Array(MiB).fill(0x61))
  const longExtra = Uint8Array.of(0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 1, 2, 3)
  for (const bad of [unterminated, longExtra]) {
    const starts: number[] = []
    assert.throws(() => decodeGzipMembers(bad, MiB, DEFAULT_MAX_FRAMES, spy(starts), crc32), MalformedInputError)
    assert.deepEqual(starts, [], 'refused before calling the backend')
    for (const z of loaded('gzip')) assert.throws(() => z.decompress(bad, MiB), MalformedInputError, z.backend)
  }
})

test(`gzip: at most DEFAULT_MAX_FRAMES (${DEFAULT_MAX_FRAMES}) members; member ${DEFAULT_MAX_FRAMES + 1} is refused before the backend decodes it`, () => {
  const one = gzipSync(Uint8Array.of(1, 2, 3))
  const ok = repeatBytes(one, DEFAULT_MAX_FRAMES)
  const tooMany = repeatBytes(one, DEFAULT_MAX_FRAMES + 1)
  for (const z of loaded('gzip')) {
    assert.equal(z.decompress(ok, MiB).length, 3 * DEFAULT_MAX_FRAMES, z.backend)
    assert.throws(() => z.decompress(tooMany, MiB), (e: unknown) => e instanceof SizeLimitError &&
      e.details.quantity === 'compressed-frames' && e.details.limit === DEFAULT_MAX_FRAMES && e.details.actual === DEFAULT_MAX_FRAMES + 1, z.backend)
  }
  const starts: number[] = []
  assert.throws(() => decodeGzipMembers(repeatBytes(one, 100_000), MiB, DEFAULT_MAX_FRAMES, spy(starts), crc32), SizeLimitError)
  assert.equal(starts.length, DEFAULT_MAX_FRAMES)
  // The bound is an option of every gzip and zstd factory.
  assert.equal(createGzipZlib({ maxFrames: 2 }).decompress(repeatBytes(one, 2), 6).length, 6)
  assert.throws(() => createGzipFflate({ maxFrames: 2 }).decompress(repeatBytes(one, 3), 9), SizeLimitError)
  assert.throws(() => createZstdWasm({ maxFrames: 1 }).decompress(repeatBytes(EMPTY_ZSTD_FRAME, 2), 0), SizeLimitError)
  for (const maxFrames of [0, -1, 1.5, Number.NaN]) assert.throws(() => createGzipZlib({ maxFrames }), InvalidConfigError)
})

test('inflate: random and damaged DEFLATE streams are decoded exactly as zlib decodes them, ending where zlib stops', () => {
  const stream = fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc.tuple(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 4 }), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 8 }))
      .map(([n, level, strategy, at, mask, tail]) => {
        const packed = concatBytes(deflateRawSync(jsonLike(n, n + 1), { level, strategy }), tail)
        packed[at % packed.length] = (packed[at % packed.length] as number) ^ mask
        return packed
      })
  )
  fc.assert(fc.property(stream, (input) => {
    let expected: { output: Uint8Array, end: number } | undefined
    try {
      const r = inflateRawSync(input, { info: true }) as unknown as { buffer: Buffer, engine: { bytesWritten: number } }
      expected = { output: new Uint8Array(r.buffer), end: r.engine.bytesWritten }
    } catch {
      expected = undefined
    }
    let actual: { output: Uint8Array, end: number } | undefined
    try {
      const r = inflateRaw(input, 0, 64 * MiB)
      actual = { output: r.output.slice(), end: r.end }
    } catch (err) {
      assert.ok(err instanceof MalformedInputError, String(err))
    }
    assert.deepEqual(actual, expected)
  }), { numRuns: 3000 })
})

/** One zstd frame of a random kind, with the bytes it decodes to. */
const zstdFrame = fc.oneof(
  fc.uint8Array({ maxLength: 500 }).map((d) => ({ bytes: zstdWasm.compress(d), data: d, skippable: false })),
  fc.integer({ min: 256, max: 2000 }).map((n) => ({ bytes: zstdRaw(n), data: new Uint8Array(n).fill(7), skippable: false })),
  fc.constant({ bytes: EMPTY_ZSTD_FRAME, data: new Uint8Array(0), skippable: false }),
  fc.constant({ bytes: zstdPattern(0, false), data: PATTERN, skippable: false }),
  fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 15 })).map(([n, v]) => ({ bytes: zstdSkippable(n, v), data: new Uint8Array(0), skippable: true }))
)

test('zstd: random frame sequences (skippable, empty, raw, without content size, too many): both backends agree, skippable frames are found', () => {
  fc.assert(fc.property(fc.array(zstdFrame, { minLength: 1, maxLength: 80 }), fc.uint8Array({ maxLength: 3 }), (frames, tail) => {
    const input = concatBytes(...frames.map((f) => f.bytes), tail)
    const expected = concatBytes(...frames.map((f) => f.data))
    const results = loaded('zstd').map((z) => [z.backend, outcome(z, input, expected.length)] as const)
    for (const [backend, o] of results) {
      if (frames.length > DEFAULT_MAX_FRAMES) assert.deepEqual(o, { error: 'SizeLimitError/compressed-frames' }, backend)
      else if (tail.length > 0) assert.ok('error' in o, `${backend} accepted trailing bytes`)
      else assert.deepEqual(o, { ok: expected }, backend)
    }
    if (frames.length <= DEFAULT_MAX_FRAMES && tail.length === 0) {
      const skips: number[] = []
      let at = 0
      for (const f of frames) {
        if (f.skippable) skips.push(at, at + f.bytes.length)
        at += f.bytes.length
      }
      assert.deepEqual(scanZstdFrames(input, expected.length).skippable, skips)
    }
  }), { numRuns: 150 })
})

test('zstd: a window a streaming decoder refuses is refused by both backends, with or without a content size', () => {
  // 1.5 MiB of RLE blocks declaring their content size, with a 1 GiB window: one-shot decoding ignores the
  // window; next to a frame without content size it is streamed, and libzstd's streaming decoder refuses the
  // window (before: zstd-napi MalformedInputError, zstd-wasm decoded it).
  const B = 128 * 1024
  const fcs = 12 * B
  const parts = [0x28, 0xb5, 0x2f, 0xfd, 0x80, 20 << 3, fcs & 0xff, (fcs >>> 8) & 0xff, (fcs >>> 16) & 0xff, fcs >>> 24]
  for (let i = 0; i < 12; i++) {
    const v = (i === 11 ? 1 : 0) | (1 << 1) | (B << 3)
    parts.push(v & 0xff, (v >>> 8) & 0xff, v >>> 16, 0)
  }
  const bigWindow = Uint8Array.from(parts)
  const mixed = concatBytes(bigWindow, zstdPattern(0, false))
  for (const z of loaded('zstd')) {
    assert.deepEqual(z.decompress(bigWindow, fcs), new Uint8Array(fcs), z.backend)
    assert.deepEqual(outcome(z, mixed, 2 * MiB), { error: 'SizeLimitError/decompressed' }, z.backend)
  }
})

test('zstd: a content size its blocks cannot hold is refused by the scan, before anything is allocated', () => {
  // Frame_Content_Size 4 bytes = 1 MiB, one raw block of 10 bytes.
  const lie = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0x10, 0, 1 | (10 << 3), 0, 0, ...new Uint8Array(10)])
  // Frame_Content_Size 1 byte = 5, one raw block of 10 bytes.
  const short = Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 5, 1 | (10 << 3), 0, 0, ...new Uint8Array(10)])
  for (const bad of [lie, short]) {
    assert.throws(() => scanZstdFrames(bad, 2 * MiB), MalformedInputError)
    for (const z of loaded('zstd')) assert.throws(() => z.decompress(bad, 2 * MiB), MalformedInputError, z.backend)
  }
})

const notBytes = fc.anything().filter((v) => !(v instanceof Uint8Array))

test('every backend refuses a non-Uint8Array input (compress and decompress) with MalformedInputError and a bad cap with InvalidConfigError', () => {
  for (const z of every) {
    for (const bad of [null, undefined, 'abc', [1, 2, 3], { length: 3 }, 42, new ArrayBuffer(4), new DataView(new ArrayBuffer(4)), new Uint16Array(2)]) {
      const typed = (e: unknown): boolean => e instanceof MalformedInputError && e.details.format === z.name
      assert.throws(() => z.decompress(bad as Uint8Array, 100), typed, `${z.backend} decompress ${String(bad)}`)
      assert.throws(() => z.compress(bad as Uint8Array), typed, `${z.backend} compress ${String(bad)}`)
    }
    const packed = z.compress(Uint8Array.of(1, 2, 3))
    for (const cap of [null, undefined, '5', -1, 1.5, Number.NaN, Infinity, 5n]) {
      assert.throws(() => z.decompress(packed, cap as number), InvalidConfigError, `${z.backend} cap ${String(cap)}`)
    }
    // A Buffer is a Uint8Array and stays accepted.
    assert.deepEqual(z.decompress(Buffer.from(packed), 3), Uint8Array.of(1, 2, 3), z.backend)
  }
  fc.assert(fc.property(notBytes, fc.anything(), (input, cap) => {
    for (const z of every) {
      assert.throws(() => z.decompress(input as Uint8Array, 100), MalformedInputError, z.backend)
      assert.throws(() => z.compress(input as Uint8Array), MalformedInputError, z.backend)
      if (!(typeof cap === 'number' && Number.isSafeInteger(cap) && cap >= 0)) {
        assert.throws(() => z.decompress(Uint8Array.of(0), cap as number), InvalidConfigError, z.backend)
      }
    }
  }), { numRuns: 200 })
})
