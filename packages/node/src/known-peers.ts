/**
 * Peers this node has talked to, persisted so it redials them after a
 * restart: peer id -> its multiaddrs and when it was last seen. Bounded: the
 * least recently seen are dropped beyond `maxPeers`.
 *
 * @module
 */
import type { ClassicLevel } from 'classic-level'

/** One remembered peer. */
export interface KnownPeer {
  readonly peerId: string
  readonly multiaddrs: readonly string[]
  readonly lastSeen: number
}

/** Default of the known-peers bound. */
export const DEFAULT_MAX_KNOWN_PEERS = 1000

/** Most multiaddrs remembered per peer. */
const MAX_ADDRS_PER_PEER = 16

interface Sub {
  get (key: string): Promise<KnownPeer | undefined>
  put (key: string, value: KnownPeer): Promise<void>
  del (key: string): Promise<void>
  iterator (): AsyncIterable<[string, KnownPeer]>
}

/** The persisted peer list. */
export class KnownPeers {
  private readonly peers = new Map<string, KnownPeer>()
  private constructor (private readonly sub: Sub, private readonly maxPeers: number) {}

  static async open (db: ClassicLevel<string, string>, maxPeers = DEFAULT_MAX_KNOWN_PEERS): Promise<KnownPeers> {
    const sub = db.sublevel<string, KnownPeer>('known-peers', { valueEncoding: 'json' }) as unknown as Sub
    const kp = new KnownPeers(sub, maxPeers)
    for await (const [k, v] of sub.iterator()) kp.peers.set(k, v)
    return kp
  }

  /** Most recently seen first. */
  list (): KnownPeer[] {
    return [...this.peers.values()].sort((a, b) => b.lastSeen - a.lastSeen)
  }

  async remember (peerId: string, multiaddrs: readonly string[], now = Date.now()): Promise<void> {
    const entry: KnownPeer = { peerId, multiaddrs: multiaddrs.slice(0, MAX_ADDRS_PER_PEER), lastSeen: now }
    this.peers.set(peerId, entry)
    await this.sub.put(peerId, entry)
    if (this.peers.size > this.maxPeers) {
      const oldest = this.list().at(-1)
      if (oldest !== undefined) await this.forget(oldest.peerId)
    }
  }

  async forget (peerId: string): Promise<void> {
    this.peers.delete(peerId)
    await this.sub.del(peerId)
  }
}
