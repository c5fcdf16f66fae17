/**
 * Minimal, strict protobuf wire primitives for the envelope (protobuf
 * encoding spec: varints, wire types 0 and 2; SPEC.md section 2). Strict
 * means: every read is bounds-checked, varints are minimal, at most 8 bytes
 * and fit a safe integer, fields appear in ascending order at most once,
 * unknown fields are rejected, and (proto3) a field holding its default value
 * is not written — so one message has exactly one encoding, the one a stock
 * proto3 encoder emits, and the signed header cannot be read two ways.
 * Every refusal is a {@link WireFormatError} naming its rule.
 *
 * @module
 */
import { WireFormatError, type WireRule } from '../errors.js'
import { readVarint, varintLength, varintProblem, varintRule, writeVarint } from '../varint.js'

export { varintLength }

/** Wire type of varint fields. */
export const VARINT = 0
/** Wire type of length-delimited fields. */
export const LEN = 2

/** Growable-free writer over a buffer sized in advance with {@link varintLength}. */
export class PbWriter {
  readonly buf: Uint8Array
  pos: number

  constructor (buf: Uint8Array, pos = 0) {
    this.buf = buf
    this.pos = pos
  }

  varint (n: number): void {
    this.pos = writeVarint(this.buf, this.pos, n)
  }

  /** Field tag: `(field << 3) | wireType`. */
  tag (field: number, wireType: number): void {
    this.varint(field * 8 + wireType)
  }

  uintField (field: number, n: number): void {
    this.tag(field, VARINT)
    this.varint(n)
  }

  /** A varint field, omitted when 0 (proto3 implicit presence). */
  uintField3 (field: number, n: number): void {
    if (n !== 0) this.uintField(field, n)
  }

  /** A length-delimited field, omitted when empty (proto3 implicit presence). */
  bytesField3 (field: number, bytes: Uint8Array): void {
    if (bytes.length !== 0) this.bytesField(field, bytes)
  }

  bytesField (field: number, bytes: Uint8Array): void {
    this.tag(field, LEN)
    this.varint(bytes.length)
    this.buf.set(bytes, this.pos)
    this.pos += bytes.length
  }
}

/** Encoded size of a varint field. */
export function uintFieldLength (field: number, n: number): number {
  return varintLength(field * 8) + varintLength(n)
}

/** Encoded size of a length-delimited field of `len` bytes. */
export function bytesFieldLength (field: number, len: number): number {
  return varintLength(field * 8) + varintLength(len) + len
}

/** Encoded size of a proto3 varint field (0 when the value is the default 0). */
export function uintField3Length (field: number, n: number): number {
  return n === 0 ? 0 : uintFieldLength(field, n)
}

/** Encoded size of a proto3 length-delimited field (0 when empty). */
export function bytesField3Length (field: number, len: number): number {
  return len === 0 ? 0 : bytesFieldLength(field, len)
}

/** Bounded, strict reader. Errors name the `format` being parsed. */
export class PbReader {
  readonly buf: Uint8Array
  pos: number
  readonly end: number
  private readonly format: string
  private lastField = 0

  constructor (buf: Uint8Array, format: string) {
    this.buf = buf
    this.pos = 0
    this.end = buf.length
    this.format = format
  }

  fail (rule: WireRule, reason: string): never {
    throw new WireFormatError(this.format, rule, reason)
  }

  get done (): boolean {
    return this.pos >= this.end
  }

  /** A varint of at most 8 bytes under the rule of SPEC.md 2.1 (see varint.ts). */
  varint (): number {
    const n = readVarint(this.buf, this, 8)
    return n >= 0 ? n : this.fail(varintRule(n), varintProblem(n))
  }

  /**
   * Reads the next tag and returns its field number, enforcing ascending
   * order (no repeats) and the expected wire type of known fields.
   * Returns 0 at the end of input.
   */
  nextField (wireTypes: ReadonlyArray<number | undefined>): number {
    if (this.pos >= this.end) return 0
    const tag = this.varint()
    const field = Math.floor(tag / 8)
    const wireType = tag % 8
    const expected = wireTypes[field]
    if (expected === undefined || field === 0) this.fail('unknown-field', `unknown field ${field}`)
    if (field <= this.lastField) this.fail('field-order', `field ${field} out of order or repeated`)
    if (expected !== wireType) this.fail('wire-type', `field ${field} has wire type ${wireType}, expected ${expected}`)
    this.lastField = field
    return field
  }

  /** A proto3 varint field's value: a written 0 is not canonical (SPEC.md 2.2). */
  uint3 (what: string): number {
    const n = this.varint()
    if (n === 0) this.fail('default-value', `${what} written with its default value 0`)
    return n
  }

  /**
   * A length-delimited field as a view (no copy), at most `max` bytes (else
   * `overRule`). With `proto3`, an empty value is not canonical (SPEC.md 2.2).
   */
  bytes (max: number, what: string, overRule: WireRule = 'field-length', proto3 = true): Uint8Array {
    const len = this.varint()
    if (len === 0 && proto3) this.fail('default-value', `${what} written empty`)
    if (len > max) this.fail(overRule, `${what} is ${len} bytes, more than ${max}`)
    if (len > this.end - this.pos) this.fail('truncated', `truncated ${what}`)
    const out = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }
}
