import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  createLimits, DEFAULT_LIMITS, maxCompressedLength, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_BATCH_ITEMS, DEFAULT_REPLAY_WINDOW,
  DEFAULT_MAX_TRACKED_SENDERS, DEFAULT_MAX_MESSAGE_AGE_MS, DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_ENVELOPE_OVERHEAD_BYTES, DEFAULT_MAX_CHANNEL_BYTES,
  DEFAULT_COMPRESSION_MIN_BYTES
} from '../../src/limits.js'
import { InvalidConfigError } from '../../src/errors.js'
import { createReplayGuard } from '../../src/replay/index.js'
import { createCompressionPolicy } from '../../src/compress/index.js'

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
    for (const [option, value] of [['maxPayloadBytes', 0], ['maxPayloadBytes', 2 ** 31], ['maxBatchItems', 1.5], ['chunkBytes', -1], ['maxChannelBytes', Number.NaN]] as const) {
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
    // and the modules apply them
    assert.equal(createReplayGuard().windowSize, DEFAULT_REPLAY_WINDOW)
    assert.equal(createCompressionPolicy().minBytes, DEFAULT_COMPRESSION_MIN_BYTES)
    assert.match(readme, /Nothing under 1 KB is compressed/)
    assert.equal(DEFAULT_COMPRESSION_MIN_BYTES, 1024)
  })
})
