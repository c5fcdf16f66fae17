/**
 * The node's configuration: command-line flags and environment variables,
 * with precedence flag > environment variable > default, validated at start.
 * Every bad value yields one problem line naming the flag or variable, the
 * value and what is expected; all of them are reported together in one
 * {@link ConfigError}, which the caller prints before exiting with status 2.
 *
 * The variables themselves (flag, env name, default, meaning, parser) are
 * one table, {@link CONFIG_VARIABLES}, which also produces `--help` and
 * CONFIGURATION.md.
 *
 * @module
 */
import { readFlags, suggest, type FlagValue } from './config-args.js'
import { SPECS, type ConfigVariable } from './config-variables.js'

export { cidrToMultiaddr } from './config-addresses.js'
export * from './config-variables.js'
export { HELP_FLAGS } from './config-args.js'

/** A pino log level. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/**
 * The node's validated configuration. Durations are milliseconds, sizes
 * bytes, addresses canonical strings. See CONFIGURATION.md for the flags and
 * variables that set each field.
 */
export interface NodeConfig {
  /** Directory of the node's persistent state. @default DEFAULT_DATA_DIR (./wireseal-data) */
  readonly dataDir: string
  /** TCP listen multiaddrs (at least one). @default DEFAULT_LISTEN_ADDRS (/ip4/0.0.0.0/tcp/4001) */
  readonly listenAddrs: readonly string[]
  /** Announce multiaddrs; empty = announce the listen addresses. @default none */
  readonly externalAddrs: readonly string[]
  /** Peers to dial at start, each ending in `/p2p/<peer id>`. @default none */
  readonly bootstrapPeers: readonly string[]
  /** This node is a bootstrap node: ready without peers. @default DEFAULT_BOOTSTRAP (false) */
  readonly bootstrap: boolean
  /** Maximum open connections, both directions. @default DEFAULT_MAX_CONNECTIONS (100) */
  readonly maxConnections: number
  /** Maximum inbound connections, <= maxConnections. @default round(DEFAULT_INBOUND_SHARE * maxConnections) (80% of max connections, rounded) */
  readonly maxInboundConnections: number
  /** Maximum outbound connections, <= maxConnections. @default round(DEFAULT_OUTBOUND_SHARE * maxConnections) (50% of max connections, rounded) */
  readonly maxOutboundConnections: number
  /** Maximum inbound connections still upgrading. @default DEFAULT_MAX_PENDING_INBOUND (10) */
  readonly maxPendingInbound: number
  /** New inbound connections accepted per remote IP per second. @default DEFAULT_INBOUND_RATE_PER_IP (5) */
  readonly inboundConnectionsPerIpPerSecond: number
  /** Idle connection timeout, ms. @default DEFAULT_IDLE_TIMEOUT_MS (45s) */
  readonly idleTimeoutMs: number
  /** Stream read timeout, ms. @default DEFAULT_STREAM_TIMEOUT_MS (10s) */
  readonly streamReadTimeoutMs: number
  /**
   * IP ranges that bypass the connection limits, canonical `address/prefix`
   * (see {@link cidrToMultiaddr} for libp2p's form). @default none
   */
  readonly allowCidrs: readonly string[]
  /** IP ranges refused inbound, canonical `address/prefix`. @default none */
  readonly denyCidrs: readonly string[]
  /** Metrics port; 0 = ephemeral. @default DEFAULT_METRICS_PORT (9100) */
  readonly metricsPort: number
  /** Metrics bind address. @default DEFAULT_METRICS_HOST (127.0.0.1) */
  readonly metricsHost: string
  /** Lowest level logged. @default DEFAULT_LOG_LEVEL (info) */
  readonly logLevel: LogLevel
  /** Network name (`[a-z0-9-]{1,32}`), used in gossip topics and the DHT prefix. @default DEFAULT_NETWORK (wireseal-devnet) */
  readonly network: string
  /** Free-text role (1..32 printable ASCII). @default DEFAULT_ROLE (full) */
  readonly role: string
  /** Block production interval, ms; 0 = do not produce. @default DEFAULT_BLOCK_INTERVAL_MS (1s) */
  readonly blockIntervalMs: number
  /** Produced block payload size, bytes (1 .. 1 MiB). @default DEFAULT_BLOCK_SIZE_BYTES (4KiB) */
  readonly blockSizeBytes: number
  /** Production rate (blocks/s) from which produced blocks are published batched; 0 = never. @default DEFAULT_GOSSIP_BATCH_RATE (20) */
  readonly gossipBatchRate: number
  /** When batching: longest a produced block waits to share a batch envelope, ms. @default DEFAULT_GOSSIP_BATCH_DELAY_MS (100ms) */
  readonly gossipBatchDelayMs: number
  /** Blocks kept in the store. @default DEFAULT_MAX_STORED_BLOCKS (100000) */
  readonly maxStoredBlocks: number
  /** PeerInfo broadcast interval, ms. @default DEFAULT_PEERINFO_INTERVAL_MS (10s) */
  readonly peerInfoIntervalMs: number
  /** Run the private Kademlia DHT. @default DEFAULT_DHT (true) */
  readonly dht: boolean
  /** Graceful shutdown bound, ms. @default DEFAULT_SHUTDOWN_TIMEOUT_MS (10s) */
  readonly shutdownTimeoutMs: number
  /** Memory budget for the RSS alert and the status view, bytes. @default DEFAULT_MEMORY_LIMIT_BYTES (512MiB) */
  readonly memoryLimitBytes: number
  /** Per peer: gossip messages per second. @default DEFAULT_RATE_GOSSIP_MSGS (50) */
  readonly gossipMessagesPerSecond: number
  /** Per peer: decompressed gossip bytes per second. @default DEFAULT_RATE_GOSSIP_BYTES (4MiB) */
  readonly gossipBytesPerSecond: number
  /** Per peer: request/response messages per second. @default DEFAULT_RATE_STREAM_MSGS (20) */
  readonly streamMessagesPerSecond: number
  /** Per peer: blocks served by sync per 10 s (10 x Ethereum MAX_REQUEST_BLOCKS: our blocks are 4 KB, not 100 KB+). @default DEFAULT_RATE_SYNC_BLOCKS (10240) */
  readonly syncBlocksPer10s: number
}

/**
 * The configuration is invalid: `problems` holds one line per bad value
 * (all of them, in a stable order), `message` the same lines joined by `\n`.
 */
export class ConfigError extends Error {
  /** One human-readable line per problem, each starting with the flag or variable at fault. */
  readonly problems: readonly string[]

  constructor (problems: readonly string[]) {
    super(problems.join('\n'))
    this.name = 'ConfigError'
    this.problems = Object.freeze([...problems])
  }
}

/** Every configuration variable: flag, env name, default, meaning. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = SPECS

/** Characters of a bad value quoted in a problem line. */
export const SHOWN_VALUE_CHARS = 40
/** Longest value parsed at all; longer ones are rejected unread. */
export const MAX_VALUE_CHARS = 65_536
/** Prefix of the environment variables this module owns; unknown ones are problems (typos). */
export const ENV_PREFIX = 'P2P_'

const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' }

/** A value as quoted in a problem line: cut to {@link SHOWN_VALUE_CHARS}, non-printables and `\` escaped, so one line stays one line and reads back unambiguously. */
export function showValue (value: string): string {
  const cut = value.length > SHOWN_VALUE_CHARS ? `${value.slice(0, SHOWN_VALUE_CHARS - 3)}...` : value
  return cut.replace(/[^\x20-\x5b\x5d-\x7e]/g, c => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/**
 * Parses and validates the node's configuration from `argv` (flags only:
 * the caller strips the command name and handles `--help` itself, see
 * {@link configHelp}) and `env`. Precedence per field: flag, then
 * environment variable (empty or blank = unset), then default.
 *
 * @throws ConfigError listing every problem: bad values, unknown flags,
 * flag syntax errors, cross-field limits and unknown `P2P_*` variables
 */
export function parseNodeConfig (argv: readonly string[], env: Readonly<Record<string, string | undefined>>): NodeConfig {
  const problems: string[] = []
  const flags = readFlags(argv, SPECS, problems, showValue)
  const values = new Map<keyof NodeConfig, unknown>()
  const sources = new Map<keyof NodeConfig, FlagValue>()
  const bad = new Set<keyof NodeConfig>()

  for (const spec of SPECS) {
    const fromEnv = env[spec.env]?.trim()
    const source = flags.get(spec.field) ?? (fromEnv === undefined || fromEnv === '' ? undefined : { name: spec.env, raw: fromEnv })
    if (source === undefined) continue
    const raw = source.raw.trim()
    const verdict = raw.length > MAX_VALUE_CHARS ? { ok: false as const, reason: `${raw.length} characters, at most ${MAX_VALUE_CHARS}` } : spec.parse(raw)
    if (verdict.ok) {
      values.set(spec.field, verdict.value)
      sources.set(spec.field, { name: source.name, raw })
    } else {
      bad.add(spec.field)
      problems.push(`${source.name}=${showValue(raw)}: expected ${spec.expected}${verdict.reason === undefined ? '' : `; ${verdict.reason}`}`)
    }
  }

  const total = values.get('maxConnections') as number | undefined
  const max = total ?? SPECS.find(s => s.field === 'maxConnections')?.fallback(0) as number
  if (!bad.has('maxConnections')) {
    const maxSource = sources.get('maxConnections')
    const maxName = maxSource === undefined ? `the default max connections (${max})` : `${maxSource.name}=${max}`
    for (const field of ['maxInboundConnections', 'maxOutboundConnections'] as const) {
      const v = values.get(field) as number | undefined
      const source = sources.get(field)
      if (v !== undefined && source !== undefined && v > max) problems.push(`${source.name}=${showValue(source.raw)}: expected at most ${maxName}`)
    }
  }

  const known = SPECS.map(s => s.env)
  for (const name of Object.keys(env).sort()) {
    const value = env[name]
    if (!name.startsWith(ENV_PREFIX) || known.includes(name) || value === undefined || value.trim() === '') continue
    const near = suggest(name, known)
    problems.push(`${showValue(name)}: unknown variable${near === undefined ? '' : ` (did you mean ${near}?)`}; see CONFIGURATION.md`)
  }

  if (problems.length > 0) throw new ConfigError(problems)
  const config: Record<string, unknown> = {}
  for (const spec of SPECS) {
    const v = values.has(spec.field) ? values.get(spec.field) : spec.fallback(max)
    config[spec.field] = Array.isArray(v) ? Object.freeze([...v]) : v
  }
  return Object.freeze(config) as unknown as NodeConfig
}

/**
 * Usage text for the node's flags: every flag with its value form,
 * environment variable, meaning and default. The caller prints it for
 * `--help` (after its own usage line).
 */
export function configHelp (): string {
  const lines = [
    'Configuration flags. Each can also be set through its environment variable;',
    'precedence: flag > environment variable > default. An empty variable counts as unset.',
    'Flags take --name value or --name=value; list flags take comma-separated items and may repeat.',
    ''
  ]
  const width = Math.max(...SPECS.map(s => s.flag.length + s.placeholder.length + 1)) + 2
  for (const s of SPECS) {
    const form = s.kind === 'boolean' ? `${s.flag}${s.placeholder}` : `${s.flag} ${s.placeholder}`
    lines.push(`  ${form.padEnd(width)}${s.env}`)
    lines.push(`      ${s.description} (default: ${s.default === '' ? 'none' : s.default})`)
  }
  return lines.join('\n')
}
