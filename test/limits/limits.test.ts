import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  createLimits, DEFAULT_LIMITS, maxCompressedLength, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_BATCH_ITEMS, DEFAULT_REPLAY_WINDOW,
  DEFAULT_MAX_TRACKED_SENDERS, DEFAULT_MAX_MESSAGE_AGE_MS, DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_ENVELOPE_OVERHEAD_BYTES, DEFAULT_MAX_CHANNEL_BYTES,
  DEFAULT_COMPRESSION_MIN_BYTES, DEFAULT_MAX_MULTIADDRS, DEFAULT_MAX_METADATA_ENTRIES
} from '../../src/limits.js'
import { InvalidConfigError, InvalidValueError, SizeLimitError } from '../../src/errors.js'
import { createSerializerRegistry, definePeerInfoType, PeerInfoType, type PeerInfo, type PeerInfoMessageType, type Serializer } from '../../src/serialize/index.js'
import { createReplayGuard } from '../../src/replay/index.js'
import { createCompressionPolicy } from '../../src/compress/index.js'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createCodec } from '../../src/codec/index.js'

describe('one budget', () => {
  it('derives every size from the payload limit', () => {
    const l = createLimits({ maxPayloadBytes: 1000 })
    assert.equal(l.maxCompressedBytes, 32 + 1000 + 166)
    assert.equal(l.maxFrameBytes, l.maxCompressedBytes + l.envelopeOverheadBytes + l.maxChannelBytes)
    assert.ok(Object.isFrozen(l), 'frozen')
    assert.equal(maxCompressedLength(6), 39)
    assert.equal(maxCompressedLength(5), 37)
  })

  it('proof depth covers both the largest batch and the chunks of the largest payload', () => {
    assert.equal(createLimits({ maxBatchItems: 4096 }).maxProofDepth, 12)
    assert.equal(createLimits({ maxBatchItems: 4097 }).maxProofDepth, 13)
    assert.equal(createLimits({ maxBatchItems: 2, maxPayloadBytes: 100 * 65_536, chunkBytes: 65_536 }).maxProofDepth, 7)
  })

  it('refuses nonsense with InvalidConfigError naming the option', () => {
    for (const [option, value] of [
      ['maxPayloadBytes', 0], ['maxPayloadBytes', 2 ** 31], ['maxBatchItems', 1.5], ['chunkBytes', -1], ['maxChannelBytes', Number.NaN],
      ['maxPeerInfoMultiaddrs', -1], ['maxPeerInfoMultiaddrs', 65_536], ['maxPeerInfoMetadataEntries', 0.5]
    ] as const) {
      assert.throws(() => createLimits({ [option]: value }), (err: unknown) => err instanceof InvalidConfigError && err.details.option === option)
    }
  })

  it('the documented defaults are the real ones (README table, module defaults)', () => {
    assert.equal(DEFAULT_LIMITS.maxPayloadBytes, DEFAULT_MAX_PAYLOAD_BYTES)
    assert.equal(DEFAULT_LIMITS.maxBatchItems, DEFAULT_MAX_BATCH_ITEMS)
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
    const row = (name: string): string => {
      const line = readme.split('\n').find((l) => l.startsWith(`| ${name} |`))
      assert.ok(line !== undefined, `README limits table has a "${name}" row`)
      return line.split('|')[2]?.trim() ?? ''
    }
    assert.equal(row('max payload'), `${DEFAULT_MAX_PAYLOAD_BYTES / 1024 / 1024} MiB`)
    assert.equal(row('max batch items'), DEFAULT_MAX_BATCH_ITEMS.toLocaleString('en-US'))
    assert.equal(row('replay window'), `${DEFAULT_REPLAY_WINDOW.toLocaleString('en-US')} per (sender, channel)`)
    assert.match(row('tracked senders'), new RegExp(`^${DEFAULT_MAX_TRACKED_SENDERS.toLocaleString('en-US')} `))
    assert.equal(row('max message age / clock skew'), `${DEFAULT_MAX_MESSAGE_AGE_MS / 60_000} min / ${DEFAULT_MAX_CLOCK_SKEW_MS / 1000} s`)
    assert.equal(row('max frame'), `compressed + ${DEFAULT_ENVELOPE_OVERHEAD_BYTES / 1024} KiB envelope + ${DEFAULT_MAX_CHANNEL_BYTES} B channel`)
    assert.equal(row('PeerInfo counts'), `${DEFAULT_MAX_MULTIADDRS} multiaddrs, ${DEFAULT_MAX_METADATA_ENTRIES} metadata entries`)
    assert.equal(DEFAULT_LIMITS.maxPeerInfoMultiaddrs, DEFAULT_MAX_MULTIADDRS)
    assert.equal(DEFAULT_LIMITS.maxPeerInfoMetadataEntries, DEFAULT_MAX_METADATA_ENTRIES)
    // and the modules apply them
    assert.equal(createReplayGuard().windowSize, DEFAULT_REPLAY_WINDOW)
    assert.equal(createCompressionPolicy().minBytes, DEFAULT_COMPRESSION_MIN_BYTES)
    assert.match(readme, /Nothing under 1 KB is compressed/)
    assert.equal(DEFAULT_COMPRESSION_MIN_BYTES, 1024)
  })
})

describe('PeerInfo counts come from the budget', () => {
  const limits = createLimits({ maxPeerInfoMultiaddrs: 2, maxPeerInfoMetadataEntries: 1 })
  const registry = createSerializerRegistry({ limits })
  const defaults = createSerializerRegistry()
  const peer = (addrs: number, entries: number): PeerInfo => ({
    peerId: Uint8Array.of(1),
    multiaddrs: Array.from({ length: addrs }, (_, i) => Uint8Array.of(i)),
    metadata: Object.fromEntries(Array.from({ length: entries }, (_, i) => [`k${i}`, 'v']))
  })
  const formats = defaults.list().filter((s) => s.type.id === PeerInfoType.id).map((s) => s.name)

  it('every built-in PeerInfo serializer of a registry applies its limits, on encode and decode', () => {
    assert.equal(formats.length, 6)
    for (const name of formats) {
      const small = registry.get(PeerInfoType.id, name) as Serializer<PeerInfo>
      const big = defaults.get(PeerInfoType.id, name) as Serializer<PeerInfo>
      assert.deepEqual(small.decode(small.encode(peer(2, 1))), peer(2, 1), name)
      assert.throws(() => small.encode(peer(3, 0)), InvalidValueError, `${name}: encode 3 multiaddrs`)
      assert.throws(() => small.encode(peer(0, 2)), InvalidValueError, `${name}: encode 2 entries`)
      for (const [bytes, limit] of [[big.encode(peer(3, 0)), 2], [big.encode(peer(0, 2)), 1]] as const) {
        assert.throws(() => small.decode(bytes), (err: unknown) => err instanceof SizeLimitError && err.details.limit === limit, `${name}: decode over ${limit}`)
        assert.doesNotThrow(() => big.decode(bytes), name)
      }
    }
  })

  it('createCodec({ limits }) with no registry of its own applies the counts end to end', async () => {
    const privateKey = await generateKeyPair('Ed25519')
    const small = createCodec({ privateKey, limits, replay: false })
    const big = createCodec({ privateKey, replay: false })
    assert.throws(() => small.seal(PeerInfoType, peer(3, 0), { channel: 'c', serializer: 'protobuf' }), InvalidValueError)
    const sealed = big.seal(PeerInfoType, peer(3, 0), { channel: 'c', serializer: 'protobuf' })
    const opened = small.open(sealed, { channel: 'c', types: [PeerInfoType] })
    assert.equal(opened.ok, false)
    assert.equal(opened.ok ? undefined : opened.reason, 'too-large')
    assert.equal(big.open(sealed, { channel: 'c', types: [PeerInfoType] }).ok, true)
  })

  it('the default budget keeps the shared built-ins; the type carries its counts', () => {
    assert.equal(createSerializerRegistry({ limits: createLimits() }).get(PeerInfoType.id, 'protobuf'), defaults.get(PeerInfoType.id, 'protobuf'))
    const type = registry.getType(PeerInfoType.id) as PeerInfoMessageType
    assert.notEqual(type, PeerInfoType)
    assert.deepEqual(type.limits, { maxPeerInfoMultiaddrs: 2, maxPeerInfoMetadataEntries: 1 })
    assert.deepEqual(PeerInfoType.limits, { maxPeerInfoMultiaddrs: DEFAULT_MAX_MULTIADDRS, maxPeerInfoMetadataEntries: DEFAULT_MAX_METADATA_ENTRIES })
    assert.deepEqual(definePeerInfoType(limits).limits, type.limits)
  })
})
