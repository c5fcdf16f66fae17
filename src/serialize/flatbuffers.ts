/**
 * FlatBuffers serializers, wire id 3, on the flatc-generated code of
 * `proto/block.fbs` and `proto/peer_info.fbs` and the `flatbuffers` runtime.
 *
 * - Encoding reuses one `Builder` per serializer (`clear()` per message) and
 *   writes byte fields with `createByteVector` (the generated per-byte helpers
 *   are ~25x slower on 16 KB); empty byte strings are left out (absent = empty,
 *   as in proto3). The result is copied out of the builder once.
 * - Decoding verifies every offset first ({@link FlatbuffersVerifier}), so
 *   garbage is a MalformedInputError, never a RangeError or a made-up value;
 *   then reads through the generated accessors. Strings must be valid UTF-8.
 *   Decoded `bytes` are views into the input (zero-copy).
 * - A FlatBuffer has no length of its own: bytes after the last object are not
 *   detected as trailing data.
 *
 * @module
 */
import * as flatbuffers from 'flatbuffers'
import { isUtf8 } from 'node:buffer'
import { Block as FbBlock, Bytes as FbBytes, MetadataEntry as FbMetadataEntry, PeerInfo as FbPeerInfo } from './generated/flatbuffers/index.js'
import { BlockType, PeerInfoType } from './messages.js'
import type { Block, PeerInfo, PeerInfoMessageType } from './messages.js'
import { EMPTY_BYTES, checkDecodedKey, inputBytes, toDecodeError } from './decoding.js'
import { FlatbuffersVerifier } from './flatbuffers-verify.js'
import { MalformedInputError } from '../errors.js'
import { SerializerId } from './types.js'
import type { Serializer } from './types.js'

/** Initial builder size: a Block with a few hundred bytes of data fits without growing. */
const INITIAL_BUILDER_BYTES = 1024
/** A builder grown beyond this by one large message is dropped rather than kept for the next one. */
const MAX_RETAINED_BUILDER_BYTES = 1024 * 1024

/** Owns a reused Builder; hands it out cleared, and drops it after a message that grew it too much. */
class BuilderPool {
  private builder = new flatbuffers.Builder(INITIAL_BUILDER_BYTES)

  take (): flatbuffers.Builder {
    this.builder.clear()
    return this.builder
  }

  /** Copies the finished buffer out of the builder. */
  finish (b: flatbuffers.Builder, root: flatbuffers.Offset): Uint8Array {
    b.finish(root)
    const out = b.asUint8Array().slice()
    if (b.dataBuffer().capacity() > MAX_RETAINED_BUILDER_BYTES) this.builder = new flatbuffers.Builder(INITIAL_BUILDER_BYTES)
    return out
  }
}

/** Adds a byte vector, or nothing for an empty one (absent reads back as empty). */
function byteVector (b: flatbuffers.Builder, bytes: Uint8Array): flatbuffers.Offset {
  return bytes.length === 0 ? 0 : b.createByteVector(bytes)
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Reads a verified string field as UTF-8 bytes, refusing invalid UTF-8; absent -> ''. */
function text (format: string, bytes: Uint8Array | string | null): string {
  if (bytes === null) return ''
  if (typeof bytes === 'string') return bytes
  if (!isUtf8(bytes)) throw new MalformedInputError(format, 'invalid UTF-8 in string')
  return utf8.decode(bytes)
}

// Field slots, in schema order (proto/*.fbs).
const BLOCK = { hash: 0, data: 1, timestamp: 2, ttl: 3, version: 4, signature: 5 } as const
const PEER_INFO = { peerId: 0, multiaddrs: 1, metadata: 2 } as const
const BYTES_VALUE = 0
const ENTRY = { key: 0, value: 1 } as const

/** Creates a Block serializer with its own Builder. */
export function createFlatbuffersBlockSerializer (): Serializer<Block> {
  const format = 'flatbuffers/Block'
  const pool = new BuilderPool()
  return Object.freeze({
    id: SerializerId.flatbuffers,
    name: 'flatbuffers',
    type: BlockType,
    encode (value: Block): Uint8Array {
      BlockType.assert(value)
      const b = pool.take()
      const hash = byteVector(b, value.hash)
      const data = byteVector(b, value.data)
      const signature = byteVector(b, value.signature)
      FbBlock.startBlock(b)
      if (hash !== 0) FbBlock.addHash(b, hash)
      if (data !== 0) FbBlock.addData(b, data)
      FbBlock.addTimestamp(b, value.timestamp)
      FbBlock.addTtl(b, value.ttl)
      FbBlock.addVersion(b, value.version)
      if (signature !== 0) FbBlock.addSignature(b, signature)
      return pool.finish(b, FbBlock.endBlock(b))
    },
    decode (bytes: Uint8Array): Block {
      try {
        const input = inputBytes(bytes)
        const v = new FlatbuffersVerifier(format, input)
        const t = v.root()
        v.vector(v.field(t, BLOCK.hash, 4), 1)
        v.vector(v.field(t, BLOCK.data, 4), 1)
        v.field(t, BLOCK.timestamp, 8)
        v.field(t, BLOCK.ttl, 4)
        v.field(t, BLOCK.version, 4)
        v.vector(v.field(t, BLOCK.signature, 4), 1)
        const r = FbBlock.getRootAsBlock(new flatbuffers.ByteBuffer(input))
        return {
          hash: r.hashArray() ?? EMPTY_BYTES,
          data: r.dataArray() ?? EMPTY_BYTES,
          timestamp: r.timestamp(),
          ttl: r.ttl(),
          version: r.version(),
          signature: r.signatureArray() ?? EMPTY_BYTES
        }
      } catch (err) {
        throw toDecodeError(format, err)
      }
    }
  })
}

/** Creates a PeerInfo serializer with its own Builder. Multiaddrs and metadata counts are checked against `type.limits` before any element is read. */
export function createFlatbuffersPeerInfoSerializer (type: PeerInfoMessageType = PeerInfoType): Serializer<PeerInfo> {
  const format = 'flatbuffers/PeerInfo'
  const pool = new BuilderPool()
  const { maxPeerInfoMultiaddrs, maxPeerInfoMetadataEntries } = type.limits
  return Object.freeze({
    id: SerializerId.flatbuffers,
    name: 'flatbuffers',
    type,
    encode (value: PeerInfo): Uint8Array {
      type.assert(value)
      const b = pool.take()
      const peerId = byteVector(b, value.peerId)
      const addrs = value.multiaddrs.map((addr) => {
        const bytes = byteVector(b, addr)
        FbBytes.startBytes(b)
        if (bytes !== 0) FbBytes.addValue(b, bytes)
        return FbBytes.endBytes(b)
      })
      const entries = Object.keys(value.metadata).map((key) => {
        const k = b.createString(key)
        const s = b.createString(value.metadata[key] as string)
        FbMetadataEntry.startMetadataEntry(b)
        FbMetadataEntry.addKey(b, k)
        FbMetadataEntry.addValue(b, s)
        return FbMetadataEntry.endMetadataEntry(b)
      })
      const multiaddrs = addrs.length === 0 ? 0 : FbPeerInfo.createMultiaddrsVector(b, addrs)
      const metadata = entries.length === 0 ? 0 : FbPeerInfo.createMetadataVector(b, entries)
      FbPeerInfo.startPeerInfo(b)
      if (peerId !== 0) FbPeerInfo.addPeerId(b, peerId)
      if (multiaddrs !== 0) FbPeerInfo.addMultiaddrs(b, multiaddrs)
      if (metadata !== 0) FbPeerInfo.addMetadata(b, metadata)
      return pool.finish(b, FbPeerInfo.endPeerInfo(b))
    },
    decode (bytes: Uint8Array): PeerInfo {
      try {
        const input = inputBytes(bytes)
        const v = new FlatbuffersVerifier(format, input)
        const t = v.root()
        v.vector(v.field(t, PEER_INFO.peerId, 4), 1)
        const addrsField = v.field(t, PEER_INFO.multiaddrs, 4)
        const addrCount = v.vector(addrsField, 4, maxPeerInfoMultiaddrs)
        for (let i = 0; i < addrCount; i++) {
          v.vector(v.field(v.tableElement(addrsField, i), BYTES_VALUE, 4), 1)
        }
        const metaField = v.field(t, PEER_INFO.metadata, 4)
        const metaCount = v.vector(metaField, 4, maxPeerInfoMetadataEntries)
        for (let i = 0; i < metaCount; i++) {
          const e = v.tableElement(metaField, i)
          v.string(v.field(e, ENTRY.key, 4))
          v.string(v.field(e, ENTRY.value, 4))
        }
        const r = FbPeerInfo.getRootAsPeerInfo(new flatbuffers.ByteBuffer(input))
        const multiaddrs = new Array<Uint8Array>(addrCount)
        const addr = new FbBytes()
        for (let i = 0; i < addrCount; i++) {
          multiaddrs[i] = (r.multiaddrs(i, addr) as FbBytes).valueArray() ?? EMPTY_BYTES
        }
        const metadata: Record<string, string> = {}
        const entry = new FbMetadataEntry()
        for (let i = 0; i < metaCount; i++) {
          r.metadata(i, entry)
          const key = text(format, entry.key(flatbuffers.Encoding.UTF8_BYTES))
          checkDecodedKey(format, 'PeerInfo.metadata', key)
          metadata[key] = text(format, entry.value(flatbuffers.Encoding.UTF8_BYTES))
        }
        return { peerId: r.peerIdArray() ?? EMPTY_BYTES, multiaddrs, metadata }
      } catch (err) {
        throw toDecodeError(format, err)
      }
    }
  })
}

/** Block in FlatBuffers (shared instance; its Builder is reused across calls). */
export const flatbuffersBlock: Serializer<Block> = createFlatbuffersBlockSerializer()

/** PeerInfo in FlatBuffers (shared instance; its Builder is reused across calls). */
export const flatbuffersPeerInfo: Serializer<PeerInfo> = createFlatbuffersPeerInfoSerializer()
