/**
 * Bugs found in src/ while writing the attack suite. Each test states the
 * contract and FAILS until the bug is fixed (see the report of the
 * "Security layer" test task). Move a test into attacks.test.ts once it passes.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { OpenAccepted } from '../../src/codec.js'
import { BlockType, block, codec, parse, reasonOf, reframe, seededKey } from './helpers.js'

const CH = 'wireseal/test/bugs'
const alice = await seededKey(1)

function items (): Uint8Array[] {
  const batch = codec({ privateKey: alice }).sealBatch(BlockType, [0, 1, 2, 3].map((i) => block(i)), { channel: CH })
  const relay = codec().open(batch, { channel: CH }) as OpenAccepted
  assert.equal(relay.ok, true)
  return [0, 1, 2, 3].map((i) => relay.itemEnvelope!(i))
}

describe('found bugs', () => {
  // src/codec.ts, PipelineCodec.verify(): the digest check is skipped for
  // forwarded items (`env.index === undefined && ...`) and nothing checks the
  // inclusion proof instead, so verify() vouches for ANY payload attached to a
  // validly signed batch header. A gossip validator built on verify() would
  // forward forged items. open() catches it ('digest-mismatch').
  it('verify() refuses a forwarded item whose payload is not in the signed batch', () => {
    const [item1, item2] = items()
    const forged = reframe(item1!, { payload: parse(item2!).payload })
    assert.equal(reasonOf(codec().open(forged, { channel: CH })), 'digest-mismatch')
    assert.equal(reasonOf(codec().verify(forged, { channel: CH })), 'digest-mismatch')
  })

  it('verify() refuses a forwarded item with arbitrary bytes and an empty proof', () => {
    const [item1] = items()
    const forged = reframe(item1!, { payload: new TextEncoder().encode('anything at all'), item: { index: 1, proof: new Uint8Array(0) } })
    assert.equal(reasonOf(codec().verify(forged, { channel: CH })), 'digest-mismatch')
  })

  // src/codec.ts, Codec.verify() TSDoc: "Verifies an envelope WITHOUT replay
  // checks", but verify() runs the replay precheck (precheck() ->
  // this.replay.precheck), so an envelope already opened verifies as
  // 'replayed' and an old one as 'too-old'. Either the doc or the code is wrong.
  it('verify() does what its doc says: no replay checks', () => {
    const e = codec({ privateKey: alice }).seal(BlockType, block(0), { channel: CH })
    const receiver = codec()
    assert.equal(reasonOf(receiver.open(e, { channel: CH })), 'ok')
    assert.equal(reasonOf(receiver.verify(e, { channel: CH })), 'ok')
  })
})
