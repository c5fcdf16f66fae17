/**
 * MessagePack with msgpackr shared structures, wire id 5: the field names are
 * not sent; the message is a record (`0x40`) whose keys both peers know from
 * the schema. Smaller and faster to decode than plain msgpack, but readable
 * only by a peer holding the same structure, hence versioned:
 *
 * ```
 * bytes = uint16 BE structure version || msgpackr record (structure 0 = schema field names in order)
 * ```
 *
 * A peer whose structure version differs gets an {@link UnknownCodecError}
 * (`kind: 'serializer'`, `id: 'msgpackStructured/v<N>'`) before anything is
 * parsed: it never silently misreads fields. Bump the version whenever the
 * schema's field list changes.
 *
 * @module
 */
import { Packr, RESERVE_START_SPACE } from 'msgpackr'
import { InvalidValueError, MalformedInputError, UnknownCodecError } from '../errors.js'
import { checkInt } from '../options/checks.js'
import { plainBytes, toDecodeError } from './decoding.js'
import { msgpackScanLimits } from './msgpack.js'
import { scanMsgpack } from './msgpack-scan.js'
import type { MsgpackScanLimits } from './msgpack-scan.js'
import { genericMsgpackShapes } from './msgpack-values.js'
import type { MsgpackFastPath } from './msgpack.js'
import { schemaFastPath } from './msgpack-schema-path.js'
import type { MessageSchema } from './schema.js'
import { SerializerId } from './types.js'
import type { Serializer } from './types.js'

/** Bytes of the structure-version header. */
const HEADER_BYTES = 2
/** msgpackr's one-byte reference to shared structure 0. */
const RECORD_0 = 0x40

/** Marks the object to pack as a record (a symbol key: msgpackr's for-in never sees it). */
const MESSAGE_SHAPE = Symbol('wireseal.msgpackStructured.message')

function isMessageShape (o: unknown): boolean {
  return (o as Record<symbol, unknown>)[MESSAGE_SHAPE] === true
}

/** Options of {@link createMsgpackStructuredSerializer}. */
export interface MsgpackStructuredInit<T = unknown> {
  /**
   * Structure version, 0..65535, written in front of every message and
   * required to match on decode. Both peers must agree on it (e.g. by protocol
   * id); change it whenever the field list changes.
   */
  version: number
  /**
   * Wire id of the serializer.
   * @default SerializerId.msgpackStructured (5)
   */
  id?: number
  /**
   * Codec tried before msgpackr: a hand-written one (Block and PeerInfo have
   * theirs), or `false` for msgpackr and the schema-driven checks alone.
   * @default the schema-driven fast path (msgpack-schema-path.ts)
   */
  fastPath?: MsgpackFastPath<T> | false
}

/** A serializer created by {@link createMsgpackStructuredSerializer}; exposes its structure version. */
export interface MsgpackStructuredSerializer<T> extends Serializer<T> {
  /** The structure version this serializer writes and accepts. */
  readonly structureVersion: number
}

/**
 * Creates a shared-structure msgpack serializer for a schema message type.
 * Each serializer owns one reused `Packr` whose only shared structure is the
 * schema's field list; it never learns new shared structures from data.
 *
 * @throws {@link errors!InvalidConfigError} when `version` is not an integer in 0..65535.
 */
export function createMsgpackStructuredSerializer<T> (type: MessageSchema<T>, init: MsgpackStructuredInit<T>): MsgpackStructuredSerializer<T> {
  const version = checkInt('version', init.version, 0, 0xffff)
  const format = `msgpackStructured/${type.name}`
  const keys = type.fields.map((d) => d.name)
  const limits: MsgpackScanLimits = Object.freeze({ ...msgpackScanLimits(type as MessageSchema<unknown>), recordToken: RECORD_0, recordFields: keys.length })
  const shapes = genericMsgpackShapes(type, format)
  const fast = init.fastPath === false ? undefined : init.fastPath ?? schemaFastPath(type)
  const packr = new Packr({
    // Only the message itself is a record; map fields stay msgpack maps.
    useRecords: isMessageShape,
    variableMapSize: true,
    structures: [keys],
    maxSharedStructures: 1,
    shouldShareStructure: () => false,
    // Safe: the scan refuses non-string and reserved keys.
    mapsAsObjects: true,
    int64AsType: 'bigint'
  })
  const hi = version >> 8
  const lo = version & 0xff
  return Object.freeze({
    id: init.id ?? SerializerId.msgpackStructured,
    name: 'msgpackStructured',
    type,
    structureVersion: version,
    encode (value: T): Uint8Array {
      type.assert(value)
      if (fast !== undefined) {
        const out = fast.encode(value, true, HEADER_BYTES)
        out[0] = hi
        out[1] = lo
        return out
      }
      const shape = shapes.toShape(value) as Record<symbol, unknown>
      shape[MESSAGE_SHAPE] = true
      const out = packr.pack(shape, RESERVE_START_SPACE | HEADER_BYTES)
      out[0] = hi
      out[1] = lo
      return out
    },
    decode (bytes: Uint8Array): T {
      let raw: unknown
      try {
        if (!(bytes instanceof Uint8Array)) throw new InvalidValueError('input', 'Uint8Array')
        if (bytes.length < HEADER_BYTES + 1) throw new MalformedInputError(format, 'truncated')
        const got = ((bytes[0] as number) << 8) | (bytes[1] as number)
        if (got !== version) throw new UnknownCodecError('serializer', `msgpackStructured/v${got}`)
        const quick = fast?.decode(plainBytes(bytes), HEADER_BYTES, true)
        if (quick !== undefined) return quick
        // A fresh plain view past the header (msgpackr caches a DataView on its input; see msgpack.ts).
        const view = new Uint8Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, bytes.byteLength - HEADER_BYTES)
        scanMsgpack(format, view, 0, limits)
        raw = packr.unpack(view)
      } catch (err) {
        throw toDecodeError(format, err)
      }
      return shapes.fromShape(raw)
    }
  })
}
