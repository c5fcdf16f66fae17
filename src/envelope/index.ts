/**
 * The envelope layer: the canonical signed header, the envelope and chunk
 * frame layouts (proto/envelope.proto) and signing with libp2p keys.
 * Most users want the pipeline in `wireseal/codec` instead.
 *
 * @module
 */
export {
  ENVELOPE_VERSION,
  EnvelopeKind,
  DIGEST_BYTES,
  MAX_PUBLIC_KEY_BYTES,
  encodeChannel,
  headerLength,
  writeHeader,
  readHeader,
  type EnvelopeHeader,
  type EnvelopeKindId,
  type HeaderParts
} from './header.js'
export {
  MAX_SIGNATURE_BYTES,
  SigningBuffer,
  maxHeaderBytes,
  domainPrefix,
  encodeEnvelope,
  encodeSignedEnvelope,
  parseEnvelope,
  peekEnvelopeKind,
  verifyEnvelopeSignature,
  type ParsedEnvelope,
  type ItemFields,
  type EnvelopeInit,
  type SignedHeader,
  type SignedEnvelopeInit
} from './envelope.js'
export { createSigner, SenderKeyCache, type EnvelopeSigner, type SenderKey } from './keys.js'
export { normaliseLowS, parseDerSignature } from './ecdsa-signatures.js'
export { VerifiedSignatureCache, DEFAULT_MAX_VERIFIED_SIGNATURES } from './verified-signatures.js'
export {
  SIGNATURE_BACKEND_ENV,
  getSignatureBackend,
  listSignatureBackends,
  resolveSignatureBackends,
  type ResolvedSignatureBackends,
  type SignatureAlgorithm,
  type SignatureBackend,
  type SignatureBackendChoice,
  type SignatureBackendInfo,
  type SignatureBackendKind
} from './sign-backends/index.js'
export { joinBatchItems, splitBatchItems } from './batch.js'
export { encodeChunkFrame, parseChunkFrame, type ChunkFrame } from './chunk-frame.js'
export { PbReader, PbWriter, varintLength } from './pb.js'
