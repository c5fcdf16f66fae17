/**
 * A benchmark process forked with an IPC channel (`--import tsx`, from the
 * project root), driven by requests: each request carries an id and a
 * command, and is answered by one reply with the same id. Every request is
 * bounded in time; a process is always ended: asked to stop, then killed
 * (by its own handle) if it lingers. The gossip node processes
 * (gossip-peers.ts) and the plain js-libp2p peers (node-procs.ts) are two
 * kinds of it.
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process'
import { InvalidConfigError } from '../../src/errors.js'
import { PROJECT_ROOT } from '../environment.js'

/** A request: its id, its command, the command's fields. */
export interface ChildRequest {
  id: number
  cmd: string
}

/** A reply: the result, or the error a command threw. */
export type ChildReply = { id: number, ok: true, result: unknown } | { id: number, ok: false, error: string }

/** The fields of command `C` of a request union. */
export type RequestBody<Req extends ChildRequest, C extends Req['cmd']> = Omit<Extract<Req, { cmd: C }>, 'id' | 'cmd'>

interface Pending {
  resolve: (r: unknown) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

/** One forked process, answering requests `Req` with results `Res` (by command; `stop` ends it). */
export class ChildPeer<Req extends ChildRequest, Res extends Record<Req['cmd'], unknown>> {
  /** Index in its pool. */
  readonly index: number
  readonly child: ChildProcess
  /** How errors name this process, e.g. `plain peer 2`. */
  private readonly label: string
  private readonly timeoutMs: number
  private readonly pending = new Map<number, Pending>()
  private nextId = 1
  private exited = false
  private readonly exit: Promise<void>

  /** Forks `script`; requests are bounded by `timeoutMs` unless they say otherwise. */
  constructor (script: string, label: string, index: number, timeoutMs: number) {
    this.index = index
    this.label = label
    this.timeoutMs = timeoutMs
    this.child = fork(script, [], {
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
          p.reject(new InvalidConfigError(label, `alive until the benchmark ends (exited ${code ?? signal}, request ${id} pending)`))
        }
        this.pending.clear()
        resolve()
      })
    })
    this.child.on('message', (r: ChildReply) => {
      const p = this.pending.get(r.id)
      if (p === undefined) return
      this.pending.delete(r.id)
      clearTimeout(p.timer)
      if (r.ok) p.resolve(r.result)
      else p.reject(new InvalidConfigError(label, `a successful request, got ${r.error}`))
    })
  }

  /** Sends a request and resolves with its result; rejects on an error reply, an exit or after `timeoutMs`. */
  async ask<C extends Req['cmd']> (cmd: C, body: RequestBody<Req, C>, timeoutMs = this.timeoutMs): Promise<Res[C]> {
    if (this.exited) throw new InvalidConfigError(this.label, `alive for ${cmd}`)
    const id = this.nextId++
    return new Promise<Res[C]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new InvalidConfigError(`${this.label}: ${cmd}`, `a reply within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer })
      this.child.send({ id, cmd, ...body })
    })
  }

  /** Asks the process to stop, then disconnects; kills it if it has not exited after `graceMs`. */
  async stop (graceMs: number): Promise<void> {
    if (this.exited) return
    try {
      await this.ask('stop' as Req['cmd'], {} as never, graceMs)
    } catch {
      // a process that cannot stop cleanly is killed below
    }
    if (this.child.connected) this.child.disconnect()
    const timer = setTimeout(() => { if (!this.exited) this.child.kill('SIGKILL') }, graceMs)
    await this.exit
    clearTimeout(timer)
  }
}
