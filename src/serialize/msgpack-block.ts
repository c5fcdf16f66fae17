/**
 * Block in msgpack, hand-written: one exact-size allocation on encode, one
 * pass over the canonical layout on decode, in both layouts wireseal sends
 * (a plain map of the six fields in schema order, or a msgpackr record of
 * shared structure 0). Same bytes as msgpackr writes (property-tested).
 *
 * Any other valid layout (keys in another order, floats, unknown keys) and
 * every invalid input makes {@link blockFastPath}'s decoder report a miss, and
 * the generic decoder (bounded scan, msgpackr, shape checks) takes over.
 *
 * @module
 */
import { allocBytes } from '../alloc.js'
import type { Block } from './messages.js'
import type { MsgpackFastPath } from './msgpack.js'
import {
  FIXINT_MAX_PLAIN, FIXINT_MAX_RECORDS, MsgpackCursor, binSize, strKey, uint64Size, uintSize, writeBin, writeUint, writeUint64
} from './msgpack-wire.js'

const HASH = strKey('hash')
const DATA = strKey('data')
const TIMESTAMP = strKey('timestamp')
const TTL = strKey('ttl')
const VERSION = strKey('version')
const SIGNATURE = strKey('signature')
const KEY_BYTES = HASH.length + DATA.length + TIMESTAMP.length + TTL.length + VERSION.length + SIGNATURE.length
/** `fixmap` of 6 entries. */
const MAP_6 = 0x86
/** msgpackr's reference to shared structure 0. */
const RECORD_0 = 0x40

function putKey (out: Uint8Array, pos: number, key: Uint8Array): number {
  out.set(key, pos)
  return pos + key.length
}

function encode (v: Block, records: boolean, reserve: number): Uint8Array {
  const fixMax = records ? FIXINT_MAX_RECORDS : FIXINT_MAX_PLAIN
  const size = reserve + 1 + (records ? 0 : KEY_BYTES) +
    binSize(v.hash.length) + binSize(v.data.length) + uint64Size(v.timestamp, fixMax) +
    uintSize(v.ttl, fixMax) + uintSize(v.version, fixMax) + binSize(v.signature.length)
  const out = allocBytes(size)
  let pos = reserve
  if (records) {
    out[pos++] = RECORD_0
    pos = writeBin(out, pos, v.hash)
    pos = writeBin(out, pos, v.data)
    pos = writeUint64(out, pos, v.timestamp, fixMax)
    pos = writeUint(out, pos, v.ttl, fixMax)
    pos = writeUint(out, pos, v.version, fixMax)
    writeBin(out, pos, v.signature)
    return out
  }
  out[pos++] = MAP_6
  pos = writeBin(out, putKey(out, pos, HASH), v.hash)
  pos = writeBin(out, putKey(out, pos, DATA), v.data)
  pos = writeUint64(out, putKey(out, pos, TIMESTAMP), v.timestamp, fixMax)
  pos = writeUint(out, putKey(out, pos, TTL), v.ttl, fixMax)
  pos = writeUint(out, putKey(out, pos, VERSION), v.version, fixMax)
  writeBin(out, putKey(out, pos, SIGNATURE), v.signature)
  return out
}

function decode (bytes: Uint8Array, start: number, records: boolean): Block | undefined {
  if (bytes[start] !== (records ? RECORD_0 : MAP_6)) return undefined
  const c = new MsgpackCursor(bytes, start + 1)
  const fixMax = records ? FIXINT_MAX_RECORDS : FIXINT_MAX_PLAIN
  const keyed = !records
  if (keyed && !c.expect(HASH)) return undefined
  const hash = c.bin()
  if (hash === undefined || (keyed && !c.expect(DATA))) return undefined
  const data = c.bin()
  if (data === undefined || (keyed && !c.expect(TIMESTAMP))) return undefined
  const timestamp = c.uint64(fixMax)
  if (timestamp === undefined || (keyed && !c.expect(TTL))) return undefined
  const ttl = c.uint32(fixMax)
  if (ttl < 0 || (keyed && !c.expect(VERSION))) return undefined
  const version = c.uint32(fixMax)
  if (version < 0 || (keyed && !c.expect(SIGNATURE))) return undefined
  const signature = c.bin()
  if (signature === undefined || !c.atEnd()) return undefined
  return { hash, data, timestamp, ttl, version, signature }
}

/** The Block fast path of the msgpack serializers. */
export const blockFastPath: MsgpackFastPath<Block> = Object.freeze({ encode, decode })
