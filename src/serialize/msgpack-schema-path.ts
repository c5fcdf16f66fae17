/**
 * The msgpack fast path of any schema type (what {@link defineMessageType}
 * types get): it interprets the field list instead of calling msgpackr.
 * Encoding sizes the message first and writes it into one exact allocation,
 * the bytes msgpackr writes; decoding reads the canonical layout (every schema
 * field once, in schema order, in the forms msgpackr writes) in one
 * validating pass. Anything else is a miss, judged by the generic decoder.
 *
 * @module
 */
import { allocBytes } from '../alloc.js'
import type { FieldDescriptor, MessageSchema, ScalarKind } from './schema.js'
import type { MsgpackFastPath } from './msgpack.js'
import {
  FIXINT_MAX_PLAIN, FIXINT_MAX_RECORDS, MsgpackCursor, binSize, containerHeaderSize, strKey, strSize, uint64Size, uintSize, utf8Length,
  writeArrayHeader, writeBin, writeMapHeader, writeStr, writeUint, writeUint64
} from './msgpack-wire.js'

/** msgpackr's reference to shared structure 0. */
const RECORD_0 = 0x40
const FALSE = 0xc2
const TRUE = 0xc3

/** Size of one scalar. */
function scalarSize (kind: ScalarKind, v: unknown, fixMax: number): number {
  switch (kind) {
    case 'bytes': return binSize((v as Uint8Array).length)
    case 'string': return strSize(utf8Length(v as string))
    case 'uint32': return uintSize(v as number, fixMax)
    case 'uint64': return uint64Size(v as bigint, fixMax)
    case 'bool': return 1
  }
}

/** Writes one scalar (a string's UTF-8 length is measured again: cheaper than keeping the first pass's lengths). */
function writeScalar (out: Uint8Array, pos: number, kind: ScalarKind, v: unknown, fixMax: number): number {
  switch (kind) {
    case 'bytes': return writeBin(out, pos, v as Uint8Array)
    case 'string': return writeStr(out, pos, v as string, utf8Length(v as string))
    case 'uint32': return writeUint(out, pos, v as number, fixMax)
    case 'uint64': return writeUint64(out, pos, v as bigint, fixMax)
    case 'bool':
      out[pos] = v === true ? TRUE : FALSE
      return pos + 1
  }
}

/** Reads one scalar of `kind`, or returns `undefined` on a miss. */
function readScalar (c: MsgpackCursor, kind: ScalarKind, fixMax: number): unknown {
  switch (kind) {
    case 'bytes': return c.bin()
    case 'string': return c.str()
    case 'uint32': {
      const v = c.uint32(fixMax)
      return v < 0 ? undefined : v
    }
    case 'uint64': return c.uint64(fixMax)
    case 'bool': {
      const v = c.bool()
      return v < 0 ? undefined : v === 1
    }
  }
}

/** Creates the schema-driven fast path of `type` (field names become precomputed `str` keys). */
export function schemaFastPath<T> (type: MessageSchema<T>): MsgpackFastPath<T> {
  const fields: readonly FieldDescriptor[] = type.fields
  const keys = fields.map((d) => strKey(d.name))
  const keyBytes = keys.reduce((sum, k) => sum + k.length, 0)
  const mapHeader = new Uint8Array(containerHeaderSize(fields.length))
  writeMapHeader(mapHeader, 0, fields.length)

  function encode (value: T, records: boolean, reserve: number): Uint8Array {
    const v = value as Record<string, unknown>
    const fixMax = records ? FIXINT_MAX_RECORDS : FIXINT_MAX_PLAIN
    // Each field read once (a property read by computed name is the slow part of this loop).
    const values = new Array<unknown>(fields.length)
    let size = reserve + (records ? 1 : mapHeader.length + keyBytes)
    for (let i = 0; i < fields.length; i++) {
      const d = fields[i] as FieldDescriptor
      const x = values[i] = v[d.name]
      if (d.kind === 'list') {
        const list = x as unknown[]
        size += containerHeaderSize(list.length)
        for (let j = 0; j < list.length; j++) size += scalarSize(d.of as ScalarKind, list[j], fixMax)
      } else if (d.kind === 'map') {
        const map = x as Record<string, string>
        const names = Object.keys(map)
        size += containerHeaderSize(names.length)
        for (let j = 0; j < names.length; j++) {
          const name = names[j] as string
          size += strSize(utf8Length(name)) + strSize(utf8Length(map[name] as string))
        }
      } else {
        size += scalarSize(d.kind, x, fixMax)
      }
    }
    const out = allocBytes(size)
    let pos = reserve
    if (records) {
      out[pos++] = RECORD_0
    } else {
      out.set(mapHeader, pos)
      pos += mapHeader.length
    }
    for (let i = 0; i < fields.length; i++) {
      const d = fields[i] as FieldDescriptor
      const x = values[i]
      if (!records) {
        out.set(keys[i] as Uint8Array, pos)
        pos += (keys[i] as Uint8Array).length
      }
      if (d.kind === 'list') {
        const list = x as unknown[]
        pos = writeArrayHeader(out, pos, list.length)
        for (let j = 0; j < list.length; j++) pos = writeScalar(out, pos, d.of as ScalarKind, list[j], fixMax)
      } else if (d.kind === 'map') {
        const map = x as Record<string, string>
        const names = Object.keys(map)
        pos = writeMapHeader(out, pos, names.length)
        for (let j = 0; j < names.length; j++) {
          const name = names[j] as string
          const value = map[name] as string
          pos = writeStr(out, pos, name, utf8Length(name))
          pos = writeStr(out, pos, value, utf8Length(value))
        }
      } else {
        pos = writeScalar(out, pos, d.kind, x, fixMax)
      }
    }
    return out
  }

  function decode (bytes: Uint8Array, start: number, records: boolean): T | undefined {
    const c = new MsgpackCursor(bytes, start)
    if (records ? bytes[start] !== RECORD_0 : !c.expect(mapHeader)) return undefined
    if (records) c.pos++
    const fixMax = records ? FIXINT_MAX_RECORDS : FIXINT_MAX_PLAIN
    const out: Record<string, unknown> = {}
    for (let i = 0; i < fields.length; i++) {
      const d = fields[i] as FieldDescriptor
      if (!records && !c.expect(keys[i] as Uint8Array)) return undefined
      let x: unknown
      if (d.kind === 'list') {
        const n = c.arrayHeader()
        if (n < 0 || n > (d.max as number)) return undefined
        const list = new Array<unknown>(n)
        for (let j = 0; j < n; j++) {
          const e = readScalar(c, d.of as ScalarKind, fixMax)
          if (e === undefined) return undefined
          list[j] = e
        }
        x = list
      } else if (d.kind === 'map') {
        x = c.stringMap(d.max as number)
        if (x === undefined) return undefined
      } else {
        x = readScalar(c, d.kind, fixMax)
        if (x === undefined) return undefined
      }
      out[d.name] = x
    }
    return c.atEnd() ? out as T : undefined
  }

  return Object.freeze({ encode, decode })
}
