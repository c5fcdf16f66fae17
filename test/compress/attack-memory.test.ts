import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { candidates } from './backends.js'
import { concatBytes, EMPTY_ZSTD_FRAME, gzipLongName, gzipZeros, repeatBytes, zstdRaw, zstdSkippable } from './fixtures.js'

// Issue 9: inputs whose cost used to grow with the input instead of the cap. Each backend decodes all of
// its format's inputs under a 64 KiB cap in a child process (bomb-child.ts); its peak RSS must stay
// within a few MiB. Before the fix fflate grew +33 MiB on a 1 MiB FNAME, +67 MiB on 100k empty members
// and +17 MiB on the bomb, and zstd-wasm copied skippable frames into its heap (+16 MiB here).

const run = promisify(execFile)
const child = fileURLToPath(new URL('./bomb-child.ts', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'wireseal-attacks-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const KiB = 1024
const MiB = 1024 * KiB
const CAP = 64 * KiB
/** Peak RSS growth allowed: the cap is 64 KiB and every input below is either refused or decodes to 1 KiB. */
const MAX_GROWTH_MIB = 8

const inputs: Record<string, Array<[label: string, bytes: Uint8Array, outcome: string]>> = {
  gzip: [
    ['1 GiB bomb', gzipZeros(1024), 'SizeLimitError'],
    ['1 MiB FNAME', gzipLongName(MiB), 'none'],
    ['100k empty members', repeatBytes(gzipSync(new Uint8Array(0)), 100_000), 'SizeLimitError']
  ],
  zstd: [
    ['16 MiB skippable frame, then 1 KiB', concatBytes(zstdSkippable(16 * MiB), zstdRaw(1024)), 'none'],
    ['110k empty frames', repeatBytes(EMPTY_ZSTD_FRAME, 110_000), 'SizeLimitError']
  ]
}

interface Report {
  results: Array<{ error: string, ms: number, arrayBuffersGrowthMiB: number }>
  peakRssGrowthMiB: number
}

test('attack inputs under a 64 KiB cap: refused or decoded, peak memory bounded by the cap on every backend', async (t) => {
  const files: Record<string, string[]> = {}
  for (const [format, list] of Object.entries(inputs)) {
    files[format] = list.map(([, bytes], i) => {
      const file = join(dir, `${format}-${i}.bin`)
      writeFileSync(file, bytes)
      return file
    })
  }
  for (const c of candidates) {
    const list = inputs[c.format]
    if (list === undefined) continue
    if (c.compressor === undefined) {
      t.diagnostic(`skipped ${c.format}/${c.backend}: ${c.skip ?? ''}`)
      continue
    }
    const { stdout } = await run(process.execPath, ['--import', 'tsx', child, `--cap=${CAP}`, c.format, c.backend, ...(files[c.format] as string[])], { timeout: 60_000 })
    const report = JSON.parse(stdout) as Report
    report.results.forEach((r, i) => {
      const [label, , outcome] = list[i] as [string, Uint8Array, string]
      t.diagnostic(`${c.format}/${c.backend} ${label}: ${r.error} in ${r.ms} ms`)
      assert.equal(r.error, outcome, `${c.format}/${c.backend} ${label}`)
    })
    t.diagnostic(`${c.format}/${c.backend}: peak RSS +${report.peakRssGrowthMiB.toFixed(1)} MiB`)
    assert.ok(report.peakRssGrowthMiB < MAX_GROWTH_MIB, `${c.format}/${c.backend}: peak RSS grew ${report.peakRssGrowthMiB.toFixed(1)} MiB`)
  }
})
