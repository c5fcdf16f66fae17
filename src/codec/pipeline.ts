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
import { InvalidConfigError } from '../errors.js'
import { DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN, type WireLimits } from '../limits.js'
import type { MessageType, SerializerChoice } from '../serialize/types.js'
import { createSerializerRegistry, defaultSerializerRegistry } from '../serialize/registry.js'
import { createCompressionPolicy } from '../compress/policy.js'
import { defaultCompressors } from '../compress/registry.js'
import { createReplayGuard } from '../replay/guard.js'
import { createSequencer } from '../replay/sequencer.js'
import { createSigner, SenderKeyCache } from '../envelope/keys.js'
import { SigningBuffer, domainPrefix } from '../envelope/envelope.js'
import { checkCodecInit, checkMessageType, checkOpenOptions, checkSealOptions, checkSerializerChoice } from './check-options.js'
import { openChunked } from './chunked.js'
import { Opener } from './open.js'
import type { AcceptedType, CodecInit, OpenOptions, SealOptions, SerializerLookup, ValueOfTypes } from './options.js'
import { Sealer } from './seal.js'
import type { ChunkedReceiver, Codec, OpenRejected, OpenResult, VerifyResult } from './types.js'

class PipelineCodec implements Codec {
  readonly limits: WireLimits
  readonly serializers: SerializerLookup
  readonly id: string | undefined
  readonly #sealer: Sealer
  readonly #opener: Opener
  readonly #now: () => number

  constructor (init: CodecInit) {
    const limits = init.limits ?? DEFAULT_LIMITS
    const signer = init.privateKey === undefined ? undefined : createSigner(init.privateKey)
    // Limits with their own PeerInfo counts need PeerInfo serializers built for them.
    const serializers = init.serializers ?? (init.limits === undefined ? defaultSerializerRegistry : createSerializerRegistry({ limits }))
    const compressors = init.compressors ?? defaultCompressors
    const now = init.now ?? Date.now
    const prefix = new SigningBuffer(domainPrefix(init.domain ?? DEFAULT_SIGNATURE_DOMAIN))
    this.limits = limits
    this.serializers = serializers
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
    checkMessageType('type', type)
    checkSealOptions(options)
    return this.#sealer.seal(type, value, options)
  }

  sealBatch<T>(type: MessageType<T>, values: readonly T[], options: SealOptions): Uint8Array {
    checkMessageType('type', type)
    checkSealOptions(options)
    if (!Array.isArray(values)) throw new InvalidConfigError('values', 'an array of values')
    return this.#sealer.sealBatch(type, values, options)
  }

  encode<T>(type: MessageType<T>, value: T, serializer?: SerializerChoice): Uint8Array {
    checkMessageType('type', type)
    checkSerializerChoice('serializer', serializer)
    return this.#sealer.encode(type, value, serializer)
  }

  sealChunked<T>(type: MessageType<T>, value: T, options: SealOptions): Uint8Array[] {
    checkMessageType('type', type)
    checkSealOptions(options)
    return this.#sealer.sealChunked(type, value, options)
  }

  openChunked<const Types extends ReadonlyArray<AcceptedType>>(head: Uint8Array, options: OpenOptions & { readonly types: Types }): ChunkedReceiver<ValueOfTypes<Types>> | OpenRejected
  openChunked(head: Uint8Array, options: OpenOptions): ChunkedReceiver | OpenRejected
  openChunked<T>(head: Uint8Array, options: OpenOptions): ChunkedReceiver<T> | OpenRejected
  openChunked (head: Uint8Array, options: OpenOptions): ChunkedReceiver | OpenRejected {
    checkOpenOptions(options)
    return openChunked(this.#opener, head, options, options.now ?? this.#now())
  }

  open<const Types extends ReadonlyArray<AcceptedType>>(bytes: Uint8Array, options: OpenOptions & { readonly types: Types }): OpenResult<ValueOfTypes<Types>>
  open(bytes: Uint8Array, options: OpenOptions): OpenResult
  open<T>(bytes: Uint8Array, options: OpenOptions): OpenResult<T>
  open (bytes: Uint8Array, options: OpenOptions): OpenResult {
    checkOpenOptions(options)
    return this.#opener.open(bytes, options, options.now ?? this.#now())
  }

  verify (bytes: Uint8Array, options: OpenOptions): VerifyResult {
    checkOpenOptions(options)
    return this.#opener.verify(bytes, options, options.now ?? this.#now())
  }
}

/**
 * Creates a seal/open pipeline. Throws {@link errors!InvalidConfigError}
 * naming the option for an unknown key of `init`, a `privateKey` that is not
 * a libp2p Ed25519, secp256k1 or ECDSA private key, or an option of the
 * wrong kind.
 */
export function createCodec (init: CodecInit = {}): Codec {
  checkCodecInit(init)
  return new PipelineCodec(init)
}
