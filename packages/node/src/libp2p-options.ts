/**
 * The js-libp2p 3 options of one node, each setting against what NODE.md
 * records about libp2p's defaults and the DHT profiles.
 *
 * @module
 */
import 'wireseal/libp2p'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { ConnectionGater, Metrics, PrivateKey } from '@libp2p/interface'
import type { Libp2pOptions } from 'libp2p'
import type { WiresealGossipsubOptions } from 'wireseal/libp2p'
import type { NetworkProtocols } from './protocol.js'
import { cidrToMultiaddr } from './config-addresses.js'

/** What {@link libp2pOptions} is built from. */
export interface Libp2pSettings {
  privateKey: PrivateKey
  listenAddrs: readonly string[]
  externalAddrs: readonly string[]
  bootstrapPeers: readonly string[]
  maxConnections: number
  maxPendingInbound: number
  inboundConnectionsPerIpPerSecond: number
  allowCidrs: readonly string[]
  denyCidrs: readonly string[]
  dht: boolean
  protocols: NetworkProtocols
  gossip: WiresealGossipsubOptions
  gater: ConnectionGater
  metrics?: (components: unknown) => Metrics
  /** Extra gossipsub options (metrics registration...). */
  gossipExtra?: Record<string, unknown>
}

/** Socket inactivity: a TCP socket with no bytes either way for this long is closed (libp2p's own default is 2 min; pings every 10 s keep live links busy). */
const SOCKET_INACTIVITY_MS = 60_000

/**
 * Delay before the bootstrap peers are dialled. @libp2p/bootstrap waits 1 s
 * by default (to let other discovery fill the peer store first); a node that
 * was away spent that second idle before it could start to sync. Kubo and
 * Lodestar dial their bootstrap peers at start: so does this node. The
 * 'peer:identify' handler that starts the PeerInfo exchange is attached
 * before the first connection can complete identify (./node.ts start).
 */
const BOOTSTRAP_DIAL_DELAY_MS = 0

/**
 * Small + stable private network profile (NODE.md section 5, seeds/dht-configuration-guide):
 * k = 5 and alpha = 3 for about 10^2 peers or fewer; k is a network-wide constant.
 */
const DHT_K = 5
const DHT_ALPHA = 3
/** Self-query (routing table refresh) every 30 min on a stable topology. */
const DHT_REFRESH_MS = 30 * 60_000

/** createLibp2p options of one node. */
export function libp2pOptions (s: Libp2pSettings): Libp2pOptions<Record<string, unknown>> {
  const services: Record<string, unknown> = {
    identify: identify(),
    // answers other nodes' connection monitors and lets ours measure RTT
    ping: ping(),
    pubsub: gossipsub({
      ...s.gossipExtra,
      ...s.gossip,
      // a node's own publishes go to every subscribed peer, not only its mesh (fast first hop on a small net)
      floodPublish: true,
      // publishing with no peer yet (a lone bootstrap node) is not an error
      allowPublishToZeroTopicPeers: true
    })
  }
  if (s.dht) {
    services.dht = kadDHT({
      // custom prefix: never join the public Amino DHT (`/ipfs/kad/1.0.0`)
      protocol: `${s.protocols.dhtPrefix}/kad/1.0.0`,
      // server mode unconditionally: every node of a private cluster is reachable (no AutoNAT guessing)
      clientMode: false,
      kBucketSize: DHT_K,
      alpha: DHT_ALPHA,
      querySelfInterval: DHT_REFRESH_MS,
      // private and loopback addresses are the point of a private net: keep every address
      peerInfoMapper: passthroughMapper,
      // discovery only: no record type is accepted (PUT_VALUE fails validation), and
      // provider records, which we never publish, are kept for 1 s in a 1-entry cache
      validators: {},
      selectors: {},
      providers: { cacheSize: 1, provideValidity: 1, cleanupInterval: 60 },
      // a lone first node must still answer queries
      allowQueryWithZeroPeers: true
    })
  }
  return {
    // the caller starts the node once its handlers are in place
    start: false,
    privateKey: s.privateKey,
    addresses: { listen: [...s.listenAddrs], announce: s.externalAddrs.length > 0 ? [...s.externalAddrs] : undefined },
    transports: [tcp({ inboundSocketInactivityTimeout: SOCKET_INACTIVITY_MS, outboundSocketInactivityTimeout: SOCKET_INACTIVITY_MS })],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: s.gater,
    connectionManager: {
      // one total for both directions: libp2p refuses only inbound above it; the node caps outbound itself
      maxConnections: s.maxConnections,
      maxIncomingPendingConnections: s.maxPendingInbound,
      inboundConnectionThreshold: s.inboundConnectionsPerIpPerSecond,
      allow: s.allowCidrs.map(cidrToMultiaddr),
      deny: s.denyCidrs.map(cidrToMultiaddr)
    },
    peerDiscovery: s.bootstrapPeers.length > 0 ? [bootstrap({ list: [...s.bootstrapPeers], timeout: BOOTSTRAP_DIAL_DELAY_MS })] : [],
    metrics: s.metrics as never,
    services: services as never
  }
}
