/**
 * What a negotiated stream hands to `codec.open()` (issue 9, defect 1): the
 * encoding fixed by the protocol id is enforced by the codec BEFORE anything
 * is decompressed (not checked on the decoded result), and a per-stream
 * `maxPayloadBytes` caps the declared uncompressed size. Real nodes.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import * as limits from '../../src/limits.js'
import type { Codec } from '../../src/codec/index.js'
import { createCompressorSet, getCompressor } from '../../src/compress/index.js'
import type { Compressor } from '../../src/compress/types.js'
import { InvalidConfigError } from '../../src/errors.js'
import { BlockType, type Block } from '../../src/serialize/index.js'
import { dialWireseal, handleWireseal, protocolId } from '../../src/libp2p/protocols.js'
import { createStreamBudget } from '../../src/libp2p/stream-budget.js'
import { wiresealStream, type WiresealStreamInit } from '../../src/libp2p/stream.js'
import { withResolvers } from '../../src/libp2p/polyfill.js'
import { FakeStream, startNodes, stopNodes, streamCodec, testBlock, withTimeout, type TestNode } from './fixtures.js'

describe('stream open options: negotiated encoding and payload cap', () => {
  let nodes: TestNode[] = []
  let a: TestNode
  let b: TestNode
  let sender: Codec
  let receiver: Codec
  /** gzip decompressions the receiver ran. */
  let inflated = 0
  let version = 0

  /** A listener on a fresh id; resolves with what its read loop saw. */
  async function listen (init: Partial<WiresealStreamInit>): Promise<{ id: string, seen: Promise<{ values: Block[], reasons: string[] }> }> {
    const id = protocolId({ message: 'block', serializer: 'protobuf', compression: 'none', version: `7.0.${version++}` })
    const done = withResolvers<{ values: Block[], reasons: string[] }>()
    const values: Block[] = []
    const reasons: string[] = []
    await handleWireseal(b, [id], async (ws) => {
      for await (const msg of ws.read<Block>({ signal: AbortSignal.timeout(5000) })) values.push(msg.value)
      done.resolve({ values, reasons })
    }, { codec: receiver, onReject: (r) => reasons.push(r.reason), ...init })
    return { id, seen: withTimeout(done.promise, `listener on ${id}`) }
  }

  before(async () => {
    nodes = await startNodes(2, { connect: 'line' })
    ;[a, b] = nodes as [TestNode, TestNode]
    const gzip = getCompressor('gzip')
    const spy: Compressor = {
      id: gzip.id,
      name: gzip.name,
      backend: `${gzip.backend}+spy`,
      compress: (input) => gzip.compress(input),
      decompress: (input, maxOutput) => {
        inflated++
        return gzip.decompress(input, maxOutput)
      }
    }
    sender = await streamCodec(80)
    receiver = await streamCodec(81, { compressors: createCompressorSet({ gzip: spy }) })
  })

  after(async () => {
    await stopNodes(nodes)
  })

  it('refuses a compression outside the negotiated id as unknown-codec without decompressing it', async () => {
    const { id, seen } = await listen({})
    const ws = await dialWireseal(a, b.peerId, [id], { codec: sender })
    const before = inflated
    await ws.write(BlockType, testBlock(1, 4096), { compression: 'gzip' })
    await ws.write(BlockType, testBlock(2, 4096))
    await ws.close()
    const { values, reasons } = await seen
    assert.deepEqual(reasons, ['unknown-codec'])
    assert.equal(inflated - before, 0, 'the gzip payload was never inflated')
    assert.deepEqual(values, [testBlock(2, 4096)])
  })

  it('caps the declared payload per stream with maxPayloadBytes (too-large), other messages pass', async () => {
    const { id, seen } = await listen({ maxPayloadBytes: 1024 })
    const ws = await dialWireseal(a, b.peerId, [id], { codec: sender })
    await ws.write(BlockType, testBlock(1, 4096))
    await ws.write(BlockType, testBlock(2, 100))
    await ws.close()
    const { values, reasons } = await seen
    assert.deepEqual(reasons, ['too-large'])
    assert.deepEqual(values, [testBlock(2, 100)])
  })

  it('refuses bad limit options with InvalidConfigError naming the option', () => {
    const stream = new FakeStream('x', protocolId({ message: 'block', serializer: 'protobuf', compression: 'none' })).asStream()
    const cases: Array<[Partial<WiresealStreamInit>, string]> = [
      [{ maxPayloadBytes: 0 }, 'maxPayloadBytes'],
      [{ maxPayloadBytes: 1.5 }, 'maxPayloadBytes'],
      [{ frameTimeoutMs: 0 }, 'frameTimeoutMs'],
      [{ minBytesPerSecond: Number.NaN }, 'minBytesPerSecond'],
      [{ idleTimeoutMs: -1 }, 'idleTimeoutMs']
    ]
    for (const [init, option] of cases) {
      assert.throws(() => wiresealStream(stream, { codec: receiver, ...init }), (err: unknown) => err instanceof InvalidConfigError && err.details.option === option, option)
    }
    assert.throws(() => createStreamBudget({ connectionBytes: 0 }), (err: unknown) => err instanceof InvalidConfigError && err.details.option === 'connectionBytes')
    assert.throws(() => createStreamBudget({ peerBytes: 2 ** 60 }), (err: unknown) => err instanceof InvalidConfigError && err.details.option === 'peerBytes')
  })

  it('documents the defaults it applies: every `@default DEFAULT_X (value)` of the stream options is the constant', () => {
    const units: Record<string, number> = { ms: 1, s: 1000, B: 1, KiB: 1024, MiB: 1024 * 1024, 'KiB/s': 1024 }
    const docs = ['../../src/libp2p/stream.ts', '../../src/libp2p/stream-budget.ts'].map((f) => readFileSync(new URL(f, import.meta.url), 'utf8')).join('\n')
    const found = [...docs.matchAll(/@default (DEFAULT_STREAM_\w+) \((\d+(?:\.\d+)?) ([A-Za-z/]+)\)/g)]
    assert.ok(found.length >= 5, `${found.length} documented defaults`)
    for (const [, name, value, unit] of found) {
      const actual = (limits as unknown as Record<string, number>)[name as string]
      assert.equal(actual, Number(value) * (units[unit as string] ?? Number.NaN), `${name} documented as ${value} ${unit}`)
    }
    // the README's worked figure: 10 s + 4 MiB at 50 KiB/s
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const secondsFor4MiB = Math.round((limits.DEFAULT_STREAM_FRAME_TIMEOUT_MS + 4 * 1024 * 1024 * 1000 / limits.DEFAULT_STREAM_MIN_BYTES_PER_SECOND) / 1000)
    assert.match(readme, new RegExp(`${secondsFor4MiB} s for 4 MiB`))
  })
})
