/**
 * Connection policing that js-libp2p 3 leaves to the application (NODE.md §1):
 * - **Outbound cap.** The connection manager applies one limit to both
 *   directions and only refuses inbound connections, so the guard counts open
 *   connections by `direction`, answers {@link ConnectionGuard.canDialOutbound}
 *   for the gater, and closes the newest outbound connections beyond the cap
 *   if parallel dials got past it anyway.
 * - **Idle closer.** js-libp2p has none (rust-libp2p closes after 10 s), and
 *   yamux / connection-monitor pings keep TCP's socket timeout from firing, so
 *   the node reports application messages with {@link ConnectionGuard.touch}
 *   and the guard closes the connections of peers silent for `idleTimeoutMs`,
 *   except bootstrap peers and peers tagged `keep-alive*`.
 * - **Ban enforcement.** A gater only refuses new connections ("A gater ban
 *   leaves open connections open", NODE.md pitfalls), so
 *   {@link ConnectionGuard.enforceBan} drops the peer's keep-alive tags (or
 *   the reconnect queue would redial it) and hangs up within a timeout.
 *
 * @module
 */
import { KEEP_ALIVE, type Connection, type Libp2p, type PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { InvalidConfigError, InvalidValueError } from 'wireseal/errors'

/** @default DEFAULT_MAX_OUTBOUND_CONNECTIONS (64): room for inbound under libp2p's 300 total; go-libp2p's system base is 128. */
export const DEFAULT_MAX_OUTBOUND_CONNECTIONS = 64
/** @default DEFAULT_MAX_INBOUND_CONNECTIONS (Infinity): no separate inbound cap; libp2p's `maxConnections` applies. */
export const DEFAULT_MAX_INBOUND_CONNECTIONS = Infinity
/** @default DEFAULT_IDLE_TIMEOUT_MS (300_000): 5 min without an application message; 0 disables the idle closer. */
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000
/** @default DEFAULT_IDLE_CHECK_INTERVAL_MS (10_000), capped at half the idle timeout. */
export const DEFAULT_IDLE_CHECK_INTERVAL_MS = 10_000
/** @default DEFAULT_CLOSE_TIMEOUT_MS (1_000): libp2p's `connectionCloseTimeout`; then the connection is aborted. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 1_000

/** Options of {@link createConnectionGuard}. */
export interface ConnectionGuardInit {
  /** Outbound connections allowed at once. @default DEFAULT_MAX_OUTBOUND_CONNECTIONS (64) */
  maxOutbound?: number
  /** Inbound connections allowed at once (answered by `canAcceptInbound`, for the gater). @default DEFAULT_MAX_INBOUND_CONNECTIONS (Infinity) */
  maxInbound?: number
  /** Close a peer's connections after this long without {@link ConnectionGuard.touch}; 0 disables. @default DEFAULT_IDLE_TIMEOUT_MS (300_000) */
  idleTimeoutMs?: number
  /** How often idleness is checked (an unref'd timer). @default DEFAULT_IDLE_CHECK_INTERVAL_MS (10_000), at most idleTimeoutMs / 2 */
  idleCheckIntervalMs?: number
  /** Peer ids (strings) never closed for idleness. @default [] */
  bootstrapPeers?: readonly string[]
  /** Further peers never closed for idleness (e.g. operator-pinned ones). @default () => false */
  exempt?: (peerId: string) => boolean
  /** Bound on a graceful close or hang-up before aborting. @default DEFAULT_CLOSE_TIMEOUT_MS (1_000) */
  closeTimeoutMs?: number
  /** Clock in milliseconds (activity times). @default Date.now */
  now?: () => number
}

/** Counters of a {@link ConnectionGuard}, cumulative. */
export interface ConnectionGuardCounts {
  /** Peers hung up for idleness. */
  idleClosed: number
  /** Outbound connections closed because the cap was exceeded. */
  outboundCapClosed: number
  /** `canDialOutbound()` calls that answered false. */
  outboundCapHits: number
  /** `canAcceptInbound()` calls that answered false. */
  inboundCapHits: number
  /** `enforceBan` calls that found open connections. */
  bansEnforced: number
}

/** The guard returned by {@link createConnectionGuard}. */
export interface ConnectionGuard {
  /** Stop the timer and detach from the node (idempotent); the guard then answers true and closes nothing. */
  stop(): void
  /** Whether an outbound connection may be opened now (wire it into the gater). */
  canDialOutbound(): boolean
  /** Whether an inbound connection may be accepted now (wire it into the gater). */
  canAcceptInbound(): boolean
  /** Record application activity from `peerId` (call on every message). */
  touch(peerId: string): void
  /**
   * Close every connection to `peerId` after removing its keep-alive tags.
   * Resolves to the number of connections that were open. Rejects only with
   * {@link InvalidValueError} for a string that is not a peer id.
   */
  enforceBan(peerId: PeerId | string): Promise<number>
  /** Run one idle check now; resolves to the number of peers closed. */
  checkIdle(): Promise<number>
  /** Open connections by direction. */
  connections(): { inbound: number, outbound: number }
  counts(): ConnectionGuardCounts
}

function int (name: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new InvalidConfigError(name, `an integer >= ${min}`)
  return v
}

/** Close a connection within `ms`, aborting it if that fails. */
async function closeConnection (conn: Connection, ms: number): Promise<void> {
  try {
    await conn.close({ signal: AbortSignal.timeout(ms) })
  } catch (err) {
    conn.abort(err instanceof Error ? err : new Error('close failed'))
  }
}

/**
 * Attach a guard to a libp2p node (created; started or not). The gater is
 * given to `createLibp2p` before the guard exists, so wire it through a
 * closure: `canDialOutbound: () => guard?.canDialOutbound() ?? true`.
 * Throws {@link InvalidConfigError} on a bad option. Call `stop()` before
 * `node.stop()`.
 */
export function createConnectionGuard (target: Libp2p, init: ConnectionGuardInit = {}): ConnectionGuard {
  if (typeof target?.getConnections !== 'function' || typeof target.addEventListener !== 'function') throw new InvalidConfigError('node', 'a libp2p node')
  const maxOutbound = int('maxOutbound', init.maxOutbound ?? DEFAULT_MAX_OUTBOUND_CONNECTIONS, 0)
  const maxInbound = init.maxInbound ?? DEFAULT_MAX_INBOUND_CONNECTIONS
  if (maxInbound !== Infinity) int('maxInbound', maxInbound, 0)
  const idleTimeoutMs = int('idleTimeoutMs', init.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, 0)
  const checkMs = int('idleCheckIntervalMs', init.idleCheckIntervalMs ?? Math.max(1, Math.min(DEFAULT_IDLE_CHECK_INTERVAL_MS, Math.floor(idleTimeoutMs / 2))), 1)
  const closeMs = int('closeTimeoutMs', init.closeTimeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS, 1)
  const bootstrap = new Set(init.bootstrapPeers ?? [])
  const exempt = init.exempt ?? (() => false)
  if (typeof exempt !== 'function') throw new InvalidConfigError('exempt', 'a function of a peer id string')
  const now = init.now ?? Date.now
  if (typeof now !== 'function') throw new InvalidConfigError('now', 'a function returning milliseconds')
  const counts: ConnectionGuardCounts = { idleClosed: 0, outboundCapClosed: 0, outboundCapHits: 0, inboundCapHits: 0, bansEnforced: 0 }
  /** Connected peer → last activity (a connection opening counts). Entries leave on disconnect. */
  const activity = new Map<string, number>()
  let node: Libp2p | undefined
  let timer: NodeJS.Timeout | undefined
  let checking = false

  function open (): Connection[] {
    return node === undefined ? [] : node.getConnections().filter((c) => c.status === 'open')
  }

  function count (direction: 'inbound' | 'outbound'): number {
    let n = 0
    for (const c of open()) if (c.direction === direction) n++
    return n
  }

  const onOpen = (evt: CustomEvent<Connection>): void => {
    const conn = evt.detail
    activity.set(conn.remotePeer.toString(), now())
    if (conn.direction !== 'outbound') return
    const outbound = open().filter((c) => c.direction === 'outbound')
    const excess = outbound.length - maxOutbound
    if (excess <= 0) return
    // Newest first: the connections that got past the cap in a race.
    outbound.sort((a, b) => b.timeline.open - a.timeline.open)
    for (const c of outbound.slice(0, excess)) {
      counts.outboundCapClosed++
      void closeConnection(c, closeMs)
    }
  }
  const onDisconnect = (evt: CustomEvent<PeerId>): void => {
    activity.delete(evt.detail.toString())
  }

  async function keepAliveTags (n: Libp2p, peer: PeerId): Promise<string[]> {
    try {
      const data = await n.peerStore.get(peer)
      return [...data.tags.keys()].filter((t) => t.startsWith(KEEP_ALIVE))
    } catch {
      return [] // NotFoundError: nothing stored, nothing tagged
    }
  }

  async function hangUp (n: Libp2p, peer: PeerId): Promise<void> {
    try {
      await n.hangUp(peer, { signal: AbortSignal.timeout(closeMs) })
    } catch {
      // fall through: abort whatever is left
    }
    for (const c of n.getConnections(peer)) c.abort(new Error('hang-up timed out'))
  }

  async function checkIdle (): Promise<number> {
    const n = node
    if (n === undefined || idleTimeoutMs === 0 || checking) return 0
    checking = true
    let closed = 0
    try {
      const t = now()
      const byPeer = new Map<string, PeerId>()
      for (const c of open()) byPeer.set(c.remotePeer.toString(), c.remotePeer)
      for (const [id, last] of [...activity]) {
        const peer = byPeer.get(id)
        if (peer === undefined) { activity.delete(id); continue }
        if (t - last < idleTimeoutMs || bootstrap.has(id) || exempt(id)) continue
        if ((await keepAliveTags(n, peer)).length > 0) continue
        if (node !== n || activity.get(id) !== last) continue // stopped, or touched while the tags were read
        activity.delete(id)
        counts.idleClosed++
        closed++
        await hangUp(n, peer)
      }
    } finally {
      checking = false
    }
    return closed
  }

  function stop (): void {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
    node?.removeEventListener('connection:open', onOpen)
    node?.removeEventListener('peer:disconnect', onDisconnect)
    node = undefined
    activity.clear()
  }

  node = target
  for (const c of open()) activity.set(c.remotePeer.toString(), now())
  target.addEventListener('connection:open', onOpen)
  target.addEventListener('peer:disconnect', onDisconnect)
  if (idleTimeoutMs > 0) {
    timer = setInterval(() => { void checkIdle() }, checkMs)
    timer.unref()
  }

  return {
    stop,
    canDialOutbound () {
      const ok = count('outbound') < maxOutbound
      if (!ok) counts.outboundCapHits++
      return ok
    },
    canAcceptInbound () {
      const ok = count('inbound') < maxInbound
      if (!ok) counts.inboundCapHits++
      return ok
    },
    touch (peerId) {
      // Only peers with an open connection are tracked, so the map stays bounded by the connections.
      if (activity.has(peerId)) activity.set(peerId, now())
    },
    async enforceBan (peerId) {
      const n = node
      let peer: PeerId
      if (typeof peerId === 'string') {
        const conn = n?.getConnections().find((c) => c.remotePeer.toString() === peerId)
        if (conn !== undefined) peer = conn.remotePeer
        else {
          try { peer = peerIdFromString(peerId) } catch (err) {
            throw new InvalidValueError('enforceBan.peerId', `a peer id string (${(err as Error).message})`)
          }
        }
      } else {
        peer = peerId
      }
      if (n === undefined) return 0
      const tags = await keepAliveTags(n, peer)
      if (tags.length > 0) {
        try {
          await n.peerStore.merge(peer, { tags: Object.fromEntries(tags.map((t) => [t, undefined])) })
        } catch {
          // the gater still refuses the redial
        }
      }
      activity.delete(peer.toString())
      const open = n.getConnections(peer).length
      if (open > 0) {
        counts.bansEnforced++
        await hangUp(n, peer)
      }
      return open
    },
    checkIdle,
    connections () {
      return { inbound: count('inbound'), outbound: count('outbound') }
    },
    counts () { return { ...counts } }
  }
}
