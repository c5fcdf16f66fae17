/**
 * The signed envelope header (proto/envelope.proto, message `Header`;
 * SPEC.md section 4). Its exact bytes are what the signature covers, after
 * the domain prefix; the strict reader in ./pb.ts gives every header exactly
 * one encoding: the one a stock proto3 encoder emits.
 *
 * @module
 */
import { SizeLimitError, WireFormatError } from '../errors.js'
import { LEN, PbReader, PbWriter, VARINT, bytesField3Length, uintField3Length } from './pb.js'
import type { WireLimits } from '../limits.js'

/**
 * Envelope format version written and read by this implementation (SPEC.md
 * 1.2). Version 2 is the proto3-canonical header (default values omitted)
 * with `chunk_bytes`; a receiver refuses every other version.
 */
export const ENVELOPE_VERSION = 2

/** What an envelope carries. */
export const EnvelopeKind = Object.freeze({
  /** One message; `digest` = SHA-256 of the carried payload. */
  single: 1,
  /** N messages; `digest` = SHA-256 of the carried payload, `itemsRoot` = Merkle root over the serialized items. */
  batch: 2,
  /** One large payload sent as chunks; `digest` = Merkle root over the (compressed) chunks, `chunkBytes` their size. */
  chunked: 3
} as const)

/** Numeric kind of an envelope. */
export type EnvelopeKindId = typeof EnvelopeKind[keyof typeof EnvelopeKind]

/** Length of every digest in the header (SHA-256). */
export const DIGEST_BYTES = 32

/** Largest libp2p protobuf public key accepted (ECDSA P-521 is 155 B of libp2p DER + 5 B of framing). */
export const MAX_PUBLIC_KEY_BYTES = 256

/** Decoded header fields. Every field is bound by the signature. */
export interface EnvelopeHeader {
  /** Envelope format version ({@link ENVELOPE_VERSION}). */
  version: number
  /** {@link EnvelopeKind}. */
  kind: EnvelopeKindId
  /** Message type id (e.g. 1 = Block). */
  type: number
  /** Serializer wire id. */
  serializer: number
  /** Compression wire id. */
  compression: number
  /** Gossip topic or protocol id the message was signed for. */
  channel: string
  /** Sender sequence number of the first (or only) message. */
  seq: number
  /** Sender clock, ms since the Unix epoch. */
  timestamp: number
  /** Size of the payload after decompression (for a batch: of the length-prefixed item list). */
  uncompressedLength: number
  /** Size of the carried (compressed) payload, in bytes. */
  payloadLength: number
  /** SHA-256 of the carried payload; for chunked envelopes the Merkle root over the chunks. */
  digest: Uint8Array
  /** Number of batch items or chunks; 1 for a single message. */
  count: number
  /** Batch only: RFC 9162 Merkle root over the serialized items (empty otherwise). */
  itemsRoot: Uint8Array
  /** The sender's public key, libp2p protobuf encoding (it carries the key type). */
  publicKey: Uint8Array
  /** Chunked only: size of every chunk but the last, in bytes (0 otherwise). */
  chunkBytes: number
}

/** Field numbers of `Header` in proto/envelope.proto. */
const F = {
  version: 1,
  kind: 2,
  type: 3,
  serializer: 4,
  compression: 5,
  channel: 6,
  seq: 7,
  timestamp: 8,
  uncompressedLength: 9,
  payloadLength: 10,
  digest: 11,
  count: 12,
  itemsRoot: 13,
  publicKey: 14,
  chunkBytes: 15
} as const

const WIRE_TYPES: Array<number | undefined> = []
for (const [name, n] of Object.entries(F)) {
  WIRE_TYPES[n] = (name === 'channel' || name === 'digest' || name === 'itemsRoot' || name === 'publicKey') ? LEN : VARINT
}

const textEncoder = new TextEncoder()
// ignoreBOM: a leading U+FEFF is part of the channel name, never silently stripped (it would let "\uFEFFB" pass as "B")
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Header fields to write, plus the channel already encoded as UTF-8. */
export interface HeaderParts extends Omit<EnvelopeHeader, 'chunkBytes'> {
  channelBytes: Uint8Array
  /** Chunked only. @default 0 */
  chunkBytes?: number
}

/** Encodes the channel once; callers that seal repeatedly on one channel cache it. */
export function encodeChannel (channel: string): Uint8Array {
  return textEncoder.encode(channel)
}

/** Exact encoded size of a header. */
export function headerLength (h: HeaderParts): number {
  return uintField3Length(F.version, h.version) + uintField3Length(F.kind, h.kind) + uintField3Length(F.type, h.type) +
    uintField3Length(F.serializer, h.serializer) + uintField3Length(F.compression, h.compression) +
    bytesField3Length(F.channel, h.channelBytes.length) + uintField3Length(F.seq, h.seq) +
    uintField3Length(F.timestamp, h.timestamp) + uintField3Length(F.uncompressedLength, h.uncompressedLength) +
    uintField3Length(F.payloadLength, h.payloadLength) + bytesField3Length(F.digest, h.digest.length) +
    uintField3Length(F.count, h.count) + bytesField3Length(F.itemsRoot, h.itemsRoot.length) +
    bytesField3Length(F.publicKey, h.publicKey.length) + uintField3Length(F.chunkBytes, h.chunkBytes ?? 0)
}

/**
 * Writes the canonical header encoding at `w.pos` (SPEC.md 4.2): what a
 * stock proto3 encoder emits, ascending field numbers, fields holding their
 * default value (0, empty) omitted.
 */
export function writeHeader (w: PbWriter, h: HeaderParts): void {
  w.uintField3(F.version, h.version)
  w.uintField3(F.kind, h.kind)
  w.uintField3(F.type, h.type)
  w.uintField3(F.serializer, h.serializer)
  w.uintField3(F.compression, h.compression)
  w.bytesField3(F.channel, h.channelBytes)
  w.uintField3(F.seq, h.seq)
  w.uintField3(F.timestamp, h.timestamp)
  w.uintField3(F.uncompressedLength, h.uncompressedLength)
  w.uintField3(F.payloadLength, h.payloadLength)
  w.bytesField3(F.digest, h.digest)
  w.uintField3(F.count, h.count)
  w.bytesField3(F.itemsRoot, h.itemsRoot)
  w.bytesField3(F.publicKey, h.publicKey)
  w.uintField3(F.chunkBytes, h.chunkBytes ?? 0)
}

const EMPTY = new Uint8Array(0)

/**
 * Parses header bytes strictly (SPEC.md 4) and checks every size claim
 * against `limits` before anything is allocated for it. Throws
 * {@link WireFormatError} naming the rule broken, {@link SizeLimitError}
 * (`chunk`) for chunks larger than `limits.chunkBytes`.
 */
export function readHeader (bytes: Uint8Array, limits: WireLimits): EnvelopeHeader {
  const r: PbReader = new PbReader(bytes, 'envelope header')
  // proto3: an absent field holds its default value
  const h: EnvelopeHeader = {
    version: 0,
    kind: EnvelopeKind.single,
    type: 0,
    serializer: 0,
    compression: 0,
    channel: '',
    seq: 0,
    timestamp: 0,
    uncompressedLength: 0,
    payloadLength: 0,
    digest: EMPTY,
    count: 0,
    itemsRoot: EMPTY,
    publicKey: EMPTY,
    chunkBytes: 0
  }
  let kind = 0
  for (let field = r.nextField(WIRE_TYPES); field !== 0; field = r.nextField(WIRE_TYPES)) {
    switch (field) {
      case F.version: h.version = r.uint3('version'); break
      case F.kind: kind = r.uint3('kind'); break
      case F.type: h.type = r.uint3('type'); break
      case F.serializer: h.serializer = r.uint3('serializer'); break
      case F.compression: h.compression = r.uint3('compression'); break
      case F.channel: {
        const raw = r.bytes(limits.maxChannelBytes, 'channel')
        try {
          h.channel = textDecoder.decode(raw)
        } catch (err) {
          throw new WireFormatError('envelope header', 'channel-utf8', 'channel is not UTF-8', { cause: err })
        }
        break
      }
      case F.seq: h.seq = r.uint3('seq'); break
      case F.timestamp: h.timestamp = r.uint3('timestamp'); break
      case F.uncompressedLength: h.uncompressedLength = r.uint3('uncompressed_length'); break
      case F.payloadLength: h.payloadLength = r.uint3('payload_length'); break
      case F.digest: h.digest = r.bytes(DIGEST_BYTES, 'digest', 'digest-length'); break
      case F.count: h.count = r.uint3('count'); break
      case F.itemsRoot: h.itemsRoot = r.bytes(DIGEST_BYTES, 'items root', 'digest-length'); break
      case F.publicKey: h.publicKey = r.bytes(MAX_PUBLIC_KEY_BYTES, 'public key'); break
      case F.chunkBytes: h.chunkBytes = r.uint3('chunk_bytes'); break
    }
  }
  // SPEC.md 1.2: one version per format; anything else is refused, never guessed at
  if (h.version !== ENVELOPE_VERSION) r.fail('unsupported-version', `unsupported version ${h.version}`)
  if (kind !== EnvelopeKind.single && kind !== EnvelopeKind.batch && kind !== EnvelopeKind.chunked) r.fail('unknown-kind', `unknown kind ${kind}`)
  h.kind = kind as EnvelopeKindId
  if (h.digest.length !== DIGEST_BYTES) r.fail(h.digest.length === 0 ? 'missing-field' : 'digest-length', 'digest must be 32 bytes')
  if (h.publicKey.length === 0) r.fail('missing-field', 'missing public key')
  // SPEC.md 4.3: fields that belong to another kind
  if (kind !== EnvelopeKind.batch && h.itemsRoot.length !== 0) r.fail('foreign-field', 'items_root outside a batch')
  if (kind !== EnvelopeKind.chunked && h.chunkBytes !== 0) r.fail('foreign-field', 'chunk_bytes outside a chunked envelope')
  if (kind === EnvelopeKind.batch) {
    if (h.itemsRoot.length !== DIGEST_BYTES) r.fail(h.itemsRoot.length === 0 ? 'missing-field' : 'digest-length', 'batch without a 32-byte items root')
    if (h.count < 1 || h.count > limits.maxBatchItems) r.fail('count', `batch of ${h.count} items (1..${limits.maxBatchItems})`)
  } else if (kind === EnvelopeKind.single) {
    if (h.count !== 1) r.fail('count', 'single envelope with count != 1')
  } else {
    if (h.chunkBytes === 0) r.fail('missing-field', 'chunked envelope without chunk_bytes')
    if (h.chunkBytes > limits.chunkBytes) throw new SizeLimitError('chunk', limits.chunkBytes, h.chunkBytes)
    if (h.count !== Math.ceil(h.payloadLength / h.chunkBytes)) {
      r.fail('count', `chunk count ${h.count} does not match a ${h.payloadLength}-byte payload in ${h.chunkBytes}-byte chunks`)
    }
  }
  return h
}
