/**
 * JSON serializers, wire id 4: UTF-8 JSON (RFC 8259) for debugging, CLIs and
 * interop with tools that speak nothing else. Works for any schema message type.
 *
 * - Keys in schema order; map fields keep their own key order.
 * - `bytes` as canonical standard base64 (RFC 4648 section 4, padded);
 *   `uint64` as a decimal string (JSON numbers lose precision above 2^53);
 *   `uint32` as a number.
 * - Decoding is strict: invalid UTF-8, a BOM, trailing text, a missing or
 *   mistyped field, non-canonical base64, a uint64 string with a sign or
 *   leading zeros, or a lone surrogate is a MalformedInputError naming the
 *   field; oversized lists/maps a SizeLimitError. Unknown keys are ignored.
 * - Bounded: the bytes are first scanned ({@link scanJson}, one linear pass,
 *   no allocation) for grammar, depth (3: the message, a list or map field,
 *   and one more level inside an unknown field's value, e.g.
 *   `"future":{"x":[1]}`) and element counts (top
 *   level: fields + 16; nested: the largest list/map limit, at least 16),
 *   refused at the first offending byte. Only then do the fatal TextDecoder
 *   and `JSON.parse` run, on input whose parse is bounded by
 *   `top x nested^2` values and, since each takes a byte, by its own length.
 *
 * @module
 */
import { MalformedInputError } from '../errors.js'
import { BlockType, PeerInfoType } from './messages.js'
import type { Block, PeerInfo } from './messages.js'
import { decodeBase64, encodeBase64 } from './base64.js'
import { SCHEMA_MAX_DEPTH, badField, inputBytes, readField, schemaContainerLimits, toDecodeError } from './decoding.js'
import { scanJson, type JsonScanLimits } from './json-scan.js'
import { EXPECTED, isPlainObject, isUint32, isWellFormed } from './schema.js'
import type { FieldDescriptor, MessageSchema, ScalarKind } from './schema.js'
import { SerializerId } from './types.js'
import type { Serializer } from './types.js'

const MAX_U64 = 0xffff_ffff_ffff_ffffn
/** Canonical decimal: no sign, no leading zeros, at most 20 digits (2^64-1 has 20). */
const DECIMAL = /^(?:0|[1-9][0-9]{0,19})$/

const encoder = new TextEncoder()
// fatal: invalid UTF-8 throws; ignoreBOM: a BOM stays in the text, where JSON.parse refuses it.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function toJsonScalar (kind: ScalarKind, x: unknown): unknown {
  if (kind === 'bytes') return encodeBase64(x as Uint8Array)
  if (kind === 'uint64') return (x as bigint).toString()
  return x
}


const JSON_EXPECTED: Readonly<Record<ScalarKind, string>> = Object.freeze({
  ...EXPECTED,
  bytes: 'canonical base64 string',
  uint64: 'decimal string 0..18446744073709551615'
})

function fromJsonScalar (format: string, path: string, index: number, kind: ScalarKind, x: unknown): unknown {
  switch (kind) {
    case 'bytes': {
      const bytes = typeof x === 'string' ? decodeBase64(x) : undefined
      if (bytes !== undefined) return bytes
      break
    }
    case 'uint64':
      if (typeof x === 'string' && DECIMAL.test(x)) {
        const v = BigInt(x)
        if (v <= MAX_U64) return v
      }
      break
    case 'uint32':
      if (isUint32(x)) return x
      break
    case 'string':
      if (typeof x === 'string' && isWellFormed(x)) return x
      break
    case 'bool':
      if (typeof x === 'boolean') return x
      break
  }
  throw badField(format, index < 0 ? path : `${path}[${index}]`, JSON_EXPECTED[kind])
}

function fromJsonField (format: string, d: FieldDescriptor, x: unknown): unknown {
  return readField(format, d, x, fromJsonScalar, 'object', true)
}

/** Deepest JSON nesting accepted: the schema's two levels plus one inside unknown (newer) fields' values. */
export const JSON_MAX_DEPTH = SCHEMA_MAX_DEPTH + 1

/** Options of {@link createJsonSerializer}. */
export interface JsonSerializerInit {
  /**
   * Wire id of the serializer.
   * @default SerializerId.json (4)
   */
  id?: number
}

/** Creates the JSON serializer of a schema message type. */
export function createJsonSerializer<T> (type: MessageSchema<T>, init: JsonSerializerInit = {}): Serializer<T> {
  const format = `json/${type.name}`
  const limits: JsonScanLimits = Object.freeze({ maxDepth: JSON_MAX_DEPTH, ...schemaContainerLimits(type as MessageSchema<unknown>) })
  return Object.freeze({
    id: init.id ?? SerializerId.json,
    name: 'json',
    type,
    encode (value: T): Uint8Array {
      type.assert(value)
      const v = value as Record<string, unknown>
      const out: Record<string, unknown> = {}
      for (const d of type.fields) {
        const x = v[d.name]
        if (d.kind === 'list') out[d.name] = (x as unknown[]).map((e) => toJsonScalar(d.of as ScalarKind, e))
        else if (d.kind === 'map') out[d.name] = x
        else out[d.name] = toJsonScalar(d.kind, x)
      }
      return encoder.encode(JSON.stringify(out))
    },
    decode (bytes: Uint8Array): T {
      let parsed: unknown
      try {
        const input = inputBytes(bytes)
        scanJson(format, input, limits)
        parsed = JSON.parse(decoder.decode(input))
      } catch (err) {
        throw toDecodeError(format, err)
      }
      if (!isPlainObject(parsed)) throw new MalformedInputError(format, 'top level is not an object')
      const out: Record<string, unknown> = {}
      for (const d of type.fields) {
        if (!Object.hasOwn(parsed, d.name)) throw new MalformedInputError(format, `missing field ${d.path}`)
        out[d.name] = fromJsonField(format, d, parsed[d.name])
      }
      return out as T
    }
  })
}

/** Block in JSON. */
export const jsonBlock: Serializer<Block> = createJsonSerializer(BlockType)

/** PeerInfo in JSON. */
export const jsonPeerInfo: Serializer<PeerInfo> = createJsonSerializer(PeerInfoType)
