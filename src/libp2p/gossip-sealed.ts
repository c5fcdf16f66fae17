/**
 * What a batching topic's `onSealed` hook receives (issue 14): each envelope
 * this node seals on the topic, its values, and the forwardable envelope of
 * each value. For a single envelope that is the envelope itself; for a
 * batch it is the item envelope (the signed batch header, the item, its
 * index and RFC 9162 inclusion proof; SPEC.md 8), byte for byte what every
 * receiver builds with `itemEnvelope(index)` of `codec.open()`. A publisher
 * that keeps what it publishes (a block log served to others) then keeps
 * the same bytes as its receivers, each verifiable alone.
 *
 * Item envelopes are built from the sealed bytes (decompress, split, Merkle
 * tree: the receiver's steps, on bytes this node just signed), lazily, on
 * the first `itemEnvelope` call.
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'
import type { WireLimits } from '../limits.js'
import { defaultCompressors } from '../compress/registry.js'
import { EnvelopeKind } from '../envelope/header.js'
import { encodeSignedEnvelope, parseEnvelope, type ParsedEnvelope } from '../envelope/envelope.js'
import { splitBatchItems } from '../envelope/batch.js'
import { buildMerkleTree, encodeProof, type MerkleTree } from '../integrity/merkle.js'

/** One envelope this node sealed on a batching topic. */
export interface SealedGossip<T = unknown> {
  /** The envelope, as published. */
  readonly envelope: Uint8Array
  /** The values it carries, in order. */
  readonly values: readonly T[]
  /** The forwardable envelope of value `index`: `envelope` itself when it is a single one, else the item envelope. */
  itemEnvelope(index: number): Uint8Array
}

/** Receives each envelope sealed on a batching topic, before it is published. Must not throw (what it throws is ignored). */
export type GossipSealedHook = (sealed: SealedGossip) => void

/** The {@link SealedGossip} of `envelope` (sealed by this node) carrying `values`. */
export function sealedGossip<T> (envelope: Uint8Array, values: readonly T[], limits: WireLimits): SealedGossip<T> {
  let env: ParsedEnvelope | undefined
  let batch: { payloads: Uint8Array[], tree: MerkleTree } | undefined
  return Object.freeze({
    envelope,
    values,
    itemEnvelope (index: number): Uint8Array {
      if (!Number.isSafeInteger(index) || index < 0 || index >= values.length) throw new InvalidConfigError('index', `0..${values.length - 1}, got ${String(index)}`)
      env ??= parseEnvelope(envelope, limits)
      const h = env.header
      if (h.kind === EnvelopeKind.single) return envelope
      if (batch === undefined) {
        const payloads = splitBatchItems(defaultCompressors.get(h.compression).decompress(env.payload, h.uncompressedLength), h.count)
        batch = { payloads, tree: buildMerkleTree(payloads) }
      }
      return encodeSignedEnvelope({ headerBytes: env.headerBytes, signature: env.signature, payload: batch.payloads[index] as Uint8Array, item: { index, proof: encodeProof(batch.tree.proof(index)) } })
    }
  })
}
