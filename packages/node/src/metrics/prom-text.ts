/**
 * A small parser of the Prometheus text exposition format 0.0.4
 * (prometheus/docs `content/docs/instrumenting/exposition_formats.md`), for
 * the status command: enough to read a node's own `/metrics` page, with hard
 * limits so that a hostile or broken endpoint costs bounded work.
 *
 * Grammar per line: `# HELP name text`, `# TYPE name type`, any other `#`
 * comment, a blank line, or a sample
 * `name[{label="value",...}] value [timestamp_ms]`. Label values escape
 * `\\`, `\"` and `\n`; values are Go floats including `NaN`, `+Inf`, `-Inf`.
 *
 * @module
 */
import { MalformedInputError } from 'wireseal/errors'

/** One sample line. `labels` has no prototype (a label may be named `__proto__`). */
export interface PromSample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
  /** Milliseconds since the epoch, when the line carries one. */
  readonly timestampMs?: number
}

/** A parsed exposition. */
export interface PromText {
  readonly samples: readonly PromSample[]
  /** `# TYPE` by metric family name. */
  readonly types: ReadonlyMap<string, string>
  /** `# HELP` by metric family name (unescaped). */
  readonly help: ReadonlyMap<string, string>
}

/** Limits of {@link parsePromText}. */
export interface PromTextLimits {
  /**
   * Longest input, in UTF-16 code units.
   * @default DEFAULT_PROM_TEXT_LIMITS.maxChars (8 Mi)
   */
  maxChars?: number
  /**
   * Most samples.
   * @default DEFAULT_PROM_TEXT_LIMITS.maxSamples (100 000)
   */
  maxSamples?: number
  /**
   * Most labels on one sample.
   * @default DEFAULT_PROM_TEXT_LIMITS.maxLabels (64)
   */
  maxLabels?: number
}

/** Defaults of {@link PromTextLimits}: far above a node's page (about 1 500 samples, 200 KiB). */
export const DEFAULT_PROM_TEXT_LIMITS: Readonly<Required<PromTextLimits>> = Object.freeze({
  maxChars: 8 * 1024 * 1024,
  maxSamples: 100_000,
  maxLabels: 64
})

const FORMAT = 'prometheus-text'
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/

function fail (line: number, reason: string): never {
  throw new MalformedInputError(FORMAT, `line ${line}: ${reason}`)
}

/**
 * A Go `strconv.ParseFloat` value as Prometheus reads it: decimal or
 * exponent notation, and `NaN` / `Inf` / `Infinity` in any case with an
 * optional sign (prom-client writes `Nan` before its first event-loop sample).
 */
function parseValue (token: string, line: number): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(token)
  if (special !== null) return (special[2] as string).toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(token)) fail(line, `bad value ${JSON.stringify(token.slice(0, 32))}`)
  return Number(token)
}

function unescapeHelp (s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'))
}

/** Parses `{a="x",b="y"}` starting at `pos` (on `{`); returns the labels and the index after `}`. */
function parseLabels (text: string, pos: number, lineEnd: number, line: number, maxLabels: number): { labels: Record<string, string>, end: number } {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>
  const at = (k: number): string | undefined => (k < lineEnd ? text[k] : undefined)
  let count = 0
  let i = pos + 1
  const skipSpaces = (): void => { while (at(i) === ' ' || at(i) === '\t') i++ }
  skipSpaces()
  while (at(i) !== '}') {
    const name = LABEL_NAME.exec(text.slice(i, Math.min(lineEnd, i + 1024)))?.[0]
    if (name === undefined) fail(line, 'bad label name')
    i += name.length
    skipSpaces()
    if (at(i) !== '=') fail(line, `expected = after label ${name}`)
    i++
    skipSpaces()
    if (at(i) !== '"') fail(line, `expected " to open the value of label ${name}`)
    i++
    let value = ''
    let start = i
    for (;;) {
      const c = at(i)
      if (c === undefined) fail(line, `unterminated value of label ${name}`)
      if (c === '"') break
      if (c === '\\') {
        value += text.slice(start, i)
        const e = at(i + 1)
        if (e === 'n') value += '\n'
        else if (e === '\\' || e === '"') value += e
        else fail(line, `bad escape in the value of label ${name}`)
        i += 2
        start = i
        continue
      }
      i++
    }
    value += text.slice(start, i)
    i++
    if (name in labels) fail(line, `duplicate label ${name}`)
    if (++count > maxLabels) fail(line, `more than ${maxLabels} labels`)
    labels[name] = value
    skipSpaces()
    if (at(i) === ',') { i++; skipSpaces(); continue }
    if (at(i) !== '}') fail(line, 'expected , or } after a label')
  }
  return { labels, end: i + 1 }
}

/**
 * Parses a Prometheus text exposition. Throws {@link MalformedInputError}
 * (`format: 'prometheus-text'`, the line number in `reason`) for a line that
 * is not in the format or past a limit.
 */
export function parsePromText (text: string, limits: PromTextLimits = {}): PromText {
  const maxChars = limits.maxChars ?? DEFAULT_PROM_TEXT_LIMITS.maxChars
  const maxSamples = limits.maxSamples ?? DEFAULT_PROM_TEXT_LIMITS.maxSamples
  const maxLabels = limits.maxLabels ?? DEFAULT_PROM_TEXT_LIMITS.maxLabels
  if (text.length > maxChars) throw new MalformedInputError(FORMAT, `longer than ${maxChars} characters (${text.length})`)
  const samples: PromSample[] = []
  const types = new Map<string, string>()
  const help = new Map<string, string>()
  let lineNo = 0
  let pos = 0
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos)
    if (eol < 0) eol = text.length
    lineNo++
    const start = pos
    pos = eol + 1
    let lineEnd = eol
    if (text[lineEnd - 1] === '\r') lineEnd--
    let i = start
    while (text[i] === ' ' || text[i] === '\t') i++
    if (i >= lineEnd) continue
    if (text[i] === '#') {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t]+(.*))?$/.exec(text.slice(i, lineEnd))
      if (m === null) continue // a plain comment
      const [, kind, name, rest] = m as unknown as [string, string, string, string | undefined]
      if (kind === 'TYPE') {
        const type = (rest ?? '').trim()
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) fail(lineNo, `bad type ${JSON.stringify(type.slice(0, 32))}`)
        types.set(name, type)
      } else {
        help.set(name, unescapeHelp(rest ?? ''))
      }
      continue
    }
    const name = METRIC_NAME.exec(text.slice(i, Math.min(lineEnd, i + 1024)))?.[0]
    if (name === undefined) fail(lineNo, 'bad metric name')
    i += name.length
    let labels: Record<string, string> = Object.create(null) as Record<string, string>
    if (text[i] === '{') {
      const parsed = parseLabels(text, i, lineEnd, lineNo, maxLabels)
      labels = parsed.labels
      i = parsed.end
    }
    const rest = text.slice(i, lineEnd)
    if (rest !== '' && rest[0] !== ' ' && rest[0] !== '\t') fail(lineNo, 'expected a space before the value')
    const tokens = rest.trim().split(/[ \t]+/)
    if (tokens.length < 1 || tokens.length > 2 || tokens[0] === '') fail(lineNo, 'expected a value and an optional timestamp')
    const value = parseValue(tokens[0] as string, lineNo)
    let timestampMs: number | undefined
    if (tokens.length === 2) {
      if (!/^-?\d{1,16}$/.test(tokens[1] as string)) fail(lineNo, 'bad timestamp')
      timestampMs = Number(tokens[1])
    }
    if (samples.length >= maxSamples) fail(lineNo, `more than ${maxSamples} samples`)
    samples.push(timestampMs === undefined ? { name, labels, value } : { name, labels, value, timestampMs })
  }
  return { samples, types, help }
}

/** The samples named `name` whose labels include every pair of `match`. */
export function selectSamples (text: PromText, name: string, match: Readonly<Record<string, string>> = {}): PromSample[] {
  const pairs = Object.entries(match)
  return text.samples.filter((s) => s.name === name && pairs.every(([k, v]) => Object.hasOwn(s.labels, k) && s.labels[k] === v))
}

/** The sum of the samples {@link selectSamples} returns, or `undefined` when there are none. */
export function sumSamples (text: PromText, name: string, match: Readonly<Record<string, string>> = {}): number | undefined {
  const found = selectSamples(text, name, match)
  return found.length === 0 ? undefined : found.reduce((a, s) => a + s.value, 0)
}
