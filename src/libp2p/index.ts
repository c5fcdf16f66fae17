/**
 * wireseal inside js-libp2p 3: a stream codec with the encoding negotiated in
 * the protocol id (multistream-select, no home-made handshake), request /
 * response helpers, and one factory that configures gossipsub 17 (StrictNoSign,
 * a bounded DataTransform, message ids over the signed content, topic
 * validators and topic scores) for a set of topics.
 *
 * Importing this module first installs `Promise.withResolvers` on Node 20,
 * which libp2p 3 needs.
 *
 * @module
 */
import './polyfill.js'

export {
  wiresealStream,
  encodeUvarint,
  frameEnvelope,
  DEFAULT_STREAM_HIGH_WATER_MARK,
  DEFAULT_STREAM_FRAME_TIMEOUT_MS,
  DEFAULT_STREAM_MIN_BYTES_PER_SECOND,
  type WiresealStream,
  type WiresealStreamInit,
  type StreamStats,
  type StreamWriteOptions,
  type FramesOptions,
  type StreamRejection,
  type RejectPolicy
} from './stream.js'
export {
  StreamBudget,
  createStreamBudget,
  defaultStreamBudget,
  DEFAULT_STREAM_CONNECTION_BUDGET_BYTES,
  DEFAULT_STREAM_PEER_BUDGET_BYTES,
  type StreamBudgetInit,
  type BudgetScope
} from './stream-budget.js'
export {
  dialWireseal,
  handleWireseal,
  DEFAULT_PROTOCOL_NAMES,
  PROTOCOL_PREFIX,
  PROTOCOL_VERSION,
  messageProtocolName,
  parseProtocolId,
  protocolId,
  protocolNamesFor,
  supportedProtocols,
  tryParseProtocolId,
  type ProtocolNode,
  type DialWiresealInit,
  type HandleWiresealInit,
  type WiresealHandler,
  type WiresealHandlerContext,
  type ParsedProtocolId,
  type ProtocolNames,
  type ProtocolParts,
  type SupportedProtocolsInit
} from './protocols.js'
export {
  request,
  requestHandler,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type RequestInit,
  type TypedRequestInit,
  type RequestHandlerInit,
  type TypedRequestHandlerInit,
  type Reply,
  type RespondContext
} from './stream-request.js'
export { REQUEST_ERROR_CODES, isRequestErrorFrame, encodeRequestErrorFrame, decodeRequestErrorFrame } from './request-error-frame.js'
export {
  wiresealGossip,
  DEFAULT_GOSSIP_RPC_OVERHEAD_BYTES,
  DEFAULT_GOSSIP_BATCH_MAX_DELAY_MS,
  DEFAULT_GOSSIP_BATCH_MAX_ITEMS,
  DEFAULT_GOSSIP_BATCH_MAX_BYTES,
  type GossipBatchInit,
  type WiresealGossip,
  type WiresealGossipInit,
  type WiresealGossipsubOptions,
  type GossipTopicInit,
  type GossipTopicsInit,
  type GossipMessage,
  type GossipRejection,
  type GossipHandler,
  type GossipPublishOptions,
  type GossipStats,
  type TopicValue
} from './gossip.js'
export { sealedGossip, type SealedGossip, type GossipSealedHook } from './gossip-sealed.js'
export { gossipMessageId, createGossipMessageIds, GOSSIP_MSG_ID_BYTES, type GossipMessageIds } from './gossip-ids.js'
export { createGossipTransform, type GossipTransformInit } from './gossip-transform.js'
export { GOSSIP_VERDICTS, gossipVerdict } from './gossip-verdict.js'
export { wiresealScoreParams, wiresealTopicScoreParams, scoreDecay } from './gossip-score.js'
