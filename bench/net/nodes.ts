/**
 * Real libp2p nodes for the over-the-wire benchmarks: TCP + Noise + Yamux +
 * identify on 127.0.0.1 (a random port each), optionally with gossipsub as
 * `services.pubsub`. The same stack as the integration tests
 * (test/libp2p/fixtures.ts), kept bench-local so `bench/` never imports test
 * code. Every wait is bounded in time.
 *
 * @module
 */
import '../../src/libp2p/polyfill.js'
import { gossipsub, type GossipSub, type GossipsubOpts } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import { InvalidConfigError } from '../../src/errors.js'

/** Services of a benchmark node; `pubsub` only when started with gossipsub. */
export type BenchServices = {
  identify: Identify
  pubsub?: GossipSub
}

/** A node started by {@link startBenchNode}. */
export type BenchNode = Libp2p<BenchServices>

/** Options of {@link startBenchNode}. */
export interface BenchNodeInit {
  /**
   * Gossipsub options; the service is added as `services.pubsub` when given.
   * @default no gossipsub
   */
  gossipsub?: Partial<GossipsubOpts>
}

/** Upper bound on starting, dialing or stopping one node (ms). */
export const NODE_TIMEOUT_MS = 15_000

/** Rejects with an {@link InvalidConfigError} naming `what` when `p` takes longer than `ms`. */
export async function withTimeout<T> (p: Promise<T>, what: string, ms: number = NODE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new InvalidConfigError(what, `completion within ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `check` every `intervalMs` until it holds; throws {@link InvalidConfigError} after `ms`. */
export async function waitUntil (check: () => boolean | Promise<boolean>, what: string, ms: number = NODE_TIMEOUT_MS, intervalMs = 20): Promise<void> {
  const deadline = performance.now() + ms
  while (!(await check())) {
    if (performance.now() > deadline) throw new InvalidConfigError(what, `reached within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}

/** Starts one node listening on 127.0.0.1 (TCP + Noise + Yamux + identify, optionally gossipsub). */
export async function startBenchNode (init: BenchNodeInit = {}): Promise<BenchNode> {
  const services: Record<string, unknown> = { identify: identify() }
  if (init.gossipsub !== undefined) services.pubsub = gossipsub(init.gossipsub)
  const node = await withTimeout(createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: services as never
  }), 'start libp2p node')
  return node as unknown as BenchNode
}

/** Stops every node in parallel, each bounded in time; never throws. */
export async function stopBenchNodes (nodes: readonly BenchNode[]): Promise<void> {
  await Promise.allSettled(nodes.map(async (node) => withTimeout(Promise.resolve(node.stop()), 'stop libp2p node')))
}

/** The gossipsub service of a node started with one. */
export function pubsubOf (node: BenchNode): GossipSub {
  const pubsub = node.services.pubsub
  if (pubsub === undefined) throw new InvalidConfigError('services.pubsub', 'a node started with gossipsub')
  return pubsub
}
