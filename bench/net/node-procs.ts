/**
 * Processes of the node suite (issue 10) and what is read from them:
 *
 * - CPU time and RSS of any process, from `/proc/<pid>/stat` (utime + stime,
 *   in clock ticks) and `/proc/<pid>/status` (VmRSS): the same reading for a
 *   reference node and a plain peer, taken from outside the process.
 * - The reference node's devnet (`startDevnet` of packages/node/dist, the
 *   built node, as `npm start` runs it), stopped within a bound and killed
 *   (by its own child handles) when it lingers.
 * - Plain js-libp2p peers (./node-plain-peer.ts, a ./child-peer.ts process);
 *   every request bounded in time, every process stopped then killed.
 *
 * @module
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { InvalidConfigError } from '../../src/errors.js'
import { waitUntil } from './nodes.js'
import { ChildPeer } from './child-peer.js'
import type { PlainRequest, PlainResults } from './node-plain-protocol.js'
import type { Devnet, DevnetInit } from '../../packages/node/src/devnet.js'
import type { NodeStatus } from '../../packages/node/src/node.js'

export type { Devnet, NodeStatus }

// ---------------------------------------------------------------------------
// /proc

let ticks: number | undefined

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, 100 on Linux when it cannot be asked). */
export function clockTicks (): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    } catch {
      ticks = 100
    }
    if (!(ticks > 0)) ticks = 100
  }
  return ticks
}

/** CPU time (s, user + system) process `pid` has used so far; throws {@link InvalidConfigError} when it is gone. */
export function cpuSeconds (pid: number): number {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch (err) {
    throw new InvalidConfigError(`process ${pid}`, `a running process with /proc/${pid}/stat (${(err as Error).message})`)
  }
  // Fields after the command name, which is in parentheses and may hold spaces: state is field 3, utime 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(rest[11])
  const stime = Number(rest[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new InvalidConfigError(`/proc/${pid}/stat`, 'utime and stime')
  return (utime + stime) / clockTicks()
}

/** Resident set size (bytes) of process `pid` (VmRSS). */
export function rssBytes (pid: number): number {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch (err) {
    throw new InvalidConfigError(`process ${pid}`, `a running process with /proc/${pid}/status (${(err as Error).message})`)
  }
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)
  if (m === null) throw new InvalidConfigError(`/proc/${pid}/status`, 'a VmRSS line')
  return Number(m[1]) * 1024
}

/** The pid of a child process, or an {@link InvalidConfigError} when it has none (never started, or gone). */
export function pidOf (child: ChildProcess | undefined, what: string): number {
  const pid = child?.pid
  if (pid === undefined || child?.exitCode !== null || child.signalCode !== null) throw new InvalidConfigError(what, 'a running process')
  return pid
}

/** Whether this machine has the /proc files the suite reads (Linux). */
export function hasProcfs (): boolean {
  return existsSync(`/proc/${process.pid}/stat`) && existsSync(`/proc/${process.pid}/status`)
}

// ---------------------------------------------------------------------------
// HTTP

/** GETs `url` (bounded in time); resolves to the status code and the parsed JSON body (or undefined). */
export async function getJson<T> (url: string, timeoutMs = 2_000): Promise<{ status: number, body: T | undefined }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  const text = await res.text()
  let body: T | undefined
  try {
    body = JSON.parse(text) as T
  } catch {
    body = undefined
  }
  return { status: res.status, body }
}

/** The `/status` of the node at `url`; throws {@link InvalidConfigError} when it does not answer 200 with JSON. */
export async function nodeStatus (url: string | undefined): Promise<NodeStatus> {
  if (url === undefined) throw new InvalidConfigError('node', 'a metrics URL (a started node)')
  const { status, body } = await getJson<NodeStatus>(`${url}/status`)
  if (status !== 200 || body === undefined) throw new InvalidConfigError(`${url}/status`, `200 with JSON, got ${status}`)
  return body
}

// ---------------------------------------------------------------------------
// the reference node's devnet

const DEVNET_JS = new URL('../../packages/node/dist/devnet.js', import.meta.url)

/** Upper bound of a devnet's stop (ms): the node's shutdown bound in the suite (P2P_SHUTDOWN_TIMEOUT) plus margin. */
export const DEVNET_STOP_MS = 8_000

/**
 * Starts a devnet of the BUILT node (packages/node/dist, as `npm start`
 * runs it). Throws {@link InvalidConfigError} when it is not built.
 */
export async function startNodeDevnet (init: DevnetInit): Promise<Devnet> {
  if (!existsSync(fileURLToPath(DEVNET_JS))) throw new InvalidConfigError('packages/node/dist/devnet.js', 'a built node package (run `npm run build`)')
  const mod = await import(DEVNET_JS.href) as typeof import('../../packages/node/src/devnet.js')
  return mod.startDevnet(init)
}

/**
 * Stops a devnet within {@link DEVNET_STOP_MS}: SIGTERM to every node (the
 * devnet's own stop), then SIGKILL by its child handles to any node still
 * running. Never throws. Resolves to true when every node exited 0 in time.
 */
export async function stopNodeDevnet (devnet: Devnet | undefined): Promise<boolean> {
  if (devnet === undefined) return true
  let timer: NodeJS.Timeout | undefined
  const clean = await Promise.race([
    devnet.stop().catch(() => false),
    new Promise<false>((resolve) => { timer = setTimeout(() => { resolve(false) }, DEVNET_STOP_MS) })
  ])
  clearTimeout(timer)
  if (!clean) {
    await Promise.allSettled(devnet.members.map(async (m) => {
      const c = m.child
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return
      c.kill('SIGKILL')
      await new Promise<void>((resolve) => { c.once('exit', () => { resolve() }) })
    }))
  }
  return clean
}

// ---------------------------------------------------------------------------
// plain js-libp2p peers

/** Upper bound of one request to a plain peer (ms), unless the request says otherwise. */
export const PLAIN_REQUEST_TIMEOUT_MS = 20_000

const PLAIN_SCRIPT = fileURLToPath(new URL('./node-plain-peer.ts', import.meta.url))

/** One plain js-libp2p peer process (./node-plain-peer.ts). */
export class PlainPeer extends ChildPeer<PlainRequest, PlainResults> {
  constructor (index: number) {
    super(PLAIN_SCRIPT, `plain peer ${index}`, index, PLAIN_REQUEST_TIMEOUT_MS)
  }

  /** The process id, for /proc readings. */
  get pid (): number {
    return pidOf(this.child, `plain peer ${this.index}`)
  }

  /** Asks the peer to stop, then disconnects; kills it if it has not exited after `graceMs`. */
  override async stop (graceMs = 5_000): Promise<void> {
    await super.stop(graceMs)
  }
}

/** A plain devnet: peer 0 is the hub the others dialled (the reference devnet's bootstrap topology). */
export interface PlainDevnet {
  readonly peers: readonly PlainPeer[]
  /** Listen addresses of each peer (ending in /p2p/). */
  readonly addrs: ReadonlyArray<readonly string[]>
}

/**
 * Forks `count` plain peers, has every peer but the first dial the first
 * (as the reference devnet's nodes dial their bootstrap node), and waits
 * until every gossipsub mesh holds its peers. Stops them all on failure.
 */
export async function startPlainDevnet (count: number, timeoutMs = 60_000): Promise<PlainDevnet> {
  if (!Number.isSafeInteger(count) || count < 1 || count > 16) throw new InvalidConfigError('count', `1..16 plain peers, got ${count}`)
  const peers = Array.from({ length: count }, (_, i) => new PlainPeer(i))
  try {
    // loading libp2p through tsx takes seconds of CPU per process: the first requests get the whole bound
    const addrs = await Promise.all(peers.map(async p => (await p.ask('init', {}, timeoutMs)).addrs))
    const hub = addrs[0]?.[0]
    if (hub === undefined) throw new InvalidConfigError('plain peer 0', 'a listen address')
    for (const p of peers.slice(1)) await p.ask('dial', { addr: hub })
    await waitUntil(async () => {
      const s = await Promise.all(peers.map(async p => p.ask('status', {})))
      return s.every((x, i) => x.mesh >= (i === 0 ? count - 1 : Math.min(1, count - 1)))
    }, 'plain gossipsub meshes formed', timeoutMs, 100)
    return { peers, addrs }
  } catch (err) {
    await stopPlainDevnet({ peers, addrs: [] })
    throw err
  }
}

/** Stops every plain peer (in parallel); never throws. */
export async function stopPlainDevnet (devnet: PlainDevnet | undefined): Promise<void> {
  if (devnet === undefined) return
  await Promise.allSettled(devnet.peers.map(async p => p.stop()))
}
