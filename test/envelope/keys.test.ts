import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { createSigner, SenderKeyCache } from '../../src/envelope/keys.js'
import { normaliseLowS, normaliseP1363LowS, parseDerSignature } from '../../src/envelope/ecdsa-signatures.js'
import { MalformedInputError } from '../../src/errors.js'

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n

/** `r || (n - s)` of a P-256 P1363 signature. */
function highTwin (sig: Uint8Array): Uint8Array {
  const s = BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'))
  return Uint8Array.from([...sig.subarray(0, 32), ...Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex')])
}

const msg = new TextEncoder().encode('wireseal keys cross-check')

for (const type of ['Ed25519', 'secp256k1', 'ECDSA'] as const) {
  test(`${type}: our signatures verify with @libp2p/crypto and theirs with ours`, async () => {
    const key = await generateKeyPair(type)
    const signer = createSigner(key)
    if (type !== 'ECDSA') assert.equal(signer.id, (await import('@libp2p/peer-id')).peerIdFromPrivateKey(key).toString())
    assert.equal(signer.id, key.publicKey.toString())
    assert.deepEqual(signer.publicKey, publicKeyToProtobuf(key.publicKey))
    const cache = new SenderKeyCache(8)
    const sender = cache.get(signer.publicKey)
    assert.equal(sender.id, signer.id)
    for (let i = 0; i < 8; i++) {
      const data = Uint8Array.from([...msg, i])
      const ours = signer.sign(data)
      assert.equal(await key.publicKey.verify(data, ours), true, 'libp2p verifies ours')
      assert.equal(sender.verify(data, ours), true, 'we verify ours')
      const theirs = await key.sign(data)
      if (type === 'ECDSA') {
        // WebCrypto may emit either S; we accept exactly the low-S form of it.
        const low = normaliseP1363LowS(theirs, P256_N)
        assert.equal(sender.verify(data, low), true, 'we verify libp2p (low S)')
        const high = normaliseP1363LowS(low, P256_N) === low ? highTwin(low) : low
        assert.equal(sender.verify(data, high), false, 'the high-S twin is refused')
        assert.equal(await key.publicKey.verify(data, high), true, 'WebCrypto accepts the twin: the malleability is real')
      } else {
        assert.equal(sender.verify(data, theirs), true, 'we verify libp2p')
      }
      const flipped = ours.slice()
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1
      assert.equal(sender.verify(data, flipped), false, 'flipped signature')
      assert.equal(sender.verify(Uint8Array.from([...msg, i + 1]), ours), false, 'other message')
    }
    assert.equal(cache.get(signer.publicKey), sender, 'cached')
  })
}

test('secp256k1: high-S signatures are normalised on sign and refused on verify', async () => {
  const key = await generateKeyPair('secp256k1')
  const sender = new SenderKeyCache().get(createSigner(key).publicKey)
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
  const sig = await key.sign(msg)
  const parsed = parseDerSignature(sig)
  assert.ok(parsed)
  // Build the high-S twin (N - s) of a valid low-S signature: OpenSSL accepts it, we must not.
  const s = BigInt('0x' + Buffer.from(parsed.s).toString('hex'))
  let hex = (n - s).toString(16)
  if (hex.length % 2) hex = '0' + hex
  let hs = Uint8Array.from(Buffer.from(hex, 'hex'))
  if ((hs[0] as number) & 0x80) hs = Uint8Array.from([0, ...hs])
  const high = Uint8Array.from([0x30, 4 + parsed.r.length + hs.length, 2, parsed.r.length, ...parsed.r, 2, hs.length, ...hs])
  assert.equal(sender.verify(msg, high), false)
  assert.deepEqual(normaliseLowS(high), sig)
})

test('SenderKeyCache: garbage public keys give MalformedInputError, and the cache is bounded', async () => {
  const cache = new SenderKeyCache(2)
  for (const bad of [new Uint8Array(0), Uint8Array.from([1, 2, 3]), new Uint8Array(40).fill(0xff), Uint8Array.from([8, 1, 18, 3, 1, 2, 3])]) {
    assert.throws(() => cache.get(bad), MalformedInputError)
  }
  for (let i = 0; i < 4; i++) cache.get(createSigner(await generateKeyPair('Ed25519')).publicKey)
  assert.equal(cache.size, 2)
})
