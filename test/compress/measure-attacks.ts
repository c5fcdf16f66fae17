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
import { gzipZeros } from './fixtures.js'

const MiB = 1024 * 1024

/** A gzip member of 1 KiB of text whose FNAME is `bytes` bytes long. */
function longName (bytes: number): Uint8Array {
  const body = gzipSync(new TextEncoder().encode('wireseal '.repeat(114)))
  const out = new Uint8Array(body.length + bytes + 1)
  out.set(body.subarray(0, 10), 0)
  out[3] = 0x08
  out.fill(0x61, 10, 10 + bytes)
  out.set(body.subarray(10), 11 + bytes)
  return out
}

function repeat (unit: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(unit.length * count)
  for (let i = 0; i < count; i++) out.set(unit, i * unit.length)
  return out
}

/** One skippable frame (RFC 8878 3.1.2) of `bytes` user data, then a real frame of 1 KiB. */
function skippable (bytes: number): Uint8Array {
  const real = getCompressor('zstd', 'zstd-wasm').compress(new Uint8Array(1024).fill(7))
  const out = new Uint8Array(8 + bytes + real.length)
  new DataView(out.buffer).setUint32(0, 0x184d2a50, true)
  new DataView(out.buffer).setUint32(4, bytes, true)
  out.set(real, 8 + bytes)
  return out
}

/** The smallest zstd frame: single segment, 1-byte content size 0, one empty last raw block (9 bytes). */
const EMPTY_ZSTD = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00)

const cases: Record<string, { format: string, cap: number, input: () => Uint8Array }> = {
  'gzip FNAME 1 MiB': { format: 'gzip', cap: MiB, input: () => longName(MiB) },
  'gzip FNAME 2 MiB': { format: 'gzip', cap: MiB, input: () => longName(2 * MiB) },
  'gzip FNAME 4 MiB': { format: 'gzip', cap: MiB, input: () => longName(4 * MiB) },
  'gzip 50k empty members': { format: 'gzip', cap: MiB, input: () => repeat(gzipSync(new Uint8Array(0)), 50_000) },
  'gzip 100k empty members': { format: 'gzip', cap: MiB, input: () => repeat(gzipSync(new Uint8Array(0)), 100_000) },
  'gzip 1 GiB bomb, 64 KiB cap': { format: 'gzip', cap: 64 * 1024, input: () => gzipZeros(1024) },
  'zstd 8 MiB skippable frame': { format: 'zstd', cap: MiB, input: () => skippable(8 * MiB) },
  'zstd 110k empty frames (1 MB)': { format: 'zstd', cap: MiB, input: () => repeat(EMPTY_ZSTD, 110_000) }
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
