/**
 * Fixtures of the node integration tests (issue 10): a devnet of real node
 * processes (the built `dist/bin.js`) in a temp dir, HTTP probes, a reader
 * of a stopped node's block log (LevelDB), and an in-test libp2p peer that
 * speaks the node's protocols with its own key, to play a hostile peer.
 *
 * @module
 */
import 'wireseal/libp2p'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLibp2p, type Libp2p } from 'libp2p'
import { gossipsub, type GossipSub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createCodec, CompressionId, SerializerId, type Block, type Codec, type OpenAccepted } from 'wireseal'
import { sha256 } from 'wireseal/integrity'
import { parseEnvelope } from 'wireseal/envelope'
import { DEFAULT_LIMITS } from 'wireseal/limits'
import { wiresealGossip, wiresealStream, type GossipTopicsInit, type WiresealGossip } from 'wireseal/libp2p'
import { startDevnet, type Devnet } from '../dist/devnet.js'
import type { NodeStatus } from '../dist/node.js'
import { makeBlock } from '../src/block-producer.js'
import { closeNodeDatabases, openNodeDatabases } from '../src/block-store-layout.js'
import { parsePromText, sumSamples, type PromText } from '../src/metrics/prom-text.js'
import {
  BlockType, BlocksByRangeRequestType, PeerInfoType, SyncStatusType, SyncedBlockType,
  networkProtocols, nodeSerializers, type NetworkProtocols, type SyncStatus
} from '../src/protocol.js'

export type { Devnet, NodeStatus }

/** The devnet's network name (the node default). */
export const NETWORK = 'wireseal-devnet'

/** The devnet's block topic. */
export const BLOCK_TOPIC = networkProtocols(NETWORK).blockTopic

/** Short intervals so that a test sees a lot happen in a few seconds. */
export const FAST_ENV: Readonly<Record<string, string>> = Object.freeze({
  P2P_BLOCK_INTERVAL: '200ms',
  P2P_PEERINFO_INTERVAL: '1s',
  P2P_SHUTDOWN_TIMEOUT: '5s',
  P2P_METRICS_PORT: '0',
  P2P_DHT: 'false',
  LOG_LEVEL: 'info'
})

/** The bound of a graceful stop (P2P_SHUTDOWN_TIMEOUT) plus the process's own 2 s margin. */
export const EXIT_BOUND_MS = 5_000 + 2_000

/** Resolves after `ms`. */
export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Polls `check` every `everyMs` until it returns a value other than false/undefined; throws after `ms`. */
export async function waitFor<T> (check: () => T | false | undefined | Promise<T | false | undefined>, what: string, ms: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await check()
    if (v !== false && v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${ms} ms`)
    await sleep(everyMs)
  }
}

/** Rejects when `p` takes longer than `ms`. */
export async function withTimeout<T> (p: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`${what}: timed out after ${ms} ms`)) }, ms) })])
  } finally {
    clearTimeout(timer)
  }
}

/** A devnet in its own temp dir; `close()` stops it (SIGKILL for any node left) and removes the dir. */
export interface TestDevnet {
  readonly devnet: Devnet
  readonly dir: string
  close(): Promise<void>
}

/** Starts `nodes` node processes with {@link FAST_ENV} plus `env`. */
export async function startTestDevnet (nodes: number, env: Record<string, string> = {}): Promise<TestDevnet> {
  const dir = await mkdtemp(join(tmpdir(), 'wireseal-node-it-'))
  let devnet: Devnet
  try {
    devnet = await withTimeout(startDevnet({ nodes, dir, metricsPortBase: 0, env: { ...FAST_ENV, ...env } }), `start ${nodes} nodes`, 30_000)
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  return {
    devnet,
    dir,
    async close () {
      await withTimeout(devnet.stop(), 'stop the devnet', EXIT_BOUND_MS + 1_000).catch(() => {})
      for (const m of devnet.members) if (m.child !== undefined && m.child.exitCode === null && m.child.signalCode === null) m.child.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** GET `url` as JSON with its status code. */
export async function getJson<T = unknown> (url: string): Promise<{ status: number, body: T }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) })
  return { status: res.status, body: await res.json() as T }
}

/** Node `m`'s /status. */
export async function status (m: { url: string | undefined }): Promise<NodeStatus> {
  if (m.url === undefined) throw new Error('node has no HTTP endpoint yet')
  const { body } = await getJson<NodeStatus>(`${m.url}/status`)
  return body
}

/** Node `m`'s /metrics, parsed. */
export async function metrics (m: { url: string | undefined }): Promise<PromText> {
  if (m.url === undefined) throw new Error('node has no HTTP endpoint yet')
  const res = await fetch(`${m.url}/metrics`, { signal: AbortSignal.timeout(5_000) })
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
  return parsePromText(await res.text())
}

/** One metric's sum over its series (0 when absent). */
export function metricSum (text: PromText, name: string, match: Record<string, string> = {}): number {
  return sumSamples(text, name, match) ?? 0
}

/** Total blocks received by gossip and sync. */
export function received (s: NodeStatus): number {
  return s.blocksReceived.gossip + s.blocksReceived.sync
}

// --- the block log of a stopped node ------------------------------------------

/** What a node's block log holds, read from its LevelDB (see block-store.ts for the layout). */
export interface StoredLog {
  /** meta/height. */
  readonly metaHeight: bigint
  /** Every height key of `blocks`, in key order. */
  readonly heights: bigint[]
  /** Hex SHA-256 of each stored block, by height (from the record's 32-byte prefix). */
  readonly hashAt: Map<bigint, string>
  /** The `block-hashes` index: hex hash -> height. */
  readonly index: Map<string, bigint>
  /** The envelope stored at each height. */
  readonly envelopeAt: Map<bigint, Uint8Array>
}

/** Reads the block log of the node whose data dir is `dataDir`; the node must be stopped (LevelDB has one writer). */
export async function readStoredLog (dataDir: string): Promise<StoredLog> {
  const dbs = await openNodeDatabases(dataDir)
  const { db, blocks } = dbs
  try {
    const hashes = db.sublevel<string, string>('block-hashes', { valueEncoding: 'utf8' })
    const meta = db.sublevel<string, string>('meta', { valueEncoding: 'utf8' })
    const heights: bigint[] = []
    const hashAt = new Map<bigint, string>()
    const envelopeAt = new Map<bigint, Uint8Array>()
    for await (const [k, v] of blocks.iterator()) {
      const h = BigInt(`0x${k}`)
      heights.push(h)
      hashAt.set(h, Buffer.from(v.subarray(0, 32)).toString('hex'))
      envelopeAt.set(h, Uint8Array.from(v.subarray(32)))
    }
    const index = new Map<string, bigint>()
    for await (const [k, v] of hashes.iterator()) index.set(k, BigInt(v))
    const metaHeight = BigInt(await meta.get('height') ?? '0')
    return { metaHeight, heights, hashAt, index, envelopeAt }
  } finally {
    await closeNodeDatabases(dbs)
  }
}

/**
 * Problems of a block log, as lines (empty = consistent): heights unique and
 * consecutive up to meta/height, every block's hash once, the hash index the
 * exact inverse of the log, every record's hash the SHA-256 of its block data.
 */
export function logProblems (log: StoredLog, codec: Codec = historicalCodec()): string[] {
  const problems: string[] = []
  const seen = new Map<string, bigint>()
  for (const [i, h] of log.heights.entries()) {
    if (i > 0 && h !== (log.heights[i - 1] as bigint) + 1n) problems.push(`height ${h} follows ${String(log.heights[i - 1])}`)
    const hash = log.hashAt.get(h) as string
    const dup = seen.get(hash)
    if (dup !== undefined) problems.push(`block ${hash.slice(0, 12)} stored twice: heights ${dup} and ${h}`)
    seen.set(hash, h)
    if (log.index.get(hash) !== h) problems.push(`index says ${hash.slice(0, 12)} is at ${String(log.index.get(hash))}, the log has it at ${h}`)
    const opened = codec.open<Block>(log.envelopeAt.get(h) as Uint8Array, { channel: BLOCK_TOPIC, types: [BlockType.id] })
    if (!opened.ok || opened.kind !== 'single') problems.push(`height ${h}: stored envelope does not open (${opened.ok ? 'batch' : opened.reason})`)
    else if (Buffer.from(sha256(opened.value.data)).toString('hex') !== hash) problems.push(`height ${h}: recorded hash is not SHA-256 of the data`)
  }
  const top = log.heights.at(-1) ?? 0n
  if (top !== log.metaHeight) problems.push(`meta/height ${log.metaHeight}, top key ${top}`)
  if (log.index.size !== log.heights.length) problems.push(`index has ${log.index.size} entries for ${log.heights.length} blocks`)
  return problems
}

/** A codec that verifies stored (historical) envelopes: signature and digest, no replay window. */
export function historicalCodec (): Codec {
  return createCodec({ replay: false, serializers: nodeSerializers() })
}

/** The signer (peer id string) of each stored block, by hex hash. */
export function signersOf (log: StoredLog, codec: Codec = historicalCodec()): Map<string, string> {
  const out = new Map<string, string>()
  for (const [h, env] of log.envelopeAt) {
    const opened = codec.open(env, { channel: BLOCK_TOPIC, types: [BlockType.id] })
    if (opened.ok) out.set(log.hashAt.get(h) as string, opened.from)
  }
  return out
}

// --- an in-test peer on the node's protocols ------------------------------------

/** The node's gossip topics, as the node configures them (node.ts `build`). */
export function nodeTopics (p: NetworkProtocols): GossipTopicsInit {
  return {
    [p.blockTopic]: { type: BlockType, serializer: SerializerId.protobuf, serializers: [SerializerId.protobuf], compressions: [CompressionId.none, CompressionId.snappy] },
    [p.peerInfoTopic]: { type: PeerInfoType, serializer: SerializerId.protobuf, compression: 'none', serializers: [SerializerId.protobuf], compressions: [CompressionId.none] }
  }
}

/** Outcome of one raw sync request. */
export type SyncOutcome =
  | { kind: 'status', status: SyncStatus, blocks: number }
  | { kind: 'error', error: Error }

/**
 * A libp2p peer (TCP + Noise + Yamux, identify, gossipsub with wireseal's
 * options) with its own Ed25519 key on the node's network. It validates
 * nothing it receives (no topic validator): it records every envelope it
 * sees, to replay them, and publishes any bytes it likes.
 */
export class TestPeer {
  /** Envelopes seen on the block topic, oldest first (bounded). */
  readonly captured: Uint8Array[] = []

  private constructor (
    readonly libp2p: Libp2p<{ pubsub: GossipSub }>,
    readonly codec: Codec,
    readonly gossip: WiresealGossip<GossipTopicsInit>,
    readonly protocols: NetworkProtocols
  ) {}

  static async start (network = NETWORK): Promise<TestPeer> {
    const protocols = networkProtocols(network)
    const key = await generateKeyPair('Ed25519')
    const codec = createCodec({ privateKey: key, serializers: nodeSerializers(), replay: false })
    const gossip = wiresealGossip({ codec, topics: nodeTopics(protocols) })
    const libp2p = await createLibp2p({
      privateKey: key,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: {
        identify: identify(),
        pubsub: gossipsub({ ...gossip.gossipsubOptions, floodPublish: true, allowPublishToZeroTopicPeers: true, emitSelf: false })
      }
    }) as unknown as Libp2p<{ pubsub: GossipSub }>
    const peer = new TestPeer(libp2p, codec, gossip, protocols)
    const pubsub = libp2p.services.pubsub
    pubsub.subscribe(protocols.blockTopic)
    pubsub.subscribe(protocols.peerInfoTopic)
    pubsub.addEventListener('message', (evt) => {
      if (evt.detail.topic === protocols.blockTopic && peer.captured.length < 10_000) peer.captured.push(evt.detail.data)
    })
    return peer
  }

  get id (): string { return this.libp2p.peerId.toString() }

  /** Dials a node by its multiaddr (with /p2p/); throws when refused or closed. */
  async dial (addr: string): Promise<void> {
    await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.timeout(5_000) })
  }

  /** Open connections to the peer with id `peerId`. */
  connections (peerId: string): number {
    return this.libp2p.getConnections().filter((c) => c.remotePeer.toString() === peerId && c.status === 'open').length
  }

  /** Waits until the node `peerId` is in our block-topic peers (its subscription arrived). */
  async subscribedBy (peerId: string, ms = 10_000): Promise<void> {
    await waitFor(() => this.libp2p.services.pubsub.getSubscribers(this.protocols.blockTopic).some((p) => p.toString() === peerId), `subscription of ${peerId}`, ms, 50)
  }

  /** A fresh valid Block envelope signed by this peer. */
  sealBlock (dataBytes = 256): Uint8Array {
    return this.gossip.seal(this.protocols.blockTopic, makeBlock(dataBytes))
  }

  /** Publishes raw bytes on the block topic; resolves to the number of peers it went to (0 on a publish error). */
  async publishRaw (bytes: Uint8Array, topic = this.protocols.blockTopic): Promise<number> {
    try {
      const r = await this.libp2p.services.pubsub.publish(topic, bytes)
      return r.recipients.length
    } catch {
      return 0
    }
  }

  /**
   * Sends one BlocksByRange request on a new stream to `peerId` and reads the
   * reply; `envelope` replaces the request by those raw bytes.
   */
  async syncRequest (peerId: string, start: bigint, count: number, envelope?: Uint8Array): Promise<SyncOutcome> {
    try {
      const conn = this.libp2p.getConnections().find((c) => c.remotePeer.toString() === peerId && c.status === 'open')
      if (conn === undefined) throw new Error('not connected')
      const stream = await conn.newStream(this.protocols.syncProtocol, { signal: AbortSignal.timeout(5_000) })
      const ws = wiresealStream(stream, {
        codec: this.codec,
        channel: this.protocols.syncProtocol,
        types: [SyncedBlockType.id, SyncStatusType.id],
        serializer: SerializerId.msgpack,
        compression: 'none',
        frameTimeoutMs: 5_000,
        onReject: 'throw'
      })
      const signal = AbortSignal.timeout(8_000)
      if (envelope === undefined) await ws.write(BlocksByRangeRequestType, { start, count }, { signal })
      else await ws.writeSealed(envelope, { signal })
      await ws.close({ signal })
      let blocks = 0
      for (;;) {
        const msg: OpenAccepted | undefined = await ws.readOne({ signal })
        if (msg === undefined) throw new Error('stream ended without a status')
        if (msg.type === SyncStatusType.id) return { kind: 'status', status: msg.value as SyncStatus, blocks }
        blocks += msg.messages.length
      }
    } catch (err) {
      return { kind: 'error', error: err as Error }
    }
  }

  /** A sealed BlocksByRange request (to forge or replay). */
  sealSyncRequest (start: bigint, count: number): Uint8Array {
    return this.codec.seal(BlocksByRangeRequestType, { start, count }, { channel: this.protocols.syncProtocol, serializer: SerializerId.msgpack })
  }

  async stop (): Promise<void> {
    await withTimeout(Promise.resolve(this.libp2p.stop()), 'stop the test peer', 5_000).catch(() => {})
  }
}

/** `envelope` with one byte of its signature flipped (the bytes still parse as a canonical envelope). */
export function flipSignatureByte (envelope: Uint8Array, at = 7): Uint8Array {
  const { signature } = parseEnvelope(envelope, DEFAULT_LIMITS)
  const offset = signature.byteOffset - envelope.byteOffset + (at % signature.length)
  const out = Uint8Array.from(envelope)
  out[offset] = (out[offset] as number) ^ 0x01
  return out
}
