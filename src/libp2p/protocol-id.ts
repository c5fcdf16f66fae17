/**
 * The encoding travels in the libp2p protocol id, the libp2p way:
 * `/wireseal/<message>/<version>/<serializer>-<compression>`, e.g.
 * `/wireseal/block/1.0.0/protobuf-snappy`. multistream-select (libp2p
 * connections spec, "Protocol Negotiation") picks one id both peers support,
 * so the negotiated id tells both sides the serializer and compression to use:
 * no home-made handshake.
 *
 * Pure string functions, no libp2p import.
 *
 * @module
 */
import { InvalidConfigError, MalformedInputError, UnknownCodecError } from '../errors.js'
import { CompressionId, type CompressionName } from '../compress/types.js'
import { DEFAULT_PROTOCOL_NAMES } from '../limits.js'
import type { MessageType } from '../serialize/types.js'

/** First segment of every wireseal protocol id. */
export const PROTOCOL_PREFIX = '/wireseal'

/** Version segment of the protocol ids built here (semver, matched exactly by multistream-select). */
export const PROTOCOL_VERSION = '1.0.0'

/** Names of the id segments, mapped to wire ids. */
export interface ProtocolNames {
  /** Message segment -> message type id, e.g. `block` -> 1. */
  readonly messages: Readonly<Record<string, number>>
  /** Serializer segment -> serializer id, e.g. `protobuf` -> 1. */
  readonly serializers: Readonly<Record<string, number>>
}

export { DEFAULT_PROTOCOL_NAMES }

/** The parts of a protocol id. */
export interface ProtocolParts {
  /** Message segment, e.g. `block`. */
  message: string
  /** Serializer segment, e.g. `protobuf`. */
  serializer: string
  /** Compression name. */
  compression: CompressionName
  /**
   * Version segment.
   * @default PROTOCOL_VERSION
   */
  version?: string
}

/** A parsed protocol id with its segments resolved to wire ids. */
export interface ParsedProtocolId {
  /** The id itself. */
  readonly id: string
  readonly message: string
  readonly version: string
  readonly serializer: string
  readonly compression: CompressionName
  /** Message type id of `message`. */
  readonly messageTypeId: number
  /** Serializer wire id of `serializer`. */
  readonly serializerId: number
  /** Compression wire id of `compression`. */
  readonly compressionId: number
}

// One segment: lower-case letters, digits, '_' and '.'; '-' only inside message names.
const NAME = /^[a-z0-9_.]+$/
const MESSAGE = /^[a-z0-9_.-]+$/
const VERSION = /^\d+\.\d+\.\d+$/

function compressionOf (name: string): CompressionName | undefined {
  return Object.hasOwn(CompressionId, name) ? name as CompressionName : undefined
}

function lookup (table: Readonly<Record<string, number>>, name: string): number | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined
}

/** The message segment of `type`'s protocol ids: its `protocolName`, else its name in kebab case (`PeerInfo` -> `peer-info`). */
export function messageProtocolName (type: Pick<MessageType, 'name' | 'protocolName'>): string {
  return type.protocolName ?? type.name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
}

/**
 * `base` plus the message segment of each of `types` that `base` does not
 * name yet ({@link messageProtocolName}): what a stream parses ids with when
 * it is given no `protocolNames`, so a registered type needs no option. A
 * segment already taken by another type id is left to `base`.
 */
export function protocolNamesFor (types: Iterable<MessageType>, base: ProtocolNames = DEFAULT_PROTOCOL_NAMES): ProtocolNames {
  let messages: Record<string, number> | undefined
  const named = new Set(Object.values(base.messages))
  for (const t of types) {
    if (named.has(t.id)) continue
    const segment = messageProtocolName(t)
    if (Object.hasOwn(base.messages, segment) || !MESSAGE.test(segment)) continue
    messages ??= { ...base.messages }
    messages[segment] = t.id
  }
  return messages === undefined ? base : Object.freeze({ messages: Object.freeze(messages), serializers: base.serializers })
}

/** Builds `/wireseal/<message>/<version>/<serializer>-<compression>`; throws {@link InvalidConfigError} on a bad segment. */
export function protocolId (parts: ProtocolParts): string {
  const version = parts.version ?? PROTOCOL_VERSION
  if (!MESSAGE.test(parts.message)) throw new InvalidConfigError('message', `a name of [a-z0-9_.-], got ${JSON.stringify(parts.message)}`)
  if (!NAME.test(parts.serializer)) throw new InvalidConfigError('serializer', `a name of [a-z0-9_.] (no '-'), got ${JSON.stringify(parts.serializer)}`)
  if (compressionOf(parts.compression) === undefined) throw new InvalidConfigError('compression', `none, snappy, gzip or zstd, got ${JSON.stringify(parts.compression)}`)
  if (!VERSION.test(version)) throw new InvalidConfigError('version', `major.minor.patch, got ${JSON.stringify(version)}`)
  return `${PROTOCOL_PREFIX}/${parts.message}/${version}/${parts.serializer}-${parts.compression}`
}

/**
 * Parses a wireseal protocol id. Throws {@link MalformedInputError} when `id`
 * is not shaped like one and {@link UnknownCodecError} when a segment names a
 * message type, serializer or compression that `names` does not know.
 */
export function parseProtocolId (id: string, names: ProtocolNames = DEFAULT_PROTOCOL_NAMES): ParsedProtocolId {
  const segments = id.split('/')
  // ['', 'wireseal', message, version, 'serializer-compression']
  if (segments.length !== 5 || `/${segments[1] ?? ''}` !== PROTOCOL_PREFIX) throw new MalformedInputError('protocol-id', `not a wireseal protocol id: ${JSON.stringify(id)}`)
  const [, , message = '', version = '', codecs = ''] = segments
  const dash = codecs.lastIndexOf('-')
  const serializer = codecs.slice(0, dash)
  const compressionName = codecs.slice(dash + 1)
  if (!MESSAGE.test(message) || !VERSION.test(version) || dash <= 0 || !NAME.test(serializer)) {
    throw new MalformedInputError('protocol-id', `expected /wireseal/<message>/<x.y.z>/<serializer>-<compression>, got ${JSON.stringify(id)}`)
  }
  const compression = compressionOf(compressionName)
  if (compression === undefined) throw new UnknownCodecError('compression', compressionName)
  const messageTypeId = lookup(names.messages, message)
  if (messageTypeId === undefined) throw new UnknownCodecError('message-type', message)
  const serializerId = lookup(names.serializers, serializer)
  if (serializerId === undefined) throw new UnknownCodecError('serializer', serializer)
  return Object.freeze({ id, message, version, serializer, compression, messageTypeId, serializerId, compressionId: CompressionId[compression] })
}

/** Like {@link parseProtocolId} but returns `undefined` instead of throwing. */
export function tryParseProtocolId (id: string, names: ProtocolNames = DEFAULT_PROTOCOL_NAMES): ParsedProtocolId | undefined {
  try {
    return parseProtocolId(id, names)
  } catch {
    return undefined
  }
}

/** Options of {@link supportedProtocols}. */
export interface SupportedProtocolsInit {
  /** Message segment(s), e.g. `block`, or message types (named by {@link messageProtocolName}). */
  message: string | MessageType | ReadonlyArray<string | MessageType>
  /** Serializers, most preferred first. */
  serializers: readonly string[]
  /** Compressions, most preferred first. */
  compressions: readonly CompressionName[]
  /**
   * Which preference ranks first: `serializer` lists every compression of the
   * first serializer before the second serializer; `compression` the reverse.
   * @default 'serializer'
   */
  order?: 'serializer' | 'compression'
  /**
   * Version segment.
   * @default PROTOCOL_VERSION
   */
  version?: string
}

/**
 * Every combination a node supports, most preferred first: what a listener
 * passes to `node.handle()` and a dialer to `node.dialProtocol()`. The dialer's
 * order decides: multistream-select proposes its ids one by one and the
 * listener accepts the first it handles.
 */
export function supportedProtocols (init: SupportedProtocolsInit): string[] {
  const messages = Array.isArray(init.message) ? init.message as ReadonlyArray<string | MessageType> : [init.message as string | MessageType]
  const out: string[] = []
  for (const m of messages) {
    const message = typeof m === 'string' ? m : messageProtocolName(m)
    const outer = init.order === 'compression' ? init.compressions : init.serializers
    const inner = init.order === 'compression' ? init.serializers : init.compressions
    for (const a of outer) {
      for (const b of inner) {
        const [serializer, compression] = init.order === 'compression' ? [b, a] : [a, b]
        const id = protocolId({ message, serializer, compression: compression as CompressionName, version: init.version })
        if (!out.includes(id)) out.push(id)
      }
    }
  }
  if (out.length === 0) throw new InvalidConfigError('supportedProtocols', 'at least one message, serializer and compression')
  return out
}
