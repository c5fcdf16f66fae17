/**
 * VerifiedSignatureCache (issue 14): the forwarded items of one batch cost
 * one signature verification, and the cache is attacked as a receiver's
 * shortcut would be: forged items and proofs under a remembered header,
 * a remembered header with another signature, another header with a
 * remembered signature, another key, replays, eviction.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { Codec } from '../../src/codec/index.js'
import { InvalidConfigError } from '../../src/errors.js'
import { VerifiedSignatureCache } from '../../src/envelope/index.js'
import { encodeSignedEnvelope } from '../../src/envelope/envelope.js'
import { createReplayGuard } from '../../src/replay/guard.js'
import { BlockType, DEFAULT_PREFIX, NOW, block, codec, parse, reasonOf, reframe, seededKey } from '../codec/helpers.js'

const CH = 'wireseal/test/verified-signatures'
const alice = await seededKey(1)
const mallory = await seededKey(2)

/** Alice's batch of `n` Blocks and the item envelopes a receiver of it builds. */
function aliceBatch (n: number, from = 0): Uint8Array[] {
  const sender = codec({ privateKey: alice })
  const relay = codec({ replay: false })
  const opened = relay.open(sender.sealBatch(BlockType, Array.from({ length: n }, (_, i) => block(from + i, 200)), { channel: CH }), { channel: CH })
  assert.ok(opened.ok && opened.itemEnvelope !== undefined)
  return Array.from({ length: n }, (_, i) => (opened.itemEnvelope as (i: number) => Uint8Array)(i))
}

/** A verifying receiver without replay state (as block sync verifies historical items) and its cache. */
function receiver (maxSignatures?: number): { rx: Codec, cache: VerifiedSignatureCache } {
  const cache = new VerifiedSignatureCache(maxSignatures)
  return { rx: codec({ replay: false, keyCache: cache }), cache }
}

function flip (bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice()
  out[at] = (out[at] as number) ^ 1
  return out
}

describe('VerifiedSignatureCache', () => {
  it('verifies the signed header of a batch once for all its items', () => {
    const items = aliceBatch(8)
    const { rx, cache } = receiver()
    for (const [i, item] of items.entries()) {
      const r = rx.open(item, { channel: CH })
      assert.ok(r.ok, `item ${i}: ${reasonOf(r)}`)
      assert.equal(r.kind, 'item')
      assert.deepEqual(r.value, block(i, 200))
    }
    assert.equal(cache.hits, 7)
    assert.equal(cache.signatures, 1)
  })

  it('a forged item or proof under a remembered header still fails', () => {
    const items = aliceBatch(8)
    const { rx, cache } = receiver()
    assert.ok(rx.open(items[0] as Uint8Array, { channel: CH }).ok)
    const env = parse(items[3] as Uint8Array)
    const other = parse(items[4] as Uint8Array)
    const payload = flip(env.payload, 40)
    const proof = flip(env.proof as Uint8Array, 5)
    const attempts: Record<string, Uint8Array> = {
      'changed item bytes': reframe(items[3] as Uint8Array, { payload }),
      'changed proof': reframe(items[3] as Uint8Array, { item: { index: 3, proof } }),
      'item 4 under index 3': reframe(items[4] as Uint8Array, { item: { index: 3, proof: other.proof as Uint8Array } }),
      'item 3 with the proof of item 4': reframe(items[3] as Uint8Array, { item: { index: 4, proof: other.proof as Uint8Array } }),
      'a whole other block': reframe(items[3] as Uint8Array, { payload: parse(aliceBatch(1, 50)[0] as Uint8Array).payload })
    }
    for (const [what, bytes] of Object.entries(attempts)) {
      const r = rx.open(bytes, { channel: CH })
      assert.equal(reasonOf(r), 'digest-mismatch', what)
      assert.equal(rx.verify(bytes, { channel: CH }).ok, false, `${what} (verify)`)
    }
    assert.ok(cache.hits >= Object.keys(attempts).length, 'the header was remembered: only the proof check stopped them')
  })

  it('a remembered header never admits another signature, nor a remembered signature another header', () => {
    const first = aliceBatch(4, 0)
    const second = aliceBatch(4, 100)
    const { rx, cache } = receiver()
    assert.ok(rx.open(first[0] as Uint8Array, { channel: CH }).ok)
    assert.ok(rx.open(second[0] as Uint8Array, { channel: CH }).ok)
    const a = parse(first[1] as Uint8Array)
    const b = parse(second[1] as Uint8Array)
    const attempts: Record<string, Uint8Array> = {
      'header of batch 2 with the signature of batch 1': rebuild(b.headerBytes, a.signature, b),
      'header of batch 1 with the signature of batch 2': rebuild(a.headerBytes, b.signature, a),
      'header with its timestamp moved, old signature': reframe(first[1] as Uint8Array, { header: (h) => { h.timestamp += 1 } })
    }
    // a remembered header with its signature changed in one bit, in a few places
    for (const at of [0, 1, 31, 32, 63]) attempts[`signature bit at byte ${at}`] = rebuild(a.headerBytes, flip(a.signature, at), a)
    assert.ok(rx.open(rebuild(a.headerBytes, a.signature, a), { channel: CH }).ok, 'the untouched rebuild is accepted')
    for (const [what, bytes] of Object.entries(attempts)) {
      const r = rx.open(bytes, { channel: CH })
      assert.equal(reasonOf(r), 'invalid-signature', what)
    }
    assert.equal(cache.signatures, 2, 'failed verifications are not remembered')
  })

  it('a remembered signature vouches for its own key only', () => {
    const items = aliceBatch(2)
    const cache = new VerifiedSignatureCache()
    const env = parse(items[0] as Uint8Array)
    const signed = new Uint8Array([...DEFAULT_PREFIX, ...env.headerBytes])
    const aliceKey = cache.get(env.header.publicKey)
    assert.equal(aliceKey.verify(signed, env.signature), true)
    assert.equal(aliceKey.verify(signed, env.signature), true)
    assert.equal(cache.hits, 1)
    const malloryKey = cache.get(parse(codec({ privateKey: mallory }).seal(BlockType, block(0), { channel: CH })).header.publicKey)
    assert.notEqual(malloryKey.id, aliceKey.id)
    assert.equal(malloryKey.verify(signed, env.signature), false)
    assert.equal(cache.hits, 1)
  })

  it('changes nothing about replays: a remembered header does not let an item in twice', () => {
    const items = aliceBatch(3)
    const cache = new VerifiedSignatureCache()
    const rx = codec({ keyCache: cache, replay: createReplayGuard({ now: () => NOW }) })
    for (const item of items) assert.ok(rx.open(item, { channel: CH }).ok)
    assert.equal(reasonOf(rx.open(items[1] as Uint8Array, { channel: CH })), 'replayed')
    // the replay precheck runs before the signature: the copy never reached the cache
    assert.equal(cache.hits, 2)
  })

  it('is bounded, and an evicted signature is verified again, not refused', () => {
    const batches = Array.from({ length: 10 }, (_, b) => aliceBatch(2, 10 * b))
    const { rx, cache } = receiver(4)
    for (const items of batches) for (const item of items) assert.ok(rx.open(item, { channel: CH }).ok)
    assert.equal(cache.signatures, 4)
    assert.equal(cache.hits, 10)
    assert.ok(rx.open(batches[0]?.[0] as Uint8Array, { channel: CH }).ok, 'evicted long ago')
    assert.equal(cache.hits, 10)
    assert.equal(cache.signatures, 4)
  })

  it('refuses a bound that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new VerifiedSignatureCache(bad), InvalidConfigError)
  })
})

/** An item envelope of `item`'s payload, index and proof under the given header bytes and signature (kept as they are). */
function rebuild (headerBytes: Uint8Array, signature: Uint8Array, item: ReturnType<typeof parse>): Uint8Array {
  return encodeSignedEnvelope({ headerBytes, signature, payload: item.payload, item: { index: item.index as number, proof: item.proof as Uint8Array } })
}
