/**
 * Reference node benchmark (issue 10): the built node (packages/node/dist,
 * each node its own process, as `npm start` runs them) against the same
 * devnet made of plain js-libp2p peers (./node-plain-peer.ts: TCP + Noise +
 * Yamux + gossipsub StrictSign, no wireseal), in one run.
 *
 * - Gossip, per block size (256 B, 4 KB, 64 KB): a 3-node devnet (nodes 1
 *   and 2 bootstrap from node 0) where every node produces a block every
 *   20 ms (a load at which per-message cost, not the nodes' fixed idle cost,
 *   decides the ratio), for a fixed window after a warm-up. Per node, from /status and
 *   /proc: blocks delivered by gossip, blocks produced, CPU seconds
 *   (utime + stime), RSS, and the p50 / p99 delivery latency of the node's
 *   own status ring (producer timestamp to stored). The plain devnet
 *   produces the same blocks (the node's `makeBlock` and `startProducer`) at
 *   the same interval for the same windows. A round is one fresh reference
 *   devnet (the block size is start-up configuration) and one plain window,
 *   in a shuffled order; rounds pair up for the ratio of messages per
 *   CPU-second.
 * - Sync: one node's block log seeded with 10,000 4 KB producer-signed
 *   blocks (./node-sync-seed.ts); a fresh node that bootstraps from it, timed
 *   from its start to height 10,000 (polling /status); against a raw libp2p
 *   stream carrying the same envelopes' bytes between two plain peers.
 * - Idle: a 3-node devnet that produces nothing (P2P_BLOCK_INTERVAL=0),
 *   defaults otherwise: CPU share and RSS per node over a window.
 * - Readiness: spawn of a bootstrap node to its first 200 on /health/ready.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { InvalidConfigError } from '../../src/errors.js'
import { target, type BenchContext, type BenchMode, type GroupResult, type Suite, type SuiteOutput, type Table, type Target } from '../harness.js'
import { waitUntil } from './nodes.js'
import { caseResultOf, describeGroup, pairReferences } from '../../src/bench/measure.js'
import {
  cpuSeconds, getJson, hasProcfs, nodeStatus, pidOf, rssBytes, startNodeDevnet, startPlainDevnet, stopNodeDevnet, stopPlainDevnet,
  type Devnet, type NodeStatus, type PlainDevnet
} from './node-procs.js'
import { seedBlockLog, type SeedResult } from './node-sync-seed.js'
import { DEFAULT_GOSSIP_BATCH_DELAY_MS, DEFAULT_GOSSIP_BATCH_RATE } from '../../packages/node/src/config-variables.js'
import { createRoundOrder } from '../../src/bench/round-order.js'
import { cleanPairedRatio, median, summarize } from '../../src/bench/stats.js'

/** Case names, shared with the test. */
export const NODE_CASES = Object.freeze({
  wireseal: 'wireseal node',
  plain: 'plain js-libp2p (gossipsub StrictSign)',
  sync: 'wireseal node sync',
  raw: 'raw libp2p stream'
})

/** Group id of a block size, shared with the test. */
export function gossipGroupId (sizeBytes: number): string {
  return `block-${sizeLabel(sizeBytes).replace(' ', '').toLowerCase().replace(/b$/, '')}/msgs-per-cpu-s`
}

/** Group id of the sync comparison. */
export const SYNC_GROUP = 'sync-4k/blocks'

/** Target ids, shared with the test. */
export const NODE_TARGETS = Object.freeze({
  gossip: 'node.gossip-msgs-per-cpu-s.vs-plain-libp2p',
  sync: 'node.sync-mb-s.vs-raw-stream',
  idleCpu: 'node.idle-cpu-per-node',
  idleRss: 'node.idle-rss-per-node',
  ready: 'node.ready-after-start'
})

/** Durations and counts of each mode. */
export interface NodePlan {
  /** Block data sizes of the gossip comparison. */
  sizes: readonly number[]
  /** Production interval of every node and plain peer (ms). */
  intervalMs: number
  /** Rounds per size (each: one fresh reference devnet and one plain window). */
  rounds: number
  /** Time between the meshes forming (or the plain producers starting) and the measured window (ms). */
  warmupMs: number
  /** Measured window of a round (ms). */
  windowMs: number
  /** Idle devnet: time after start before the window (ms). */
  idleWarmupMs: number
  /** Idle devnet: measured window (ms). */
  idleWindowMs: number
  /** Starts of a bootstrap node timed to readiness. */
  readinessTrials: number
  /** Blocks in the log a fresh node catches up on. */
  syncBlocks: number
  /** Data bytes per synced block. */
  syncBlockBytes: number
  /** Sync rounds (each: one fresh syncing node and one raw transfer). */
  syncRounds: number
}

/**
 * The plan of each mode: full ~5 min, quick ~90 s, smoke checks the plumbing
 * only. Full runs 3 rounds per size and sync: the median of 3 paired ratios
 * survives one outlier round (one run's two 64 KB rounds read 1.00x and 0.79x,
 * and a median of 2 is their mean).
 */
export const NODE_PLANS: Readonly<Record<BenchMode, NodePlan>> = Object.freeze({
  full: Object.freeze({ sizes: [256, 4096, 65536], intervalMs: 20, rounds: 3, warmupMs: 2_000, windowMs: 6_000, idleWarmupMs: 3_000, idleWindowMs: 10_000, readinessTrials: 3, syncBlocks: 10_000, syncBlockBytes: 4096, syncRounds: 3 }),
  quick: Object.freeze({ sizes: [256, 4096, 65536], intervalMs: 20, rounds: 1, warmupMs: 1_500, windowMs: 4_000, idleWarmupMs: 2_000, idleWindowMs: 5_000, readinessTrials: 2, syncBlocks: 10_000, syncBlockBytes: 4096, syncRounds: 1 }),
  smoke: Object.freeze({ sizes: [4096], intervalMs: 100, rounds: 1, warmupMs: 300, windowMs: 700, idleWarmupMs: 300, idleWindowMs: 500, readinessTrials: 1, syncBlocks: 300, syncBlockBytes: 4096, syncRounds: 1 })
})

/** Issue-10 thresholds. */
export const NODE_THRESHOLDS = Object.freeze({
  gossipVsPlain: 0.9,
  syncVsRaw: 0.5,
  idleCpuPercent: 3,
  idleRssBytes: 150e6,
  readyMs: 3_000
})

/** Upper bound of a sync (ms) and of a node's readiness wait. */
const SYNC_TIMEOUT_MS = 120_000
const READY_TIMEOUT_MS = 30_000
/**
 * Poll period of /status during a sync (ms): only to see it end, since the
 * node times its sync phase itself (lastSync); each poll costs the syncing
 * node a /status answer, so not more often.
 */
const SYNC_POLL_MS = 100
const READY_POLL_MS = 10
/** The node's shutdown bound in the suite (P2P_SHUTDOWN_TIMEOUT). */
const NODE_SHUTDOWN = '5s'

/**
 * Blocks per producer batch of the seeded log: what a node producing every
 * `intervalMs` (the gossip rounds' interval) batches at the default batch
 * settings (1 below the batch rate: one envelope per block).
 */
function syncBatchItems (intervalMs: number): number {
  return 1000 / intervalMs >= DEFAULT_GOSSIP_BATCH_RATE ? Math.max(1, Math.floor(DEFAULT_GOSSIP_BATCH_DELAY_MS / intervalMs)) : 1
}

function sizeLabel (bytes: number): string {
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KB`
  return `${bytes} B`
}

const fmt = (x: number, digits = 1): string => Number.isFinite(x) ? x.toFixed(digits) : 'n/a'
const mb = (bytes: number): string => fmt(bytes / 1e6, 0)

// ---------------------------------------------------------------------------
// one measured window

/** What one node (or plain peer) did in a window. */
interface NodeWindow {
  delivered: number
  produced: number
  cpuS: number
  rssBytes: number
  p50: number
  p99: number
  peers: number
  /** Refusals and queue drops (a reference node), refused deliveries (a plain peer). */
  refused: number
}

/** One round of one devnet. */
interface Round {
  seconds: number
  nodes: NodeWindow[]
}

const sum = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0)

/** Messages delivered per CPU-second of the whole devnet (every node's CPU, production included). */
const msgsPerCpuS = (r: Round): number => sum(r.nodes.map(n => n.delivered)) / sum(r.nodes.map(n => n.cpuS))

function refusedOf (s: NodeStatus): number {
  return sum(Object.values(s.rejected)) + s.queueDropped
}

/** Environment of a reference node in the suite: its own network name, quiet shutdown bound, and the knobs of `extra`. */
function nodeEnv (network: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  // LOG_LEVEL info: the devnet learns each node's URL and addresses from its info lines (at warn it waits forever)
  // per-peer gossip limits above the offered load (3 producers every 20 ms, relayed): the bench measures cost, not limiting
  return { LOG_LEVEL: 'info', P2P_NETWORK: network, P2P_SHUTDOWN_TIMEOUT: NODE_SHUTDOWN, P2P_RATE_GOSSIP_MSGS: '2000', P2P_RATE_GOSSIP_BYTES: '512MiB', ...extra }
}

async function statuses (devnet: Devnet): Promise<NodeStatus[]> {
  return Promise.all(devnet.members.map(async m => nodeStatus(m.url)))
}

/** One round of the reference devnet at `sizeBytes`: start, meshes, warm-up, window, stop. */
async function wiresealRound (sizeBytes: number, plan: NodePlan, work: string, network: string): Promise<Round> {
  const dir = join(work, `gossip-${randomBytes(4).toString('hex')}`)
  let devnet: Devnet | undefined
  try {
    devnet = await startNodeDevnet({
      nodes: 3,
      dir,
      metricsPortBase: 0,
      env: nodeEnv(network, {
        P2P_BLOCK_INTERVAL: `${plan.intervalMs}ms`,
        P2P_BLOCK_SIZE: String(sizeBytes),
        // the defaults (50 msgs/s, 4 MiB/s per peer) would refuse relayed traffic at this rate
        P2P_RATE_GOSSIP_MSGS: '100000',
        P2P_RATE_GOSSIP_BYTES: '1GiB'
      })
    })
    const d = devnet
    await waitUntil(async () => {
      const s = await statuses(d)
      return s.every((x, i) => x.meshPeers.block >= (i === 0 ? 2 : 1))
    }, 'reference devnet block meshes formed', 30_000, 50)
    await sleep(plan.warmupMs)
    const pids = d.members.map(m => pidOf(m.child, `node ${m.index}`))
    const cpu0 = pids.map(cpuSeconds)
    const s0 = await statuses(d)
    const t0 = performance.now()
    await sleep(plan.windowMs)
    const cpu1 = pids.map(cpuSeconds)
    const s1 = await statuses(d)
    const seconds = (performance.now() - t0) / 1000
    const nodes = s1.map((b, i): NodeWindow => {
      const a = s0[i] as NodeStatus
      return {
        delivered: b.blocksReceived.gossip - a.blocksReceived.gossip,
        produced: b.blocksProduced - a.blocksProduced,
        cpuS: (cpu1[i] as number) - (cpu0[i] as number),
        rssBytes: rssBytes(pids[i] as number),
        p50: b.deliveryLatencyMs.p50,
        p99: b.deliveryLatencyMs.p99,
        peers: b.peers,
        refused: refusedOf(b) - refusedOf(a)
      }
    })
    return { seconds, nodes }
  } finally {
    await stopNodeDevnet(devnet)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One window of the plain devnet at `sizeBytes`: produce, warm-up, window, halt. */
async function plainRound (plain: PlainDevnet, sizeBytes: number, plan: NodePlan): Promise<Round> {
  const { peers } = plain
  try {
    await Promise.all(peers.map(async p => p.ask('produce', { sizeBytes, intervalMs: plan.intervalMs })))
    await sleep(plan.warmupMs)
    const pids = peers.map(p => p.pid)
    const cpu0 = pids.map(cpuSeconds)
    const c0 = await Promise.all(peers.map(async p => p.ask('counters', {})))
    const t0 = performance.now()
    await sleep(plan.windowMs)
    const cpu1 = pids.map(cpuSeconds)
    const c1 = await Promise.all(peers.map(async p => p.ask('counters', {})))
    const seconds = (performance.now() - t0) / 1000
    const status = await Promise.all(peers.map(async p => p.ask('status', {})))
    const nodes = c1.map((b, i): NodeWindow => {
      const a = c0[i] as typeof b
      return {
        delivered: b.delivered - a.delivered,
        produced: b.published - a.published,
        cpuS: (cpu1[i] as number) - (cpu0[i] as number),
        rssBytes: rssBytes(pids[i] as number),
        // the latencies of the window plus its warm-up (the reference node's ring holds its warm-up too)
        p50: combinedQuantile(a.latency, b.latency, 0.5),
        p99: combinedQuantile(a.latency, b.latency, 0.99),
        peers: status[i]?.peers ?? 0,
        refused: b.refused - a.refused
      }
    })
    return { seconds, nodes }
  } finally {
    await Promise.allSettled(peers.map(async p => p.ask('halt', {})))
    // let the last blocks land before the next round (or the next devnet) starts
    await sleep(Math.min(1_000, plan.warmupMs))
  }
}

/** The warm-up's and the window's quantiles, weighted by their counts (the peers hand out summaries, not samples). */
function combinedQuantile (a: { p50: number, p99: number, n: number }, b: { p50: number, p99: number, n: number }, q: 0.5 | 0.99): number {
  const pick = (s: typeof a): number => q === 0.5 ? s.p50 : s.p99
  if (a.n === 0) return pick(b)
  if (b.n === 0) return pick(a)
  return q === 0.99 ? Math.max(pick(a), pick(b)) : (pick(a) * a.n + pick(b) * b.n) / (a.n + b.n)
}

// ---------------------------------------------------------------------------
// sync

interface SyncRound {
  /** Sync phase (s): the syncing node's first request to its last block stored, by its own clock (/status lastSync). */
  seconds: number
  /** Wall time from the syncing node's start (its "node started" line) to /status showing the whole log (s). */
  fromStartSeconds: number
  /** CPU seconds of the syncing node and of the serving node from the syncing node's start to the end. */
  clientCpuS: number
  serverCpuS: number
  blocksPerS: number
}

interface RawRound {
  seconds: number
  blocksPerS: number
  /** CPU seconds of the reading and of the sending plain peer over the transfer. */
  clientCpuS: number
  serverCpuS: number
}

async function syncRound (source: Devnet, seed: SeedResult, work: string, network: string): Promise<SyncRound> {
  const dir = join(work, `sync-${randomBytes(4).toString('hex')}`)
  const addr = source.members[0]?.addrs.find(a => a.includes('/tcp/'))
  if (addr === undefined) throw new InvalidConfigError('sync source', 'a TCP listen address')
  const serverPid = pidOf(source.members[0]?.child, 'sync source')
  let devnet: Devnet | undefined
  try {
    devnet = await startNodeDevnet({
      nodes: 1,
      dir,
      metricsPortBase: 0,
      env: nodeEnv(network, { P2P_BLOCK_INTERVAL: '0' }),
      // the devnet makes its first node a bootstrap node without peers; flags win over its environment
      args: ['--bootstrap=false', '--bootstrap-peers', addr]
    })
    const t0 = performance.now()
    const member = devnet.members[0]
    const pid = pidOf(member?.child, 'syncing node')
    const c0 = cpuSeconds(pid)
    const s0 = cpuSeconds(serverPid)
    let last: NodeStatus | undefined
    await waitUntil(async () => {
      last = await nodeStatus(member?.url)
      // a refused response stops that sync until the next PeerInfo (10 s): say why instead of waiting out the bound
      if (refusedOf(last) > 0) throw new InvalidConfigError('syncing node', `no refusal, got ${JSON.stringify(last.rejected)} at height ${last.height}`)
      return Number(last.height) >= seed.height
    }, `sync of ${seed.height} blocks`, SYNC_TIMEOUT_MS, SYNC_POLL_MS)
    const fromStartSeconds = (performance.now() - t0) / 1000
    const clientCpuS = cpuSeconds(pid) - c0
    const serverCpuS = cpuSeconds(serverPid) - s0
    if (last !== undefined && last.blocksReceived.sync < seed.height) {
      throw new InvalidConfigError('syncing node', `${seed.height} blocks by sync, got ${last.blocksReceived.sync} (and ${last.blocksReceived.gossip} by gossip)`)
    }
    const phase = last?.lastSync
    if (phase === null || phase === undefined || phase.blocks !== seed.height) {
      throw new InvalidConfigError('syncing node', `one catch-up of ${seed.height} blocks in /status lastSync, got ${JSON.stringify(phase)}`)
    }
    const seconds = Math.max(1, phase.finishedAtMs - phase.startedAtMs) / 1000
    return { seconds, fromStartSeconds, clientCpuS, serverCpuS, blocksPerS: seed.height / seconds }
  } finally {
    await stopNodeDevnet(devnet)
    rmSync(dir, { recursive: true, force: true })
  }
}

async function rawRound (plain: PlainDevnet, seed: SeedResult): Promise<RawRound> {
  const [server, client] = plain.peers
  const addr = plain.addrs[0]?.[0]
  if (server === undefined || client === undefined || addr === undefined) throw new InvalidConfigError('raw sync', 'two plain peers')
  const c0 = cpuSeconds(client.pid)
  const s0 = cpuSeconds(server.pid)
  const r = await client.ask('fetch-raw', { addr, expectBytes: seed.rawBytes, timeoutMs: SYNC_TIMEOUT_MS }, SYNC_TIMEOUT_MS + 5_000)
  const clientCpuS = cpuSeconds(client.pid) - c0
  const serverCpuS = cpuSeconds(server.pid) - s0
  if (r.bytes !== seed.rawBytes) throw new InvalidConfigError('raw sync', `${seed.rawBytes} B, got ${r.bytes}`)
  return { seconds: r.ms / 1000, blocksPerS: seed.height / (r.ms / 1000), clientCpuS, serverCpuS }
}

// ---------------------------------------------------------------------------
// idle and readiness

interface Idle {
  /** CPU share of a core per node (%), and RSS per node (bytes), at the end of the window. */
  cpuPercent: number[]
  rss: number[]
  /** The same of the (idle) plain peers over the same window, for context. */
  plainCpuPercent: number[]
  plainRss: number[]
}

async function measureIdle (plan: NodePlan, plain: PlainDevnet, work: string, network: string): Promise<Idle> {
  const dir = join(work, 'idle')
  let devnet: Devnet | undefined
  try {
    devnet = await startNodeDevnet({ nodes: 3, dir, metricsPortBase: 0, env: nodeEnv(network, { P2P_BLOCK_INTERVAL: '0' }) })
    await sleep(plan.idleWarmupMs)
    const pids = devnet.members.map(m => pidOf(m.child, `node ${m.index}`))
    const plainPids = plain.peers.map(p => p.pid)
    const c0 = pids.map(cpuSeconds)
    const p0 = plainPids.map(cpuSeconds)
    const t0 = performance.now()
    await sleep(plan.idleWindowMs)
    const c1 = pids.map(cpuSeconds)
    const p1 = plainPids.map(cpuSeconds)
    const seconds = (performance.now() - t0) / 1000
    return {
      cpuPercent: c1.map((c, i) => 100 * (c - (c0[i] as number)) / seconds),
      rss: pids.map(rssBytes),
      plainCpuPercent: p1.map((c, i) => 100 * (c - (p0[i] as number)) / seconds),
      plainRss: plainPids.map(rssBytes)
    }
  } finally {
    await stopNodeDevnet(devnet)
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Spawn of a bootstrap node (no production) to its first 200 on /health/ready (ms). */
async function measureReadiness (work: string, network: string, trial: number): Promise<number> {
  const dir = join(work, `ready-${trial}`)
  let devnet: Devnet | undefined
  try {
    const t0 = performance.now()
    devnet = await startNodeDevnet({ nodes: 1, dir, metricsPortBase: 0, env: nodeEnv(network, { P2P_BLOCK_INTERVAL: '0' }) })
    const url = devnet.members[0]?.url
    if (url === undefined) throw new InvalidConfigError('node', 'a metrics URL')
    await waitUntil(async () => (await getJson(`${url}/health/ready`)).status === 200, 'node ready', READY_TIMEOUT_MS, READY_POLL_MS)
    return performance.now() - t0
  } finally {
    await stopNodeDevnet(devnet)
    rmSync(dir, { recursive: true, force: true })
  }
}

// ---------------------------------------------------------------------------
// the suite

interface Measured {
  plan: NodePlan
  gossip: Map<number, { wireseal: Round[], plain: Round[] }>
  seed: SeedResult
  sync: SyncRound[]
  raw: RawRound[]
  idle: Idle
  readyMs: number[]
}

async function run (ctx: BenchContext): Promise<SuiteOutput> {
  if (!hasProcfs()) throw new InvalidConfigError('/proc', 'Linux /proc (CPU and RSS of the node processes are read there)')
  const plan = NODE_PLANS[ctx.settings.mode]
  const work = join(tmpdir(), `wireseal-bench-node-${process.pid}-${randomBytes(4).toString('hex')}`)
  mkdirSync(work, { recursive: true })
  const network = `bench-${randomBytes(4).toString('hex')}`
  let plain: PlainDevnet | undefined
  let source: Devnet | undefined
  try {
    // readiness first, on a machine not yet busy with the suite's own processes
    const readyMs: number[] = []
    for (let i = 0; i < plan.readinessTrials; i++) readyMs.push(await measureReadiness(work, network, i))
    ctx.log(`  ready after start (ms): ${readyMs.map(x => x.toFixed(0)).join(', ')}`)

    let t = performance.now()
    plain = await startPlainDevnet(3)
    ctx.log(`  plain devnet of 3 peers ready in ${fmt((performance.now() - t) / 1000)} s`)

    const idle = await measureIdle(plan, plain, work, `${network}-idle`)
    ctx.log(`  idle: CPU ${idle.cpuPercent.map(x => fmt(x)).join(' / ')} % of a core, RSS ${idle.rss.map(mb).join(' / ')} MB per node`)

    const gossip = new Map<number, { wireseal: Round[], plain: Round[] }>()
    for (const size of plan.sizes) {
      const rounds = { wireseal: [] as Round[], plain: [] as Round[] }
      gossip.set(size, rounds)
      const nextOrder = createRoundOrder(2, `node-gossip-${size}`)
      for (let r = 0; r < plan.rounds; r++) {
        for (const k of nextOrder()) {
          if (k === 0) rounds.wireseal.push(await wiresealRound(size, plan, work, `${network}-g${size}-${r}`))
          else rounds.plain.push(await plainRound(plain, size, plan))
        }
      }
      const w = rounds.wireseal.map(msgsPerCpuS)
      const p = rounds.plain.map(msgsPerCpuS)
      ctx.log(`  ${sizeLabel(size)}: msgs per CPU-s wireseal ${w.map(x => fmt(x, 0)).join(', ')} | plain ${p.map(x => fmt(x, 0)).join(', ')}`)
    }

    t = performance.now()
    const sourceDir = join(work, 'sync-source')
    const perBatch = syncBatchItems(plan.intervalMs)
    const seed = await seedBlockLog({ dataDir: join(sourceDir, 'node-0'), network, blocks: plan.syncBlocks, sizeBytes: plan.syncBlockBytes, rawFile: join(work, 'raw-sync.bin'), perBatch, intervalMs: plan.intervalMs })
    ctx.log(`  seeded ${seed.height} blocks (${mb(seed.envelopeBytes)} MB of envelopes, ${perBatch} per producer batch) in ${fmt((performance.now() - t) / 1000)} s`)
    source = await startNodeDevnet({
      nodes: 1,
      dir: sourceDir,
      metricsPortBase: 0,
      env: nodeEnv(network, { P2P_BLOCK_INTERVAL: '0', P2P_RATE_SYNC_BLOCKS: '1000000' })
    })
    await (plain.peers[0]?.ask('serve-raw', { file: join(work, 'raw-sync.bin') }))
    const sync: SyncRound[] = []
    const raw: RawRound[] = []
    const nextOrder = createRoundOrder(2, 'node-sync')
    for (let r = 0; r < plan.syncRounds; r++) {
      for (const k of nextOrder()) {
        if (k === 0) sync.push(await syncRound(source, seed, work, network))
        else raw.push(await rawRound(plain, seed))
      }
    }
    ctx.log(`  sync of ${seed.height} blocks: wireseal ${sync.map(s => fmt(s.seconds, 2)).join(', ')} s | raw stream ${raw.map(s => fmt(s.seconds, 3)).join(', ')} s`)
    return report(ctx, { plan, gossip, seed, sync, raw, idle, readyMs })
  } finally {
    await stopNodeDevnet(source)
    await stopPlainDevnet(plain)
    rmSync(work, { recursive: true, force: true })
  }
}

function report (ctx: BenchContext, m: Measured): SuiteOutput {
  const { plan } = m
  const groups: GroupResult[] = []
  const perSize: Array<{ size: number, ratio: number }> = []
  const gossipRows: Array<Array<string | number>> = []
  for (const [size, rounds] of m.gossip) {
    const ws = rounds.wireseal.map(msgsPerCpuS)
    const pl = rounds.plain.map(msgsPerCpuS)
    const cases = pairReferences([
      caseResultOf({ name: NODE_CASES.wireseal, reference: NODE_CASES.plain }, ws, 0),
      caseResultOf({ name: NODE_CASES.plain, baseline: true }, pl, 0)
    ])
    const group: GroupResult = { id: gossipGroupId(size), title: `Block ${sizeLabel(size)}, 3-node devnet: messages delivered per CPU-second`, cases }
    groups.push(group)
    ctx.log(describeGroup(group))
    perSize.push({ size, ratio: cleanPairedRatio(ws, pl).median })
    for (const [name, rs] of [[NODE_CASES.wireseal, rounds.wireseal], [NODE_CASES.plain, rounds.plain]] as const) {
      const nodes = rs.flatMap(r => r.nodes)
      const secs = sum(rs.map(r => r.seconds))
      gossipRows.push([
        sizeLabel(size),
        name,
        fmt(sum(rs.map(r => sum(r.nodes.map(n => n.produced)))) / secs),
        fmt(sum(rs.map(r => sum(r.nodes.map(n => n.delivered)))) / secs),
        fmt(median(rs.map(r => sum(r.nodes.map(n => n.delivered)) / (2 * Math.max(1, sum(r.nodes.map(n => n.produced)))))), 3),
        fmt(median(rs.map(msgsPerCpuS)), 0),
        `${fmt(median(rs.flatMap(r => r.nodes.map(n => 100 * n.cpuS / r.seconds))))} / ${fmt(Math.max(...rs.flatMap(r => r.nodes.map(n => 100 * n.cpuS / r.seconds))))}`,
        mb(Math.max(...nodes.map(n => n.rssBytes))),
        fmt(median(nodes.map(n => n.p50)), 0),
        fmt(Math.max(...nodes.map(n => n.p99)), 0),
        rs.map(r => r.nodes.map(n => n.peers).join('/')).join(', '),
        String(sum(nodes.map(n => n.refused)))
      ])
    }
  }
  const gossipMin = perSize.reduce((a, x) => Math.min(a, x.ratio), Infinity)

  const envelopeBytesPerBlock = m.seed.envelopeBytes / m.seed.height
  const syncCases = pairReferences([
    caseResultOf({ name: NODE_CASES.sync, reference: NODE_CASES.raw, bytes: envelopeBytesPerBlock }, m.sync.map(s => s.blocksPerS), m.seed.height),
    caseResultOf({ name: NODE_CASES.raw, baseline: true, bytes: envelopeBytesPerBlock }, m.raw.map(s => s.blocksPerS), m.seed.height)
  ])
  const syncGroup: GroupResult = { id: SYNC_GROUP, title: `Sync: a fresh node catching up ${m.seed.height} missed ${sizeLabel(plan.syncBlockBytes)} blocks`, cases: syncCases }
  groups.push(syncGroup)
  ctx.log(describeGroup(syncGroup))
  const syncRatio = cleanPairedRatio(m.sync.map(s => s.blocksPerS), m.raw.map(s => s.blocksPerS)).median
  const syncMbS = median(m.sync.map(s => s.blocksPerS * envelopeBytesPerBlock / 1e6))
  const rawMbS = median(m.raw.map(s => s.blocksPerS * envelopeBytesPerBlock / 1e6))
  const clientCpuPerK = median(m.sync.map(s => 1000 * s.clientCpuS / m.seed.height))
  const serverCpuPerK = median(m.sync.map(s => 1000 * s.serverCpuS / m.seed.height))
  const rawClientCpuPerK = median(m.raw.map(s => 1000 * s.clientCpuS / m.seed.height))
  const rawServerCpuPerK = median(m.raw.map(s => 1000 * s.serverCpuS / m.seed.height))

  const idleCpuMax = Math.max(...m.idle.cpuPercent)
  const idleRssMax = Math.max(...m.idle.rss)
  const readySummary = summarize(m.readyMs)
  const issue = 'Reference node'

  const targets: Target[] = [
    target({
      id: NODE_TARGETS.gossip,
      issue,
      description: `a wireseal node delivers >= ${NODE_THRESHOLDS.gossipVsPlain}x the messages per CPU-second of the plain js-libp2p devnet (gossipsub StrictSign), 3-node devnets at every block size`,
      measured: gossipMin,
      op: '>=',
      threshold: NODE_THRESHOLDS.gossipVsPlain,
      detail: `minimum over sizes of the paired per-round ratio (every node producing a block every ${plan.intervalMs} ms; all nodes' CPU): ` +
        perSize.map(x => `${sizeLabel(x.size)} ${fmt(x.ratio, 2)}x`).join(', ')
    }),
    target({
      id: NODE_TARGETS.sync,
      issue,
      description: `sync (a fresh node catching up ${m.seed.height} missed ${sizeLabel(plan.syncBlockBytes)} blocks) >= ${NODE_THRESHOLDS.syncVsRaw}x the MB/s of a raw libp2p stream carrying the same envelopes`,
      measured: syncRatio,
      op: '>=',
      threshold: NODE_THRESHOLDS.syncVsRaw,
      detail: `${fmt(syncMbS)} MB/s (${fmt(median(m.sync.map(s => s.blocksPerS)), 0)} blocks/s) vs raw ${fmt(rawMbS)} MB/s, envelope bytes; ` +
        `CPU per 1,000 blocks: syncing node ${fmt(clientCpuPerK, 2)} s, serving node ${fmt(serverCpuPerK, 2)} s (raw: reader ${fmt(rawClientCpuPerK, 3)} s, sender ${fmt(rawServerCpuPerK, 3)} s); ` +
        `from the syncing node's start ${fmt(median(m.sync.map(s => s.fromStartSeconds)), 2)} s`
    }),
    target({
      id: NODE_TARGETS.idleCpu,
      issue,
      description: `an idle 3-node devnet (no production, defaults otherwise) uses < ${NODE_THRESHOLDS.idleCpuPercent}% of a core per node`,
      measured: idleCpuMax,
      op: '<=',
      threshold: NODE_THRESHOLDS.idleCpuPercent,
      detail: `busiest node over ${fmt(plan.idleWindowMs / 1000, 0)} s (% of one core): ${m.idle.cpuPercent.map(x => fmt(x, 2)).join(' / ')}; idle plain js-libp2p peers meanwhile ${m.idle.plainCpuPercent.map(x => fmt(x, 2)).join(' / ')}`
    }),
    target({
      id: NODE_TARGETS.idleRss,
      issue,
      description: `an idle 3-node devnet uses < ${mb(NODE_THRESHOLDS.idleRssBytes)} MB RSS per node`,
      measured: idleRssMax / 1e6,
      op: '<=',
      threshold: NODE_THRESHOLDS.idleRssBytes / 1e6,
      detail: `largest node (MB): ${m.idle.rss.map(mb).join(' / ')}; idle plain js-libp2p peers (loaded through tsx) ${m.idle.plainRss.map(mb).join(' / ')}`
    }),
    target({
      id: NODE_TARGETS.ready,
      issue,
      description: `a node is ready (/health/ready 200) < ${NODE_THRESHOLDS.readyMs / 1000} s after start`,
      measured: readySummary.median / 1000,
      op: '<=',
      threshold: NODE_THRESHOLDS.readyMs / 1000,
      detail: `median of ${readySummary.n} starts of a bootstrap node, spawn to 200 (s): ${m.readyMs.map(x => fmt(x / 1000, 2)).join(', ')}`
    })
  ]

  const tables: Table[] = [
    {
      title: 'Gossip, 3-node devnets (per round window; medians over rounds)',
      columns: ['block', 'devnet', 'blocks/s', 'msgs/s', 'delivered / due', 'msgs per CPU-s', 'CPU % per node (median / max)', 'RSS max (MB)', 'latency p50 (ms)', 'latency p99 (ms)', 'peers per node', 'refused'],
      rows: gossipRows
    },
    {
      title: `Sync of ${m.seed.height} blocks (${sizeLabel(plan.syncBlockBytes)} data, ${fmt(envelopeBytesPerBlock, 0)} B envelopes)`,
      columns: ['path', 'seconds', 'blocks/s', 'MB/s', 'seconds from the node\'s start', 'CPU-s receiving side', 'CPU-s sending side'],
      rows: [
        [NODE_CASES.sync, fmt(median(m.sync.map(s => s.seconds)), 2), fmt(median(m.sync.map(s => s.blocksPerS)), 0), fmt(syncMbS), fmt(median(m.sync.map(s => s.fromStartSeconds)), 2), fmt(median(m.sync.map(s => s.clientCpuS)), 2), fmt(median(m.sync.map(s => s.serverCpuS)), 2)],
        [NODE_CASES.raw, fmt(median(m.raw.map(s => s.seconds)), 3), fmt(median(m.raw.map(s => s.blocksPerS)), 0), fmt(rawMbS), '', fmt(median(m.raw.map(s => s.clientCpuS)), 3), fmt(median(m.raw.map(s => s.serverCpuS)), 3)]
      ]
    },
    {
      title: 'Idle 3-node devnet and readiness',
      columns: ['figure', 'node 0', 'node 1', 'node 2', 'threshold'],
      rows: [
        ['CPU, % of a core', ...m.idle.cpuPercent.map(x => fmt(x, 2)), `< ${NODE_THRESHOLDS.idleCpuPercent}`],
        ['RSS (MB)', ...m.idle.rss.map(mb), `< ${mb(NODE_THRESHOLDS.idleRssBytes)}`],
        ['plain peer CPU, % of a core', ...m.idle.plainCpuPercent.map(x => fmt(x, 2)), ''],
        ['plain peer RSS (MB)', ...m.idle.plainRss.map(mb), ''],
        ['ready after start (s), per trial', ...[0, 1, 2].map(i => m.readyMs[i] === undefined ? '' : fmt((m.readyMs[i] as number) / 1000, 2)), `< ${NODE_THRESHOLDS.readyMs / 1000}`]
      ]
    }
  ]

  return {
    groups,
    tables,
    targets,
    notes: [
      `Reference nodes are the built package (packages/node/dist/bin.js node), one process each, started by its devnet (node 0 bootstraps, nodes 1 and 2 dial it; ` +
        'the DHT may connect them later: see "peers per node"). Each gossip round starts a fresh reference devnet, since the block size is start-up configuration; ' +
        `a round measures a ${fmt(plan.windowMs / 1000, 0)} s window after the meshes formed and a ${fmt(plan.warmupMs / 1000, 1)} s warm-up. ` +
        'The plain devnet (3 processes) lives through the run and produces only during its own windows; rounds of the two run in a shuffled order.',
      `Production: every node and plain peer produces a block every ${plan.intervalMs} ms (so that per-message cost, not the nodes' fixed idle cost, decides the ratio), with the node's makeBlock ` +
        '(JSON-like transfer data) and startProducer. Reference nodes run with P2P_RATE_GOSSIP_MSGS=100000 and P2P_RATE_GOSSIP_BYTES=1GiB, defaults otherwise ' +
        '(DHT, PeerInfo every 10 s, metrics, LevelDB block log, replay guard). Plain peers publish protobufBlock.encode(block) under StrictSign and, on delivery, ' +
        'decode it and check hash = SHA-256(data), as the node does; they store nothing.',
      'Messages per CPU-second: blocks delivered by gossip at all 3 nodes over the CPU time (utime + stime from /proc) of all 3 processes in the window, ' +
        'production and every background task included. At this rate the fixed cost of a process (timers, heartbeats, housekeeping) weighs in, as it does in a real deployment.',
      'Latency: producer timestamp (Date.now() in the block) to the block stored (reference node: its own status ring, its last <= 2,048 deliveries since start, warm-up ' +
        'included) or delivered (plain peer: warm-up and window, per peer); p50 is the median over nodes, p99 the largest node p99.',
      `Sync: the source node's log was seeded before it started (the node's identity, BlockStore and its producer's sealing; ./node-sync-seed.ts), as a producer every ${plan.intervalMs} ms ` +
        `seals it: ${syncBatchItems(plan.intervalMs)} block(s) per envelope (batched gossip from ${DEFAULT_GOSSIP_BATCH_RATE} blocks/s, ${DEFAULT_GOSSIP_BATCH_DELAY_MS} ms window), each kept as its item envelope. The syncing node ` +
        'is timed over its sync phase, by its own clock (/status lastSync): from its first BlocksByRange request to its last block stored, which is what the raw ' +
        'baseline times too (it reads the same envelopes, each behind a 4-byte length, off one libp2p stream between two plain peers already connected). ' +
        `"Seconds from the node's start" adds the node's connection, identify and PeerInfo exchange (from its "node started" line to /status showing height ${m.seed.height}, ` +
        `polled every ${SYNC_POLL_MS} ms). CPU-s: the syncing and serving node from the syncing node's start to the end; the raw reader and sender over their transfer.`,
      'CPU and RSS are read from /proc for every process alike. The machine may be shared with other work: absolute figures drift; CPU-seconds hardly depend on that load, wall-clock rates and latencies do.'
    ]
  }
}

/** The node suite. */
export const nodeSuite: Suite = Object.freeze({
  id: 'node',
  title: 'Reference node',
  description: 'The built reference node (packages/node) in 3-node devnets, one process per node, against the same devnet of plain js-libp2p peers ' +
    '(gossipsub StrictSign, no wireseal): blocks/s, messages/s and messages per CPU-second at 256 B, 4 KB and 64 KB blocks, delivery latency, CPU and RSS per node; ' +
    'a fresh node syncing 10,000 missed 4 KB blocks against a raw libp2p stream of the same bytes; an idle devnet\'s CPU and RSS; readiness after start.',
  libraries: ['libp2p', '@libp2p/gossipsub', 'classic-level'],
  run
})
