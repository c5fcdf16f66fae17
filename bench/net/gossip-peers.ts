/**
 * The parent side of the gossip benchmark's node processes: forks
 * ./gossip-node.ts, sends it requests and awaits their replies, each
 * bounded in time (see ./child-peer.ts). Processes are always ended: asked
 * to stop, then killed (by their own handle) if they linger.
 *
 * @module
 */
import { fileURLToPath } from 'node:url'
import { InvalidConfigError } from '../../src/errors.js'
import { ChildPeer } from './child-peer.js'
import type { Request, Results } from './gossip-protocol.js'

/** Upper bound of one request (ms), unless the request says otherwise. */
export const REQUEST_TIMEOUT_MS = 30_000

const NODE_SCRIPT = fileURLToPath(new URL('./gossip-node.ts', import.meta.url))

/** One node process (./gossip-node.ts). */
export class NodeProcess extends ChildPeer<Request, Results> {
  constructor (index: number) {
    super(NODE_SCRIPT, `node process ${index}`, index, REQUEST_TIMEOUT_MS)
  }

  /** Asks the process to stop its nodes, then disconnects; kills it if it has not exited after `graceMs`. */
  override async stop (graceMs = 8_000): Promise<void> {
    await super.stop(graceMs)
  }
}

/** Forks `count` node processes (in parallel). */
export function forkNodeProcesses (count: number): NodeProcess[] {
  if (!Number.isSafeInteger(count) || count < 1 || count > 16) throw new InvalidConfigError('count', `1..16 node processes, got ${count}`)
  return Array.from({ length: count }, (_, i) => new NodeProcess(i))
}

/** Stops every process (in parallel); never throws. */
export async function stopNodeProcesses (processes: readonly NodeProcess[]): Promise<void> {
  await Promise.allSettled(processes.map(async p => p.stop()))
}
