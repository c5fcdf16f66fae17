/**
 * The configured pipeline behind {@link createCodec}: one {@link Sealer} and
 * one {@link Opener} sharing the budget, the serializers, the compressors and
 * the signature domain; the caller's options are validated here, before
 * either runs.
 *
 * Rejections of bytes are values (`{ ok: false, reason }`), never exceptions;
 * invalid options (the caller's) throw {@link errors!InvalidConfigError}.
 *
 * @module
 */
import { DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN, type WireLimits } from '../limits.js'
import type { MessageType } from '../serialize/types.js'
import { defaultSerializerRegistry } from '../serialize/registry.js'
import { createCompressionPolicy } from '../compress/policy.js'
import { defaultCompressors } from '../compress/registry.js'
import { createReplayGuard } from '../replay/guard.js'
import { createSequencer } from '../replay/sequencer.js'
import { createSigner, SenderKeyCache } from '../envelope/keys.js'
import { SigningBuffer, domainPrefix } from '../envelope/envelope.js'
import { checkOpenOptions } from './check-options.js'
import { openChunked } from './chunked.js'
import { Opener } from './open.js'
import type { CodecInit, OpenOptions, SealOptions } from './options.js'
import { Sealer } from './seal.js'
import type { ChunkedReceiver, Codec, OpenRejected, OpenResult, VerifyResult } from './types.js'

class PipelineCodec implements Codec {
  readonly limits: WireLimits
  readonly id: string | undefined
  readonly #sealer: Sealer
  readonly #opener: Opener
  readonly #now: () => number

  constructor (init: CodecInit) {
    const limits = init.limits ?? DEFAULT_LIMITS
    const signer = init.privateKey === undefined ? undefined : createSigner(init.privateKey)
    const serializers = init.serializers ?? defaultSerializerRegistry
    const compressors = init.compressors ?? defaultCompressors
    const now = init.now ?? Date.now
    const prefix = new SigningBuffer(domainPrefix(init.domain ?? DEFAULT_SIGNATURE_DOMAIN))
    this.limits = limits
    this.id = signer?.id
    this.#now = now
    this.#opener = new Opener({
      limits,
      serializers,
      compressors,
      replay: init.replay === false ? undefined : (init.replay ?? createReplayGuard({ now })),
      keys: init.keyCache ?? new SenderKeyCache(),
      prefix
    })
    this.#sealer = new Sealer({
      signer,
      limits,
      serializers,
      policy: init.compression ?? createCompressionPolicy(),
      compressors,
      sequencer: init.sequencer ?? createSequencer({ now }),
      prefix,
      now
    })
  }

  seal<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array {
    return this.#sealer.seal(type, value, options)
  }

  sealBatch<T>(type: MessageType<T>, values: readonly T[], options: SealOptions): Uint8Array {
    return this.#sealer.sealBatch(type, values, options)
  }

  encode<T>(type: MessageType<T>, value: T, serializer?: number | string): Uint8Array {
    return this.#sealer.encode(type, value, serializer)
  }

  sealChunked<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array[] {
    return this.#sealer.sealChunked(type, value, options)
  }

  openChunked<T = unknown>(head: Uint8Array, options: OpenOptions): ChunkedReceiver<T> | OpenRejected {
    checkOpenOptions(options)
    return openChunked<T>(this.#opener, head, options, options.now ?? this.#now())
  }

  open<T = unknown>(bytes: Uint8Array, options: OpenOptions): OpenResult<T> {
    checkOpenOptions(options)
    return this.#opener.open<T>(bytes, options, options.now ?? this.#now())
  }

  verify (bytes: Uint8Array, options: OpenOptions): VerifyResult {
    checkOpenOptions(options)
    return this.#opener.verify(bytes, options, options.now ?? this.#now())
  }
}

/** Creates a seal/open pipeline. */
export function createCodec (init: CodecInit = {}): Codec {
  return new PipelineCodec(init)
}
