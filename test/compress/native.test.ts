import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { loadOptional } from '../../src/optional.js'

const run = promisify(execFile)
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

test('loadOptional: a missing package or an unexpected shape is reported, not thrown', () => {
  const missing = loadOptional('wireseal-no-such-package', (m): m is object => m !== null)
  assert.equal(missing.loaded, false)
  assert.match(missing.loaded ? '' : missing.reason, /not installed or failed to load/)
  const wrongShape = loadOptional('node:zlib', (m): m is { compressSync: unknown } => typeof (m as { compressSync?: unknown }).compressSync === 'function')
  assert.equal(wrongShape.loaded, false)
  assert.match(wrongShape.loaded ? '' : wrongShape.reason, /expected API/)
  const present = loadOptional('node:zlib', (m): m is { gzipSync: unknown } => typeof (m as { gzipSync?: unknown }).gzipSync === 'function')
  assert.equal(present.loaded, true)
})

test('without the native packages, every format falls back to its portable backend', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--import', here('./hide-native.ts'), here('./no-native-child.ts')], { timeout: 25_000 })
  const report = JSON.parse(stdout) as {
    backends: Array<{ backend: string, loaded: boolean, unavailable?: string }>
    roundTrips: Array<{ name: string, backend: string, ok: boolean }>
    nativeError: string
  }
  const byName = new Map(report.backends.map((b) => [b.backend, b]))
  for (const native of ['snappy-napi', 'zstd-napi']) {
    assert.equal(byName.get(native)?.loaded, false, native)
    assert.match(byName.get(native)?.unavailable ?? '', /hidden by hide-native/)
  }
  for (const portable of ['snappyjs', 'node-zlib', 'fflate', 'zstd-wasm']) assert.equal(byName.get(portable)?.loaded, true, portable)
  assert.deepEqual(report.roundTrips, [
    { name: 'snappy', backend: 'snappyjs', ok: true },
    { name: 'gzip', backend: 'node-zlib', ok: true },
    { name: 'zstd', backend: 'zstd-wasm', ok: true }
  ])
  assert.equal(report.nativeError, 'CodecUnavailableError')
})
