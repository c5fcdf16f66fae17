/**
 * The serializer contract. A {@link Serializer} turns values of ONE message
 * type into bytes in ONE format. Its `id` is the format's wire id (the same for
 * every message type in that format); the message type travels separately,
 * as a {@link MessageType} id.
 *
 * Value model, shared by every serializer so that a value encoded by any of
 * them decodes to a deep-equal value: bytes are `Uint8Array`, uint64 is
 * `bigint`, uint32 is `number`, maps are plain objects with string keys.
 *
 * @module
 */

/** A message type known to the wire: its id goes into every envelope header. */
export interface MessageType<T = unknown> {
  /** Wire id, 1..65535, registered once and never reused. */
  readonly id: number
  /** Human name, e.g. `Block`. */
  readonly name: string
  /**
   * Largest serialized message of this type, in bytes, when it is smaller than
   * the budget's `maxPayloadBytes`: seal refuses a larger value
   * ({@link errors!SizeLimitError} `payload`) and open refuses an envelope whose
   * signed declared length says more (`too-large`) before decompressing it.
   * For a batch it bounds each item. Absent: only the budget applies.
   */
  readonly maxPayloadBytes?: number
  /**
   * Message segment of its libp2p protocol ids (`/wireseal/<this>/...`).
   * @default the name in kebab case (`PeerInfo` -> `peer-info`)
   */
  readonly protocolName?: string
  /**
   * Checks that an arbitrary value is a well-formed `T` (used before encoding
   * user input and by the CLI); throws {@link errors!InvalidValueError} naming the field.
   */
  assert(value: unknown): asserts value is T
}

/**
 * The value type of a message type: `ValueOf<typeof BlockType>` is `Block`.
 * Anything that is not a {@link MessageType} (a bare wire id) gives `unknown`.
 */
export type ValueOf<M> = M extends MessageType<infer T> ? T : unknown

/** Encodes and decodes values of one message type in one format. */
export interface Serializer<T = unknown> {
  /** Wire id of the format (1 protobuf, 2 msgpack, 3 flatbuffers, 4 json, 5 msgpackStructured, 6 capnp; 128+ for users). */
  readonly id: number
  /** Format name, e.g. `protobuf`. */
  readonly name: string
  /** The message type this serializer handles. */
  readonly type: MessageType<T>
  /** Encodes a value; throws {@link errors!InvalidValueError} when the value does not fit the type. */
  encode(value: T): Uint8Array
  /**
   * Decodes bytes; throws {@link errors!MalformedInputError} on garbage, truncation or
   * trailing data and {@link errors!SizeLimitError} on oversized claims. Never returns
   * a partially filled value.
   */
  decode(bytes: Uint8Array): T
}

/** Well-known format ids. Ids 1..127 are reserved for wireseal; users take 128..255. */
export const SerializerId = Object.freeze({
  protobuf: 1,
  msgpack: 2,
  flatbuffers: 3,
  json: 4,
  /** msgpackr with shared structures; only between peers that declare the same structure version. */
  msgpackStructured: 5,
  /** Cap'n Proto (proto/*.capnp), canonical single-segment messages. */
  capnp: 6
} as const)

/** Name of a built-in format: a key of {@link SerializerId} (`protobuf`, `msgpack`, ...). */
export type SerializerName = keyof typeof SerializerId

/**
 * A serializer chosen by built-in name or by wire id. A user format (ids
 * 128..255) is chosen by its id, so that a misspelt name does not compile.
 */
export type SerializerChoice = SerializerName | number

/** Well-known message type ids. */
export const MessageTypeId = Object.freeze({
  Block: 1,
  PeerInfo: 2
} as const)
