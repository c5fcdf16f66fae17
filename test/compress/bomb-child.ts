/**
 * Child process of bomb-memory.test.ts: decompresses bombs with one backend
 * under a 1 MiB cap and prints, as JSON, each error and how much memory the
 * attempts took. Run apart from the test runner so the figures are clean:
 * `node --import tsx test/compress/bomb-child.ts <format> <backend> <bomb file>...`.
 * Format `control` runs a naive gunzip capped at 128 MiB instead, to show the
 * measurement does see memory growth.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { getCompressor, type Compressor } from '../../src/compress/index.js'

const [format, backend, ...files] = process.argv.slice(2)
if (format === undefined || backend === undefined || files.length === 0) throw new TypeError('usage: bomb-child.ts <format> <backend> <file>...')
const CAP = 1024 * 1024
const MiB = 1024 * 1024

/** The negative control: node:zlib gunzip with a 128 MiB cap, as a naive caller would write it. */
const control: Compressor = {
  id: -1,
  name: 'gzip',
  backend: 'control',
  compress: (input) => new Uint8Array(input),
  decompress: (input) => new Uint8Array(gunzipSync(input, { maxOutputLength: 128 * MiB }))
}
const z = format === 'control' ? control : getCompressor(format, backend)
const bombs = files.map((f) => new Uint8Array(readFileSync(f)))
// Warm up: load code and create contexts, so the baseline includes them.
const sample = new Uint8Array(64 * 1024).map((_, i) => i % 251)
if (format !== 'control') z.decompress(z.compress(sample), sample.length)

const before = process.memoryUsage()
const results = bombs.map((bomb) => {
  const start = performance.now()
  let error = 'none'
  try {
    z.decompress(bomb, CAP)
  } catch (err) {
    error = err instanceof Error ? err.name : String(err)
  }
  const now = process.memoryUsage()
  return { error, ms: Math.round(performance.now() - start), arrayBuffersGrowthMiB: (now.arrayBuffers - before.arrayBuffers) / MiB }
})
// maxRSS is the process's high-water mark (KiB): its distance to the RSS before
// the first bomb bounds the peak growth of every bomb run here.
const peakRssGrowthMiB = Math.max(0, process.resourceUsage().maxRSS * 1024 - before.rss) / MiB
console.log(JSON.stringify({ results, peakRssGrowthMiB }))
