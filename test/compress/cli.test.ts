import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { loaded } from './backends.js'
import { jsonLike, randomBytes } from './fixtures.js'

// Cross-checks against the reference command-line tools (an implementation
// independent of every backend). A missing command skips its tests; nothing is installed.

const dir = mkdtempSync(join(tmpdir(), 'wireseal-compress-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const inputs: Array<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['5 KB JSON', jsonLike(5000)],
  ['300 KB random', randomBytes(300_000)],
  ['1 MiB JSON', jsonLike(1024 * 1024, 4)]
]

/** Why `cmd` cannot be used, or `undefined` when it runs. */
function missing (cmd: string): string | undefined {
  const r = spawnSync(cmd, ['--version'], { encoding: 'utf8' })
  return r.error !== undefined || r.status !== 0 ? `${cmd} command not found (${r.error?.message ?? `exit ${String(r.status)}`}); not installing it` : undefined
}

/** Runs `cmd args` with `stdin`, returns stdout; fails the test on a non-zero exit. */
function exec (cmd: string, args: string[], stdin?: Uint8Array): Uint8Array {
  const r = spawnSync(cmd, args, { input: stdin, maxBuffer: 64 * 1024 * 1024 })
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr?.toString() ?? ''}`)
  return new Uint8Array(r.stdout)
}

const zstdMissing = missing('zstd')
const gzipMissing = missing('gzip')

test('zstd: our output decodes with `zstd -d -c`', (t) => {
  if (zstdMissing !== undefined) return t.skip(zstdMissing)
  for (const z of loaded('zstd')) {
    for (const [label, data] of inputs) {
      assert.deepEqual(exec('zstd', ['-d', '-c', '-q'], z.compress(data)), data, `${z.backend} ${label}`)
    }
  }
})

test('zstd: `zstd` output (with and without content size, several frames) decodes with ours', (t) => {
  if (zstdMissing !== undefined) return t.skip(zstdMissing)
  for (const [label, data] of inputs) {
    const file = join(dir, 'in.bin')
    writeFileSync(file, data)
    const fromFile = exec('zstd', ['-c', '-q', '-3', file])
    // From a pipe the size is unknown: no Frame_Content_Size (except for empty input), the streaming/bounded path.
    const fromPipe = exec('zstd', ['-c', '-q', '-19', '--check'], data)
    if (data.length > 0) assert.equal((fromPipe[4] as number) & 0xe0, 0, `pipe output declares no content size (${label})`)
    const twice = Uint8Array.from([...data, ...data])
    for (const z of loaded('zstd')) {
      assert.deepEqual(z.decompress(fromFile, data.length), data, `${z.backend} file ${label}`)
      assert.deepEqual(z.decompress(fromPipe, data.length), data, `${z.backend} pipe ${label}`)
      assert.deepEqual(z.decompress(Uint8Array.from([...fromFile, ...fromPipe]), twice.length), twice, `${z.backend} two frames ${label}`)
    }
  }
})

test('gzip: our output decodes with `gzip -d -c` and node:zlib', (t) => {
  if (gzipMissing !== undefined) return t.skip(gzipMissing)
  for (const z of loaded('gzip')) {
    for (const [label, data] of inputs) {
      const packed = z.compress(data)
      assert.deepEqual(exec('gzip', ['-d', '-c'], packed), data, `${z.backend} ${label}`)
      assert.deepEqual(new Uint8Array(gunzipSync(packed)), data, `${z.backend} ${label} node:zlib`)
    }
  }
})

test('gzip: `gzip` output (file name in the header, levels 1 and 9, two members) decodes with ours', (t) => {
  if (gzipMissing !== undefined) return t.skip(gzipMissing)
  for (const [label, data] of inputs) {
    const file = join(dir, 'block.json')
    writeFileSync(file, data)
    const named = exec('gzip', ['-c', '-9', file])
    assert.equal((named[3] as number) & 0x08, 0x08, 'FNAME set')
    const piped = exec('gzip', ['-c', '-1'], data)
    const twice = Uint8Array.from([...data, ...data])
    for (const z of loaded('gzip')) {
      assert.deepEqual(z.decompress(named, data.length), data, `${z.backend} named ${label}`)
      assert.deepEqual(z.decompress(piped, data.length), data, `${z.backend} piped ${label}`)
      assert.deepEqual(z.decompress(Uint8Array.from([...named, ...piped]), twice.length), twice, `${z.backend} two members ${label}`)
    }
  }
})
