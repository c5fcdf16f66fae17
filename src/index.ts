/**
 * wireseal: signed, replay-protected, compressed messages for libp2p.
 *
 * The root export holds the pipeline and the names most programs need; each
 * layer also has its own subpath (`wireseal/serialize`, `wireseal/compress`,
 * `wireseal/integrity`, `wireseal/replay`, `wireseal/envelope`,
 * `wireseal/codec`, `wireseal/limits`, `wireseal/options`, `wireseal/errors`)
 * so that what you do not import is never loaded.
 *
 * @module
 */
export * from './errors.js'
export {
  createLimits,
  DEFAULT_LIMITS,
  maxCompressedLength,
  type LimitsInit,
  type WireLimits
} from './limits.js'
export {
  createCodec,
  type Codec,
  type CodecInit,
  type SealOptions,
  type OpenOptions,
  type OpenResult,
  type OpenAccepted,
  type OpenRejected,
  type OpenedMessage,
  type VerifyAccepted,
  type VerifyResult,
  type AcceptedType,
  type ValueOfTypes,
  type RejectReason,
  type ChunkedReceiver,
  type ChunkFrameRejection,
  type SerializerLookup,
  REJECT_REASONS,
  REPLAY_REJECT_REASON,
  CHUNK_REJECT_REASON
} from './codec/index.js'
export {
  BlockType,
  PeerInfoType,
  SerializerId,
  MessageTypeId,
  defineMessageType,
  createSerializerRegistry,
  defaultSerializerRegistry,
  SerializerRegistry,
  SERIALIZER_NAMES,
  serializerIdOf,
  serializerNameOf,
  type Block,
  type PeerInfo,
  type MessageType,
  type Serializer,
  type SerializerChoice,
  type SerializerName,
  type ValueOf
} from './serialize/index.js'
export {
  CompressionId,
  createCompressionPolicy,
  createCompressorSet,
  defaultCompressors,
  getCompressor,
  listBackends,
  type Compressor,
  type CompressionName,
  type CompressionPolicy,
  type CompressionPolicyInit
} from './compress/index.js'
export { listSignatureBackends, type SignatureBackendChoice, type SignatureBackendInfo } from './envelope/index.js'
export { createReplayGuard, createSequencer, type ReplayGuard, type ReplayGuardInit, type Sequencer, type SequencerInit } from './replay/index.js'
export { sha256, merkleRoot, buildMerkleTree, verifyInclusion } from './integrity/index.js'
