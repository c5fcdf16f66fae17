/**
 * MessagePack serializers, wire id 2, on msgpackr: plain, interoperable
 * msgpack that any decoder reads (`useRecords: false`; maps, bin, str,
 * integers; no extension types). A message is a map from field name to value,
 * in schema order.
 *
 * Decoding first runs {@link scanMsgpack} (depth, counts, UTF-8, no
 * extensions, no trailing bytes) and then checks the shape field by field:
 * missing or mistyped fields are a MalformedInputError naming the field,
 * oversized lists/maps a SizeLimitError, unknown keys are ignored (their
 * values may nest one level, like a schema list or map, and no deeper).
 * Decoded `bytes` are views into the input (zero-copy).
 *
 * Encoding and the common case of decoding go through a {@link MsgpackFastPath}
 * instead of msgpackr: the schema-driven one (msgpack-schema-path.ts) or a
 * hand-written one (msgpack-block.ts, msgpack-peer-info.ts). It writes the
 * bytes msgpackr writes and reads their canonical layout in one validating
 * pass; any other input goes the generic way above.
 *
 * @module
 */
import { Packr } from 'msgpackr'
import { BlockType, PeerInfoType } from './messages.js'
import type { Block, PeerInfo } from './messages.js'
import { freshView, inputBytes, schemaContainerLimits, toDecodeError } from './decoding.js'
import { scanMsgpack } from './msgpack-scan.js'
import type { MsgpackScanLimits } from './msgpack-scan.js'
import { blockFastPath } from './msgpack-block.js'
import { peerInfoFastPath } from './msgpack-peer-info.js'
import { genericMsgpackShapes } from './msgpack-values.js'
import { schemaFastPath } from './msgpack-schema-path.js'
import type { MessageSchema } from './schema.js'
import { SerializerId } from './types.js'
import type { Serializer } from './types.js'

/** Scan limits for a schema: {@link schemaContainerLimits} (the JSON scan uses the same). */
export function msgpackScanLimits (type: MessageSchema<unknown>): MsgpackScanLimits {
  return schemaContainerLimits(type)
}

/**
 * A msgpack codec for one message type (schema-driven, or hand-written),
 * tried before the generic msgpackr path. Contract, property-tested for Block,
 * PeerInfo and a type with every field kind:
 * `encode` writes exactly the bytes the generic encoder writes, and `decode`
 * accepts a subset of what the generic decoder accepts, decoding it to the
 * same value; for everything else it returns `undefined` (it never throws), and
 * the generic decoder judges the input.
 */
export interface MsgpackFastPath<T> {
  /**
   * Encodes a value that passed `type.assert()`, leaving `reserve` zero bytes in
   * front; `records`: as a msgpackr record of shared structure 0 (no keys).
   */
  encode(value: T, records: boolean, reserve: number): Uint8Array
  /** Decodes the message starting at `start` and filling the rest of `bytes` (a plain `Uint8Array`), or returns undefined. */
  decode(bytes: Uint8Array, start: number, records: boolean): T | undefined
}

/** Options of {@link createMsgpackSerializer}. */
export interface MsgpackSerializerInit<T> {
  /**
   * Wire id of the serializer.
   * @default SerializerId.msgpack (2)
   */
  id?: number
  /**
   * Codec tried before msgpackr: a hand-written one (Block and PeerInfo have
   * theirs), or `false` for msgpackr and the schema-driven checks alone.
   * @default the schema-driven fast path (msgpack-schema-path.ts)
   */
  fastPath?: MsgpackFastPath<T> | false
}

/**
 * Creates the plain msgpack serializer of a schema message type. Each
 * serializer owns one reused `Packr`.
 */
export function createMsgpackSerializer<T> (type: MessageSchema<T>, init: MsgpackSerializerInit<T> = {}): Serializer<T> {
  const format = `msgpack/${type.name}`
  const limits = msgpackScanLimits(type as MessageSchema<unknown>)
  const shapes = genericMsgpackShapes(type, format)
  const fast = init.fastPath === false ? undefined : init.fastPath ?? schemaFastPath(type)
  // variableMapSize: fixmap headers for small maps (msgpackr otherwise always writes map 16).
  // mapsAsObjects: safe because the scan refuses non-string and reserved keys.
  const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true, int64AsType: 'bigint' })
  return Object.freeze({
    id: init.id ?? SerializerId.msgpack,
    name: 'msgpack',
    type,
    encode (value: T): Uint8Array {
      type.assert(value)
      if (fast !== undefined) return fast.encode(value, false, 0)
      // A Buffer (a Uint8Array) slice of the Packr's reused buffer; later packs write after it, never over it.
      return packr.pack(shapes.toShape(value))
    },
    decode (bytes: Uint8Array): T {
      let raw: unknown
      try {
        if (fast !== undefined) {
          const quick = fast.decode(inputBytes(bytes), 0, false)
          if (quick !== undefined) return quick
        }
        // A fresh plain view: msgpackr caches a DataView as a property of its input, which must not be the
        // caller's array, and a Buffer input would make every decoded `bin` a Buffer.
        const view = freshView(bytes)
        scanMsgpack(format, view, 0, limits)
        raw = packr.unpack(view)
      } catch (err) {
        throw toDecodeError(format, err)
      }
      return shapes.fromShape(raw)
    }
  })
}

/** Block in plain msgpack. */
export const msgpackBlock: Serializer<Block> = createMsgpackSerializer(BlockType, { fastPath: blockFastPath })

/** PeerInfo in plain msgpack. */
export const msgpackPeerInfo: Serializer<PeerInfo> = createMsgpackSerializer(PeerInfoType, { fastPath: peerInfoFastPath })
