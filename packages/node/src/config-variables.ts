/**
 * The node's configuration variables: one row per {@link NodeConfig} field
 * with its flag, environment variable, default, meaning and parser. This
 * table is the single source for parsing, `--help`, CONFIGURATION.md and the
 * tests.
 *
 * @module
 */
import { announceAddr, cidr, list, listenAddr, peerAddr } from './config-addresses.js'
import type { LogLevel, NodeConfig } from './config.js'
import { formatDuration, formatSize } from 'wireseal/options'
import { boolean, duration, host, integer, matching, oneOf, path, size, type ValueParser } from './config-values.js'

/** One configuration variable, as documented to the operator. */
export interface ConfigVariable {
  /** Command-line flag, e.g. `--listen`; takes `--flag value` or `--flag=value`. */
  readonly flag: string
  /** Environment variable, e.g. `P2P_LISTEN_ADDRS`. */
  readonly env: string
  /** The {@link NodeConfig} field it sets. */
  readonly field: keyof NodeConfig
  /** The default as an operator would write it; `''` means none (an empty list). */
  readonly default: string
  /** What the value means. */
  readonly description: string
  /** The accepted values, worded as in problem lines (`expected <this>`). */
  readonly expected: string
}

/** How a variable's flag is written on the command line. */
export type FlagKind = 'value' | 'list' | 'boolean'

/** A {@link ConfigVariable} plus what parsing needs; internal to the config module. */
export interface VariableSpec<K extends keyof NodeConfig = keyof NodeConfig> extends ConfigVariable {
  readonly field: K
  /** `value`: one `--flag v`; `list`: repeatable, items accumulate; `boolean`: `--flag` alone means true. */
  readonly kind: FlagKind
  /** Placeholder shown in `--help`, e.g. `<multiaddrs>`. */
  readonly placeholder: string
  readonly parse: ValueParser<NodeConfig[K]>
  /** The value when neither flag nor env var is set; `maxConnections` is the resolved total. */
  readonly fallback: (maxConnections: number) => NodeConfig[K]
}

export const DEFAULT_DATA_DIR = './wireseal-data'
export const DEFAULT_BOOTSTRAP = false
export const DEFAULT_LISTEN_ADDRS: readonly string[] = ['/ip4/0.0.0.0/tcp/4001']
export const DEFAULT_MAX_CONNECTIONS = 100
/** Share of `maxConnections` for the default inbound limit (rounded). */
export const DEFAULT_INBOUND_SHARE = 0.8
/** Share of `maxConnections` for the default outbound limit (rounded). */
export const DEFAULT_OUTBOUND_SHARE = 0.5
/** js-libp2p's `maxIncomingPendingConnections` default. */
export const DEFAULT_MAX_PENDING_INBOUND = 10
/** js-libp2p's `inboundConnectionThreshold` default. */
export const DEFAULT_INBOUND_RATE_PER_IP = 5
export const DEFAULT_IDLE_TIMEOUT_MS = 45_000
export const DEFAULT_STREAM_TIMEOUT_MS = 10_000
export const DEFAULT_METRICS_PORT = 9100
export const DEFAULT_METRICS_HOST = '127.0.0.1'
export const DEFAULT_LOG_LEVEL: LogLevel = 'info'
export const DEFAULT_NETWORK = 'wireseal-devnet'
export const DEFAULT_ROLE = 'full'
export const DEFAULT_BLOCK_INTERVAL_MS = 1000
export const DEFAULT_BLOCK_SIZE_BYTES = 4096
export const DEFAULT_GOSSIP_BATCH_RATE = 20
export const DEFAULT_GOSSIP_BATCH_DELAY_MS = 100
export const DEFAULT_MAX_STORED_BLOCKS = 100_000
export const DEFAULT_PEERINFO_INTERVAL_MS = 10_000
export const DEFAULT_DHT = true
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000
export const DEFAULT_MEMORY_LIMIT_BYTES = 512 * 1024 ** 2
export const DEFAULT_RATE_GOSSIP_MSGS = 50
export const DEFAULT_RATE_GOSSIP_BYTES = 4 * 1024 ** 2
export const DEFAULT_RATE_STREAM_MSGS = 20
export const DEFAULT_RATE_SYNC_BLOCKS = 10_240

/** Upper bound of every connection limit. */
export const MAX_CONNECTIONS_LIMIT = 10_000
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

const MIB = 1024 ** 2
const DURATION_FORMS = 'like 500ms, 45s, 2m or plain milliseconds'
const SIZE_FORMS = 'like 4096, 64k, 4KB or 4KiB'
// Node durations are at most 1 h (`dur` ranges), so never written in days, which `duration` does not read.
const ms = formatDuration
const bytes = formatSize

const v = <K extends keyof NodeConfig>(spec: VariableSpec<K>): VariableSpec<K> => spec
const int = (min: number, max: number, extra = ''): Pick<VariableSpec, 'expected' | 'placeholder' | 'kind'> & { parse: ValueParser<number> } =>
  ({ kind: 'value', placeholder: '<n>', expected: `an integer from ${min} to ${max}${extra}`, parse: integer(min, max) })
const dur = (min: number, max: number): Pick<VariableSpec, 'expected' | 'placeholder' | 'kind'> & { parse: ValueParser<number> } =>
  ({ kind: 'value', placeholder: '<duration>', expected: `a duration from ${ms(min)} to ${ms(max)} (${DURATION_FORMS})`, parse: duration(min, max) })
const sz = (min: number, max: number): Pick<VariableSpec, 'expected' | 'placeholder' | 'kind'> & { parse: ValueParser<number> } =>
  ({ kind: 'value', placeholder: '<size>', expected: `a size from ${bytes(min)} to ${bytes(max)} (${SIZE_FORMS})`, parse: size(min, max) })
const bool = { kind: 'boolean', placeholder: '[=<bool>]', expected: 'true, false, 1, 0, yes or no', parse: boolean } as const
const share = (s: number) => (max: number) => Math.round(max * s)

/** Every configuration variable, in documentation order. */
export const SPECS: ReadonlyArray<VariableSpec<keyof NodeConfig>> = [
  v({ field: 'dataDir', flag: '--data-dir', env: 'P2P_DATA_DIR', default: DEFAULT_DATA_DIR, kind: 'value', placeholder: '<path>', expected: 'a path (no control characters, at most 4096 characters)', parse: path, fallback: () => DEFAULT_DATA_DIR, description: 'Directory of the node\'s persistent state (identity key, block store, peer data); created if missing.' }),
  v({ field: 'listenAddrs', flag: '--listen', env: 'P2P_LISTEN_ADDRS', default: DEFAULT_LISTEN_ADDRS.join(','), kind: 'list', placeholder: '<multiaddrs>', expected: '1 to 32 comma-separated /ip4|ip6/<address>/tcp/<port> multiaddrs', parse: list(listenAddr, 32, 1), fallback: () => DEFAULT_LISTEN_ADDRS, description: 'Addresses to listen on (TCP only); port 0 picks a free port.' }),
  v({ field: 'externalAddrs', flag: '--announce', env: 'P2P_EXTERNAL_ADDRS', default: '', kind: 'list', placeholder: '<multiaddrs>', expected: 'at most 32 comma-separated multiaddrs without /p2p/', parse: list(announceAddr, 32), fallback: () => [], description: 'Addresses announced to peers instead of the listen addresses: set them behind NAT or in a container, where the bind address is not reachable. None: announce the listen addresses.' }),
  v({ field: 'bootstrapPeers', flag: '--bootstrap-peers', env: 'P2P_BOOTSTRAP_PEERS', default: '', kind: 'list', placeholder: '<multiaddrs>', expected: 'at most 256 comma-separated multiaddrs ending in /p2p/<peer id>', parse: list(peerAddr, 256), fallback: () => [], description: 'Peers dialled at start and used to seed the DHT.' }),
  v({ field: 'bootstrap', flag: '--bootstrap', env: 'P2P_BOOTSTRAP', default: String(DEFAULT_BOOTSTRAP), ...bool, fallback: () => DEFAULT_BOOTSTRAP, description: 'This node is a bootstrap node: it is ready without any peer (the first node of a network).' }),
  v({ field: 'maxConnections', flag: '--max-connections', env: 'P2P_MAX_CONNECTIONS', default: String(DEFAULT_MAX_CONNECTIONS), ...int(1, MAX_CONNECTIONS_LIMIT), fallback: () => DEFAULT_MAX_CONNECTIONS, description: 'Maximum open connections, both directions together.' }),
  v({ field: 'maxInboundConnections', flag: '--max-inbound-connections', env: 'P2P_MAX_INBOUND_CONNECTIONS', default: `${DEFAULT_INBOUND_SHARE * 100}% of max connections, rounded`, ...int(1, MAX_CONNECTIONS_LIMIT, ', at most max connections'), fallback: share(DEFAULT_INBOUND_SHARE), description: 'Maximum inbound connections. Inbound plus outbound may exceed the total; each alone may not.' }),
  v({ field: 'maxOutboundConnections', flag: '--max-outbound-connections', env: 'P2P_MAX_OUTBOUND_CONNECTIONS', default: `${DEFAULT_OUTBOUND_SHARE * 100}% of max connections, rounded`, ...int(1, MAX_CONNECTIONS_LIMIT, ', at most max connections'), fallback: share(DEFAULT_OUTBOUND_SHARE), description: 'Maximum outbound connections (libp2p limits only inbound ones; the node caps its own dials).' }),
  v({ field: 'maxPendingInbound', flag: '--max-pending-inbound', env: 'P2P_MAX_PENDING_INBOUND', default: String(DEFAULT_MAX_PENDING_INBOUND), ...int(1, 1000), fallback: () => DEFAULT_MAX_PENDING_INBOUND, description: 'Maximum inbound connections still being upgraded (libp2p `maxIncomingPendingConnections`).' }),
  v({ field: 'inboundConnectionsPerIpPerSecond', flag: '--inbound-rate-per-ip', env: 'P2P_INBOUND_RATE_PER_IP', default: String(DEFAULT_INBOUND_RATE_PER_IP), ...int(1, 1000), fallback: () => DEFAULT_INBOUND_RATE_PER_IP, description: 'New inbound connections accepted per remote IP per second (libp2p `inboundConnectionThreshold`).' }),
  v({ field: 'idleTimeoutMs', flag: '--idle-timeout', env: 'P2P_IDLE_TIMEOUT', default: ms(DEFAULT_IDLE_TIMEOUT_MS), ...dur(1000, 3_600_000), fallback: () => DEFAULT_IDLE_TIMEOUT_MS, description: 'A connection without traffic for this long is closed.' }),
  v({ field: 'streamReadTimeoutMs', flag: '--stream-timeout', env: 'P2P_STREAM_TIMEOUT', default: ms(DEFAULT_STREAM_TIMEOUT_MS), ...dur(100, 600_000), fallback: () => DEFAULT_STREAM_TIMEOUT_MS, description: 'A request/response stream whose peer sends nothing for this long is aborted.' }),
  v({ field: 'allowCidrs', flag: '--allow-cidrs', env: 'P2P_ALLOW_CIDRS', default: '', kind: 'list', placeholder: '<cidrs>', expected: 'at most 1024 comma-separated IPv4/IPv6 CIDRs like 10.0.0.0/8 or 2001:db8::/32 (a bare address is a /32 or /128)', parse: list(cidr, 1024), fallback: () => [], description: 'Remote IP ranges always accepted, even over the connection limits (libp2p allow list); the deny list is checked first.' }),
  v({ field: 'denyCidrs', flag: '--deny-cidrs', env: 'P2P_DENY_CIDRS', default: '', kind: 'list', placeholder: '<cidrs>', expected: 'at most 1024 comma-separated IPv4/IPv6 CIDRs like 10.0.0.0/8 or 2001:db8::/32 (a bare address is a /32 or /128)', parse: list(cidr, 1024), fallback: () => [], description: 'Remote IP ranges whose inbound connections are always refused.' }),
  v({ field: 'metricsPort', flag: '--metrics-port', env: 'P2P_METRICS_PORT', default: String(DEFAULT_METRICS_PORT), ...int(0, 65535, ' (0 = ephemeral)'), placeholder: '<port>', fallback: () => DEFAULT_METRICS_PORT, description: 'Port of the Prometheus metrics endpoint; 0 picks a free port.' }),
  v({ field: 'metricsHost', flag: '--metrics-host', env: 'P2P_METRICS_HOST', default: DEFAULT_METRICS_HOST, kind: 'value', placeholder: '<host>', expected: 'an IP address or a host name', parse: host, fallback: () => DEFAULT_METRICS_HOST, description: 'Address the metrics endpoint binds to; use 0.0.0.0 inside a container.' }),
  v({ field: 'logLevel', flag: '--log-level', env: 'LOG_LEVEL', default: DEFAULT_LOG_LEVEL, kind: 'value', placeholder: '<level>', expected: `one of ${LOG_LEVELS.join(', ')}`, parse: oneOf(LOG_LEVELS), fallback: () => DEFAULT_LOG_LEVEL, description: 'Lowest level logged (pino levels; `silent` logs nothing).' }),
  v({ field: 'network', flag: '--network', env: 'P2P_NETWORK', default: DEFAULT_NETWORK, kind: 'value', placeholder: '<name>', expected: '1 to 32 characters from a-z, 0-9 and -', parse: matching(/^[a-z0-9-]{1,32}$/), fallback: () => DEFAULT_NETWORK, description: 'Network name. It goes into the gossip topic names and the DHT protocol prefix, so nodes of different networks never mix.' }),
  v({ field: 'role', flag: '--role', env: 'P2P_ROLE', default: DEFAULT_ROLE, kind: 'value', placeholder: '<text>', expected: '1 to 32 printable ASCII characters', parse: matching(/^[\x20-\x7e]{1,32}$/), fallback: () => DEFAULT_ROLE, description: 'Free-text role announced in this node\'s PeerInfo.' }),
  v({ field: 'blockIntervalMs', flag: '--block-interval', env: 'P2P_BLOCK_INTERVAL', default: ms(DEFAULT_BLOCK_INTERVAL_MS), kind: 'value', placeholder: '<duration>', expected: `0 (do not produce) or a duration from 10ms to 1h (${DURATION_FORMS})`, parse: duration(10, 3_600_000, true), fallback: () => DEFAULT_BLOCK_INTERVAL_MS, description: 'Interval between the blocks this node produces; 0 = produce none.' }),
  v({ field: 'blockSizeBytes', flag: '--block-size', env: 'P2P_BLOCK_SIZE', default: bytes(DEFAULT_BLOCK_SIZE_BYTES), ...sz(1, MIB), fallback: () => DEFAULT_BLOCK_SIZE_BYTES, description: 'Payload size of each produced block.' }),
  v({ field: 'gossipBatchRate', flag: '--gossip-batch-rate', env: 'P2P_GOSSIP_BATCH_RATE', default: String(DEFAULT_GOSSIP_BATCH_RATE), ...int(0, 100_000, ' (0 = never)'), fallback: () => DEFAULT_GOSSIP_BATCH_RATE, description: 'Production rate (blocks per second: 1s / block interval) from which this node publishes its blocks batched: the blocks it produces within the batch delay share one envelope (one signature, one gossip message), and every node stores each block as an item envelope (the signed batch header and an inclusion proof), which block sync serves. 0 = never batch.' }),
  v({ field: 'gossipBatchDelayMs', flag: '--gossip-batch-delay', env: 'P2P_GOSSIP_BATCH_DELAY', default: ms(DEFAULT_GOSSIP_BATCH_DELAY_MS), ...dur(1, 10_000), fallback: () => DEFAULT_GOSSIP_BATCH_DELAY_MS, description: 'When batching: the longest a produced block waits to share a batch envelope, counted from the previous one (it adds up to this much to the block\'s delivery latency).' }),
  v({ field: 'maxStoredBlocks', flag: '--max-stored-blocks', env: 'P2P_MAX_STORED_BLOCKS', default: String(DEFAULT_MAX_STORED_BLOCKS), ...int(1, 100_000_000), fallback: () => DEFAULT_MAX_STORED_BLOCKS, description: 'Blocks kept in the block store; the oldest beyond this are pruned.' }),
  v({ field: 'peerInfoIntervalMs', flag: '--peerinfo-interval', env: 'P2P_PEERINFO_INTERVAL', default: ms(DEFAULT_PEERINFO_INTERVAL_MS), ...dur(1000, 3_600_000), fallback: () => DEFAULT_PEERINFO_INTERVAL_MS, description: 'Interval between this node\'s PeerInfo broadcasts.' }),
  v({ field: 'dht', flag: '--dht', env: 'P2P_DHT', default: String(DEFAULT_DHT), ...bool, fallback: () => DEFAULT_DHT, description: 'Run the private Kademlia DHT (under the network\'s protocol prefix) for peer discovery.' }),
  v({ field: 'shutdownTimeoutMs', flag: '--shutdown-timeout', env: 'P2P_SHUTDOWN_TIMEOUT', default: ms(DEFAULT_SHUTDOWN_TIMEOUT_MS), ...dur(1000, 600_000), fallback: () => DEFAULT_SHUTDOWN_TIMEOUT_MS, description: 'Upper bound of a graceful shutdown; the process exits when it elapses.' }),
  v({ field: 'memoryLimitBytes', flag: '--memory-limit', env: 'P2P_MEMORY_LIMIT', default: bytes(DEFAULT_MEMORY_LIMIT_BYTES), ...sz(64 * MIB, 1024 ** 4), fallback: () => DEFAULT_MEMORY_LIMIT_BYTES, description: 'Memory budget: the RSS alert and the status view measure against it.' }),
  v({ field: 'gossipMessagesPerSecond', flag: '--rate-gossip-msgs', env: 'P2P_RATE_GOSSIP_MSGS', default: String(DEFAULT_RATE_GOSSIP_MSGS), ...int(1, 100_000), fallback: () => DEFAULT_RATE_GOSSIP_MSGS, description: 'Per peer: gossip messages accepted per second.' }),
  v({ field: 'gossipBytesPerSecond', flag: '--rate-gossip-bytes', env: 'P2P_RATE_GOSSIP_BYTES', default: bytes(DEFAULT_RATE_GOSSIP_BYTES), ...sz(1024, 1024 ** 3), fallback: () => DEFAULT_RATE_GOSSIP_BYTES, description: 'Per peer: gossip bytes accepted per second, counted after decompression.' }),
  v({ field: 'streamMessagesPerSecond', flag: '--rate-stream-msgs', env: 'P2P_RATE_STREAM_MSGS', default: String(DEFAULT_RATE_STREAM_MSGS), ...int(1, 100_000), fallback: () => DEFAULT_RATE_STREAM_MSGS, description: 'Per peer: request/response messages accepted per second.' }),
  v({ field: 'syncBlocksPer10s', flag: '--rate-sync-blocks', env: 'P2P_RATE_SYNC_BLOCKS', default: String(DEFAULT_RATE_SYNC_BLOCKS), ...int(1, 1_000_000), fallback: () => DEFAULT_RATE_SYNC_BLOCKS, description: 'Per peer: blocks served by block sync per 10 seconds (counts the blocks requested, not the requests).' })
]
