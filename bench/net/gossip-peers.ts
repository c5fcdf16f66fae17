/**
 * The parent side of the gossip benchmark's node processes: forks
 * ./gossip-node.ts (with `--import tsx`, from the project root), sends it
 * requests and awaits their replies, each bounded in time. Processes are
 * always ended: asked to stop, then killed (by their own handle) if they
 * linger.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { InvalidConfigError } from '../../src/errors.js'
import { PROJECT_ROOT } from '../environment.js'
import type { Reply, Request, Results } from './gossip-protocol.js'

/** Upper bound of one request (ms), unless the request says otherwise. */
export const REQUEST_TIMEOUT_MS = 30_000

const NODE_SCRIPT = fileURLToPath(new URL('./gossip-node.ts', import.meta.url))

type Command = Request['cmd']
type Body<C extends Command> = Omit<Extract<Request, { cmd: C }>, 'id' | 'cmd'>

/** One node process. */
export class NodeProcess {
  /** Index in its pool (also its role: 0 publishes). */
  readonly index: number
  private readonly child: ChildProcess
  private readonly pending = new Map<number, { resolve: (r: unknown) => void, reject: (e: Error) => void, timer: NodeJS.Timeout }>()
  private nextId = 1
  private exited = false
  private readonly exit: Promise<void>

  constructor (index: number) {
    this.index = index
    this.child = fork(NODE_SCRIPT, [], {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json'
    })
    this.exit = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true
        for (const [id, p] of this.pending) {
          clearTimeout(p.timer)
          p.reject(new InvalidConfigError(`node process ${index}`, `alive until the benchmark ends (exited ${code ?? signal}, request ${id} pending)`))
        }
        this.pending.clear()
        resolve()
      })
    })
    this.child.on('message', (r: Reply) => {
      const p = this.pending.get(r.id)
      if (p === undefined) return
      this.pending.delete(r.id)
      clearTimeout(p.timer)
      if (r.ok) p.resolve(r.result)
      else p.reject(new InvalidConfigError(`node process ${index}`, `a successful request, got ${r.error}`))
    })
  }

  /** Sends a request and resolves with its result; rejects on an error reply, an exit or after `timeoutMs`. */
  async ask<C extends Command> (cmd: C, body: Body<C>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Results[C]> {
    if (this.exited) throw new InvalidConfigError(`node process ${this.index}`, `alive for ${cmd}`)
    const id = this.nextId++
    return new Promise<Results[C]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new InvalidConfigError(`node process ${this.index}: ${cmd}`, `a reply within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer })
      this.child.send({ id, cmd, ...body } as Request)
    })
  }

  /** Asks the process to stop its nodes, then disconnects; kills it if it has not exited after `graceMs`. */
  async stop (graceMs = 8_000): Promise<void> {
    if (this.exited) return
    try {
      await this.ask('stop', {}, graceMs)
    } catch {
      // a process that cannot stop cleanly is killed below
    }
    if (this.child.connected) this.child.disconnect()
    const timer = setTimeout(() => { if (!this.exited) this.child.kill('SIGKILL') }, graceMs)
    await this.exit
    clearTimeout(timer)
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
