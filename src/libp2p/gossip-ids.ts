/**
 * Gossipsub message ids for wireseal envelopes.
 *
 * `msgIdFn` (gossipsub v1.1 spec, "Message Identification"):
 * `SHA-256(uvarint(len(topic)) || topic || envelope)[0:20]`, the shape of
 * Ethereum's consensus gossip id (`SHA256(domain || len(topic) || topic ||
 * data)[:20]`). Envelope encoding is canonical (the strict parser refuses
 * reordered, repeated or unknown fields), so one signed message on one topic
 * has exactly one byte string and one id, on every node.
 *
 * Why the id covers every byte and the topic, not just the signed header:
 * gossipsub records an id as seen BEFORE the validator runs, and the seen
 * cache spans all topics. With a header-only id, any relay could race a copy
 * of a genuine header with a broken signature or payload ahead of the genuine
 * message; with a topic-less id, a copy of the genuine envelope on another
 * topic. Either copy is rejected, and makes the genuine message a "duplicate"
 * that is dropped unvalidated for the seen-cache TTL: censorship at no cost.
 *
 * `fastMsgIdFn` runs on the raw RPC message before any parsing or
 * verification, so duplicates (each message arrives from up to D mesh peers)
 * cost one hash. It computes that same SHA-256 (node:crypto runs at ~1.8 GB/s
 * with SHA-NI, a 2 KB message in about 1.5 µs, less than a non-cryptographic
 * hash written in JavaScript) and caches it for `msgIdFn`, so each unique
 * message is hashed once. A cryptographic fast id also means no one can craft
 * a colliding fast id to get a genuine message dropped as a duplicate.
 *
 * @module
 */
import './polyfill.js'
import type { RPC } from '@libp2p/gossipsub/message'
import type { Message } from '@libp2p/gossipsub'
import { sha256Concat } from '../integrity/sha256.js'
import { varintLength, writeVarint } from '../varint.js'

/** Length of a wireseal gossip message id (SHA-256 truncated like Ethereum's `MESSAGE_ID` of 20 bytes). */
export const GOSSIP_MSG_ID_BYTES = 20

/** The id functions to hand to gossipsub (see {@link createGossipMessageIds}). */
export interface GossipMessageIds {
  /** `fastMsgIdFn`: hex of the message id, computed on the raw RPC message. */
  fastMsgIdFn(msg: RPC.Message): string
  /** `msgIdFn`: the message id of the (transformed, identical) data on its topic. */
  msgIdFn(msg: Message): Uint8Array
}

const EMPTY = new Uint8Array(0)
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const textEncoder = new TextEncoder()

/** Lower-case hex of `bytes`. */
export function toHex (bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number] as string
  return out
}

/** `uvarint(len(topic)) || topic` (UTF-8). */
export function topicPrefix (topic: string): Uint8Array {
  const t = textEncoder.encode(topic)
  const out = new Uint8Array(varintLength(t.length) + t.length)
  out.set(t, writeVarint(out, 0, t.length))
  return out
}

/** The wireseal message id of envelope bytes on a topic: `SHA-256(uvarint(len(topic)) || topic || bytes)[0:20]`. */
export function gossipMessageId (topic: string, bytes: Uint8Array): Uint8Array {
  return sha256Concat(topicPrefix(topic), bytes).subarray(0, GOSSIP_MSG_ID_BYTES)
}

/** Topic prefixes kept encoded; the cache is cleared when it grows past this (topics come from the network). */
const MAX_CACHED_TOPICS = 1024

/**
 * Creates `fastMsgIdFn` / `msgIdFn` sharing one cache keyed by the data
 * buffer: gossipsub hands the same `Uint8Array` to the fast id, the inbound
 * transform (which returns it unchanged) and `msgIdFn`, so the SHA-256 is
 * computed once per received message. The cache is a `WeakMap`: an entry
 * lives as long as gossipsub holds the bytes.
 */
export function createGossipMessageIds (): GossipMessageIds {
  const cache = new WeakMap<Uint8Array, { topic: string, id: Uint8Array }>()
  const prefixes = new Map<string, Uint8Array>()
  const idOf = (topic: string, data: Uint8Array): Uint8Array => {
    const hit = cache.get(data)
    if (hit !== undefined && hit.topic === topic) return hit.id
    let prefix = prefixes.get(topic)
    if (prefix === undefined) {
      if (prefixes.size >= MAX_CACHED_TOPICS) prefixes.clear()
      prefix = topicPrefix(topic)
      prefixes.set(topic, prefix)
    }
    const id = sha256Concat(prefix, data).subarray(0, GOSSIP_MSG_ID_BYTES)
    cache.set(data, { topic, id })
    return id
  }
  return Object.freeze({
    fastMsgIdFn (msg: RPC.Message): string {
      return toHex(idOf(msg.topic, msg.data ?? EMPTY))
    },
    msgIdFn (msg: Message): Uint8Array {
      return idOf(msg.topic, msg.data)
    }
  })
}
