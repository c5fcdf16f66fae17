/**
 * Measures ratio and speed of gzip and zstd levels on JSON-like data, to
 * justify DEFAULT_GZIP_LEVEL and DEFAULT_ZSTD_LEVEL (src/compress/levels.ts).
 * Not a test: run `node --import tsx test/compress/measure-levels.ts`.
 */
import { createGzipFflate, createGzipZlib, createZstdNapi, createZstdWasm, type Compressor } from '../../src/compress/index.js'
import { jsonLike } from './fixtures.js'

/** Median MB/s of `fn` over `reps` runs of at least `ms` each. */
function speed (bytes: number, fn: () => void, reps = 3, ms = 60): number {
  const rates: number[] = []
  for (let r = 0; r < reps; r++) {
    let n = 0
    const start = performance.now()
    let now = start
    while (now - start < ms) {
      fn()
      n++
      now = performance.now()
    }
    rates.push((bytes * n) / ((now - start) / 1000) / 1e6)
  }
  return rates.sort((a, b) => a - b)[Math.floor(reps / 2)] as number
}

const sizes = [4 * 1024, 64 * 1024, 1024 * 1024]
const rows: Array<[string, Compressor]> = []
for (const level of [1, 6, 9]) rows.push([`gzip L${level} node-zlib`, createGzipZlib({ level })], [`gzip L${level} fflate`, createGzipFflate({ level })])
for (const level of [1, 3]) {
  const napi = createZstdNapi({ level })
  if (napi !== undefined) rows.push([`zstd L${level} zstd-napi`, napi])
  rows.push([`zstd L${level} zstd-wasm`, createZstdWasm({ level })])
}
console.log('| codec | size | ratio | compress MB/s | decompress MB/s |')
console.log('|---|---|---|---|---|')
for (const size of sizes) {
  const data = jsonLike(size)
  for (const [label, c] of rows) {
    const z = c.compress(data)
    const ratio = data.length / z.length
    const cs = speed(size, () => c.compress(data))
    const ds = speed(size, () => c.decompress(z, size))
    console.log(`| ${label} | ${size / 1024} KiB | ${ratio.toFixed(2)} | ${cs.toFixed(0)} | ${ds.toFixed(0)} |`)
  }
}
