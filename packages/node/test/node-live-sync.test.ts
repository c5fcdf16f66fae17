/**
 * Live sync at a high block rate (README "Block sync"): once a node has
 * caught up with a peer, live gossip keeps it current, and the peer's
 * announcements only move its cursor. Three producers every 10 ms and a
 * PeerInfo every second make 300 blocks between two announcements, more
 * than the old margin-based check let through: every announcement then
 * refetched the whole gap, blocks the node already had by gossip.
 *
 * @module
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { hearsEveryone } from '../dist/devnet.js'
import { metricSum, metrics, startTestDevnet, status, waitFor, type TestDevnet } from './node-fixtures.js'

/** Blocks fetched by sync (duplicates included): `p2p_messages_total{direction="in",protocol="sync"}`. */
async function syncedIn (m: { url: string | undefined }): Promise<number> {
  return metricSum(await metrics(m), 'p2p_messages_total', { direction: 'in', protocol: 'sync' })
}

/** PeerInfos node `m` has received from each other node. */
async function peerInfos (m: { url: string | undefined }): Promise<number[]> {
  return Object.values((await status(m)).peerInfosReceivedFrom)
}

describe('live sync at 300 blocks/s', { timeout: 60_000 }, () => {
  let net: TestDevnet
  before(async () => {
    net = await startTestDevnet(3, {
      P2P_BLOCK_INTERVAL: '10ms',
      P2P_PEERINFO_INTERVAL: '1s',
      // per-peer gossip limits above the offered load: a rate-limited block is lost gossip, which a sync then fetches
      P2P_RATE_GOSSIP_MSGS: '100000',
      P2P_RATE_GOSSIP_BYTES: '1GiB'
    })
  })
  after(async () => { await net?.close() })

  it('announcements of live peers fetch nothing once every node has caught up', async () => {
    const { devnet } = net
    const members = devnet.members
    await waitFor(async () => {
      await devnet.refresh()
      return members.every((m) => hearsEveryone(m, members) && (m.status?.peers ?? 0) === members.length - 1)
    }, 'a full mesh where every node hears every other node', 30_000, 250)
    // the first contact with each peer fetches its whole log (the last pair meets a few seconds in, by peer
    // exchange): wait for a quiet spell of two announcements from every peer, then watch three more
    const announced = async (n: number): Promise<void> => {
      const from = await Promise.all(members.map(peerInfos))
      await waitFor(async () => {
        const now = await Promise.all(members.map(peerInfos))
        return now.every((counts, i) => counts.every((c, j) => c >= (from[i]?.[j] ?? 0) + n))
      }, `${n} more announcements from every peer`, 20_000, 250)
    }
    const deadline = Date.now() + 40_000
    let before = await Promise.all(members.map(syncedIn))
    for (;;) {
      await announced(2)
      const now = await Promise.all(members.map(syncedIn))
      if (now.every((n, i) => n === before[i])) break
      assert.ok(Date.now() < deadline, `sync fetches never stopped: ${JSON.stringify(now)} blocks fetched per node`)
      before = now
    }
    await announced(3)
    const after = await Promise.all(members.map(syncedIn))
    for (const [i, m] of members.entries()) {
      const s = await status(m)
      assert.equal(s.queueDropped, 0, `node ${i} dropped blocks`)
      assert.deepEqual(s.rejected, {}, `node ${i} refused gossip`)
      assert.equal(after[i], before[i], `node ${i} fetched ${(after[i] ?? 0) - (before[i] ?? 0)} blocks by sync over three announcements of live peers (height ${s.height})`)
    }
  })
})
