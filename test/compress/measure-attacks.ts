/**
 * Cost of the inputs of the issue-9 attack on every gzip and zstd backend:
 * long gzip header fields, many empty gzip members, a gzip bomb under a
 * 64 KiB cap, zstd skippable frames and many empty zstd frames. Not a test:
 * run `node --import tsx test/compress/measure-attacks.ts`. Each (case,
 * backend) runs in its own child process, so its peak RSS is its own.
 */
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { getCompressor, listBackends } from '../../src/compress/index.js'
import { EMPTY_ZSTD_FRAME, gzipLongName, gzipZeros, repeatBytes, zstdRaw, zstdSkippable } from './fixtures.js'

const MiB = 1024 * 1024

/**
 * One skippable frame of `bytes` user data, then a real frame of 1 KiB, in one allocation: a transient
 * copy would raise the high-water mark (maxRSS) before the baseline and be counted as growth.
 */
function skippable (bytes: number): Uint8Array {
  const real = zstdRaw(1024)
  const out = new Uint8Array(8 + bytes + real.length)
  out.set(zstdSkippable(0), 0)
  new DataView(out.buffer).setUint32(4, bytes, true)
  out.fill(0x5a, 8, 8 + bytes)
  out.set(real, 8 + bytes)
  return out
}

const cases: Record<string, { format: string, cap: number, input: () => Uint8Array }> = {
  'gzip FNAME 1 MiB': { format: 'gzip', cap: MiB, input: () => gzipLongName(MiB) },
  'gzip FNAME 2 MiB': { format: 'gzip', cap: MiB, input: () => gzipLongName(2 * MiB) },
  'gzip FNAME 4 MiB': { format: 'gzip', cap: MiB, input: () => gzipLongName(4 * MiB) },
  'gzip 50k empty members': { format: 'gzip', cap: MiB, input: () => repeatBytes(gzipSync(new Uint8Array(0)), 50_000) },
  'gzip 64 empty members (the bound)': { format: 'gzip', cap: MiB, input: () => repeatBytes(gzipSync(new Uint8Array(0)), 64) },
  'gzip 100k empty members': { format: 'gzip', cap: MiB, input: () => repeatBytes(gzipSync(new Uint8Array(0)), 100_000) },
  'gzip 1 GiB bomb, 64 KiB cap': { format: 'gzip', cap: 64 * 1024, input: () => gzipZeros(1024) },
  'zstd 8 MiB skippable frame': { format: 'zstd', cap: MiB, input: () => skippable(8 * MiB) },
  'zstd 64 empty frames (the bound)': { format: 'zstd', cap: MiB, input: () => repeatBytes(EMPTY_ZSTD_FRAME, 64) },
  'zstd 110k empty frames (1 MB)': { format: 'zstd', cap: MiB, input: () => repeatBytes(EMPTY_ZSTD_FRAME, 110_000) }
}

/** Bytes of the wasm heap of the zstd-wasm backend (it never shrinks). */
function wasmHeap (): number {
  const require = createRequire(import.meta.url)
  const mod = require(join(dirname(require.resolve('@bokuweb/zstd-wasm')), 'module.js')) as { Module: { HEAPU8: Uint8Array } }
  return mod.Module.HEAPU8.length
}

function child (name: string, backend: string): void {
  const c = cases[name]
  if (c === undefined) throw new TypeError(`unknown case ${name}`)
  const z = getCompressor(c.format, backend)
  const sample = new Uint8Array(64 * 1024).map((_, i) => i % 251)
  z.decompress(z.compress(sample), sample.length)
  const input = c.input()
  const heapBefore = wasmHeap()
  const before = process.memoryUsage().rss
  const start = performance.now()
  let outcome: string
  try {
    outcome = `${z.decompress(input, c.cap).length} B`
  } catch (err) {
    outcome = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  }
  const ms = performance.now() - start
  const peak = Math.max(0, process.resourceUsage().maxRSS * 1024 - before) / MiB
  console.log(JSON.stringify({ ms, peak, heap: (wasmHeap() - heapBefore) / MiB, outcome, bytes: input.length }))
}

if (process.argv[2] === '--child') {
  child(process.argv[3] as string, process.argv[4] as string)
} else {
  const self = fileURLToPath(import.meta.url)
  console.log('| case | backend | input | time | peak RSS growth | wasm heap growth | outcome |')
  console.log('|---|---|---|---|---|---|---|')
  for (const [name, c] of Object.entries(cases)) {
    for (const b of listBackends(c.format)) {
      if (b.compressor === undefined) continue
      const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', name, b.backend], { encoding: 'utf8', timeout: 120_000 })
      const r = JSON.parse(out) as { ms: number, peak: number, heap: number, outcome: string, bytes: number }
      const heap = b.backend === 'zstd-wasm' ? `+${r.heap.toFixed(1)} MiB` : '-'
      console.log(`| ${name} | ${b.backend} | ${(r.bytes / 1e6).toFixed(2)} MB | ${r.ms.toFixed(1)} ms | +${r.peak.toFixed(1)} MiB | ${heap} | ${r.outcome.slice(0, 70)} |`)
    }
  }
}
