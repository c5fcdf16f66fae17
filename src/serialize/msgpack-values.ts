/**
 * Conversion between wireseal values and the JavaScript shapes msgpackr packs
 * and unpacks, shared by the plain and the shared-structure msgpack serializers.
 *
 * Encoding: uint64 up to 2^32-1 becomes a number (so msgpackr picks the
 * shortest uint format), larger values stay bigint (msgpackr writes `int 64`
 * below 2^63 and `uint 64` above: plain integers every msgpack decoder reads).
 *
 * Decoding (after {@link scanMsgpack}, which guarantees string keys, no
 * reserved keys, valid UTF-8 and bounded sizes, on a plain `Uint8Array` view,
 * so decoded `bin` values are plain `Uint8Array`s) is strict: every schema field
 * must be present with the right type, else a {@link MalformedInputError}
 * naming it; unknown keys are ignored, for forward compatibility.
 *
 * Block and PeerInfo get hand-written conversions (direct property access is
 * ~10x faster than the generic loop's computed keys); they fall back to the
 * generic code, which throws the precise error, whenever their quick checks fail.
 *
 * @module
 */
import { MalformedInputError } from '../errors.js'
import { EXPECTED, isPlainObject, isUint32 } from './schema.js'
import type { FieldDescriptor, MessageSchema, ScalarKind } from './schema.js'
import { badField, readField } from './decoding.js'
import type { Block, PeerInfo } from './messages.js'
import { BlockType, PeerInfoType } from './messages.js'

const MAX_U32_BIG = 0xffff_ffffn
const MAX_U64 = 0xffff_ffff_ffff_ffffn

/** How one message type maps to and from msgpackr's JavaScript shapes. */
export interface MsgpackShapes<T> {
  /** A value that passed `type.assert()` -> the object msgpackr packs (schema fields only, schema order). */
  toShape(value: T): object
  /** What msgpackr decoded (after the scan) -> the value; throws MalformedInputError / SizeLimitError. */
  fromShape(raw: unknown): T
}

/** uint64 -> what msgpackr packs in the shortest integer format. */
function packUint64 (v: bigint): number | bigint {
  return v <= MAX_U32_BIG ? Number(v) : v
}

/** A decoded msgpack integer -> exact uint64 bigint, or undefined. Other encoders use any integer width. */
function unpackUint64 (x: unknown): bigint | undefined {
  if (typeof x === 'number') return Number.isSafeInteger(x) && x >= 0 ? BigInt(x) : undefined
  if (typeof x === 'bigint') return x >= 0n && x <= MAX_U64 ? x : undefined
  return undefined
}


/** One decoded msgpack scalar -> its wireseal value, or throws naming `path` (`path[index]` for list elements). */
function scalar (format: string, path: string, index: number, kind: ScalarKind, x: unknown): unknown {
  switch (kind) {
    case 'bytes':
      // A view into the decoder's input, which is always a plain Uint8Array view: already plain.
      if (x instanceof Uint8Array) return x
      break
    case 'string':
      // UTF-8 validity was checked by the scan; valid UTF-8 never decodes to a lone surrogate.
      if (typeof x === 'string') return x
      break
    case 'uint32':
      if (isUint32(x)) return x
      break
    case 'uint64': {
      const v = unpackUint64(x)
      if (v !== undefined) return v
      break
    }
    case 'bool':
      if (typeof x === 'boolean') return x
      break
  }
  throw badField(format, index < 0 ? path : `${path}[${index}]`, EXPECTED[kind])
}

function field (format: string, d: FieldDescriptor, x: unknown): unknown {
  return readField(format, d, x, scalar, 'map', false)
}

/** Shapes for any schema type. */
export function genericMsgpackShapes<T> (type: MessageSchema<T>, format: string): MsgpackShapes<T> {
  return {
    toShape (value: T): object {
      const v = value as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const d of type.fields) {
        const x = v[d.name]
        if (d.kind === 'uint64') out[d.name] = packUint64(x as bigint)
        else if (d.kind === 'list' && d.of === 'uint64') out[d.name] = (x as bigint[]).map(packUint64)
        else out[d.name] = x
      }
      return out
    },
    fromShape (raw: unknown): T {
      if (!isPlainObject(raw)) throw new MalformedInputError(format, 'top level is not a map')
      const out: Record<string, unknown> = {}
      for (const d of type.fields) {
        if (!Object.hasOwn(raw, d.name)) throw new MalformedInputError(format, `missing field ${d.path}`)
        out[d.name] = field(format, d, raw[d.name])
      }
      return out as T
    }
  }
}

/** Hand-written Block shapes (the hot path); the generic ones report errors. */
export function blockMsgpackShapes (format: string): MsgpackShapes<Block> {
  const generic = genericMsgpackShapes(BlockType, format)
  return {
    toShape (v: Block): object {
      return { hash: v.hash, data: v.data, timestamp: packUint64(v.timestamp), ttl: v.ttl, version: v.version, signature: v.signature }
    },
    fromShape (raw: unknown): Block {
      const o = raw as Partial<Record<keyof Block, unknown>> | null
      if (o !== null && typeof o === 'object') {
        const { hash, data, ttl, version, signature } = o
        const timestamp = unpackUint64(o.timestamp)
        if (hash instanceof Uint8Array && data instanceof Uint8Array && signature instanceof Uint8Array &&
            timestamp !== undefined && isUint32(ttl) && isUint32(version)) {
          return { hash, data, timestamp, ttl, version, signature }
        }
      }
      return generic.fromShape(raw)
    }
  }
}

/** Hand-written PeerInfo shapes; the generic ones report errors. */
export function peerInfoMsgpackShapes (format: string): MsgpackShapes<PeerInfo> {
  const generic = genericMsgpackShapes(PeerInfoType, format)
  const maxAddrs = (PeerInfoType.fields[1] as FieldDescriptor).max as number
  const maxEntries = (PeerInfoType.fields[2] as FieldDescriptor).max as number
  return {
    toShape (v: PeerInfo): object {
      return { peerId: v.peerId, multiaddrs: v.multiaddrs, metadata: v.metadata }
    },
    fromShape (raw: unknown): PeerInfo {
      const o = raw as Partial<Record<keyof PeerInfo, unknown>> | null
      if (o !== null && typeof o === 'object') {
        const { peerId, multiaddrs, metadata } = o
        if (peerId instanceof Uint8Array && Array.isArray(multiaddrs) && multiaddrs.length <= maxAddrs && isPlainObject(metadata)) {
          const addrs = new Array<Uint8Array>(multiaddrs.length)
          let ok = true
          for (let i = 0; i < multiaddrs.length && ok; i++) {
            const a: unknown = multiaddrs[i]
            if (a instanceof Uint8Array) addrs[i] = a
            else ok = false
          }
          // msgpackr built `metadata` as a fresh plain object whose keys the scan checked: keep it if the values are strings.
          const keys = Object.keys(metadata)
          ok &&= keys.length <= maxEntries
          for (let i = 0; i < keys.length && ok; i++) ok = typeof metadata[keys[i] as string] === 'string'
          if (ok) return { peerId, multiaddrs: addrs, metadata: metadata as Record<string, string> }
        }
      }
      return generic.fromShape(raw)
    }
  }
}
