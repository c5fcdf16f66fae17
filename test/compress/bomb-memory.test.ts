import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { candidates } from './backends.js'
import { gzipZeros, snappyBomb, zstdPattern, zstdZeros } from './fixtures.js'

// Each bomb runs in its own child process (`node --import tsx bomb-child.ts`)
// so that the peak RSS it reports belongs to that one decompression.

const run = promisify(execFile)
const child = fileURLToPath(new URL('./bomb-child.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'wireseal-bombs-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Growth allowed for a 1 MiB cap: a small multiple of it, whatever the bomb claims (1 GiB or 4 GiB). */
const MAX_GROWTH_MIB = 64

const bombs: Array<[string, string, Uint8Array]> = [
  ['snappy', 'preamble claiming 4 GiB', snappyBomb()],
  ['zstd', '1 GiB zeros, content size declared', zstdZeros(8192, true)],
  ['zstd', '1 GiB zeros, no content size (RLE blocks)', zstdZeros(8192, false)],
  ['zstd', '1 GiB pattern, no content size (compressed blocks)', zstdPattern(8192, false)],
  ['gzip', '1 GiB zeros', gzipZeros(1024)]
]

interface Report {
  error: string
  ms: number
  bombBytes: number
  peakRssGrowthMiB: number
  arrayBuffersGrowthMiB: number
  externalGrowthMiB: number
}

/** Runs `tasks` two at a time (2-core machine). */
async function limited<T> (tasks: Array<() => Promise<T>>): Promise<T[]> {
  const results: T[] = []
  let next = 0
  async function worker (): Promise<void> {
    while (next < tasks.length) {
      const i = next++
      results[i] = await (tasks[i] as () => Promise<T>)()
    }
  }
  await Promise.all([worker(), worker()])
  return results
}

test('bombs against a 1 MiB cap: SizeLimitError on every backend, peak memory within a small multiple of the cap', async (t) => {
  const jobs: Array<{ label: string, run: () => Promise<Report> }> = []
  bombs.forEach(([format, label, bytes], i) => {
    const file = join(dir, `bomb-${i}.bin`)
    writeFileSync(file, bytes)
    for (const c of candidates.filter((x) => x.format === format)) {
      if (c.compressor === undefined) {
        t.diagnostic(`skipped ${format}/${c.backend}: ${c.skip ?? ''}`)
        continue
      }
      jobs.push({
        label: `${format}/${c.backend} ${label} (${bytes.length} B)`,
        run: async () => {
          const { stdout } = await run(process.execPath, ['--import', 'tsx', child, file, format, c.backend], { timeout: 25_000 })
          return JSON.parse(stdout) as Report
        }
      })
    }
  })
  // Negative control: a naive gunzip capped at 128 MiB must show up as >= 100 MiB of growth.
  const gzipFile = join(dir, `bomb-${bombs.findIndex(([f]) => f === 'gzip')}.bin`)
  jobs.push({
    label: 'control: node:zlib gunzip capped at 128 MiB',
    run: async () => JSON.parse((await run(process.execPath, ['--import', 'tsx', child, gzipFile, 'control', 'naive'], { timeout: 25_000 })).stdout) as Report
  })
  const reports = await limited(jobs.map((j) => j.run))
  reports.forEach((r, i) => {
    const label = (jobs[i] as { label: string }).label
    t.diagnostic(`${label}: ${r.error} in ${r.ms} ms, peak RSS +${r.peakRssGrowthMiB.toFixed(1)} MiB, arrayBuffers +${r.arrayBuffersGrowthMiB.toFixed(1)} MiB, external +${r.externalGrowthMiB.toFixed(1)} MiB`)
  })
  const controlReport = reports.pop() as Report
  assert.equal(controlReport.error, 'RangeError')
  assert.ok(controlReport.peakRssGrowthMiB >= 100, `the measurement misses growth: control grew ${controlReport.peakRssGrowthMiB} MiB`)
  reports.forEach((r, i) => {
    const label = (jobs[i] as { label: string }).label
    assert.equal(r.error, 'SizeLimitError', label)
    assert.ok(r.peakRssGrowthMiB < MAX_GROWTH_MIB, `${label}: peak RSS grew ${r.peakRssGrowthMiB} MiB`)
  })
})
