/**
 * The committed stream framing vectors (test/vectors/stream-frames.json, see
 * README.md), fed to the real reader (wiresealStream over an in-memory
 * stream) whole, byte by byte and in random pieces: every must-accept stream
 * yields its frames and messages, every must-reject stream fails with its
 * rule, at the stated moment (as its last byte arrives, or at the end), after
 * the stated frames. The file is regenerated in memory and compared.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { createCodec } from '../../src/codec/index.js'
import { MalformedInputError, SizeLimitError } from '../../src/errors.js'
import { DEFAULT_LIMITS } from '../../src/limits.js'
import { wiresealStream, type StreamRejection } from '../../src/libp2p/stream.js'
import { createSerializerRegistry } from '../../src/serialize/index.js'
import { FakeStream } from '../libp2p/fixtures.js'
import { readVectors, valueFromFile } from '../../scripts/vectors.js'
import {
  STREAM_VECTORS_FORMAT, STREAM_VECTORS_VERSION, generateStreamVectors, readStreamVectors, serializeStreamVectors,
  type FrameRule, type StreamRejectVector
} from '../../scripts/vectors-stream.js'

const file = readStreamVectors()
const envelopes = readVectors()
const registry = createSerializerRegistry()
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const tick = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

/** The SPEC.md 14.2 rule a reader error stands for (the reader reports them as typed errors with details). */
function ruleOf (err: unknown): FrameRule | string {
  if (err instanceof SizeLimitError && err.details.quantity === 'frame' && err.details.limit === file.receiver.maxFrameBytes) return 'frame-too-large'
  if (err instanceof MalformedInputError && err.details.format === 'stream-frame') {
    const r = err.details.reason
    if (r === 'non-minimal length prefix') return 'frame-non-minimal'
    if (r.startsWith('truncated')) return 'frame-truncated'
    if (r.startsWith('stream ended after')) return 'chunked-truncated'
  }
  return `unexpected ${String(err)}`
}

interface Run {
  /** Frame bodies (frame layer) or value lists of accepted envelopes (message layer). */
  out: unknown[]
  rejected: StreamRejection[]
  error: unknown
  /** Stream bytes delivered before the piece after which the reader had aborted the stream, and after it (undefined: not before the end). */
  abortedAfter: [number, number] | undefined
}

/** Delivers `stream` in `pieces` (lengths), letting the reader consume between pieces, then ends it. */
async function run (stream: Uint8Array, cuts: number[], layer: 'frame' | 'message'): Promise<Run> {
  const fake = new FakeStream('v', file.channel)
  const codec = createCodec({ serializers: registry, replay: false, now: () => file.receiver.now })
  const rejected: StreamRejection[] = []
  const ws = wiresealStream(fake.asStream(), { codec, channel: file.channel, frameTimeoutMs: Infinity, onReject: (r) => { rejected.push(r) } })
  const out: unknown[] = []
  let error: unknown
  const consumer = (async () => {
    try {
      if (layer === 'frame') for await (const f of ws.frames()) out.push(hex(f))
      else for await (const m of ws.read()) out.push(m.messages.map((x) => x.value))
    } catch (err) {
      error = err
    }
  })()
  const bounds = [0, ...[...new Set(cuts.filter((c) => c > 0 && c < stream.length))].sort((a, b) => a - b), stream.length]
  let abortedAfter: [number, number] | undefined
  for (let i = 0; i + 1 < bounds.length && abortedAfter === undefined; i++) {
    fake.deliver(stream.subarray(bounds[i], bounds[i + 1]))
    // checked synchronously: the reader refuses as the bytes arrive, not when a read asks
    if (fake.abortedWith !== undefined) abortedAfter = [bounds[i]!, bounds[i + 1]!]
    await tick()
  }
  fake.endRemote()
  await consumer
  return { out, rejected, error, abortedAfter }
}

const byteByByte = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
const messages = (names: string[][]): unknown[] => names.map((m) => m.map((n) => valueFromFile(envelopes, n)))

function checkReject (v: StreamRejectVector, r: Run, exact: boolean): void {
  const e = v.expect
  if ('reason' in e) {
    assert.equal(r.error, undefined, `${v.name}: the stream goes on`)
    assert.deepEqual(r.rejected.map((x) => [x.reason, x.rule]), [[e.reason, e.rule]], v.name)
    assert.deepEqual(r.out, messages(e.messagesAfter), v.name)
    return
  }
  assert.equal(ruleOf(r.error), e.rule, `${v.name}: ${String(r.error)}`)
  if (e.at === 'end') assert.equal(r.abortedAfter, undefined, `${v.name}: refused before the end`)
  else {
    assert.ok(r.abortedAfter !== undefined, `${v.name}: not refused as its bytes arrived`)
    assert.ok(r.abortedAfter[0] < e.at && e.at <= r.abortedAfter[1], `${v.name}: refused in bytes ${r.abortedAfter.join('..')}, not once ${e.at} had arrived`)
  }
  if (e.layer === 'frame') {
    // a reader that is handed the stream in one piece may drop complete frames buffered with the bad bytes
    if (exact) assert.deepEqual(r.out, v.framesBefore, v.name)
    else assert.deepEqual(r.out, v.framesBefore.slice(0, r.out.length), v.name)
  }
}

describe('stream framing vectors', () => {
  it('the file has the documented shape and is what the generator writes', () => {
    assert.equal(file.format, STREAM_VECTORS_FORMAT)
    assert.equal(file.version, STREAM_VECTORS_VERSION)
    assert.equal(file.receiver.maxFrameBytes, DEFAULT_LIMITS.maxFrameBytes)
    assert.equal(file.channel, envelopes.channel)
    const names = [...file.accept, ...file.rejects].map((v) => v.name)
    assert.equal(new Set(names).size, names.length, 'names are unique')
    assert.equal(serializeStreamVectors(generateStreamVectors(envelopes)), serializeStreamVectors(file), 'regenerate with node --import tsx scripts/vectors-stream.ts')
    const rules = new Set(file.rejects.map((v) => v.expect.rule))
    for (const rule of ['frame-non-minimal', 'frame-too-large', 'frame-truncated', 'chunked-truncated', 'missing-field']) assert.ok(rules.has(rule), rule)
  })

  it('every must-accept stream yields its frames and messages, in one piece and byte by byte', async () => {
    for (const v of file.accept) {
      const stream = unhex(v.stream)
      for (const cuts of [[], byteByByte(stream.length)]) {
        const f = await run(stream, cuts, 'frame')
        assert.equal(f.error, undefined, `${v.name}: ${String(f.error)}`)
        assert.deepEqual(f.out, v.frames, v.name)
        if (v.messages === undefined) continue
        const m = await run(stream, cuts, 'message')
        assert.equal(m.error, undefined, `${v.name}: ${String(m.error)}`)
        assert.deepEqual(m.rejected, [], v.name)
        assert.deepEqual(m.out, messages(v.messages), v.name)
      }
    }
  })

  it('every must-reject stream fails with its rule, at its moment, after its frames (in one piece and byte by byte)', async () => {
    for (const v of file.rejects) {
      const stream = unhex(v.stream)
      checkReject(v, await run(stream, [], v.expect.layer), v.framesBefore.length === 0)
      checkReject(v, await run(stream, byteByByte(stream.length), v.expect.layer), true)
    }
  })

  it('framing does not depend on how the bytes are split (fast-check)', async () => {
    const all = [...file.accept.map((v) => ({ v, reject: false })), ...file.rejects.map((v) => ({ v, reject: true }))]
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...all),
      fc.array(fc.nat({ max: 2048 }), { maxLength: 12 }),
      async ({ v, reject }, cuts) => {
        const stream = unhex(v.stream)
        const scaled = cuts.map((c) => c % (stream.length + 1))
        if (reject) {
          const rv = v as StreamRejectVector
          checkReject(rv, await run(stream, scaled, rv.expect.layer), rv.framesBefore.length === 0)
        } else {
          const f = await run(stream, scaled, 'frame')
          assert.equal(f.error, undefined, `${v.name}: ${String(f.error)}`)
          assert.deepEqual(f.out, (v as { frames: string[] }).frames)
        }
      }
    ), { numRuns: 150 })
  })

  it('every vector names a SPEC.md section that states its rule', () => {
    const spec = readFileSync(new URL('../../SPEC.md', import.meta.url), 'utf8')
    const sections = new Map<string, string>()
    let current: string | undefined
    for (const line of spec.split('\n')) {
      const m = /^#{2,4} (\d+(?:\.\d+)*)\.? /.exec(line)
      if (m !== null) { current = m[1]!; sections.set(current, '') }
      if (current !== undefined) for (const [id] of sections) if (current === id || current.startsWith(id + '.')) sections.set(id, sections.get(id)! + line + '\n')
    }
    for (const v of [...file.accept, ...file.rejects]) assert.ok(sections.has(v.section), `${v.name}: SPEC.md has no section ${v.section}`)
    for (const v of file.rejects) assert.ok(sections.get(v.section)!.includes('`' + v.expect.rule + '`'), `${v.name}: section ${v.section} does not name ${v.expect.rule}`)
  })
})
