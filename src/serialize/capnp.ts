/**
 * Cap'n Proto serializers, wire id 6, for `proto/block.capnp` and
 * `proto/peer_info.capnp`, written by hand on ./capnp-wire.ts (no runtime
 * library). The layout constants below are the compiler's
 * (`capnp compile -ocapnp`); `test/serialize/capnp.test.ts` checks them
 * against the capnp-es code generated into `./generated/capnp/` and
 * cross-checks both directions with capnp-es and, where installed, the C++
 * `capnp` tool.
 *
 * - Messages are framed as in "Serialization over a stream"
 *   (https://capnproto.org/encoding.html#serialization-over-a-stream): the
 *   segment table, then the segments.
 * - Encoding is canonical (encoding.html "Canonicalization"): one segment,
 *   objects in pre-order, struct data sections without trailing zero words and
 *   pointer sections without trailing null pointers (a composite list's
 *   elements all take the largest such size), zero-sized structs at offset -1.
 *   Empty bytes, strings and lists are written as null pointers (what they
 *   decode from), so a value has exactly one encoding. Metadata entries keep
 *   insertion order.
 * - Decoding accepts any valid message within the limits of
 *   {@link CapnpReader}: multi-segment with far pointers, larger structs from
 *   newer schemas (extra fields are not visited), smaller ones from older
 *   (missing fields read as defaults). Lists must have the element size of the
 *   schema (no list upgrades). Decoded `bytes` are views into the input.
 * - Bounded: the segment table is checked before any pointer is followed;
 *   every object is bounds-checked and charged to a traversal budget of the
 *   message's own word count; PeerInfo lists are checked against the type's
 *   `limits` (`maxPeerInfoMultiaddrs`, `maxPeerInfoMetadataEntries`) from
 *   their pointers before any element is read. Metadata keys: reserved keys refused,
 *   duplicates keep the last value.
 *
 * @module
 */
import { InvalidValueError } from '../errors.js'
import { allocBytes } from '../alloc.js'
import {
  CapnpReader, ELEMENT, MAX_LIST_COUNT, putListPointer, putSingleSegmentTable, putStructPointer, putU32, putU64, wordsOf
} from './capnp-wire.js'
import { EMPTY_BYTES, checkDecodedKey, inputBytes, toDecodeError } from './decoding.js'
import { BlockType, PeerInfoType } from './messages.js'
import type { Block, PeerInfo, PeerInfoLimits, PeerInfoMessageType } from './messages.js'
import { utf8Length } from './msgpack-wire.js'
import { SerializerId } from './types.js'
import type { Serializer } from './types.js'

/**
 * Struct layouts, from `capnp compile -ocapnp proto/*.capnp`: section sizes
 * in words, data fields by byte offset, pointer fields by index.
 */
export const CAPNP_LAYOUT = Object.freeze({
  Block: Object.freeze({ dataWords: 2, ptrWords: 3, timestamp: 0, ttl: 8, version: 12, hash: 0, data: 1, signature: 2 }),
  PeerInfo: Object.freeze({ dataWords: 0, ptrWords: 3, peerId: 0, multiaddrs: 1, metadata: 2 }),
  MetadataEntry: Object.freeze({ dataWords: 0, ptrWords: 2, key: 0, value: 1 })
} as const)

const BLOCK_FORMAT = 'capnp/Block'
const PEER_INFO_FORMAT = 'capnp/PeerInfo'

/** Segment table (one segment) plus the root pointer, in bytes. */
const HEAD = 16

/** Refuses a byte string or list too long for a list pointer's 29-bit count. */
function checkListCount (field: string, n: number): void {
  if (n > MAX_LIST_COUNT) throw new InvalidValueError(field, `at most ${MAX_LIST_COUNT} elements (a Cap'n Proto list count)`)
}

/** Writes a Data field's pointer at `p` and its bytes at `c` (nothing for empty bytes); returns the next free position. */
function putData (out: Uint8Array, p: number, c: number, bytes: Uint8Array): number {
  const n = bytes.length
  if (n === 0) return c
  putListPointer(out, p, c, ELEMENT.byte, n)
  out.set(bytes, c)
  return c + wordsOf(n) * 8
}

/** Writes a Text field's pointer at `p` and its UTF-8 bytes of length `n`, NUL-terminated, at `c` (nothing for ''). */
function putText (out: Uint8Array, p: number, c: number, s: string, n: number): number {
  if (n === 0) return c
  putListPointer(out, p, c, ELEMENT.byte, n + 1)
  if (n === s.length) {
    for (let i = 0; i < n; i++) out[c + i] = s.charCodeAt(i)
  } else {
    textEncoder.encodeInto(s, out.subarray(c, c + n))
  }
  return c + wordsOf(n + 1) * 8
}

const textEncoder = new TextEncoder()

function encodeBlock (v: Block): Uint8Array {
  const L = CAPNP_LAYOUT.Block
  const { hash, data, signature, timestamp, ttl, version } = v
  checkListCount('Block.hash', hash.length)
  checkListCount('Block.data', data.length)
  checkListCount('Block.signature', signature.length)
  const dw = ttl !== 0 || version !== 0 ? 2 : timestamp !== 0n ? 1 : 0
  const pw = signature.length > 0 ? 3 : data.length > 0 ? 2 : hash.length > 0 ? 1 : 0
  const words = 1 + dw + pw + wordsOf(hash.length) + wordsOf(data.length) + wordsOf(signature.length)
  const out = allocBytes(8 + words * 8)
  putSingleSegmentTable(out, words)
  putStructPointer(out, 8, HEAD, dw, pw)
  if (dw > 0) putU64(out, HEAD + L.timestamp, timestamp)
  if (dw > 1) {
    putU32(out, HEAD + L.ttl, ttl)
    putU32(out, HEAD + L.version, version)
  }
  const ptrs = HEAD + dw * 8
  let c = ptrs + pw * 8
  c = putData(out, ptrs + 8 * L.hash, c, hash)
  c = putData(out, ptrs + 8 * L.data, c, data)
  putData(out, ptrs + 8 * L.signature, c, signature)
  return out
}

function decodeBlock (input: Uint8Array): Block {
  const L = CAPNP_LAYOUT.Block
  const r = new CapnpReader(BLOCK_FORMAT, input)
  const s = r.root()
  const dw = r.dataWords
  const pw = r.ptrWords
  const seg = r.seg
  const ptrs = s + dw * 8
  return {
    hash: pw > L.hash ? r.data(ptrs + 8 * L.hash, seg, 'Block.hash') : EMPTY_BYTES,
    data: pw > L.data ? r.data(ptrs + 8 * L.data, seg, 'Block.data') : EMPTY_BYTES,
    timestamp: dw > 0 ? r.u64(s + L.timestamp) : 0n,
    ttl: dw > 1 ? r.u32(s + L.ttl) : 0,
    version: dw > 1 ? r.u32(s + L.version) : 0,
    signature: pw > L.signature ? r.data(ptrs + 8 * L.signature, seg, 'Block.signature') : EMPTY_BYTES
  }
}

function encodePeerInfo (v: PeerInfo): Uint8Array {
  const { peerId, multiaddrs, metadata } = v
  checkListCount('PeerInfo.peerId', peerId.length)
  const keys = Object.keys(metadata)
  const n = multiaddrs.length
  const m = keys.length
  let words = 1 + wordsOf(peerId.length)
  if (n > 0) {
    words += n
    for (let i = 0; i < n; i++) {
      const a = (multiaddrs[i] as Uint8Array).length
      checkListCount('PeerInfo.multiaddrs', a)
      words += wordsOf(a)
    }
  }
  // UTF-8 lengths of key i at 2i, value i at 2i + 1; the entries' pointer count is the largest any entry needs.
  const lengths = new Array<number>(2 * m)
  let epw = 0
  for (let i = 0; i < m; i++) {
    const key = keys[i] as string
    const kl = utf8Length(key)
    const vl = utf8Length(metadata[key] as string)
    lengths[2 * i] = kl
    lengths[2 * i + 1] = vl
    if (vl > 0) epw = 2
    else if (kl > 0 && epw === 0) epw = 1
    checkListCount('PeerInfo.metadata', Math.max(kl, vl) + 1)
    if (kl > 0) words += wordsOf(kl + 1)
    if (vl > 0) words += wordsOf(vl + 1)
  }
  if (m > 0) words += 1 + m * epw
  const pw = m > 0 ? 3 : n > 0 ? 2 : peerId.length > 0 ? 1 : 0
  words += pw
  const out = allocBytes(8 + words * 8)
  putSingleSegmentTable(out, words)
  putStructPointer(out, 8, HEAD, 0, pw)
  const L = CAPNP_LAYOUT.PeerInfo
  const ptrs = HEAD
  let c = putData(out, ptrs + 8 * L.peerId, ptrs + pw * 8, peerId)
  if (n > 0) {
    const list = c
    putListPointer(out, ptrs + 8 * L.multiaddrs, list, ELEMENT.pointer, n)
    c += n * 8
    for (let i = 0; i < n; i++) c = putData(out, list + 8 * i, c, multiaddrs[i] as Uint8Array)
  }
  if (m > 0) {
    const E = CAPNP_LAYOUT.MetadataEntry
    const tag = c
    putListPointer(out, ptrs + 8 * L.metadata, tag, ELEMENT.composite, m * epw)
    putU32(out, tag, m << 2)
    putU32(out, tag + 4, epw << 16)
    const first = tag + 8
    c = first + m * epw * 8
    for (let i = 0; i < m; i++) {
      const e = first + i * epw * 8
      const key = keys[i] as string
      if (epw > E.key) c = putText(out, e + 8 * E.key, c, key, lengths[2 * i] as number)
      if (epw > E.value) c = putText(out, e + 8 * E.value, c, metadata[key] as string, lengths[2 * i + 1] as number)
    }
  }
  return out
}

function decodePeerInfo (input: Uint8Array, limits: PeerInfoLimits): PeerInfo {
  const L = CAPNP_LAYOUT.PeerInfo
  const E = CAPNP_LAYOUT.MetadataEntry
  const r = new CapnpReader(PEER_INFO_FORMAT, input)
  const ptrs = r.root() + r.dataWords * 8
  const pw = r.ptrWords
  const seg = r.seg
  const peerId = pw > L.peerId ? r.data(ptrs + 8 * L.peerId, seg, 'PeerInfo.peerId') : EMPTY_BYTES
  let multiaddrs: Uint8Array[] = []
  if (pw > L.multiaddrs) {
    const list = r.pointerList(ptrs + 8 * L.multiaddrs, seg, limits.maxPeerInfoMultiaddrs, 'PeerInfo.multiaddrs')
    const n = r.count
    const listSeg = r.seg
    multiaddrs = new Array<Uint8Array>(n)
    for (let i = 0; i < n; i++) multiaddrs[i] = r.data(list + 8 * i, listSeg, 'PeerInfo.multiaddrs')
  }
  const metadata: Record<string, string> = {}
  if (pw > L.metadata) {
    const first = r.structList(ptrs + 8 * L.metadata, seg, limits.maxPeerInfoMetadataEntries, 'PeerInfo.metadata')
    const m = r.count
    const edw = r.dataWords
    const epw = r.ptrWords
    const listSeg = r.seg
    for (let i = 0; i < m; i++) {
      const e = first + i * (edw + epw) * 8 + edw * 8
      const key = epw > E.key ? r.text(e + 8 * E.key, listSeg, 'PeerInfo.metadata key') : ''
      checkDecodedKey(PEER_INFO_FORMAT, 'PeerInfo.metadata', key)
      metadata[key] = epw > E.value ? r.text(e + 8 * E.value, listSeg, 'PeerInfo.metadata value') : ''
    }
  }
  return { peerId, multiaddrs, metadata }
}

/** Creates a Block serializer (`proto/block.capnp`). */
export function createCapnpBlockSerializer (): Serializer<Block> {
  return Object.freeze({
    id: SerializerId.capnp,
    name: 'capnp',
    type: BlockType,
    encode (value: Block): Uint8Array {
      BlockType.assert(value)
      return encodeBlock(value)
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

/** Creates a PeerInfo serializer (`proto/peer_info.capnp`), its list counts limited to `type.limits`. */
export function createCapnpPeerInfoSerializer (type: PeerInfoMessageType = PeerInfoType): Serializer<PeerInfo> {
  const limits = type.limits
  return Object.freeze({
    id: SerializerId.capnp,
    name: 'capnp',
    type,
    encode (value: PeerInfo): Uint8Array {
      type.assert(value)
      return encodePeerInfo(value)
    },
    decode (bytes: Uint8Array): PeerInfo {
      try {
        return decodePeerInfo(inputBytes(bytes), limits)
      } catch (err) {
        throw toDecodeError(PEER_INFO_FORMAT, err)
      }
    }
  })
}

/** Block in Cap'n Proto (shared instance). */
export const capnpBlock: Serializer<Block> = createCapnpBlockSerializer()

/** PeerInfo in Cap'n Proto (shared instance). */
export const capnpPeerInfo: Serializer<PeerInfo> = createCapnpPeerInfoSerializer()
