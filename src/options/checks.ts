/**
 * The checks of numeric options: every `init` field, flag or setting that
 * must be an integer in a range, a positive number or a duration. A bad
 * option is the caller's programming error and throws
 * {@link InvalidConfigError} naming the option; the predicates serve readers
 * of files and command lines, which report the same test with their own error.
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'

/**
 * A value as error messages show it: numbers as written, strings quoted
 * (at most 40 characters), anything else by kind (`null`, `undefined`,
 * `boolean`, `Uint8Array`, `object`...).
 */
export function describeValue (value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  if (value === null) return 'null'
  if (typeof value !== 'object') return typeof value
  const ctor: unknown = Object.getPrototypeOf(value)?.constructor
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'object'
}

/** True for a safe integer in `min..max`. */
export function isIntInRange (value: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max
}

/** What an integer in `min..max` is called in error messages ("a positive integer", "an integer in 1..255"). */
export function intExpectation (min: number, max: number = Number.MAX_SAFE_INTEGER): string {
  if (max < Number.MAX_SAFE_INTEGER) return `an integer in ${min}..${max}`
  if (min === 0) return 'a non-negative integer'
  if (min === 1) return 'a positive integer'
  return `an integer >= ${min}`
}

/** `value` if it is a safe integer in `min..max`, else throws {@link InvalidConfigError} naming `option`. */
export function checkInt (option: string, value: unknown, min: number, max: number = Number.MAX_SAFE_INTEGER): number {
  if (isIntInRange(value, min, max)) return value
  throw new InvalidConfigError(option, `${intExpectation(min, max)}, got ${describeValue(value)}`)
}

/** `value` if it is a safe integer in `1..max`, else throws {@link InvalidConfigError}. */
export function checkPositiveInt (option: string, value: unknown, max: number = Number.MAX_SAFE_INTEGER): number {
  return checkInt(option, value, 1, max)
}

/** `value` if it is a safe integer in `0..max`, else throws {@link InvalidConfigError}. */
export function checkNonNegativeInt (option: string, value: unknown, max: number = Number.MAX_SAFE_INTEGER): number {
  return checkInt(option, value, 0, max)
}

/**
 * `value` if it is a number above 0, `Infinity` included (a timeout or rate
 * that may be unbounded), else throws {@link InvalidConfigError}.
 */
export function checkPositive (option: string, value: unknown): number {
  if (typeof value === 'number' && value > 0) return value
  throw new InvalidConfigError(option, `a positive number, got ${describeValue(value)}`)
}
