/**
 * Envelope wire encoding (proto/envelope.proto, message `Envelope`) and the
 * signature over it.
 *
 * Signed bytes, in the style of libp2p signed envelopes (RFC 0002):
 * `uvarint(len(domain)) || domain || header`, where `header` is the exact
 * header bytes carried in the envelope. The header binds the message type,
 * serializer, compression, channel, seq, timestamp, declared lengths, the
 * payload digest and the public key (which carries the key type), so none of
 * them can be changed without breaking the signature.
 *
 * @module
 */
import { InvalidConfigError, SizeLimitError } from '../errors.js'
import { LEN, PbReader, PbWriter, VARINT, bytesField3Length, bytesFieldLength, uintFieldLength, varintLength } from './pb.js'
import { headerLength, readHeader, writeHeader, type EnvelopeHeader, type HeaderParts } from './header.js'
import type { EnvelopeSigner } from './keys.js'
import type { WireLimits } from '../limits.js'
import { allocBytes } from '../alloc.js'

/** Largest signature accepted (ECDSA P-521 in P1363 form is 132 bytes; DER secp256k1 72). */
export const MAX_SIGNATURE_BYTES = 160

/** Largest header accepted: fixed fields + channel + key. */
export function maxHeaderBytes (limits: WireLimits): number {
  return 512 + limits.maxChannelBytes
}

/** Field numbers of `Envelope` in proto/envelope.proto. */
const F = { header: 1, signature: 2, payload: 3, index: 4, proof: 5 } as const
const WIRE_TYPES: Array<number | undefined> = [undefined, LEN, LEN, LEN, VARINT, LEN]

const textEncoder = new TextEncoder()
const EMPTY = new Uint8Array(0)

/** `uvarint(len(domain)) || domain`, the prefix of every signed message. */
export function domainPrefix (domain: string): Uint8Array {
  const d = textEncoder.encode(domain)
  const out = new Uint8Array(varintLength(d.length) + d.length)
  const w = new PbWriter(out)
  w.varint(d.length)
  out.set(d, w.pos)
  return out
}

/**
 * A reusable buffer holding `domainPrefix || header`, the bytes every
 * signature covers. Sealing and opening are synchronous, so one buffer per
 * codec serves every call without copies of the prefix or off-heap
 * allocations per message (each costs ~1.5 us next to a 30 us signature).
 */
export class SigningBuffer {
  /** `uvarint(len(domain)) || domain`. */
  readonly prefix: Uint8Array
  #buf: Uint8Array

  constructor (prefix: Uint8Array) {
    this.prefix = prefix
    this.#buf = new Uint8Array(prefix.length + 512)
    this.#buf.set(prefix)
  }

  /** A view of `prefix || <headerLength bytes>`, valid until the next call. */
  view (headerLength: number): Uint8Array {
    const need = this.prefix.length + headerLength
    if (this.#buf.length < need) {
      this.#buf = new Uint8Array(need * 2)
      this.#buf.set(this.prefix)
    }
    return this.#buf.subarray(0, need)
  }
}

function signingBuffer (prefix: Uint8Array | SigningBuffer): SigningBuffer {
  return prefix instanceof SigningBuffer ? prefix : new SigningBuffer(prefix)
}

/** A parsed, NOT yet verified envelope. All byte fields are views into the input. */
export interface ParsedEnvelope {
  /** Exact header bytes (what the signature covers after the domain prefix). */
  headerBytes: Uint8Array
  /** Decoded header. */
  header: EnvelopeHeader
  /** Signature over `domainPrefix || headerBytes`. */
  signature: Uint8Array
  /** Carried payload (compressed message, compressed batch, or one batch item). */
  payload: Uint8Array
  /** Batch item only: the item's index in the batch. */
  index?: number
  /** Batch item only: RFC 9162 inclusion proof, concatenated 32-byte hashes. */
  proof?: Uint8Array
}

/** Extra fields of a forwarded batch item. */
export interface ItemFields {
  index: number
  proof: Uint8Array
}

/** What {@link encodeEnvelope} signs and lays out. */
export interface EnvelopeInit {
  /** Signs `prefix || header`. */
  signer: EnvelopeSigner
  /** The domain prefix ({@link domainPrefix}), or a reusable buffer holding it. */
  prefix: Uint8Array | SigningBuffer
  /** The header to encode and sign. */
  header: HeaderParts
  /** The carried payload (empty for a chunked head). */
  payload: Uint8Array
  /** A forwarded batch item's index and proof. */
  item?: ItemFields
}

/** A header already encoded and signed: its exact bytes and the signature over them. */
export interface SignedHeader {
  headerBytes: Uint8Array
  signature: Uint8Array
}

/** What {@link encodeSignedEnvelope} lays out around an already signed header. */
export interface SignedEnvelopeInit extends SignedHeader {
  /** The carried payload (for a forwarded item: the item's bytes). */
  payload: Uint8Array
  /** A forwarded batch item's index and proof. */
  item?: ItemFields
}

/**
 * Signs `init.header` and lays out the envelope (SPEC.md 5, 6.1). The payload
 * is copied exactly once, into the returned buffer.
 */
export function encodeEnvelope (init: EnvelopeInit): Uint8Array {
  const { signer, header } = init
  if (signer === undefined || header === undefined) throw new InvalidConfigError('encodeEnvelope', 'a signer and a header')
  const buffer = signingBuffer(init.prefix)
  const signed = buffer.view(headerLength(header))
  writeHeader(new PbWriter(signed, buffer.prefix.length), header)
  // the header bytes are copied into the envelope by layOut
  return layOut(signed.subarray(buffer.prefix.length), signer.sign(signed), init.payload, init.item)
}

/**
 * Lays out an envelope around a header signed earlier, reusing its bytes and
 * signature verbatim (a forwarded batch item, SPEC.md 5.4). Nothing is signed.
 */
export function encodeSignedEnvelope (init: SignedEnvelopeInit): Uint8Array {
  return layOut(init.headerBytes, init.signature, init.payload, init.item)
}

function layOut (headerBytes: Uint8Array, signature: Uint8Array, payload: Uint8Array, item: ItemFields | undefined): Uint8Array {
  // SPEC.md 5.1: proto3; the payload is omitted when empty, index and proof (explicit presence) always written in an item
  let total = bytesFieldLength(F.header, headerBytes.length) + bytesFieldLength(F.signature, signature.length) +
    bytesField3Length(F.payload, payload.length)
  if (item !== undefined) total += uintFieldLength(F.index, item.index) + bytesFieldLength(F.proof, item.proof.length)
  const out = allocBytes(total)
  const w = new PbWriter(out)
  w.bytesField(F.header, headerBytes)
  w.bytesField(F.signature, signature)
  w.bytesField3(F.payload, payload)
  if (item !== undefined) {
    w.uintField(F.index, item.index)
    w.bytesField(F.proof, item.proof)
  }
  return out
}

/**
 * Bounded parse of an envelope (SPEC.md 5): sizes are checked against
 * `limits` before any allocation, and every byte field is a view (no copy).
 * Throws {@link SizeLimitError} for an oversized frame or payload claim and
 * {@link WireFormatError} (naming the rule) for anything that is not a
 * canonical envelope. The signature is NOT checked here.
 */
export function parseEnvelope (bytes: Uint8Array, limits: WireLimits): ParsedEnvelope {
  if (bytes.length > limits.maxFrameBytes) throw new SizeLimitError('frame', limits.maxFrameBytes, bytes.length)
  const r: PbReader = new PbReader(bytes, 'envelope')
  let headerBytes: Uint8Array | undefined
  let signature: Uint8Array | undefined
  let payload: Uint8Array = EMPTY
  let index: number | undefined
  let proof: Uint8Array | undefined
  for (let field = r.nextField(WIRE_TYPES); field !== 0; field = r.nextField(WIRE_TYPES)) {
    switch (field) {
      case F.header: headerBytes = r.bytes(maxHeaderBytes(limits), 'header'); break
      case F.signature: signature = r.bytes(MAX_SIGNATURE_BYTES, 'signature'); break
      case F.payload: payload = r.bytes(limits.maxCompressedBytes, 'payload'); break
      // proto3 `optional` (explicit presence): index 0 and an empty proof are written
      case F.index: index = r.varint(); break
      case F.proof: proof = r.bytes(32 * limits.maxProofDepth, 'proof', 'proof-length', false); break
    }
  }
  if (headerBytes === undefined) r.fail('missing-field', 'missing header')
  if (signature === undefined) r.fail('missing-field', 'missing signature')
  if ((index === undefined) !== (proof === undefined)) r.fail('item-fields', 'index and proof go together')
  const header = readHeader(headerBytes, limits)
  if (header.uncompressedLength > limits.maxPayloadBytes) throw new SizeLimitError('payload', limits.maxPayloadBytes, header.uncompressedLength)
  const parsed: ParsedEnvelope = { headerBytes, header, signature, payload }
  if (index !== undefined && proof !== undefined) {
    if (header.kind !== 2) r.fail('foreign-field', 'index and proof outside a batch')
    if (proof.length % 32 !== 0) r.fail('proof-length', 'proof length is not a multiple of 32')
    if (index >= header.count) r.fail('item-fields', `item index ${index} outside a batch of ${header.count}`)
    parsed.index = index
    parsed.proof = proof
  } else if (header.kind === 3) {
    if (payload.length !== 0) r.fail('foreign-field', 'chunked head envelope with an inline payload')
    if (header.payloadLength > limits.maxCompressedBytes) throw new SizeLimitError('compressed', limits.maxCompressedBytes, header.payloadLength)
  } else if (payload.length !== header.payloadLength) {
    r.fail('payload-length', `payload is ${payload.length} bytes, header says ${header.payloadLength}`)
  }
  return parsed
}

/** Checks the signature of a parsed envelope against the sender's key. */
export function verifyEnvelopeSignature (
  env: ParsedEnvelope,
  prefix: Uint8Array | SigningBuffer,
  verify: (data: Uint8Array, sig: Uint8Array) => boolean
): boolean {
  const buffer = signingBuffer(prefix)
  const signed = buffer.view(env.headerBytes.length)
  signed.set(env.headerBytes, buffer.prefix.length)
  return verify(signed, env.signature)
}

/**
 * The header `kind` of an envelope, read from its first bytes without parsing
 * or trusting anything else (to route a chunked head to a chunk assembler);
 * undefined when the bytes do not start like a canonical envelope.
 */
export function peekEnvelopeKind (bytes: Uint8Array): number | undefined {
  // Envelope field 1 (header, LEN): tag 0x0a, then a varint length of at most 2 bytes (headers are < 16 KiB).
  if (bytes[0] !== 0x0a) return undefined
  let pos = (bytes[1] ?? 0) < 0x80 ? 2 : 3
  // Header field 1 (version, varint) then field 2 (kind, varint): both non-zero (always written), single-byte values today.
  if (bytes[pos] !== 0x08) return undefined
  pos += 2
  if (bytes[pos] !== 0x10) return undefined
  const kind = bytes[pos + 1]
  return kind !== undefined && kind < 0x80 ? kind : undefined
}
