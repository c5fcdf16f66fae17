/**
 * Fixtures of the gossip tests: honest wireseal nodes on real libp2p nodes
 * (through ./fixtures.ts), deterministic values, and small attacker tools.
 *
 * @module
 */
import '../../src/libp2p/polyfill.js'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { GossipSub, GossipsubOpts } from '@libp2p/gossipsub'
import { createCodec, type Codec, type CodecInit } from '../../src/codec/index.js'
import { DEFAULT_LIMITS, type WireLimits } from '../../src/limits.js'
import { BlockType, PeerInfoType, createSerializerRegistry, type Block, type PeerInfo } from '../../src/serialize/index.js'
import { wiresealGossip, type WiresealGossip, type WiresealGossipInit } from '../../src/libp2p/gossip.js'
import { parseEnvelope } from '../../src/envelope/envelope.js'
import { startNodes, stopNodes, waitFor, type GossipNode } from './fixtures.js'

export { BlockType, PeerInfoType }
export type { Block, PeerInfo }

/** The topics of every gossip test. */
export const TOPICS = Object.freeze({
  blocks: { type: BlockType },
  peers: { type: PeerInfoType }
})

/** Topic config type of {@link TOPICS}. */
export type TestTopics = typeof TOPICS

/** One serializer registry for the tests (every built-in). */
export const registry = createSerializerRegistry()

/** A codec with the test registry and the key seeded by `seed`. */
export async function codecFor (seed: number, init: Partial<CodecInit> = {}): Promise<Codec> {
  const privateKey = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(seed))
  return createCodec({ serializers: registry, privateKey, ...init })
}

/** A Block whose `ttl` carries `i` (so a test can tell values apart) and `dataBytes` of text-like data. */
export function makeBlock (i: number, dataBytes = 2048): Block {
  const text = new TextEncoder().encode(`{"tx":${i},"from":"0xabc","to":"0xdef","value":"1000000000000000000"},`)
  const data = new Uint8Array(dataBytes)
  for (let o = 0; o < dataBytes; o++) data[o] = text[o % text.length] as number
  const hash = new Uint8Array(32)
  for (let o = 0; o < 32; o++) hash[o] = (i * 31 + o) & 0xff
  return { hash, data, timestamp: 1_700_000_000_000n + BigInt(i), ttl: i, version: 1, signature: hash.slice().reverse() }
}

/** A PeerInfo whose metadata `i` carries `i`. */
export function makePeerInfo (i: number): PeerInfo {
  return {
    peerId: Uint8Array.from({ length: 38 }, (_, o) => (i + o) & 0xff),
    multiaddrs: [Uint8Array.from([4, 127, 0, 0, 1, 6, 0x0f, 0xa1]), Uint8Array.from([4, 10, 0, (i >> 8) & 0xff, i & 0xff, 6, 0x10, 0x00])],
    metadata: { agent: 'wireseal-test', i: String(i) }
  }
}

/** Score of `peer` as seen by `pubsub` (gossipsub's `getScore`, not on the public interface). */
export function scoreOf (pubsub: GossipSub, peer: { toString(): string }): number {
  return (pubsub as unknown as { getScore(id: string): number }).getScore(peer.toString())
}

/** Nodes started by {@link startGossipNet}, plus any extra plain ones. */
export interface GossipNet {
  nodes: GossipNode[]
  /** One per honest node (index < honest). */
  gossips: Array<WiresealGossip<TestTopics>>
  codecs: Codec[]
  stop(): Promise<void>
}

/** Options of {@link startGossipNet}. */
export interface GossipNetInit {
  /** Honest wireseal nodes. */
  honest: number
  /** Extra nodes with plain gossipsub (StrictNoSign, no transform): attackers. @default 0 */
  plain?: number
  /** Limits of every honest codec. @default DEFAULT_LIMITS */
  limits?: WireLimits
  /** Extra wiresealGossip options of honest nodes. */
  gossip?: Partial<WiresealGossipInit<TestTopics>>
  /** Extra gossipsub options of honest nodes (spread after wireseal's). */
  gossipsub?: Partial<GossipsubOpts>
  /** Extra gossipsub options of the plain nodes. */
  plainGossipsub?: Partial<GossipsubOpts>
}

/**
 * Starts `honest + plain` nodes fully connected on 127.0.0.1, attaches a
 * wiresealGossip to each honest node, subscribes the plain ones to nothing,
 * and waits until every honest node knows every other honest node's topics.
 */
export async function startGossipNet (init: GossipNetInit): Promise<GossipNet> {
  const limits = init.limits ?? DEFAULT_LIMITS
  const codecs: Codec[] = []
  const gossips: Array<WiresealGossip<TestTopics>> = []
  for (let i = 0; i < init.honest; i++) {
    const codec = await codecFor(i + 1, { limits })
    codecs.push(codec)
    gossips.push(wiresealGossip({ codec, topics: TOPICS, ...init.gossip }))
  }
  const nodes = await startNodes(init.honest + (init.plain ?? 0), {
    connect: 'full',
    gossipsub: (i) => i < init.honest
      ? { ...(gossips[i] as WiresealGossip<TestTopics>).gossipsubOptions, emitSelf: false, ...init.gossipsub }
      : { globalSignaturePolicy: 'StrictNoSign', emitSelf: false, allowPublishToZeroTopicPeers: true, ignoreDuplicatePublishError: true, ...init.plainGossipsub }
  })
  const stop = async (): Promise<void> => {
    for (const g of gossips) g.detach()
    await stopNodes(nodes)
  }
  try {
    for (let i = 0; i < init.honest; i++) (gossips[i] as WiresealGossip<TestTopics>).attach(nodes[i] as GossipNode)
    await waitFor(() => nodes.slice(0, init.honest).every((node, i) =>
      Object.keys(TOPICS).every((topic) => {
        const subs = new Set(node.services.pubsub.getSubscribers(topic).map(String))
        return nodes.slice(0, init.honest).every((other, j) => j === i || subs.has(other.peerId.toString()))
      })), 'subscriptions known to every honest node')
  } catch (err) {
    await stop()
    throw err
  }
  return { nodes, gossips, codecs, stop }
}

/** Copy of `bytes` with byte `pos` XORed with `mask`. */
export function flipByte (bytes: Uint8Array, pos: number, mask = 1): Uint8Array {
  const out = bytes.slice()
  out[pos] = (out[pos] as number) ^ mask
  return out
}

/** Offsets of an envelope's signature and payload inside its bytes (the attacker's view). */
export function envelopeOffsets (bytes: Uint8Array, limits: WireLimits = DEFAULT_LIMITS): { signature: number, payload: number, payloadLength: number } {
  const env = parseEnvelope(bytes, limits)
  return { signature: env.signature.byteOffset - bytes.byteOffset, payload: env.payload.byteOffset - bytes.byteOffset, payloadLength: env.payload.length }
}

/** Bytes from a seeded xorshift32: reproducible garbage (the codec tests' generator). */
export { noise } from '../codec/helpers.js'

/** Resolves after `ms`. */
export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}
