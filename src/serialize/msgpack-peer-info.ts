/**
 * PeerInfo in msgpack, hand-written: one exact-size allocation on encode, one
 * pass over the canonical layout on decode, in both layouts wireseal sends
 * (a plain map of the three fields in schema order, or a msgpackr record of
 * shared structure 0 whose `metadata` stays a plain map). Same bytes as
 * msgpackr writes (property-tested).
 *
 * The decoder reports a miss, and the generic decoder takes over, on any
 * other layout and on everything the generic decoder must judge: counts over
 * the schema limits, reserved or repeated metadata keys, invalid UTF-8.
 *
 * @module
 */
import { allocBytes } from '../alloc.js'
import { PeerInfoType } from './messages.js'
import type { PeerInfo, PeerInfoLimits, PeerInfoMessageType } from './messages.js'
import type { MsgpackFastPath } from './msgpack.js'
import {
  MsgpackCursor, binSize, containerHeaderSize, strKey, strSize, utf8Length, writeArrayHeader, writeBin, writeMapHeader, writeStr
} from './msgpack-wire.js'

const PEER_ID = strKey('peerId')
const MULTIADDRS = strKey('multiaddrs')
const METADATA = strKey('metadata')
const KEY_BYTES = PEER_ID.length + MULTIADDRS.length + METADATA.length
/** `fixmap` of 3 entries. */
const MAP_3 = 0x83
/** msgpackr's reference to shared structure 0. */
const RECORD_0 = 0x40

function putKey (out: Uint8Array, pos: number, key: Uint8Array, records: boolean): number {
  if (records) return pos
  out.set(key, pos)
  return pos + key.length
}

function encode (v: PeerInfo, records: boolean, reserve: number): Uint8Array {
  const { peerId, multiaddrs, metadata } = v
  const keys = Object.keys(metadata)
  // UTF-8 lengths of each key and value, in write order.
  const lengths = new Array<number>(2 * keys.length)
  let size = reserve + 1 + (records ? 0 : KEY_BYTES) + binSize(peerId.length) +
    containerHeaderSize(multiaddrs.length) + containerHeaderSize(keys.length)
  for (let i = 0; i < multiaddrs.length; i++) size += binSize((multiaddrs[i] as Uint8Array).length)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const kn = utf8Length(key)
    const vn = utf8Length(metadata[key] as string)
    lengths[2 * i] = kn
    lengths[2 * i + 1] = vn
    size += strSize(kn) + strSize(vn)
  }
  const out = allocBytes(size)
  let pos = reserve
  out[pos++] = records ? RECORD_0 : MAP_3
  pos = writeBin(out, putKey(out, pos, PEER_ID, records), peerId)
  pos = writeArrayHeader(out, putKey(out, pos, MULTIADDRS, records), multiaddrs.length)
  for (let i = 0; i < multiaddrs.length; i++) pos = writeBin(out, pos, multiaddrs[i] as Uint8Array)
  pos = writeMapHeader(out, putKey(out, pos, METADATA, records), keys.length)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    pos = writeStr(out, pos, key, lengths[2 * i] as number)
    pos = writeStr(out, pos, metadata[key] as string, lengths[2 * i + 1] as number)
  }
  return out
}

function decode (bytes: Uint8Array, start: number, records: boolean, limits: PeerInfoLimits): PeerInfo | undefined {
  if (bytes[start] !== (records ? RECORD_0 : MAP_3)) return undefined
  const c = new MsgpackCursor(bytes, start + 1)
  const keyed = !records
  if (keyed && !c.expect(PEER_ID)) return undefined
  const peerId = c.bin()
  if (peerId === undefined || (keyed && !c.expect(MULTIADDRS))) return undefined
  const count = c.arrayHeader()
  if (count < 0 || count > limits.maxPeerInfoMultiaddrs) return undefined
  const multiaddrs = new Array<Uint8Array>(count)
  for (let i = 0; i < count; i++) {
    const a = c.bin()
    if (a === undefined) return undefined
    multiaddrs[i] = a
  }
  if (keyed && !c.expect(METADATA)) return undefined
  const metadata = c.stringMap(limits.maxPeerInfoMetadataEntries)
  return metadata !== undefined && c.atEnd() ? { peerId, multiaddrs, metadata } : undefined
}

/** The PeerInfo fast path of the msgpack serializers of `type` (its counts bound the decoder). */
export function createPeerInfoFastPath (type: PeerInfoMessageType): MsgpackFastPath<PeerInfo> {
  const limits = type.limits
  return Object.freeze({
    encode,
    decode: (bytes: Uint8Array, start: number, records: boolean) => decode(bytes, start, records, limits)
  })
}

/** The PeerInfo fast path at the default counts. */
export const peerInfoFastPath: MsgpackFastPath<PeerInfo> = createPeerInfoFastPath(PeerInfoType)
