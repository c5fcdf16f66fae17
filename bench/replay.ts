/**
 * Replay-protection benchmark (issue 3, "Security layer", Benchmarks): the
 * RFC 6479 window check (`ReplayWindow.check`) and the receiver guard's
 * pre-signature check (`precheck`) against an absolute rate of 5M/s, their
 * commits for context, and the memory one tracked sender costs at the default
 * window of 8,128 (wireguard-go's), measured as heap + ArrayBuffer growth
 * after full GCs for 10,000 senders with real peer-id strings.
 *
 * @module
 */
import { setImmediate as tick } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { InvalidConfigError } from '../src/errors.js'
import { DEFAULT_REPLAY_WINDOW } from '../src/limits.js'
import { createReplayGuard, ReplayWindow } from '../src/replay/index.js'
import { createPrng } from '../src/bench/prng.js'
import { randomBytes } from './fixtures.js'
import { findCase, target, type BenchContext, type GroupResult, type Suite, type SuiteOutput, type Target } from './harness.js'

/** Checks per second promised for the window check and the guard's precheck. */
export const CHECK_TARGET_PER_SEC = 5_000_000
/** Bytes per tracked sender promised at the default window. */
export const MEMORY_TARGET_BYTES = 1536
/** Senders tracked for the memory figure. */
export const MEMORY_SENDERS = 10_000
/** Senders of the precheck / commit cases. */
const GUARD_SENDERS = 1000

/** Case names, shared with the test. */
export const REPLAY_CASES = Object.freeze({
  check: 'ReplayWindow.check',
  precheck: `guard.precheck (${GUARD_SENDERS} senders)`,
  commit: 'ReplayWindow.commit (in order)',
  guardCommit: `guard.commit (${GUARD_SENDERS} senders, in order)`
})

const CHANNEL = '/wireseal/blocks/1'

type Gc = () => void

/**
 * V8's collector: the `--expose-gc` one when given, else one obtained at run
 * time (the flag applies to contexts created afterwards), so the memory figure
 * is measured in every mode, tests included.
 */
function obtainGc (): Gc {
  const exposed = (globalThis as { gc?: Gc }).gc
  if (typeof exposed === 'function') return exposed
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as Gc
}

/** `n` real peer-id strings (`12D3KooW...`, 52 chars): what the receiver keys its windows by. */
function peerIds (n: number, seed: number): string[] {
  const rng = createPrng(seed)
  return Array.from({ length: n }, () => publicKeyFromRaw(randomBytes(rng, 32)).toString())
}

/** Full collections until the heap stops shrinking (freed ArrayBuffers are released after a tick); the usage then. */
async function settle (gc: Gc): Promise<NodeJS.MemoryUsage> {
  let last = process.memoryUsage()
  for (let i = 0; i < 5; i++) {
    gc()
    await tick()
    const m = process.memoryUsage()
    const shrank = m.heapUsed + m.arrayBuffers < last.heapUsed + last.arrayBuffers - 1024
    last = m
    if (!shrank && i > 0) break
  }
  return last
}

/** Result of {@link measureMemory}. */
export interface MemoryFigure {
  senders: number
  heapBytes: number
  arrayBufferBytes: number
  perSender: number
}

/**
 * Memory per tracked (sender, channel) window: heap + ArrayBuffer growth over
 * creating a guard and committing one message from each of `senders` senders
 * (the sender id strings are built inside the measured span and kept by the
 * guard only, so they are counted), after full GCs.
 */
export async function measureMemory (senders: number = MEMORY_SENDERS): Promise<MemoryFigure> {
  const gc = obtainGc()
  const now = Date.now()
  const seq = now * 1024
  const before = await settle(gc)
  const guard = createReplayGuard({ maxTrackedSenders: senders })
  const ids = peerIds(senders, 41)
  for (let i = 0; i < senders; i++) {
    if (!guard.commit(ids[i] as string, CHANNEL, seq + i, now, now).ok) throw new InvalidConfigError('memory', 'every commit accepted')
  }
  ids.length = 0
  const after = await settle(gc)
  // Keeps the guard alive until after the second reading.
  if (guard.size !== senders) throw new InvalidConfigError('memory', `${senders} tracked windows, got ${guard.size}`)
  const heapBytes = after.heapUsed - before.heapUsed
  const arrayBufferBytes = after.arrayBuffers - before.arrayBuffers
  return { senders, heapBytes, arrayBufferBytes, perSender: (heapBytes + arrayBufferBytes) / senders }
}

async function run (ctx: BenchContext): Promise<SuiteOutput> {
  const groups: GroupResult[] = []
  const now = Date.now()
  const start = now * 1024

  // A window holding every other seq of its last 8,000: checks hit seen, unseen and too-old numbers.
  const window = new ReplayWindow()
  for (let i = 0; i < 8000; i++) window.commit(start + 2 * i)
  const top = window.highest
  // Each case counts its accepting verdicts, so every check's result is used.
  let i = 0
  let fresh = 0
  const check = (): number => {
    if (window.check(top - (i++ & 16383)) === 'ok') fresh++
    return fresh
  }

  // A guard tracking 1,000 senders on one channel, each with 64 committed seqs.
  const ids = peerIds(GUARD_SENDERS, 42)
  const guard = createReplayGuard()
  for (let s = 0; s < 64; s++) {
    for (const id of ids) guard.commit(id, CHANNEL, start + 2 * s, now, now)
  }
  let p = 0
  let accepted = 0
  const precheck = (): number => {
    const n = p++
    if (guard.precheck(ids[n % GUARD_SENDERS] as string, CHANNEL, start + (n & 255), now, now).ok) accepted++
    return accepted
  }
  // Sanity: seen numbers are refused, unseen ones accepted (else the cases would measure one branch only).
  if (guard.precheck(ids[0] as string, CHANNEL, start, now, now).ok || !guard.precheck(ids[0] as string, CHANNEL, start + 1, now, now).ok) {
    throw new InvalidConfigError('guard', 'seen seqs refused and unseen ones accepted')
  }
  if (window.check(top) !== 'replayed' || window.check(top - 1) !== 'ok' || window.check(top - 20_000) !== 'out-of-window') {
    throw new InvalidConfigError('window', 'replayed, fresh and out-of-window verdicts')
  }

  const checks = await ctx.measure({
    id: 'replay/check',
    title: 'replay check (before the signature)',
    cases: [
      { name: REPLAY_CASES.check, fn: check },
      { name: REPLAY_CASES.precheck, fn: precheck }
    ]
  })
  groups.push(checks)

  const inOrder = new ReplayWindow()
  let w = start
  const commitGuard = createReplayGuard()
  for (const id of ids) commitGuard.commit(id, CHANNEL, start, now, now)
  let c = 0
  const commits = await ctx.measure({
    id: 'replay/commit',
    title: 'replay commit (after the signature)',
    cases: [
      { name: REPLAY_CASES.commit, fn: () => inOrder.commit(++w) },
      {
        name: REPLAY_CASES.guardCommit,
        fn: () => {
          const n = c++
          return commitGuard.commit(ids[n % GUARD_SENDERS] as string, CHANNEL, start + 1 + Math.floor(n / GUARD_SENDERS), now, now)
        }
      }
    ]
  })
  groups.push(commits)

  const memory = await measureMemory()
  const checkRate = findCase(checks, REPLAY_CASES.check).opsPerSec.median
  const precheckRate = findCase(checks, REPLAY_CASES.precheck).opsPerSec.median
  const issue = 'Security layer'
  const targets: Target[] = [
    target({
      id: 'replay.window.check.rate',
      issue,
      description: `ReplayWindow.check >= ${CHECK_TARGET_PER_SEC / 1e6}M checks/s (measured: rate / ${CHECK_TARGET_PER_SEC})`,
      measured: checkRate / CHECK_TARGET_PER_SEC,
      op: '>=',
      threshold: 1,
      detail: `${(checkRate / 1e6).toFixed(2)}M checks/s, window ${window.size}, seqs spread over seen, unseen and out-of-window`
    }),
    target({
      id: 'replay.guard.precheck.rate',
      issue,
      description: `the guard's precheck (sender + channel lookup, timestamp bounds, window) >= ${CHECK_TARGET_PER_SEC / 1e6}M checks/s (measured: rate / ${CHECK_TARGET_PER_SEC})`,
      measured: precheckRate / CHECK_TARGET_PER_SEC,
      op: '>=',
      threshold: 1,
      detail: `${(precheckRate / 1e6).toFixed(2)}M checks/s over ${GUARD_SENDERS} tracked senders`
    }),
    target({
      id: 'replay.memory.per-sender',
      issue,
      description: `memory per tracked sender at window ${DEFAULT_REPLAY_WINDOW} <= ${MEMORY_TARGET_BYTES} B (measured: bytes / ${MEMORY_TARGET_BYTES})`,
      measured: memory.perSender / MEMORY_TARGET_BYTES,
      op: '<=',
      threshold: 1,
      detail: `${memory.perSender.toFixed(0)} B per sender over ${memory.senders} senders (heap ${(memory.heapBytes / memory.senders).toFixed(0)} B + ` +
        `ArrayBuffers ${(memory.arrayBufferBytes / memory.senders).toFixed(0)} B), peer-id strings included`
    })
  ]

  return {
    groups,
    tables: [{
      title: 'Memory per tracked sender (one channel, default window)',
      columns: ['senders', 'heap B/sender', 'ArrayBuffer B/sender', 'total B/sender', 'vs 1,536 B'],
      rows: [[memory.senders, (memory.heapBytes / memory.senders).toFixed(0), (memory.arrayBufferBytes / memory.senders).toFixed(0),
        memory.perSender.toFixed(0), `${(memory.perSender / MEMORY_TARGET_BYTES).toFixed(2)}x`]]
    }],
    targets,
    notes: [
      `Window ${window.size} sequence numbers (a ${window.geometry.words * 4} B ring). ReplayWindow.check walks seqs top - (0..16383) ` +
        'over a window holding every other seq: half seen, half fresh, half of them beyond the window.',
      `guard.precheck: ${GUARD_SENDERS} senders with real peer-id strings on one channel, seqs inside each window (seen and unseen), ` +
        'timestamp bounds checked as open() does.',
      `Memory: one full GC (repeated until the heap stops shrinking) before and after a guard (maxTrackedSenders ${MEMORY_SENDERS}) ` +
        'commits one message from each sender; the sender id strings (from real Ed25519 public keys, as the key cache names senders) ' +
        'are created inside the measured span and held only by the guard.'
    ]
  }
}

/** The replay suite. */
export const replaySuite: Suite = Object.freeze({
  id: 'replay',
  title: 'Replay protection',
  description: 'RFC 6479 window check and the replay guard precheck (absolute rates vs 5M/s), their commits, and memory per ' +
    `tracked sender for ${MEMORY_SENDERS} senders at the default window of ${DEFAULT_REPLAY_WINDOW}.`,
  libraries: [],
  run
})
