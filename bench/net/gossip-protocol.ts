/**
 * What the gossip benchmark's parent and its node processes share: the
 * flavours of gossip being compared, the messages published, and the IPC
 * requests the parent sends to a node process (./gossip-node.ts).
 *
 * Times cross process boundaries as `process.hrtime` (CLOCK_MONOTONIC on
 * Linux, one clock for every process of the machine) in milliseconds.
 *
 * @module
 */
import { InvalidConfigError } from '../../src/errors.js'
import { protobufBlock, type Block } from '../../src/serialize/index.js'
import { messageBlock } from '../codec-fixtures.js'

/** The gossipsub topic of every network (also the wireseal channel). */
export const GOSSIP_TOPIC = 'blocks'

/** Serialized size of a benchmark Block (protobuf): the "2 KB message". */
export const GOSSIP_MESSAGE_BYTES = 2048

/**
 * What runs on a network:
 * - `wireseal`: wiresealGossip's options (StrictNoSign, envelope transform,
 *   msgIdFn + fastMsgIdFn, validator, scoring), `gossip.publish` / `onMessage`;
 * - `strictSign`: gossipsub's default policy (signs and verifies every
 *   message), no transform: what users run without wireseal;
 * - `strictNoSign`: nothing authenticated, no transform;
 * - `strictSignSnappy`: StrictSign with a snappyjs DataTransform (today's
 *   common setup);
 * - `wiresealBatched`: `wireseal` with the topic's `batch: true` (issue 14:
 *   values published within 5 ms share one batch envelope, defaults).
 * Plain flavours publish `protobufBlock.encode(block)` and decode on delivery.
 */
export type GossipFlavour = 'wireseal' | 'strictSign' | 'strictNoSign' | 'strictSignSnappy' | 'wiresealBatched'

/** Human names of the flavours (case names of the suite). */
export const FLAVOUR_NAMES: Readonly<Record<GossipFlavour, string>> = Object.freeze({
  wireseal: 'wireseal gossip',
  strictSign: 'gossipsub StrictSign, no transform',
  strictNoSign: 'gossipsub StrictNoSign, no transform',
  strictSignSnappy: 'gossipsub StrictSign + snappyjs',
  wiresealBatched: 'wireseal gossip, batched'
})

/** One node a node process runs. */
export interface NodeSpec {
  /** Network name, unique per suite run. */
  net: string
  flavour: GossipFlavour
  /** Seed of the node's wireseal signing key (distinct per node). */
  seed: number
  /** Serialized size of the network's messages. @default GOSSIP_MESSAGE_BYTES */
  messageBytes?: number
}

/** Requests of the parent, each answered by one {@link Reply} with the same `id`. */
export type Request =
  | { id: number, cmd: 'init', nodes: NodeSpec[] }
  | { id: number, cmd: 'dial', net: string, addrs: string[] }
  | { id: number, cmd: 'status', net: string }
  | { id: number, cmd: 'publish', net: string, from: number, count: number }
  | { id: number, cmd: 'pace', net: string, from: number, count: number, rateHz: number }
  | { id: number, cmd: 'deliveries', net: string, from: number, count: number, timeoutMs: number }
  | { id: number, cmd: 'delivered', net: string, count: number, timeoutMs: number }
  | { id: number, cmd: 'counters', net: string }
  | { id: number, cmd: 'cpu' }
  | { id: number, cmd: 'stop' }

/** Results by command. */
export interface Results {
  /** Listen addresses by network. */
  init: { addrs: Record<string, string[]> }
  dial: { dialed: number }
  /** Peers subscribed to the topic and mesh peers of the topic. */
  status: { subscribers: number, mesh: number }
  /** Times (ms, hrtime) before the first message was serialized/sealed and after the last publish resolved. */
  publish: { t0: number, t1: number }
  /**
   * Open-loop publishing of messages `from .. from + count - 1` at `rateHz`:
   * message `from + k` is due at `t0 + k * intervalMs` (ms, hrtime) and is
   * handed to publish at the first timer tick past it, whether or not
   * earlier publishes resolved. Replies once every publish resolved.
   */
  pace: { t0: number, intervalMs: number }
  /** When (ms, hrtime) each of messages `from .. from + count - 1` was delivered to the application. */
  deliveries: { t: number[] }
  /** Time (ms, hrtime) the `count`-th message was delivered to the application. */
  delivered: { t: number }
  /**
   * Messages delivered; copies received off the wire (every copy, duplicates
   * included, as seen by the first step that runs on it); refusals (wireseal
   * validator rejections and ignores, or 0); deliveries of a message older
   * than one delivered before it (from the same, only, publisher); envelopes
   * this node published (wireseal flavours, else 0).
   */
  counters: { delivered: number, copies: number, refused: number, outOfOrder: number, publishedEnvelopes: number }
  /** CPU time of the process so far (µs, user + system). */
  cpu: { us: number }
  stop: { stopped: true }
}

/** A reply: the result, or the error a command threw. */
export type Reply = { id: number, ok: true, result: unknown } | { id: number, ok: false, error: string }

/** The current time as the benchmark's cross-process clock (ms). */
export function monotonicMs (): number {
  return Number(process.hrtime.bigint()) / 1e6
}

/** Distinct Block payloads; message `i` is payload `i % POOL` with `ttl = i`, so every message is unique. */
const POOL = 32

/** Data bytes of a Block whose protobuf encoding is `size` bytes. */
function dataBytesFor (size: number): number {
  let data = size - 128
  for (let attempt = 0; attempt < 4; attempt++) {
    const n = protobufBlock.encode({ ...messageBlock(0, data), ttl: 128 }).length
    if (n === size) return data
    data -= n - size
  }
  throw new InvalidConfigError('gossip message size', `a Block of exactly ${size} B`)
}

/**
 * Message `i` of a benchmark: a Block of transaction JSON (semi-compressible,
 * like real gossip payloads) with `ttl = i`, whose protobuf encoding is
 * exactly `size` (2,048 B unless told) for i in 128..16,383 (a 2-byte ttl
 * varint) and within 3 bytes of it otherwise.
 */
export function createMessages (size = GOSSIP_MESSAGE_BYTES): (i: number) => Block {
  const data = dataBytesFor(size)
  const pool = Array.from({ length: POOL }, (_, k) => messageBlock(k, data))
  return (i) => ({ ...(pool[i % POOL] as Block), ttl: i })
}
