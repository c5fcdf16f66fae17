/**
 * Gossip benchmark over loopback (issue 4, "libp2p integration", Benchmarks):
 * wireseal gossip against plain gossipsub 17 on real libp2p nodes (TCP +
 * Noise + Yamux on 127.0.0.1), each node in its own process
 * (./gossip-node.ts), every process hosting one node of each network it
 * belongs to. Messages are Blocks of transaction JSON, 2 KB in protobuf.
 *
 * - Latency, publish -> deliver: 3-node stars (the publisher connected to two
 *   receivers), one message at a time, flavours interleaved and rotated per
 *   sample. From just before the publisher serializes (plain) or seals
 *   (wireseal) to the receiver's application holding the decoded value, on
 *   one monotonic clock shared by the processes. Compared with gossipsub's
 *   default StrictSign without a transform (what users run without
 *   wireseal: every message signed and verified) and, as an extra without a
 *   threshold, StrictNoSign without a transform (nothing authenticated).
 * - Validated messages/s: bursts of messages from the publisher, timed until
 *   every receiver delivered the last one, against StrictSign with a snappyjs
 *   DataTransform; in the 3-node star (each message arrives once) and in a
 *   full mesh of 5 nodes (each message arrives several times: wireseal drops
 *   the copies in fastMsgIdFn, before any verification; gossipsub StrictSign
 *   verifies every copy's signature before its seen-cache check).
 * - Batched gossip (issue 14): wireseal gossip with and without the topic's
 *   `batch: true`, at 256 B and 2 KB, in 3-node stars, at the SAME offered
 *   load: the publisher hands message k to publish() at t0 + k / rate (open
 *   loop: it never waits for earlier publishes). Rounds of the two interleave;
 *   each records the receivers' CPU time per delivered message and every
 *   message's latency from its due time to each receiver's application.
 *
 * @module
 */
import { createCodec } from '../../src/codec/index.js'
import { CompressionId } from '../../src/compress/types.js'
import { InvalidConfigError } from '../../src/errors.js'
import { BlockType } from '../../src/serialize/index.js'
import { benchKeys } from '../codec-fixtures.js'
import { DEFAULT_GOSSIP_BATCH_MAX_BYTES, DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS, DEFAULT_GOSSIP_BATCH_MAX_ITEMS } from '../../src/limits.js'
import { findCase, ratioOf, target, type BenchContext, type BenchMode, type GroupResult, type Suite, type SuiteOutput, type Table, type Target } from '../harness.js'
import { createMessages, FLAVOUR_NAMES, GOSSIP_MESSAGE_BYTES, GOSSIP_TOPIC, type GossipFlavour, type NodeSpec } from './gossip-protocol.js'
import { forkNodeProcesses, stopNodeProcesses, type NodeProcess } from './gossip-peers.js'
import { waitUntil } from './nodes.js'
import { measureAsyncGroup, type AsyncCaseInit, type RoundPlan, type RoundSample } from './rounds.js'
import { createRoundOrder } from '../../src/bench/round-order.js'
import { cleanPairedRatio, quantile, summarize } from '../../src/bench/stats.js'

/** Case names (flavours), shared with the test. */
export const GOSSIP_CASES = FLAVOUR_NAMES

/** Group ids, shared with the test. */
export const GOSSIP_GROUPS = Object.freeze({
  star: 'star-3/validated-msgs',
  mesh: 'mesh/validated-msgs',
  batched256: 'star-3/batched-256',
  batched2k: 'star-3/batched-2k',
  batched256Paced: 'star-3/batched-256-paced',
  batched2kPaced: 'star-3/batched-2k-paced'
})

/** One batched-gossip group: message size (serialized Block) and offered load. */
export interface BatchedGroup {
  bytes: number
  /** `burst`: a round's messages all due at once (the throughput groups' load); `paced`: due at `pacedRateHz`. */
  load: 'burst' | 'paced'
  group: string
}

/** The batched-gossip groups; the issue-14 targets are on the burst ones, the paced ones are reported beside them. */
export const BATCHED_GROUPS: readonly BatchedGroup[] = Object.freeze([
  { bytes: 256, load: 'burst', group: GOSSIP_GROUPS.batched256 },
  { bytes: 2048, load: 'burst', group: GOSSIP_GROUPS.batched2k },
  { bytes: 256, load: 'paced', group: GOSSIP_GROUPS.batched256Paced },
  { bytes: 2048, load: 'paced', group: GOSSIP_GROUPS.batched2kPaced }
])

/** Message sizes of the batched-gossip groups. */
const BATCHED_SIZES = [256, 2048] as const

/** Rate a burst is offered at: every message of the round is due at its start. */
const BURST_RATE_HZ = 1e6

/** Title of the batched-gossip table, shared with the test. */
export const BATCHED_TABLE = 'Batched vs unbatched wireseal gossip at the same offered load, 3-node star'

/** Latency table title, shared with the test. */
export const LATENCY_TABLE = 'Publish -> deliver latency, 3-node star (ms, one message at a time)'

/** Samples, bursts and rounds of each mode. */
export interface GossipPlan extends RoundPlan {
  /** Nodes of the full mesh (each a process). */
  meshNodes: number
  /** Measured latency samples per flavour (each gives one latency per receiver). */
  latencySamples: number
  /** Unrecorded latency samples per flavour first. */
  latencyWarmup: number
  /** Messages per throughput round. */
  burst: number
  /** Offered load of the batched-gossip groups (msg/s, the same for both flavours and sizes). */
  pacedRateHz: number
  /** Messages per round of the batched-gossip groups. */
  pacedCount: number
  /** Rounds of the batched-gossip groups. */
  paced: RoundPlan
}

/**
 * Offered load of the paced batched-gossip groups: 1,000 msg/s, about half of
 * what unbatched wireseal gossip sustains in the 3-node star at 2 KB (1.8k
 * msg/s in bursts, bench/results), so the unbatched receivers can keep up
 * and their latency is not only a queue growing for the length of the round.
 */
const PACED_RATE_HZ = 1000

/** The plan of each mode. */
export const GOSSIP_PLANS: Readonly<Record<BenchMode, GossipPlan>> = Object.freeze({
  full: Object.freeze({
    meshNodes: 5, latencySamples: 500, latencyWarmup: 40, burst: 300, warmupRounds: 3, rounds: 41, minRounds: 21, budgetMs: 40_000,
    pacedRateHz: PACED_RATE_HZ, pacedCount: 1000, paced: Object.freeze({ warmupRounds: 2, rounds: 21, minRounds: 11, budgetMs: 40_000 })
  }),
  quick: Object.freeze({
    meshNodes: 5, latencySamples: 150, latencyWarmup: 15, burst: 100, warmupRounds: 2, rounds: 21, minRounds: 11, budgetMs: 10_000,
    pacedRateHz: PACED_RATE_HZ, pacedCount: 400, paced: Object.freeze({ warmupRounds: 2, rounds: 11, minRounds: 7, budgetMs: 10_000 })
  }),
  // 3 processes: each one costs ~2 s of CPU to load libp2p through tsx.
  smoke: Object.freeze({
    meshNodes: 3, latencySamples: 4, latencyWarmup: 1, burst: 10, warmupRounds: 0, rounds: 2, minRounds: 2, budgetMs: 30_000,
    pacedRateHz: PACED_RATE_HZ, pacedCount: 20, paced: Object.freeze({ warmupRounds: 0, rounds: 2, minRounds: 2, budgetMs: 30_000 })
  })
})

/** Upper bound of one delivery wait (ms). */
const DELIVERY_TIMEOUT_MS = 30_000

const STAR_FLAVOURS: readonly GossipFlavour[] = ['wireseal', 'strictSign', 'strictNoSign', 'strictSignSnappy']
const MESH_FLAVOURS: readonly GossipFlavour[] = ['wireseal', 'strictSignSnappy']
const LATENCY_FLAVOURS: readonly GossipFlavour[] = ['wireseal', 'strictSign', 'strictNoSign']
const THROUGHPUT_BASELINE: GossipFlavour = 'strictSignSnappy'
/** The batched-gossip groups: unbatched first (the baseline), then batched. */
const PACED_FLAVOURS: readonly GossipFlavour[] = ['wireseal', 'wiresealBatched']

/** One batched-gossip group and what its rounds recorded, per flavour of {@link PACED_FLAVOURS}. */
interface BatchedMeasure {
  bytes: number
  load: 'burst' | 'paced'
  group: GroupResult
  records: PacedRecord[]
}

/** One network: its nodes (process indices; the first publishes) and its connections. */
interface Net {
  name: string
  flavour: GossipFlavour
  members: NodeProcess[]
  edges: Array<[number, number]>
  /** Index of the next message to publish (= messages each receiver has been handed so far). */
  next: number
  /** Serialized size of its messages. @default GOSSIP_MESSAGE_BYTES */
  messageBytes?: number
}

function starNet (flavour: GossipFlavour, procs: NodeProcess[]): Net {
  return { name: `star-${flavour}`, flavour, members: procs.slice(0, 3), edges: [[0, 1], [0, 2]], next: 0 }
}

function pacedNet (flavour: GossipFlavour, bytes: number, procs: NodeProcess[]): Net {
  return { name: `paced-${bytes}-${flavour}`, flavour, members: procs.slice(0, 3), edges: [[0, 1], [0, 2]], next: 0, messageBytes: bytes }
}

function meshNet (flavour: GossipFlavour, procs: NodeProcess[], n: number): Net {
  const edges: Array<[number, number]> = []
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) edges.push([i, j])
  return { name: `mesh-${flavour}`, flavour, members: procs.slice(0, n), edges, next: 0 }
}

/** Starts every network's nodes, connects them and waits until each node's mesh holds all its peers. */
async function setUp (nets: readonly Net[], procs: readonly NodeProcess[]): Promise<void> {
  const specs = new Map<NodeProcess, NodeSpec[]>(procs.map(p => [p, []]))
  nets.forEach((net, k) => net.members.forEach((p, m) => specs.get(p)?.push({
    net: net.name, flavour: net.flavour, seed: 1 + 16 * k + m, ...(net.messageBytes === undefined ? {} : { messageBytes: net.messageBytes })
  })))
  const addrs = new Map<NodeProcess, Record<string, string[]>>()
  await Promise.all(procs.map(async p => { addrs.set(p, (await p.ask('init', { nodes: specs.get(p) ?? [] })).addrs) }))
  for (const net of nets) {
    for (const [i, j] of net.edges) {
      const to = addrs.get(net.members[j] as NodeProcess)?.[net.name]
      if (to === undefined || to.length === 0) throw new InvalidConfigError(net.name, `listen addresses of node ${j}`)
      await (net.members[i] as NodeProcess).ask('dial', { net: net.name, addrs: to.slice(0, 1) })
    }
  }
  const degree = (net: Net, m: number): number => net.edges.filter(([i, j]) => i === m || j === m).length
  await waitUntil(async () => {
    const ready = await Promise.all(nets.flatMap(net => net.members.map(async (p, m) => {
      const s = await p.ask('status', { net: net.name })
      return s.subscribers === degree(net, m) && s.mesh === degree(net, m)
    })))
    return ready.every(Boolean)
  }, 'gossip meshes formed', 30_000, 100)
}

/** Publishes `count` messages on `net` and returns when every receiver delivered them: the publish time and the receivers' times. */
async function burst (net: Net, count: number): Promise<{ t0: number, delivered: number[] }> {
  const from = net.next
  net.next += count
  const [publisher, ...receivers] = net.members as [NodeProcess, ...NodeProcess[]]
  const pub = await publisher.ask('publish', { net: net.name, from, count }, DELIVERY_TIMEOUT_MS)
  const delivered = await Promise.all(receivers.map(async p =>
    (await p.ask('delivered', { net: net.name, count: from + count, timeoutMs: DELIVERY_TIMEOUT_MS }, DELIVERY_TIMEOUT_MS + 5_000)).t))
  return { t0: pub.t0, delivered }
}

/** CPU time (µs) each process spent so far. */
async function cpuOf (procs: readonly NodeProcess[]): Promise<number[]> {
  return Promise.all(procs.map(async p => (await p.ask('cpu', {})).us))
}

/** Latencies (ms) per flavour: samples interleaved across flavours, in an order shuffled per sample (round-order.ts). */
async function measureLatency (nets: ReadonlyMap<GossipFlavour, Net>, plan: GossipPlan): Promise<Map<GossipFlavour, number[]>> {
  const out = new Map<GossipFlavour, number[]>(LATENCY_FLAVOURS.map(f => [f, []]))
  const total = plan.latencyWarmup + plan.latencySamples
  const nextOrder = createRoundOrder(LATENCY_FLAVOURS.length, 'gossip-latency')
  for (let s = 0; s < total; s++) {
    for (const k of nextOrder()) {
      const f = LATENCY_FLAVOURS[k] as GossipFlavour
      const r = await burst(nets.get(f) as Net, 1)
      if (s >= plan.latencyWarmup) out.get(f)?.push(...r.delivered.map(t => t - r.t0))
    }
  }
  return out
}

/** CPU time (µs, user + system) per message of each round of a network, warm-up rounds included. */
interface CpuRounds {
  /** All processes of the network (publisher included). */
  all: number[]
  /** Receivers only: what validating and delivering a message costs. */
  receivers: number[]
}

/** Cases of a throughput group: one burst per round per flavour, with the CPU time its processes spent. */
function throughputCases (nets: readonly Net[], plan: GossipPlan, cpu: Map<string, CpuRounds>): AsyncCaseInit[] {
  return nets.map(net => {
    const rounds: CpuRounds = { all: [], receivers: [] }
    cpu.set(net.name, rounds)
    return {
      name: FLAVOUR_NAMES[net.flavour],
      baseline: net.flavour !== 'wireseal',
      ...(net.flavour === 'wireseal' ? { reference: FLAVOUR_NAMES[THROUGHPUT_BASELINE] } : {}),
      run: async (): Promise<RoundSample> => {
        const c0 = await cpuOf(net.members)
        const r = await burst(net, plan.burst)
        const c1 = await cpuOf(net.members)
        rounds.all.push(c1.reduce((a, x, i) => a + x - (c0[i] as number), 0) / plan.burst)
        rounds.receivers.push(c1.slice(1).reduce((a, x, i) => a + x - (c0[i + 1] as number), 0) / plan.burst)
        return { ops: plan.burst, ms: Math.max(...r.delivered) - r.t0 }
      }
    }
  })
}

/** What the batched-gossip rounds of one network recorded (measured rounds only). */
interface PacedRecord {
  /** Latency (ms) of every message at every receiver, from its due time. */
  latencies: number[]
  /** Envelopes the publisher sent per round (warm-up included) and messages per round. */
  envelopes: number[]
}

/**
 * A case of a batched-gossip group: one open-loop round of `pacedCount`
 * messages at `pacedRateHz`. Its rate is messages per CPU-second of the
 * receivers (the RoundSample's `ms` is their CPU time), so the group's paired
 * ratio is the issue's "delivered messages per CPU-second at the receivers".
 */
function pacedCase (net: Net, plan: GossipPlan, rateHz: number, record: PacedRecord, unbatched: string): AsyncCaseInit {
  let round = -plan.paced.warmupRounds
  return {
    name: FLAVOUR_NAMES[net.flavour],
    baseline: net.flavour === 'wireseal',
    ...(net.flavour === 'wiresealBatched' ? { reference: unbatched } : {}),
    run: async (): Promise<RoundSample> => {
      const [publisher, ...receivers] = net.members as [NodeProcess, ...NodeProcess[]]
      const from = net.next
      const count = plan.pacedCount
      net.next += count
      const e0 = (await publisher.ask('counters', { net: net.name })).publishedEnvelopes
      const c0 = await cpuOf(receivers)
      const paced = await publisher.ask('pace', { net: net.name, from, count, rateHz }, DELIVERY_TIMEOUT_MS)
      const times = await Promise.all(receivers.map(async p =>
        (await p.ask('deliveries', { net: net.name, from, count, timeoutMs: DELIVERY_TIMEOUT_MS }, DELIVERY_TIMEOUT_MS + 5_000)).t))
      const c1 = await cpuOf(receivers)
      const e1 = (await publisher.ask('counters', { net: net.name })).publishedEnvelopes
      if (round++ >= 0) {
        for (const t of times) t.forEach((at, k) => { record.latencies.push(at - (paced.t0 + k * paced.intervalMs)) })
        record.envelopes.push(e1 - e0)
      }
      const cpuMs = c1.reduce((a, x, i) => a + x - (c0[i] as number), 0) / 1000
      return { ops: count, ms: cpuMs }
    }
  }
}

/** Checks every receiver delivered every message exactly once and wireseal refused nothing; returns copies per message per receiver. */
async function checkNet (net: Net): Promise<number> {
  const counters = await Promise.all(net.members.map(async p => p.ask('counters', { net: net.name })))
  counters.slice(1).forEach((c, m) => {
    if (c.delivered !== net.next) throw new InvalidConfigError(`${net.name} node ${m + 1}`, `${net.next} deliveries (each message once), got ${c.delivered}`)
  })
  const refused = counters.reduce((a, c) => a + c.refused, 0)
  if (refused !== 0) throw new InvalidConfigError(net.name, `no refused message, got ${refused}`)
  // one publisher, one path to each receiver: delivery order is publish order, batched or not
  const outOfOrder = counters.reduce((a, c) => a + c.outOfOrder, 0)
  if (net.messageBytes !== undefined && outOfOrder !== 0) throw new InvalidConfigError(net.name, `deliveries in publish order, got ${outOfOrder} out of order`)
  const copies = counters.slice(1).reduce((a, c) => a + c.copies, 0)
  return copies / (net.next * (net.members.length - 1))
}

const ms = (x: number): string => x.toFixed(3)

/** Size and compression of the envelope wireseal publishes for a benchmark message (its default policy). */
async function envelopeFacts (): Promise<{ bytes: number, compression: string }> {
  const keys = await benchKeys()
  const envelope = createCodec({ privateKey: keys.libp2p }).seal(BlockType, createMessages()(0), { channel: GOSSIP_TOPIC })
  const opened = createCodec({ replay: false }).open(envelope, { channel: GOSSIP_TOPIC })
  if (!opened.ok) throw new InvalidConfigError('benchmark envelope', `one that opens, got ${opened.reason}`)
  const name = Object.entries(CompressionId).find(([, id]) => id === opened.compression)?.[0] ?? String(opened.compression)
  return { bytes: envelope.length, compression: name }
}

async function run (ctx: BenchContext): Promise<SuiteOutput> {
  const plan = GOSSIP_PLANS[ctx.settings.mode]
  const procs = forkNodeProcesses(Math.max(3, plan.meshNodes))
  try {
    const star = new Map<GossipFlavour, Net>(STAR_FLAVOURS.map(f => [f, starNet(f, procs)]))
    const mesh = new Map<GossipFlavour, Net>(MESH_FLAVOURS.map(f => [f, meshNet(f, procs, plan.meshNodes)]))
    const paced = BATCHED_SIZES.map(bytes => PACED_FLAVOURS.map(f => pacedNet(f, bytes, procs)))
    const nets = [...star.values(), ...mesh.values(), ...paced.flat()]
    const t0 = performance.now()
    await setUp(nets, procs)
    ctx.log(`  ${procs.length} node processes, ${nets.length} networks ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`)

    const latency = await measureLatency(star, plan)
    const p = (f: GossipFlavour, q: number): number => quantile(latency.get(f) ?? [], q)
    ctx.log(`  latency p50 (ms): ${LATENCY_FLAVOURS.map(f => `${FLAVOUR_NAMES[f]} ${ms(p(f, 0.5))}`).join(' | ')}`)

    const cpu = new Map<string, CpuRounds>()
    const common = { ...plan, log: ctx.log }
    const starNets = [star.get('wireseal') as Net, star.get(THROUGHPUT_BASELINE) as Net]
    const meshNets = [mesh.get('wireseal') as Net, mesh.get(THROUGHPUT_BASELINE) as Net]
    const starGroup = await measureAsyncGroup({ id: GOSSIP_GROUPS.star, title: `${GOSSIP_MESSAGE_BYTES} B messages, 3-node star (each arrives once)`, cases: throughputCases(starNets, plan, cpu), ...common })
    const meshGroup = await measureAsyncGroup({ id: GOSSIP_GROUPS.mesh, title: `${GOSSIP_MESSAGE_BYTES} B messages, ${plan.meshNodes}-node full mesh (copies arrive)`, cases: throughputCases(meshNets, plan, cpu), ...common })
    const batched: BatchedMeasure[] = []
    for (const { bytes, load, group } of BATCHED_GROUPS) {
      const records = PACED_FLAVOURS.map((): PacedRecord => ({ latencies: [], envelopes: [] }))
      const nets = paced[BATCHED_SIZES.indexOf(bytes as 256 | 2048)] as Net[]
      const rateHz = load === 'burst' ? BURST_RATE_HZ : plan.pacedRateHz
      const cases = nets.map((net, k) => pacedCase(net, plan, rateHz, records[k] as PacedRecord, FLAVOUR_NAMES.wireseal))
      const offered = load === 'burst' ? `bursts of ${plan.pacedCount}` : `${plan.pacedRateHz} msg/s`
      const g = await measureAsyncGroup({
        id: group,
        title: `${bytes} B messages, ${offered} offered, 3-node star: delivered messages per CPU-second of the receivers`,
        cases,
        ...plan.paced,
        log: ctx.log
      })
      batched.push({ bytes, load, group: g, records })
    }

    const copies = new Map<string, number>()
    for (const net of nets) copies.set(net.name, await checkNet(net))
    return report({ plan, latency, starGroup, meshGroup, cpu, copies, envelope: await envelopeFacts(), batched })
  } finally {
    await stopNodeProcesses(procs)
  }
}

interface Measured {
  plan: GossipPlan
  latency: Map<GossipFlavour, number[]>
  starGroup: GroupResult
  meshGroup: GroupResult
  cpu: Map<string, CpuRounds>
  copies: Map<string, number>
  envelope: { bytes: number, compression: string }
  batched: BatchedMeasure[]
}

function report (m: Measured): SuiteOutput {
  const lat = (f: GossipFlavour): number[] => m.latency.get(f) ?? []
  const p50 = (f: GossipFlavour): number => quantile(lat(f), 0.5)
  const vsSign = p50('wireseal') / p50('strictSign')
  const vsNoSign = p50('wireseal') / p50('strictNoSign')
  const ws = FLAVOUR_NAMES.wireseal
  const base = FLAVOUR_NAMES[THROUGHPUT_BASELINE]
  const starRatio = ratioOf(m.starGroup, ws, base)
  const meshRatio = ratioOf(m.meshGroup, ws, base)
  const cpuRates = (net: string, which: keyof CpuRounds, rounds: number): number[] =>
    (m.cpu.get(net)?.[which] ?? []).slice(-rounds).map(us => 1e6 / us)
  /** Messages per CPU-second: wireseal / baseline, paired per measured round, and the two medians. */
  const cpu = (kind: 'star' | 'mesh', which: keyof CpuRounds): { ratio: number, ws: number, base: number } => {
    const rounds = (kind === 'star' ? m.starGroup : m.meshGroup).cases[0]?.samples.length ?? 0
    const a = cpuRates(`${kind}-wireseal`, which, rounds)
    const b = cpuRates(`${kind}-${THROUGHPUT_BASELINE}`, which, rounds)
    return { ratio: cleanPairedRatio(a, b).median, ws: summarize(a).median, base: summarize(b).median }
  }
  const cpuStar = { receivers: cpu('star', 'receivers'), all: cpu('star', 'all') }
  const cpuMesh = { receivers: cpu('mesh', 'receivers'), all: cpu('mesh', 'all') }
  const cpuDetail = (c: typeof cpuStar): string => `messages per CPU-second, wireseal / baseline (paired per round): the receivers' ` +
    `${c.receivers.ratio.toFixed(2)}x (${c.receivers.ws.toFixed(0)} / ${c.receivers.base.toFixed(0)}), all nodes ${c.all.ratio.toFixed(2)}x`
  const copies = (net: string): string => (m.copies.get(net) ?? NaN).toFixed(2)
  const n = m.plan.meshNodes
  const issue = 'libp2p integration'

  const targets: Target[] = [
    target({
      id: 'gossip.latency-p50.vs-strictsign',
      issue,
      description: 'gossip publish -> deliver p50 latency (2 KB Block) within 1.2x of gossipsub without a transform (default StrictSign)',
      measured: vsSign,
      op: '<=',
      threshold: 1.2,
      detail: `p50 ${ms(p50('wireseal'))} ms / ${ms(p50('strictSign'))} ms over ${lat('wireseal').length} deliveries each (3-node star, 2 receivers); ` +
        `extra, no threshold: vs StrictNoSign (nothing authenticated) ${vsNoSign.toFixed(2)}x`
    }),
    target({
      id: 'gossip.msgs-2k.vs-strictsign-snappy',
      issue,
      description: 'validated gossip messages/s at 2 KB, each message arriving once (3-node star), never below gossipsub StrictSign + snappyjs DataTransform',
      measured: starRatio,
      op: '>=',
      threshold: 1.0,
      detail: `paired ratio of messages/s per round (bursts of ${m.plan.burst}, delivered at both receivers); ${cpuDetail(cpuStar)}`
    }),
    target({
      id: 'gossip.msgs-2k-mesh.vs-strictsign-snappy',
      issue,
      description: `validated gossip messages/s at 2 KB in a ${n}-node full mesh (each message arrives several times; wireseal drops copies in fastMsgIdFn), never below gossipsub StrictSign + snappyjs`,
      measured: meshRatio,
      op: '>=',
      threshold: 1.0,
      detail: `paired ratio of messages/s per round (bursts of ${m.plan.burst}, delivered at all ${n - 1} receivers); copies received per message per receiver: ` +
        `wireseal ${copies('mesh-wireseal')}, StrictSign + snappyjs ${copies(`mesh-${THROUGHPUT_BASELINE}`)}; ${cpuDetail(cpuMesh)}`
    })
  ]

  const latencyRows = LATENCY_FLAVOURS.map(f => {
    const s = summarize(lat(f))
    return [FLAVOUR_NAMES[f], ms(s.median), ms(quantile(lat(f), 0.9)), ms(quantile(lat(f), 0.99)), ms(s.min), String(s.n),
      f === 'wireseal' ? '' : `${(p50('wireseal') / s.median).toFixed(2)}x`]
  })
  const batchedFacts = m.batched.map(b => {
    const [u, w] = b.records as [PacedRecord, PacedRecord]
    const p50u = quantile(u.latencies, 0.5)
    const p50w = quantile(w.latencies, 0.5)
    const perEnvelope = (r: PacedRecord): number => m.plan.pacedCount / summarize(r.envelopes).median
    return { ...b, cpu: ratioOf(b.group, FLAVOUR_NAMES.wiresealBatched, FLAVOUR_NAMES.wireseal), latency: p50w / p50u, p50u, p50w, perEnvelope }
  })
  const offeredOf = (b: BatchedMeasure): string => b.load === 'burst' ? `bursts of ${m.plan.pacedCount}` : `${m.plan.pacedRateHz} msg/s`
  for (const b of batchedFacts.filter(x => x.load === 'burst')) {
    const size = b.bytes >= 1024 ? `${b.bytes / 1024}k` : String(b.bytes)
    const cpuOfCase = (name: string): number => findCase(b.group, name).opsPerSec.median
    targets.push(target({
      id: `gossip.batched-${size}.msgs-per-cpu.vs-unbatched`,
      issue: 'performance near the hardware limit',
      description: `batched gossip at ${b.bytes} B: delivered messages per CPU-second at the receivers >= 4x unbatched wireseal gossip at the same offered load (${offeredOf(b)})`,
      measured: b.cpu,
      op: '>=',
      threshold: 4,
      detail: `paired per round: ${cpuOfCase(FLAVOUR_NAMES.wiresealBatched).toFixed(0)} / ${cpuOfCase(FLAVOUR_NAMES.wireseal).toFixed(0)} messages per CPU-second of the 2 receivers; ` +
        `${b.perEnvelope(b.records[1] as PacedRecord).toFixed(1)} messages per batched envelope (median round); at ${m.plan.pacedRateHz} msg/s paced (no threshold): ` +
        `${(batchedFacts.find(x => x.load === 'paced' && x.bytes === b.bytes)?.cpu ?? NaN).toFixed(2)}x`
    }))
    targets.push(target({
      id: `gossip.batched-${size}.latency-p50.vs-unbatched`,
      issue: 'performance near the hardware limit',
      description: `batched gossip at ${b.bytes} B: p50 publish -> deliver latency <= 2x unbatched wireseal gossip at the same offered load (${offeredOf(b)})`,
      measured: b.latency,
      op: '<=',
      threshold: 2,
      detail: `p50 ${ms(b.p50w)} ms / ${ms(b.p50u)} ms over ${(b.records[1] as PacedRecord).latencies.length} / ${(b.records[0] as PacedRecord).latencies.length} deliveries, from each message's due time; ` +
        `at ${m.plan.pacedRateHz} msg/s paced (no threshold): ${(batchedFacts.find(x => x.load === 'paced' && x.bytes === b.bytes)?.latency ?? NaN).toFixed(2)}x`
    }))
  }

  const tables: Table[] = [
    { title: LATENCY_TABLE, columns: ['flavour', 'p50', 'p90', 'p99', 'min', 'deliveries', 'wireseal p50 / this p50'], rows: latencyRows },
    {
      title: 'Validated messages, wireseal / gossipsub StrictSign + snappyjs (paired ratios per round, >1 is better)',
      columns: ['network', 'msgs/s', 'msgs per CPU-s of the receivers', 'msgs per CPU-s of all nodes', 'msgs per CPU-s of the receivers (wireseal / baseline)', 'copies per msg per receiver (wireseal / baseline)'],
      rows: (['star', 'mesh'] as const).map(kind => {
        const c = kind === 'star' ? cpuStar : cpuMesh
        return [kind === 'star' ? '3-node star' : `${n}-node full mesh`, (kind === 'star' ? starRatio : meshRatio).toFixed(2),
          c.receivers.ratio.toFixed(2), c.all.ratio.toFixed(2), `${c.receivers.ws.toFixed(0)} / ${c.receivers.base.toFixed(0)}`,
          `${copies(`${kind}-wireseal`)} / ${copies(`${kind}-${THROUGHPUT_BASELINE}`)}`]
      })
    },
    {
      title: BATCHED_TABLE,
      columns: ['size', 'offered', 'flavour', 'msgs per CPU-s of the receivers', 'vs unbatched', 'msgs per envelope', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'max (ms)', 'deliveries'],
      rows: batchedFacts.flatMap(b => PACED_FLAVOURS.map((f, k) => {
        const r = b.records[k] as PacedRecord
        const c = findCase(b.group, FLAVOUR_NAMES[f])
        return [`${b.bytes} B`, offeredOf(b), FLAVOUR_NAMES[f], c.opsPerSec.median.toFixed(0), f === 'wireseal' ? '' : `${b.cpu.toFixed(2)}x`,
          b.perEnvelope(r).toFixed(1), ms(quantile(r.latencies, 0.5)), ms(quantile(r.latencies, 0.9)), ms(quantile(r.latencies, 0.99)),
          ms(Math.max(...r.latencies)), String(r.latencies.length)]
      }))
    }
  ]
  return {
    groups: [m.starGroup, m.meshGroup, ...m.batched.map(b => b.group)],
    tables,
    targets,
    notes: [
      `Latency vs gossipsub StrictNoSign without a transform (extra, no threshold; nothing is authenticated there): ${vsNoSign.toFixed(2)}x ` +
        `(p50 ${ms(p50('wireseal'))} ms vs ${ms(p50('strictNoSign'))} ms).`,
      `Each node runs in its own process (${Math.max(3, n)} processes, each hosting one node of every network it belongs to; ` +
        'the machine has few cores, so a burst\'s rate is bounded by the CPU of all its nodes together). Latency runs one message at a ' +
        'time, flavours in a shuffled order per sample; throughput rounds are interleaved and shuffled. Times come from CLOCK_MONOTONIC, shared by the processes.',
      `Messages: Blocks of transaction JSON, ${GOSSIP_MESSAGE_BYTES} B in protobuf (the message index in ttl; exact for indices 128..16,383). wireseal publishes with its ` +
        `default size-aware compression policy in Ed25519 envelopes (${m.envelope.bytes} B, compression ${m.envelope.compression}); ` +
        'plain gossipsub publishes protobufBlock.encode(block) and the receiver decodes it before counting a delivery (wireseal delivers ' +
        'decoded values).',
      'Copies: counted at the receivers where each copy enters (wireseal: fastMsgIdFn, which drops a known one before any parsing; ' +
        'StrictSign + snappyjs: the inbound transform, which runs after gossipsub verified the copy\'s signature). Gossipsub 1.2 IDONTWANT ' +
        'messages cut some copies; the publisher also gets copies back (not counted).',
      'CPU: every throughput round also records the CPU time (user + system) the network\'s processes spent on it. On a shared ' +
        'machine a burst competes with other work for the cores and its wall-clock rate swings from round to round; messages per ' +
        'CPU-second are what one dedicated core would validate, and hardly depend on that load.',
      `Batched gossip: both flavours run wireseal gossip in a 3-node star, the batched one with the topic's \`batch: true\` (defaults: ` +
        `${DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS} ms window, ${DEFAULT_GOSSIP_BATCH_MAX_ITEMS} values, ${DEFAULT_GOSSIP_BATCH_MAX_BYTES / 1024} KiB). The ` +
        `publisher hands message k of a round to publish() at its due time: all at t0 in a burst (the load of the throughput groups), ` +
        `t0 + k / ${m.plan.pacedRateHz} s when paced (open loop, ${m.plan.pacedCount} messages a round), ` +
        'rounds of the two flavours interleaved and shuffled; latency runs from that due time to each receiver\'s handler, so time a message ' +
        'spends waiting for its batch (or behind a busy publisher) counts. A group\'s rate is delivered messages per CPU-second of the two ' +
        'receivers (user + system time of their processes over the round).',
      'The machine may be shared with other work: absolute figures drift; ratios are paired per round or per sample.'
    ]
  }
}

/** The gossip suite. */
export const gossipSuite: Suite = Object.freeze({
  id: 'gossip',
  title: 'Gossip over loopback',
  description: 'wireseal gossip against plain gossipsub on real libp2p nodes (TCP + Noise + Yamux on 127.0.0.1), one process per node: ' +
    'publish -> deliver latency in a 3-node star against gossipsub StrictSign and StrictNoSign without a transform, and validated ' +
    'messages/s of 2 KB Blocks against StrictSign with a snappyjs DataTransform, in the star (each message arrives once) and in a full mesh ' +
    '(each message arrives several times).',
  libraries: ['@libp2p/gossipsub', 'libp2p', 'snappyjs'],
  run
})
