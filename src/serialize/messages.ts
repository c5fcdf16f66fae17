/**
 * The two built-in message types, mirroring `proto/block.proto` and
 * `proto/peer_info.proto` (package `p2p.message`). Field order here is the
 * wire order of every serializer.
 *
 * @module
 */
import { DEFAULT_LIMITS, DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES, type WireLimits } from '../limits.js'
import { RESERVED_KEYS, defineMessageType, isPlainObject, isUint32, isUint64, isWellFormed, withFastCheck } from './schema.js'
import type { MessageSchema } from './schema.js'
import { MessageTypeId } from './types.js'

/** A content block (message type id 1). */
export interface Block {
  /** Content hash of `data` (e.g. SHA-256). */
  hash: Uint8Array
  /** The payload. */
  data: Uint8Array
  /** Creation time, ms since the Unix epoch; uint64, the full range 0..2^64-1 round-trips. */
  timestamp: bigint
  /** Time to live in seconds; uint32. */
  ttl: number
  /** Application-level format version; uint32. */
  version: number
  /** The producer's signature over the block (application-defined). */
  signature: Uint8Array
}

/** What a peer announces about itself (message type id 2). */
export interface PeerInfo {
  /** Binary peer id (multihash of the public key). */
  peerId: Uint8Array
  /** Binary multiaddrs, at most `limits.maxPeerInfoMultiaddrs` (64 by default). */
  multiaddrs: Uint8Array[]
  /**
   * String metadata, at most `limits.maxPeerInfoMetadataEntries` (64 by default) entries, as a
   * plain object. Keys `__proto__`, `constructor` and `prototype` are refused
   * on encode and by every decoder.
   */
  metadata: Record<string, string>
}

// No type cap: a Block's `data` is the block-sized payload the budget's
// `maxPayloadBytes` (10 MiB, Ethereum's MAX_PAYLOAD_SIZE) exists for. A channel
// that carries smaller blocks narrows it with `OpenOptions.maxPayloadBytes`.
const blockSchema: MessageSchema<Block> = defineMessageType({
  id: MessageTypeId.Block,
  name: 'Block',
  fields: {
    hash: 'bytes',
    data: 'bytes',
    timestamp: 'uint64',
    ttl: 'uint32',
    version: 'uint32',
    signature: 'bytes'
  }
})

/** The success path of `BlockType.assert()`, field by field without computed keys. */
function isBlock (value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false
  const v = value as Partial<Block>
  return v.hash instanceof Uint8Array &&
    v.data instanceof Uint8Array &&
    isUint64(v.timestamp) &&
    isUint32(v.ttl) &&
    isUint32(v.version) &&
    v.signature instanceof Uint8Array
}

/** The Block message type: `assert()` checks every field, throwing InvalidValueError naming it. */
export const BlockType: MessageSchema<Block> = withFastCheck(blockSchema, isBlock)

/** The PeerInfo counts of a budget ({@link WireLimits}). */
export type PeerInfoLimits = Pick<WireLimits, 'maxPeerInfoMultiaddrs' | 'maxPeerInfoMetadataEntries'>

/** A PeerInfo message type and the counts its schema and its serializers apply. */
export interface PeerInfoMessageType extends MessageSchema<PeerInfo> {
  readonly limits: PeerInfoLimits
}

/** The success path of `PeerInfoType.assert()`, without computed keys on the message itself. */
function isPeerInfo (value: unknown, limits: PeerInfoLimits): boolean {
  if (value === null || typeof value !== 'object') return false
  const { peerId, multiaddrs, metadata } = value as Partial<PeerInfo>
  if (!(peerId instanceof Uint8Array) || !Array.isArray(multiaddrs) || multiaddrs.length > limits.maxPeerInfoMultiaddrs || !isPlainObject(metadata)) return false
  for (let i = 0; i < multiaddrs.length; i++) if (!(multiaddrs[i] instanceof Uint8Array)) return false
  const keys = Object.keys(metadata)
  if (keys.length > limits.maxPeerInfoMetadataEntries) return false
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const v = metadata[key]
    if (RESERVED_KEYS.has(key) || typeof v !== 'string' || !isWellFormed(key) || !isWellFormed(v)) return false
  }
  return true
}

/**
 * The PeerInfo message type for a budget's counts (`limits.maxPeerInfoMultiaddrs`,
 * `limits.maxPeerInfoMetadataEntries`); its serialized size is capped at
 * `DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES` (64 KiB). `createSerializerRegistry({ limits })`
 * builds its PeerInfo serializers on one.
 */
export function definePeerInfoType (limits: PeerInfoLimits = DEFAULT_LIMITS): PeerInfoMessageType {
  const counts: PeerInfoLimits = Object.freeze({
    maxPeerInfoMultiaddrs: limits.maxPeerInfoMultiaddrs,
    maxPeerInfoMetadataEntries: limits.maxPeerInfoMetadataEntries
  })
  const schema: MessageSchema<PeerInfo> = defineMessageType({
    id: MessageTypeId.PeerInfo,
    name: 'PeerInfo',
    maxPayloadBytes: DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES,
    fields: {
      peerId: 'bytes',
      multiaddrs: { kind: 'list', of: 'bytes', maxItems: counts.maxPeerInfoMultiaddrs },
      metadata: { kind: 'map', maxEntries: counts.maxPeerInfoMetadataEntries }
    }
  })
  return Object.freeze({ ...withFastCheck(schema, (value) => isPeerInfo(value, counts)), limits: counts })
}

/** The PeerInfo message type at the default counts (64 multiaddrs, 64 metadata entries). */
export const PeerInfoType: PeerInfoMessageType = definePeerInfoType(DEFAULT_LIMITS)
