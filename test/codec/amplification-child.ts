/**
 * Child process of amplification.test.ts, and the measurement script of issue
 * 9 defect 1: builds the ~514 B attack envelope (a zstd payload expanding to
 * 10 MiB of `[` under the JSON serializer, signed with the attacker's own
 * key), opens it once with `createCodec().open()` and prints, as JSON, the
 * verdict, the time taken and the peak RSS growth of the process.
 *
 * `node --import tsx test/codec/amplification-child.ts [default|negotiated] [balanced]`
 * - `default`: `open(bytes, { channel })`, every codec allowed;
 * - `negotiated`: `open(bytes, { channel, serializers: [protobuf], compressions: [none] })`,
 *   what a stream negotiated as `protobuf-none` passes;
 * - `balanced`: 5 MiB of `[` then 5 MiB of `]` instead of 10 MiB of `[`.
 *
 * @module
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { createCodec, type OpenOptions } from '../../src/codec/index.js'
import { defaultCompressors } from '../../src/compress/index.js'
import { CompressionId } from '../../src/compress/types.js'
import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_SIGNATURE_DOMAIN } from '../../src/limits.js'
import { ENVELOPE_VERSION, EnvelopeKind, encodeChannel } from '../../src/envelope/header.js'
import { domainPrefix, encodeEnvelope } from '../../src/envelope/envelope.js'
import { createSigner } from '../../src/envelope/keys.js'
import { sha256 } from '../../src/integrity/sha256.js'
import { MessageTypeId, SerializerId } from '../../src/serialize/types.js'

const CHANNEL = '/wireseal/block/1.0.0'
const MiB = 1024 * 1024

/** The channel the attack envelope is signed for. */
export const ATTACK_CHANNEL = CHANNEL

/** The attack: `size` bytes of `[` (half `[`, half `]` when `balanced`), zstd-compressed, in an envelope the attacker signs itself. */
export async function bracketEnvelope (size = DEFAULT_MAX_PAYLOAD_BYTES, now = Date.now(), balanced = false, type: number = MessageTypeId.Block): Promise<Uint8Array> {
  const payload = new Uint8Array(size).fill(0x5b)
  if (balanced) payload.fill(0x5d, size / 2)
  const compressed = defaultCompressors.get('zstd').compress(payload)
  const signer = createSigner(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(66)))
  const header = {
    version: ENVELOPE_VERSION,
    kind: EnvelopeKind.single,
    type,
    serializer: SerializerId.json,
    compression: CompressionId.zstd,
    channel: CHANNEL,
    channelBytes: encodeChannel(CHANNEL),
    seq: 1,
    timestamp: now,
    uncompressedLength: size,
    payloadLength: compressed.length,
    digest: sha256(compressed),
    count: 1,
    itemsRoot: new Uint8Array(0),
    publicKey: signer.publicKey
  }
  return encodeEnvelope({ signer, prefix: domainPrefix(DEFAULT_SIGNATURE_DOMAIN), header, payload: compressed })
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() as string)) {
  const mode = process.argv[2] ?? 'default'
  const envelope = await bracketEnvelope(DEFAULT_MAX_PAYLOAD_BYTES, Date.now(), process.argv[3] === 'balanced')
  const codec = createCodec()
  // Warm up (code loading, key import) on a small honest envelope of another channel.
  codec.open(await bracketEnvelope(16), { channel: 'warm-up' })
  const options: OpenOptions = mode === 'negotiated'
    ? { channel: CHANNEL, serializers: [SerializerId.protobuf], compressions: [CompressionId.none] }
    : { channel: CHANNEL }
  const before = process.memoryUsage().rss
  const start = performance.now()
  const result = codec.open(envelope, options)
  const ms = performance.now() - start
  const peakRssGrowthMiB = Math.max(0, process.resourceUsage().maxRSS * 1024 - before) / MiB
  console.log(JSON.stringify({
    mode,
    envelopeBytes: envelope.length,
    reason: result.ok ? 'ok' : result.reason,
    detail: result.ok ? '' : result.detail,
    ms: Math.round(ms * 10) / 10,
    peakRssGrowthMiB: Math.round(peakRssGrowthMiB * 10) / 10,
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024)
  }))
}
