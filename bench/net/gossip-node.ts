/**
 * A node process of the gossip benchmark (forked by ./gossip-peers.ts
 * with `--import tsx`). It runs one libp2p node per network it belongs to,
 * publishes and receives on the parent's requests (./gossip-protocol.ts)
 * and exits when the parent disconnects.
 *
 * Each node lives in its own process, as in a deployment: receivers verify in
 * parallel, and one network's garbage or JIT state never slows another's node
 * inside one event loop (in-process runs drifted: whichever network ran
 * second was slower). Every process hosts one node of each network it is in,
 * so all flavours share the same process mix.
 *
 * @module
 */
import '../../src/libp2p/polyfill.js'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { GossipsubOpts, Message } from '@libp2p/gossipsub'
import type { RPC } from '@libp2p/gossipsub/message'
import { multiaddr } from '@multiformats/multiaddr'
import { compress, uncompress } from 'snappyjs'
import { createCodec } from '../../src/codec/index.js'
import { InvalidConfigError } from '../../src/errors.js'
import { DEFAULT_LIMITS } from '../../src/limits.js'
import { wiresealGossip, type WiresealGossip } from '../../src/libp2p/gossip.js'
import { BlockType, protobufBlock, type Block } from '../../src/serialize/index.js'
import { pubsubOf, startBenchNode, stopBenchNodes, withTimeout, type BenchNode } from './nodes.js'
import { createMessages, GOSSIP_TOPIC, monotonicMs, type NodeSpec, type Reply, type Request, type Results } from './gossip-protocol.js'

const TOPICS = Object.freeze({ [GOSSIP_TOPIC]: { type: BlockType } })
/** The `wiresealBatched` flavour: the same topic with batched publishing at its defaults. */
const BATCHED_TOPICS = Object.freeze({ [GOSSIP_TOPIC]: { type: BlockType, batch: true } })

/** One node of one network, with what it counted. */
interface NetNode {
  spec: NodeSpec
  node: BenchNode
  gossip: WiresealGossip<typeof TOPICS> | undefined
  /** Delivery times (ms, hrtime), in delivery order. */
  deliveries: number[]
  /** Delivery time of each message by index (its ttl). */
  at: Map<number, number>
  /** Messages delivered after a later one (the publisher's order broken). */
  outOfOrder: number
  /** Index of the last delivered message. */
  last: number
  /** The network's messages. */
  messageOf: (i: number) => Block
  /** Copies received off the wire. */
  copies: number
  /** Waiter for `deliveries.length >= count`. */
  waiter: { count: number, resolve: () => void } | undefined
}

const nets = new Map<string, NetNode>()

function delivered (n: NetNode, index: number): void {
  const t = monotonicMs()
  n.deliveries.push(t)
  n.at.set(index, t)
  if (index < n.last) n.outOfOrder++
  n.last = index
  const w = n.waiter
  if (w !== undefined && n.deliveries.length >= w.count) {
    n.waiter = undefined
    w.resolve()
  }
}

/** snappyjs as a gossipsub DataTransform, inbound capped by the shared budget. */
function snappyTransform (n: { copies: number }): NonNullable<GossipsubOpts['dataTransform']> {
  const max = DEFAULT_LIMITS.maxFrameBytes
  return {
    inboundTransform: (_topic: string, data: Uint8Array) => {
      n.copies++
      return uncompress(data, max)
    },
    outboundTransform: (_topic: string, data: Uint8Array) => compress(data)
  }
}

async function startNet (spec: NodeSpec): Promise<NetNode> {
  const counters = { copies: 0 }
  let gossip: WiresealGossip<typeof TOPICS> | undefined
  let options: Partial<GossipsubOpts>
  switch (spec.flavour) {
    case 'wireseal':
    case 'wiresealBatched': {
      const privateKey = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(spec.seed))
      const codec = createCodec({ privateKey })
      gossip = spec.flavour === 'wireseal'
        ? wiresealGossip({ codec, topics: TOPICS })
        // same topic and value type; only publish() differs
        : wiresealGossip({ codec, topics: BATCHED_TOPICS }) as unknown as WiresealGossip<typeof TOPICS>
      const fast = gossip.gossipsubOptions.fastMsgIdFn
      // Every copy off the wire passes through fastMsgIdFn first: count it there.
      options = { ...gossip.gossipsubOptions, fastMsgIdFn: (m: RPC.Message) => { counters.copies++; return fast(m) } }
      break
    }
    case 'strictSign':
    case 'strictNoSign': {
      // No transform and no fast id: nothing of ours runs per copy, so copies are not counted (0).
      options = { globalSignaturePolicy: spec.flavour === 'strictSign' ? 'StrictSign' : 'StrictNoSign' }
      break
    }
    case 'strictSignSnappy':
      options = { globalSignaturePolicy: 'StrictSign', dataTransform: snappyTransform(counters) }
      break
    default:
      throw new InvalidConfigError('flavour', `a gossip flavour, got ${String(spec.flavour)}`)
  }
  const node = await startBenchNode({ gossipsub: { ...options, emitSelf: false } })
  const n: NetNode = {
    spec,
    node,
    gossip,
    deliveries: [],
    at: new Map(),
    outOfOrder: 0,
    last: -1,
    messageOf: createMessages(spec.messageBytes),
    get copies () { return counters.copies },
    waiter: undefined
  }
  const pubsub = pubsubOf(node)
  if (gossip !== undefined) {
    gossip.attach(pubsub)
    gossip.onMessage(GOSSIP_TOPIC, (m) => { delivered(n, m.value.ttl) })
  } else {
    pubsub.subscribe(GOSSIP_TOPIC)
    pubsub.addEventListener('message', (evt: CustomEvent<Message>) => {
      if (evt.detail.topic !== GOSSIP_TOPIC) return
      // The application reads the value, as wireseal's open does before delivery.
      delivered(n, protobufBlock.decode(evt.detail.data).ttl)
    })
  }
  return n
}

function netOf (name: string): NetNode {
  const n = nets.get(name)
  if (n === undefined) throw new InvalidConfigError('net', `a network of this process, got ${name}`)
  return n
}

async function publish (n: NetNode, from: number, count: number): Promise<Results['publish']> {
  const pubsub = pubsubOf(n.node)
  const t0 = monotonicMs()
  for (let i = from; i < from + count; i++) {
    const value: Block = n.messageOf(i)
    if (n.gossip !== undefined) await n.gossip.publish(GOSSIP_TOPIC, value)
    else await pubsub.publish(GOSSIP_TOPIC, protobufBlock.encode(value))
  }
  return { t0, t1: monotonicMs() }
}

async function publishOne (n: NetNode, i: number): Promise<unknown> {
  if (n.gossip !== undefined) return n.gossip.publish(GOSSIP_TOPIC, n.messageOf(i))
  return pubsubOf(n.node).publish(GOSSIP_TOPIC, protobufBlock.encode(n.messageOf(i)))
}

async function pace (n: NetNode, from: number, count: number, rateHz: number): Promise<Results['pace']> {
  if (!(rateHz > 0 && rateHz <= 1e6)) throw new InvalidConfigError('rateHz', `a rate in (0, 1e6] msg/s, got ${rateHz}`)
  const intervalMs = 1000 / rateHz
  const t0 = monotonicMs() + 1
  const pending: Array<Promise<unknown>> = []
  let k = 0
  while (k < count) {
    const now = monotonicMs()
    for (; k < count && t0 + k * intervalMs <= now; k++) pending.push(publishOne(n, from + k))
    if (k < count) await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + k * intervalMs - monotonicMs())))
  }
  await Promise.all(pending)
  return { t0, intervalMs }
}

async function deliveriesOf (n: NetNode, from: number, count: number, timeoutMs: number): Promise<Results['deliveries']> {
  await deliveredAt(n, from + count, timeoutMs)
  const t: number[] = []
  for (let i = from; i < from + count; i++) {
    const at = n.at.get(i)
    if (at === undefined) throw new InvalidConfigError(`${n.spec.net}: message ${i}`, 'delivered')
    t.push(at)
  }
  return { t }
}

async function deliveredAt (n: NetNode, count: number, timeoutMs: number): Promise<Results['delivered']> {
  if (n.deliveries.length < count) {
    await withTimeout(new Promise<void>((resolve) => { n.waiter = { count, resolve } }),
      `${n.spec.net}: delivery ${count} (have ${n.deliveries.length})`, timeoutMs)
  }
  return { t: n.deliveries[count - 1] as number }
}

function counters (n: NetNode): Results['counters'] {
  let refused = 0
  if (n.gossip !== undefined) {
    const s = n.gossip.stats()
    for (const v of Object.values(s.rejected)) refused += v
    for (const v of Object.values(s.ignored)) refused += v
    refused += s.refusedFrames['too-large'] + s.refusedFrames.malformed
  }
  return { delivered: n.deliveries.length, copies: n.copies, refused, outOfOrder: n.outOfOrder, publishedEnvelopes: n.gossip?.stats().publishedEnvelopes ?? 0 }
}

async function stopAll (): Promise<void> {
  for (const n of nets.values()) n.gossip?.detach()
  await stopBenchNodes([...nets.values()].map(n => n.node))
  nets.clear()
}

async function handle (req: Request): Promise<unknown> {
  switch (req.cmd) {
    case 'init': {
      const addrs: Record<string, string[]> = {}
      for (const spec of req.nodes) {
        const n = await startNet(spec)
        nets.set(spec.net, n)
        addrs[spec.net] = n.node.getMultiaddrs().map(String)
      }
      return { addrs } satisfies Results['init']
    }
    case 'dial': {
      const n = netOf(req.net)
      for (const a of req.addrs) await withTimeout(n.node.dial(multiaddr(a)), `${req.net}: dial ${a}`)
      return { dialed: req.addrs.length } satisfies Results['dial']
    }
    case 'status': {
      const pubsub = pubsubOf(netOf(req.net).node)
      // getMeshPeers is on gossipsub's class, not on its public interface.
      const mesh = (pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(GOSSIP_TOPIC)
      return { subscribers: pubsub.getSubscribers(GOSSIP_TOPIC).length, mesh: mesh.length } satisfies Results['status']
    }
    case 'publish':
      return publish(netOf(req.net), req.from, req.count)
    case 'delivered':
      return deliveredAt(netOf(req.net), req.count, req.timeoutMs)
    case 'pace':
      return pace(netOf(req.net), req.from, req.count, req.rateHz)
    case 'deliveries':
      return deliveriesOf(netOf(req.net), req.from, req.count, req.timeoutMs)
    case 'counters':
      return counters(netOf(req.net))
    case 'cpu': {
      const c = process.cpuUsage()
      return { us: c.user + c.system } satisfies Results['cpu']
    }
    case 'stop':
      await stopAll()
      return { stopped: true } satisfies Results['stop']
    default:
      throw new InvalidConfigError('cmd', `a known command, got ${String((req as { cmd: unknown }).cmd)}`)
  }
}

function reply (r: Reply): void {
  process.send?.(r)
}

if (process.send === undefined) {
  process.stderr.write('bench/net/gossip-node: run me through child_process.fork (an IPC channel is required)\n')
  process.exit(2)
}

process.on('message', (req: Request) => {
  handle(req).then(
    (result) => { reply({ id: req.id, ok: true, result }) },
    (err: unknown) => { reply({ id: req.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }) }
  )
})

// The parent went away (finished, crashed or killed): stop the nodes and leave.
process.on('disconnect', () => {
  withTimeout(stopAll(), 'stop on disconnect', 5_000).finally(() => { process.exit(0) })
})
