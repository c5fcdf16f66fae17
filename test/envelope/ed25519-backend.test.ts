/**
 * Ed25519 signature backends (src/envelope/sign-backends): every backend
 * emits @libp2p/crypto's signature byte for byte (RFC 8032 is deterministic),
 * each side verifies the other's, and all of them give the same verdict on
 * hostile signatures (small-order A and R, torsion, non-canonical S and R),
 * which node:crypto alone did not.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { generateKeyPairFromSeed, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { createSigner, SenderKeyCache } from '../../src/envelope/keys.js'
import { getSignatureBackend, isSmallOrderEncoding, listSignatureBackends, SIGNATURE_BACKEND_ENV, type SignatureBackend } from '../../src/envelope/sign-backends/index.js'
import { InvalidConfigError } from '../../src/errors.js'

const ENV = SIGNATURE_BACKEND_ENV.Ed25519
const backends: SignatureBackend[] = listSignatureBackends('Ed25519').flatMap((b) => b.backend === undefined ? [] : [b.backend])
const { Point } = ed25519
const L = Point.Fn.ORDER
const P = 2n ** 255n - 19n

/** Runs `fn` with the backend environment variable set to `value` (or unset), then restores it. */
function withEnv<T> (value: string | undefined, fn: () => T): T {
  const before = process.env[ENV]
  if (value === undefined) delete process.env[ENV]
  else process.env[ENV] = value
  try {
    return fn()
  } finally {
    if (before === undefined) delete process.env[ENV]
    else process.env[ENV] = before
  }
}

const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]))
const le32 = (n: bigint): Uint8Array => numberToBytesLE(n, 32)
/** RFC 8032 5.1.7 k = SHA-512(R || A || M) mod L. */
const challenge = (R: Uint8Array, A: Uint8Array, M: Uint8Array): bigint => Point.Fn.create(bytesToNumberLE(sha512(concat(R, A, M))))

/** The 8 points of order dividing 8, from the torsion part [L]Q of a point Q of full order. */
function torsionPoints (): Array<InstanceType<typeof Point>> {
  for (let i = 0; ; i++) {
    let q
    try {
      q = Point.fromBytes(sha512(Uint8Array.of(i)).subarray(0, 32))
    } catch {
      continue // not a point
    }
    const t = q.multiplyUnsafe(L - 1n).add(q) // [L]Q
    if (t.double().double().is0()) continue // order < 8
    const all = [Point.ZERO]
    for (let j = 1; j < 8; j++) all.push((all[j - 1] as InstanceType<typeof Point>).add(t))
    return all
  }
}
const TORSION = torsionPoints()
const T8 = TORSION[1] as InstanceType<typeof Point>

test('Ed25519 backends: sodium, node, noble, fastest first; node and noble always load, sodium wherever it is installed', () => {
  const list = listSignatureBackends('Ed25519')
  assert.deepEqual(list.map((b) => [b.name, b.kind]), [['sodium', 'native'], ['node', 'node'], ['noble', 'portable']])
  assert.ok(backends.some((b) => b.name === 'node') && backends.some((b) => b.name === 'noble'))
  let installed = true
  try {
    createRequire(import.meta.url).resolve('sodium-native')
  } catch {
    installed = false
  }
  // an installed package that fails to load would silently halve the receiver's speed
  assert.equal(list[0]?.backend !== undefined, installed, list[0]?.unavailable)
  withEnv(undefined, () => {
    const selected = listSignatureBackends('Ed25519').filter((b) => b.selected)
    assert.deepEqual(selected.map((b) => b.name), [backends[0]?.name])
    assert.equal(getSignatureBackend('Ed25519'), backends[0])
  })
})

test('Ed25519 small-order encodings: the y of each of the 8 torsion points (any sign bit), y = p and y = p + 1, and nothing else', () => {
  for (const t of TORSION) {
    const enc = t.toBytes()
    assert.ok(isSmallOrderEncoding(enc), Buffer.from(enc).toString('hex'))
    const flipped = enc.slice()
    flipped[31] = (flipped[31] as number) ^ 0x80
    assert.ok(isSmallOrderEncoding(flipped))
  }
  assert.ok(isSmallOrderEncoding(le32(P)))
  assert.ok(isSmallOrderEncoding(le32(P + 1n)))
  assert.ok(!isSmallOrderEncoding(le32(P + 2n)))
  fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (seed) => {
    assert.ok(!isSmallOrderEncoding(ed25519.getPublicKey(seed)))
  }), { numRuns: 50 })
})

test('Ed25519 backends: signatures equal @libp2p/crypto\'s byte for byte, and each side verifies the other\'s (fast-check)', async () => {
  await fc.assert(fc.asyncProperty(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.nat(),
    async (seed, message, flip) => {
      const key = await generateKeyPairFromSeed('Ed25519', seed)
      const theirs = Uint8Array.from(await key.sign(message)) // a copy: Buffer#slice would be a view
      const bit = flip % (theirs.length * 8)
      const forged = theirs.slice()
      forged[bit >> 3] = (forged[bit >> 3] as number) ^ (1 << (bit & 7))
      for (const b of backends) {
        const ours = b.signer(seed)(message)
        assert.deepEqual(Uint8Array.from(ours), Uint8Array.from(theirs), `${b.name} signs as @libp2p/crypto`)
        assert.equal(await key.publicKey.verify(message, ours), true, `@libp2p/crypto verifies ${b.name}`)
        const verify = b.verifier(key.publicKey.raw)
        assert.equal(verify(message, theirs), true, `${b.name} verifies @libp2p/crypto`)
        assert.equal(verify(message, forged), false, `${b.name} refuses a flipped bit`)
        assert.equal(verify(concat(message, Uint8Array.of(0)), theirs), false, `${b.name} refuses another message`)
      }
    }
  ), { numRuns: 40 })
})

/** Hostile signatures by the holder of a key: the one rule (libsodium's) says which verify. */
interface HostileCase { name: string, publicKey: Uint8Array, signature: Uint8Array, valid: boolean }

function hostileCases (): HostileCase[] {
  const M = new TextEncoder().encode('wireseal hostile signature')
  const { scalar: a, pointBytes: A } = ed25519.utils.getExtendedPublicKey(new Uint8Array(32).fill(9))
  const honestR = (r: bigint, pub: Uint8Array): Uint8Array => {
    const R = Point.BASE.multiply(r).toBytes()
    return concat(R, le32(Point.Fn.create(r + challenge(R, pub, M) * a)))
  }
  const cases: HostileCase[] = [
    { name: 'honest', publicKey: A, signature: honestR(12345n, A), valid: true },
    { name: 'S + L (non-canonical S)', publicKey: A, signature: concat(honestR(12345n, A).subarray(0, 32), le32(bytesToNumberLE(honestR(12345n, A).subarray(32)) + L)), valid: false },
    { name: 'R = identity, S = k*a (node:crypto accepted it)', publicKey: A, signature: concat(Point.ZERO.toBytes(), le32(Point.Fn.create(challenge(Point.ZERO.toBytes(), A, M) * a))), valid: false },
    { name: 'R = identity written p + 1', publicKey: A, signature: concat(le32(P + 1n), le32(Point.Fn.create(challenge(le32(P + 1n), A, M) * a))), valid: false },
    { name: 'R of order 8, S = k*a (noble ZIP 215 accepts it)', publicKey: A, signature: concat(T8.toBytes(), le32(Point.Fn.create(challenge(T8.toBytes(), A, M) * a))), valid: false }
  ]
  {
    const r = 777n
    const R = Point.BASE.multiply(r).add(T8).toBytes()
    cases.push({ name: 'R = [r]B + torsion (cofactored equations accept it)', publicKey: A, signature: concat(R, le32(Point.Fn.create(r + challenge(R, A, M) * a))), valid: false })
  }
  TORSION.forEach((t, i) => {
    // a small-order key: (identity, 0) verifies any message under the cofactorless equation unless refused
    cases.push({ name: `A = torsion point ${i}, (identity, 0)`, publicKey: t.toBytes(), signature: concat(Point.ZERO.toBytes(), le32(0n)), valid: false })
  })
  const minusZero = le32(1n)
  minusZero[31] = 0x80
  cases.push({ name: 'A = identity with the sign bit set', publicKey: minusZero, signature: concat(Point.ZERO.toBytes(), le32(0n)), valid: false })
  // A mixed-order key aB + T8 (not small order): cofactorless, [S]B = R + [k]A holds exactly when 8 | k
  const mixed = Point.BASE.multiply(a).add(T8).toBytes()
  let found = 0
  for (let r = 1n; found < 2; r++) {
    const R = Point.BASE.multiply(r).toBytes()
    const k = challenge(R, mixed, M)
    const wanted = found === 0 ? k % 8n === 0n : k % 8n !== 0n
    if (!wanted) continue
    cases.push({ name: `mixed-order A, k mod 8 = ${k % 8n}`, publicKey: mixed, signature: concat(R, le32(Point.Fn.create(r + k * a))), valid: found === 0 })
    found++
  }
  return cases
}

test('Ed25519 backends: one verdict on hostile signatures (libsodium\'s rule: S < L, A and R not of small order, cofactorless)', () => {
  const M = new TextEncoder().encode('wireseal hostile signature')
  for (const c of hostileCases()) {
    for (const b of backends) {
      assert.equal(b.verifier(c.publicKey)(M, c.signature), c.valid, `${b.name}: ${c.name}`)
    }
  }
})

test('regression: a sender key on node:crypto refuses R = identity and the small-order keys (node:crypto alone accepted both)', () => {
  const M = new TextEncoder().encode('wireseal hostile signature')
  for (const name of backends.map((b) => b.name)) {
    const cache = new SenderKeyCache(32, { Ed25519: name })
    for (const c of hostileCases()) {
      const sender = cache.get(Uint8Array.from([0x08, 0x01, 0x12, 0x20, ...c.publicKey]))
      assert.equal(sender.backend, name)
      assert.equal(sender.verify(M, c.signature), c.valid, `${name}: ${c.name}`)
    }
  }
})

test('Ed25519 backend choice: the environment variable or an explicit choice; unknown names refused at creation', async () => {
  const key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(3))
  const pub = publicKeyToProtobuf(key.publicKey)
  for (const b of backends) {
    withEnv(b.name, () => {
      assert.equal(createSigner(key).backend, b.name)
      assert.equal(new SenderKeyCache(4).get(pub).backend, b.name)
      assert.deepEqual(listSignatureBackends('Ed25519').filter((i) => i.selected).map((i) => i.name), [b.name])
    })
    // an explicit choice wins over the environment
    withEnv('noble', () => assert.equal(createSigner(key, { Ed25519: b.name }).backend, b.name))
  }
  withEnv('openssl', () => {
    assert.throws(() => createSigner(key), (err: unknown) => err instanceof InvalidConfigError && err.details.option === ENV)
    assert.throws(() => new SenderKeyCache(4), InvalidConfigError)
    assert.deepEqual(listSignatureBackends('Ed25519').filter((i) => i.selected), [])
  })
  assert.throws(() => createSigner(key, { Ed25519: 'tweetnacl' }), InvalidConfigError)
  assert.throws(() => new SenderKeyCache(4, { Ed25519: '' }), InvalidConfigError)
})

test('Ed25519 backends hold their own copy of the key: changing the bytes given afterwards changes nothing', async () => {
  const seed = new Uint8Array(32).fill(5)
  const key = await generateKeyPairFromSeed('Ed25519', seed)
  const message = new TextEncoder().encode('held once')
  const expected = await key.sign(message)
  for (const b of backends) {
    const s = seed.slice()
    const p = key.publicKey.raw.slice()
    const sign = b.signer(s)
    const verify = b.verifier(p)
    s.fill(0)
    p.fill(0)
    assert.deepEqual(Uint8Array.from(sign(message)), Uint8Array.from(expected), b.name)
    assert.equal(verify(message, expected), true, b.name)
  }
})

test('Ed25519 backends: malformed input is false or a RangeError at construction, never a crash', () => {
  for (const b of backends) {
    assert.throws(() => b.signer(new Uint8Array(31)), RangeError)
    assert.equal(b.verifier(new Uint8Array(31))(new Uint8Array(1), new Uint8Array(64)), false)
    const verify = b.verifier(ed25519.getPublicKey(new Uint8Array(32).fill(1)))
    for (const len of [0, 63, 65, 128]) assert.equal(verify(new Uint8Array(8), new Uint8Array(len)), false, `${b.name} ${len}`)
  }
  // y = 2 is not on the curve: no key to verify with
  const offCurve = le32(2n)
  for (const b of backends) assert.equal(b.verifier(offCurve)(new Uint8Array(8), new Uint8Array(64)), false, b.name)
})

test('Ed25519 on libsodium: past the secure-memory budget keys go to ordinary buffers and sign the same (no mapping exhaustion)', async (t) => {
  const sodium = listSignatureBackends('Ed25519').find((b) => b.name === 'sodium')?.backend
  if (sodium === undefined) return t.skip('sodium-native not installed')
  const { MAX_SECURE_KEYS } = await import('../../src/envelope/sign-backends/ed25519-sodium.js')
  const seed = new Uint8Array(32).fill(8)
  const message = new TextEncoder().encode('budget')
  const expected = Uint8Array.from(await (await generateKeyPairFromSeed('Ed25519', seed)).sign(message))
  const signers = Array.from({ length: MAX_SECURE_KEYS + 64 }, () => sodium.signer(seed))
  for (const sign of [signers[0], signers[MAX_SECURE_KEYS - 1], signers[MAX_SECURE_KEYS], signers.at(-1)]) {
    assert.deepEqual(sign?.(message), expected)
  }
})
