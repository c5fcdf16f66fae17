/**
 * secp256k1 signature backends (src/envelope/sign-backends): libsecp256k1 and
 * noble sign with RFC 6979 nonces, so their DER equals @libp2p/crypto's byte
 * for byte; node:crypto's random-nonce signatures verify everywhere once S
 * is normalised; every sender key refuses the high-S twin (BIP 62) and
 * malformed DER, whatever the backend.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { privateKeyFromRaw, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { createSigner, SenderKeyCache } from '../../src/envelope/keys.js'
import { normaliseLowS, parseDerSignature } from '../../src/envelope/ecdsa-signatures.js'
import { listSignatureBackends, SIGNATURE_BACKEND_ENV, type SignatureBackend } from '../../src/envelope/sign-backends/index.js'
import { InvalidConfigError } from '../../src/errors.js'

const N = secp256k1.Point.Fn.ORDER
const backends: SignatureBackend[] = listSignatureBackends('secp256k1').flatMap((b) => b.backend === undefined ? [] : [b.backend])
const names = backends.map((b) => b.name)

const secretKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((k) => secp256k1.utils.isValidSecretKey(k))

function derInt (n: bigint): number[] {
  let hex = n.toString(16)
  if (hex.length % 2 === 1) hex = '0' + hex
  const bytes = [...Buffer.from(hex, 'hex')]
  return (bytes[0] as number) & 0x80 ? [0, ...bytes] : bytes
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` for any r, s (out of range included). */
function der (r: bigint, s: bigint): Uint8Array {
  const ri = derInt(r)
  const si = derInt(s)
  return Uint8Array.from([0x30, 4 + ri.length + si.length, 0x02, ri.length, ...ri, 0x02, si.length, ...si])
}

function rs (sig: Uint8Array): { r: bigint, s: bigint } {
  const p = parseDerSignature(sig)
  assert.ok(p !== undefined, 'strict DER')
  return { r: BigInt('0x' + Buffer.from(p.r).toString('hex')), s: BigInt('0x' + Buffer.from(p.s).toString('hex')) }
}

test('secp256k1 backends: libsecp256k1, node, noble, fastest first; libsecp256k1 wherever the secp256k1 package is installed', () => {
  const list = listSignatureBackends('secp256k1')
  assert.deepEqual(list.map((b) => [b.name, b.kind]), [['libsecp256k1', 'native'], ['node', 'node'], ['noble', 'portable']])
  let installed = true
  try {
    createRequire(import.meta.url).resolve('secp256k1/bindings')
  } catch {
    installed = false
  }
  assert.equal(list[0]?.backend !== undefined, installed, list[0]?.unavailable)
  assert.ok(names.includes('node') && names.includes('noble'))
})

test('secp256k1 backends: RFC 6979 backends sign as @libp2p/crypto byte for byte, node:crypto\'s verify there once S is low, and every sender key verifies @libp2p/crypto (fast-check)', async () => {
  await fc.assert(fc.asyncProperty(secretKey, fc.uint8Array({ maxLength: 300 }), async (raw, message) => {
    const key = privateKeyFromRaw(raw)
    assert.equal(key.type, 'secp256k1')
    const theirs = Uint8Array.from(await key.sign(message))
    for (const b of backends) {
      const signer = createSigner(key, { secp256k1: b.name })
      assert.equal(signer.backend, b.name)
      const ours = signer.sign(message)
      if (b.deterministic) assert.deepEqual(Uint8Array.from(ours), theirs, `${b.name} signs as @libp2p/crypto`)
      assert.ok(rs(ours).s <= N >> 1n, `${b.name}: low S`)
      assert.equal(await key.publicKey.verify(message, ours), true, `@libp2p/crypto verifies ${b.name}`)
      if (b.lowS) assert.deepEqual(Uint8Array.from(b.signer(raw)(message)), Uint8Array.from(normaliseLowS(b.signer(raw)(message))), `${b.name} emits low S itself`)
      const sender = new SenderKeyCache(2, { secp256k1: b.name }).get(publicKeyToProtobuf(key.publicKey))
      assert.equal(sender.backend, b.name)
      assert.equal(sender.verify(message, theirs), true, `${b.name} verifies @libp2p/crypto`)
      assert.equal(sender.verify(Uint8Array.from([...message, 1]), theirs), false, `${b.name} refuses another message`)
      const { r, s } = rs(theirs)
      assert.equal(sender.verify(message, der(r, N - s)), false, `${b.name} refuses the high-S twin`)
    }
  }), { numRuns: 25 })
})

test('secp256k1 backends: one verdict on malformed and out-of-range signatures, never a throw', async () => {
  const key = privateKeyFromRaw(new Uint8Array(32).fill(7))
  const message = new TextEncoder().encode('wireseal secp256k1 hostile')
  const { r, s } = rs(Uint8Array.from(await key.sign(message)))
  const cases: Array<[string, Uint8Array, boolean]> = [
    ['valid', der(r, s), true],
    ['high S', der(r, N - s), false],
    ['r + n', der(r + N, s), false],
    ['s + n', der(r, s + N), false],
    ['r = 0', der(0n, s), false],
    ['s = 0', der(r, 0n), false],
    ['r = n', der(N, s), false],
    ['empty', new Uint8Array(0), false],
    ['truncated', der(r, s).subarray(0, 20), false],
    ['compact r || s', Uint8Array.from(Buffer.from(r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0'), 'hex')), false],
    ['trailing byte', Uint8Array.from([...der(r, s), 0]), false]
  ]
  for (const name of names) {
    const sender = new SenderKeyCache(2, { secp256k1: name }).get(publicKeyToProtobuf(key.publicKey))
    for (const [what, sig, valid] of cases) assert.equal(sender.verify(message, sig), valid, `${name}: ${what}`)
  }
  // the raw backends too (before wireseal's own strict-DER and low-S checks): no throw, and out-of-range is false
  for (const b of backends) {
    const verify = b.verifier(key.publicKey.raw)
    for (const [what, sig, valid] of cases) {
      if (what === 'high S' && !b.lowS) continue // OpenSSL accepts it: keys.ts refuses it first
      if (what === 'trailing byte') continue // lax parsers: keys.ts refuses it first
      assert.equal(verify(message, sig), valid, `${b.name}: ${what}`)
    }
    assert.equal(b.verifier(new Uint8Array(33))(message, der(r, s)), false, `${b.name}: no key`)
    assert.throws(() => b.signer(new Uint8Array(32)), RangeError, `${b.name}: zero scalar`)
  }
})

test('secp256k1 backend choice: the environment variable or an explicit choice; an unknown name is refused at creation', () => {
  const key = privateKeyFromRaw(new Uint8Array(32).fill(11))
  const env = SIGNATURE_BACKEND_ENV.secp256k1
  const before = process.env[env]
  try {
    for (const name of names) {
      process.env[env] = name
      assert.equal(createSigner(key).backend, name)
      assert.equal(new SenderKeyCache(2).get(publicKeyToProtobuf(key.publicKey)).backend, name)
    }
    process.env[env] = 'openssl'
    assert.throws(() => createSigner(key), (err: unknown) => err instanceof InvalidConfigError && err.details.option === env)
  } finally {
    if (before === undefined) delete process.env[env]
    else process.env[env] = before
  }
  assert.throws(() => createSigner(key, { secp256k1: 'elliptic' }), InvalidConfigError)
})
