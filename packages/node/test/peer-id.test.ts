import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

describe('wireseal-node peer-id', () => {
  it('creates the identity once (mode 0600) and prints the same peer id after', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-peer-id-'))
    t.after(() => { rmSync(dir, { recursive: true, force: true }) })
    const first = execFileSync(process.execPath, [BIN, 'peer-id', '--data-dir', dir], { encoding: 'utf8' }).trim()
    const second = execFileSync(process.execPath, [BIN, 'peer-id'], { encoding: 'utf8', env: { ...process.env, P2P_DATA_DIR: dir } }).trim()
    assert.match(first, /^12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/)
    assert.equal(second, first)
    assert.equal(statSync(join(dir, 'identity.key')).mode & 0o777, 0o600)
  })

  it('refuses a key that others can read, naming the fix', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-peer-id-'))
    t.after(() => { rmSync(dir, { recursive: true, force: true }) })
    execFileSync(process.execPath, [BIN, 'peer-id', '--data-dir', dir])
    chmodSync(join(dir, 'identity.key'), 0o644)
    const r = spawnSync(process.execPath, [BIN, 'peer-id', '--data-dir', dir], { encoding: 'utf8' })
    assert.equal(r.status, 1)
    assert.match(r.stderr, /chmod 600/)
    assert.equal(r.stdout, '')
  })

  it('refuses an unknown flag with exit 2', () => {
    const r = spawnSync(process.execPath, [BIN, 'peer-id', '--datadir', '/tmp/x'], { encoding: 'utf8' })
    assert.equal(r.status, 2)
  })
})
