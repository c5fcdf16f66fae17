/**
 * Regression tests of issue 9, defect 1 ("decode amplification") and the
 * null/shape cases of defect 6 in the codec: a receiver refuses serializer /
 * compression / size combinations it did not negotiate BEFORE decompressing
 * (and before the signature), message types carry their own payload caps,
 * and bad bytes are rejections while bad options are InvalidConfigError.
 *
 * Nothing here depends on wall time: decompressor calls are counted by a spy,
 * and memory is measured in a child process (amplification-child.ts).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { JSON_MAX_DEPTH } from '../../src/serialize/json.js'
import { SCHEMA_MAX_DEPTH } from '../../src/serialize/decoding.js'
import type { ChunkedReceiver, OpenRejected, OpenResult } from '../../src/codec/index.js'
import { createCompressorSet, defaultCompressors } from '../../src/compress/index.js'
import { CompressionId } from '../../src/compress/types.js'
import { InvalidConfigError, SizeLimitError } from '../../src/errors.js'
import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES } from '../../src/limits.js'
import { createSerializerRegistry, createProtobufBlockSerializer, defineMessageType, createMsgpackSerializer } from '../../src/serialize/index.js'
import { MessageTypeId, SerializerId } from '../../src/serialize/types.js'
import { ATTACK_CHANNEL, bracketEnvelope } from './amplification-child.js'
import { BlockType, NOW, PeerInfoType, block, codec, flipBit, parse, peerInfo, reasonOf, seededKey, spyOn } from './helpers.js'

const CH = 'wireseal/test/amplification'
const alice = await seededKey(1)

/** A receiver whose every decompressor is a spy. */
function spiedReceiver (): { receiver: ReturnType<typeof codec>, calls: () => number } {
  const snappy = spyOn(defaultCompressors.snappy)
  const gzip = spyOn(defaultCompressors.gzip)
  const zstd = spyOn(defaultCompressors.zstd)
  const receiver = codec({ compressors: createCompressorSet({ snappy: snappy.compressor, gzip: gzip.compressor, zstd: zstd.compressor }) })
  return { receiver, calls: () => snappy.calls.length + gzip.calls.length + zstd.calls.length }
}

function rejected (r: OpenResult | ChunkedReceiver | OpenRejected | { ok: true }): OpenRejected {
  assert.equal(r.ok, false, 'accepted')
  return r as OpenRejected
}

/** Breaks the signature of an envelope (its last byte is the signature's, or the payload's: either way it must not verify). */
function badSignature (bytes: Uint8Array): Uint8Array {
  const env = parse(bytes)
  return flipBit(bytes, env.signature.byteOffset - bytes.byteOffset, 0)
}

describe('issue 9: the 514 B zstd JSON bracket envelope', async () => {
  const attack = await bracketEnvelope(DEFAULT_MAX_PAYLOAD_BYTES, NOW)

  it('is a few hundred bytes, signed with the attacker\'s own key, and declares 10 MiB', () => {
    assert.ok(attack.length < 600, `${attack.length} B`)
    const h = parse(attack).header
    assert.deepEqual([h.serializer, h.compression, h.uncompressedLength], [SerializerId.json, CompressionId.zstd, DEFAULT_MAX_PAYLOAD_BYTES])
  })

  it('on a protobuf-none channel: unknown-codec, the decompressor never called', () => {
    const { receiver, calls } = spiedReceiver()
    const options = { channel: ATTACK_CHANNEL, serializers: [SerializerId.protobuf], compressions: [CompressionId.none] }
    assert.equal(rejected(receiver.open(attack, options)).reason, 'unknown-codec')
    assert.equal(rejected(receiver.verify(attack, options)).reason, 'unknown-codec')
    // the serializer alone, or the compression alone, is enough
    assert.equal(reasonOf(receiver.open(attack, { channel: ATTACK_CHANNEL, serializers: [SerializerId.protobuf] })), 'unknown-codec')
    assert.equal(reasonOf(receiver.open(attack, { channel: ATTACK_CHANNEL, compressions: [CompressionId.none, CompressionId.snappy] })), 'unknown-codec')
    assert.equal(calls(), 0)
  })

  it('with a channel cap under 10 MiB: too-large, the decompressor never called', () => {
    const { receiver, calls } = spiedReceiver()
    assert.equal(reasonOf(receiver.open(attack, { channel: ATTACK_CHANNEL, maxPayloadBytes: 1 << 20 })), 'too-large')
    assert.equal(calls(), 0)
  })

  it('the codec checks come before the signature: a forged copy gets the same answer without a verification', () => {
    const { receiver, calls } = spiedReceiver()
    const forged = badSignature(attack)
    assert.equal(reasonOf(receiver.open(forged, { channel: ATTACK_CHANNEL })), 'invalid-signature')
    assert.equal(reasonOf(receiver.open(forged, { channel: ATTACK_CHANNEL, compressions: [CompressionId.none] })), 'unknown-codec')
    assert.equal(reasonOf(receiver.open(forged, { channel: ATTACK_CHANNEL, maxPayloadBytes: 1024 })), 'too-large')
    assert.equal(calls(), 0)
  })

  it('with every codec allowed: malformed, decompressed once under the signed cap, and the JSON scan refuses it at byte 0', () => {
    const { receiver, calls } = spiedReceiver()
    const r = rejected(receiver.open(attack, { channel: ATTACK_CHANNEL }))
    assert.equal(r.reason, 'malformed')
    assert.match(r.detail, /top level is not an object at byte 0/)
    assert.equal(calls(), 1)
  })

  it('peak memory of open() in a child process: under 48 MiB of growth (it was ~500-660 MiB)', async () => {
    const child = fileURLToPath(new URL('./amplification-child.ts', import.meta.url))
    const run = promisify(execFile)
    for (const args of [['default'], ['default', 'balanced'], ['negotiated']]) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', child, ...args], { timeout: 30_000 })
      const report = JSON.parse(stdout) as { reason: string, peakRssGrowthMiB: number }
      assert.equal(report.reason, args[0] === 'negotiated' ? 'unknown-codec' : 'malformed', args.join(' '))
      assert.ok(report.peakRssGrowthMiB < 48, `${args.join(' ')}: peak RSS grew ${report.peakRssGrowthMiB} MiB`)
    }
  })
})

describe('negotiated serializers / compressions / payload cap, for every envelope kind, before decompression', () => {
  const sender = codec({ privateKey: alice })
  const big = block(0, 64 * 1024)
  const envelopes = (): Record<string, { bytes: Uint8Array, open: (r: ReturnType<typeof codec>, o: Parameters<ReturnType<typeof codec>['open']>[1]) => OpenResult | ChunkedReceiver | OpenRejected }> => {
    const single = sender.seal(BlockType, big, { channel: CH, compression: 'snappy' })
    const batch = sender.sealBatch(BlockType, [big, block(1, 64 * 1024)], { channel: CH, compression: 'zstd' })
    const item = (codec().open(batch, { channel: CH }) as { itemEnvelope: (i: number) => Uint8Array }).itemEnvelope(1)
    const [head] = sender.sealChunked(BlockType, block(2, 200 * 1024), { channel: CH, compression: 'gzip' })
    return {
      single: { bytes: single, open: (r, o) => r.open(single, o) },
      batch: { bytes: batch, open: (r, o) => r.open(batch, o) },
      item: { bytes: item, open: (r, o) => r.open(item, o) },
      chunked: { bytes: head as Uint8Array, open: (r, o) => r.openChunked(head as Uint8Array, o) }
    }
  }
  const all = envelopes()

  for (const [kind, e] of Object.entries(all)) {
    it(`${kind}: accepted when allowed; unknown-codec / too-large otherwise, with no decompressor call and no replay state used`, () => {
      const { receiver, calls } = spiedReceiver()
      const h = parse(e.bytes).header
      const others = [SerializerId.msgpack, SerializerId.json]
      assert.equal(reasonOf(e.open(receiver, { channel: CH, serializers: others })), 'unknown-codec')
      assert.equal(reasonOf(e.open(receiver, { channel: CH, compressions: [CompressionId.none].filter((c) => c !== h.compression) })), 'unknown-codec')
      assert.equal(reasonOf(e.open(receiver, { channel: CH, maxPayloadBytes: 4096 })), 'too-large')
      assert.equal(reasonOf(receiver.verify(e.bytes, { channel: CH, maxPayloadBytes: 4096 })), 'too-large')
      assert.equal(calls(), 0)
      // nothing was committed: the same envelope is accepted with matching options
      const ok = e.open(receiver, { channel: CH, serializers: [h.serializer], compressions: [h.compression], maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES })
      assert.equal(ok.ok, true, reasonOf(ok as OpenResult))
    })
  }
})

describe('message types carry their own payload cap', () => {
  it('PeerInfo: 64 KiB by default; seal refuses more, open refuses a larger declared length before decompressing', async () => {
    assert.equal(PeerInfoType.maxPayloadBytes, DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES)
    assert.equal(BlockType.maxPayloadBytes, undefined)
    const sender = codec({ privateKey: alice })
    const huge = { ...peerInfo(0), metadata: { big: 'x'.repeat(DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES) } }
    assert.throws(() => sender.seal(PeerInfoType, huge, { channel: CH }), (err: unknown) => err instanceof SizeLimitError && err.details.quantity === 'payload' && err.details.limit === DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES)
    assert.throws(() => sender.sealBatch(PeerInfoType, [peerInfo(1), huge], { channel: CH }), SizeLimitError)
    // a batch of many small PeerInfos may exceed 64 KiB in total
    const many = Array.from({ length: 1200 }, (_, i) => peerInfo(i))
    const batch = sender.sealBatch(PeerInfoType, many, { channel: CH, compression: 'zstd' })
    assert.ok(parse(batch).header.uncompressedLength > DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES)
    assert.equal(reasonOf(codec().open(batch, { channel: CH })), 'ok')

    // the attacker signs a PeerInfo envelope declaring 10 MiB
    const { receiver, calls } = spiedReceiver()
    const attack = await bracketEnvelope(DEFAULT_MAX_PAYLOAD_BYTES, NOW, false, MessageTypeId.PeerInfo)
    assert.equal(reasonOf(receiver.open(attack, { channel: ATTACK_CHANNEL })), 'too-large')
    assert.equal(calls(), 0)
  })

  it('a user type: defineMessageType({ maxPayloadBytes }) bounds each message of a batch, checked on the declared total first', () => {
    const fields = { note: 'string' } as const
    const Capped = defineMessageType({ id: 1500, name: 'Note', fields, maxPayloadBytes: 100 })
    const Uncapped = defineMessageType({ id: 1500, name: 'Note', fields })
    const senderRegistry = createSerializerRegistry({ builtins: false }).register(createMsgpackSerializer(Uncapped))
    const receiverRegistry = createSerializerRegistry({ builtins: false }).register(createMsgpackSerializer(Capped))
    const sender = codec({ privateKey: alice, serializers: senderRegistry })
    const note = (n: number): { note: string } => ({ note: 'x'.repeat(n) })
    assert.throws(() => codec({ privateKey: alice, serializers: receiverRegistry }).seal(Capped, note(200), { channel: CH, serializer: 'msgpack' }), SizeLimitError)

    const zstd = spyOn(defaultCompressors.zstd)
    const receiver = codec({ serializers: receiverRegistry, compressors: createCompressorSet({ zstd: zstd.compressor }) })
    // declared total over count x (cap + prefix): refused before decompressing
    const fat = sender.sealBatch(Uncapped, [note(400), note(400)], { channel: CH, serializer: 'msgpack', compression: 'zstd' })
    assert.equal(reasonOf(receiver.open(fat, { channel: CH })), 'too-large')
    assert.equal(zstd.calls.length, 0)
    // the total fits, one item does not: refused after the split, before decoding
    const uneven = sender.sealBatch(Uncapped, [note(1), note(150)], { channel: CH, serializer: 'msgpack', compression: 'zstd' })
    assert.equal(reasonOf(receiver.open(uneven, { channel: CH })), 'too-large')
    const single = sender.seal(Uncapped, note(150), { channel: CH, serializer: 'msgpack' })
    assert.equal(reasonOf(receiver.open(single, { channel: CH })), 'too-large')
    assert.equal(reasonOf(receiver.open(sender.seal(Uncapped, note(50), { channel: CH, serializer: 'msgpack' }), { channel: CH })), 'ok')

    assert.throws(() => defineMessageType({ id: 1501, name: 'Bad', fields, maxPayloadBytes: 0 }), InvalidConfigError)
    const badType = { ...BlockType, maxPayloadBytes: -1 }
    assert.throws(() => createSerializerRegistry({ builtins: false }).register({ ...createProtobufBlockSerializer(), type: badType }), InvalidConfigError)
  })
})

describe('the documented caps are the real ones', () => {
  it('README: the PeerInfo row and the JSON / msgpack depths of the serializer table', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
    const cells = (name: string): string[] => {
      const line = readme.split('\n').find((l) => l.startsWith(`| ${name} |`))
      assert.ok(line !== undefined, `README has a "${name}" row`)
      return line.split('|').map((c) => c.trim())
    }
    assert.match(cells('PeerInfo payload')[2] as string, new RegExp(`^${DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES / 1024} KiB`))
    assert.equal(cells('JSON')[2], String(JSON_MAX_DEPTH))
    assert.equal(cells('msgpack')[2], String(SCHEMA_MAX_DEPTH))
  })
})

describe('defect 6 (codec): bad bytes are rejections, bad options InvalidConfigError', () => {
  const receiver = codec()
  const envelope = codec({ privateKey: alice }).seal(BlockType, block(0), { channel: CH })
  const notBytes: unknown[] = [null, undefined, 'envelope', 42, {}, [1, 2, 3], new ArrayBuffer(8)]

  it('open / verify / openChunked of null, undefined, strings, numbers, objects: malformed, never a throw', () => {
    for (const bad of notBytes) {
      const b = bad as Uint8Array
      assert.equal(reasonOf(receiver.open(b, { channel: CH })), 'malformed', String(bad))
      assert.equal(reasonOf(receiver.verify(b, { channel: CH })), 'malformed', String(bad))
      assert.equal(reasonOf(receiver.openChunked(b, { channel: CH })), 'malformed', String(bad))
    }
  })

  it('a chunked receiver\'s accept(null) is malformed', () => {
    const sender = codec({ privateKey: alice })
    const [head] = sender.sealChunked(BlockType, block(3, 100 * 1024), { channel: CH })
    const r = codec().openChunked(head as Uint8Array, { channel: CH })
    assert.equal(r.ok, true)
    for (const bad of notBytes) assert.deepEqual((r as ChunkedReceiver).accept(bad as Uint8Array), { ok: false, reason: 'malformed' })
  })

  const badOptions: Array<[string, unknown]> = [
    ['no options', undefined],
    ['null options', null],
    ['a string', CH],
    ['no channel', {}],
    ['channel: null', { channel: null }],
    ['types: null', { channel: CH, types: null }],
    ['types: a number', { channel: CH, types: 1 }],
    ['types with a string', { channel: CH, types: ['1'] }],
    ['serializers: null', { channel: CH, serializers: null }],
    ['compressions: a Set', { channel: CH, compressions: new Set([0]) }],
    ['maxPayloadBytes: 0', { channel: CH, maxPayloadBytes: 0 }],
    ['maxPayloadBytes: NaN', { channel: CH, maxPayloadBytes: Number.NaN }],
    ['now: a string', { channel: CH, now: 'now' }]
  ]
  for (const [name, options] of badOptions) {
    it(`${name}: InvalidConfigError from open, verify and openChunked, whatever the bytes`, () => {
      for (const bytes of [envelope, null]) {
        const o = options as { channel: string }
        const b = bytes as Uint8Array
        assert.throws(() => receiver.open(b, o), InvalidConfigError)
        assert.throws(() => receiver.verify(b, o), InvalidConfigError)
        assert.throws(() => receiver.openChunked(b, o), InvalidConfigError)
      }
    })
  }

  it('the same envelope is still accepted afterwards (nothing was committed)', () => {
    assert.equal(reasonOf(receiver.open(envelope, { channel: CH, types: [BlockType.id] })), 'ok')
  })
})
