/**
 * The whole codec on each signature backend: a sealer on any Ed25519 backend
 * (and on any RFC 6979 secp256k1 backend) emits byte-identical envelopes,
 * single, batch and chunked; a receiver on any backend opens every sender's
 * envelopes and refuses the same tampered ones for the same reason.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPairFromSeed, privateKeyFromRaw } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import type { ChunkedReceiver, Codec } from '../../src/codec/index.js'
import { SenderKeyCache } from '../../src/envelope/keys.js'
import { listSignatureBackends, SIGNATURE_BACKEND_ENV, type SignatureAlgorithm } from '../../src/envelope/sign-backends/index.js'
import type { Sequencer } from '../../src/replay/sequencer.js'
import { block, BlockType, codec, DEFAULT_PREFIX, flipBit, parse } from '../codec/helpers.js'

const CH = '/wireseal/test/backends'

/** Sequence numbers 1, 2, 3, ... so that two sealers emit the same envelopes. */
function countingSequencer (): Sequencer {
  let n = 0
  return { next: () => ++n, get writes () { return 0 } }
}

/** A sealer whose signer runs on `backend` (the codec has no option for it: the environment variable chooses). */
function sealerOn (algorithm: SignatureAlgorithm, backend: string, privateKey: PrivateKey): Codec {
  const env = SIGNATURE_BACKEND_ENV[algorithm]
  const before = process.env[env]
  process.env[env] = backend
  try {
    return codec({ privateKey, sequencer: countingSequencer() })
  } finally {
    if (before === undefined) delete process.env[env]
    else process.env[env] = before
  }
}

function receiverOn (algorithm: SignatureAlgorithm, backend: string): Codec {
  return codec({ keyCache: new SenderKeyCache(8, { [algorithm]: backend }) })
}

/** Every kind of envelope from one sealer, in a fixed order. */
function envelopes (sealer: Codec): Uint8Array[] {
  const single = sealer.seal(BlockType, block(1, 256), { channel: CH })
  const batch = sealer.sealBatch(BlockType, [block(2), block(3), block(4)], { channel: CH })
  const chunked = sealer.sealChunked(BlockType, block(5, 100 * 1024), { channel: CH })
  return [single, batch, ...chunked]
}

function openAll (receiver: Codec, all: Uint8Array[]): string[] {
  const [single, batch, head, ...frames] = all as [Uint8Array, Uint8Array, Uint8Array, ...Uint8Array[]]
  const verdicts = [single, batch].map((e) => {
    const r = receiver.open(e, { channel: CH })
    return r.ok ? `ok ${r.seq}` : r.reason
  })
  const chunked = receiver.openChunked(head, { channel: CH })
  if (!chunked.ok) return [...verdicts, chunked.reason]
  const accepted = frames.map((f) => (chunked as ChunkedReceiver).accept(f).ok)
  return [...verdicts, `chunks ${accepted.every(Boolean) ? 'ok' : 'refused'}`]
}

const cases: Array<{ algorithm: SignatureAlgorithm, key: () => Promise<PrivateKey> }> = [
  { algorithm: 'Ed25519', key: async () => generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(21)) },
  { algorithm: 'secp256k1', key: async () => privateKeyFromRaw(new Uint8Array(32).fill(22)) }
]

for (const { algorithm, key } of cases) {
  const backends = listSignatureBackends(algorithm).flatMap((b) => b.backend === undefined ? [] : [b.backend])

  test(`${algorithm}: the codec on every backend seals byte-identical envelopes (deterministic backends) that every backend opens`, async () => {
    const privateKey = await key()
    const byBackend = new Map(backends.map((b) => [b.name, envelopes(sealerOn(algorithm, b.name, privateKey))]))
    const deterministic = backends.filter((b) => b.deterministic)
    assert.ok(deterministic.length >= (algorithm === 'Ed25519' ? 2 : 1))
    const reference = byBackend.get(deterministic[0]?.name as string) as Uint8Array[]
    for (const b of deterministic) {
      assert.deepEqual(byBackend.get(b.name), reference, `${b.name} seals the bytes ${deterministic[0]?.name} seals`)
    }
    // the signature is @libp2p/crypto's own over the signed bytes (domain prefix || header)
    for (const envelope of reference.slice(0, 3)) {
      const parsed = parse(envelope)
      const signed = Uint8Array.from([...DEFAULT_PREFIX, ...parsed.headerBytes])
      assert.deepEqual(Uint8Array.from(await privateKey.sign(signed)), Uint8Array.from(parsed.signature))
    }
    for (const [sealer, all] of byBackend) {
      for (const b of backends) {
        assert.deepEqual(openAll(receiverOn(algorithm, b.name), all), ['ok 1', 'ok 2', 'chunks ok'], `${b.name} opens ${sealer}'s envelopes`)
      }
    }
  })

  test(`${algorithm}: a receiver on every backend refuses a flipped signature bit the same way`, async () => {
    const privateKey = await key()
    const all = envelopes(sealerOn(algorithm, backends[0]?.name as string, privateKey))
    const single = all[0] as Uint8Array
    const sigAt = Buffer.from(single).indexOf(Buffer.from(parse(single).signature))
    assert.ok(sigAt > 0)
    const sigLength = parse(single).signature.length
    for (const offset of [0, 1, 17, 31, 32, 47, sigLength - 1]) {
      const verdicts = backends.map((b) => {
        const tampered = flipBit(single, sigAt + offset, offset % 8)
        const r = receiverOn(algorithm, b.name).open(tampered, { channel: CH })
        return r.ok ? 'ok' : r.reason
      })
      assert.equal(new Set(verdicts).size, 1, `offset ${offset}: ${verdicts.join(', ')}`)
      assert.notEqual(verdicts[0], 'ok')
    }
  })
}
