/**
 * Protocol Buffers (proto3) serializers, wire id 1. Encoding: Block by hand
 * into one exact-size allocation, PeerInfo on the protobufjs static code
 * generated from `proto/*.proto` (see `scripts/generate.sh`); decoding: both
 * by hand (./protobuf-decode.ts on ./protobuf-wire.ts).
 *
 * - uint64 is exact over 0..2^64-1: encoded from `bigint` through a safe
 *   `number` or a `{ low, high }` pair; decoded straight to `bigint`.
 * - Decoding rejects truncation, bad varints (over 10 bytes, also in skipped
 *   fields), invalid UTF-8, field number 0, groups (wire types 3 and 4,
 *   anywhere) and a known field arriving with the wrong wire type. Unknown
 *   fields are skipped without allocating, as proto3 requires for forward
 *   compatibility (https://protobuf.dev/programming-guides/proto3/#unknowns).
 * - Bounded, in one pass, as each tag is read: each singular field at most
 *   16 times (proto3's last-one-wins; canonical encoders write it once), 16
 *   unknown fields, PeerInfo 64 multiaddrs and 64 distinct metadata keys. A
 *   Block decode reads at most 113 tags whatever its size; the rest of the
 *   work is views into the input and UTF-8 decoding of each string once.
 * - Absent fields decode to proto3 defaults (empty bytes, 0, 0n, [], {}).
 * - Decoded `bytes` are views into the input (zero-copy): copy them before
 *   reusing the input buffer.
 *
 * @module
 */
import protobuf from 'protobufjs/minimal.js'
import { p2p } from './generated/protobuf/messages.js'
import type { p2p as pb } from './generated/protobuf/messages.types.js'
import { BlockType, PeerInfoType } from './messages.js'
import type { Block, PeerInfo, PeerInfoMessageType } from './messages.js'
import { inputBytes, toDecodeError } from './decoding.js'
import { BLOCK_FORMAT, PEER_INFO_FORMAT, decodeBlock, decodePeerInfo } from './protobuf-decode.js'
import { SerializerId } from './types.js'
import type { Serializer } from './types.js'
import { varintLength, writeVarint } from '../varint.js'
import { allocBytes } from '../alloc.js'

// The generated module is `@ts-nocheck` JavaScript; its typings come from pbts.
const generated = p2p as unknown as typeof pb
const PbPeerInfo = generated.message.PeerInfo

/** A Writer grown beyond this by one large message is dropped rather than kept for the next one. */
const MAX_RETAINED_WRITER_BYTES = 1024 * 1024

/**
 * One reused protobufjs `Writer` (the plain Uint8Array one, not Node's
 * BufferWriter): its backing buffer keeps the size it grew to, so encoding
 * does not start from 128 bytes and double its way up for every message;
 * `finish()` then copies the message out into an exact-size Uint8Array (from
 * protobufjs' small-buffer pool). Encoding is synchronous, so one Writer per
 * serializer is never shared between two messages at once.
 */
class ReusedWriter {
  private writer = new protobuf.Writer()

  /** Runs a generated `encode(message, writer)` on the reused Writer and returns a copy of the bytes. */
  write<M> (encode: (message: M, writer: protobuf.Writer) => unknown, message: M): Uint8Array {
    const w = this.writer
    w.reset()
    try {
      encode(message, w)
    } catch (err) {
      // Never reuse a Writer left mid-message (e.g. with an open fork).
      this.writer = new protobuf.Writer()
      throw err
    }
    const out = w.finish()
    if (w.buf.length > MAX_RETAINED_WRITER_BYTES) this.writer = new protobuf.Writer()
    return out
  }
}

function uint64Length (v: bigint): number {
  if (v <= BigInt(Number.MAX_SAFE_INTEGER)) return varintLength(Number(v))
  let len = 1
  while (v >= 128n) {
    v >>= 7n
    len++
  }
  return len
}

function writeUint64 (buf: Uint8Array, pos: number, v: bigint): number {
  if (v <= BigInt(Number.MAX_SAFE_INTEGER)) return writeVarint(buf, pos, Number(v))
  while (v >= 128n) {
    buf[pos++] = Number(v & 127n) | 128
    v >>= 7n
  }
  buf[pos++] = Number(v)
  return pos
}

function writeBytesField (buf: Uint8Array, pos: number, tag: number, bytes: Uint8Array): number {
  buf[pos++] = tag
  pos = writeVarint(buf, pos, bytes.length)
  buf.set(bytes, pos)
  return pos + bytes.length
}

/**
 * Encodes a Block exactly as the generated protobufjs code does (fields in
 * number order, proto3 defaults omitted) but into ONE exact-size allocation:
 * protobufjs grows its buffer by doubling and copies the result out, which
 * for a 1 MB Block allocated ~4 MB and copied the data ~3 times.
 */
function encodeBlockDirect (v: Block): Uint8Array {
  let len = 0
  if (v.hash.length > 0) len += 1 + varintLength(v.hash.length) + v.hash.length
  if (v.data.length > 0) len += 1 + varintLength(v.data.length) + v.data.length
  if (v.timestamp !== 0n) len += 1 + uint64Length(v.timestamp)
  if (v.ttl !== 0) len += 1 + varintLength(v.ttl)
  if (v.version !== 0) len += 1 + varintLength(v.version)
  if (v.signature.length > 0) len += 1 + varintLength(v.signature.length) + v.signature.length
  const out = allocBytes(len)
  let pos = 0
  if (v.hash.length > 0) pos = writeBytesField(out, pos, 0x0a, v.hash)
  if (v.data.length > 0) pos = writeBytesField(out, pos, 0x12, v.data)
  if (v.timestamp !== 0n) {
    out[pos++] = 0x18
    pos = writeUint64(out, pos, v.timestamp)
  }
  if (v.ttl !== 0) {
    out[pos++] = 0x20
    pos = writeVarint(out, pos, v.ttl)
  }
  if (v.version !== 0) {
    out[pos++] = 0x28
    pos = writeVarint(out, pos, v.version)
  }
  if (v.signature.length > 0) writeBytesField(out, pos, 0x32, v.signature)
  return out
}

/** Creates a Block serializer (`proto/block.proto`). */
export function createProtobufBlockSerializer (): Serializer<Block> {
  return Object.freeze({
    id: SerializerId.protobuf,
    name: 'protobuf',
    type: BlockType,
    encode (value: Block): Uint8Array {
      BlockType.assert(value)
      return encodeBlockDirect(value)
    },
    decode (bytes: Uint8Array): Block {
      try {
        return decodeBlock(inputBytes(bytes))
      } catch (err) {
        throw toDecodeError(BLOCK_FORMAT, err)
      }
    }
  })
}

/**
 * Creates a PeerInfo serializer (`proto/peer_info.proto`) with its own reused
 * Writer. Counts of `multiaddrs` and distinct `metadata` keys are limited
 * to `type.limits` (SizeLimitError) as the entries are read. Duplicate map keys keep the last
 * value, as the protobuf spec requires.
 */
export function createProtobufPeerInfoSerializer (type: PeerInfoMessageType = PeerInfoType): Serializer<PeerInfo> {
  const writer = new ReusedWriter()
  const limits = type.limits
  return Object.freeze({
    id: SerializerId.protobuf,
    name: 'protobuf',
    type,
    encode (value: PeerInfo): Uint8Array {
      type.assert(value)
      const message = { peerId: value.peerId, multiaddrs: value.multiaddrs, metadata: value.metadata }
      return writer.write(PbPeerInfo.encode, message)
    },
    decode (bytes: Uint8Array): PeerInfo {
      try {
        return decodePeerInfo(inputBytes(bytes), undefined, limits)
      } catch (err) {
        throw toDecodeError(PEER_INFO_FORMAT, err)
      }
    }
  })
}

/** Block in protobuf (shared instance). */
export const protobufBlock: Serializer<Block> = createProtobufBlockSerializer()

/** PeerInfo in protobuf (shared instance). */
export const protobufPeerInfo: Serializer<PeerInfo> = createProtobufPeerInfoSerializer()
