/**
 * Protocol Buffers (proto3) serializers, wire id 1, on the protobufjs static
 * code generated from `proto/*.proto` (see `scripts/generate.sh`).
 *
 * - uint64 is exact over 0..2^64-1: encoded from `bigint` through a safe
 *   `number` or a `{ low, high }` pair; decoded straight to `bigint` by a
 *   Reader whose `uint64()` replaces protobufjs' `Long` (whose precision
 *   depends on long.js being installed, and costs two allocations).
 * - Decoding rejects truncation, bad varints (over 10 bytes, also in skipped
 *   fields), invalid UTF-8, field number 0, groups (wire types 3 and 4,
 *   anywhere) and a known field arriving with the wrong wire type (the
 *   generated code is patched to throw instead of skipping it). Unknown field
 *   numbers are skipped without allocating (protobufjs' `discardUnknown`), as
 *   proto3 requires for forward compatibility
 *   (https://protobuf.dev/programming-guides/proto3/#unknowns).
 * - Bounded: inputs over 4 KiB are pre-scanned (./protobuf-scan.ts) so that
 *   PeerInfo's repeated fields stay under their limits and Block's bytes
 *   fields occur at most 16 times each before anything is materialised;
 *   work is one pass, output views into the input.
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
import type { Block, PeerInfo } from './messages.js'
import { EMPTY_BYTES, checkCount, inputBytes, toDecodeError } from './decoding.js'
import { RESERVED_KEYS } from './schema.js'
import { MalformedInputError } from '../errors.js'
import { checkRepeatedCounts } from './protobuf-scan.js'
import { SerializerId } from './types.js'
import type { Serializer } from './types.js'
import { DEFAULT_MAX_METADATA_ENTRIES, DEFAULT_MAX_MULTIADDRS } from '../limits.js'
import { varintLength, writeVarint } from '../varint.js'
import { allocBytes } from '../alloc.js'

// The generated module is `@ts-nocheck` JavaScript; its typings come from pbts.
const generated = p2p as unknown as typeof pb
const PbBlock = generated.message.Block
const PbPeerInfo = generated.message.PeerInfo

/**
 * The generated decoders' full signature: `_target` is the object to decode
 * into (protobufjs uses it for message reuse). Decoding straight into the
 * value we return saves an allocation and a copy per message.
 */
type DecodeInto<T> = (reader: protobuf.Reader, length: undefined, end: undefined, depth: number, target: T) => T

/**
 * Reads a base-128 varint as an exact uint64 bigint (protobuf encoding spec,
 * "Base 128 Varints"): up to 7 bytes (49 bits) accumulate in a double, which is
 * exact; longer ones continue in bigint. At most 10 bytes; bits above 64 are
 * dropped, as the spec's uint64 parsing requires.
 */
function readUint64 (r: protobuf.Reader): bigint {
  const buf = r.buf
  const len = r.len
  let pos = r.pos
  let value = 0
  let scale = 1
  for (let i = 0; i < 7; i++) {
    if (pos >= len) throw new RangeError('index out of range')
    const b = buf[pos++] as number
    value += (b & 0x7f) * scale
    if (b < 0x80) {
      r.pos = pos
      return BigInt(value)
    }
    scale *= 128
  }
  let big = BigInt(value)
  for (let shift = 49n; shift < 70n; shift += 7n) {
    if (pos >= len) throw new RangeError('index out of range')
    const b = buf[pos++] as number
    big |= BigInt(b & 0x7f) << shift
    if (b < 0x80) {
      r.pos = pos
      return BigInt.asUintN(64, big)
    }
  }
  throw new RangeError('varint longer than 10 bytes')
}

/**
 * Readers whose `uint64()` returns an exact bigint instead of a `Long` (which
 * costs two allocations plus a conversion). The generated code only tests the
 * result with `typeof v === 'object' ? ... : v !== 0`, which keeps every
 * bigint, so decoded uint64 fields come out as bigint directly.
 *
 * Built with `Object.create` + the real `Reader` constructor rather than
 * `class extends Reader`: V8 runs the generated decoders about 5x slower on
 * instances of an ES class derived from protobufjs' ES5 constructor.
 */
const baseSkipType = protobuf.Reader.prototype.skipType

/**
 * What the generated decoders call for unknown fields: proto3 has no groups
 * (wire types 3 and 4 are refused, as the pre-scan does, instead of
 * protobufjs' recursive group skipping), and a skipped varint has at most 10
 * bytes (protobufjs' `skip()` follows continuation bits without end).
 */
function skipUnknown (this: protobuf.Reader, wireType: number, depth?: number, field?: number): protobuf.Reader {
  if (wireType === 3 || wireType === 4) throw new RangeError(`group (wire type ${wireType}) in a proto3 message`)
  if (wireType !== 0) return baseSkipType.call(this, wireType, depth, field)
  if (field === 0) throw new RangeError('field number 0')
  const buf = this.buf
  let pos = this.pos
  for (let i = 0; ; i++) {
    if (i === 10) throw new RangeError('varint longer than 10 bytes')
    if (pos >= this.len) throw new RangeError('index out of range')
    if ((buf[pos++] as number) < 0x80) break
  }
  this.pos = pos
  return this
}

const uint64ReaderPrototype: protobuf.Reader = Object.create(protobuf.Reader.prototype, {
  uint64: {
    value: function uint64 (this: protobuf.Reader): bigint { return readUint64(this) },
    writable: true,
    configurable: true
  },
  skipType: { value: skipUnknown, writable: true, configurable: true }
})
const initReader = protobuf.Reader as unknown as (this: protobuf.Reader, buffer: Uint8Array) => void

/** A protobufjs Reader over `bytes` (a plain Uint8Array, so `bytes()` returns plain views) that reads uint64 as bigint. */
function uint64Reader (bytes: Uint8Array): protobuf.Reader {
  const reader: protobuf.Reader = Object.create(uint64ReaderPrototype)
  initReader.call(reader, bytes)
  return reader
}

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

/**
 * Inputs up to this size are decoded without the counting pre-scan: they
 * cannot hold enough entries (each takes at least 2 bytes) for
 * materialising them before the count check to matter (at most ~2,000 small
 * views). Larger inputs are scanned first (one pass over the top-level tags,
 * O(1) per field), so a 10 MiB PeerInfo of empty entries, or a Block of
 * millions of repeated `hash` fields, is refused without creating millions
 * of objects.
 */
const PRESCAN_ABOVE_BYTES = 4096

const BLOCK_FORMAT = 'protobuf/Block'
/** Field numbers of Block's length-delimited fields (hash, data, signature): each decodes to a view object. */
const BLOCK_BYTES_FIELDS: readonly number[] = Object.freeze([1, 2, 6])
/**
 * Most occurrences of one of them in a large Block (above
 * {@link PRESCAN_ABOVE_BYTES}). proto3 keeps the last of repeated singular
 * fields and encoders write each once; without a bound, 10 MiB of `0a 00`
 * would allocate five million views (36 B of heap per input byte).
 */
const MAX_SINGULAR_REPEATS = 16
const BLOCK_BYTES_LIMITS: readonly number[] = Object.freeze([MAX_SINGULAR_REPEATS, MAX_SINGULAR_REPEATS, MAX_SINGULAR_REPEATS])

/** Creates a Block serializer (`proto/block.proto`) with its own reused Writer. */
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
      const out: Block = { hash: EMPTY_BYTES, data: EMPTY_BYTES, timestamp: 0n, ttl: 0, version: 0, signature: EMPTY_BYTES }
      try {
        const input = inputBytes(bytes)
        if (input.length > PRESCAN_ABOVE_BYTES) checkRepeatedCounts(BLOCK_FORMAT, input, BLOCK_BYTES_FIELDS, BLOCK_BYTES_LIMITS)
        ;(PbBlock.decode as unknown as DecodeInto<Block>)(uint64Reader(input), undefined, undefined, 0, out)
      } catch (err) {
        throw toDecodeError(BLOCK_FORMAT, err)
      }
      // The generated code `delete`s a field that is present with its default
      // value (legal, though canonical encoders omit it): rebuild with defaults.
      if (out.hash === undefined || out.data === undefined || out.timestamp === undefined ||
          out.ttl === undefined || out.version === undefined || out.signature === undefined) {
        return {
          hash: out.hash ?? EMPTY_BYTES,
          data: out.data ?? EMPTY_BYTES,
          timestamp: out.timestamp ?? 0n,
          ttl: out.ttl ?? 0,
          version: out.version ?? 0,
          signature: out.signature ?? EMPTY_BYTES
        }
      }
      return out
    }
  })
}

const PEER_INFO_FORMAT = 'protobuf/PeerInfo'
/** Field numbers of the repeated fields in `proto/peer_info.proto` (multiaddrs, metadata) and their limits. */
const PEER_INFO_REPEATED_FIELDS: readonly number[] = Object.freeze([2, 3])
const PEER_INFO_REPEATED_LIMITS: readonly number[] = Object.freeze([DEFAULT_MAX_MULTIADDRS, DEFAULT_MAX_METADATA_ENTRIES])

/**
 * Creates a PeerInfo serializer (`proto/peer_info.proto`) with its own reused
 * Writer. Counts of `multiaddrs` and `metadata` entries are limited
 * (SizeLimitError); inputs above 4 KiB are pre-scanned so that the limit holds
 * before anything is materialised. Duplicate map keys keep the last value, as
 * the protobuf spec requires.
 */
export function createProtobufPeerInfoSerializer (): Serializer<PeerInfo> {
  const writer = new ReusedWriter()
  return Object.freeze({
    id: SerializerId.protobuf,
    name: 'protobuf',
    type: PeerInfoType,
    encode (value: PeerInfo): Uint8Array {
      PeerInfoType.assert(value)
      const message = { peerId: value.peerId, multiaddrs: value.multiaddrs, metadata: value.metadata }
      return writer.write(PbPeerInfo.encode, message)
    },
    decode (bytes: Uint8Array): PeerInfo {
      const out: PeerInfo = { peerId: EMPTY_BYTES, multiaddrs: [], metadata: {} }
      try {
        const input = inputBytes(bytes)
        if (input.length > PRESCAN_ABOVE_BYTES) checkRepeatedCounts(PEER_INFO_FORMAT, input, PEER_INFO_REPEATED_FIELDS, PEER_INFO_REPEATED_LIMITS)
        ;(PbPeerInfo.decode as unknown as DecodeInto<PeerInfo>)(uint64Reader(input), undefined, undefined, 0, out)
      } catch (err) {
        throw toDecodeError(PEER_INFO_FORMAT, err)
      }
      checkCount(DEFAULT_MAX_MULTIADDRS, out.multiaddrs.length)
      let entries = 0
      // The generated code stores `__proto__` as an own property; refuse every reserved key.
      // (Keys are well-formed: `stringVerify` refused invalid UTF-8.)
      for (const key in out.metadata) {
        if (RESERVED_KEYS.has(key)) throw new MalformedInputError(PEER_INFO_FORMAT, `PeerInfo.metadata: reserved key ${JSON.stringify(key)}`)
        entries++
      }
      // Distinct keys; the pre-scan (large inputs) counted entries, duplicates included.
      checkCount(DEFAULT_MAX_METADATA_ENTRIES, entries)
      // A present-but-empty peer_id was `delete`d (see Block): rebuild with the default.
      if (out.peerId === undefined) return { peerId: EMPTY_BYTES, multiaddrs: out.multiaddrs, metadata: out.metadata }
      return out
    }
  })
}

/** Block in protobuf (shared instance). */
export const protobufBlock: Serializer<Block> = createProtobufBlockSerializer()

/** PeerInfo in protobuf (shared instance). */
export const protobufPeerInfo: Serializer<PeerInfo> = createProtobufPeerInfoSerializer()
