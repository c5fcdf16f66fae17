/**
 * Crash and restart (issue 10), on 3 node processes: node 2 is killed with
 * SIGKILL while the others keep producing, then restarted on the same data
 * dir. It must keep its identity, catch up every block the others stored
 * while it was down (their block logs, read from LevelDB once stopped, are a
 * subset of its own), store no block twice, and refuse old envelopes that a
 * third peer re-injects (the replay guard's state survived). A SIGTERM then
 * exits 0 within the bound, and the next start shows the same height and
 * identity and still refuses a replay of what it accepted before.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { hearsEveryone } from '../dist/devnet.js'
import {
  EXIT_BOUND_MS, TestPeer, historicalCodec, logProblems, readStoredLog, received, signersOf, sleep, startTestDevnet, status,
  waitFor, withTimeout, BLOCK_TOPIC, type NodeStatus, type StoredLog, type TestDevnet
} from './node-fixtures.js'

/** Refusals of the replay guard (the reasons an old envelope can get). */
function replayRefusals (s: NodeStatus): number {
  return (s.rejected.replayed ?? 0) + (s.rejected['out-of-window'] ?? 0) + (s.rejected['too-old'] ?? 0)
}

describe('kill -9 and restart of a node', { timeout: 58_000 }, () => {
  let net: TestDevnet
  const peers: TestPeer[] = []
  before(async () => { net = await startTestDevnet(3) })
  after(async () => {
    await Promise.all(peers.map(async (p) => { await p.stop() }))
    await net?.close()
  })

  it('keeps its identity, catches up what it missed, stores nothing twice, refuses replays, and stops cleanly', async (t) => {
    const { devnet } = net
    const [n0, n1, n2] = devnet.members
    assert.ok(n0 !== undefined && n1 !== undefined && n2 !== undefined)
    await waitFor(async () => { await devnet.refresh(); return devnet.members.every((m) => hearsEveryone(m, devnet.members)) }, 'everyone hears everyone', 15_000, 300)

    // a capturing peer on node 0 records envelopes node 2 accepts by gossip too
    const capturer = await TestPeer.start()
    peers.push(capturer)
    await capturer.dial(n0.addrs[0] as string)
    await capturer.subscribedBy(n0.peerId as string)
    const codec = historicalCodec()
    const fromOthers = (): Uint8Array[] => capturer.captured.filter((e) => {
      const o = codec.open(e, { channel: BLOCK_TOPIC })
      return o.ok && (o.from === n0.peerId || o.from === n1.peerId)
    })
    await waitFor(() => fromOthers().length >= 10, 'captured envelopes of nodes 0 and 1', 10_000)
    // the replay state is flushed at most 1 s after an accept: leave it that long
    await sleep(1_500)
    const preCrash = fromOthers().slice(0, 10)

    const id = n2.peerId
    const killedAt = [await status(n0), await status(n1)].map((s) => BigInt(s.height))
    assert.equal(await devnet.kill(2, 'SIGKILL'), null)
    assert.equal(n2.child?.signalCode, 'SIGKILL')
    await sleep(3_000)
    const restartAt = [await status(n0), await status(n1)].map((s) => BigInt(s.height))
    assert.ok(restartAt.every((h, i) => h > (killedAt[i] as bigint) + 5n), `the others produced while node 2 was down: ${killedAt} -> ${restartAt}`)
    const restartedAt = Date.now()
    await withTimeout(devnet.restart(2), 'restart node 2', 15_000)
    assert.equal(n2.peerId, id, 'same identity after the restart')

    // catch-up: node 2 syncs what it missed and hears everyone again
    const missed = Number(restartAt[0] as bigint - (killedAt[0] as bigint))
    let s2: NodeStatus
    try {
      s2 = await waitFor(async () => {
        const s = await status(n2)
        return s.blocksReceived.sync >= missed && s.peers >= 2 ? s : undefined
      }, `node 2 syncs the >= ${missed} blocks it missed`, 20_000, 500)
    } catch (err) {
      s2 = await status(n2)
      t.diagnostic(`node 2 after restart: ${JSON.stringify({ height: s2.height, peers: s2.peers, received: s2.blocksReceived, rejected: s2.rejected, bans: s2.bans })}`)
      throw err
    }
    t.diagnostic(`node 2 caught up: missed ~${missed}, ${JSON.stringify({ height: s2.height, received: s2.blocksReceived, rejected: s2.rejected })}`)
    assert.equal(s2.bans, 0, `node 2 banned an honest peer after its crash: ${JSON.stringify(s2.rejected)}`)
    // the catch-up is on record: blocks stored, timed from its first request to its last block stored
    const phase = s2.lastSync
    assert.ok(phase !== null && phase.blocks >= 1 && phase.blocks <= s2.blocksReceived.sync, `lastSync after the catch-up: ${JSON.stringify(phase)}`)
    assert.ok(phase.startedAtMs >= restartedAt && phase.finishedAtMs >= phase.startedAtMs, `lastSync times, restart at ${restartedAt}: ${JSON.stringify(phase)}`)
    for (const m of [n0, n1]) assert.equal((await status(m)).bans, 0, `node ${m.index} banned a peer`)

    // envelopes it accepted before the crash, re-injected by another peer, are refused by the replay guard
    const replayer = await TestPeer.start()
    peers.push(replayer)
    await replayer.dial(n2.addrs[0] as string)
    await replayer.subscribedBy(n2.peerId as string)
    const refusedBefore = replayRefusals(await status(n2))
    let sent = 0
    for (const e of preCrash) sent += await replayer.publishRaw(e) > 0 ? 1 : 0
    assert.equal(sent, preCrash.length, 'the replays went out to node 2')
    const s2r = await waitFor(async () => { const s = await status(n2); return replayRefusals(s) >= refusedBefore + sent ? s : undefined }, `node 2 refuses the ${sent} replayed envelopes`, 5_000)
    t.diagnostic(`replays after the crash: ${JSON.stringify(s2r.rejected)}`)

    // live gossip resumes once the guard's post-crash floor has passed, and node 2 is back in the block mesh
    // (refusals below its own floor must not have lowered its peers' scores)
    await waitFor(async () => (await status(n2)).blocksReceived.gossip > 0, 'node 2 accepts live gossip again', 20_000)
    // envelopes it accepts from now on are the ones replayed after the clean restart below
    const liveFrom = capturer.captured.length
    await sleep(2_000)
    const liveTo = capturer.captured.length
    const s2live = await status(n2)
    assert.ok(s2live.meshPeers.block >= 1, `node 2 is in nobody's block mesh after its restart: ${JSON.stringify(s2live.meshPeers)}`)

    // graceful stop of node 2: exit 0 within the bound, state on disk
    const t0 = Date.now()
    assert.equal(await devnet.kill(2, 'SIGTERM'), 0)
    assert.ok(Date.now() - t0 < EXIT_BOUND_MS, `SIGTERM exit took ${Date.now() - t0} ms`)
    const log2 = await readStoredLog(n2.dir)
    assert.deepEqual(logProblems(log2), [], 'node 2\'s block log is consistent (no block twice, index exact)')

    // every block the others had by the restart is in node 2's log (produced while it was down or before)
    assert.equal(await devnet.kill(0, 'SIGTERM'), 0)
    assert.equal(await devnet.kill(1, 'SIGTERM'), 0)
    const has2 = new Set(log2.hashAt.values())
    const missing: string[] = []
    for (const [m, log, upTo] of [[n0, await readStoredLog(n0.dir), restartAt[0]], [n1, await readStoredLog(n1.dir), restartAt[1]]] as Array<[typeof n0, StoredLog, bigint]>) {
      assert.deepEqual(logProblems(log), [], `node ${m.index}'s block log is consistent`)
      for (const [h, hash] of log.hashAt) if (h <= upTo && !has2.has(hash)) missing.push(`node ${m.index} height ${h}`)
    }
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} blocks the others had are missing at node 2`)
    const signers = signersOf(log2)
    assert.ok([...signers.values()].filter((s) => s === n0.peerId).length > 0 && [...signers.values()].filter((s) => s === n1.peerId).length > 0)

    // restart after a clean stop: same identity, same height; a replay of what it accepted is refused as replayed
    await withTimeout(devnet.restart(2), 'restart node 2 alone', 15_000)
    assert.equal(n2.peerId, id)
    const s2b = await status(n2)
    assert.equal(s2b.height, log2.metaHeight.toString(), 'the height survived the clean restart')
    const live = new Set(capturer.captured.slice(liveFrom, liveTo))
    const accepted = fromOthers().filter((e) => live.has(e)).slice(0, 5)
    assert.equal(accepted.length, 5)
    const replayer2 = await TestPeer.start()
    peers.push(replayer2)
    await replayer2.dial(n2.addrs[0] as string)
    await replayer2.subscribedBy(n2.peerId as string)
    for (const e of accepted) await replayer2.publishRaw(e)
    const s2c = await waitFor(async () => {
      const s = await status(n2)
      return (s.rejected.replayed ?? 0) >= accepted.length ? s : undefined
    }, 'replays refused as replayed after the clean restart (the windows were restored)', 5_000)
    assert.equal(s2c.blocksReceived.gossip, 0, 'no replayed envelope was accepted')
    assert.equal(received(s2c), 0)
  })
})
