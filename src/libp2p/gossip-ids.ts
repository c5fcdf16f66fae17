/**
 * Gossipsub message ids for wireseal envelopes.
 *
 * `msgIdFn` (gossipsub v1.1 spec, "Message Identification"): the first
 * {@link GOSSIP_MSG_ID_BYTES} bytes of SHA-256 over the whole envelope, the
 * way Ethereum's consensus gossip truncates SHA-256 to 20 bytes. Envelope
 * encoding is canonical (the strict parser refuses reordered, repeated or
 * unknown fields), so one signed message has exactly one byte string and one
 * id, on every node.
 *
 * Why not hash only the signed header: a message id over the header alone
 * lets any relay poison the seen-cache. Gossipsub records an id as seen
 * BEFORE the validator runs, so a copy of a genuine header with a broken
 * signature or payload, raced ahead of the genuine message, gets rejected and
 * makes every later genuine copy a "duplicate" that is dropped unvalidated:
 * censorship at no cost. The id must commit to every byte that is verified.
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
import { sha256 } from '../integrity/sha256.js'

/** Length of a wireseal gossip message id (SHA-256 truncated like Ethereum's `MESSAGE_ID` of 20 bytes). */
export const GOSSIP_MSG_ID_BYTES = 20

/** The id functions to hand to gossipsub (see {@link createGossipMessageIds}). */
export interface GossipMessageIds {
  /** `fastMsgIdFn`: hex of the message id, computed on the raw RPC message. */
  fastMsgIdFn(msg: RPC.Message): string
  /** `msgIdFn`: first 20 bytes of SHA-256 over the (transformed, identical) data. */
  msgIdFn(msg: Message): Uint8Array
}

const EMPTY = new Uint8Array(0)
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Lower-case hex of `bytes`. */
export function toHex (bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number] as string
  return out
}

/** The wireseal message id of envelope bytes: `SHA-256(bytes)[0:20]`. */
export function gossipMessageId (bytes: Uint8Array): Uint8Array {
  return sha256(bytes).subarray(0, GOSSIP_MSG_ID_BYTES)
}

/**
 * Creates `fastMsgIdFn` / `msgIdFn` sharing one cache keyed by the data
 * buffer: gossipsub hands the same `Uint8Array` to the fast id, the inbound
 * transform (which returns it unchanged) and `msgIdFn`, so the SHA-256 is
 * computed once per received message. The cache is a `WeakMap`: an entry
 * lives as long as gossipsub holds the bytes.
 */
export function createGossipMessageIds (): GossipMessageIds {
  const cache = new WeakMap<Uint8Array, Uint8Array>()
  const idOf = (data: Uint8Array): Uint8Array => {
    let id = cache.get(data)
    if (id === undefined) {
      id = gossipMessageId(data)
      cache.set(data, id)
    }
    return id
  }
  return Object.freeze({
    fastMsgIdFn (msg: RPC.Message): string {
      return toHex(idOf(msg.data ?? EMPTY))
    },
    msgIdFn (msg: Message): Uint8Array {
      return idOf(msg.data)
    }
  })
}
