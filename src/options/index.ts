/**
 * Option values: the checks every layer applies to numeric options
 * ({@link errors!InvalidConfigError} naming the option) and the formatting of
 * durations and sizes as they are written in flags and settings.
 *
 * @module
 */
export { checkInt, checkNonNegativeInt, checkPositive, checkPositiveInt, describeValue, intExpectation, isIntInRange } from './checks.js'
export { formatDuration, formatSize } from '../format.js'
