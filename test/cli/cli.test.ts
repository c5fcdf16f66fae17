import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_LIMITS } from '../../src/limits.js'

const BIN = ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/bin.ts')]

interface Run { code: number | null, stdout: string, stderr: string, raw: Buffer }

function wireseal (args: string[], input?: Uint8Array | string): Run {
  const r = spawnSync(process.execPath, [...BIN, ...args], { input, timeout: 30_000, maxBuffer: 64 << 20 })
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString(), raw: r.stdout }
}

/** A CLI failure is exactly one line on stderr, without a stack trace. */
function assertOneLineError (r: Run, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr)
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`)
  assert.match(lines[0] ?? '', pattern)
  assert.doesNotMatch(r.stderr, /\n\s+at /)
}

const block = { hash: 'AAECAwQ=', data: Buffer.alloc(3000, 'wireseal ').toString('base64'), timestamp: '18446744073709551615', ttl: 7, version: 2, signature: '' }

describe('wireseal CLI', () => {
  let dir: string
  let key: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wireseal-cli-'))
    key = join(dir, 'key.json')
    writeFileSync(join(dir, 'block.json'), JSON.stringify(block))
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('keygen writes a 0600 key file and prints the peer id', () => {
    const r = wireseal(['keygen', '--out', key])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout.trim(), /^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/)
    assert.equal(statSync(key).mode & 0o777, 0o600)
    assert.equal(JSON.parse(readFileSync(key, 'utf8')).id, r.stdout.trim())
    const secp = wireseal(['keygen', '--type', 'secp256k1', '--out', join(dir, 'secp.json')])
    assert.equal(secp.code, 0, secp.stderr)
    assert.match(secp.stdout.trim(), /^16Uiu2/)
  })

  for (const [serializer, compression] of [['protobuf', 'auto'], ['msgpack', 'gzip'], ['flatbuffers', 'snappy'], ['json', 'zstd'], ['protobuf', 'none']] as const) {
    it(`seal -> open round trip (${serializer}, ${compression})`, () => {
      const env = join(dir, `env-${serializer}-${compression}.bin`)
      const s = wireseal(['seal', '--key', key, '--type', 'Block', '--serializer', serializer, '--compression', compression, '--channel', 'blocks', '--in', join(dir, 'block.json'), '--out', env])
      assert.equal(s.code, 0, s.stderr)
      const o = wireseal(['open', '--channel', 'blocks', '--type', 'Block', '--in', env])
      assert.equal(o.code, 0, o.stderr)
      const out = JSON.parse(o.stdout)
      assert.deepEqual(out.value, block)
      assert.equal(out.serializer, serializer)
      assert.equal(out.type, 'Block')
      assert.equal(out.from, JSON.parse(readFileSync(key, 'utf8')).id)
      assert.equal(out.compression, compression === 'auto' ? 'snappy' : compression)
    })
  }

  it('stdin/stdout: seal | open, and --state rejects the replay in a later invocation', () => {
    const s = wireseal(['seal', '--key', key, '--type', 'Block', '--channel', 'pipe'], JSON.stringify(block))
    assert.equal(s.code, 0, s.stderr)
    const state = join(dir, 'state')
    const first = wireseal(['open', '--channel', 'pipe', '--state', state], s.raw)
    assert.equal(first.code, 0, first.stderr)
    assertOneLineError(wireseal(['open', '--channel', 'pipe', '--state', state], s.raw), 1, /rejected: replayed/)
    assertOneLineError(wireseal(['open', '--channel', 'other'], s.raw), 1, /rejected: wrong-channel/)
    assertOneLineError(wireseal(['open', '--channel', 'pipe', '--type', 'PeerInfo'], s.raw), 1, /rejected: wrong-type/)
  })

  it('inspect shows the header without trusting it, and notices a bad signature', () => {
    const s = wireseal(['seal', '--key', key, '--type', 'Block', '--channel', 'inspect'], JSON.stringify(block))
    const r = wireseal(['inspect', '--payload', '--payload-max', String(64 << 10)], s.raw)
    assert.equal(r.code, 0, r.stderr)
    const info = JSON.parse(r.stdout)
    for (const field of ['version', 'type', 'serializer', 'compression', 'channel', 'seq', 'timestamp', 'from', 'payloadLength', 'uncompressedLength', 'digest', 'signatureValid', 'digestValid', 'payload']) {
      assert.ok(field in info, field)
    }
    assert.equal(info.signatureValid, true)
    assert.equal(info.digestValid, true)
    assert.equal(info.channel, 'inspect')
    assert.equal(Buffer.from(info.payload, 'base64').length, info.payloadLength)
    // Flip a bit inside the signature: still parseable, no longer valid.
    const bytes = Buffer.from(s.raw)
    const sigAt = bytes.indexOf(Buffer.from(info.payload, 'base64')) - 3
    bytes[sigAt - 10] = (bytes[sigAt - 10] as number) ^ 0x01
    const bad = JSON.parse(wireseal(['inspect'], bytes).stdout)
    assert.equal(bad.signatureValid, false)
    assert.equal(bad.digestValid, true)
  })

  it('bad flags, unreadable files and malformed input give one line and a non-zero exit', () => {
    assertOneLineError(wireseal(['seal', '--bogus']), 2, /Unknown option '--bogus'/)
    assertOneLineError(wireseal(['frobnicate']), 2, /unknown command "frobnicate"/)
    assertOneLineError(wireseal(['keygen', '--type', 'rsa3']), 2, /unknown key type/)
    assertOneLineError(wireseal(['seal', '--key', join(dir, 'missing.json'), '--type', 'Block', '--channel', 'c'], '{}'), 2, /cannot read .*missing\.json: ENOENT/)
    assertOneLineError(wireseal(['seal', '--key', key, '--type', 'Block', '--channel', 'c'], 'not json'), 2, /not a valid Block value/)
    assertOneLineError(wireseal(['seal', '--key', key, '--type', 'Block', '--channel', 'c'], '{"hash":1}'), 2, /not a valid Block value/)
    assertOneLineError(wireseal(['seal', '--key', key, '--type', 'Nope', '--channel', 'c'], '{}'), 2, /unknown --type "Nope"/)
    assertOneLineError(wireseal(['seal', '--key', key, '--type', 'Block', '--channel', 'c', '--compression', 'lz4'], JSON.stringify(block)), 2, /unknown --compression "lz4"/)
    const notKey = join(dir, 'not-a-key.json')
    writeFileSync(notKey, JSON.stringify(block), { mode: 0o600 })
    assertOneLineError(wireseal(['seal', '--key', notKey, '--type', 'Block', '--channel', 'c'], JSON.stringify(block)), 2, /not a wireseal key file/)
    assertOneLineError(wireseal(['open', '--channel', 'c'], Buffer.from('garbage that is not an envelope')), 1, /rejected: malformed/)
    assertOneLineError(wireseal(['inspect'], Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])), 1, /(MalformedInputError|WireFormatError): malformed envelope/)
  })

  it('inputs over the budget are refused before they are read', () => {
    const huge = join(dir, 'huge.bin')
    writeFileSync(huge, Buffer.alloc(DEFAULT_LIMITS.maxFrameBytes + 1))
    assertOneLineError(wireseal(['open', '--channel', 'c', '--in', huge]), 2, new RegExp(`huge\\.bin is ${DEFAULT_LIMITS.maxFrameBytes + 1} bytes, more than the ${DEFAULT_LIMITS.maxFrameBytes}-byte limit`))
    assertOneLineError(wireseal(['inspect', '--in', huge]), 2, /more than the \d+-byte limit/)
    // the same limit on stdin, where the size is only known once read
    assertOneLineError(wireseal(['open', '--channel', 'c'], Buffer.alloc(DEFAULT_LIMITS.maxFrameBytes + 1)), 2, /stdin is \d+\+ bytes, more than the \d+-byte limit/)
  })

  it('help lists every command', () => {
    const r = wireseal(['help'])
    assert.equal(r.code, 0)
    for (const cmd of ['keygen', 'seal', 'open', 'inspect', 'demo']) assert.match(r.stdout, new RegExp(`wireseal ${cmd}`))
  })
})
