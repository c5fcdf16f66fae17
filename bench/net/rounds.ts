/**
 * Interleaved rounds for asynchronous, over-the-wire cases. The harness's
 * `measureGroup` times synchronous calls; a transfer over a real connection is
 * a promise whose end is observed on the other node. Here every case runs one
 * operation per round, in an order shuffled each round (see src/bench/round-order.ts),
 * so drift on a shared machine (a neighbour's burst, GC, CPU frequency,
 * yamux windows growing) hits every case alike, and the round's rates pair up
 * for `cleanPairedRatio`, exactly as in the harness. Results come back as the
 * harness's {@link GroupResult}, so the runner and report treat them like any
 * other group.
 *
 * @module
 */
import { InvalidConfigError } from '../../src/errors.js'
import { caseResultOf, describeGroup, pairReferences, type GroupResult } from '../../src/bench/measure.js'
import { createRoundOrder } from '../../src/bench/round-order.js'

/** What one operation of a case did. */
export interface RoundSample {
  /** Operations completed (messages, envelopes). */
  ops: number
  /** Wall time they took (ms). */
  ms: number
}

/** One asynchronous contender. */
export interface AsyncCaseInit {
  /** Label, unique in its group. */
  name: string
  /** Runs one round of this case (a bounded transfer or burst) and reports it. */
  run: () => Promise<RoundSample>
  /** Bytes per op, for MB/s. */
  bytes?: number
  /** True for what wireseal is compared against. */
  baseline?: boolean
  /** Name of the case of the same group this one is compared against. */
  reference?: string
}

/** How many rounds to run. */
export interface RoundPlan {
  /** Unrecorded rounds first (connections warm up, yamux windows grow, V8 tiers up). */
  warmupRounds: number
  /** Most measured rounds. */
  rounds: number
  /** Fewest measured rounds, whatever the budget. */
  minRounds: number
  /** Time budget of the measured rounds (ms): past it, no new round starts once `minRounds` are done. */
  budgetMs: number
}

/** Options of {@link measureAsyncGroup}. */
export interface AsyncGroupInit extends RoundPlan {
  id: string
  title: string
  cases: AsyncCaseInit[]
  /** Called before every operation (untimed), e.g. a minor GC. */
  beforeEach?: () => void
  /** Progress sink. */
  log?: (message: string) => void
}

type Gc = (options?: { type?: 'major' | 'minor' }) => void

/** A minor GC when `--expose-gc` was given, else nothing: no case pays for the garbage another left behind. */
export function minorGc (): void {
  const gc = (globalThis as { gc?: Gc }).gc
  if (typeof gc === 'function') gc({ type: 'minor' })
}

function checkCases (id: string, cases: readonly AsyncCaseInit[]): void {
  if (cases.length === 0) throw new InvalidConfigError(`${id}.cases`, 'at least one case')
  const names = new Set(cases.map(c => c.name))
  if (names.size !== cases.length) throw new InvalidConfigError(`${id}.cases`, 'unique names')
  for (const c of cases) {
    if (c.reference !== undefined && !names.has(c.reference)) throw new InvalidConfigError(`${id}.${c.name}.reference`, `a case of the group, got ${c.reference}`)
  }
}

/**
 * Runs the cases of a group in shuffled, interleaved rounds and summarizes
 * their per-round rates (ops/s) like the harness does. A case that throws
 * ends the group with its error.
 */
export async function measureAsyncGroup (init: AsyncGroupInit): Promise<GroupResult> {
  checkCases(init.id, init.cases)
  const nextOrder = createRoundOrder(init.cases.length, init.id)
  const samples: number[][] = init.cases.map(() => [])
  const ops: number[] = init.cases.map(() => 0)
  let started = 0
  for (let r = -init.warmupRounds; r < init.rounds; r++) {
    if (r === 0) started = performance.now()
    if (r >= init.minRounds && performance.now() - started > init.budgetMs) break
    for (const i of nextOrder()) {
      const c = init.cases[i] as AsyncCaseInit
      init.beforeEach?.()
      const s = await c.run()
      if (!(s.ops > 0 && s.ms >= 0)) throw new InvalidConfigError(`${init.id}.${c.name}`, `a round with ops > 0, got ${s.ops} in ${s.ms} ms`)
      if (r >= 0) {
        (samples[i] as number[]).push(s.ops * 1000 / Math.max(s.ms, 1e-3))
        ops[i] = s.ops
      }
    }
  }
  const cases = pairReferences(init.cases.map((c, i) => caseResultOf(c, samples[i] as number[], ops[i] as number)))
  const group: GroupResult = { id: init.id, title: init.title, cases }
  init.log?.(describeGroup(group))
  return group
}
