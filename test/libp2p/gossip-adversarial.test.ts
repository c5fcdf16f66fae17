/**
 * A malicious node on real libp2p nodes: plain gossipsub (StrictNoSign, no
 * wireseal transform or validator) publishing raw bytes that bypass the
 * codec: forged signatures, tampered payloads, cross-topic copies, a wrong
 * message type under a valid signature, oversized frames, garbage and
 * replays. The three honest wireseal nodes reject them (replays are ignored),
 * the attacker's gossipsub score on every honest node falls below 0, honest
 * peers keep a non-negative score, and honest delivery goes on, exactly once.
 */
import '../../src/libp2p/polyfill.js'
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createLimits } from '../../src/limits.js'
import type { GossipMessage } from '../../src/libp2p/gossip.js'
import { waitFor, type GossipNode } from './fixtures.js'
import {
  PeerInfoType, codecFor, envelopeOffsets, flipByte, makeBlock, makePeerInfo, noise, scoreOf, sleep, startGossipNet
} from './gossip-fixtures.js'

const HONEST = 3
const LIMITS = createLimits({ maxPayloadBytes: 32 * 1024 })
/** Short seen-cache so that a replay of a delivered envelope reaches the validators within the test. */
const SEEN_TTL_MS = 500
const HEARTBEAT_MS = 250

describe('gossip under attack', () => {
  it('rejects a malicious node\'s forged, cross-topic, wrong-type, oversized and garbage messages, ignores its replays, and scores it below 0', { timeout: 60_000 }, async (t) => {
    const net = await startGossipNet({
      honest: HONEST,
      plain: 1,
      limits: LIMITS,
      gossip: {
        // Thresholds far below gossipsub's defaults: with the defaults the attacker is graylisted
        // after ~3 invalid messages and its later RPCs are dropped unread, so which attack kinds
        // reach the validators would depend on timing. Here every one of them must be judged.
        scoreThresholds: { gossipThreshold: -1e7, publishThreshold: -2e7, graylistThreshold: -3e7 }
      },
      gossipsub: { seenTTL: SEEN_TTL_MS, heartbeatInterval: HEARTBEAT_MS }
    })
    try {
      const honest = net.nodes.slice(0, HONEST)
      const mallory = net.nodes[HONEST] as GossipNode
      const malloryPs = mallory.services.pubsub
      const delivered = honest.map(() => new Map<string, number>())
      for (let n = 0; n < HONEST; n++) {
        const count = (m: GossipMessage): void => {
          const key = `${m.topic}/${m.from}/${m.seq}`
          delivered[n]?.set(key, (delivered[n]?.get(key) ?? 0) + 1)
        }
        net.gossips[n]?.onMessage('blocks', count)
        net.gossips[n]?.onMessage('peers', count)
      }
      const totalDelivered = (n: number): number => [...(delivered[n]?.values() ?? [])].reduce((a, b) => a + b, 0)
      await waitFor(() => ['blocks', 'peers'].every((t) => malloryPs.getSubscribers(t).length === HONEST), 'mallory sees the honest subscriptions')

      // 1. honest traffic; the attacker keeps copies of genuine envelopes (it can read the wire)
      const genuineBlocks: Uint8Array[] = []
      for (let i = 0; i < 10; i++) {
        for (let n = 0; n < HONEST; n++) {
          const g = net.gossips[n]
          assert.ok(g !== undefined)
          const bytes = g.seal('blocks', makeBlock(n * 1000 + i, 1024))
          if (n === 0) genuineBlocks.push(bytes)
          await (honest[n] as GossipNode).services.pubsub.publish('blocks', bytes)
          await g.publish('peers', makePeerInfo(n * 1000 + i))
        }
      }
      const perNode = 10 * 2 * (HONEST - 1)
      await waitFor(() => honest.every((_, n) => totalDelivered(n) === perNode), 'warm-up delivered')

      // 2. replay a delivered envelope once the honest seen-caches forgot it: ignored, not delivered, no penalty
      await sleep(SEEN_TTL_MS + 3 * HEARTBEAT_MS)
      const replayed = genuineBlocks[0] as Uint8Array
      await malloryPs.publish('blocks', replayed)
      await waitFor(() => [1, 2].every((n) => (net.gossips[n]?.stats().ignored.replayed ?? 0) >= 1) &&
        (net.gossips[0]?.stats().ownMessages ?? 0) >= 1, 'replay ignored')
      for (let n = 0; n < HONEST; n++) {
        assert.equal(totalDelivered(n), perNode, `node ${n}: the replay was not delivered`)
        assert.ok(scoreOf((honest[n] as GossipNode).services.pubsub, mallory.peerId) >= 0, `node ${n}: ignoring costs the sender nothing`)
      }

      // 3. the attacks, each twice with distinct bytes. Tampered copies are made of envelopes node 0
      // sealed but has not published yet: a relay racing tampered copies ahead of a genuine message.
      // (A tampered copy of an envelope the receiver already accepted is refused as `replayed` by the
      // codec's replay pre-check, before any signature work, and so only ignored: see the report.)
      const unpublished = [0, 1].map((k) => (net.gossips[0] as NonNullable<typeof net.gossips[0]>).seal('blocks', makeBlock(900 + k, 1024)))
      const malloryCodec = await codecFor(66, { limits: LIMITS })
      const attacks: Array<[topic: string, bytes: Uint8Array]> = []
      for (let k = 0; k < 2; k++) {
        const genuine = unpublished[k] as Uint8Array
        const off = envelopeOffsets(genuine, LIMITS)
        attacks.push(['blocks', flipByte(genuine, off.signature + 7 + k)]) // invalid-signature
        attacks.push(['blocks', flipByte(genuine, off.payload + off.payloadLength - 1 - k)]) // digest-mismatch
        attacks.push(['peers', genuineBlocks[3 + k] as Uint8Array]) // wrong-channel: signed for blocks
        attacks.push(['blocks', malloryCodec.seal(PeerInfoType, makePeerInfo(k), { channel: 'blocks' })]) // wrong-type, valid signature
        attacks.push(['blocks', noise(LIMITS.maxFrameBytes + 100 + k, 11 + k)]) // oversized frame
        attacks.push(['peers', noise(200 + k, 21 + k)]) // garbage
      }
      for (const [topic, bytes] of attacks) await malloryPs.publish(topic, bytes)

      const judged = (n: number): boolean => {
        const s = net.gossips[n]?.stats()
        if (s === undefined) return false
        return s.rejected['invalid-signature'] >= 2 && s.rejected['digest-mismatch'] >= 2 && s.rejected['wrong-channel'] >= 2 &&
          s.rejected['wrong-type'] >= 2 && s.refusedFrames['too-large'] >= 2 && s.refusedFrames.malformed >= 2
      }
      await waitFor(() => honest.every((_, n) => judged(n)), 'every attack judged by every honest node')
        .catch((err: unknown) => { throw new assert.AssertionError({ message: `${String(err)}: ${JSON.stringify(net.gossips.map((g) => g.stats()))}` }) })
      await waitFor(() => honest.every((node) => scoreOf(node.services.pubsub, mallory.peerId) < 0), 'attacker score below 0 on every honest node')
      t.diagnostic(`attacker score on honest nodes: ${honest.map((node) => scoreOf(node.services.pubsub, mallory.peerId).toFixed(1)).join(', ')}`)
      for (let n = 0; n < HONEST; n++) {
        const ps = (honest[n] as GossipNode).services.pubsub
        for (let m = 0; m < HONEST; m++) {
          if (m !== n) assert.ok(scoreOf(ps, (honest[m] as GossipNode).peerId) >= 0, `node ${n} scores honest node ${m} >= 0`)
        }
        assert.equal(totalDelivered(n), perNode, `node ${n}: no attack message was delivered`)
      }

      // 4. honest delivery goes on, exactly once, including the genuine envelopes the attacker tampered with
      // (their tampered copies had other message ids and committed no replay state)
      for (const bytes of unpublished) await (honest[0] as GossipNode).services.pubsub.publish('blocks', bytes)
      for (let i = 0; i < 10; i++) {
        for (let n = 0; n < HONEST; n++) await net.gossips[n]?.publish('blocks', makeBlock(n * 1000 + 500 + i, 512))
      }
      const after = (n: number): number => perNode + 10 * (HONEST - 1) + (n === 0 ? 0 : unpublished.length)
      await waitFor(() => honest.every((_, n) => totalDelivered(n) >= after(n)), 'honest delivery after the attack')
      await sleep(2 * HEARTBEAT_MS)
      for (let n = 0; n < HONEST; n++) {
        assert.equal(totalDelivered(n), after(n), `node ${n}: delivered count`)
        assert.ok([...(delivered[n]?.values() ?? [])].every((c) => c === 1), `node ${n}: every value exactly once`)
        assert.equal(net.gossips[n]?.stats().handlerErrors, 0)
      }
    } finally {
      await net.stop()
    }
  })
})
