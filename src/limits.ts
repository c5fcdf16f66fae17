/**
 * Every `DEFAULT_*` constant of wireseal, in two parts:
 *
 * 1. **The wire budget**: what a sender and a receiver must agree on to
 *    accept the same envelopes: sizes and counts (resolved by
 *    {@link createLimits} into one {@link WireLimits} object every layer
 *    derives its limits from, so two ends built with the same init refuse
 *    exactly the same sizes), the PeerInfo type's cap and the signature domain.
 * 2. **Local tuning defaults**: what one node chooses for itself without
 *    changing which bytes are valid: replay state, compression choices,
 *    stream and gossip pacing, state files, CLI waits.
 *
 * @module
 */
import type { CompressionName } from './compress/types.js'
import type { ProtocolNames } from './libp2p/protocol-id.js'
import { checkInt, checkPositiveInt } from './options/checks.js'
import { MessageTypeId, SerializerId } from './serialize/types.js'

// ============================================================================
// 1. The wire budget
// ============================================================================

/**
 * Largest uncompressed payload: 10 MiB, the `MAX_PAYLOAD_SIZE` of Ethereum's
 * consensus-layer networking spec, a real-world budget for block-sized messages.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024

/** Largest number of messages in one batch envelope. */
export const DEFAULT_MAX_BATCH_ITEMS = 4096

/** Chunk size of chunked (Merkle-verified) payloads: 64 KiB minus room for framing. */
export const DEFAULT_CHUNK_BYTES = 65_536 - 1024

/** Longest channel (gossip topic or protocol id), in UTF-8 bytes. */
export const DEFAULT_MAX_CHANNEL_BYTES = 256

/**
 * Room reserved in a frame for everything but the payload: header fields,
 * channel, public key (ECDSA P-521 SPKI is the largest, 158 B) and signature.
 */
export const DEFAULT_ENVELOPE_OVERHEAD_BYTES = 2048

/** Most multiaddrs accepted in one PeerInfo ({@link WireLimits.maxPeerInfoMultiaddrs}). */
export const DEFAULT_MAX_MULTIADDRS = 64

/** Most metadata entries accepted in one PeerInfo ({@link WireLimits.maxPeerInfoMetadataEntries}). */
export const DEFAULT_MAX_METADATA_ENTRIES = 64

/**
 * Largest serialized PeerInfo (64 KiB), in any format, at seal and at open
 * (checked on the signed declared length, before decompressing). A PeerInfo
 * is a peer id (38 B for Ed25519), up to 64 multiaddrs (a `/dns6/<253-char
 * name>/tcp/<port>/p2p/<peer id>` is under 320 B) and up to 64 metadata
 * entries: 64 x 320 B + 64 x 512 B of text is 52 KiB, base64 and JSON
 * keys included under 64 KiB. It never needs the 10 MiB budget, and a
 * receiver should not decompress 10 MiB to find that out. Block has no
 * type cap: its `data` is what the budget exists for (Ethereum's
 * `MAX_PAYLOAD_SIZE`); narrow it per channel with `OpenOptions.maxPayloadBytes`.
 */
export const DEFAULT_PEER_INFO_MAX_PAYLOAD_BYTES = 64 * 1024

/** Domain separation string of wireseal envelope signatures (RFC 0002 style prefix). */
export const DEFAULT_SIGNATURE_DOMAIN = 'wireseal/envelope/v1'

/**
 * Worst-case snappy output for `n` input bytes (`32 + n + n/6`, snappy's
 * `MaxCompressedLength`, also the bound Ethereum uses for `ssz_snappy`).
 * Every compressor we ship stays under it (zstd and gzip expand far less).
 */
export function maxCompressedLength (n: number): number {
  return 32 + n + Math.floor(n / 6)
}

/** Options of {@link createLimits}. Every field is optional. */
export interface LimitsInit {
  /**
   * Largest uncompressed (serialized) payload, in bytes.
   * @default DEFAULT_MAX_PAYLOAD_BYTES (10 MiB)
   */
  maxPayloadBytes?: number
  /**
   * Largest number of items in one batch envelope.
   * @default DEFAULT_MAX_BATCH_ITEMS (4096)
   */
  maxBatchItems?: number
  /**
   * Size of one chunk of a chunked payload.
   * @default DEFAULT_CHUNK_BYTES (64,512 B)
   */
  chunkBytes?: number
  /**
   * Longest channel name in UTF-8 bytes.
   * @default DEFAULT_MAX_CHANNEL_BYTES (256)
   */
  maxChannelBytes?: number
  /**
   * Bytes reserved in a frame for the envelope around the payload.
   * @default DEFAULT_ENVELOPE_OVERHEAD_BYTES (2048)
   */
  envelopeOverheadBytes?: number
  /**
   * Most multiaddrs in one PeerInfo (0..65535), applied by the PeerInfo
   * serializers of `createSerializerRegistry({ limits })`.
   * @default DEFAULT_MAX_MULTIADDRS (64)
   */
  maxPeerInfoMultiaddrs?: number
  /**
   * Most metadata entries in one PeerInfo (0..65535), as `maxPeerInfoMultiaddrs`.
   * @default DEFAULT_MAX_METADATA_ENTRIES (64)
   */
  maxPeerInfoMetadataEntries?: number
}

/** The resolved budget. Derived fields are computed, never configured separately. */
export interface WireLimits {
  /** Largest uncompressed payload. */
  readonly maxPayloadBytes: number
  /** Largest compressed payload: `maxCompressedLength(maxPayloadBytes)`. */
  readonly maxCompressedBytes: number
  /** Largest frame on a stream or gossip message: compressed payload + envelope overhead. */
  readonly maxFrameBytes: number
  /** Largest number of items in one batch. */
  readonly maxBatchItems: number
  /** Deepest Merkle inclusion proof: `ceil(log2(max(maxBatchItems, chunks of a max payload)))`. */
  readonly maxProofDepth: number
  /** Chunk size of chunked payloads. */
  readonly chunkBytes: number
  /** Longest channel name. */
  readonly maxChannelBytes: number
  /** Bytes reserved for the envelope around the payload. */
  readonly envelopeOverheadBytes: number
  /** Most multiaddrs in one PeerInfo. */
  readonly maxPeerInfoMultiaddrs: number
  /** Most metadata entries (distinct keys) in one PeerInfo. */
  readonly maxPeerInfoMetadataEntries: number
}

/** Smallest `d` with `2^d >= n`. */
function ceilLog2 (n: number): number {
  let d = 0
  while (2 ** d < n) d++
  return d
}

/** Resolves a {@link LimitsInit} into a frozen {@link WireLimits}. */
export function createLimits (init: LimitsInit = {}): WireLimits {
  // 2 GiB - 1: the largest size a single Uint8Array may safely be asked for on every platform.
  const maxPayloadBytes = checkPositiveInt('maxPayloadBytes', init.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, 0x7fff_ffff)
  const maxBatchItems = checkPositiveInt('maxBatchItems', init.maxBatchItems ?? DEFAULT_MAX_BATCH_ITEMS, 1 << 20)
  const chunkBytes = checkPositiveInt('chunkBytes', init.chunkBytes ?? DEFAULT_CHUNK_BYTES)
  const maxChannelBytes = checkPositiveInt('maxChannelBytes', init.maxChannelBytes ?? DEFAULT_MAX_CHANNEL_BYTES, 65_535)
  const envelopeOverheadBytes = checkPositiveInt('envelopeOverheadBytes', init.envelopeOverheadBytes ?? DEFAULT_ENVELOPE_OVERHEAD_BYTES)
  const maxCompressedBytes = maxCompressedLength(maxPayloadBytes)
  const maxChunks = Math.ceil(maxPayloadBytes / chunkBytes)
  return Object.freeze({
    maxPayloadBytes,
    maxCompressedBytes,
    maxFrameBytes: maxCompressedBytes + envelopeOverheadBytes + maxChannelBytes,
    maxBatchItems,
    maxProofDepth: ceilLog2(Math.max(maxBatchItems, maxChunks, 2)),
    chunkBytes,
    maxChannelBytes,
    envelopeOverheadBytes,
    maxPeerInfoMultiaddrs: checkInt('maxPeerInfoMultiaddrs', init.maxPeerInfoMultiaddrs ?? DEFAULT_MAX_MULTIADDRS, 0, 65_535),
    maxPeerInfoMetadataEntries: checkInt('maxPeerInfoMetadataEntries', init.maxPeerInfoMetadataEntries ?? DEFAULT_MAX_METADATA_ENTRIES, 0, 65_535)
  })
}

/** The budget with every default applied. */
export const DEFAULT_LIMITS: WireLimits = createLimits()

// ============================================================================
// 2. Local tuning defaults
// ============================================================================

// --- replay (SPEC.md 13) ----------------------------------------------------

/**
 * Replay window per (sender, channel), in sequence numbers: RFC 6479 with 128
 * blocks of 64 bits, one block kept free for rotation, as wireguard-go does.
 */
export const DEFAULT_REPLAY_WINDOW = 8128

/** Most (sender, channel) replay windows kept in memory before the least recently used is evicted. */
export const DEFAULT_MAX_TRACKED_SENDERS = 10_000

/** Messages whose timestamp is older than this are rejected as too old (ms). */
export const DEFAULT_MAX_MESSAGE_AGE_MS = 10 * 60_000

/** Messages timestamped further than this in the future are rejected as clock skew (ms). */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 30_000

/**
 * Longest a committed replay-window update may stay only in memory (ms). After
 * an unclean stop every message timestamped up to `lastFlush + this + maxClockSkew`
 * is refused, so nothing accepted before the crash can be replayed.
 */
export const DEFAULT_REPLAY_FLUSH_INTERVAL_MS = 5_000

/**
 * Sequence numbers a sender reserves on disk at once: the sequencer touches
 * disk once per lease and skips at most one lease per restart (of 2^53).
 */
export const DEFAULT_SEQUENCER_LEASE = 1 << 20

/** Largest replay or sequencer state file read at start (bytes). */
export const DEFAULT_MAX_STATE_FILE_BYTES = 64 * 1024 * 1024

/** Poll interval while waiting for a live holder of a state lock (ms); jittered by up to half of it so waiters do not move in step. */
export const DEFAULT_LOCK_POLL_MS = 10

// --- keys --------------------------------------------------------------------

/** Sender public keys kept imported (node:crypto KeyObject + peer id) by a receiver. */
export const DEFAULT_MAX_CACHED_KEYS = 4096

// --- compression ---------------------------------------------------------------

/**
 * Payloads smaller than this are never compressed: at 512 B of transaction
 * JSON snappy reaches a ratio of only 1.06-1.08 (bench/results/report.md,
 * "Compressors").
 */
export const DEFAULT_COMPRESSION_MIN_BYTES = 1024

/** Compression must save at least this fraction of the input, else the raw bytes are sent. */
export const DEFAULT_COMPRESSION_MIN_SAVINGS = 0.05

/** Codecs tried for a single message, in order. */
export const DEFAULT_SINGLE_CODECS: readonly CompressionName[] = Object.freeze(['snappy', 'zstd', 'gzip'] as const)

/** Codecs tried for a batch, in order. */
export const DEFAULT_BATCH_CODECS: readonly CompressionName[] = Object.freeze(['zstd', 'gzip', 'snappy'] as const)

/**
 * gzip level used when none is given: 6 (zlib's own default). On 64 KiB /
 * 1 MiB of JSON, node:zlib level 1 / 6 / 9 reach ratios 3.39 / 3.79 / 3.86
 * and 3.43 / 3.90 / 3.98 (level 6 sends 12% fewer bytes than level 1),
 * compressing 64 KiB at 91 / 30 / 10 MB/s; decompression runs at ~200 MB/s
 * whatever the level. gzip only carries batches to peers without zstd, where
 * bytes matter more than CPU, and level 9 adds 2% for 3x the time. fflate
 * at level 6 reaches 3.39 (its match finder is simpler).
 */
export const DEFAULT_GZIP_LEVEL = 6

/**
 * zstd level used when none is given: 1. On this data level 1 beats level 3
 * on both counts: ratio 4.11 vs 3.92 (64 KiB) and 4.25 vs 3.85 (1 MiB),
 * compressing at 235 vs 139 MB/s (zstd-napi, 64 KiB) and 110 vs 60 MB/s
 * (zstd-wasm).
 */
export const DEFAULT_ZSTD_LEVEL = 1

/**
 * Most gzip members or zstd frames (skippable frames included) one
 * `decompress` call accepts: 64. wireseal's compressors write exactly one;
 * RFC 1952 2.2 and RFC 8878 3.1 allow a series, which other encoders use
 * sparingly (pzstd: a frame and a skippable frame per chunk of several MiB;
 * bgzip: one member per 64 KiB, so BGZF payloads up to 4 MiB pass). Every
 * member costs node:zlib a fresh inflate state, so this bounds that overhead
 * to ~1.5 ms per call (64 empty members, first call, measured with
 * test/compress/measure-attacks.ts); 100k empty members (2 MB) are refused at
 * the 65th instead of costing fflate 3.4 s and +93 MiB.
 */
export const DEFAULT_MAX_FRAMES = 64

// --- libp2p: protocol ids, streams, requests -----------------------------------

/** The built-in protocol id names: `block`, `peer-info`; `protobuf`, `msgpack`, `flatbuffers`, `json`, `msgpack_structured`, `capnp`. */
export const DEFAULT_PROTOCOL_NAMES: ProtocolNames = Object.freeze({
  messages: Object.freeze({ block: MessageTypeId.Block, 'peer-info': MessageTypeId.PeerInfo }),
  serializers: Object.freeze({
    protobuf: SerializerId.protobuf,
    msgpack: SerializerId.msgpack,
    flatbuffers: SerializerId.flatbuffers,
    json: SerializerId.json,
    // '-' separates serializer from compression, so this name uses '_'
    msgpack_structured: SerializerId.msgpackStructured,
    capnp: SerializerId.capnp
  })
})

/** Default bound on a whole request or a handler's exchange (ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

/**
 * Bytes a reader buffers before it pauses the stream (1 MiB: 16 frames of 64
 * KiB; a frame larger than this is still read whole). The remote may still
 * deliver up to its remaining muxer window after the pause.
 */
export const DEFAULT_STREAM_HIGH_WATER_MARK = 1024 * 1024

/**
 * Time a stream reader allows one frame beyond its size term (ms): a frame
 * must finish within `this + frameBytes / minBytesPerSecond` of its first
 * byte. 10 s is Lodestar's req/resp `RESP_TIMEOUT` per response chunk.
 */
export const DEFAULT_STREAM_FRAME_TIMEOUT_MS = 10_000

/**
 * Slowest rate a stream peer may send or read at (bytes/s): 50 KiB/s, the
 * "ReadResMinSpeed" Filecoin's chain exchange asks of a response. With the
 * 10 s base, a 64 KiB frame gets 11.3 s, a 4 MiB frame 92 s, and the largest
 * default frame (11.7 MiB) 249 s.
 */
export const DEFAULT_STREAM_MIN_BYTES_PER_SECOND = 50 * 1024

/**
 * Bytes of unfinished frames (and chunked messages being assembled) held for
 * one connection over all its wireseal streams: 32 MiB, the base memory of a
 * connection scope in go-libp2p's resource manager (about 2.7 frames of the
 * default 11.7 MiB maximum, or 520 of 64 KiB).
 */
export const DEFAULT_STREAM_CONNECTION_BUDGET_BYTES = 32 * 1024 * 1024

/** The same for one remote peer over all its connections: 64 MiB, go-libp2p's peer-scope base memory. */
export const DEFAULT_STREAM_PEER_BUDGET_BYTES = 64 * 1024 * 1024

// --- libp2p: gossip ---------------------------------------------------------------

/**
 * P4 weight of one invalid message delivery (squared count). Twice the
 * default `topicScoreCap`, so one invalid message outweighs any positive score.
 */
export const DEFAULT_GOSSIP_INVALID_MESSAGE_WEIGHT = -20

/** Half-life of the invalid-delivery counter: one hour (a count of 1 reaches `decayToZero` 0.1 after ~3.3 h). */
export const DEFAULT_GOSSIP_INVALID_MESSAGE_HALF_LIFE_MS = 3_600_000

/** Half-life of the first-message-deliveries counter (P2): one minute. */
export const DEFAULT_GOSSIP_FIRST_DELIVERY_HALF_LIFE_MS = 60_000

/**
 * Room allowed in a gossipsub RPC around one envelope (1 MiB): the topic,
 * protobuf framing, and control messages gossipsub piggybacks on the same RPC
 * (an IHAVE of 5,000 20-byte ids is ~110 KB per topic). An RPC over
 * `maxFrameBytes + this` makes gossipsub drop the stream, so it must not be
 * tight; envelopes between `maxFrameBytes` and this bound are refused by the
 * transform, which costs the sender score.
 */
export const DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES = 1024 * 1024

/**
 * Batched gossip (issue 14): longest a published value waits for others to
 * share its batch envelope (ms). A topic that published nothing for this long
 * sends its next value at once, so only a topic publishing faster than one
 * envelope per window waits, and by at most this. 5 ms is about 4x the p50
 * publish -> deliver latency of an unbatched 2 KB message over loopback
 * (1.3 ms, bench/results), and coalesces 5 values per envelope at 1,000 msg/s.
 */
export const DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS = 5

/**
 * Batched gossip: most values in one batch envelope. 64 cuts the per-envelope
 * cost of a receiver (gossipsub RPC, yamux, Noise, one Ed25519 verification:
 * ~600 us of the ~680 us a 2 KB message costs) 64-fold, after which the per-item
 * cost (decode, Merkle leaf) dominates; a full batch of 2 KB Blocks is 128 KiB.
 */
export const DEFAULT_GOSSIP_BATCH_MAX_ITEMS = 64

/**
 * Batched gossip: most serialized bytes of the values waiting in one batch
 * (256 KiB), so what a publisher holds per topic is bounded whatever the
 * values' sizes; a value larger than this is published alone. The topic's
 * `maxPayloadBytes` and the budget's `maxPayloadBytes` lower it when smaller
 * (a receiver refuses a batch over them).
 */
export const DEFAULT_GOSSIP_BATCH_MAX_BYTES = 256 * 1024

// --- CLI ---------------------------------------------------------------------------

/** How long a read from a FIFO, a device or a key file may take (ms) unless `--input-wait` says otherwise. */
export const DEFAULT_INPUT_WAIT_MS = 10_000

/** How long `seal` / `open` / `state reset` wait for another process holding the state directory (ms) unless `--lock-wait` says otherwise. */
export const DEFAULT_LOCK_WAIT_MS = 10_000

/** Payload bytes `inspect --payload` prints unless `--payload-max` says otherwise. */
export const DEFAULT_INSPECT_PAYLOAD_BYTES = 4096

/** Link speed per peer (Mbit/s) `wireseal bench --input` ranks combinations for unless `--bandwidth` says otherwise. */
export const DEFAULT_BENCH_BANDWIDTH_MBIT = 100
