/**
 * `wireseal-node devnet --nodes N [--duration S]`: N node processes on
 * loopback, connected through node 0 (the bootstrap node), with a live
 * status view: redrawn in place on a TTY, plain lines every 2 s otherwise.
 * Node i serves metrics and health on P2P_METRICS_PORT + i (default 9100)
 * and keeps its state in `<dir>/node-i` (identities survive a restart).
 * Ctrl-C (or the end of `--duration`) sends SIGTERM to every node and waits
 * for them; the exit status is 0 when every node exited 0.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, createWriteStream, type WriteStream } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createInterface } from 'node:readline'
import type { NodeStatus } from './node.js'
import { DEVNET_PARENT_ENV, type DevnetStartedLine } from './run-node.js'

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url))

/** Default of `--dir`. */
export const DEFAULT_DEVNET_DIR = '.devnet'

/** Most nodes one devnet runs (each is a process of about 100 MB). */
export const MAX_DEVNET_NODES = 16

interface Member {
  readonly index: number
  readonly dir: string
  readonly metricsPort: number
  child: ChildProcess | undefined
  log: WriteStream | undefined
  url: string | undefined
  peerId: string | undefined
  addrs: string[]
  status: NodeStatus | undefined
  exitCode: number | null | undefined
}

/** Options of {@link startDevnet}. */
export interface DevnetInit {
  nodes: number
  dir: string
  /** Metrics port of node 0; node i gets base + i (0 = every node picks a free port). */
  metricsPortBase: number
  /** Extra environment for every node (P2P_*). */
  env: NodeJS.ProcessEnv
  /** Extra flags for every node. */
  args?: readonly string[]
  /** Extra Node.js flags for every node process (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: readonly string[]
}

/** A running devnet. */
export interface Devnet {
  readonly members: readonly Member[]
  /** Fetches every node's /status. */
  refresh(): Promise<void>
  /** Kills node i with `signal` and waits for it to exit. */
  kill(index: number, signal?: NodeJS.Signals): Promise<number | null>
  /** (Re)starts node i. */
  restart(index: number): Promise<void>
  /** SIGTERM to every node; resolves to true when all exited 0. */
  stop(): Promise<boolean>
}

function waitExit (child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => child.once('exit', (code) => { resolve(code) }))
}

/** Starts the nodes one by one (node 0 first: the others bootstrap from it). */
export async function startDevnet (init: DevnetInit): Promise<Devnet> {
  if (!Number.isInteger(init.nodes) || init.nodes < 1 || init.nodes > MAX_DEVNET_NODES) throw new RangeError(`--nodes: an integer from 1 to ${MAX_DEVNET_NODES}`)
  const members: Member[] = Array.from({ length: init.nodes }, (_, index) => ({
    index,
    dir: resolve(init.dir, `node-${index}`),
    metricsPort: init.metricsPortBase === 0 ? 0 : init.metricsPortBase + index,
    child: undefined,
    log: undefined,
    url: undefined,
    peerId: undefined,
    addrs: [],
    status: undefined,
    exitCode: undefined
  }))

  const launch = async (m: Member): Promise<void> => {
    mkdirSync(m.dir, { recursive: true })
    const boot = members[0]
    const bootstrap = m.index === 0 || boot === undefined ? [] : boot.addrs.filter((a) => a.includes('/tcp/')).slice(0, 1)
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...init.env,
      P2P_DATA_DIR: m.dir,
      P2P_LISTEN_ADDRS: init.env.P2P_LISTEN_ADDRS ?? '/ip4/127.0.0.1/tcp/0',
      P2P_METRICS_PORT: String(m.metricsPort),
      P2P_BOOTSTRAP: m.index === 0 ? 'true' : 'false',
      P2P_BOOTSTRAP_PEERS: bootstrap.join(','),
      // every node dials from 127.0.0.1: libp2p's per-IP inbound rate (5/s) would refuse honest
      // devnet nodes starting together, so the devnet allows one new connection per node per second at least
      P2P_INBOUND_RATE_PER_IP: init.env.P2P_INBOUND_RATE_PER_IP ?? String(Math.max(5, init.nodes * 2))
    }
    // its own process group: a terminal's Ctrl-C reaches the devnet only, which then stops each node once
    // stdin is a pipe the node watches (DEVNET_PARENT_ENV): if this process dies, even by SIGKILL, the pipe
    // closes and the node shuts down instead of living on as an orphan writing into the devnet's dirs
    const child = spawn(process.execPath, [...(init.nodeArgs ?? []), BIN, 'node', ...(init.args ?? [])], { env: { ...env, [DEVNET_PARENT_ENV]: '1' }, stdio: ['pipe', 'pipe', 'pipe'], detached: true })
    m.child = child
    m.exitCode = undefined
    m.url = undefined
    m.log = createWriteStream(join(m.dir, 'node.log'), { flags: 'a' })
    child.stderr?.pipe(m.log, { end: false })
    const started = new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! })
      let up = false
      lines.on('line', (line) => {
        m.log?.write(line + '\n')
        if (up) return
        try {
          const rec = JSON.parse(line) as Partial<DevnetStartedLine>
          if (rec.wiresealDevnet === 'started' && typeof rec.url === 'string' && typeof rec.peerId === 'string') {
            m.url = rec.url
            m.peerId = rec.peerId
            m.addrs = (rec.addrs ?? []).map((a) => a.includes('/p2p/') ? a : `${a}/p2p/${rec.peerId ?? ''}`)
            up = true
            resolve()
          }
        } catch {
          // not a log line of ours
        }
      })
      child.once('exit', (code) => {
        m.exitCode = code
        reject(new Error(`node ${m.index} exited with ${String(code)} before it started (see ${join(m.dir, 'node.log')})`))
      })
    })
    child.once('exit', (code) => {
      m.exitCode = code
      m.log?.end()
    })
    await started
  }

  const devnet: Devnet = {
    members,
    async refresh () {
      await Promise.all(members.map(async (m) => {
        if (m.url === undefined || m.exitCode !== undefined) return
        try {
          const res = await fetch(`${m.url}/status`, { signal: AbortSignal.timeout(1_500) })
          m.status = await res.json() as NodeStatus
        } catch {
          m.status = undefined
        }
      }))
    },
    async kill (index, signal = 'SIGKILL') {
      const m = members[index]
      if (m?.child === undefined) return null
      m.child.kill(signal)
      return await waitExit(m.child)
    },
    async restart (index) {
      const m = members[index]
      if (m === undefined) throw new RangeError(`no node ${index}`)
      await launch(m)
    },
    async stop () {
      const codes = await Promise.all(members.map(async (m) => {
        if (m.child === undefined) return 0
        if (m.exitCode === undefined) m.child.kill('SIGTERM')
        return await waitExit(m.child)
      }))
      process.removeListener('exit', onExit)
      return codes.every((c) => c === 0)
    }
  }
  // one exit hook for the whole devnet (not one per launch): nodes still running when this process exits are killed
  const onExit = (): void => { for (const m of members) if (m.exitCode === undefined) m.child?.kill('SIGKILL') }
  process.once('exit', onExit)
  try {
    for (const m of members) await launch(m)
  } catch (err) {
    await devnet.stop()
    throw err
  }
  return devnet
}

/** True when node `m` has received Blocks and PeerInfos from every other running node. */
export function hearsEveryone (m: Member, members: readonly Member[]): boolean {
  const s = m.status
  if (s === undefined) return false
  return members.every((o) => o === m || o.peerId === undefined ||
    ((s.blocksReceivedFrom[o.peerId] ?? 0) > 0 && (s.peerInfosReceivedFrom[o.peerId] ?? 0) > 0))
}

function mb (n: number): string { return `${(n / 1e6).toFixed(1)}` }

/** The status view, one line per node. */
export function renderDevnet (members: readonly Member[], elapsedS: number): string {
  const head = `wireseal devnet: ${members.length} nodes, ${elapsedS.toFixed(0)} s   (Ctrl-C stops)`
  const cols = 'node  peers  mesh  height  produced  recv gossip/sync  from all  wire/raw MB      rejects   p50/p99 ms  ready'
  const rows = members.map((m) => {
    const s = m.status
    if (s === undefined) return `${String(m.index).padEnd(4)}  ${m.exitCode !== undefined ? `exited (${String(m.exitCode)})` : 'starting...'}`
    const rejects = Object.values(s.rejected).reduce((a, b) => a + b, 0)
    return [
      String(m.index).padEnd(4),
      String(s.peers).padStart(5),
      String(s.meshPeers.block).padStart(4),
      s.height.padStart(7),
      String(s.blocksProduced).padStart(9),
      `${s.blocksReceived.gossip}/${s.blocksReceived.sync}`.padStart(17),
      (hearsEveryone(m, members) ? 'yes' : 'no').padStart(9),
      `${mb(s.bytes.wire)}/${mb(s.bytes.raw)}`.padStart(12),
      String(rejects).padStart(11),
      `${s.deliveryLatencyMs.p50.toFixed(0)}/${s.deliveryLatencyMs.p99.toFixed(0)}`.padStart(11),
      (s.ready ? 'yes' : s.reason).padStart(6)
    ].join('  ')
  })
  const reasons = new Map<string, number>()
  for (const m of members) for (const [r, n] of Object.entries(m.status?.rejected ?? {})) reasons.set(r, (reasons.get(r) ?? 0) + n)
  const why = reasons.size === 0 ? 'rejects: none' : `rejects: ${[...reasons].map(([r, n]) => `${r} ${n}`).join(', ')}`
  return [head, cols, ...rows, why].join('\n')
}

/** The devnet command; resolves to the exit code. */
export async function runDevnet (argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values: { nodes?: string, duration?: string, dir?: string, help?: boolean }
  try {
    values = parseArgs({
      args: [...argv],
      options: { nodes: { type: 'string' }, duration: { type: 'string' }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true
    }).values
  } catch (err) {
    process.stderr.write(`wireseal-node devnet: ${(err as Error).message}\n`)
    return 2
  }
  if (values.help === true) {
    process.stdout.write('usage: wireseal-node devnet [--nodes N (3)] [--duration S (until Ctrl-C)] [--dir DIR (.devnet)]\n' +
      'Every node reads the P2P_* variables of CONFIGURATION.md; node i serves metrics on P2P_METRICS_PORT + i.\n')
    return 0
  }
  const nodes = Number(values.nodes ?? '3')
  const duration = values.duration === undefined ? undefined : Number(values.duration)
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_DEVNET_NODES) {
    process.stderr.write(`wireseal-node devnet: --nodes=${values.nodes ?? ''}: expected an integer from 1 to ${MAX_DEVNET_NODES}\n`)
    return 2
  }
  if (duration !== undefined && (!Number.isFinite(duration) || duration <= 0)) {
    process.stderr.write(`wireseal-node devnet: --duration=${values.duration ?? ''}: expected a number of seconds > 0\n`)
    return 2
  }
  const portBase = Number(env.P2P_METRICS_PORT ?? '9100')
  if (!Number.isInteger(portBase) || portBase < 0 || portBase + nodes - 1 > 65535) {
    process.stderr.write(`wireseal-node devnet: P2P_METRICS_PORT=${env.P2P_METRICS_PORT ?? ''}: expected a port such that port + ${nodes - 1} <= 65535\n`)
    return 2
  }
  const started = Date.now()
  const tty = process.stdout.isTTY === true
  let devnet: Devnet
  const nodeEnv: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(env)) if (k.startsWith('P2P_') || k === 'LOG_LEVEL') nodeEnv[k] = v
  try {
    devnet = await startDevnet({ nodes, dir: values.dir ?? DEFAULT_DEVNET_DIR, metricsPortBase: portBase, env: nodeEnv })
  } catch (err) {
    process.stderr.write(`wireseal-node devnet: ${(err as Error).message}\n`)
    return 1
  }
  let lastLines = 0
  const draw = async (): Promise<void> => {
    await devnet.refresh()
    const text = renderDevnet(devnet.members, (Date.now() - started) / 1000)
    if (tty) {
      if (lastLines > 0) process.stdout.write(`\x1b[${lastLines}A\x1b[J`)
      lastLines = text.split('\n').length
    }
    process.stdout.write(text + '\n')
  }
  return await new Promise<number>((resolve) => {
    let stopping = false
    const timer = setInterval(() => { void draw() }, tty ? 1_000 : 2_000)
    const finish = async (): Promise<void> => {
      if (stopping) return
      stopping = true
      clearInterval(timer)
      process.stdout.write('stopping every node...\n')
      const ok = await devnet.stop()
      process.stdout.write(ok ? 'every node exited cleanly\n' : 'a node did not exit cleanly (see its node.log)\n')
      resolve(ok ? 0 : 1)
    }
    void draw()
    if (duration !== undefined) setTimeout(() => { void finish() }, duration * 1000)
    process.on('SIGINT', () => {
      if (stopping) process.exit(1)
      void finish()
    })
    process.on('SIGTERM', () => { void finish() })
  })
}
