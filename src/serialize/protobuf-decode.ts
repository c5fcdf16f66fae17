/**
 * Hand-written proto3 decoders of Block (`proto/block.proto`) and PeerInfo
 * (`proto/peer_info.proto`): one pass over the tags with every budget
 * checked as the tag is read, so a refused input has materialised at most
 * one value past a limit.
 *
 * Budgets per message ({@link MAX_SINGULAR_REPEATS}, {@link MAX_UNKNOWN_FIELDS}):
 * each singular field at most 16 times, 16 unknown fields; PeerInfo at most
 * `limits.maxPeerInfoMultiaddrs` multiaddrs and `limits.maxPeerInfoMetadataEntries`
 * distinct metadata keys, each key written at most 16 times. A Block thus
 * reads at most {@link MAX_BLOCK_FIELDS} tags whatever its size, and a
 * PeerInfo at most {@link maxPeerInfoFields} (at the default limits
 * {@link MAX_PEER_INFO_FIELDS}): the work is O(1) tags plus
 * O(n) of bulk operations (views, UTF-8 decoding of each string once).
 *
 * Accepted, as proto3 requires: fields in any order, a field present with its
 * default value, repeated singular fields (the last one wins), duplicate map
 * keys (the last value wins), unknown fields of wire types 0, 1, 2 and 5
 * (skipped). Refused ({@link MalformedInputError}): truncation, varints over
 * 10 bytes, field number 0, groups, wire types 6 and 7, a known field with
 * another wire type, invalid UTF-8, reserved map keys (`__proto__`, ...).
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { DEFAULT_LIMITS } from '../limits.js'
import { EMPTY_BYTES } from './decoding.js'
import type { Block, PeerInfo, PeerInfoLimits } from './messages.js'
import { MAX_SINGULAR_REPEATS, MAX_UNKNOWN_FIELDS, WireReader, checkRepeat, type ProtobufWorkMeter } from './protobuf-wire.js'
import { RESERVED_KEYS } from './schema.js'

export const BLOCK_FORMAT = 'protobuf/Block'
export const PEER_INFO_FORMAT = 'protobuf/PeerInfo'

/** Most tags a Block decode reads: 6 fields x {@link MAX_SINGULAR_REPEATS}, the unknown ones, and the refused one. */
export const MAX_BLOCK_FIELDS = 6 * MAX_SINGULAR_REPEATS + MAX_UNKNOWN_FIELDS + 1

/**
 * Most metadata entries a PeerInfo may carry, duplicate keys included: each
 * key is a singular value (the last one wins), so it may repeat as often as a
 * singular field.
 */
export function maxMetadataEntryFields (limits: PeerInfoLimits): number {
  return limits.maxPeerInfoMetadataEntries * MAX_SINGULAR_REPEATS
}

/** Most tags one map entry holds: key and value {@link MAX_SINGULAR_REPEATS} times each (its unknown fields count towards the message's). */
const MAX_ENTRY_TAGS = 2 * MAX_SINGULAR_REPEATS

/** Most tags a PeerInfo decode reads (top level and map entries). */
export function maxPeerInfoFields (limits: PeerInfoLimits): number {
  return MAX_SINGULAR_REPEATS + limits.maxPeerInfoMultiaddrs + maxMetadataEntryFields(limits) * (1 + MAX_ENTRY_TAGS) + MAX_UNKNOWN_FIELDS + 1
}

/** {@link maxMetadataEntryFields} at the default limits. */
export const MAX_METADATA_ENTRY_FIELDS = maxMetadataEntryFields(DEFAULT_LIMITS)

/** {@link maxPeerInfoFields} at the default limits. */
export const MAX_PEER_INFO_FIELDS = maxPeerInfoFields(DEFAULT_LIMITS)

function blockFields (r: WireReader): Block {
  let hash = EMPTY_BYTES
  let data = EMPTY_BYTES
  let timestamp = 0n
  let ttl = 0
  let version = 0
  let signature = EMPTY_BYTES
  let nHash = 0
  let nData = 0
  let nTimestamp = 0
  let nTtl = 0
  let nVersion = 0
  let nSignature = 0
  while (r.pos < r.end) {
    const tag = r.tag()
    switch (tag) {
      case 0x0a: checkRepeat(++nHash); hash = r.bytes(); break
      case 0x12: checkRepeat(++nData); data = r.bytes(); break
      case 0x18: checkRepeat(++nTimestamp); timestamp = r.uint64(); break
      case 0x20: checkRepeat(++nTtl); ttl = r.uint32(); break
      case 0x28: checkRepeat(++nVersion); version = r.uint32(); break
      case 0x32: checkRepeat(++nSignature); signature = r.bytes(); break
      default: r.other(tag, 6)
    }
  }
  return { hash, data, timestamp, ttl, version, signature }
}

/** Reads one `map<string, string>` entry into `metadata`; returns whether its key is new. */
function metadataEntry (r: WireReader, metadata: Record<string, string>): boolean {
  const outer = r.enter()
  let key = ''
  let value = ''
  let nKey = 0
  let nValue = 0
  while (r.pos < r.end) {
    const tag = r.tag()
    if (tag === 0x0a) {
      checkRepeat(++nKey)
      key = r.string()
    } else if (tag === 0x12) {
      checkRepeat(++nValue)
      value = r.string()
    } else {
      r.other(tag, 2)
    }
  }
  r.leave(outer)
  // Refused before it is stored: `metadata['__proto__'] = v` would replace the prototype.
  if (RESERVED_KEYS.has(key)) throw new MalformedInputError(r.format, `PeerInfo.metadata: reserved key ${JSON.stringify(key)}`)
  const fresh = !Object.hasOwn(metadata, key)
  metadata[key] = value
  return fresh
}

function peerInfoFields (r: WireReader, limits: PeerInfoLimits): PeerInfo {
  const maxAddrs = limits.maxPeerInfoMultiaddrs
  const maxKeys = limits.maxPeerInfoMetadataEntries
  const maxEntries = maxKeys * MAX_SINGULAR_REPEATS
  let peerId = EMPTY_BYTES
  let nPeerId = 0
  const multiaddrs: Uint8Array[] = []
  const metadata: Record<string, string> = {}
  let entries = 0
  let keys = 0
  while (r.pos < r.end) {
    const tag = r.tag()
    switch (tag) {
      case 0x0a: checkRepeat(++nPeerId); peerId = r.bytes(); break
      case 0x12:
        if (multiaddrs.length === maxAddrs) throw new SizeLimitError('field', maxAddrs, maxAddrs + 1)
        multiaddrs.push(r.bytes())
        break
      case 0x1a:
        if (++entries > maxEntries) throw new SizeLimitError('field', maxEntries, entries)
        if (metadataEntry(r, metadata) && ++keys > maxKeys) throw new SizeLimitError('field', maxKeys, keys)
        break
      default: r.other(tag, 3)
    }
  }
  return { peerId, multiaddrs, metadata }
}

function metered<T, A> (r: WireReader, read: (r: WireReader, arg: A) => T, arg: A, meter: ProtobufWorkMeter | undefined): T {
  if (meter === undefined) return read(r, arg)
  try {
    return read(r, arg)
  } finally {
    meter.fields = r.fields
    meter.pos = r.pos
  }
}

/** Decodes a Block from a plain Uint8Array (see the module doc for what is accepted). */
export function decodeBlock (input: Uint8Array, meter?: ProtobufWorkMeter): Block {
  return metered(new WireReader(BLOCK_FORMAT, input), blockFields, undefined, meter)
}

/** Decodes a PeerInfo from a plain Uint8Array (see the module doc for what is accepted), with the counts of `limits`. */
export function decodePeerInfo (input: Uint8Array, meter?: ProtobufWorkMeter, limits: PeerInfoLimits = DEFAULT_LIMITS): PeerInfo {
  return metered(new WireReader(PEER_INFO_FORMAT, input), peerInfoFields, limits, meter)
}
