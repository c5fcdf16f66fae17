/**
 * Test fixture: real libp2p nodes on 127.0.0.1 (TCP + Noise + Yamux +
 * identify, optionally gossipsub), started and stopped in one call each.
 * Shared by the stream tests and the gossipsub tests.
 *
 * ```ts
 * const nodes = await startNodes(3, { gossipsub: { emitSelf: false }, connect: 'full' })
 * try { ... } finally { await stopNodes(nodes) }
 * ```
 *
 * @module
 */
import '../../src/libp2p/polyfill.js'
import { gossipsub, type GossipSub, type GossipsubOpts } from '@libp2p/gossipsub'
import { identify, type Identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux, type YamuxMuxerInit } from '@libp2p/yamux'
import { createLibp2p, type Libp2p } from 'libp2p'
import type { Stream } from '@libp2p/interface'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { createCodec, type Codec, type CodecInit } from '../../src/codec/index.js'
import { createSerializerRegistry, type Block, type PeerInfo } from '../../src/serialize/index.js'

/** Services of a node started without gossipsub. */
export type BaseServices = {
  identify: Identify
}

/** Services of a node started with gossipsub (`node.services.pubsub`). */
export type GossipServices = BaseServices & {
  pubsub: GossipSub
}

/** A node started by {@link startNodes} without gossipsub. */
export type TestNode = Libp2p<BaseServices>

/** A node started by {@link startNodes} with gossipsub. */
export type GossipNode = Libp2p<GossipServices>

/** How {@link startNodes} connects the nodes it started. */
export type Topology = 'none' | 'line' | 'full'

/** Options of {@link startNodes}. */
export interface StartNodesInit {
  /**
   * Dial the nodes to each other once started: `line` connects i to i+1,
   * `full` connects every pair, `none` leaves it to the test.
   *
   * @default 'none'
   */
  connect?: Topology
  /** Yamux options (e.g. window sizes for backpressure tests). @default yamux defaults */
  yamux?: YamuxMuxerInit
  /** Extra libp2p `connectionManager` options. @default {} */
  connectionManager?: Record<string, unknown>
}

/** Options of {@link startNodes} when a gossipsub service is wanted. */
export interface StartGossipNodesInit extends StartNodesInit {
  /**
   * Gossipsub options for every node, or a function of the node index.
   * The service is registered as `node.services.pubsub`.
   */
  gossipsub: Partial<GossipsubOpts> | ((index: number) => Partial<GossipsubOpts>)
}

/** Upper bound on starting or stopping one node before the fixture gives up. */
const NODE_TIMEOUT_MS = 10_000

/**
 * Start `count` libp2p nodes listening on 127.0.0.1 (a random TCP port each).
 * On failure, the nodes already started are stopped before rethrowing.
 */
export async function startNodes (count: number, init: StartGossipNodesInit): Promise<GossipNode[]>
export async function startNodes (count: number, init?: StartNodesInit): Promise<TestNode[]>
export async function startNodes (count: number, init: StartNodesInit & Partial<StartGossipNodesInit> = {}): Promise<Array<TestNode | GossipNode>> {
  if (!Number.isInteger(count) || count < 1 || count > 16) throw new RangeError(`startNodes: count ${count} not in 1..16`)
  const nodes: Array<TestNode | GossipNode> = []
  try {
    for (let i = 0; i < count; i++) {
      const gs = init.gossipsub
      const services: Record<string, unknown> = { identify: identify() }
      if (gs !== undefined) services.pubsub = gossipsub(typeof gs === 'function' ? gs(i) : gs)
      const node = await withTimeout(createLibp2p({
        addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
        transports: [tcp()],
        connectionEncrypters: [noise()],
        streamMuxers: [yamux(init.yamux)],
        connectionManager: { ...init.connectionManager },
        services: services as never
      }), `start node ${i}`)
      nodes.push(node as unknown as TestNode | GossipNode)
    }
    await connectNodes(nodes, init.connect ?? 'none')
    return nodes
  } catch (err) {
    await stopNodes(nodes)
    throw err
  }
}

/** Dial the nodes to each other in the given topology and wait for the connections. */
export async function connectNodes (nodes: ReadonlyArray<TestNode | GossipNode>, topology: Topology): Promise<void> {
  if (topology === 'none') return
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      if (topology === 'line' && j !== i + 1) continue
      const a = nodes[i] as TestNode
      const b = nodes[j] as TestNode
      await withTimeout(a.dial(b.getMultiaddrs()), `dial ${i} -> ${j}`)
      await waitFor(() => b.getConnections(a.peerId).length > 0, `inbound connection ${i} -> ${j}`)
    }
  }
}

/** Poll `check` every 10 ms until it holds (bounded by `ms`). */
export async function waitFor (check: () => boolean, what: string, ms: number = NODE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`fixture: ${what} not reached after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Stop every node (in parallel, each bounded in time); never throws. */
export async function stopNodes (nodes: ReadonlyArray<TestNode | GossipNode>): Promise<void> {
  await Promise.allSettled(nodes.map(async (node) => withTimeout(Promise.resolve(node.stop()), 'stop node')))
}

/** Reject with a timeout error when `p` takes longer than `ms`. */
export async function withTimeout<T> (p: Promise<T>, what: string, ms: number = NODE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`fixture: ${what} timed out after ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

// ---- stream codec helpers (used by test/libp2p/stream*.test.ts) ----

/** Every built-in serializer, by wire id. */
export const streamRegistry = createSerializerRegistry()

/** Serializer names of the protocol ids, with their wire ids (every built-in format). */
export const SERIALIZER_NAMES = ['protobuf', 'msgpack', 'flatbuffers', 'json', 'msgpack_structured'] as const

/** Compression names of the protocol ids. */
export const COMPRESSION_NAMES = ['none', 'snappy', 'gzip', 'zstd'] as const

/** A codec over every built-in serializer, signing with the Ed25519 key whose seed bytes are all `seed`. */
export async function streamCodec (seed: number, init: Partial<CodecInit> = {}): Promise<Codec> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(seed))
  return createCodec({ serializers: streamRegistry, privateKey, ...init })
}

/** A Block whose `ttl` carries `i`, with `dataBytes` of text-like (compressible) data. */
export function testBlock (i: number, dataBytes = 1024): Block {
  const text = new TextEncoder().encode(`{"n":${i},"from":"0xabc","to":"0xdef","value":"1000000000000000000"},`)
  const data = new Uint8Array(dataBytes)
  for (let o = 0; o < dataBytes; o++) data[o] = text[o % text.length] as number
  const hash = new Uint8Array(32)
  for (let o = 0; o < 32; o++) hash[o] = (i * 31 + o) & 0xff
  return { hash, data, timestamp: 1_700_000_000_000n + BigInt(i), ttl: i, version: 1, signature: hash.slice().reverse() }
}

/** A PeerInfo whose metadata `i` carries `i`. */
export function testPeerInfo (i: number): PeerInfo {
  return {
    peerId: Uint8Array.from({ length: 38 }, (_, o) => (i + o) & 0xff),
    multiaddrs: [Uint8Array.from([4, 127, 0, 0, 1, 6, 0x0f, 0xa1]), Uint8Array.from([4, 10, 0, (i >> 8) & 0xff, i & 0xff, 6, 0x10, 0x00])],
    metadata: { agent: 'wireseal-stream-test', i: String(i) }
  }
}

/** Resolves after `ms`. */
export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

// ---- an in-memory stream for the deadline and budget property tests ----

/**
 * The part of a libp2p v3 stream the stream codec uses, driven by the test:
 * `deliver()` dispatches bytes as a `message` event (queued while the reader
 * keeps it paused, as a muxer stops granting window), `endRemote()` closes
 * the remote's writable end. Cast it with {@link FakeStream.asStream}.
 */
export class FakeStream extends EventTarget {
  readonly id: string
  readonly protocol: string
  status = 'open'
  readStatus = 'readable'
  writeStatus = 'writable'
  remoteReadStatus = 'readable'
  remoteWriteStatus = 'writable'
  readBufferLength = 0
  maxReadBufferLength = 4 * 1024 * 1024
  writeBufferLength = 0
  writableNeedsDrain = false
  /** Bytes delivered while paused, dispatched on resume. */
  private readonly queued: Uint8Array[] = []
  /** The error the stream was aborted with. */
  abortedWith: Error | undefined

  constructor (id: string, protocol: string) {
    super()
    this.id = id
    this.protocol = protocol
  }

  asStream (): Stream {
    return this as unknown as Stream
  }

  deliver (bytes: Uint8Array): void {
    if (this.status !== 'open') return
    if (this.readStatus === 'paused') {
      this.queued.push(bytes)
      this.readBufferLength += bytes.length
      return
    }
    this.dispatchEvent(Object.assign(new Event('message'), { data: bytes }))
  }

  endRemote (): void {
    this.remoteWriteStatus = 'closed'
    this.dispatchEvent(new Event('remoteCloseWrite'))
  }

  pause (): void {
    this.readStatus = 'paused'
  }

  resume (): void {
    this.readStatus = 'readable'
    while (this.queued.length > 0 && this.readStatus === 'readable') {
      const bytes = this.queued.shift() as Uint8Array
      this.readBufferLength -= bytes.length
      this.dispatchEvent(Object.assign(new Event('message'), { data: bytes }))
    }
  }

  abort (err: Error): void {
    if (this.status !== 'open') return
    this.abortedWith = err
    this.status = 'aborted'
    this.readStatus = 'closed'
    this.writeStatus = 'closed'
    this.queued.length = 0
    this.readBufferLength = 0
    this.dispatchEvent(Object.assign(new Event('close'), { error: err }))
  }

  send (): boolean {
    return true
  }

  async close (): Promise<void> {
    this.writeStatus = 'closed'
  }
}
