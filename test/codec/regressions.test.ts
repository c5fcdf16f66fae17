/**
 * Regression tests for bugs the attack suite found in src/: a byte-order mark
 * stripped from channel names (cross-channel acceptance) and malleable ECDSA
 * signatures (a high-S twin accepted as a distinct message).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { BlockType, block, codec, ecdsaTwin, freshKey, reasonOf, seededKey } from './helpers.js'

const alice = await seededKey(1)

describe('regressions found by the attack suite', () => {
  // src/envelope/header.ts, `textDecoder = new TextDecoder('utf-8', { fatal: true })`:
  // without `ignoreBOM: true` a leading U+FEFF of the channel is stripped on
  // decode, so the channel compared in open() is not the one that was signed.
  // An envelope signed for topic "\uFEFFB" is accepted on topic "B" (and shares
  // B's replay window), and is refused on its own topic as wrong-channel.
  it('a channel starting with U+FEFF is bound exactly (no BOM stripping)', () => {
    const e = codec({ privateKey: alice }).seal(BlockType, block(0), { channel: '\uFEFFB' })
    assert.equal(reasonOf(codec().open(e, { channel: 'B' })), 'wrong-channel')
    assert.equal(reasonOf(codec().open(e, { channel: '\uFEFFB' })), 'ok')
  })

  // src/envelope/keys.ts, makeSenderKey(), ECDSA branch: P1363 signatures are
  // verified without a low-S rule, so anyone can turn a valid envelope into a
  // second valid one, `r || n - s`, with different bytes. secp256k1 refuses
  // high S ("so signatures are not malleable"); ECDSA P-256/384/521 do not.
  // The replay guard still catches the twin after the original (attacks.test.ts),
  // but verify(), `replay: false` receivers and any message id computed over
  // the envelope bytes (gossip msgIdFn, seen-caches) see two distinct messages.
  // Fix: sign with low S (s > n/2 -> n - s) and refuse high S in verify, per curve.
  for (const kind of ['ECDSA P-256', 'ECDSA P-384', 'ECDSA P-521'] as const) {
    it(`${kind}: the high-S twin of a signature is refused`, async () => {
      const e = codec({ privateKey: await freshKey(kind) }).seal(BlockType, block(0), { channel: 'c' })
      const twin = ecdsaTwin(e)
      assert.notDeepEqual(twin, e)
      // exactly one of the two encodings may verify
      const verdicts = [codec().verify(e, { channel: 'c' }), codec().verify(twin, { channel: 'c' })].map(reasonOf)
      assert.deepEqual(verdicts.filter((r) => r === 'ok').length, 1, verdicts.join(', '))
    })
  }
})
