/**
 * Runtime checks of the caller's options, for plain-JS callers the types do
 * not reach: a programming error is an {@link InvalidConfigError} naming the
 * option, never a rejection of a peer's bytes. A misspelt key is refused
 * rather than ignored, so a default never silently stands in for it.
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'
import { DEFAULT_LIMITS } from '../limits.js'
import type { CodecInit, OpenOptions, SealOptions } from './options.js'

// Every key of each options interface: `satisfies` keeps the lists complete and exact.
const CODEC_INIT_KEYS = keySet({
  privateKey: true, serializers: true, limits: true, compression: true, compressors: true, replay: true, sequencer: true, domain: true, keyCache: true, now: true
} satisfies Record<keyof CodecInit, true>)
const SEAL_KEYS = keySet({ channel: true, serializer: true, compression: true, peerAccepts: true } satisfies Record<keyof SealOptions, true>)
const OPEN_KEYS = keySet({
  channel: true, types: true, serializers: true, compressions: true, maxPayloadBytes: true, now: true
} satisfies Record<keyof OpenOptions, true>)

function keySet (keys: Record<string, true>): ReadonlySet<string> {
  return new Set(Object.keys(keys))
}

function kindOf (value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}

/** Refuses any own key of `options` outside `known` (`where` names the options' owner). */
function checkKeys (prefix: string, options: object, known: ReadonlySet<string>, where: string): void {
  for (const key in options) {
    if (!known.has(key)) throw new InvalidConfigError(`${prefix}${key}`, `an option of ${where} (${[...known].join(', ')})`)
  }
}

/** `value` is an object with the named methods (a duck-typed dependency). */
function checkMethods (option: string, value: unknown, methods: readonly string[], expected: string): void {
  const ok = value !== null && typeof value === 'object' && methods.every((m) => typeof (value as Record<string, unknown>)[m] === 'function')
  if (!ok) throw new InvalidConfigError(option, `${expected}, got ${kindOf(value)}${value !== null && typeof value === 'object' ? ' without ' + methods.join('() / ') + '()' : ''}`)
}

function checkIdSet (option: string, ids: unknown): void {
  if (ids === undefined) return
  if (!Array.isArray(ids)) throw new InvalidConfigError(option, `an array of integer ids, got ${kindOf(ids)}`)
  for (let i = 0; i < ids.length; i++) {
    if (!Number.isSafeInteger(ids[i])) throw new InvalidConfigError(`${option}[${i}]`, `an integer id, got ${String(ids[i])}`)
  }
}

function checkTypeSet (option: string, types: unknown): void {
  if (types === undefined) return
  if (!Array.isArray(types)) throw new InvalidConfigError(option, `an array of message types or their ids, got ${kindOf(types)}`)
  for (let i = 0; i < types.length; i++) {
    const t: unknown = types[i]
    const id = t !== null && typeof t === 'object' ? (t as { id?: unknown }).id : t
    if (!Number.isSafeInteger(id)) throw new InvalidConfigError(`${option}[${i}]`, `a message type or its integer id, got ${t !== null && typeof t === 'object' ? 'an object without an integer id' : String(t)}`)
  }
}

/** The `serializer` of a seal: a format name or a wire id. */
export function checkSerializerChoice (option: string, serializer: unknown): void {
  if (serializer === undefined || typeof serializer === 'string' || Number.isSafeInteger(serializer)) return
  throw new InvalidConfigError(option, `a serializer name or integer wire id, got ${typeof serializer === 'number' ? String(serializer) : kindOf(serializer)}`)
}

/** The message type a value is sealed as. */
export function checkMessageType (option: string, type: unknown): void {
  if (type !== null && typeof type === 'object' && Number.isSafeInteger((type as { id?: unknown }).id)) return
  throw new InvalidConfigError(option, `a MessageType (e.g. BlockType, or one from defineMessageType()), got ${kindOf(type)}`)
}

/** Validates {@link CodecInit}; the private key itself is checked by `createSigner`. */
export function checkCodecInit (init: unknown): asserts init is CodecInit {
  if (init === null || typeof init !== 'object' || Array.isArray(init)) throw new InvalidConfigError('init', `a CodecInit object, got ${kindOf(init)}`)
  checkKeys('', init, CODEC_INIT_KEYS, 'createCodec')
  const i = init as Record<keyof CodecInit, unknown>
  if (i.serializers !== undefined) checkMethods('serializers', i.serializers, ['get'], 'a serializer lookup (e.g. createSerializerRegistry())')
  if (i.limits !== undefined) {
    if (i.limits === null || typeof i.limits !== 'object') throw new InvalidConfigError('limits', `a WireLimits object (createLimits()), got ${kindOf(i.limits)}`)
    for (const key of Object.keys(DEFAULT_LIMITS)) {
      const v = (i.limits as Record<string, unknown>)[key]
      if (typeof v !== 'number') throw new InvalidConfigError(`limits.${key}`, `a number (build limits with createLimits()), got ${kindOf(v)}`)
    }
  }
  if (i.compression !== undefined) checkMethods('compression', i.compression, ['compress'], 'a compression policy (createCompressionPolicy())')
  if (i.compressors !== undefined) checkMethods('compressors', i.compressors, ['get'], 'a compressor set (createCompressorSet())')
  if (i.replay !== undefined && i.replay !== false) checkMethods('replay', i.replay, ['precheck', 'commit'], 'a ReplayGuard (createReplayGuard()) or false')
  if (i.sequencer !== undefined) checkMethods('sequencer', i.sequencer, ['next'], 'a Sequencer (createSequencer())')
  if (i.domain !== undefined && typeof i.domain !== 'string') throw new InvalidConfigError('domain', `a string, got ${kindOf(i.domain)}`)
  if (i.keyCache !== undefined) checkMethods('keyCache', i.keyCache, ['get'], 'a SenderKeyCache')
  if (i.now !== undefined && typeof i.now !== 'function') throw new InvalidConfigError('now', `a function returning ms since the epoch, got ${kindOf(i.now)}`)
}

/** Validates {@link SealOptions}: a non-empty channel, known keys, each option of its kind. */
export function checkSealOptions (options: SealOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidConfigError('options', `a SealOptions object with a channel, got ${kindOf(options)}`)
  checkKeys('options.', options, SEAL_KEYS, 'seal')
  if (typeof options.channel !== 'string' || options.channel === '') {
    throw new InvalidConfigError('options.channel', `a non-empty string (the topic or protocol id sealed for), got ${options.channel === '' ? 'an empty string' : kindOf(options.channel)}`)
  }
  checkSerializerChoice('options.serializer', options.serializer)
  const compression: unknown = options.compression
  if (compression !== undefined && typeof compression !== 'string') throw new InvalidConfigError('options.compression', `'auto' or a compression name, got ${kindOf(compression)}`)
  if (options.peerAccepts !== undefined) checkMethods('options.peerAccepts', options.peerAccepts, ['has'], 'a Set of compression ids')
}

/**
 * Validates the caller's {@link OpenOptions} (a programming error is an
 * {@link InvalidConfigError}, never a rejection of the peer's bytes).
 */
export function checkOpenOptions (options: OpenOptions): void {
  if (options === null || typeof options !== 'object') throw new InvalidConfigError('options', 'an OpenOptions object with a channel')
  checkKeys('options.', options, OPEN_KEYS, 'open')
  if (typeof options.channel !== 'string') throw new InvalidConfigError('options.channel', `a string, got ${kindOf(options.channel)}`)
  checkTypeSet('options.types', options.types)
  checkIdSet('options.serializers', options.serializers)
  checkIdSet('options.compressions', options.compressions)
  const cap = options.maxPayloadBytes
  if (cap !== undefined && (!Number.isSafeInteger(cap) || cap < 1)) throw new InvalidConfigError('options.maxPayloadBytes', `a positive integer, got ${String(cap)}`)
  const now = options.now
  if (now !== undefined && !Number.isFinite(now)) throw new InvalidConfigError('options.now', `a finite number of ms, got ${String(now)}`)
}
