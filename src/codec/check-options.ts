/**
 * Runtime checks of the caller's options: a programming error is an
 * {@link InvalidConfigError} naming the option, never a rejection of a
 * peer's bytes.
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'
import type { OpenOptions } from './options.js'

function checkIdSet (option: string, ids: unknown): void {
  if (ids === undefined) return
  if (!Array.isArray(ids)) throw new InvalidConfigError(option, `an array of integer ids, got ${ids === null ? 'null' : typeof ids}`)
  for (let i = 0; i < ids.length; i++) {
    if (!Number.isSafeInteger(ids[i])) throw new InvalidConfigError(`${option}[${i}]`, `an integer id, got ${String(ids[i])}`)
  }
}

/**
 * Validates the caller's {@link OpenOptions} (a programming error is an
 * {@link InvalidConfigError}, never a rejection of the peer's bytes).
 */
export function checkOpenOptions (options: OpenOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidConfigError('options', 'an OpenOptions object with a channel')
  if (typeof options.channel !== 'string') throw new InvalidConfigError('options.channel', `a string, got ${options.channel === null ? 'null' : typeof options.channel}`)
  checkIdSet('options.types', options.types)
  checkIdSet('options.serializers', options.serializers)
  checkIdSet('options.compressions', options.compressions)
  const cap = options.maxPayloadBytes
  if (cap !== undefined && (!Number.isSafeInteger(cap) || cap < 1)) throw new InvalidConfigError('options.maxPayloadBytes', `a positive integer, got ${String(cap)}`)
  const now = options.now
  if (now !== undefined && !Number.isFinite(now)) throw new InvalidConfigError('options.now', `a finite number of ms, got ${String(now)}`)
}
