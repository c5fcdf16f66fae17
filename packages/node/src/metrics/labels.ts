/**
 * The closed label sets of the node's `p2p_*` metrics. Every label value a
 * series can carry is listed here, so the number of series is fixed at
 * start-up: no peer id, network topic string or error text ever becomes a
 * label (operators' cardinality complaints: tendermint #2600, lotus #1294,
 * waku #890). Unknown values fold into {@link OTHER_LABEL}.
 *
 * @module
 */
import { REJECT_REASONS as CODEC_REASONS, type RejectReason } from 'wireseal'

/** The value every unknown label value maps to. */
export const OTHER_LABEL = 'other'

/** Message direction, seen from this node. */
export const DIRECTIONS = ['in', 'out'] as const
/** `in` (received) or `out` (sent / dialled). */
export type Direction = typeof DIRECTIONS[number]

/** The node's message protocols: two gossip topics and two request/response protocols. */
export const MESSAGE_PROTOCOLS = ['gossip-block', 'gossip-peerinfo', 'peerinfo', 'sync'] as const
/** One of {@link MESSAGE_PROTOCOLS}. */
export type MessageProtocol = typeof MESSAGE_PROTOCOLS[number]

/** `raw`: serialized payload before compression; `wire`: envelope bytes as sent or received. */
export const BYTE_STAGES = ['raw', 'wire'] as const
/** One of {@link BYTE_STAGES}. */
export type ByteStage = typeof BYTE_STAGES[number]

/** Where a received block came from. */
export const BLOCK_SOURCES = ['gossip', 'sync'] as const
/** One of {@link BLOCK_SOURCES}. */
export type BlockSource = typeof BLOCK_SOURCES[number]

/** Gossip mesh topics by label (the node maps its topic strings onto these). */
export const MESH_TOPICS = ['block', 'peerinfo'] as const
/** One of {@link MESH_TOPICS}. */
export type MeshTopic = typeof MESH_TOPICS[number]

/** wireseal's `codec.open` rejection reasons (its `REJECT_REASONS`, so a new reason is picked up). */
export const CODEC_REJECT_REASONS: readonly RejectReason[] = CODEC_REASONS

/**
 * Reasons the node itself refuses a message, stream or peer.
 * - `rate-limited`: over a per-peer or per-protocol quota.
 * - `queue-full`: the validation queue dropped it.
 * - `banned`: from a banned peer or address.
 * - `connection-limit`: an inbound connection over the limit.
 * - `invalid-block`: a block failing hash, height or parent checks.
 * - `timeout`: a request or stream that did not finish in time.
 * - `protocol-error`: a malformed request or response of a node protocol.
 */
export const NODE_REJECT_REASONS = ['rate-limited', 'queue-full', 'banned', 'connection-limit', 'invalid-block', 'timeout', 'protocol-error'] as const
/** One of {@link NODE_REJECT_REASONS}. */
export type NodeRejectReason = typeof NODE_REJECT_REASONS[number]

/** Every `reason` label of `p2p_rejected_total`, `other` last. */
export const REJECT_REASONS: readonly string[] = Object.freeze([...new Set([...CODEC_REJECT_REASONS, ...NODE_REJECT_REASONS]), OTHER_LABEL])

/** A reason the metrics accept; anything else is counted as `other`. */
export type RejectLabel = RejectReason | NodeRejectReason | typeof OTHER_LABEL

const REJECT_SET: ReadonlySet<string> = new Set(REJECT_REASONS)

/** The `reason` label for any reason value: itself when known, `other` otherwise (never the raw string). */
export function rejectReasonLabel (reason: unknown): RejectLabel {
  return typeof reason === 'string' && REJECT_SET.has(reason) ? reason as RejectLabel : OTHER_LABEL
}

/** `value` when it is one of `allowed`, `undefined` otherwise. */
export function knownLabel<T extends string> (allowed: readonly T[], value: unknown): T | undefined {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? value as T : undefined
}
