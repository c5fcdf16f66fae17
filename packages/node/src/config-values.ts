/**
 * Strict parsers for the scalar value formats of the node's configuration:
 * integers, booleans, durations, byte sizes, enumerations, names, host names
 * and paths. Each parser returns a verdict value, never throws; the caller
 * turns a rejection into one problem line (see `config.ts`).
 *
 * @module
 */
import { isIP } from 'node:net'

/** A parser's verdict: the value, or a rejection with an optional reason. */
export type Parsed<T> =
  | { readonly ok: true, readonly value: T }
  | { readonly ok: false, readonly reason?: string }

/** A value parser: raw text (already trimmed, never empty) to a verdict. */
export type ValueParser<T> = (raw: string) => Parsed<T>

export const accept = <T>(value: T): Parsed<T> => ({ ok: true, value })
export const reject = (reason?: string): Parsed<never> => reason === undefined ? { ok: false } : { ok: false, reason }

/** Digits only: no sign, no decimal point, no exponent, no separators. */
const DIGITS = /^[0-9]{1,15}$/

/** An integer in `[min, max]` written in plain decimal digits. */
export function integer (min: number, max: number): ValueParser<number> {
  return raw => {
    if (!DIGITS.test(raw)) return reject()
    const n = Number(raw)
    return n >= min && n <= max ? accept(n) : reject()
  }
}

const TRUE = new Set(['true', '1', 'yes'])
const FALSE = new Set(['false', '0', 'no'])

/** `true`/`false`/`1`/`0`/`yes`/`no` (case-insensitive), nothing else. */
export const boolean: ValueParser<boolean> = raw => {
  const v = raw.toLowerCase()
  if (TRUE.has(v)) return accept(true)
  if (FALSE.has(v)) return accept(false)
  return reject()
}

/** Milliseconds per duration unit; a plain number is milliseconds. */
const DURATION_UNITS: Readonly<Record<string, number>> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const DURATION = /^([0-9]{1,12})(ms|s|m|h)?$/

/**
 * A duration such as `500ms`, `45s`, `2m`, `1h` or plain milliseconds, in
 * `[min, max]` ms; `zero` also admits exactly 0 below `min` (a disable value).
 */
export function duration (min: number, max: number, zero = false): ValueParser<number> {
  return raw => {
    const m = DURATION.exec(raw)
    if (m === null) return reject()
    const ms = Number(m[1]) * (DURATION_UNITS[m[2] ?? ''] ?? Number.NaN)
    if (ms === 0 && zero) return accept(0)
    return ms >= min && ms <= max ? accept(ms) : reject()
  }
}

const KIB = 1024
const KB = 1000
/**
 * Bytes per size unit (case-insensitive). IEC units are binary (`KiB` = 1024),
 * SI units decimal (`KB` = 1000, IEC 80000-13); a bare letter (`64k`, `512m`)
 * is binary, as in Docker, nginx and the JVM.
 */
const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: KIB,
  kib: KIB,
  kb: KB,
  m: KIB ** 2,
  mib: KIB ** 2,
  mb: KB ** 2,
  g: KIB ** 3,
  gib: KIB ** 3,
  gb: KB ** 3,
  t: KIB ** 4,
  tib: KIB ** 4,
  tb: KB ** 4
}
const SIZE = /^([0-9]{1,15}) ?([a-z]{0,3})$/i

/** A byte size such as `4096`, `64k`, `4KB`, `4KiB`, `512MiB`, in `[min, max]`. */
export function size (min: number, max: number): ValueParser<number> {
  return raw => {
    const m = SIZE.exec(raw)
    if (m === null) return reject()
    const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()]
    if (unit === undefined) return reject()
    const bytes = Number(m[1]) * unit
    return Number.isSafeInteger(bytes) && bytes >= min && bytes <= max ? accept(bytes) : reject()
  }
}

/** One of `choices`, case-insensitive, returned in the choice's spelling. */
export function oneOf<T extends string> (choices: readonly T[]): ValueParser<T> {
  return raw => {
    const v = raw.toLowerCase()
    const hit = choices.find(c => c === v)
    return hit === undefined ? reject() : accept(hit)
  }
}

/** Text matching `pattern` (which must anchor both ends). */
export function matching (pattern: RegExp): ValueParser<string> {
  return raw => pattern.test(raw) ? accept(raw) : reject()
}

/** RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i

/** An IPv4/IPv6 address (no zone, no brackets) or an RFC 1123 host name. */
export const host: ValueParser<string> = raw => {
  if (raw.includes('%')) return reject('zone ids are not accepted')
  if (isIP(raw) !== 0) return accept(raw)
  if (raw.length > 253 || /^[0-9.]+$/.test(raw)) return reject()
  return raw.split('.').every(label => HOST_LABEL.test(label)) ? accept(raw.toLowerCase()) : reject()
}

/** A file-system path: 1 to 4096 characters, no control characters. */
export const path: ValueParser<string> = raw => {
  // eslint-disable-next-line no-control-regex
  return raw.length >= 1 && raw.length <= 4096 && !/[\u0000-\u001f\u007f]/.test(raw) ? accept(raw) : reject()
}
