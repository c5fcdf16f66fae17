/**
 * Micro-benchmark of the replay layer (not a test: run by hand).
 *   node --import tsx --expose-gc test/replay/window.bench.ts [--own-strings]
 * (`--own-strings`: the memory figure also counts a freshly built sender id
 * and channel string per window, as a receiver parsing envelopes would keep.)
 * Prints check/commit rates of ReplayWindow, guard precheck/commit rates, and
 * the memory cost per tracked (sender, channel) window.
 */
import { ReplayWindow, createReplayGuard } from '../../src/replay/index.js'

function rate (name: string, n: number, fn: (i: number) => unknown): void {
  let sink = 0
  for (let i = 0; i < Math.min(n, 200_000); i++) sink += fn(i) === 'ok' ? 1 : 0 // warm up
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) sink += fn(i) === 'ok' ? 1 : 0
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  console.log(`${name.padEnd(44)} ${(n / s / 1e6).toFixed(2).padStart(7)} M/s  (sink ${sink})`)
}

const N = 5_000_000
const base = Date.now() * 1024
const w = new ReplayWindow()
for (let i = 0; i < 8000; i++) w.commit(base + i * 2)
const top = w.highest
rate('window.check in window (mixed seen/unseen)', N, i => w.check(top - (i & 8191)))
rate('window.check ahead of the top', N, i => w.check(top + 1 + (i & 1023)))
const w2 = new ReplayWindow()
let s2 = base
rate('window.commit in order', N, () => w2.commit(++s2) ? 'ok' : 'x')
const w3 = new ReplayWindow()
let s3 = base
// Out-of-order by up to 64 within blocks of 128.
rate('window.commit reordered (+-64)', N, i => w3.commit(s3 + (i ^ 63)) ? 'ok' : 'x')
s3 += N

const g = createReplayGuard({ maxClockSkewMs: 60_000 })
const now = Date.now()
const senders = Array.from({ length: 1000 }, (_, i) => `12D3KooW${String(i).padStart(44, 'x')}`)
for (const s of senders) g.commit(s, 'blocks', base, now, now)
rate('guard.precheck (1000 senders)', N, i => g.precheck(senders[i % 1000]!, 'blocks', base + 1 + (i >>> 10), now, now).ok ? 'ok' : 'x')
// Each sender's seq advances by one per round over the 1000 senders (warm-up included).
let k = 0
rate('guard.commit (1000 senders, in order)', 2_000_000, () => {
  const i = k++
  return g.commit(senders[i % 1000]!, 'blocks', base + 1 + Math.floor(i / 1000), now, now).ok ? 'ok' : 'x'
})

// Memory per tracked window: 10k senders, fresh guard, deltas after GC.
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) {
  console.log('run with --expose-gc for the memory figure')
} else {
  // One variant per process (freed ArrayBuffers are released lazily and would skew a second measurement).
  {
    const ownStrings = process.argv.includes('--own-strings')
    // ownStrings: sender id and channel strings are created per sender (as a parser would) and counted.
    const ids = ownStrings ? [] : Array.from({ length: 10_000 }, (_, i) => `12D3KooW${i.toString(36).padStart(44, 'A')}`)
    const channel = '/wireseal/blocks/1'
    gc(); gc()
    const m0 = process.memoryUsage()
    const big = createReplayGuard({ maxTrackedSenders: 10_000 })
    for (let i = 0; i < 10_000; i++) {
      const id = ownStrings ? `12D3KooW${i.toString(36).padStart(44, 'A')}` : ids[i]!
      big.commit(id, ownStrings ? channel.slice(0, 9) + channel.slice(9) : channel, base, now, now)
    }
    gc(); gc()
    const m1 = process.memoryUsage()
    const heap = m1.heapUsed - m0.heapUsed
    const ext = m1.arrayBuffers - m0.arrayBuffers
    console.log(`memory per tracked window (10k senders${ownStrings ? ', key strings counted' : ''}): heap ${(heap / 1e4).toFixed(0)} B + array buffers ${(ext / 1e4).toFixed(0)} B = ${((heap + ext) / 1e4).toFixed(0)} B; size ${big.size}`)
  }
}
