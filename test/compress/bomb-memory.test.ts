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

// Bombs run in child processes (`node --import tsx bomb-child.ts`), one per
// backend, so that the peak RSS each reports belongs to its decompressions.

const run = promisify(execFile)
const child = fileURLToPath(new URL('./bomb-child.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'wireseal-bombs-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Growth allowed for a 1 MiB cap: a small multiple of it, whatever the bomb claims (1 GiB or 4 GiB). */
const MAX_GROWTH_MIB = 64

const bombs: Record<string, Array<[string, Uint8Array]>> = {
  snappy: [['preamble claiming 4 GiB', snappyBomb()]],
  zstd: [
    ['1 GiB zeros, content size declared', zstdZeros(8192, true)],
    ['1 GiB zeros, no content size (RLE blocks)', zstdZeros(8192, false)],
    ['1 GiB pattern, no content size (compressed blocks)', zstdPattern(8192, false)]
  ],
  gzip: [['1 GiB zeros', gzipZeros(1024)]]
}

interface Report {
  results: Array<{ error: string, ms: number, arrayBuffersGrowthMiB: number }>
  peakRssGrowthMiB: number
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

async function measure (format: string, backend: string, files: string[]): Promise<Report> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', child, format, backend, ...files], { timeout: 25_000 })
  return JSON.parse(stdout) as Report
}

test('bombs against a 1 MiB cap: SizeLimitError on every backend, peak memory within a small multiple of the cap', async (t) => {
  const files: Record<string, string[]> = {}
  for (const [format, list] of Object.entries(bombs)) {
    files[format] = list.map(([, bytes], i) => {
      const file = join(dir, `${format}-${i}.bin`)
      writeFileSync(file, bytes)
      return file
    })
  }
  const jobs: Array<{ format: string, backend: string }> = []
  for (const c of candidates) {
    if (c.compressor === undefined) t.diagnostic(`skipped ${c.format}/${c.backend}: ${c.skip ?? ''}`)
    else jobs.push({ format: c.format, backend: c.backend })
  }
  // Negative control: a naive gunzip capped at 128 MiB must show up as >= 100 MiB of growth.
  const tasks = [...jobs.map((j) => async () => await measure(j.format, j.backend, files[j.format] as string[])),
    async () => await measure('control', 'naive', files['gzip'] as string[])]
  const reports = await limited(tasks)
  const controlReport = reports.pop() as Report
  t.diagnostic(`control (node:zlib gunzip capped at 128 MiB): ${controlReport.results[0]?.error ?? ''}, peak RSS +${controlReport.peakRssGrowthMiB.toFixed(1)} MiB`)
  assert.equal(controlReport.results[0]?.error, 'RangeError')
  assert.ok(controlReport.peakRssGrowthMiB >= 100, `the measurement misses growth: control grew ${controlReport.peakRssGrowthMiB} MiB`)
  reports.forEach((r, i) => {
    const { format, backend } = jobs[i] as { format: string, backend: string }
    const list = bombs[format] as Array<[string, Uint8Array]>
    r.results.forEach((res, k) => {
      const [label, bytes] = list[k] as [string, Uint8Array]
      t.diagnostic(`${format}/${backend} ${label} (${bytes.length} B): ${res.error} in ${res.ms} ms, arrayBuffers +${res.arrayBuffersGrowthMiB.toFixed(1)} MiB`)
      assert.equal(res.error, 'SizeLimitError', `${format}/${backend} ${label}`)
    })
    t.diagnostic(`${format}/${backend}: peak RSS +${r.peakRssGrowthMiB.toFixed(1)} MiB over all its bombs`)
    assert.ok(r.peakRssGrowthMiB < MAX_GROWTH_MIB, `${format}/${backend}: peak RSS grew ${r.peakRssGrowthMiB} MiB`)
  })
})
