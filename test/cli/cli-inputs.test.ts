// Issue 9, defects 5 and 6 (CLI): every input read under its limit whatever
// the file kind, bounded waits on FIFOs and keys, key file hygiene, flag values
// looked up as own properties, a way out of a damaged state, a held state dir.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { createCodec } from '../../src/codec/index.js'
import { BlockType } from '../../src/serialize/messages.js'
import { DEFAULT_LIMITS, DEFAULT_MAX_CLOCK_SKEW_MS } from '../../src/limits.js'
import { acquireStateLock, decodeReplayState } from '../../src/replay/index.js'

const WORKER = join(import.meta.dirname, 'cli-worker.ts')
const BIN = join(import.meta.dirname, '../../src/cli/bin.ts')

interface Report { code: number | null, stdout: string, stderr: string, maxRssKiB: number }

/** Runs the CLI once in a fresh process; reports exit code, output and peak RSS. */
function cli (args: string[], input?: Uint8Array | string): Report {
  const out = join(tmpdir(), `wireseal-report-${process.pid}-${Math.random()}.json`)
  const r = spawnSync(process.execPath, ['--import', 'tsx', WORKER, 'once', out, '--', ...args], { input, timeout: 60_000, maxBuffer: 1 << 20 })
  if (!existsSync(out)) return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() + (r.error?.message ?? ''), maxRssKiB: -1 }
  const rep = JSON.parse(readFileSync(out, 'utf8')) as Report
  rmSync(out)
  return rep
}

function oneLine (r: Report, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr)
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, pattern)
}

function writeKey (path: string, key: PrivateKey, mode = 0o600, privateKey?: string): void {
  writeFileSync(path, JSON.stringify({ version: 1, type: key.type, id: key.publicKey.toString(), privateKey: privateKey ?? Buffer.from(privateKeyToProtobuf(key)).toString('base64') }), { mode })
  chmodSync(path, mode)
}

const MiB = 1024
const blockJson = JSON.stringify({ hash: 'AAECAwQ=', data: 'aGVsbG8=', timestamp: '1', ttl: 1, version: 1, signature: '' })

describe('wireseal CLI inputs, flags and state', () => {
  let dir: string
  let key: PrivateKey
  let keyPath: string
  let baseRss: number
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wireseal-cli-in-'))
    key = await generateKeyPair('Ed25519')
    keyPath = join(dir, 'key.json')
    writeKey(keyPath, key)
    writeFileSync(join(dir, 'block.json'), blockJson)
    baseRss = cli(['help']).maxRssKiB
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('/dev/zero, a symlink to it and a 100 MB /dev/stdin are refused past the limit, with memory near the limit', () => {
    const limit = DEFAULT_LIMITS.maxFrameBytes
    // Bound: the process's own footprint plus twice the limit (chunks and their concatenation).
    const bound = baseRss + 2 * limit / 1024 + 16 * MiB
    const link = join(dir, 'zero-link')
    symlinkSync('/dev/zero', link)
    for (const args of [['open', '--channel', 'c', '--in', '/dev/zero'], ['inspect', '--in', link], ['seal', '--key', keyPath, '--type', 'Block', '--channel', 'c', '--in', '/dev/zero']]) {
      const r = cli(args)
      oneLine(r, 2, /is \d+\+ bytes, more than the \d+-byte limit/)
      assert.ok(r.maxRssKiB < bound, `${args.join(' ')}: ${r.maxRssKiB} KiB >= ${bound}`)
    }
    // 100 MB through a shell pipe (a FIFO, as in the attack) named as /dev/stdin.
    const out = join(dir, 'stdin-report.json')
    const sh = spawnSync('sh', ['-c', 'head -c 104857600 /dev/zero | "$0" --import tsx "$1" once "$2" -- open --channel c --in /dev/stdin', process.execPath, WORKER, out], { timeout: 60_000 })
    assert.equal(sh.status, 2, sh.stderr.toString())
    const r = JSON.parse(readFileSync(out, 'utf8')) as Report
    oneLine(r, 2, new RegExp(`stdin is \\d+\\+ bytes, more than the ${limit}-byte limit`))
    assert.ok(r.maxRssKiB < bound, `/dev/stdin: ${r.maxRssKiB} KiB >= ${bound}`)
  })

  it('key files: a device, group/other access and junk around the base64 are refused with the fix', () => {
    const seal = (k: string): Report => cli(['seal', '--key', k, '--type', 'Block', '--channel', 'c', '--in', join(dir, 'block.json'), '--out', join(dir, 'out.bin')])
    oneLine(seal('/dev/zero'), 2, /cannot use \/dev\/zero as a key: not a regular file or a pipe/)
    const open = join(dir, 'open-key.json')
    writeKey(open, key, 0o644)
    oneLine(seal(open), 2, /mode 0644.*chmod 600/)
    const b64 = Buffer.from(privateKeyToProtobuf(key)).toString('base64')
    for (const junk of [` ${b64}\n`, `${b64}!!`, `-----BEGIN-----${b64}`]) {
      const p = join(dir, 'junk-key.json')
      writeKey(p, key, 0o600, junk)
      oneLine(seal(p), 2, /not canonical base64/)
    }
    const other = join(dir, 'wrong-id.json')
    writeFileSync(other, JSON.stringify({ version: 1, type: key.type, id: '12D3KooWSomeoneElse', privateKey: b64 }), { mode: 0o600 })
    oneLine(seal(other), 2, /id does not match the key/)
    assert.equal(seal(keyPath).code, 0)
  })

  it('a key or an input that is a FIFO is read within --input-wait, and refused when no writer comes', async () => {
    const fifo = join(dir, 'key.fifo')
    assert.equal(spawnSync('mkfifo', ['-m', '600', fifo]).status, 0)
    oneLine(cli(['seal', '--key', fifo, '--type', 'Block', '--channel', 'c', '--input-wait', '300'], blockJson), 2, /key\.fifo: no end of input after 300 ms/)
    oneLine(cli(['open', '--channel', 'c', '--in', fifo, '--input-wait', '300']), 2, /no end of input after 300 ms/)
    // A writer that comes: the key is read from the FIFO.
    const writer = spawn('sh', ['-c', `cat "${keyPath}" > "${fifo}"`])
    const r = cli(['seal', '--key', fifo, '--type', 'Block', '--channel', 'c', '--out', join(dir, 'fifo.bin'), '--input-wait', '20000'], blockJson)
    await once(writer, 'exit')
    assert.equal(r.code, 0, r.stderr)
    oneLine(cli(['open', '--channel', 'c', '--input-wait', 'soon']), 2, /--input-wait expects milliseconds/)
  })

  it('flag values and commands are own properties only: toString, constructor, __proto__ are usage errors', () => {
    for (const name of ['toString', 'constructor']) {
      oneLine(cli(['seal', '--key', keyPath, '--type', 'Block', '--channel', 'c', '--compression', name], blockJson), 2, new RegExp(`unknown --compression "${name}"`))
    }
    oneLine(cli(['keygen', '--type', 'constructor']), 2, /unknown key type/)
    oneLine(cli(['toString']), 2, /unknown command "toString"/)
    oneLine(cli(['seal', '--key', keyPath, '--type', '__proto__', '--channel', 'c'], blockJson), 2, /unknown --type/)
    oneLine(cli(['state', 'hasOwnProperty']), 2, /unknown action/)
  })

  it('a damaged state file names itself and `wireseal state reset`, which moves it aside and keeps replays out', () => {
    const state = join(dir, 'damaged')
    mkdirSync(state)
    const sender = createCodec({ privateKey: key })
    const env = join(dir, 'state-env.bin')
    writeFileSync(env, sender.seal(BlockType, { hash: new Uint8Array(1), data: new Uint8Array(1), timestamp: 1n, ttl: 1, version: 1, signature: new Uint8Array(0) }, { channel: 'c' }))
    assert.equal(cli(['open', '--channel', 'c', '--state', state, '--in', env]).code, 0)
    writeFileSync(join(state, 'replay.json'), 'garbage\n')
    writeFileSync(join(state, 'sequencer.json'), '{"format":"wireseal/sequencer-state"')
    const replayFile = join(state, 'replay.json')
    oneLine(cli(['open', '--channel', 'c', '--state', state, '--in', env]), 1, new RegExp(`CorruptStateError: damaged state file ${replayFile} .*wireseal state reset --state ${state}`))
    oneLine(cli(['seal', '--key', keyPath, '--type', 'Block', '--channel', 'c', '--state', state], blockJson), 1, /CorruptStateError: damaged state file .*sequencer\.json/)
    const t0 = Date.now()
    const r = cli(['state', 'reset', '--state', state])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /replay\.json: damaged .*moved to .*replay\.json\.corrupt-/)
    assert.match(r.stdout, /sequencer\.json: damaged .*moved to/)
    const aside = readdirSync(state).filter(f => f.includes('.corrupt-'))
    assert.equal(aside.length, 2)
    assert.equal(readFileSync(join(state, aside.find(f => f.startsWith('replay'))!), 'utf8'), 'garbage\n')
    // The new replay state refuses everything the lost one may have accepted.
    const fresh = decodeReplayState(readFileSync(replayFile))
    assert.ok(fresh.floorMs >= t0 + DEFAULT_MAX_CLOCK_SKEW_MS, String(fresh.floorMs))
    oneLine(cli(['open', '--channel', 'c', '--state', state, '--in', env]), 1, /rejected: out-of-window/)
    assert.equal(cli(['seal', '--key', keyPath, '--type', 'Block', '--channel', 'c', '--state', state, '--out', join(dir, 'x.bin')], blockJson).code, 0)
    const again = cli(['state', 'reset', '--state', state])
    assert.match(again.stdout, /replay\.json: ok, left alone/)
    oneLine(cli(['state', 'reset']), 2, /missing --state/)
  })

  it('temp files left by a kill -9 mid-write are removed when the state is opened', () => {
    const state = join(dir, 'tmp-left')
    mkdirSync(state)
    const left = ['replay.json.4242.1.tmp', 'sequencer.json.4242.2.tmp']
    for (const f of left) writeFileSync(join(state, f), 'partial')
    assert.equal(cli(['seal', '--key', keyPath, '--type', 'Block', '--channel', 'c', '--state', state, '--out', join(dir, 'y.bin')], blockJson).code, 0)
    assert.equal(cli(['open', '--channel', 'c', '--state', state, '--in', join(dir, 'y.bin')]).code, 0)
    assert.deepEqual(readdirSync(state).filter(f => f.endsWith('.tmp')), [])
  })

  it('a held state dir: --lock-wait bounds the wait, then exit 75 naming the holder pid and the lock file', async () => {
    const state = join(dir, 'held')
    mkdirSync(state)
    const lock = await acquireStateLock(state)
    try {
      const r = cli(['seal', '--key', keyPath, '--type', 'Block', '--channel', 'c', '--state', state, '--lock-wait', '200'], blockJson)
      oneLine(r, 75, new RegExp(`StateLockedError: ${join(state, 'wireseal.lock')} is held by pid ${process.pid} .*waiting 2\\d\\d ms`))
      oneLine(cli(['open', '--channel', 'c', '--state', state, '--lock-wait', '0'], Buffer.from('x')), 75, /StateLockedError/)
    } finally {
      lock.release()
    }
    // bin.ts itself (not the test worker) exits with the same code and flushes its output.
    const b = spawnSync(process.execPath, ['--import', 'tsx', BIN, 'help'])
    assert.equal(b.status, 0)
    assert.match(b.stdout.toString(), /wireseal state reset --state DIR/)
  })
})
