/**
 * `wireseal inspect`: shows an envelope's header without trusting it.
 *
 * @module
 */
import { DEFAULT_LIMITS, DEFAULT_SIGNATURE_DOMAIN } from '../limits.js'
import { domainPrefix, parseEnvelope, verifyEnvelopeSignature } from '../envelope/envelope.js'
import { SenderKeyCache } from '../envelope/keys.js'
import { WiresealError } from '../errors.js'

/** What `inspect` prints. `signatureValid` is the only verified field. */
export interface InspectReport {
  version: number
  kind: 'single' | 'batch' | 'chunked' | 'batch-item'
  type: number
  serializer: number
  compression: number
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
  signatureValid: boolean
  payload: string
}

/** Parses (bounded) and describes an envelope; throws typed errors for unparseable input. */
export function inspectEnvelope (bytes: Uint8Array, domain = DEFAULT_SIGNATURE_DOMAIN): InspectReport {
  const env = parseEnvelope(bytes, DEFAULT_LIMITS)
  const h = env.header
  let from: string | null = null
  let keyType: string | null = null
  let signatureValid = false
  try {
    const sender = new SenderKeyCache(1).get(h.publicKey)
    from = sender.id
    keyType = sender.keyType
    signatureValid = verifyEnvelopeSignature(env, domainPrefix(domain), sender.verify)
  } catch (err) {
    if (!(err instanceof WiresealError)) throw err
  }
  const kinds = { 1: 'single', 2: 'batch', 3: 'chunked' } as const
  const report: InspectReport = {
    version: h.version,
    kind: env.index !== undefined ? 'batch-item' : kinds[h.kind],
    type: h.type,
    serializer: h.serializer,
    compression: h.compression,
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
    payload: Buffer.from(env.payload).toString('base64')
  }
  if (env.index !== undefined) report.index = env.index
  return report
}
