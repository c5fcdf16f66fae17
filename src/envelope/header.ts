/**
 * The signed envelope header (proto/envelope.proto, message `Header`).
 * Its exact bytes are what the signature covers, after the domain prefix;
 * the strict reader in ./pb.ts gives every header exactly one encoding.
 *
 * @module
 */
import { MalformedInputError } from '../errors.js'
import { LEN, PbReader, PbWriter, VARINT, bytesFieldLength, uintFieldLength } from './pb.js'
import type { WireLimits } from '../limits.js'

/** Envelope format version written by this implementation. */
export const ENVELOPE_VERSION = 1

/** What an envelope carries. */
export const EnvelopeKind = Object.freeze({
  /** One message; `digest` = SHA-256 of the carried payload. */
  single: 1,
  /** N messages; `digest` = SHA-256 of the carried payload, `itemsRoot` = Merkle root over the serialized items. */
  batch: 2,
  /** One large payload sent as chunks; `digest` = Merkle root over the (compressed) chunks. */
  chunked: 3
} as const)

/** Numeric kind of an envelope. */
export type EnvelopeKindId = typeof EnvelopeKind[keyof typeof EnvelopeKind]

/** Length of every digest in the header (SHA-256). */
export const DIGEST_BYTES = 32

/** Largest libp2p protobuf public key accepted (ECDSA P-521 SPKI is 158 B + 4 B of framing). */
export const MAX_PUBLIC_KEY_BYTES = 256

/** Decoded header fields. Every field is bound by the signature. */
export interface EnvelopeHeader {
  /** Envelope format version (1). */
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
  publicKey: 14
} as const

const WIRE_TYPES: Array<number | undefined> = []
for (const [name, n] of Object.entries(F)) {
  WIRE_TYPES[n] = (name === 'channel' || name === 'digest' || name === 'itemsRoot' || name === 'publicKey') ? LEN : VARINT
}

const textEncoder = new TextEncoder()
// ignoreBOM: a leading U+FEFF is part of the channel name, never silently stripped (it would let "\uFEFFB" pass as "B")
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Header fields plus the channel already encoded as UTF-8. */
export interface HeaderParts extends EnvelopeHeader {
  channelBytes: Uint8Array
}

/** Encodes the channel once; callers that seal repeatedly on one channel cache it. */
export function encodeChannel (channel: string): Uint8Array {
  return textEncoder.encode(channel)
}

/** Exact encoded size of a header. */
export function headerLength (h: HeaderParts): number {
  let n = uintFieldLength(F.version, h.version) + uintFieldLength(F.kind, h.kind) + uintFieldLength(F.type, h.type) +
    uintFieldLength(F.serializer, h.serializer) + uintFieldLength(F.compression, h.compression) +
    bytesFieldLength(F.channel, h.channelBytes.length) + uintFieldLength(F.seq, h.seq) +
    uintFieldLength(F.timestamp, h.timestamp) + uintFieldLength(F.uncompressedLength, h.uncompressedLength) +
    uintFieldLength(F.payloadLength, h.payloadLength) + bytesFieldLength(F.digest, h.digest.length) +
    uintFieldLength(F.count, h.count) + bytesFieldLength(F.publicKey, h.publicKey.length)
  if (h.kind === EnvelopeKind.batch) n += bytesFieldLength(F.itemsRoot, h.itemsRoot.length)
  return n
}

/** Writes the canonical header encoding (every field, ascending order) at `w.pos`. */
export function writeHeader (w: PbWriter, h: HeaderParts): void {
  w.uintField(F.version, h.version)
  w.uintField(F.kind, h.kind)
  w.uintField(F.type, h.type)
  w.uintField(F.serializer, h.serializer)
  w.uintField(F.compression, h.compression)
  w.bytesField(F.channel, h.channelBytes)
  w.uintField(F.seq, h.seq)
  w.uintField(F.timestamp, h.timestamp)
  w.uintField(F.uncompressedLength, h.uncompressedLength)
  w.uintField(F.payloadLength, h.payloadLength)
  w.bytesField(F.digest, h.digest)
  w.uintField(F.count, h.count)
  if (h.kind === EnvelopeKind.batch) w.bytesField(F.itemsRoot, h.itemsRoot)
  w.bytesField(F.publicKey, h.publicKey)
}

const EMPTY = new Uint8Array(0)

/**
 * Parses header bytes strictly and checks every size claim against `limits`
 * before anything is allocated for it. Throws {@link MalformedInputError}.
 */
export function readHeader (bytes: Uint8Array, limits: WireLimits): EnvelopeHeader {
  const r: PbReader = new PbReader(bytes, 'envelope header')
  const h: EnvelopeHeader = {
    version: -1,
    kind: EnvelopeKind.single,
    type: -1,
    serializer: -1,
    compression: -1,
    channel: '',
    seq: -1,
    timestamp: -1,
    uncompressedLength: -1,
    payloadLength: -1,
    digest: EMPTY,
    count: -1,
    itemsRoot: EMPTY,
    publicKey: EMPTY
  }
  let kind = -1
  for (let field = r.nextField(WIRE_TYPES); field !== 0; field = r.nextField(WIRE_TYPES)) {
    switch (field) {
      case F.version: h.version = r.varint(); break
      case F.kind: kind = r.varint(); break
      case F.type: h.type = r.varint(); break
      case F.serializer: h.serializer = r.varint(); break
      case F.compression: h.compression = r.varint(); break
      case F.channel: {
        const raw = r.bytes(limits.maxChannelBytes, 'channel')
        try {
          h.channel = textDecoder.decode(raw)
        } catch (err) {
          throw new MalformedInputError('envelope header', 'channel is not UTF-8', { cause: err })
        }
        break
      }
      case F.seq: h.seq = r.varint(); break
      case F.timestamp: h.timestamp = r.varint(); break
      case F.uncompressedLength: h.uncompressedLength = r.varint(); break
      case F.payloadLength: h.payloadLength = r.varint(); break
      case F.digest: h.digest = r.bytes(DIGEST_BYTES, 'digest'); break
      case F.count: h.count = r.varint(); break
      case F.itemsRoot: h.itemsRoot = r.bytes(DIGEST_BYTES, 'items root'); break
      case F.publicKey: h.publicKey = r.bytes(MAX_PUBLIC_KEY_BYTES, 'public key'); break
    }
  }
  if (h.version !== ENVELOPE_VERSION) r.fail(`unsupported version ${h.version}`)
  if (kind !== EnvelopeKind.single && kind !== EnvelopeKind.batch && kind !== EnvelopeKind.chunked) r.fail(`unknown kind ${kind}`)
  h.kind = kind as EnvelopeKindId
  if (h.type < 0 || h.serializer < 0 || h.compression < 0 || h.seq < 0 || h.timestamp < 0 ||
    h.uncompressedLength < 0 || h.payloadLength < 0 || h.count < 0) r.fail('missing field')
  if (h.digest.length !== DIGEST_BYTES) r.fail('digest must be 32 bytes')
  if (h.publicKey.length === 0) r.fail('missing public key')
  if (kind === EnvelopeKind.batch) {
    if (h.itemsRoot.length !== DIGEST_BYTES) r.fail('batch without a 32-byte items root')
    if (h.count < 1 || h.count > limits.maxBatchItems) r.fail(`batch of ${h.count} items (1..${limits.maxBatchItems})`)
  } else if (kind === EnvelopeKind.single && h.count !== 1) {
    r.fail('single envelope with count != 1')
  } else if (kind === EnvelopeKind.chunked && (h.payloadLength < 1 || h.count !== Math.ceil(h.payloadLength / limits.chunkBytes))) {
    r.fail(`chunk count ${h.count} does not match a ${h.payloadLength}-byte payload in ${limits.chunkBytes}-byte chunks`)
  }
  return h
}
