/**
 * A linear, non-allocating pre-scan of JSON text (RFC 8259) run on the raw
 * bytes before `JSON.parse` sees them, so that no input makes the parser
 * build more than a small multiple of its size:
 *
 * - the grammar of RFC 8259 sections 2-7 (values, objects, arrays, numbers,
 *   strings with their escapes, the four whitespace bytes); trailing text is
 *   refused;
 * - the top level is an object (every wireseal message is);
 * - nesting depth: at most `maxDepth` containers deep, refused at the first
 *   `{` / `[` that opens one more (10 MiB of `[` costs one byte of work);
 * - elements per container: at most `maxTopEntries` members at the top level
 *   and `maxNestedItems` inside, refused at the first element over;
 * - every byte is read once; no recursion (depth is bounded anyway), the
 *   only state is two small counters per level.
 *
 * UTF-8 validity is left to the fatal TextDecoder that runs next (bytes
 * >= 0x80 are only accepted inside strings here); lone surrogates from `\u`
 * escapes to the field checks after parsing.
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'

/** Limits of {@link scanJson}. */
export interface JsonScanLimits {
  /** Deepest container nesting; the top-level object is depth 1. */
  readonly maxDepth: number
  /** Most members of the top-level object. */
  readonly maxTopEntries: number
  /** Most elements (array items or object members) of any nested container. */
  readonly maxNestedItems: number
}

/** What {@link scanJson} did, for tests: where it stopped and how many loop steps it took. */
export interface JsonScanMeter {
  /** Offset of the byte it stopped at (the offending byte on a refusal; the input length on success). */
  pos: number
  /** Iterations of the scanner's loops (each reads at least one byte, so at most `pos + 1`). */
  steps: number
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

/** Deepest nesting the scanner supports (one bit per level of its object/array mask). */
const MAX_SUPPORTED_DEPTH = 30

/** Scanner states: a value is due, an object key is due, or a value just ended. */
const VALUE = 0
const KEY = 1
const AFTER = 2

function isWhitespace (c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function isDigit (c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE
}

function isHex (c: number | undefined): boolean {
  return c !== undefined && ((c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
}

/** One pass over `buf`; see the module doc. State is local, so the scan is reentrant. */
class Scan {
  pos = 0
  steps = 0
  constructor (private readonly format: string, private readonly buf: Uint8Array) {}

  fail (reason: string): never {
    throw new MalformedInputError(this.format, `${reason} at byte ${this.pos}`)
  }

  skipWhitespace (): void {
    const buf = this.buf
    let pos = this.pos
    while (pos < buf.length && isWhitespace(buf[pos] as number)) pos++
    this.pos = pos
  }

  /** A string starting at the opening quote (RFC 8259 section 7); leaves `pos` after the closing quote. */
  string (): void {
    const buf = this.buf
    let pos = this.pos + 1
    for (;;) {
      this.steps++
      const c = buf[pos]
      if (c === undefined) {
        this.pos = pos
        this.fail('unterminated string')
      }
      if (c === QUOTE) break
      if (c < 0x20) {
        this.pos = pos
        this.fail('control character in string')
      }
      if (c === BACKSLASH) {
        const e = buf[pos + 1]
        if (e === 0x75) {
          if (!isHex(buf[pos + 2]) || !isHex(buf[pos + 3]) || !isHex(buf[pos + 4]) || !isHex(buf[pos + 5])) {
            this.pos = pos
            this.fail('bad \\u escape')
          }
          pos += 6
          continue
        }
        // " \ / b f n r t
        if (e !== QUOTE && e !== BACKSLASH && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
          this.pos = pos
          this.fail('bad escape')
        }
        pos += 2
        continue
      }
      pos++
    }
    this.pos = pos + 1
  }

  /** A number (RFC 8259 section 6): `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. */
  number (): void {
    const buf = this.buf
    let pos = this.pos
    if (buf[pos] === MINUS) pos++
    if (buf[pos] === ZERO) pos++
    else if (isDigit(buf[pos])) while (isDigit(buf[pos])) pos++
    else this.failAt(pos, 'bad number')
    if (buf[pos] === DOT) {
      pos++
      if (!isDigit(buf[pos])) this.failAt(pos, 'bad fraction')
      while (isDigit(buf[pos])) pos++
    }
    if (buf[pos] === 0x65 || buf[pos] === 0x45) {
      pos++
      if (buf[pos] === PLUS || buf[pos] === MINUS) pos++
      if (!isDigit(buf[pos])) this.failAt(pos, 'bad exponent')
      while (isDigit(buf[pos])) pos++
    }
    // the scanner's loop counted the first byte
    this.steps += pos - this.pos - 1
    this.pos = pos
  }

  failAt (pos: number, reason: string): never {
    this.pos = pos
    this.fail(reason)
  }

  /** One of the literals `true`, `false`, `null` at `pos`. */
  literal (): void {
    const buf = this.buf
    const pos = this.pos
    const c = buf[pos]
    const word = c === 0x74 ? TRUE : c === 0x66 ? FALSE : c === 0x6e ? NULL : undefined
    if (word === undefined) this.fail('unexpected byte')
    for (let i = 0; i < word.length; i++) {
      if (buf[pos + i] !== word[i]) this.failAt(pos + i, 'bad literal')
    }
    this.steps += word.length - 1
    this.pos = pos + word.length
  }
}

const TRUE = Uint8Array.of(0x74, 0x72, 0x75, 0x65)
const FALSE = Uint8Array.of(0x66, 0x61, 0x6c, 0x73, 0x65)
const NULL = Uint8Array.of(0x6e, 0x75, 0x6c, 0x6c)

/**
 * Scans `buf` as one JSON document whose top level is an object, within
 * `limits`. Throws {@link MalformedInputError} on the first grammar violation
 * (its reason names the byte offset) and {@link SizeLimitError} at the first
 * container over the depth (`quantity: 'depth'`) or element
 * (`quantity: 'field'`) limits. Reads each byte at most once.
 */
export function scanJson (format: string, buf: Uint8Array, limits: JsonScanLimits, meter?: JsonScanMeter): void {
  const s = new Scan(format, buf)
  try {
    run(s, buf, limits)
  } finally {
    if (meter !== undefined) {
      meter.pos = s.pos
      meter.steps = s.steps
    }
  }
}

function run (s: Scan, buf: Uint8Array, limits: JsonScanLimits): void {
  const maxDepth = Math.min(limits.maxDepth, MAX_SUPPORTED_DEPTH)
  const end = buf.length
  // Bit d of `objects`: the container at depth d is an object. `counts[d]`: its elements so far.
  let objects = 0
  const counts = new Array<number>(maxDepth + 1).fill(0)
  let depth = 0
  s.skipWhitespace()
  if (buf[s.pos] !== OPEN_OBJECT) s.fail('top level is not an object')
  let state = VALUE
  for (;;) {
    s.steps++
    s.skipWhitespace()
    const c = buf[s.pos]
    if (state === AFTER) {
      if (depth === 0) {
        if (s.pos !== end) s.fail('trailing data')
        return
      }
      const inObject = (objects >>> depth & 1) === 1
      if (c === COMMA) {
        s.pos++
        const n = (counts[depth] as number) + 1
        const limit = depth === 1 ? limits.maxTopEntries : limits.maxNestedItems
        if (n > limit) throw new SizeLimitError('field', limit, n)
        counts[depth] = n
        state = inObject ? KEY : VALUE
        continue
      }
      if (c === (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        s.pos++
        depth--
        continue
      }
      s.fail(c === undefined ? 'truncated' : `expected , or ${inObject ? '}' : ']'}`)
    }
    if (state === KEY) {
      if (c !== QUOTE) s.fail(c === undefined ? 'truncated' : 'expected a string key')
      s.string()
      s.skipWhitespace()
      if (buf[s.pos] !== COLON) s.fail('expected :')
      s.pos++
      state = VALUE
      continue
    }
    // state === VALUE
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === maxDepth) throw new SizeLimitError('depth', maxDepth, depth + 1)
      depth++
      s.pos++
      const isObject = c === OPEN_OBJECT
      objects = isObject ? objects | (1 << depth) : objects & ~(1 << depth)
      s.skipWhitespace()
      if (buf[s.pos] === (isObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        s.pos++
        depth--
        state = AFTER
        continue
      }
      const limit = depth === 1 ? limits.maxTopEntries : limits.maxNestedItems
      if (limit < 1) throw new SizeLimitError('field', limit, 1)
      counts[depth] = 1
      state = isObject ? KEY : VALUE
      continue
    }
    if (c === QUOTE) s.string()
    else if (c === MINUS || isDigit(c)) s.number()
    else if (c === undefined) s.fail('truncated')
    else s.literal()
    state = AFTER
  }
}
