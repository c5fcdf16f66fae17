/**
 * The package as a user installs it: `npm pack`, then `npm install <tarball>`
 * in an empty project. The codec alone must bring no libp2p stack and build
 * nothing; `wireseal/libp2p` works once the app adds its own gossipsub.
 * Uses the npm registry (npm's cache first); `npm test` builds dist before.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const LIBP2P_STACK = ['libp2p', '@libp2p/tcp', '@libp2p/noise', '@libp2p/yamux', '@libp2p/identify', '@libp2p/gossipsub']

function npm (args: string[], cwd: string): string {
  return execFileSync(NPM, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_fund: 'false', npm_config_audit: 'false' } })
}

/** True when package `name` is installed anywhere below `dir` (a node_modules folder). */
function findPackage (dir: string, name: string): boolean {
  if (existsSync(join(dir, name, 'package.json'))) return true
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const sub = entry.name.startsWith('@') ? readdirSync(join(dir, entry.name)).map((n) => join(entry.name, n)) : [entry.name]
    for (const s of sub) {
      const nested = join(dir, s, 'node_modules')
      if (existsSync(nested) && findPackage(nested, name)) return true
    }
  }
  return false
}

/** Every directory below node_modules that holds a compiled addon build (node-gyp's output). */
function compiledAddons (dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const path = join(dir, entry.name)
    if (entry.name === 'build' && existsSync(join(path, 'Release'))) out.push(path)
    else compiledAddons(path, out)
  }
  return out
}

describe('installing the packed package in an empty project', () => {
  it('the codec alone installs no libp2p stack and compiles nothing; wireseal/libp2p works with the app\'s gossipsub', { timeout: 300_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ws-install-'))
    try {
      const packed = npm(['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], ROOT)
      const [info] = JSON.parse(packed) as Array<{ filename: string, files: Array<{ path: string }> }>
      assert.ok(info !== undefined)
      const files = info.files.map((f) => f.path)
      for (const f of ['LICENSE', 'SPEC.md', 'dist/index.js', 'dist/libp2p/index.js', 'test/vectors/envelopes.json', 'test/vectors/replay.json', 'test/vectors/README.md']) assert.ok(files.includes(f), `the tarball has ${f}`)
      assert.ok(!files.some((f) => f.startsWith('packages/')), 'the node package is not in the codec\'s tarball')
      const app = join(dir, 'app')
      execFileSync('mkdir', [app])
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }))
      npm(['install', '--prefer-offline', join(dir, info.filename)], app)
      // hoisted or nested, a package is installed when its folder exists somewhere below node_modules
      const installed = (name: string): boolean => findPackage(join(app, 'node_modules'), name)
      for (const p of LIBP2P_STACK) assert.ok(!installed(p), `${p} is not installed with the codec`)
      assert.ok(!installed('zstd-napi'), 'zstd-napi (which compiles C) is opt-in')
      assert.deepEqual(compiledAddons(join(app, 'node_modules')), [], 'no addon was compiled')
      const codec = execFileSync(process.execPath, ['--input-type=module', '-e', "import('wireseal').then(m => console.log(typeof m.createCodec))"], { cwd: app, encoding: 'utf8' })
      assert.equal(codec.trim(), 'function')
      npm(['install', '--prefer-offline', '@libp2p/gossipsub@^17.1.1'], app)
      const libp2p = execFileSync(process.execPath, ['--input-type=module', '-e', "import('wireseal/libp2p').then(m => console.log(typeof m.wiresealGossip, typeof m.dialWireseal))"], { cwd: app, encoding: 'utf8' })
      assert.equal(libp2p.trim(), 'function function')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
