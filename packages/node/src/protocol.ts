/**
 * The node's wire vocabulary: gossip topics, stream protocol ids and the two
 * message types of block sync. Everything is namespaced by the network name,
 * so two devnets on one machine never mix.
 *
 * @module
 */
import { BlockType, CompressionId, PeerInfoType } from 'wireseal'
import { createMsgpackSerializer, createSerializerRegistry, defineMessageType } from 'wireseal/serialize'

/** Version segment of the node's own protocol ids. */
export const NODE_PROTOCOL_VERSION = '1.0.0'

/**
 * Most blocks one sync request may ask for. Ethereum's MAX_REQUEST_BLOCKS is
 * 1024 (128 since Deneb); our blocks are up to 1 MiB, so a response of 128
 * blocks is at most 128 MiB spread over batch envelopes of {@link SYNC_BATCH_BLOCKS}.
 */
export const MAX_SYNC_REQUEST_BLOCKS = 128

/**
 * Blocks per batch envelope of a sync response: one signature over their
 * Merkle root. Small enough that a batch of 4 KB blocks (about 128 KB) stays
 * far under the frame budget, large enough to amortise the signature.
 */
export const SYNC_BATCH_BLOCKS = 32

/**
 * Compressions accepted on the block topic: snappy (cheap, what the size-aware
 * policy picks for one block) or none. Batch envelopes are sealed with these
 * too (`peerAccepts`): the policy's first choice for a batch, zstd, would be
 * refused by every receiver.
 */
export const BLOCK_COMPRESSIONS: readonly number[] = Object.freeze([CompressionId.none, CompressionId.snappy])

/** {@link BLOCK_COMPRESSIONS} as a set, one object for every publish (the batcher batches values sealed alike). */
export const BLOCK_PEER_ACCEPTS: ReadonlySet<number> = new Set(BLOCK_COMPRESSIONS)

/** A block sync request: `count` consecutive blocks of the responder's log from height `start`. */
export interface BlocksByRangeRequest {
  start: bigint
  count: number
}

/** Wire type of {@link BlocksByRangeRequest} (id 200). */
export const BlocksByRangeRequestType = defineMessageType({
  id: 200,
  name: 'BlocksByRangeRequest',
  fields: { start: 'uint64', count: 'uint32' },
  maxPayloadBytes: 64
})

/**
 * One item of a sync response: a block's ORIGINAL envelope, signed by its
 * producer, so its authenticity never rests on the peer that relays it.
 * `height` is the block's place in the responder's log.
 */
export interface SyncedBlock {
  height: bigint
  envelope: Uint8Array
}

/** Wire type of {@link SyncedBlock} (id 201). */
export const SyncedBlockType = defineMessageType({
  id: 201,
  name: 'SyncedBlock',
  fields: { height: 'uint64', envelope: 'bytes' }
})

/** The end of a sync response: how it ended and the responder's height then. */
export interface SyncStatus {
  /** 0 ok, 1 invalid request, 2 server error, 3 resource unavailable (Ethereum's response codes). */
  code: number
  height: bigint
}

/** Response codes of {@link SyncStatus}, as Ethereum's req/resp result bytes. */
export const SyncCode = Object.freeze({ ok: 0, invalidRequest: 1, serverError: 2, resourceUnavailable: 3 })

/** Wire type of {@link SyncStatus} (id 202). */
export const SyncStatusType = defineMessageType({
  id: 202,
  name: 'SyncStatus',
  fields: { code: 'uint32', height: 'uint64' },
  maxPayloadBytes: 64
})

/** Serializers of the node: the built-in ones plus msgpack for the sync types. */
export function nodeSerializers (): ReturnType<typeof createSerializerRegistry> {
  return createSerializerRegistry()
    .register(createMsgpackSerializer(BlocksByRangeRequestType))
    .register(createMsgpackSerializer(SyncedBlockType))
    .register(createMsgpackSerializer(SyncStatusType))
}

/** Gossip topics and stream protocols of one network. */
export interface NetworkProtocols {
  readonly network: string
  readonly blockTopic: string
  readonly peerInfoTopic: string
  /** PeerInfo request/response on connect. */
  readonly peerInfoProtocol: string
  /** BlocksByRange. */
  readonly syncProtocol: string
  /** Kademlia protocol prefix (private DHT: never the public Amino `/ipfs`). */
  readonly dhtPrefix: string
}

/** The topics and protocol ids of network `network`. */
export function networkProtocols (network: string): NetworkProtocols {
  return Object.freeze({
    network,
    blockTopic: `/wireseal/${network}/block/1`,
    peerInfoTopic: `/wireseal/${network}/peer-info/1`,
    peerInfoProtocol: `/wireseal-node/${network}/peer-info/${NODE_PROTOCOL_VERSION}`,
    syncProtocol: `/wireseal-node/${network}/blocks-by-range/${NODE_PROTOCOL_VERSION}`,
    dhtPrefix: `/wireseal/${network}`
  })
}

export { BlockType, PeerInfoType }
