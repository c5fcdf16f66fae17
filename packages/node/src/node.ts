/**
 * One reference node: libp2p (TCP + Noise + Yamux, identify, ping, gossipsub
 * through wireseal's transform, a private Kademlia DHT), a producer of signed
 * Blocks, PeerInfo announcements and exchange, block sync, and the
 * protection, metrics and health around them.
 *
 * Data flow of a received gossip Block: gossipsub -> rate limit of the
 * relaying peer (messages, and bytes counted as the signed decompressed
 * length, before anything is decompressed) -> wireseal validator (bounded
 * parse, channel / type / codec, replay precheck, signature, digest, replay
 * commit, capped decompress, decode) -> bounded processing queue ->
 * hash = SHA-256(data) -> block log (deduplicated by hash) -> metrics.
 *
 * @module
 */
import 'wireseal/libp2p'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createLibp2p, type Libp2p } from 'libp2p'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection, PeerId } from '@libp2p/interface'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Logger } from 'pino'
import { createCodec, CompressionId, SerializerId, type Block, type Codec, type PeerInfo } from 'wireseal'
import { bytesEqual, sha256Equals } from 'wireseal/integrity'
import { acquireStateLockSync, createReplayGuard, createSequencer, type LeasedSequencer, type ReplayGuard, type StateLock } from 'wireseal/replay'
import { request, requestHandler, wiresealGossip, type GossipMessage, type GossipRejection, type GossipTopicsInit, type WiresealGossip } from 'wireseal/libp2p'
import type { NodeConfig } from './config.js'
import { BlockStore } from './block-store.js'
import { closeNodeDatabases, openNodeDatabases, type NodeDatabases } from './block-store-layout.js'
import { makeBlock, startProducer } from './block-producer.js'
import { BlockPublisher, blockBatchOption } from './block-publisher.js'
import { loadOrCreateIdentity } from './identity.js'
import { KnownPeers } from './known-peers.js'
import { gossipCharge } from './gossip-charge.js'
import { LatencyRing } from './latency-ring.js'
import { LivePeers } from './live-peers.js'
import { libp2pOptions } from './libp2p-options.js'
import { BLOCK_COMPRESSIONS, BLOCK_PEER_ACCEPTS, BlockType, MAX_SYNC_REQUEST_BLOCKS, PeerInfoType, SyncCode, networkProtocols, nodeSerializers, type NetworkProtocols } from './protocol.js'
import { MAX_SYNC_IN_FLIGHT, SyncClient, SyncFaultError, syncHandler, type OpenSyncRequest, type SyncOutcome, type VerifiedSyncBlock } from './sync.js'
import { InOrderBatches } from './sync-order.js'
import { createNodeMetrics, type NodeMetrics } from './metrics/index.js'
import { libp2pMetrics } from './metrics/libp2p-metrics.js'
import { gossipsubMetrics } from './metrics/gossipsub-register.js'
import { evaluateHealth, type NodeHealthReport } from './http/health.js'
import { startNodeHttp, type NodeHttp } from './http/server.js'
import { createRateLimiter, type RateLimiter } from './protection/token-bucket.js'
import { createReputation, type PenaltyReason, type FaultContext, type Reputation } from './protection/reputation.js'
import { createBanList, type BanList } from './protection/ban-list.js'
import { createGater } from './protection/gater.js'
import { createConnectionGuard, type ConnectionGuard } from './protection/connection-guard.js'
import { createBoundedQueue, type BoundedQueue } from './protection/bounded-queue.js'

/** Software version announced in PeerInfo metadata. */
export const NODE_VERSION = '0.1.0'

/** Largest Block payload a node accepts on the block topic: 1 MiB of data plus the fields around it. */
export const MAX_BLOCK_PAYLOAD_BYTES = 1024 * 1024 + 1024

/** A PeerInfo (peer id, up to 64 multiaddrs, 64 metadata entries) never needs more. */
export const MAX_PEER_INFO_PAYLOAD_BYTES = 32 * 1024

/** Blocks waiting to be stored at most; beyond it new ones are dropped and counted (Lodestar's block queue is 1024). */
export const PROCESSING_QUEUE_CAPACITY = 1024

/** Blocks being stored at once (each waits for its LevelDB write batch). */
const PROCESSING_CONCURRENCY = 32

/**
 * Synced blocks are stored in writes of about 1 MiB (a request of 4 KB blocks
 * in one), and the sync readers wait once 16 MiB wait to be stored
 * (./sync-order.ts).
 */
const SYNC_STORE_SIZES = Object.freeze({ applyBytes: 1024 * 1024, maxPendingBytes: 16 * 1024 * 1024 })

/** Live-sync margin: a peer's announced height minus this is taken as seen (covers blocks still in flight on gossip). */
const LIVE_CURSOR_MARGIN = 64n

/** Margin past the replay guard's floor before gossip counts as live again (propagation of messages sealed just before it). */
const LIVE_AFTER_FLOOR_MS = 2_000

/** Replay state flush interval (ms): bounds what a crash can lose, and the blackout after it. */
const REPLAY_FLUSH_MS = 2_500

/** Clock skew tolerated between nodes (ms); NTP-synced hosts are within a second. */
const MAX_CLOCK_SKEW_MS = 10_000

/** Sampling period of the gossipsub score and mesh gauges (ms). */
const HOUSEKEEPING_MS = 5_000

/** A ban for rate abuse or a low score lasts this long at least (Lodestar: 30 min before decay resumes). */
const TEMP_BAN_MS = 30 * 60_000

/** What `/status` serves and the devnet view shows. */
export interface NodeStatus {
  readonly peerId: string
  readonly network: string
  readonly role: string
  readonly addrs: string[]
  readonly ready: boolean
  readonly reason: string
  readonly peers: number
  readonly connections: { in: number, out: number }
  readonly limits: { in: number, out: number, total: number }
  readonly meshPeers: { block: number, peerinfo: number }
  readonly height: string
  readonly storedBlocks: number
  readonly blocksProduced: number
  readonly blocksReceived: { gossip: number, sync: number }
  readonly blocksReceivedFrom: Record<string, number>
  readonly peerInfosReceivedFrom: Record<string, number>
  readonly bytes: { raw: number, wire: number }
  readonly rejected: Record<string, number>
  readonly deliveryLatencyMs: { p50: number, p99: number, count: number }
  /** The last catch-up that stored blocks: how many, from its first request to its last block stored (epoch ms). */
  readonly lastSync: { blocks: number, startedAtMs: number, finishedAtMs: number } | null
  readonly bans: number
  readonly dialFailures: number
  readonly queueDropped: number
  readonly rssBytes: number
  readonly memoryLimitBytes: number
  readonly uptimeSeconds: number
}

/** A bounded per-key counter (for the status view: per-peer deliveries). */
function bump (map: Map<string, number>, key: string, max = 256): void {
  if (!map.has(key) && map.size >= max) return
  map.set(key, (map.get(key) ?? 0) + 1)
}

type Topics = GossipTopicsInit

/** The reference node. Create with {@link WiresealNode.create}, then {@link start} and {@link stop}. */
export class WiresealNode {
  readonly protocols: NetworkProtocols
  readonly metrics: NodeMetrics
  readonly startedAt = Date.now()
  private shuttingDown = false
  private listening = false
  private http: NodeHttp | undefined
  private producer: { stop: () => void } | undefined
  private timers: NodeJS.Timeout[] = []
  private readonly latency = new LatencyRing()
  private readonly receivedFrom = new Map<string, number>()
  private readonly peerInfosFrom = new Map<string, number>()
  private readonly rejectedCounts: Record<string, number> = {}
  private readonly counters = { produced: 0, gossip: 0, sync: 0, raw: 0, wire: 0, bans: 0, dialFailures: 0 }
  private readonly syncing = new Set<string>()
  private lastSync: NodeStatus['lastSync'] = null
  /** When each recently announced peer was last dialled (insertion order = recency). */
  private readonly lastDialed = new Map<string, number>()
  /** Consecutive `resourceUnavailable` answers per peer (sync retries). */
  private readonly syncRetries = new Map<string, number>()
  /** The last fault of each recently penalised peer (insertion order = recency). */
  private readonly lastFault = new Map<string, string>()
  /** Peers tagged keep-alive by {@link keepAlive}. */
  private readonly keptAlive = new Set<string>()
  /** Peers whose log this process has caught up on since it started: live gossip keeps us current with them. */
  private readonly live = new LivePeers()
  private readonly gossipMsgs: RateLimiter
  private readonly gossipBytes: RateLimiter
  private readonly streamMsgs: RateLimiter
  private readonly syncBlocks: RateLimiter

  private constructor (
    private readonly publisher: BlockPublisher,
    readonly config: NodeConfig,
    readonly log: Logger,
    readonly libp2p: Libp2p<{ pubsub: GossipSub }>,
    readonly codec: Codec,
    private readonly directCodec: Codec,
    readonly gossip: WiresealGossip<Topics>,
    private readonly lock: StateLock,
    private readonly dbs: NodeDatabases,
    readonly store: BlockStore,
    private readonly knownPeers: KnownPeers,
    readonly bans: BanList,
    readonly reputation: Reputation,
    private readonly guard: ConnectionGuard,
    private readonly queue: BoundedQueue,
    private readonly replay: ReplayGuard,
    private readonly sequencer: LeasedSequencer,
    private readonly sync: SyncClient,
    metrics: NodeMetrics,
    protocols: NetworkProtocols
  ) {
    this.metrics = metrics
    this.protocols = protocols
    const now = { idleMs: 300_000 }
    this.gossipMsgs = createRateLimiter({ ratePerSecond: config.gossipMessagesPerSecond, burst: config.gossipMessagesPerSecond * 2, ...now })
    this.gossipBytes = createRateLimiter({ ratePerSecond: config.gossipBytesPerSecond, burst: config.gossipBytesPerSecond * 2, ...now })
    this.streamMsgs = createRateLimiter({ ratePerSecond: config.streamMessagesPerSecond, burst: config.streamMessagesPerSecond * 2, ...now })
    // Lodestar counts BlocksByRange in requested blocks per 10 s
    this.syncBlocks = createRateLimiter({ ratePerSecond: config.syncBlocksPer10s / 10, burst: config.syncBlocksPer10s, ...now })
  }

  /** Opens the data dir (lock, identity, database, replay state) and builds libp2p; nothing listens yet. */
  static async create (config: NodeConfig, log: Logger): Promise<WiresealNode> {
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
    // one process per data dir: replay state, sequencer and LevelDB have one writer
    const lock = acquireStateLockSync(config.dataDir)
    try {
      return await WiresealNode.build(config, log, lock)
    } catch (err) {
      lock.release()
      throw err
    }
  }

  private static async build (config: NodeConfig, log: Logger, lock: StateLock): Promise<WiresealNode> {
    const protocols = networkProtocols(config.network)
    const { key, created } = await loadOrCreateIdentity(config.dataDir)
    log.info({ created }, created ? 'identity created' : 'identity loaded')
    const dbs = await openNodeDatabases(config.dataDir)
    const { db } = dbs
    const store = await BlockStore.open(dbs, { maxBlocks: config.maxStoredBlocks })
    const knownPeers = await KnownPeers.open(db)
    const bans = createBanList(db as never)
    await bans.load()
    const reputation = createReputation()
    // After a crash the guard refuses timestamps up to lastFlush + flushInterval + skew (it cannot know what
    // it accepted in that time): a 2.5 s flush and a 10 s skew bound that blackout to about 12.5 s, for one
    // state write every 1.25 s under traffic (a 1 s flush cost about 0.5% of a core in the node benchmark).
    const replay = createReplayGuard({ path: join(config.dataDir, 'replay.state'), lock: false, flushIntervalMs: REPLAY_FLUSH_MS, maxClockSkewMs: MAX_CLOCK_SKEW_MS })
    const sequencer = createSequencer({ path: join(config.dataDir, 'sequencer.state'), lock: false })
    const codec = createCodec({ privateKey: key, serializers: nodeSerializers(), replay, sequencer })
    // Replies on a stream we opened to an authenticated peer (PeerInfo, sync responses) are checked without the
    // live window: Noise authenticates the peer, the signer must be that peer (PeerInfo) or every item is a
    // producer-signed block deduplicated by hash (sync), so a replayed reply can only repeat what that peer said;
    // and a node just back from a crash can learn heights and catch up during the guard's blackout.
    const directCodec = createCodec({ privateKey: key, serializers: nodeSerializers(), replay: false, sequencer })
    const metrics = createNodeMetrics({
      connectionLimits: { in: config.maxInboundConnections, out: config.maxOutboundConnections },
      memoryLimitBytes: config.memoryLimitBytes
    })
    // filled once they exist: the gossip hooks need the node, the gater needs the guard, the guard needs libp2p
    const late: { self?: WiresealNode, guard?: ConnectionGuard, publisher?: BlockPublisher } = {}
    const batch = blockBatchOption(config, (sealed) => { late.publisher?.sealed(sealed) })
    const gossip = wiresealGossip<Topics>({
      codec,
      topics: {
        [protocols.blockTopic]: {
          type: BlockType,
          serializer: SerializerId.protobuf,
          serializers: [SerializerId.protobuf],
          compressions: BLOCK_COMPRESSIONS,
          maxPayloadBytes: MAX_BLOCK_PAYLOAD_BYTES,
          ...(batch === undefined ? {} : { batch })
        },
        [protocols.peerInfoTopic]: {
          type: PeerInfoType,
          serializer: SerializerId.protobuf,
          compression: 'none',
          serializers: [SerializerId.protobuf],
          compressions: [CompressionId.none],
          maxPayloadBytes: MAX_PEER_INFO_PAYLOAD_BYTES
        }
      },
      scoreParams: {
        appSpecificScore: (p: string) => reputation.appSpecificScore(p),
        // a devnet runs every node on 127.0.0.1: co-location there is not an attack
        IPColocationFactorWhitelist: new Set(['127.0.0.1', '::1'])
      },
      onReject: (r) => late.self?.onGossipReject(r)
    })
    // the guard needs the libp2p node, the gater (given to libp2p) needs the guard's outbound cap
    const gater = withCooldown(createGater({
      bans,
      allowCidrs: config.allowCidrs,
      denyCidrs: config.denyCidrs,
      canDialOutbound: () => late.guard?.canDialOutbound() ?? true,
      onDeny: (reason) => { metrics.rejected(reason === 'outbound-cap' ? 'connection-limit' : 'banned') }
    }), reputation, () => { metrics.rejected('banned') })
    const gsMetrics = gossipsubMetrics({ registry: metrics.registry, topics: { block: protocols.blockTopic, peerinfo: protocols.peerInfoTopic } })
    const libp2p = await createLibp2p(libp2pOptions({
      privateKey: key,
      listenAddrs: config.listenAddrs,
      externalAddrs: config.externalAddrs,
      bootstrapPeers: config.bootstrapPeers,
      maxConnections: config.maxConnections,
      maxPendingInbound: config.maxPendingInbound,
      inboundConnectionsPerIpPerSecond: config.inboundConnectionsPerIpPerSecond,
      allowCidrs: config.allowCidrs,
      denyCidrs: config.denyCidrs,
      dht: config.dht,
      protocols,
      gossip: gossip.gossipsubOptions,
      gossipExtra: { ...gsMetrics },
      gater,
      metrics: libp2pMetrics({ registry: metrics.registry }) as never
    })) as unknown as Libp2p<{ pubsub: GossipSub }>
    const guard = createConnectionGuard(libp2p as unknown as Libp2p, {
      maxOutbound: config.maxOutboundConnections,
      idleTimeoutMs: config.idleTimeoutMs,
      bootstrapPeers: config.bootstrapPeers.map((a) => a.slice(a.lastIndexOf('/p2p/') + 5))
    })
    // FIFO, and jobs start in order (so blocks get heights in arrival order); while one waits for its LevelDB
    // write the next ones start and their appends share the next write batch (one write per block cost ~0.1 ms)
    const queue = createBoundedQueue({ capacity: PROCESSING_QUEUE_CAPACITY, concurrency: PROCESSING_CONCURRENCY, order: 'fifo', onError: (err) => { log.warn({ err }, 'block processing failed') } })
    const sync = new SyncClient({ node: libp2p, codec: directCodec, protocols, frameTimeoutMs: config.streamReadTimeoutMs })
    late.guard = guard
    late.publisher = new BlockPublisher({
      batched: batch !== undefined,
      seal: (block) => gossip.seal(protocols.blockTopic, block),
      publishSealed: async (envelope) => await libp2p.services.pubsub.publish(protocols.blockTopic, envelope),
      publishBatched: async (block) => await gossip.publish(protocols.blockTopic, block, { peerAccepts: BLOCK_PEER_ACCEPTS }),
      store,
      metrics,
      log
    })
    late.self = new WiresealNode(late.publisher, config, log, libp2p, codec, directCodec, gossip, lock, dbs, store, knownPeers, bans, reputation, guard, queue, replay, sequencer, sync, metrics, protocols)
    return late.self
  }

  /** Starts libp2p, the handlers, the producer and the HTTP endpoints. */
  async start (): Promise<void> {
    const { libp2p, config, protocols, log } = this
    this.http = await startNodeHttp({
      host: config.metricsHost,
      port: config.metricsPort,
      registry: this.metrics,
      health: () => this.health(),
      status: () => this.status()
    })
    log.info({ url: this.http.url }, 'metrics and health listening')
    // before start: bootstrap peers are dialled at once, and a connection may finish identify within start()
    libp2p.addEventListener('peer:identify', (evt) => {
      const { peerId, protocols: theirs } = evt.detail
      if (theirs.includes(protocols.peerInfoProtocol)) void this.exchangePeerInfo(peerId)
    })
    libp2p.addEventListener('peer:disconnect', (evt) => {
      const id = evt.detail.toString()
      this.gossipMsgs.delete(id)
      this.gossipBytes.delete(id)
      this.live.forget(id)
    })
    await libp2p.start()
    this.listening = libp2p.getMultiaddrs().length > 0
    this.gossip.attach(libp2p)
    this.wrapValidators()
    this.reputation.onChange((c) => { void this.onVerdict(c.peerId, c.verdict, c.reason) })
    this.gossip.onMessage(protocols.blockTopic, (m) => { this.onGossipBlock(m as GossipMessage<Block>) })
    this.gossip.onMessage(protocols.peerInfoTopic, (m) => {
      this.guard.touch(m.propagationSource.toString())
      this.onPeerInfo(m.value as PeerInfo, m.signer, 'gossip')
    })
    await libp2p.handle(protocols.peerInfoProtocol, requestHandler({
      codec: this.codec,
      channel: protocols.peerInfoProtocol,
      types: [PeerInfoType.id],
      serializer: SerializerId.protobuf,
      compression: 'none',
      timeoutMs: config.streamReadTimeoutMs,
      onError: (err) => { log.debug({ err }, 'peer-info request failed') }
    }, (req, { connection }) => {
      const started = performance.now()
      const peer = connection.remotePeer.toString()
      this.guard.touch(peer)
      if (!this.streamMsgs.take(peer)) {
        this.countReject('rate-limited')
        this.penalize(peer, 'rate-limited', 'stream')
      }
      this.onPeerInfo(req.value as PeerInfo, connection.remotePeer, 'direct')
      this.metrics.observeProcessing('peerinfo', (performance.now() - started) / 1000)
      return { type: PeerInfoType, value: this.peerInfo() }
    }), { maxInboundStreams: 4, maxOutboundStreams: 4 })
    await libp2p.handle(protocols.syncProtocol, syncHandler({
      // requests come on a stream from an authenticated peer and only cost it its sync budget: no live
      // window, or a node back from a crash refuses (and penalises) every peer's request during its blackout
      codec: this.directCodec,
      store: this.store,
      protocols,
      frameTimeoutMs: config.streamReadTimeoutMs,
      allow: (peer, blocks) => this.syncBlocks.take(peer.toString(), blocks),
      onAbuse: (peer, why) => {
        this.countReject(why === 'too-many' ? 'sync-abuse' : why)
        this.penalize(peer.toString(), why === 'too-many' ? 'sync-abuse' : why, 'stream')
      },
      onServed: (n) => { this.metrics.syncBlocksServed(n) }
    }), { maxInboundStreams: 2, maxOutboundStreams: 2 })
    this.producer = startProducer(config.blockIntervalMs, async () => { await this.produce() })
    const announce = setInterval(() => { void this.announce() }, config.peerInfoIntervalMs)
    const housekeeping = setInterval(() => { this.housekeeping() }, HOUSEKEEPING_MS)
    announce.unref()
    housekeeping.unref()
    this.timers.push(announce, housekeeping)
    this.metrics.setReady(false)
    void this.dialKnownPeers()
    log.info({ peerId: libp2p.peerId.toString(), addrs: libp2p.getMultiaddrs().map(String) }, 'node started')
  }

  /** The metrics and health endpoint, `http://host:port` (undefined before start). */
  get httpUrl (): string | undefined { return this.http?.url }

  /** Liveness and readiness now. */
  health (): NodeHealthReport {
    const report = evaluateHealth({
      listening: this.listening,
      peers: this.libp2p.getPeers().length,
      bootstrapNode: this.config.bootstrap,
      shuttingDown: this.shuttingDown,
      startedAt: this.startedAt
    })
    return report
  }

  /** The status snapshot. */
  status (): NodeStatus {
    const conns = this.libp2p.getConnections()
    const health = this.health()
    const pubsub = this.libp2p.services.pubsub as GossipSub & { getMeshPeers: (topic: string) => string[] }
    return {
      peerId: this.libp2p.peerId.toString(),
      network: this.config.network,
      role: this.config.role,
      addrs: this.libp2p.getMultiaddrs().map(String),
      ready: health.ready,
      reason: health.reason,
      peers: this.libp2p.getPeers().length,
      connections: { in: conns.filter((c) => c.direction === 'inbound').length, out: conns.filter((c) => c.direction === 'outbound').length },
      limits: { in: this.config.maxInboundConnections, out: this.config.maxOutboundConnections, total: this.config.maxConnections },
      meshPeers: { block: pubsub.getMeshPeers(this.protocols.blockTopic).length, peerinfo: pubsub.getMeshPeers(this.protocols.peerInfoTopic).length },
      height: this.store.height.toString(),
      storedBlocks: this.store.height === 0n ? 0 : this.store.size,
      blocksProduced: this.counters.produced,
      blocksReceived: { gossip: this.counters.gossip, sync: this.counters.sync },
      blocksReceivedFrom: Object.fromEntries(this.receivedFrom),
      peerInfosReceivedFrom: Object.fromEntries(this.peerInfosFrom),
      bytes: { raw: this.counters.raw, wire: this.counters.wire },
      rejected: { ...this.rejectedCounts },
      deliveryLatencyMs: this.latency.summary(),
      lastSync: this.lastSync,
      bans: this.bans.list().length,
      dialFailures: this.counters.dialFailures,
      queueDropped: this.queue.dropped,
      rssBytes: process.memoryUsage.rss(),
      memoryLimitBytes: this.config.memoryLimitBytes,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000)
    }
  }

  /** This node's PeerInfo. */
  peerInfo (): PeerInfo {
    return {
      peerId: this.libp2p.peerId.toMultihash().bytes,
      multiaddrs: this.libp2p.getMultiaddrs().slice(0, 16).map((a) => a.bytes),
      metadata: { version: NODE_VERSION, role: this.config.role, height: this.store.height.toString(), network: this.config.network }
    }
  }

  // --- gossip ---------------------------------------------------------------

  /** Puts the rate limits of the relaying peer in front of wireseal's validators (cheap checks before the signature). */
  private wrapValidators (): void {
    const pubsub = this.libp2p.services.pubsub
    for (const topic of this.gossip.topics) {
      const inner = pubsub.topicValidators.get(topic)
      if (inner === undefined) continue
      pubsub.topicValidators.set(topic, async (peer, msg) => {
        const id = peer.toString()
        this.guard.touch(id)
        if (this.bans.isPeerBanned(id)) {
          this.countReject('banned')
          return 'reject' as never
        }
        // the signed decompressed length (./gossip-charge.ts): the bucket counts what the receiver spends
        if (!this.gossipMsgs.take(id) || !this.gossipBytes.take(id, gossipCharge(msg.data, this.codec.limits))) {
          if (topic === this.protocols.blockTopic) this.live.lost()
          this.countReject('rate-limited')
          this.penalize(id, 'rate-limited', 'gossip')
          return 'ignore' as never
        }
        return await inner(peer, msg)
      })
    }
  }

  private onGossipReject (r: GossipRejection): void {
    // a replay is a copy of a message already accepted; anything else may be a block this node does not have
    if (r.topic === this.protocols.blockTopic && r.reason !== 'replayed') this.live.lost()
    this.log.debug({ reason: r.reason, verdict: r.verdict, from: r.propagationSource.toString(), detail: r.detail }, 'gossip message refused')
    this.countReject(r.reason)
    // below the replay guard's floor (raised by our own crash or evictions) live messages are refused: not the peer's fault
    if (r.reason === 'out-of-window' && Date.now() <= this.replay.floorMs + MAX_CLOCK_SKEW_MS) return
    this.penalize(r.propagationSource.toString(), r.reason, 'gossip')
  }

  private onGossipBlock (m: GossipMessage<Block>): void {
    const started = performance.now()
    const wire = m.envelope()
    const ok = this.queue.push(async () => {
      const block = m.value
      if (!sha256Equals(block.data, block.hash)) {
        this.countReject('invalid-block')
        this.penalize(m.propagationSource.toString(), 'forgery', 'gossip')
        return
      }
      const height = await this.store.append(block.hash, wire)
      if (height === undefined) return
      this.counters.gossip++
      this.counters.raw += block.data.length
      this.counters.wire += wire.length
      bump(this.receivedFrom, m.from)
      const latencyMs = Date.now() - Number(block.timestamp)
      this.latency.add(Math.max(0, latencyMs))
      this.metrics.blockReceived('gossip')
      this.metrics.message('in', 'gossip-block')
      this.metrics.bytes('raw', 'in', block.data.length)
      this.metrics.bytes('wire', 'in', wire.length)
      this.metrics.observeDeliveryLatency(Math.max(0, latencyMs) / 1000)
      this.metrics.setBlockHeight(Number(this.store.height))
      this.metrics.observeProcessing('gossip-block', (performance.now() - started) / 1000)
    })
    if (!ok) {
      this.live.lost()
      this.countReject('queue-full')
      this.metrics.validationQueueDropped()
    }
  }

  private async produce (): Promise<void> {
    this.counters.produced++
    await this.publisher.produce(makeBlock(this.config.blockSizeBytes))
  }

  // --- PeerInfo ---------------------------------------------------------------

  private async announce (): Promise<void> {
    if (this.shuttingDown) return
    try {
      await this.gossip.publish(this.protocols.peerInfoTopic, this.peerInfo())
      this.metrics.message('out', 'gossip-peerinfo')
    } catch (err) {
      this.log.debug({ err }, 'peer-info announce failed')
    }
  }

  private async exchangePeerInfo (peer: PeerId): Promise<void> {
    if (this.shuttingDown) return
    try {
      const stream = await this.libp2p.dialProtocol(peer, this.protocols.peerInfoProtocol, { signal: AbortSignal.timeout(this.config.streamReadTimeoutMs) })
      const reply = await request(stream, PeerInfoType, this.peerInfo(), {
        codec: this.directCodec,
        channel: this.protocols.peerInfoProtocol,
        types: [PeerInfoType.id],
        serializer: SerializerId.protobuf,
        compression: 'none',
        timeoutMs: this.config.streamReadTimeoutMs
      })
      this.metrics.message('out', 'peerinfo')
      this.onPeerInfo(reply.value as PeerInfo, peer, 'direct')
      await this.keepAlive(peer)
    } catch (err) {
      this.log.debug({ err, peer: peer.toString() }, 'peer-info exchange failed')
    }
  }

  /** A PeerInfo from `source` (the signer for gossip, the stream peer for a direct exchange). */
  private onPeerInfo (info: PeerInfo, source: PeerId | undefined, via: 'gossip' | 'direct'): void {
    this.metrics.message('in', via === 'gossip' ? 'gossip-peerinfo' : 'peerinfo')
    // a PeerInfo speaks for its signer (or the stream's peer) only
    if (source === undefined || !bytesEqual(source.toMultihash().bytes, info.peerId)) {
      this.countReject('wrong-peer')
      if (source !== undefined) this.penalize(source.toString(), 'malformed', via === 'gossip' ? 'gossip' : 'stream')
      return
    }
    if (info.metadata.network !== this.config.network) return
    const subject = source
    const id = subject.toString()
    bump(this.peerInfosFrom, id)
    const addrs: string[] = []
    for (const bytes of info.multiaddrs) {
      try { addrs.push(multiaddr(bytes).toString()) } catch { /* skip an address we cannot read */ }
    }
    void this.knownPeers.remember(id, addrs).catch((err: unknown) => { this.log.warn({ err }, 'known peers write failed') })
    const height = parseHeight(info.metadata.height)
    if (this.libp2p.getConnections(subject).length > 0) {
      if (height !== undefined) void this.maybeSync(subject, height)
    } else {
      void this.dialAnnounced(subject, addrs)
    }
  }

  // --- sync -------------------------------------------------------------------

  private cursorKey (peer: string): string { return `sync-cursor/${peer}` }

  private async cursor (peer: string): Promise<bigint | undefined> {
    const v = await this.dbs.db.get(this.cursorKey(peer))
    return v === undefined ? undefined : BigInt(v)
  }

  /**
   * Catches up on `peer`'s log up to `height`. The first contact with a peer
   * fetches its whole kept log; after that, the cursor persisted per peer
   * says where to resume. While connected, live gossip keeps us current, so
   * an announcement only moves the cursor (minus a margin for blocks still
   * in flight) and a fetch happens only after a gap (a restart, a lost
   * connection, or gossip blocks this node lost).
   */
  private async maybeSync (peer: PeerId, height: bigint): Promise<void> {
    const id = peer.toString()
    if (this.syncing.has(id) || this.shuttingDown) return
    this.syncing.add(id)
    try {
      const cursor = await this.cursor(id) ?? 0n
      const mark = this.live.mark
      // live: everything but the last few blocks came by gossip too (./live-peers.ts); whatever the path of the
      // announcement: a direct exchange (a second connection, an identify push) is one more announcement
      if (this.live.isCurrent(id)) {
        const live = height - LIVE_CURSOR_MARGIN
        if (live > cursor) await this.dbs.db.put(this.cursorKey(id), live.toString())
        return
      }
      // up to MAX_SYNC_IN_FLIGHT requests on the wire, all read as they arrive, their batches stored in
      // request order within a byte budget (./sync-order.ts)
      let issued = cursor + 1n
      let stored = 0
      let lastStored: bigint | undefined
      const order = new InOrderBatches<VerifiedSyncBlock[]>(async (batches) => {
        const blocks = batches.flat()
        stored += await this.storeSynced(blocks)
        lastStored = blocks.at(-1)?.height ?? lastStored
      }, (blocks) => blocks.reduce((n, b) => n + b.envelope.length, 0), SYNC_STORE_SIZES)
      const inflight: Array<{ started: number, opened: Promise<OpenSyncRequest>, outcome: Promise<SyncOutcome> }> = []
      let busy = false
      const startedAtMs = Date.now()
      try {
        while (!this.shuttingDown) {
          while (inflight.length < MAX_SYNC_IN_FLIGHT && issued <= height) {
            const count = Number(height - issued + 1n > BigInt(MAX_SYNC_REQUEST_BLOCKS) ? BigInt(MAX_SYNC_REQUEST_BLOCKS) : height - issued + 1n)
            const opened = this.sync.open(peer, issued, count)
            const outcome = order.run(async (onBatch) => await (await opened).read(onBatch))
            // both are awaited in order below; until then a rejection is not unhandled
            opened.catch(() => {})
            outcome.catch(() => {})
            inflight.push({ started: performance.now(), opened, outcome })
            issued += BigInt(count)
          }
          const next = inflight.shift()
          if (next === undefined) break
          const res = await next.outcome
          this.guard.touch(id)
          this.metrics.observeProcessing('sync', (performance.now() - next.started) / 1000)
          if (lastStored !== undefined && lastStored > ((await this.cursor(id)) ?? 0n)) await this.dbs.db.put(this.cursorKey(id), lastStored.toString())
          if (res.status.code === SyncCode.resourceUnavailable) {
            busy = true
            break
          }
          if (res.status.code !== SyncCode.ok) break
          if (res.blocks === 0 && issued > height) break
        }
      } finally {
        // requests still in flight are no longer needed: their streams and slots are given back
        for (const f of inflight) f.opened.then((r) => { r.abort(new Error('sync: no longer needed')) }, () => {})
        if (stored > 0) this.lastSync = { blocks: stored, startedAtMs, finishedAtMs: Date.now() }
      }
      if (busy) {
        // over the responder's budget: retry from the cursor shortly (it withholds, we back off)
        const tries = (this.syncRetries.get(id) ?? 0) + 1
        this.syncRetries.set(id, tries)
        if (tries <= MAX_SYNC_RETRIES) setTimeout(() => { void this.maybeSync(peer, height) }, SYNC_RETRY_MS).unref()
        return
      }
      this.syncRetries.delete(id)
      this.metrics.setBlockHeight(Number(this.store.height))
      // live only once the replay guard accepts fresh gossip again (after a crash it refuses everything
      // timestamped up to its floor): until then, blocks lost to that blackout are fetched by the next sync
      if (Date.now() > this.replay.floorMs + LIVE_AFTER_FLOOR_MS) this.live.caughtUp(id, mark)
    } catch (err) {
      if (err instanceof SyncFaultError) {
        this.countReject(err.fault)
        this.penalize(id, err.fault === 'timeout' ? 'rate-limited' : err.fault === 'hash-mismatch' ? 'forgery' : 'malformed', 'stream')
      }
      this.log.debug({ err, peer: id }, 'sync failed')
    } finally {
      this.syncing.delete(id)
    }
  }

  /** Appends synced blocks (one LevelDB write when they fit one), deduplicated by hash; resolves to how many were new. */
  private async storeSynced (blocks: readonly VerifiedSyncBlock[]): Promise<number> {
    const stored = await Promise.all(blocks.map(async (b) => await this.store.append(b.block.hash, b.envelope)))
    let added = 0
    blocks.forEach((b, i) => {
      if (stored[i] === undefined) return
      added++
      this.counters.sync++
      this.counters.raw += b.block.data.length
      this.counters.wire += b.envelope.length
      bump(this.receivedFrom, b.from)
      this.metrics.blockReceived('sync')
    })
    this.metrics.message('in', 'sync', blocks.length)
    return added
  }

  // --- protection -------------------------------------------------------------

  private countReject (reason: string): void {
    this.rejectedCounts[reason] = (this.rejectedCounts[reason] ?? 0) + 1
    this.metrics.rejected(reason)
  }

  private penalize (peer: string, reason: PenaltyReason | string, context: FaultContext): void {
    // the fault a later ban is recorded for, when the last straw (a reconnect during the cool-down) has none
    this.lastFault.delete(peer)
    this.lastFault.set(peer, reason)
    if (this.lastFault.size > MAX_TRACKED_FAULTS) this.lastFault.delete(this.lastFault.keys().next().value as string)
    try {
      this.reputation.penalizeFor(peer, reason as PenaltyReason, context)
    } catch (err) {
      this.log.debug({ err }, 'penalty not applied')
    }
  }

  private async onVerdict (peer: string, verdict: ReturnType<Reputation['verdict']>, reason: string | undefined): Promise<void> {
    if (verdict.kind === 'none') return
    const peerId = peerIdFromString(peer)
    this.keptAlive.delete(peer)
    if (verdict.kind === 'ban') {
      const until = verdict.until === null ? null : Math.max(verdict.until, Date.now() + TEMP_BAN_MS)
      reason = reason ?? this.lastFault.get(peer) ?? 'score'
      await this.bans.ban({ peerId: peer }, { reason, until }).catch((err: unknown) => { this.log.warn({ err }, 'ban not persisted') })
      this.counters.bans++
      this.metrics.banned()
      this.log.warn({ peer, reason, until }, 'peer banned')
      await this.knownPeers.forget(peer).catch(() => {})
    }
    await this.guard.enforceBan(peerId).catch(() => {})
  }

  /**
   * Tags `peer` keep-alive (libp2p's reconnect queue redials such peers when
   * they drop, and the idle closer leaves them), for up to half the outbound
   * cap; a ban removes the tag (ConnectionGuard.enforceBan).
   */
  private async keepAlive (peer: PeerId): Promise<void> {
    const id = peer.toString()
    if (this.keptAlive.has(id) || this.keptAlive.size >= Math.max(1, Math.floor(this.config.maxOutboundConnections / 2))) return
    if (this.bans.isPeerBanned(id) || this.reputation.verdict(id).kind !== 'none') return
    this.keptAlive.add(id)
    await this.libp2p.peerStore.merge(peer, { tags: { [KEEP_ALIVE_TAG]: { value: 50 } } }).catch(() => { this.keptAlive.delete(id) })
  }

  /**
   * Peer exchange: dials a peer whose PeerInfo came by gossip when we have no
   * connection to it, within the outbound cap, at most once per
   * {@link PEER_EXCHANGE_REDIAL_MS} per peer (a star around the bootstrap
   * node becomes a mesh).
   */
  private async dialAnnounced (peer: PeerId, addrs: readonly string[]): Promise<void> {
    const id = peer.toString()
    const now = Date.now()
    if (this.shuttingDown || addrs.length === 0 || peer.equals(this.libp2p.peerId)) return
    if ((this.lastDialed.get(id) ?? 0) > now - PEER_EXCHANGE_REDIAL_MS || !this.guard.canDialOutbound()) return
    if (this.bans.isPeerBanned(id) || this.reputation.verdict(id).kind !== 'none') return
    this.lastDialed.delete(id)
    this.lastDialed.set(id, now)
    if (this.lastDialed.size > MAX_TRACKED_FAULTS) this.lastDialed.delete(this.lastDialed.keys().next().value as string)
    try {
      await this.libp2p.peerStore.merge(peer, { multiaddrs: addrs.map((a) => multiaddr(a)) })
      await this.libp2p.dial(peer, { signal: AbortSignal.timeout(10_000) })
    } catch (err) {
      this.dialFailed()
      this.log.debug({ err, peer: id }, 'dial of an announced peer failed')
    }
  }

  private async dialKnownPeers (): Promise<void> {
    const known = this.knownPeers.list().filter((p) => !this.bans.isPeerBanned(p.peerId)).slice(0, this.config.maxOutboundConnections)
    await Promise.all(known.map(async (p) => {
      try {
        const id = peerIdFromString(p.peerId)
        if (id.equals(this.libp2p.peerId)) return
        await this.libp2p.peerStore.merge(id, { multiaddrs: p.multiaddrs.map((a) => multiaddr(a)) })
        await this.libp2p.dial(id, { signal: AbortSignal.timeout(10_000) })
      } catch (err) {
        this.counters.dialFailures++
        this.metrics.dialFailed()
        this.log.debug({ err, peer: p.peerId }, 'redial of a known peer failed')
      }
    }))
  }

  private housekeeping (): void {
    const pubsub = this.libp2p.services.pubsub as GossipSub & { getScore?: (id: string) => number }
    for (const peer of this.libp2p.getPeers()) {
      const id = peer.toString()
      if (typeof pubsub.getScore === 'function') this.reputation.setGossipScore(id, pubsub.getScore(id))
      // a peer that got back in (e.g. on an outbound dial of a peer-store address) while it should be away
      if (this.reputation.verdict(id).kind !== 'none' || this.bans.isPeerBanned(id)) void this.guard.enforceBan(peer).catch(() => {})
    }
    const s = this.status()
    this.metrics.setConnections('in', s.connections.in)
    this.metrics.setConnections('out', s.connections.out)
    this.metrics.setPeers(s.peers)
    this.metrics.setMeshPeers('block', s.meshPeers.block)
    this.metrics.setMeshPeers('peerinfo', s.meshPeers.peerinfo)
    this.metrics.setReady(s.ready)
    void this.bans.prune().catch(() => {})
  }

  /** Called by the libp2p dialer on failures (wired by the connection guard). */
  dialFailed (): void {
    this.counters.dialFailures++
    this.metrics.dialFailed()
  }

  /**
   * Graceful stop: readiness goes false at once, new work is refused, in-flight
   * work drains within the bound, state is persisted, and `libp2p.stop()` is
   * raced against what is left of the bound (it is known to hang).
   * Returns false when something had to be cut short.
   */
  async stop (timeoutMs = this.config.shutdownTimeoutMs): Promise<boolean> {
    if (this.shuttingDown) return false
    this.shuttingDown = true
    this.metrics.setReady(false)
    const deadline = Date.now() + timeoutMs
    const left = (): number => Math.max(0, deadline - Date.now())
    let clean = true
    this.producer?.stop()
    for (const t of this.timers) clearInterval(t)
    try { this.gossip.detach() } catch { /* already detached */ }
    clean = (await this.queue.drain(AbortSignal.timeout(Math.max(1, Math.floor(left() / 2))))).abandoned === 0 && clean
    this.guard.stop()
    const stopped = await Promise.race([
      Promise.resolve(this.libp2p.stop()).then(() => true, () => false),
      new Promise<boolean>((resolve) => setTimeout(() => { resolve(false) }, Math.max(1, Math.floor(left()))).unref())
    ])
    clean = stopped && clean
    // the network is down: what still reaches the block log (a sync batch already read) is refused, and what
    // it accepted is written in full before the databases close
    const drained = await Promise.race([
      this.store.drain().then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => { resolve(false) }, Math.max(1, left())).unref())
    ])
    if (!drained) this.log.error('block log writes still running at the shutdown bound')
    clean = drained && clean
    try {
      await this.replay.close()
      this.sequencer.close()
    } catch (err) {
      clean = false
      this.log.error({ err }, 'replay state not persisted')
    }
    await closeNodeDatabases(this.dbs).catch((err: unknown) => { clean = false; this.log.error({ err }, 'database close failed') })
    await this.http?.close().catch(() => {})
    this.lock.release()
    this.log.info({ clean }, 'node stopped')
    return clean
  }
}

/** A peer announced by gossip is dialled at most this often (ms). */
const PEER_EXCHANGE_REDIAL_MS = 30_000

/** A sync answered `resourceUnavailable` (over the responder's budget) is retried after this long (ms), at most {@link MAX_SYNC_RETRIES} times in a row. */
const SYNC_RETRY_MS = 1_000
const MAX_SYNC_RETRIES = 10

/** Most peers whose last fault is remembered (as many as the reputation tracks). */
const MAX_TRACKED_FAULTS = 10_000

/** libp2p's KEEP_ALIVE tag name (`@libp2p/interface`): tagged peers are redialled when they disconnect. */
const KEEP_ALIVE_TAG = 'keep-alive'

/**
 * The gater, plus a cool-down (Lodestar's "disconnected" state): a peer whose
 * score is at the disconnect threshold may not reconnect until its score
 * decays back, and each attempt in that time costs it a `mid` penalty, so a
 * peer that was told to go away and keeps coming back is banned after a few
 * tries (while gossipsub, which graylists it at the same score, would never
 * show us its messages again to penalise).
 */
function withCooldown (gater: ReturnType<typeof createGater>, reputation: Reputation, onRefused: () => void): ReturnType<typeof createGater> {
  const inner = gater.denyInboundEncryptedConnection?.bind(gater)
  const dial = gater.denyDialPeer?.bind(gater)
  return Object.assign(Object.create(gater) as ReturnType<typeof createGater>, {
    denyInboundEncryptedConnection: async (peerId: PeerId, maConn: Parameters<NonNullable<typeof inner>>[1]) => {
      if (inner !== undefined && await inner(peerId, maConn)) return true
      const id = peerId.toString()
      if (reputation.verdict(id).kind === 'none') return false
      reputation.penalize(id, 'mid')
      onRefused()
      return true
    },
    denyDialPeer: async (peerId: PeerId) => {
      if (dial !== undefined && await dial(peerId)) return true
      return reputation.verdict(peerId.toString()).kind !== 'none'
    }
  })
}

function parseHeight (s: string | undefined): bigint | undefined {
  if (s === undefined || !/^\d{1,19}$/.test(s)) return undefined
  return BigInt(s)
}

export type { Connection }
