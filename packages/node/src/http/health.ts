/**
 * Liveness and readiness, kept apart (NODE.md §4; dingo PR #3951's
 * `{live, ready, reason}`):
 * - live: the process answers, i.e. the event loop runs. It never depends on
 *   peers or sync (a liveness probe tied to sync restart-loops a node that is
 *   only catching up: Nethermind #3562), and stays true during shutdown.
 * - ready: listening, and peered (or a bootstrap node, which is the first
 *   peer of everyone else), and not shutting down (a HEALTHCHECK should fail
 *   after SIGTERM, as Kubo's does).
 *
 * @module
 */

/** What the probes answer. */
export interface HealthReport {
  /** The process is running; restart it only when false. */
  readonly live: boolean
  /** The node should receive traffic. */
  readonly ready: boolean
  /** `ready`, or the first unmet readiness condition (see {@link HealthReason}). */
  readonly reason: string
}

/**
 * Readiness reasons, in the order they are checked:
 * `shutting-down`, `not-listening`, `no-peers`, then `ready`.
 */
export type HealthReason = 'ready' | 'shutting-down' | 'not-listening' | 'no-peers'

/** The node state readiness is computed from. */
export interface HealthState {
  /** libp2p is started and listening on at least one address. */
  readonly listening: boolean
  /** Connected peers. */
  readonly peers: number
  /** A bootstrap node is ready without peers (the others come to it). */
  readonly bootstrapNode: boolean
  /** Shutdown has begun (SIGTERM received or `stop()` called). */
  readonly shuttingDown: boolean
  /** When the node started, ms since the epoch (or a Date). */
  readonly startedAt: number | Date
}

/** A {@link HealthReport} with the uptime. */
export interface NodeHealthReport extends HealthReport {
  readonly reason: HealthReason
  /** Seconds since `startedAt` (0 if the clock went back). */
  readonly uptimeSeconds: number
}

/**
 * Readiness from the node's state: pure, `now` given for tests.
 * `live` is always true: answering at all proves the event loop runs.
 */
export function evaluateHealth (state: HealthState, now: number = Date.now()): NodeHealthReport {
  const started = state.startedAt instanceof Date ? state.startedAt.getTime() : state.startedAt
  const uptimeSeconds = Number.isFinite(started) && now > started ? (now - started) / 1000 : 0
  const reason: HealthReason = state.shuttingDown
    ? 'shutting-down'
    : !state.listening
        ? 'not-listening'
        : !(state.peers >= 1) && !state.bootstrapNode
            ? 'no-peers'
            : 'ready'
  return { live: true, ready: reason === 'ready', reason, uptimeSeconds }
}
