/**
 * Child process of bomb-memory.test.ts: decompresses one bomb with one
 * backend under a 1 MiB cap and prints, as JSON, the error and how much
 * memory the attempt took. Run alone so the figures are not polluted:
 * `node --import tsx test/compress/bomb-child.ts <bomb file> <format> <backend>`.
 * Format `control` runs a naive gunzip capped at 128 MiB instead, to show the
 * measurement does see memory growth.
 */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { getCompressor, type Compressor } from '../../src/compress/index.js'

const [file, format, backend] = process.argv.slice(2)
if (file === undefined || format === undefined || backend === undefined) throw new TypeError('usage: bomb-child.ts <file> <format> <backend>')
const CAP = 1024 * 1024
const MiB = 1024 * 1024

const bomb = new Uint8Array(readFileSync(file))
/** The negative control: node:zlib gunzip with a 128 MiB cap, as a naive caller would write it. */
const control: Compressor = {
  id: -1,
  name: 'gzip',
  backend: 'control',
  compress: (input) => new Uint8Array(input),
  decompress: (input) => new Uint8Array(gunzipSync(input, { maxOutputLength: 128 * MiB }))
}
const z = format === 'control' ? control : getCompressor(format, backend)
// Warm up: load code, create contexts, grow nothing big, so the baseline includes them.
const sample = new Uint8Array(64 * 1024).map((_, i) => i % 251)
if (format !== 'control') z.decompress(z.compress(sample), sample.length)

const before = process.memoryUsage()
const start = performance.now()
let error = 'none'
let details: unknown
try {
  z.decompress(bomb, CAP)
} catch (err) {
  error = err instanceof Error ? err.name : String(err)
  details = (err as { details?: unknown }).details
}
const ms = performance.now() - start
const after = process.memoryUsage()
// maxRSS is the high-water mark in KiB: its distance to the RSS just before is the peak growth (an upper bound).
const peakRss = process.resourceUsage().maxRSS * 1024
console.log(JSON.stringify({
  error,
  details,
  ms: Math.round(ms),
  bombBytes: bomb.length,
  peakRssGrowthMiB: Math.max(0, peakRss - before.rss) / MiB,
  arrayBuffersGrowthMiB: (after.arrayBuffers - before.arrayBuffers) / MiB,
  externalGrowthMiB: (after.external - before.external) / MiB
}))
