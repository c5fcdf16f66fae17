/**
 * Child process of bomb-memory.test.ts: decompresses bombs with one backend
 * under a 1 MiB cap and prints, as JSON, each error and how much memory the
 * attempts took. Run apart from the test runner so the figures are clean:
 * `node --import tsx test/compress/bomb-child.ts [--cap=<bytes>] <format> <backend> <bomb file>...`
 * (the cap defaults to 1 MiB).
 * Format `control` runs a naive gunzip capped at 128 MiB instead, to show the
 * measurement does see memory growth.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { getCompressor, type Compressor } from '../../src/compress/index.js'

const args = process.argv.slice(2)
const capArg = args[0]?.startsWith('--cap=') === true ? args.shift() : undefined
const [format, backend, ...files] = args
if (format === undefined || backend === undefined || files.length === 0) throw new TypeError('usage: bomb-child.ts [--cap=<bytes>] <format> <backend> <file>...')
const MiB = 1024 * 1024
const CAP = capArg === undefined ? MiB : Number(capArg.slice('--cap='.length))

/** The negative control: node:zlib gunzip with a 128 MiB cap, as a naive caller would write it. */
const control: Compressor = {
  id: -1,
  name: 'gzip',
  backend: 'control',
  compress: (input) => new Uint8Array(input),
  decompress: (input) => new Uint8Array(gunzipSync(input, { maxOutputLength: 128 * MiB }))
}
const z = format === 'control' ? control : getCompressor(format, backend)
// Views of the file buffers, not copies: a transient copy of a large input would raise the high-water mark
// (maxRSS) before the baseline is taken and be counted as growth.
const bombs = files.map((f) => {
  const b = readFileSync(f)
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
})
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
