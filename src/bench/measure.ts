/**
 * The measuring loop shared by `npm run bench` and `wireseal bench`. The
 * cases of a group (a wireseal call and the library it wraps, called
 * directly; or every serializer x compressor of the user's messages) run in
 * ONE process, interleaved round by round in a shuffled order, so that drift
 * from a noisy neighbour, CPU frequency or GC pressure hits every case of a
 * round alike. Each case is warmed up, its batch size calibrated to a fixed
 * duration, and reported as the median (with quartiles and extremes) of its
 * per-round rates. Comparisons are paired per round (see
 * {@link cleanPairedRatio}).
 *
 * Units: MB is 10^6 bytes; ops/s and MB/s are per round, then summarized.
 *
 * @module
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { InvalidConfigError } from '../errors.js'
import { formatNumber } from '../format.js'
import { createRoundOrder } from './round-order.js'
import type { BenchSettings } from './settings.js'
import { cleanPairedRatio, summarize, type Summary } from './stats.js'

/** One contender of a group. */
export interface CaseInit {
  /** Label, unique in its group, e.g. `wireseal protobuf` or `protobufjs direct`. */
  name: string
  /** One operation. Its result is kept, so the call cannot be optimized away. */
  fn: () => unknown
  /** Bytes processed per op, for MB/s (overrides the group's). */
  bytes?: number
  /** True for a library called directly (what wireseal is compared against). */
  baseline?: boolean
  /** Name of the case in the same group this one is compared against (paired ratio). */
  reference?: string
}

/** Cases measured side by side. */
export interface GroupInit {
  /** Stable id, unique in its suite, e.g. `block-256/encode`. */
  id: string
  /** Human title, e.g. `Block 256 B, encode`. */
  title: string
  /** Bytes processed per op, for MB/s. */
  bytes?: number
  /** The contenders; at least one. */
  cases: CaseInit[]
}

/** Measurements of one case. */
export interface CaseResult {
  name: string
  baseline: boolean
  /** Bytes per op used for MB/s, or null. */
  bytes: number | null
  /** Ops per measured batch (after calibration). */
  opsPerBatch: number
  /** Ops/s of each round, in round order (pairs with the other cases of the group). */
  samples: number[]
  /** Summary of {@link samples}. */
  opsPerSec: Summary
  /** Summary of MB/s per round, or null without `bytes`. */
  mbPerSec: Summary | null
  /** The case this one is compared against, or null. */
  reference: string | null
  /** Paired ratio of this case's rate to its reference's over clean rounds (>1 is faster; see `cleanPairedRatio`), or null. */
  vsReference: Summary | null
  /** Estimated bytes allocated per op (JS heap + ArrayBuffers), or null when not measured. */
  allocBytesPerOp: number | null
}

/** Measurements of one group. */
export interface GroupResult {
  id: string
  title: string
  cases: CaseResult[]
}

type Loop = (fn: () => unknown, n: number) => unknown

/**
 * A fresh loop function per case: its `fn()` call site gets its own type
 * feedback, so V8 can inline each case's operation as at a real call site,
 * instead of every case sharing one megamorphic call site.
 */
function makeLoop (): Loop {
  return new Function('fn', 'n', 'let r\nfor (let i = 0; i < n; i++) r = fn()\nreturn r') as Loop
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/**
 * Compiles `() => <expression>` as its own script, with `bindings` in scope.
 * Closures written at one place in the source share their type feedback: a
 * `() => s.encode(v)` built in a loop over five serializers has a five-way
 * megamorphic `s.encode` call site, which slows every case down in a way no
 * application that uses one serializer sees. A fresh site per case keeps each
 * case's calls monomorphic. `expression` must be trusted source text.
 */
export function freshSite (expression: string, bindings: Record<string, unknown>): () => unknown {
  const names = Object.keys(bindings)
  for (const n of names) if (!IDENTIFIER.test(n)) throw new InvalidConfigError('bindings', `identifiers, got ${n}`)
  const factory = new Function(...names, `return () => ${expression}`) as (...args: unknown[]) => () => unknown
  return factory(...names.map(n => bindings[n]))
}

/** Results land here, so no engine can prove them dead. */
let sink: unknown

/** The result of the last op measured (keeps results observable; handy in tests). */
export function lastResult (): unknown {
  return sink
}

type Gc = (options?: { type?: 'major' | 'minor' }) => void

/** V8's collector when `--expose-gc` was given. */
function exposedGc (): Gc | undefined {
  const gc = (globalThis as { gc?: Gc }).gc
  return typeof gc === 'function' ? gc : undefined
}

function timeBatch (loop: Loop, fn: () => unknown, n: number): number {
  const t0 = performance.now()
  sink = loop(fn, n)
  return performance.now() - t0
}

const MAX_OPS_PER_BATCH = 10_000_000

/** Outcome of {@link calibrate}. */
interface Calibration {
  /** Ops per batch. */
  ops: number
  /** Expected duration of one batch (ms). */
  batchMs: number
}

/** Extra batches timed at the final size during calibration; the fastest one sets the batch size. */
const CALIBRATION_BATCHES = 3

/**
 * Warms the cases of a group up and finds, for each, the number of ops whose
 * batch lasts about `batchMs`. Cases take turns, so code they share (a
 * library's writer, a validator) collects type feedback from all of them
 * before V8 optimizes it, instead of being optimized for whichever case came
 * first and deoptimized by the next. Each case's batches double until one
 * lasts at least half the target and its warm-up time has passed; then a few
 * more batches of that size are timed and the fastest sets the size (one
 * batch slowed by a GC or preemption would otherwise make every later batch
 * far too short to time well).
 */
function calibrate (loops: readonly Loop[], cases: readonly CaseInit[], settings: BenchSettings): Calibration[] {
  const state = cases.map(() => ({ n: 1, spent: 0, t: Infinity, warm: false }))
  while (state.some(x => !x.warm)) {
    state.forEach((x, i) => {
      if (x.warm) return
      x.t = timeBatch(loops[i] as Loop, (cases[i] as CaseInit).fn, x.n)
      x.spent += x.t
      const longEnough = x.t >= settings.batchMs / 2 || x.n >= MAX_OPS_PER_BATCH
      if (longEnough && x.spent >= settings.warmupMs) x.warm = true
      else if (!longEnough) x.n = Math.min(MAX_OPS_PER_BATCH, x.n * 2)
    })
  }
  if (settings.batchMs === 0) return state.map(x => ({ ops: 1, batchMs: x.t }))
  for (let k = 0; k < CALIBRATION_BATCHES; k++) {
    state.forEach((x, i) => { x.t = Math.min(x.t, timeBatch(loops[i] as Loop, (cases[i] as CaseInit).fn, x.n)) })
  }
  return state.map(x => {
    if (x.t <= 0) return { ops: x.n, batchMs: 0 }
    const ops = Math.min(MAX_OPS_PER_BATCH, Math.max(1, Math.round(x.n * settings.batchMs / x.t)))
    return { ops, batchMs: ops * x.t / x.n }
  })
}

/** Allocation of one batch must stay well under V8's young generation, so no scavenge hides it. */
const ALLOC_PROBE_BYTES = 256 * 1024
const ALLOC_TRIALS = 5

function allocated (): number {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

/**
 * Estimates bytes allocated per op: the growth of the JS heap plus ArrayBuffer
 * memory over a batch, divided by its op count; the median of a few trials.
 * Each trial starts with a minor GC (an empty young generation, ~0.1 ms where a
 * full GC costs ~10 ms) and is kept small enough that no collection runs inside
 * it; a trial that shrinks the heap saw one anyway and is dropped. Memory that
 * native addons allocate outside V8 is not seen. Needs `--expose-gc`.
 */
function measureAllocations (loop: Loop, fn: () => unknown, maxOps: number): number | null {
  const gc = exposedGc()
  if (gc === undefined) return null
  const trial = (n: number): number => {
    gc({ type: 'minor' })
    const before = allocated()
    sink = loop(fn, n)
    return allocated() - before
  }
  // What one reading costs (process.memoryUsage() allocates its result object).
  const overhead = Math.max(0, trial(0))
  const probe = Math.max(1, Math.min(maxOps, 16))
  const first = (trial(probe) - overhead) / probe
  const n = Math.max(1, Math.min(maxOps, 100_000, Math.floor(ALLOC_PROBE_BYTES / Math.max(first, 1))))
  const readings: number[] = []
  for (let i = 0; i < ALLOC_TRIALS; i++) {
    const perOp = (trial(n) - overhead) / n
    if (perOp >= -1) readings.push(Math.max(0, perOp))
  }
  if (readings.length === 0) return null
  return summarize(readings).median
}

function checkGroup (group: GroupInit): void {
  if (group.cases.length === 0) throw new InvalidConfigError(`${group.id}.cases`, 'at least one case')
  const names = new Set<string>()
  for (const c of group.cases) {
    if (names.has(c.name)) throw new InvalidConfigError(`${group.id}.cases`, `unique names, ${c.name} repeats`)
    names.add(c.name)
  }
  for (const c of group.cases) {
    if (c.reference !== undefined && !names.has(c.reference)) {
      throw new InvalidConfigError(`${group.id}.${c.name}.reference`, `a case of the group, got ${c.reference}`)
    }
  }
}

/** What a case result is built from: a case's description, without its operation. */
export type CaseSpec = Pick<CaseInit, 'name' | 'bytes' | 'baseline' | 'reference'>

/** A case's record from its per-round rates (ops/s). */
export function caseResultOf (c: CaseSpec, samples: number[], opsPerBatch: number, allocBytesPerOp: number | null = null): CaseResult {
  const bytes = c.bytes ?? null
  return {
    name: c.name,
    baseline: c.baseline ?? false,
    bytes,
    opsPerBatch,
    samples,
    opsPerSec: summarize(samples),
    mbPerSec: bytes === null ? null : summarize(samples.map(x => x * bytes / 1e6)),
    reference: c.reference ?? null,
    vsReference: null,
    allocBytesPerOp
  }
}

/** Fills `vsReference` of every case that names a reference (paired over clean rounds). */
export function pairReferences (cases: CaseResult[]): CaseResult[] {
  for (const r of cases) {
    if (r.reference === null) continue
    const ref = cases.find(x => x.name === r.reference)
    if (ref !== undefined) r.vsReference = cleanPairedRatio(r.samples, ref.samples)
  }
  return cases
}

/** One progress line for a measured group: each case's median rate, MB/s and paired ratio. */
export function describeGroup (g: GroupResult): string {
  const parts = g.cases.map(c => {
    const mb = c.mbPerSec === null ? '' : ` ${formatNumber(c.mbPerSec.median)} MB/s`
    const vs = c.vsReference === null ? '' : ` (${c.vsReference.median.toFixed(2)}x)`
    return `${c.name} ${formatNumber(c.opsPerSec.median)}/s${mb}${vs}`
  })
  return `  ${g.title}: ${parts.join(' | ')}`
}

/**
 * The measurement of a group, one step per round: each case is warmed up
 * and calibrated, then every round runs one batch of every case, in an order
 * shuffled each round (see round-order.ts: no case always follows the same
 * neighbour, nor always runs first). Round count: as many as fit in
 * `maxGroupMs`, between `minRounds` and `rounds`. With `--expose-gc`, every
 * batch starts with a minor GC (~0.1 ms, not timed): no case pays for the
 * garbage another left in the young generation (without it, napi buffers
 * made snappy-napi 64 KB rates jump between 1.5k and 11k/s from round to round).
 */
function * measureRounds (group: GroupInit, settings: BenchSettings): Generator<void, GroupResult, void> {
  checkGroup(group)
  const cases = group.cases
  const gc = exposedGc()
  const loops = cases.map(() => makeLoop())
  const calibrations = calibrate(loops, cases, settings)
  const opsPerBatch = calibrations.map(c => c.ops)
  const roundMs = calibrations.reduce((sum, c) => sum + c.batchMs, 0)
  const rounds = Math.max(settings.minRounds, Math.min(settings.rounds, Math.floor(settings.maxGroupMs / Math.max(roundMs, 1e-3))))
  const samples: number[][] = cases.map(() => [])
  const nextOrder = createRoundOrder(cases.length, group.id)
  for (let r = -settings.warmupRounds; r < rounds; r++) {
    for (const i of nextOrder()) {
      const c = cases[i] as CaseInit
      const n = opsPerBatch[i] as number
      gc?.({ type: 'minor' })
      const t = timeBatch(loops[i] as Loop, c.fn, n)
      // A sub-resolution reading (t = 0) cannot be turned into a rate: count it at 1 µs.
      if (r >= 0) (samples[i] as number[]).push(n * 1000 / Math.max(t, 1e-3))
    }
    yield
  }
  const results = cases.map((c, i) => caseResultOf({ ...c, bytes: c.bytes ?? group.bytes }, samples[i] as number[], opsPerBatch[i] as number,
    settings.allocations ? measureAllocations(loops[i] as Loop, c.fn, opsPerBatch[i] as number) : null))
  return { id: group.id, title: group.title, cases: pairReferences(results) }
}

/**
 * Measures the cases of a group side by side (see {@link measureRounds}),
 * letting pending I/O (progress output) and finalizers run between rounds,
 * never inside a batch.
 */
export async function measureGroup (group: GroupInit, settings: BenchSettings): Promise<GroupResult> {
  const steps = measureRounds(group, settings)
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return step.value
    await yieldToLoop()
  }
}

/** {@link measureGroup} without yielding to the event loop between rounds, for a synchronous caller (the CLI). */
export function measureGroupSync (group: GroupInit, settings: BenchSettings): GroupResult {
  const steps = measureRounds(group, settings)
  for (let step = steps.next(); ; step = steps.next()) {
    if (step.done === true) return step.value
  }
}

/** The case named `name` of `group`; throws {@link InvalidConfigError} when absent. */
export function findCase (group: GroupResult, name: string): CaseResult {
  const c = group.cases.find(x => x.name === name)
  if (c === undefined) throw new InvalidConfigError(`${group.id}`, `a case named ${name}`)
  return c
}

/** Paired ratio (median over clean rounds, see {@link cleanPairedRatio}) of case `a`'s rate to case `b`'s in `group`. */
export function ratioOf (group: GroupResult, a: string, b: string): number {
  return cleanPairedRatio(findCase(group, a).samples, findCase(group, b).samples).median
}
