/**
 * Must-reject conformance vectors (SPEC.md 15.2): each one breaks exactly one
 * rule of SPEC.md and is otherwise valid — headers are re-signed with the
 * vector Ed25519 key, so a receiver that skipped the rule would accept it.
 * Bytes are written by the hand-written protobuf writer below, never by
 * wireseal's encoder, so every non-canonical form can be expressed.
 *
 * @module
 */
import type { PrivateKey } from '@libp2p/interface'
import { createSigner, type EnvelopeSigner } from '../src/envelope/keys.js'
import { domainPrefix } from '../src/envelope/envelope.js'
import { ENVELOPE_VERSION } from '../src/envelope/header.js'
import { DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN } from '../src/limits.js'
import { sha256 } from '../src/integrity/sha256.js'
import { buildMerkleTree, encodeProof } from '../src/integrity/merkle.js'
import type { EnvelopeVector, RejectVector, VectorFile } from './vectors.js'

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))

/** A field: `[number, varint value | bytes]`, or raw bytes spliced in as they are. */
type Field = [number, number | Uint8Array] | Uint8Array

function varint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) { out.push((n % 128) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return out
}

/** Writes exactly the fields given, in the order given (no canonicalisation). */
export function message (fields: Field[]): Uint8Array {
  const out: number[] = []
  for (const f of fields) {
    if (f instanceof Uint8Array) { out.push(...f); continue }
    const [n, v] = f
    if (typeof v === 'number') out.push(...varint(n * 8), ...varint(v))
    else out.push(...varint(n * 8 + 2), ...varint(v.length), ...v)
  }
  return Uint8Array.from(out)
}

/** Header fields by number; `null` removes one. */
type HeaderMap = Record<number, number | Uint8Array | null>

function headerFields (map: HeaderMap, extra: Field[] = []): Field[] {
  return Object.keys(map).map(Number).sort((a, b) => a - b).filter((n) => map[n] !== null && map[n] !== undefined).map((n) => [n, map[n]!] as Field).concat(extra)
}

const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

function toBig (b: Uint8Array): bigint {
  return b.length === 0 ? 0n : BigInt('0x' + hex(b))
}

function fixed (n: bigint, len: number): Uint8Array {
  return unhex(n.toString(16).padStart(len * 2, '0'))
}

function derInt (n: bigint): Uint8Array {
  let b = unhex(n.toString(16).padStart(n.toString(16).length + (n.toString(16).length % 2), '0'))
  if ((b[0]! & 0x80) !== 0) b = Uint8Array.from([0, ...b])
  return b
}

/** `(r, n - s)` of a DER secp256k1 signature: valid for OpenSSL, not low S. */
function highSDer (der: Uint8Array): Uint8Array {
  const rLen = der[3]!
  const r = der.subarray(4, 4 + rLen)
  const s = toBig(der.subarray(6 + rLen))
  const hs = derInt(SECP256K1_N - s)
  return Uint8Array.from([0x30, 4 + r.length + hs.length, 0x02, r.length, ...r, 0x02, hs.length, ...hs])
}

/** Builds the must-reject set from the must-accept vectors (their payloads, keys and signatures). */
export async function rejectVectors (
  keys: Array<{ name: string, key: PrivateKey }>,
  vectors: EnvelopeVector[],
  _previous: VectorFile | undefined
): Promise<RejectVector[]> {
  const prefix = domainPrefix(DEFAULT_SIGNATURE_DOMAIN)
  const ed: EnvelopeSigner = createSigner(keys.find((k) => k.name === 'ed25519')!.key)
  const sign = (h: Uint8Array, signer: EnvelopeSigner = ed): Uint8Array => signer.sign(Uint8Array.from([...prefix, ...h]))
  const channel = new TextEncoder().encode('wireseal/vectors/v1')
  const base = vectors.find((v) => v.name === 'Block/protobuf/none')!
  const payload = unhex(base.serialized)
  const single: HeaderMap = {
    1: ENVELOPE_VERSION, 2: 1, 3: 1, 4: 1, 6: channel, 7: base.header.seq, 8: base.header.timestamp,
    9: payload.length, 10: payload.length, 11: sha256(payload), 12: 1, 14: ed.publicKey
  }
  const out: RejectVector[] = []
  const add = (name: string, section: string, description: string, envelope: Uint8Array, expect: RejectVector['expect'], extra: Partial<RejectVector> = {}): void => {
    out.push({ name, description, section, envelope: hex(envelope), ...extra, expect })
  }
  /** A signed envelope around `fields` (header) with the given envelope fields after header and signature. */
  const env = (fields: Field[], after: Field[] = [[3, payload]], signer: EnvelopeSigner = ed): Uint8Array => {
    const h = message(fields)
    return message([[1, h], [2, sign(h, signer)], ...after])
  }
  const h = (over: HeaderMap, extra: Field[] = []): Field[] => headerFields({ ...single, ...over }, extra)

  // --- 2. encoding primitives ----------------------------------------------------------
  const seqAt = h({}).findIndex((f) => !(f instanceof Uint8Array) && f[0] === 7)
  const nonMinimal = h({})
  nonMinimal[seqAt] = Uint8Array.from([0x38, ...varint(single[7] as number).map((b, i, a) => i === a.length - 1 ? b | 0x80 : b), 0x00])
  add('header/varint-non-minimal', '2.1', 'seq written with a redundant 0x80 ... 00 continuation', env(nonMinimal), { reason: 'malformed', rule: 'varint-non-minimal' })
  add('header/varint-overflow', '2.1', 'seq = 2^53 (above 2^53 - 1)', env(h({ 7: 2 ** 53 })), { reason: 'malformed', rule: 'varint-overflow' })
  add('header/default-compression', '2.2', 'compression = 0 written (a proto3 encoder omits it)', env(h({ 5: 0 })), { reason: 'malformed', rule: 'default-value' })
  add('header/default-channel', '2.2', 'an empty channel written', env(h({ 6: new Uint8Array(0) })), { reason: 'malformed', rule: 'default-value' }, { channel: '' })
  const swapped = h({})
  ;[swapped[2], swapped[3]] = [swapped[3]!, swapped[2]!]
  add('header/field-order', '2.2', 'serializer (4) before type (3)', env(swapped), { reason: 'malformed', rule: 'field-order' })
  add('header/repeated-field', '2.2', 'public_key (14) written twice', env(h({}, [[14, ed.publicKey]])), { reason: 'malformed', rule: 'field-order' })
  add('header/unknown-field', '2.2', 'unknown header field 16', env(h({}, [[16, 1]])), { reason: 'malformed', rule: 'unknown-field' })
  const wrongWire = h({})
  wrongWire[2] = Uint8Array.of(0x1a, 0x01, 0x01)
  add('header/wire-type', '2.2', 'type (3) as a length-delimited field', env(wrongWire), { reason: 'malformed', rule: 'wire-type' })
  const truncatedHeader = message(h({}))
  add('header/truncated', '2.2', 'header ends inside public_key', message([[1, truncatedHeader.subarray(0, truncatedHeader.length - 3)], [2, sign(truncatedHeader.subarray(0, truncatedHeader.length - 3))], [3, payload]]), { reason: 'malformed', rule: 'truncated' })

  // --- 1.2 / 4. header ---------------------------------------------------------------
  add('header/version-1', '1.2', 'version 1 (the pre-proto3 layout is not read)', env(h({ 1: 1 })), { reason: 'malformed', rule: 'unsupported-version' })
  add('header/version-3', '1.2', 'an unknown future version', env(h({ 1: 3 })), { reason: 'malformed', rule: 'unsupported-version' })
  add('header/unknown-kind', '4.1', 'kind 4', env(h({ 2: 4 })), { reason: 'malformed', rule: 'unknown-kind' })
  add('header/missing-public-key', '4.3', 'no public_key', env(h({ 14: null })), { reason: 'malformed', rule: 'missing-field' })
  add('header/missing-digest', '4.3', 'no digest', env(h({ 11: null })), { reason: 'malformed', rule: 'missing-field' })
  add('header/digest-length', '4.4', 'a 31-byte digest', env(h({ 11: sha256(payload).subarray(0, 31) })), { reason: 'malformed', rule: 'digest-length' })
  add('header/channel-utf8', '4.4', 'channel bytes ff fe are not UTF-8', env(h({ 6: Uint8Array.of(0xff, 0xfe) })), { reason: 'malformed', rule: 'channel-utf8' })
  add('single/count', '4.4', 'a single envelope with count 2', env(h({ 12: 2 })), { reason: 'malformed', rule: 'count' })
  add('single/items-root', '4.3', 'items_root in a single envelope', env(h({ 13: sha256(payload) })), { reason: 'malformed', rule: 'foreign-field' })
  add('single/chunk-bytes', '4.3', 'chunk_bytes in a single envelope', env(h({ 15: 1024 })), { reason: 'malformed', rule: 'foreign-field' })

  // --- 5. envelope -------------------------------------------------------------------
  const goodHeader = message(h({}))
  const goodSig = sign(goodHeader)
  add('envelope/missing-signature', '5.1', 'no signature field', message([[1, goodHeader], [3, payload]]), { reason: 'malformed', rule: 'missing-field' })
  add('envelope/field-order', '5.1', 'signature (2) before header (1)', message([[2, goodSig], [1, goodHeader], [3, payload]]), { reason: 'malformed', rule: 'field-order' })
  add('envelope/trailing-byte', '5.1', 'a 00 byte after the last field', Uint8Array.from([...message([[1, goodHeader], [2, goodSig], [3, payload]]), 0]), { reason: 'malformed', rule: 'unknown-field' })
  const emptyValue = vectors.find((v) => v.name === 'Block/protobuf/none/empty')!
  const emptyHeader = unhex(emptyValue.headerBytes)
  add('envelope/default-payload', '5.1', 'an empty payload written as 1a 00', message([[1, emptyHeader], [2, sign(emptyHeader)], [3, new Uint8Array(0)]]), { reason: 'malformed', rule: 'default-value' })
  add('single/payload-length', '5.2', 'payload_length says one byte more than carried', env(h({ 10: payload.length + 1 })), { reason: 'malformed', rule: 'payload-length' })
  add('single/index-proof', '5.4', 'index and proof in a single envelope', env(h({}), [[3, payload], [4, 0], [5, new Uint8Array(0)]]), { reason: 'malformed', rule: 'foreign-field' })
  add('single/uncompressed-length', '11.1', 'compression none with uncompressed_length != payload_length', env(h({ 9: payload.length + 1 })), { reason: 'malformed', rule: 'payload-length' })

  // --- 5.3 / 8. batch ------------------------------------------------------------------
  const batch = vectors.find((v) => v.name === 'Block/protobuf/zstd/batch')!
  const list = unhex(batch.serialized)
  const items: Uint8Array[] = []
  for (let pos = 0; pos < list.length;) {
    let len = 0
    for (let scale = 1; ; scale *= 128) {
      const b = list[pos++]!
      len += (b & 0x7f) * scale
      if (b < 0x80) break
    }
    items.push(list.subarray(pos, pos + len))
    pos += len
  }
  const prefixLen = varint(items[0]!.length).length
  const tree = buildMerkleTree(items)
  const batchOf = (bytes: Uint8Array, over: HeaderMap = {}): Uint8Array =>
    env(h({ 2: 2, 9: bytes.length, 10: bytes.length, 11: sha256(bytes), 12: items.length, 13: tree.root, ...over }), [[3, bytes]])
  const longPrefix = varint(items[0]!.length)
  longPrefix[longPrefix.length - 1]! |= 0x80
  const padded = Uint8Array.from([...longPrefix, 0x00, ...list.subarray(prefixLen)])
  add('batch/prefix-non-minimal', '8', 'the first item\'s length prefix written one byte longer (... 80 00)', batchOf(padded), { reason: 'malformed', rule: 'batch-prefix' })
  add('batch/trailing-bytes', '8', 'a 00 byte after the last item', batchOf(Uint8Array.from([...list, 0])), { reason: 'malformed', rule: 'trailing-bytes' })
  add('batch/missing-items-root', '4.3', 'a batch without items_root', batchOf(list, { 13: null }), { reason: 'malformed', rule: 'missing-field' })
  add('batch/count-zero', '4.4', 'a batch with count 0 (omitted)', batchOf(list, { 12: null }), { reason: 'malformed', rule: 'count' })
  add('batch/count-over-limit', '4.4', `a batch of ${DEFAULT_LIMITS.maxBatchItems + 1} items (over maxBatchItems)`, batchOf(list, { 12: DEFAULT_LIMITS.maxBatchItems + 1 }), { reason: 'malformed', rule: 'count' })
  add('batch/items-root-mismatch', '7.1', 'items_root is the root of other items (signed)', batchOf(list, { 13: buildMerkleTree(items.slice(0, 2)).root }), { reason: 'digest-mismatch' })
  const batchHeader = message(h({ 2: 2, 9: list.length, 10: list.length, 11: sha256(list), 12: items.length, 13: tree.root }))
  const batchSig = sign(batchHeader)
  const item = (index: number, proof: Uint8Array | undefined, data = items[Math.max(0, Math.min(index, items.length - 1))]!): Uint8Array =>
    message([[1, batchHeader], [2, batchSig], [3, data], ...(index >= 0 ? [[4, index] as Field] : []), ...(proof === undefined ? [] : [[5, proof] as Field])])
  add('item/index-without-proof', '5.4', 'an item envelope with index and no proof', item(1, undefined), { reason: 'malformed', rule: 'item-fields' })
  add('item/proof-without-index', '5.4', 'an item envelope with a proof and no index', item(-1, encodeProof(tree.proof(1))), { reason: 'malformed', rule: 'item-fields' })
  add('item/index-out-of-range', '5.4', 'index 3 in a batch of 3', item(3, encodeProof(tree.proof(2))), { reason: 'malformed', rule: 'item-fields' })
  add('item/proof-length', '7.2', 'a proof of 31 bytes', item(1, encodeProof(tree.proof(1)).subarray(1)), { reason: 'malformed', rule: 'proof-length' })
  add('item/bad-proof', '7.3', 'item 1 with the proof of item 2', item(1, encodeProof(tree.proof(2))), { reason: 'digest-mismatch' })
  add('item/other-item', '7.3', 'the bytes of item 0 under index 1', item(1, encodeProof(tree.proof(1)), items[0]), { reason: 'digest-mismatch' })

  // --- 5.5 / 9. chunked ----------------------------------------------------------------
  const chunked = vectors.find((v) => v.name === 'Block/protobuf/none/chunked')!
  const ch = chunked.header
  const chunkedMap: HeaderMap = { 2: 3, 9: ch.uncompressedLength, 10: ch.payloadLength, 11: unhex(ch.digest), 12: ch.count, 15: ch.chunkBytes }
  add('chunked/inline-payload', '5.5', 'a chunked head carrying a payload', env(h(chunkedMap), [[3, payload]]), { reason: 'malformed', rule: 'foreign-field' }, { frames: [] })
  add('chunked/missing-chunk-bytes', '9.1', 'a chunked head without chunk_bytes', env(h({ ...chunkedMap, 15: null }), []), { reason: 'malformed', rule: 'missing-field' }, { frames: [] })
  add('chunked/count-mismatch', '9.1', 'count one more than ceil(payload_length / chunk_bytes)', env(h({ ...chunkedMap, 12: ch.count + 1 }), []), { reason: 'malformed', rule: 'count' }, { frames: [] })
  add('chunked/chunk-bytes-over-limit', '9.1', `chunk_bytes above the receiver's ${DEFAULT_LIMITS.chunkBytes}`, env(h({ ...chunkedMap, 15: DEFAULT_LIMITS.chunkBytes + 1, 12: Math.ceil(ch.payloadLength / (DEFAULT_LIMITS.chunkBytes + 1)) }), []), { reason: 'too-large' }, { frames: [] })
  add('chunked/empty-wrong-root', '9.3', 'an empty chunked payload whose digest is not SHA-256("")', env(h({ 2: 3, 11: sha256(Uint8Array.of(0)), 15: ch.chunkBytes, 9: null, 10: null, 12: null }), []), { reason: 'malformed', rule: 'empty-root' }, { frames: [] })
  const frames = chunked.frames!.map(unhex)
  const frameDefault = Uint8Array.from([0x08, 0x00, ...frames[0]!])
  add('chunk-frame/default-index', '9.2', 'chunk 0 with index 0 written', unhex(chunked.envelope), { reason: 'malformed', rule: 'default-value' }, { frames: [hex(frameDefault)] })
  add('chunk-frame/bad-proof', '9.3', 'chunk 1 carrying chunk 0\'s proof', unhex(chunked.envelope), { reason: 'bad-proof' }, { frames: [hex(message([[1, 1], [2, frameField(frames[0]!, 2)], [3, frameField(frames[1]!, 3)]]))] })
  add('chunk-frame/bad-index', '9.3', `chunk index ${ch.count}`, unhex(chunked.envelope), { reason: 'bad-index' }, { frames: [hex(message([[1, ch.count], [2, frameField(frames[1]!, 2)], [3, frameField(frames[1]!, 3)]]))] })
  add('chunk-frame/bad-size', '9.3', 'chunk 0 one byte short', unhex(chunked.envelope), { reason: 'bad-size' }, { frames: [hex(message([[2, frameField(frames[0]!, 2)], [3, frameField(frames[0]!, 3).subarray(1)]]))] })
  add('chunk-frame/duplicate', '9.3', 'chunk 0 twice', unhex(chunked.envelope), { reason: 'duplicate' }, { frames: [hex(frames[0]!), hex(frames[0]!)] })

  // --- 3. keys -----------------------------------------------------------------------
  const withKey = (key: Uint8Array): Uint8Array => env(h({ 14: key }))
  const edData = ed.publicKey.subarray(4)
  add('key/field-order', '3.1', 'PublicKey with Data (2) before Type (1)', withKey(Uint8Array.from([0x12, 0x20, ...edData, 0x08, 0x01])), { reason: 'malformed', rule: 'field-order' })
  add('key/unknown-field', '3.1', 'PublicKey with an unknown field 3', withKey(Uint8Array.from([...ed.publicKey, 0x18, 0x01])), { reason: 'malformed', rule: 'unknown-field' })
  add('key/rsa', '3.1', 'an RSA key type (0)', withKey(Uint8Array.from([0x08, 0x00, 0x12, 0x20, ...edData])), { reason: 'malformed', rule: 'key-type' })
  add('key/ed25519-length', '3.2', 'a 31-byte Ed25519 key', withKey(Uint8Array.from([0x08, 0x01, 0x12, 0x1f, ...edData.subarray(1)])), { reason: 'malformed', rule: 'key-length' })
  const y = new Uint8Array(32).fill(0xff)
  y[0] = 0xee
  y[31] = 0x7f
  add('key/ed25519-non-reduced', '3.2', 'an Ed25519 key with y >= p', withKey(Uint8Array.from([0x08, 0x01, 0x12, 0x20, ...y])), { reason: 'malformed', rule: 'key-non-canonical' })
  const secpKey = createSigner(keys.find((k) => k.name === 'secp256k1')!.key)
  const { ECDH } = await import('node:crypto')
  const uncompressed = new Uint8Array(ECDH.convertKey(secpKey.publicKey.subarray(4), 'secp256k1', undefined, undefined, 'uncompressed') as Buffer)
  add('key/secp256k1-uncompressed', '3.3', 'the secp256k1 vector key as a 65-byte uncompressed point', withKey(Uint8Array.from([0x08, 0x02, 0x12, 0x41, ...uncompressed])), { reason: 'malformed', rule: 'key-uncompressed' })
  const offCurve = secpKey.publicKey.slice()
  for (let i = 0; ; i++) {
    offCurve[offCurve.length - 1] = i
    try { ECDH.convertKey(offCurve.subarray(4), 'secp256k1') } catch { break }
  }
  add('key/secp256k1-off-curve', '3.3', 'a compressed x with no point on secp256k1', withKey(offCurve), { reason: 'malformed', rule: 'key-invalid' })
  const p256 = vectors.find((v) => v.key === 'ecdsa-p-256')!
  const p256Key = unhex(p256.header.publicKey)
  const point = p256Key.subarray(p256Key.length - 65)
  const spki = Uint8Array.from([...unhex('3059301306072a8648ce3d020106082a8648ce3d030107034200'), ...point])
  add('key/ecdsa-spki', '3.4', 'the P-256 vector key as SubjectPublicKeyInfo instead of libp2p\'s layout', withKey(Uint8Array.from([0x08, 0x03, 0x12, spki.length, ...spki])), { reason: 'malformed', rule: 'key-non-canonical' })

  // --- 3.6 / 6. signatures and digests --------------------------------------------------
  const flipped = Uint8Array.from(goodSig) // a copy: signatures are Buffers, whose slice() is a view
  flipped[0]! ^= 1
  add('signature/flipped', '6.1', 'one bit of the Ed25519 signature flipped', message([[1, goodHeader], [2, flipped], [3, payload]]), { reason: 'invalid-signature' })
  add('signature/other-domain', '6.1', 'signed under domain "wireseal/envelope/v0"', message([[1, goodHeader], [2, ed.sign(Uint8Array.from([...domainPrefix('wireseal/envelope/v0'), ...goodHeader]))], [3, payload]]), { reason: 'invalid-signature' })
  const secp = vectors.find((v) => v.key === 'secp256k1')!
  const secpHeader = unhex(secp.headerBytes)
  add('signature/secp256k1-high-s', '3.6', 'the secp256k1 vector with its signature\'s high-S twin (n - s)', message([[1, secpHeader], [2, highSDer(unhex(secp.signature))], [3, unhex(secp.serialized)]]), { reason: 'invalid-signature' })
  const p256Sig = unhex(p256.signature)
  const highP256 = Uint8Array.from([...p256Sig.subarray(0, 32), ...fixed(P256_N - toBig(p256Sig.subarray(32)), 32)])
  add('signature/p256-high-s', '3.6', 'the P-256 vector with its signature\'s high-S twin (n - s)', message([[1, unhex(p256.headerBytes)], [2, highP256], [3, unhex(p256.serialized)]]), { reason: 'invalid-signature' })
  const altered = payload.slice()
  altered[altered.length - 1]! ^= 1
  add('digest/payload-altered', '6.2', 'one payload bit flipped under an intact signed header', message([[1, goodHeader], [2, goodSig], [3, altered]]), { reason: 'digest-mismatch' })

  // --- 10-13. what the receiver accepts --------------------------------------------------
  add('channel/wrong-channel', '12', 'signed for "wireseal/vectors/other"', env(h({ 6: new TextEncoder().encode('wireseal/vectors/other') })), { reason: 'wrong-channel' })
  add('serializer/unknown', '10', 'serializer id 99', env(h({ 4: 99 })), { reason: 'unknown-codec' })
  add('compression/unknown', '11', 'compression id 7', env(h({ 5: 7 })), { reason: 'unknown-codec' })
  add('size/declared-over-limit', '12', `uncompressed_length ${DEFAULT_LIMITS.maxPayloadBytes + 1}, over maxPayloadBytes`, env(h({ 5: 3, 9: DEFAULT_LIMITS.maxPayloadBytes + 1 })), { reason: 'too-large' })
  add('replay/too-old', '13', 'timestamp 11 minutes before the receiver\'s clock', env(h({ 8: (single[8] as number) - 11 * 60_000 })), { reason: 'too-old' })
  add('replay/clock-skew', '13', 'timestamp 31 s after the receiver\'s clock', env(h({ 8: (single[8] as number) + 31_000 })), { reason: 'clock-skew' })
  return out
}

/** The value of field `n` of a canonical chunk frame. */
function frameField (frame: Uint8Array, n: number): Uint8Array {
  let pos = 0
  while (pos < frame.length) {
    const tag = frame[pos++]!
    if ((tag & 7) === 0) {
      while (frame[pos++]! >= 0x80);
      continue
    }
    let len = 0
    for (let scale = 1; ; scale *= 128) {
      const b = frame[pos++]!
      len += (b & 0x7f) * scale
      if (b < 0x80) break
    }
    if (tag >> 3 === n) return frame.subarray(pos, pos + len)
    pos += len
  }
  return new Uint8Array(0)
}
