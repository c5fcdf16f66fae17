/**
 * `wireseal inspect`: shows an envelope's header and checks what can be
 * checked without a channel or replay state: the signature over the header
 * and the payload against the signed digest (SPEC.md: a single or batch
 * payload must hash to `digest`; a forwarded batch item must prove its
 * inclusion in `itemsRoot`, RFC 9162 2.1.3.2). Nothing is decompressed or
 * decoded; the payload is printed only when asked, and at most
 * `payloadMaxBytes` of it.
 *
 * @module
 */
import { DEFAULT_INSPECT_PAYLOAD_BYTES, DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN } from '../limits.js'
import { domainPrefix, parseEnvelope, verifyEnvelopeSignature, type ParsedEnvelope } from '../envelope/envelope.js'
import { SenderKeyCache } from '../envelope/keys.js'
import { sha256Equals } from '../integrity/sha256.js'
import { decodeProof, hashLeaf, verifyInclusion } from '../integrity/merkle.js'
import { CompressionId } from '../compress/types.js'
import { WiresealError } from '../errors.js'
import type { SerializerRegistry } from '../serialize/registry.js'
import { readInput, writeOutput } from './io.js'
import { loadSchemas } from './schema.js'

export { DEFAULT_INSPECT_PAYLOAD_BYTES }

/** What `inspect` prints. Only `signatureValid` and `digestValid` are verified; every other field is as the envelope claims. */
export interface InspectReport {
  version: number
  kind: 'single' | 'batch' | 'chunked' | 'batch-item'
  type: number
  /** The type's name when the registry (built-ins and `--schema` types) knows its id, else null. */
  typeName: string | null
  serializer: number
  serializerName: string | null
  compression: number
  compressionName: string | null
  channel: string
  seq: number
  timestamp: number
  from: string | null
  keyType: string | null
  payloadLength: number
  uncompressedLength: number
  count: number
  index?: number
  digest: string
  /** The header's signature verifies under the sender key it carries. */
  signatureValid: boolean
  /**
   * The carried payload matches what the header signs: its SHA-256 equals
   * `digest` (single, batch) or its inclusion proof leads to `itemsRoot`
   * (forwarded item). null for a chunked head, whose payload travels in chunk frames.
   */
  digestValid: boolean | null
  /** Base64 of the payload as carried (compressed), only with `--payload`: at most `payloadMaxBytes`. */
  payload?: string
  /** True when `payload` holds only the first `payloadMaxBytes` bytes. */
  payloadTruncated?: boolean
}

/** Options of {@link inspectEnvelope}. */
export interface InspectOptions {
  /** Signature domain. @default DEFAULT_SIGNATURE_DOMAIN */
  domain?: string
  /** Names for type and serializer ids. @default none (names are null) */
  registry?: SerializerRegistry
  /** Include the payload, at most this many bytes of it. @default undefined (no payload) */
  payloadMaxBytes?: number
}

function digestValid (env: ParsedEnvelope): boolean | null {
  const h = env.header
  if (env.index !== undefined && env.proof !== undefined) {
    if (env.payload.length > h.uncompressedLength) return false
    try {
      const proof = decodeProof(env.proof, DEFAULT_LIMITS.maxProofDepth)
      return verifyInclusion(hashLeaf(env.payload), env.index, h.count, proof, h.itemsRoot, DEFAULT_LIMITS.maxProofDepth)
    } catch (err) {
      if (err instanceof WiresealError) return false
      throw err
    }
  }
  if (h.kind === 3) return null
  return sha256Equals(env.payload, h.digest)
}

/** Parses (bounded) and describes an envelope; throws typed errors for unparseable input. */
export function inspectEnvelope (bytes: Uint8Array, options: InspectOptions = {}): InspectReport {
  const env = parseEnvelope(bytes, DEFAULT_LIMITS)
  const h = env.header
  let from: string | null = null
  let keyType: string | null = null
  let signatureValid = false
  try {
    const sender = new SenderKeyCache(1).get(h.publicKey)
    from = sender.id
    keyType = sender.keyType
    signatureValid = verifyEnvelopeSignature(env, domainPrefix(options.domain ?? DEFAULT_SIGNATURE_DOMAIN), sender.verify)
  } catch (err) {
    if (!(err instanceof WiresealError)) throw err
  }
  const reg = options.registry
  let typeName: string | null = null
  let serializerName: string | null = null
  try {
    typeName = reg?.getType(h.type).name ?? null
    serializerName = reg?.get(h.type, h.serializer).name ?? null
  } catch (err) {
    if (!(err instanceof WiresealError)) throw err
  }
  const kinds = { 1: 'single', 2: 'batch', 3: 'chunked' } as const
  const report: InspectReport = {
    version: h.version,
    kind: env.index !== undefined ? 'batch-item' : kinds[h.kind],
    type: h.type,
    typeName,
    serializer: h.serializer,
    serializerName,
    compression: h.compression,
    compressionName: Object.entries(CompressionId).find(([, id]) => id === h.compression)?.[0] ?? null,
    channel: h.channel,
    seq: h.seq,
    timestamp: h.timestamp,
    from,
    keyType,
    payloadLength: h.payloadLength,
    uncompressedLength: h.uncompressedLength,
    count: h.count,
    digest: Buffer.from(h.digest).toString('hex'),
    signatureValid,
    digestValid: digestValid(env)
  }
  if (env.index !== undefined) report.index = env.index
  const max = options.payloadMaxBytes
  if (max !== undefined) {
    report.payload = Buffer.from(env.payload.subarray(0, max)).toString('base64')
    report.payloadTruncated = env.payload.length > max
  }
  return report
}

/** `wireseal inspect`. */
export async function runInspect (v: Record<string, unknown>): Promise<number> {
  const waitMs = v['input-wait'] as number
  const registry = await loadSchemas(v.schema as string[] | undefined, waitMs)
  const bytes = await readInput(v.in as string | undefined, DEFAULT_LIMITS.maxFrameBytes, { waitMs })
  const report = inspectEnvelope(bytes, { registry, payloadMaxBytes: v.payload === true ? v['payload-max'] as number : undefined })
  writeOutput(undefined, JSON.stringify(report, null, 2) + '\n')
  return 0
}
