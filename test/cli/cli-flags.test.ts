// Issue 12 item 5: the new flags. keygen refuses to overwrite without
// --force; inspect verifies the payload digest (a tampered payload gives
// digestValid false) and prints the payload only with --payload, bounded;
// open --max-age / --max-clock-skew / --no-replay.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { createCodec } from '../../src/codec/index.js'
import { BlockType, type Block } from '../../src/serialize/messages.js'
import { parseEnvelope } from '../../src/envelope/envelope.js'
import { DEFAULT_LIMITS } from '../../src/limits.js'
import { oneLineError, runMain, stopMain, type Run } from './run-main.js'

const BIN = ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/bin.ts')]

function block (i: number, dataBytes = 64): Block {
  return { hash: new Uint8Array(32).fill(i), data: new Uint8Array(dataBytes).fill(0x61 + (i % 26)), timestamp: BigInt(i), ttl: 1, version: 1, signature: new Uint8Array(0) }
}

function json (r: Run): Record<string, unknown> {
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as Record<string, unknown>
}

/** Offset of the payload inside an envelope (the payload field is the envelope's tail for a single envelope). */
function payloadOffset (env: Uint8Array): number {
  const p = parseEnvelope(env, DEFAULT_LIMITS).payload
  return p.byteOffset - env.byteOffset
}

after(stopMain)

describe('wireseal keygen: no silent overwrite', () => {
  let dir: string
  before(() => { dir = mkdtempSync(join(tmpdir(), 'wireseal-keygen-')) })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('refuses an existing --out file with exit 1 and one line naming --force; the old key stays byte for byte', async () => {
    const key = join(dir, 'key.json')
    const first = await runMain(['keygen', '--out', key])
    assert.equal(first.code, 0, first.stderr)
    const before = readFileSync(key)
    const again = await runMain(['keygen', '--out', key])
    assert.equal(again.code, 1)
    assert.match(oneLineError(again), new RegExp(`^wireseal: StorageError: create ${key}: exists: refusing to overwrite a key file .*pass --force`))
    assert.equal(again.stdout, '')
    assert.deepEqual(readFileSync(key), before)
    // Any existing entry counts, a dangling symlink too (O_EXCL does not follow it).
    const link = join(dir, 'link.json')
    symlinkSync(join(dir, 'nowhere.json'), link)
    assert.equal((await runMain(['keygen', '--out', link])).code, 1)
    assert.equal(existsSync(join(dir, 'nowhere.json')), false)
  })

  it('--force replaces the file atomically: a new identity, mode 0600, no temporary file left', async () => {
    const key = join(dir, 'forced.json')
    writeFileSync(key, 'old', { mode: 0o644 })
    const r = await runMain(['keygen', '--out', key, '--force'])
    assert.equal(r.code, 0, r.stderr)
    const file = JSON.parse(readFileSync(key, 'utf8')) as { id: string }
    assert.equal(file.id, r.stdout.trim())
    assert.equal(statSync(key).mode & 0o777, 0o600)
    assert.deepEqual(readdirSync(dir).filter(f => f.endsWith('.tmp')), [])
    const second = await runMain(['keygen', '--out', key, '--force'])
    assert.notEqual(second.stdout.trim(), file.id)
    // --force onto a directory is refused, and leaves nothing behind.
    const sub = mkdtempSync(join(dir, 'sub-'))
    const onDir = await runMain(['keygen', '--out', sub, '--force'])
    assert.equal(onDir.code, 2)
    assert.match(oneLineError(onDir), /cannot write .*: (EISDIR|ENOTDIR|EEXIST|ENOTEMPTY)/)
    assert.deepEqual(readdirSync(dir).filter(f => f.endsWith('.tmp')), [])
  })

  it('four keygens racing for one path: exactly one writes it, the others exit 1', async () => {
    const key = join(dir, 'race.json')
    const runs = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, [...BIN, 'keygen', '--out', key], { stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      child.stdout.on('data', (d: Buffer) => { out += d.toString() })
      return once(child, 'exit').then(([code]) => ({ code: code as number, out }))
    })
    const results = await Promise.all(runs)
    assert.deepEqual(results.map(r => r.code).sort(), [0, 1, 1, 1])
    const winner = results.find(r => r.code === 0)!
    assert.equal((JSON.parse(readFileSync(key, 'utf8')) as { id: string }).id, winner.out.trim())
  })
})

describe('wireseal inspect: signature and digest, payload on request', () => {
  let dir: string
  let key: PrivateKey
  let envPath: string
  let env: Uint8Array
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wireseal-inspect-'))
    key = await generateKeyPair('Ed25519')
    env = createCodec({ privateKey: key }).seal(BlockType, block(1, 3000), { channel: 'c', compression: 'none' })
    envPath = join(dir, 'env.bin')
    writeFileSync(envPath, env)
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('an untouched envelope: both checks true, names resolved, no payload unless asked', async () => {
    const info = json(await runMain(['inspect', '--in', envPath]))
    assert.equal(info.signatureValid, true)
    assert.equal(info.digestValid, true)
    assert.equal(info.typeName, 'Block')
    assert.equal(info.serializerName, 'protobuf')
    assert.equal(info.compressionName, 'none')
    assert.equal('payload' in info, false)
    assert.equal('payloadTruncated' in info, false)
  })

  it('a tampered payload: the signature still verifies (it covers the header), digestValid is false', async () => {
    const at = payloadOffset(env)
    for (const offset of [at, at + 1500, env.length - 1]) {
      const bad = Uint8Array.from(env)
      bad[offset] = (bad[offset] as number) ^ 0x01
      const file = join(dir, `tampered-${offset}.bin`)
      writeFileSync(file, bad)
      const info = json(await runMain(['inspect', '--in', file]))
      assert.equal(info.signatureValid, true, `offset ${offset}`)
      assert.equal(info.digestValid, false, `offset ${offset}`)
      // open agrees: the same envelope is refused for its digest.
      const o = await runMain(['open', '--channel', 'c', '--in', file])
      assert.equal(o.code, 1)
      assert.match(oneLineError(o), /rejected: digest-mismatch/)
    }
  })

  it('--payload prints the carried payload, at most --payload-max bytes, and says when it cut', async () => {
    const payload = parseEnvelope(env, DEFAULT_LIMITS).payload
    const full = json(await runMain(['inspect', '--in', envPath, '--payload', '--payload-max', '100000']))
    assert.deepEqual(Buffer.from(full.payload as string, 'base64'), Buffer.from(payload))
    assert.equal(full.payloadTruncated, false)
    const cut = json(await runMain(['inspect', '--in', envPath, '--payload', '--payload-max', '16']))
    assert.deepEqual(Buffer.from(cut.payload as string, 'base64'), Buffer.from(payload.subarray(0, 16)))
    assert.equal(cut.payloadTruncated, true)
    // The default bound: 4096 bytes of a 3000-byte payload is all of it.
    const dflt = json(await runMain(['inspect', '--in', envPath, '--payload']))
    assert.equal(Buffer.from(dflt.payload as string, 'base64').length, payload.length)
    for (const bad of ['0', '-1', 'lots', String(DEFAULT_LIMITS.maxCompressedBytes + 1)]) {
      const r = await runMain(['inspect', '--in', envPath, '--payload', `--payload-max=${bad}`])
      assert.equal(r.code, 2, bad)
      assert.match(oneLineError(r), /--payload-max expects an integer in 1\.\.\d+/)
    }
  })

  it('a forwarded batch item is checked by its inclusion proof; a chunked head has no payload to check (null)', async () => {
    const codec = createCodec({ privateKey: key })
    const batch = codec.sealBatch(BlockType, [block(1), block(2), block(3)], { channel: 'c' })
    const opened = createCodec().open(batch, { channel: 'c' })
    assert.ok(opened.ok && opened.itemEnvelope !== undefined)
    const item = opened.itemEnvelope(1)
    const itemFile = join(dir, 'item.bin')
    writeFileSync(itemFile, item)
    const info = json(await runMain(['inspect', '--in', itemFile]))
    assert.deepEqual([info.kind, info.index, info.signatureValid, info.digestValid], ['batch-item', 1, true, true])
    const bad = Uint8Array.from(item)
    const at = payloadOffset(item)
    bad[at] = (bad[at] as number) ^ 0x80
    writeFileSync(itemFile, bad)
    const badInfo = json(await runMain(['inspect', '--in', itemFile]))
    assert.deepEqual([badInfo.signatureValid, badInfo.digestValid], [true, false])
    const batchFile = join(dir, 'batch.bin')
    writeFileSync(batchFile, batch)
    assert.deepEqual([json(await runMain(['inspect', '--in', batchFile])).digestValid], [true])
    const [head] = codec.sealChunked(BlockType, block(4, DEFAULT_LIMITS.chunkBytes * 2), { channel: 'c', compression: 'none' })
    const headFile = join(dir, 'head.bin')
    writeFileSync(headFile, head!)
    const h = json(await runMain(['inspect', '--in', headFile]))
    assert.deepEqual([h.kind, h.signatureValid, h.digestValid], ['chunked', true, null])
  })
})

describe('wireseal open: --max-age, --max-clock-skew, --no-replay', () => {
  let dir: string
  let key: PrivateKey
  const at = (offsetMs: number, i: number): string => {
    const file = join(dir, `env-${offsetMs}-${i}.bin`)
    writeFileSync(file, createCodec({ privateKey: key, now: () => Date.now() + offsetMs }).seal(BlockType, block(i), { channel: 'c' }))
    return file
  }
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wireseal-open-'))
    key = await generateKeyPair('Ed25519')
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  const open = async (args: string[]): Promise<string> => {
    const r = await runMain(['open', '--channel', 'c', ...args])
    if (r.code === 0) return 'accepted'
    assert.equal(r.code, 1, r.stderr)
    return /rejected: ([a-z-]+)/.exec(oneLineError(r))?.[1] ?? r.stderr
  }

  it('--max-age sets how old an envelope may be (default 10m)', async () => {
    const hourOld = at(-3_600_000, 1)
    assert.equal(await open(['--in', hourOld]), 'too-old')
    assert.equal(await open(['--in', hourOld, '--max-age', '30m']), 'too-old')
    assert.equal(await open(['--in', hourOld, '--max-age', '2h']), 'accepted')
    assert.equal(await open(['--in', hourOld, '--max-age', String(2 * 3_600_000)]), 'accepted')
    const fresh = at(-60_000, 2)
    assert.equal(await open(['--in', fresh]), 'accepted')
    assert.equal(await open(['--in', fresh, '--max-age', '30s']), 'too-old')
  })

  it('--max-age with --state: an old envelope accepted once is refused as replayed next time', async () => {
    const state = join(dir, 'state')
    const weekOld = at(-6 * 86_400_000, 3)
    assert.equal(await open(['--in', weekOld, '--state', state, '--max-age', '7d']), 'accepted')
    assert.equal(await open(['--in', weekOld, '--state', state, '--max-age', '7d']), 'replayed')
  })

  it('--max-clock-skew sets how far in the future a timestamp may be (default 30s)', async () => {
    const ahead = at(5 * 60_000, 4)
    assert.equal(await open(['--in', ahead]), 'clock-skew')
    assert.equal(await open(['--in', ahead, '--max-clock-skew', '10m']), 'accepted')
    assert.equal(await open(['--in', ahead, '--max-clock-skew', '1m']), 'clock-skew')
  })

  it('--no-replay verifies without any replay, age or skew check and without state', async () => {
    const old = at(-30 * 86_400_000, 5)
    const before = readdirSync(dir).length
    assert.equal(await open(['--in', old]), 'too-old')
    for (let i = 0; i < 2; i++) {
      const r = await runMain(['open', '--channel', 'c', '--no-replay', '--in', old])
      assert.equal(r.code, 0, r.stderr)
      assert.equal((JSON.parse(r.stdout) as { type: string }).type, 'Block')
    }
    assert.equal(readdirSync(dir).length, before, 'no state written')
    // Verification still happens: channel, type, signature, digest.
    assert.equal(await open(['--in', old, '--no-replay', '--channel', 'other']), 'wrong-channel')
    assert.equal(await open(['--in', old, '--no-replay', '--type', 'PeerInfo']), 'wrong-type')
    const bytes = readFileSync(old)
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1
    const bad = join(dir, 'bad.bin')
    writeFileSync(bad, bytes)
    assert.equal(await open(['--in', bad, '--no-replay']), 'digest-mismatch')
  })

  it('--no-replay with --state, --max-age or --max-clock-skew is a usage error; bad durations name the flag', async () => {
    const env = at(0, 6)
    for (const extra of [['--state', join(dir, 's')], ['--max-age', '1h'], ['--max-clock-skew', '1m']]) {
      const r = await runMain(['open', '--channel', 'c', '--no-replay', '--in', env, ...extra])
      assert.equal(r.code, 2)
      assert.match(oneLineError(r), new RegExp(`--no-replay .*cannot be combined with ${extra[0] as string}`))
    }
    assert.equal(existsSync(join(dir, 's')), false)
    for (const [flag, bad] of [['--max-age', '10 minutes'], ['--max-age', '-5m'], ['--max-clock-skew', '1y']]) {
      const r = await runMain(['open', '--channel', 'c', '--in', env, `${flag as string}=${bad as string}`])
      assert.equal(r.code, 2)
      assert.match(oneLineError(r), new RegExp(`${flag as string} expects a duration like 500ms, 45s, 10m, 2h, 7d`))
    }
  })

  it('key files written by keygen still seal (0600 kept), and seal output opens', async () => {
    const keyFile = join(dir, 'k.json')
    writeFileSync(keyFile, JSON.stringify({ version: 1, type: key.type, id: key.publicKey.toString(), privateKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64') }), { mode: 0o600 })
    chmodSync(keyFile, 0o600)
    const value = join(dir, 'block.json')
    writeFileSync(value, JSON.stringify({ hash: 'AAEC', data: 'aGk=', timestamp: '1', ttl: 1, version: 1, signature: '' }))
    const out = join(dir, 'sealed.bin')
    assert.equal((await runMain(['seal', '--key', keyFile, '--type', 'Block', '--channel', 'c', '--in', value, '--out', out])).code, 0)
    assert.equal(await open(['--in', out, '--no-replay']), 'accepted')
  })
})
