/**
 * gossipCharge: a gossip message costs its relay the decompressed length its
 * signed header declares, batch envelopes included (each of their blocks is
 * decoded), read before anything is verified.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { BlockType, createCodec } from 'wireseal'
import { parseEnvelope } from 'wireseal/envelope'
import { sealedGossip } from 'wireseal/libp2p'
import { DEFAULT_LIMITS } from 'wireseal/limits'
import { makeBlock } from '../src/block-producer.js'
import { gossipCharge } from '../src/gossip-charge.js'

const codec = createCodec({ privateKey: await generateKeyPair('Ed25519'), replay: false })
const CH = 'charge-test'

describe('gossipCharge', () => {
  it('charges the declared decompressed length of a single envelope and of a whole batch, the item of a forwarded item', () => {
    const single = codec.seal(BlockType, makeBlock(4096), { channel: CH, compression: 'snappy' })
    const declared = parseEnvelope(single, DEFAULT_LIMITS).header.uncompressedLength
    assert.ok(declared > single.length - 200, 'compressible data: the declared length is what decoding costs')
    assert.equal(gossipCharge(single, DEFAULT_LIMITS), Math.max(single.length, declared))
    const blocks = Array.from({ length: 16 }, () => makeBlock(4096))
    const batch = codec.sealBatch(BlockType, blocks, { channel: CH, compression: 'snappy' })
    assert.ok(gossipCharge(batch, DEFAULT_LIMITS) >= 16 * 4096, `a batch is charged all its blocks: ${gossipCharge(batch, DEFAULT_LIMITS)} for ${batch.length} wire bytes`)
    assert.ok(batch.length < 16 * 4096, 'compressed on the wire')
    const item = sealedGossip(batch, blocks, DEFAULT_LIMITS).itemEnvelope(3)
    const charge = gossipCharge(item, DEFAULT_LIMITS)
    assert.ok(charge >= 4096 && charge < 2 * 4096, `one forwarded item is charged itself, not its batch: ${charge}`)
  })

  it('bytes that do not parse are charged as they are', () => {
    assert.equal(gossipCharge(new Uint8Array(100).fill(0xff), DEFAULT_LIMITS), 100)
    assert.equal(gossipCharge(new Uint8Array(0), DEFAULT_LIMITS), 0)
  })
})
