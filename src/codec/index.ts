/**
 * The seal/open pipeline: values in, signed envelope bytes out, and back
 * (SPEC.md). {@link createCodec} builds it; the seal path is in `seal.ts`,
 * the open path in `open.ts`, the chunked receiver in `chunked.ts`, and every
 * rejection reason in `reasons.ts`.
 *
 * Rejections of bytes are values (`{ ok: false, reason }`), never exceptions;
 * invalid options (the caller's) throw {@link errors!InvalidConfigError}.
 *
 * @module
 */
export { createCodec } from './pipeline.js'
export type { Codec, ChunkedReceiver, OpenAccepted, OpenedMessage, OpenRejected, OpenResult, VerifyAccepted, VerifyResult } from './types.js'
export type { AcceptedType, CodecInit, OpenOptions, SealOptions, SerializerLookup, ValueOfTypes } from './options.js'
export { CHUNK_REJECT_REASON, REJECT_REASONS, REPLAY_REJECT_REASON, type ChunkFrameRejection, type RejectReason } from './reasons.js'
