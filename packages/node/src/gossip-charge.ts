/**
 * What a gossip message costs the relaying peer's byte bucket (README
 * "Protection"): the larger of its wire bytes and the decompressed length its
 * signed header declares (of the whole batch, for a batch envelope; of the
 * item itself, for an item forwarded alone), read with a bounded parse before
 * anything is verified or decompressed. A batch of many compressed blocks is
 * so charged for every block it makes the node decode, as single envelopes
 * are. Bytes that do not parse are charged as they are (the validator then
 * refuses them).
 *
 * @module
 */
import { parseEnvelope } from 'wireseal/envelope'
import type { WireLimits } from 'wireseal/limits'

/** Bytes to charge for gossip message `data`. */
export function gossipCharge (data: Uint8Array, limits: WireLimits): number {
  try {
    const env = parseEnvelope(data, limits)
    return Math.max(data.length, env.index === undefined ? env.header.uncompressedLength : env.payload.length)
  } catch {
    return data.length
  }
}
