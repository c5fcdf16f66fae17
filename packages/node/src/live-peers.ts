/**
 * Which peers live gossip keeps this node current with (README "Block
 * sync"): a peer whose log the node caught up on since it started, and to
 * which it stayed connected. An announcement from such a peer only moves its
 * sync cursor, unless the node lost block gossip since it was last current
 * with the peer (a block dropped on a full queue, rate-limited, or refused):
 * then the blocks since the cursor are fetched.
 *
 * The size of the gap between two announcements says nothing about losses
 * (three producers every 20 ms make 1,500 blocks between announcements 10 s
 * apart), so losses are counted where they happen.
 *
 * @module
 */

/** The live peers of one node. */
export class LivePeers {
  /** Each live peer, with the loss count when the node was last current with it. */
  private readonly peers = new Map<string, number>()
  private lostCount = 0

  /** Counts a block gossip message this node did not store. */
  lost (): void { this.lostCount++ }

  /** The loss count now: pass it to {@link caughtUp} once a sync that started now ends. */
  get mark (): number { return this.lostCount }

  /** True when `peer` is live and nothing was lost since the node was last current with it. */
  isCurrent (peer: string): boolean { return this.peers.get(peer) === this.lostCount }

  /** `peer`'s log is caught up on, up to what gossip lost after `mark`. */
  caughtUp (peer: string, mark: number): void { this.peers.set(peer, mark) }

  /** `peer` disconnected: gossip from it may be lost until the next contact syncs from the cursor. */
  forget (peer: string): void { this.peers.delete(peer) }
}
