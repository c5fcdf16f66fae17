/**
 * Protocol negotiation for the stream codec, the libp2p way: a listener
 * registers every `/wireseal/<message>/1.0.0/<serializer>-<compression>` id it
 * supports with `node.handle()`; a dialer passes its ids, most preferred
 * first, to `node.dialProtocol()`, and multistream-select (libp2p connections
 * spec, "Protocol Negotiation") settles on the first one the listener
 * handles. The negotiated id then fixes channel, message type, serializer and
 * compression on both ends (see {@link wiresealStream}).
 *
 * @module
 */
import './polyfill.js'
import type { Connection, DialTarget, Libp2p, Stream, StreamHandlerOptions } from '@libp2p/interface'
import { AbortError, NoCommonProtocolError } from '../errors.js'
import { parseProtocolId, type ParsedProtocolId } from './protocol-id.js'
import { protocolNamesOf } from './stream-options.js'
import { wiresealStream, type WiresealStream, type WiresealStreamInit } from './stream.js'

export {
  DEFAULT_PROTOCOL_NAMES,
  PROTOCOL_PREFIX,
  PROTOCOL_VERSION,
  messageProtocolName,
  parseProtocolId,
  protocolNamesFor,
  protocolId,
  supportedProtocols,
  tryParseProtocolId,
  type ParsedProtocolId,
  type ProtocolNames,
  type ProtocolParts,
  type SupportedProtocolsInit
} from './protocol-id.js'

/** The part of a libp2p node the helpers use (`getConnections` finds a dialed stream's connection for the budget). */
export type ProtocolNode = Pick<Libp2p, 'dialProtocol' | 'handle' | 'unhandle'> & Partial<Pick<Libp2p, 'getConnections'>>

/** Options of {@link dialWireseal}. */
export interface DialWiresealInit extends Omit<WiresealStreamInit, 'channel'> {
  /** Cancels the dial and negotiation, then (as the stream's signal) the stream. */
  signal?: AbortSignal
}

/** What a {@link handleWireseal} handler learns besides the stream. */
export interface WiresealHandlerContext {
  /** The negotiated protocol id, parsed. */
  readonly protocol: ParsedProtocolId
  /** The connection the stream runs on. */
  readonly connection: Connection
}

/** Handles one inbound wireseal stream. */
export type WiresealHandler = (stream: WiresealStream, context: WiresealHandlerContext) => void | Promise<void>

/** Options of {@link handleWireseal}. */
export interface HandleWiresealInit extends Omit<WiresealStreamInit, 'channel' | 'signal' | 'connection'> {
  /** Passed to `node.handle()`: stream limits, limited connections... */
  handlerOptions?: StreamHandlerOptions
  /**
   * Called when a handler throws; the stream is aborted either way.
   * @default none (libp2p logs handler errors)
   */
  onError?: (err: unknown, context: WiresealHandlerContext) => void
}

function describe (peer: DialTarget): string {
  if (Array.isArray(peer)) return peer.map((a) => a.toString()).join(',')
  return peer.toString()
}

/**
 * Opens a stream to `peer` for the first id of `protocols` (most preferred
 * first) that the peer handles, wrapped in the frame codec configured by the
 * negotiated id. With no id in common: {@link NoCommonProtocolError} carrying
 * the offered list; a cancelled dial: {@link AbortError}. Dial failures
 * (unreachable peer...) are libp2p's own errors.
 */
export async function dialWireseal (node: ProtocolNode, peer: DialTarget, protocols: readonly string[], init: DialWiresealInit): Promise<WiresealStream> {
  // Fail on a bad id before touching the network.
  const names = protocolNamesOf(init)
  for (const id of protocols) parseProtocolId(id, names)
  let stream: Stream
  try {
    stream = await node.dialProtocol(peer, [...protocols], { signal: init.signal })
  } catch (err) {
    if ((err as Error | undefined)?.name === 'UnsupportedProtocolError') throw new NoCommonProtocolError(protocols, describe(peer), { cause: err })
    if (init.signal?.aborted === true) throw new AbortError('dial', { cause: err })
    throw err
  }
  // The stream's connection keys the byte budget shared with the other streams to that peer.
  const connection = init.connection ?? node.getConnections?.().find((c) => c.streams.includes(stream))
  return wiresealStream(stream, { ...init, connection, protocolNames: names })
}

/**
 * Registers `handler` for every id of `protocols` (a listener's preference
 * order does not matter to multistream-select: it accepts any id it handles).
 * When the handler returns, the stream's writable end is closed; when it
 * throws, the stream is aborted.
 */
export async function handleWireseal (node: ProtocolNode, protocols: readonly string[], handler: WiresealHandler, init: HandleWiresealInit): Promise<void> {
  const parsed = new Map<string, ParsedProtocolId>()
  const names = protocolNamesOf(init)
  for (const id of protocols) parsed.set(id, parseProtocolId(id, names))
  const { handlerOptions, onError, ...streamInit } = init
  await node.handle([...protocols], async (stream, connection) => {
    const protocol = parsed.get(stream.protocol) ?? parseProtocolId(stream.protocol, names)
    const context: WiresealHandlerContext = { protocol, connection }
    const ws = wiresealStream(stream, { ...streamInit, connection, protocolNames: names })
    try {
      await handler(ws, context)
      // a handler that returns has nothing more to send: close our end cleanly
      if (ws.stream.writeStatus === 'writable') await ws.close()
    } catch (err) {
      onError?.(err, context)
      ws.abort(err instanceof Error ? err : new AbortError('read', { cause: err }))
    }
  }, handlerOptions)
}
