/**
 * A byte budget shared by every wireseal stream of one connection and of one
 * remote peer, in the manner of go-libp2p's resource manager (connection and
 * peer scopes, a reservation refused when a scope would go over its limit).
 * A stream reserves the bytes of the frame it is receiving (and of a chunked
 * message it is assembling) and releases them when the frame completes, the
 * message is delivered, or the stream ends.
 *
 * @module
 */
import { BufferBudgetError, InvalidConfigError } from '../errors.js'
import { DEFAULT_STREAM_CONNECTION_BUDGET_BYTES, DEFAULT_STREAM_PEER_BUDGET_BYTES } from '../limits.js'
export { DEFAULT_STREAM_CONNECTION_BUDGET_BYTES, DEFAULT_STREAM_PEER_BUDGET_BYTES }

/** Options of {@link createStreamBudget}. */
export interface StreamBudgetInit {
  /**
   * Bytes held at once for one connection, over all its wireseal streams.
   * @default DEFAULT_STREAM_CONNECTION_BUDGET_BYTES (32 MiB)
   */
  connectionBytes?: number
  /**
   * Bytes held at once for one remote peer, over all its connections.
   * @default DEFAULT_STREAM_PEER_BUDGET_BYTES (64 MiB)
   */
  peerBytes?: number
}

/** Where a stream's bytes are accounted: its connection id and remote peer id. */
export interface BudgetScope {
  readonly connection: string
  readonly peer: string
}

/** Bytes held per connection and per peer; entries are dropped when they reach zero. */
export class StreamBudget {
  readonly connectionBytes: number
  readonly peerBytes: number
  private readonly connections = new Map<string, number>()
  private readonly peers = new Map<string, number>()

  constructor (init: StreamBudgetInit = {}) {
    this.connectionBytes = positive('connectionBytes', init.connectionBytes ?? DEFAULT_STREAM_CONNECTION_BUDGET_BYTES)
    this.peerBytes = positive('peerBytes', init.peerBytes ?? DEFAULT_STREAM_PEER_BUDGET_BYTES)
  }

  /** Bytes held now for a connection id. */
  heldByConnection (id: string): number {
    return this.connections.get(id) ?? 0
  }

  /** Bytes held now for a peer id. */
  heldByPeer (id: string): number {
    return this.peers.get(id) ?? 0
  }

  /** Reserves `bytes` in both scopes, or reserves nothing and returns the error naming the scope that would go over. */
  reserve (scope: BudgetScope, bytes: number): BufferBudgetError | undefined {
    const c = this.heldByConnection(scope.connection) + bytes
    if (c > this.connectionBytes) return new BufferBudgetError('connection', scope.connection, this.connectionBytes, c)
    const p = this.heldByPeer(scope.peer) + bytes
    if (p > this.peerBytes) return new BufferBudgetError('peer', scope.peer, this.peerBytes, p)
    this.connections.set(scope.connection, c)
    this.peers.set(scope.peer, p)
    return undefined
  }

  /** Releases bytes reserved earlier. */
  release (scope: BudgetScope, bytes: number): void {
    drop(this.connections, scope.connection, bytes)
    drop(this.peers, scope.peer, bytes)
  }
}

function drop (map: Map<string, number>, key: string, bytes: number): void {
  const left = (map.get(key) ?? 0) - bytes
  if (left > 0) map.set(key, left)
  else map.delete(key)
}

function positive (option: string, value: number): number {
  if (Number.isSafeInteger(value) && value > 0) return value
  throw new InvalidConfigError(option, `a positive integer, got ${String(value)}`)
}

/** A budget of its own (e.g. per node, or with other limits). */
export function createStreamBudget (init?: StreamBudgetInit): StreamBudget {
  return new StreamBudget(init)
}

/**
 * The budget of streams given none: one per process, so every wireseal stream
 * of a connection shares it whichever handler opened it.
 */
export const defaultStreamBudget: StreamBudget = new StreamBudget()
