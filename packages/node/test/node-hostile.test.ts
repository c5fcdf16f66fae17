/**
 * Hostile peers (issue 10) against node 1 of a 3-process devnet. Each is an
 * in-test libp2p peer with its own key on the node's network and topics
 * (TestPeer: the root's libp2p stack plus wireseal's gossip options and
 * stream codec) and runs one attack, reconnecting while it still can:
 *   flood:        valid gossip blocks far above the per-peer rate limit;
 *   forge-gossip: valid envelope bytes with one signature byte flipped, on gossip;
 *   forge-sync:   the same forgery as a BlocksByRange request;
 *   sync-million: BlocksByRange {start: 1, count: 1_000_000}.
 * Each must end banned: node 1 logs the ban, `/status` bans and
 * `p2p_blacklist_total` count it, its connection is closed, a new dial is
 * refused, and all of that survives a restart of node 1. A fifth peer replays
 * envelopes node 1 accepted: refused, never stored twice. Meanwhile the
 * honest nodes keep exchanging blocks and never ban each other.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { hearsEveryone } from '../dist/devnet.js'
import { MAX_SYNC_REQUEST_BLOCKS, SyncCode } from '../src/protocol.js'
import {
  BLOCK_TOPIC, TestPeer, flipSignatureByte, historicalCodec, logProblems, metrics, metricSum, readStoredLog, received, sleep,
  startTestDevnet, status, waitFor, withTimeout, type TestDevnet
} from './node-fixtures.js'

type Attack = 'flood' | 'forge-gossip' | 'forge-sync' | 'sync-million'

/** Attack rounds at most before the peer must be banned (each round reconnects if it was disconnected). */
const MAX_ROUNDS = 8

/** `peer banned` records of a node's log: peer id -> reason. */
async function bansLogged (dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const line of (await readFile(join(dir, 'node.log'), 'utf8')).split('\n')) {
    if (!line.includes('"peer banned"')) continue
    try {
      const rec = JSON.parse(line) as { msg?: string, peer?: string, reason?: string }
      if (rec.msg === 'peer banned' && typeof rec.peer === 'string') out.set(rec.peer, String(rec.reason))
    } catch { /* not JSON */ }
  }
  return out
}

/** True when a dial from `peer` to `addr` is refused, or the connection it gets is closed within a second. */
async function dialRefused (peer: TestPeer, addr: string, target: string): Promise<boolean> {
  try {
    await peer.dial(addr)
  } catch {
    return true
  }
  try {
    await waitFor(() => peer.connections(target) === 0, 'connection closed', 1_000, 20)
    return true
  } catch {
    return false
  }
}

describe('hostile peers against one honest node', { timeout: 58_000 }, () => {
  let net: TestDevnet
  const peers: TestPeer[] = []
  before(async () => { net = await startTestDevnet(3) })
  after(async () => {
    await Promise.all(peers.map(async (p) => { await p.stop() }))
    await net?.close()
  })

  it('floods, forgeries, replays and a million-block sync request: banned, disconnected, refused after a restart; honest traffic goes on', async (t) => {
    const { devnet } = net
    const [n0, n1, n2] = devnet.members
    assert.ok(n0 !== undefined && n1 !== undefined && n2 !== undefined)
    await waitFor(async () => { await devnet.refresh(); return devnet.members.every((m) => hearsEveryone(m, devnet.members)) }, 'everyone hears everyone', 15_000, 300)
    const target = n1.peerId as string
    const addr = (): string => n1.addrs[0] as string
    const honestBefore = await Promise.all(devnet.members.map(async (m) => received(await status(m))))

    // a capturing peer on node 1 records envelopes it relays (accepted by node 1) for the replay later
    const capturer = await TestPeer.start()
    peers.push(capturer)
    await capturer.dial(addr())
    await capturer.subscribedBy(target)

    const attackers = new Map<Attack, TestPeer>()
    const rounds = new Map<Attack, number>()
    const outcomes: string[] = []
    for (const attack of ['flood', 'forge-gossip', 'forge-sync', 'sync-million'] as Attack[]) {
      const h = await TestPeer.start()
      peers.push(h)
      attackers.set(attack, h)
      let round = 0
      for (; round < MAX_ROUNDS; round++) {
        if ((await bansLogged(n1.dir)).has(h.id)) break
        if (h.connections(target) === 0) {
          try { await h.dial(addr()) } catch { break }
        }
        if (attack === 'flood') {
          await h.subscribedBy(target, 5_000).catch(() => {})
          // 300 distinct valid blocks at once: 3x the burst, 6x the per-second rate
          const sends = await Promise.all(Array.from({ length: 300 }, async () => await h.publishRaw(h.sealBlock())))
          if (round === 0) assert.ok(sends.filter((n) => n > 0).length > 0, 'the flood reached node 1')
        } else if (attack === 'forge-gossip') {
          await h.subscribedBy(target, 5_000).catch(() => {})
          for (let i = 0; i < 10; i++) await h.publishRaw(flipSignatureByte(h.sealBlock()))
        } else if (attack === 'forge-sync') {
          const r = await h.syncRequest(target, 1n, 4, flipSignatureByte(h.sealSyncRequest(1n, 4)))
          if (round === 0) {
            assert.equal(r.kind, 'error', 'a forged request gets no answer')
            outcomes.push(`forge-sync: ${r.kind === 'error' ? r.error.message.slice(0, 80) : 'answered'}`)
          }
        } else {
          const r = await h.syncRequest(target, 1n, 1_000_000)
          if (round === 0) {
            // refused as an invalid request (Ethereum's response code 1), nothing served
            assert.equal(r.kind, 'status', r.kind === 'error' ? r.error.message : '')
            if (r.kind === 'status') {
              assert.equal(r.status.code, SyncCode.invalidRequest)
              assert.equal(r.blocks, 0)
            }
            // a request within the limit is served: the refusal is about the count
            const ok = await h.syncRequest(target, 1n, MAX_SYNC_REQUEST_BLOCKS)
            outcomes.push(`sync-million: ${r.kind === 'status' ? `code ${r.status.code}` : 'error'}; a ${MAX_SYNC_REQUEST_BLOCKS}-block request then: ${ok.kind === 'status' ? `code ${ok.status.code}, ${ok.blocks} blocks` : ok.error.message}`)
          }
        }
        await sleep(500)
      }
      rounds.set(attack, round)
      await waitFor(async () => (await bansLogged(n1.dir)).has(h.id), `${attack}: node 1 bans the attacker (${round} rounds)`, 5_000)
      await waitFor(() => h.connections(target) === 0, `${attack}: the banned attacker's connection is closed`, 5_000, 50)
      assert.ok(await dialRefused(h, addr(), target), `${attack}: the banned attacker cannot reconnect`)
    }
    const banned = await bansLogged(n1.dir)
    t.diagnostic(`bans: ${[...attackers].map(([a, h]) => `${a} -> ${banned.get(h.id) ?? '?'} after ${rounds.get(a) ?? '?'} round(s)`).join('; ')}`)
    for (const o of outcomes) t.diagnostic(o)
    // each ban for the fault the attack commits
    const expected: Record<Attack, readonly string[]> = {
      flood: ['rate-limited'],
      'forge-gossip': ['invalid-signature'],
      'forge-sync': ['invalid-signature', 'malformed'],
      'sync-million': ['sync-abuse']
    }
    for (const [attack, h] of attackers) assert.ok(expected[attack].includes(banned.get(h.id) ?? ''), `${attack}: banned for ${banned.get(h.id) ?? '?'}`)
    const s1 = await status(n1)
    assert.ok(s1.bans >= attackers.size, `/status bans ${s1.bans}`)
    const m1 = await metrics(n1)
    assert.ok(metricSum(m1, 'p2p_blacklist_total') >= attackers.size, `p2p_blacklist_total ${metricSum(m1, 'p2p_blacklist_total')}`)
    assert.ok(metricSum(m1, 'p2p_rejected_total') > 0)
    t.diagnostic(`node 1 refused: ${JSON.stringify(s1.rejected)}`)

    // replays of envelopes node 1 accepted: within the seen-cache TTL gossipsub drops them as duplicates
    const codec = historicalCodec()
    const accepted = capturer.captured.filter((e) => {
      const o = codec.open(e, { channel: BLOCK_TOPIC })
      return o.ok && (o.from === n0.peerId || o.from === n2.peerId)
    }).slice(0, 10)
    assert.equal(accepted.length, 10, 'captured 10 envelopes node 1 relayed')
    const replayer = await TestPeer.start()
    peers.push(replayer)
    await replayer.dial(addr())
    await replayer.subscribedBy(target)
    for (const e of accepted) await replayer.publishRaw(e)

    // honest traffic went on through all of it, and no honest node banned another
    await waitFor(async () => {
      const now = await Promise.all(devnet.members.map(async (m) => received(await status(m))))
      return now.every((n, i) => n > (honestBefore[i] as number) + 10)
    }, 'every honest node keeps receiving blocks', 10_000)
    const honestIds = new Set(devnet.members.map((m) => m.peerId))
    for (const m of devnet.members) {
      const wrong = [...(await bansLogged(m.dir))].filter(([id]) => honestIds.has(id))
      assert.deepEqual(wrong, [], `node ${m.index} banned an honest node`)
    }

    // restart node 1: the bans are persisted; the replays are refused by the replay guard (fresh seen cache)
    assert.equal(await devnet.kill(1, 'SIGTERM'), 0)
    const log1 = await readStoredLog(n1.dir)
    assert.deepEqual(logProblems(log1), [], 'node 1\'s block log is consistent')
    await withTimeout(devnet.restart(1), 'restart node 1', 15_000)
    assert.equal(n1.peerId, target)
    const s1b = await status(n1)
    assert.ok(s1b.bans >= attackers.size, `bans after the restart: ${s1b.bans}`)
    for (const [attack, h] of attackers) assert.ok(await dialRefused(h, addr(), target), `${attack}: still refused after node 1 restarted`)

    const replayer2 = await TestPeer.start()
    peers.push(replayer2)
    await replayer2.dial(addr())
    await replayer2.subscribedBy(target)
    for (const e of accepted) await replayer2.publishRaw(e)
    await waitFor(async () => ((await status(n1)).rejected.replayed ?? 0) >= accepted.length, 'node 1 refuses the replays as replayed after its restart', 5_000)

    // and node 1 is back with the honest nodes
    const back = received(await status(n1))
    await waitFor(async () => received(await status(n1)) > back + 5, 'node 1 receives blocks again after its restart', 10_000)
  })
})
