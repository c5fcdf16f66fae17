/**
 * The serializer registry: which (message type, format) pairs this node can
 * read and write, keyed the way envelope headers name them, by wire id
 * (message type id, serializer id), with name lookups for CLIs and configs.
 *
 * Ids and names are one-to-one: a serializer id always means the same format
 * name (1 is `protobuf` for every message type), a message type id the same
 * type, and a (type, format) pair is registered once.
 *
 * @module
 */
import { DuplicateCodecError, InvalidConfigError, UnknownCodecError } from '../errors.js'
import { checkInt, checkPositiveInt } from '../options/checks.js'
import { DEFAULT_LIMITS, type WireLimits } from '../limits.js'
import { capnpBlock, capnpPeerInfo, createCapnpPeerInfoSerializer } from './capnp.js'
import { createFlatbuffersPeerInfoSerializer, flatbuffersBlock, flatbuffersPeerInfo } from './flatbuffers.js'
import { createJsonSerializer, jsonBlock, jsonPeerInfo } from './json.js'
import { BlockType, definePeerInfoType, PeerInfoType } from './messages.js'
import type { Block, PeerInfo, PeerInfoMessageType } from './messages.js'
import { createMsgpackSerializer, msgpackBlock, msgpackPeerInfo } from './msgpack.js'
import { createMsgpackStructuredSerializer } from './msgpack-structured.js'
import type { MsgpackStructuredSerializer } from './msgpack-structured.js'
import { blockFastPath } from './msgpack-block.js'
import { createPeerInfoFastPath, peerInfoFastPath } from './msgpack-peer-info.js'
import { createProtobufPeerInfoSerializer, protobufBlock, protobufPeerInfo } from './protobuf.js'
import type { MessageSchema } from './schema.js'
import { SerializerId, type MessageType, type Serializer } from './types.js'

/** Block with shared structures at a given structure version (hand-written fast path). */
export function createMsgpackStructuredBlock (version: number): MsgpackStructuredSerializer<Block> {
  return createMsgpackStructuredSerializer(BlockType, { version, fastPath: blockFastPath })
}

/** PeerInfo with shared structures at a given structure version (hand-written fast path), for `type`'s counts. */
export function createMsgpackStructuredPeerInfo (version: number, type: PeerInfoMessageType = PeerInfoType): MsgpackStructuredSerializer<PeerInfo> {
  return createMsgpackStructuredSerializer(type, { version, fastPath: type === PeerInfoType ? peerInfoFastPath : createPeerInfoFastPath(type) })
}

/** Every built-in PeerInfo serializer on `type` (a {@link definePeerInfoType} of other counts). */
function peerInfoSerializers (type: PeerInfoMessageType, structureVersion: number): Array<Serializer<PeerInfo>> {
  return [
    createProtobufPeerInfoSerializer(type),
    createMsgpackSerializer(type, { fastPath: createPeerInfoFastPath(type) }),
    createFlatbuffersPeerInfoSerializer(type),
    createJsonSerializer(type),
    createMsgpackStructuredPeerInfo(structureVersion, type),
    createCapnpPeerInfoSerializer(type)
  ]
}

/** Structure version of the built-in shared-structure msgpack serializers (the schemas' first field lists). */
export const BUILTIN_STRUCTURE_VERSION = 1

/** Block with msgpackr shared structures, structure version 1. */
export const msgpackStructuredBlock: MsgpackStructuredSerializer<Block> = createMsgpackStructuredBlock(BUILTIN_STRUCTURE_VERSION)

/** PeerInfo with msgpackr shared structures, structure version 1. */
export const msgpackStructuredPeerInfo: MsgpackStructuredSerializer<PeerInfo> = createMsgpackStructuredPeerInfo(BUILTIN_STRUCTURE_VERSION)

/** Every built-in serializer, in (message type id, serializer id) order. */
export const BUILTIN_SERIALIZERS: ReadonlyArray<Serializer<Block> | Serializer<PeerInfo>> = Object.freeze([
  protobufBlock, msgpackBlock, flatbuffersBlock, jsonBlock, msgpackStructuredBlock, capnpBlock,
  protobufPeerInfo, msgpackPeerInfo, flatbuffersPeerInfo, jsonPeerInfo, msgpackStructuredPeerInfo, capnpPeerInfo
])

function key (typeId: number, serializerId: number): number {
  return typeId * 256 + serializerId
}

function checkSerializer (s: Serializer): void {
  if (s === null || typeof s !== 'object') throw new InvalidConfigError('serializer', 'an object')
  checkInt('serializer.id', s.id, 1, 255)
  if (typeof s.name !== 'string' || s.name === '') throw new InvalidConfigError('serializer.name', 'a non-empty string')
  if (typeof s.encode !== 'function' || typeof s.decode !== 'function') throw new InvalidConfigError('serializer', 'encode() and decode() functions')
  const t = s.type
  if (t === null || typeof t !== 'object' || typeof t.assert !== 'function') throw new InvalidConfigError('serializer.type', 'a MessageType')
  checkInt('serializer.type.id', t.id, 1, 65_535)
  if (typeof t.name !== 'string' || t.name === '') throw new InvalidConfigError('serializer.type.name', 'a non-empty string')
  if (t.maxPayloadBytes !== undefined) checkPositiveInt('serializer.type.maxPayloadBytes', t.maxPayloadBytes)
}

/** A set of serializers addressable by (message type, format), by id or by name. */
export class SerializerRegistry {
  readonly #serializers = new Map<number, Serializer>()
  readonly #typesById = new Map<number, MessageType>()
  readonly #typesByName = new Map<string, MessageType>()
  readonly #formatNames = new Map<number, string>()
  readonly #formatIds = new Map<string, number>()
  /** Type id -> the serializer {@link defaultFor} gives (protobuf if registered, else the lowest id). */
  readonly #defaults = new Map<number, Serializer>()

  /**
   * Adds a serializer (for its `type`, under its `id`).
   *
   * @throws {@link DuplicateCodecError} when the (type, format) pair is taken, or
   * the ids/names would stop being one-to-one (`kind` says which).
   * @throws {@link InvalidConfigError} when ids are out of range (serializer 1..255, type 1..65535).
   */
  register<T> (serializer: Serializer<T>): this {
    const s = serializer as Serializer
    checkSerializer(s)
    const t = s.type
    const knownType = this.#typesById.get(t.id)
    if (knownType !== undefined && knownType !== t) throw new DuplicateCodecError('message-type', t.id)
    const namedType = this.#typesByName.get(t.name)
    if (namedType !== undefined && namedType !== t) throw new DuplicateCodecError('message-type', t.name)
    const formatName = this.#formatNames.get(s.id)
    if (formatName !== undefined && formatName !== s.name) throw new DuplicateCodecError('serializer', s.id)
    const formatId = this.#formatIds.get(s.name)
    if (formatId !== undefined && formatId !== s.id) throw new DuplicateCodecError('serializer', s.name)
    const k = key(t.id, s.id)
    if (this.#serializers.has(k)) throw new DuplicateCodecError('serializer', `${t.name}/${s.name}`)
    this.#serializers.set(k, s)
    const current = this.#defaults.get(t.id)
    if (current === undefined || (current.id !== SerializerId.protobuf && (s.id === SerializerId.protobuf || s.id < current.id))) this.#defaults.set(t.id, s)
    this.#typesById.set(t.id, t)
    this.#typesByName.set(t.name, t)
    this.#formatNames.set(s.id, s.name)
    this.#formatIds.set(s.name, s.id)
    return this
  }

  /**
   * The serializer of a message type (object, id or name) in a format (id or
   * name, e.g. `1` or `'protobuf'`).
   *
   * @throws {@link UnknownCodecError} (`kind: 'message-type'` or `'serializer'`).
   */
  get<T> (type: MessageType<T>, serializer: number | string): Serializer<T>
  get (type: number | string, serializer: number | string): Serializer
  get (type: MessageType | number | string, serializer: number | string): Serializer {
    const t = this.getType(typeof type === 'object' ? type.id : type)
    const id = typeof serializer === 'number' ? serializer : this.#formatIds.get(serializer)
    const s = id === undefined ? undefined : this.#serializers.get(key(t.id, id))
    if (s === undefined) throw new UnknownCodecError('serializer', typeof serializer === 'number' ? serializer : `${t.name}/${serializer}`)
    return s
  }

  /**
   * The serializer a seal uses when the caller names none: protobuf when the
   * type has it (the built-ins), else the type's serializer of lowest wire id
   * (msgpack for a {@link defineMessageType} type registered with
   * {@link createSerializerRegistry}'s `types`).
   *
   * @throws {@link UnknownCodecError} (`kind: 'message-type'`) when no serializer of the type is registered.
   */
  defaultFor<T> (type: MessageType<T>): Serializer<T>
  defaultFor (type: number | string): Serializer
  defaultFor (type: MessageType | number | string): Serializer {
    const id = typeof type === 'object' ? type.id : this.getType(type).id
    const s = this.#defaults.get(id)
    if (s === undefined) throw new UnknownCodecError('message-type', typeof type === 'object' ? type.name : type)
    return s
  }

  /** True when {@link get} would return a serializer. */
  has (type: MessageType | number | string, serializer: number | string): boolean {
    const t = typeof type === 'object' ? type : (typeof type === 'number' ? this.#typesById.get(type) : this.#typesByName.get(type))
    const id = typeof serializer === 'number' ? serializer : this.#formatIds.get(serializer)
    return t !== undefined && id !== undefined && this.#serializers.has(key(t.id, id))
  }

  /**
   * A registered message type by wire id or name (e.g. `1` or `'Block'`).
   *
   * @throws {@link UnknownCodecError} (`kind: 'message-type'`).
   */
  getType (idOrName: number | string): MessageType {
    const t = typeof idOrName === 'number' ? this.#typesById.get(idOrName) : this.#typesByName.get(idOrName)
    if (t === undefined) throw new UnknownCodecError('message-type', idOrName)
    return t
  }

  /** Every serializer, ordered by (message type id, serializer id). */
  list (): Serializer[] {
    return [...this.#serializers.entries()].sort((a, b) => a[0] - b[0]).map(([, s]) => s)
  }

  /** Every message type, ordered by id. */
  types (): MessageType[] {
    return [...this.#typesById.values()].sort((a, b) => a.id - b.id)
  }
}

/** Options of {@link createSerializerRegistry}. */
export interface SerializerRegistryInit {
  /**
   * Pre-load the built-in serializers (protobuf, msgpack, flatbuffers, json,
   * msgpackStructured and capnp for Block and PeerInfo).
   * @default true
   */
  builtins?: boolean
  /**
   * Structure version of the built-in msgpackStructured serializers.
   * @default BUILTIN_STRUCTURE_VERSION (1)
   */
  structureVersion?: number
  /**
   * The budget whose PeerInfo counts (`maxPeerInfoMultiaddrs`,
   * `maxPeerInfoMetadataEntries`) the built-in PeerInfo serializers apply;
   * give a codec the registry made with its own `limits`.
   * @default DEFAULT_LIMITS
   */
  limits?: WireLimits
  /**
   * Your own {@link defineMessageType} types, each registered with the
   * serializers a schema gets without generated code: msgpack (the default a
   * seal then uses for it) and JSON. Register others (your own, or
   * msgpackStructured) with {@link SerializerRegistry.register}.
   * @default none
   */
  types?: ReadonlyArray<MessageSchema<unknown>>
}

function registerSchemaTypes (registry: SerializerRegistry, types: unknown): void {
  if (types === undefined) return
  if (!Array.isArray(types)) throw new InvalidConfigError('types', 'an array of message types made by defineMessageType()')
  types.forEach((t: unknown, i) => {
    if (t === null || typeof t !== 'object' || !Array.isArray((t as { fields?: unknown }).fields)) {
      throw new InvalidConfigError(`types[${i}]`, 'a message type made by defineMessageType() (one with fields)')
    }
    const type = t as MessageSchema<unknown>
    registry.register(createMsgpackSerializer(type)).register(createJsonSerializer(type))
  })
}

/** Creates a registry, by default pre-loaded with every built-in serializer. */
export function createSerializerRegistry (init: SerializerRegistryInit = {}): SerializerRegistry {
  const registry = new SerializerRegistry()
  if (init.builtins === false) return registry
  const version = init.structureVersion ?? BUILTIN_STRUCTURE_VERSION
  const limits = init.limits ?? DEFAULT_LIMITS
  const otherCounts = limits.maxPeerInfoMultiaddrs !== DEFAULT_LIMITS.maxPeerInfoMultiaddrs ||
    limits.maxPeerInfoMetadataEntries !== DEFAULT_LIMITS.maxPeerInfoMetadataEntries
  for (const s of BUILTIN_SERIALIZERS) {
    if (otherCounts && s.type === PeerInfoType) continue
    if (version !== BUILTIN_STRUCTURE_VERSION && s === msgpackStructuredBlock) {
      registry.register(createMsgpackStructuredBlock(version))
    } else if (version !== BUILTIN_STRUCTURE_VERSION && s === msgpackStructuredPeerInfo) {
      registry.register(createMsgpackStructuredPeerInfo(version))
    } else {
      registry.register<Block | PeerInfo>(s as Serializer<Block | PeerInfo>)
    }
  }
  if (otherCounts) for (const s of peerInfoSerializers(definePeerInfoType(limits), version)) registry.register(s)
  registerSchemaTypes(registry, init.types)
  return registry
}

/**
 * A registry with the built-ins, shared by everything in the process that
 * does not bring its own. Registering a user serializer here makes it visible
 * process-wide; libraries should create their own registry instead.
 */
export const defaultSerializerRegistry: SerializerRegistry = createSerializerRegistry()
