/**
 * The one home of rejection reasons (SPEC.md 12.2): the list, the errors that
 * map to reasons, and how the replay guard's and the chunk assembler's own
 * verdicts map to them. Adding a reason starts here: the `Record` types below
 * and `GOSSIP_VERDICTS` (libp2p) then refuse to compile until it is mapped,
 * and a test compares {@link REJECT_REASONS} with SPEC.md's list.
 *
 * @module
 */
import { SizeLimitError, UnknownCodecError, WireFormatError, WiresealError, type WireRule } from '../errors.js'
import type { ChunkRejection } from '../integrity/chunked.js'
import type { ReplayReason } from '../replay/rules.js'
import type { OpenRejected } from './types.js'

/**
 * Every reason {@link Codec.open} refuses an envelope for, in the order of
 * the receiver's checks (SPEC.md 12.1):
 *
 * | reason | refused when |
 * |---|---|
 * | `malformed` | the bytes break a wire rule (the rejection names it) or do not decode |
 * | `too-large` | a size, or a size the signed header declares, is over a cap |
 * | `wrong-channel` | signed for another channel than the one it arrived on |
 * | `wrong-type` | a message type the channel does not accept |
 * | `unknown-codec` | a serializer or compression unknown here or not accepted on the channel |
 * | `invalid-signature` | the signature does not verify |
 * | `digest-mismatch` | the payload (or an item, a chunk) differs from what was signed |
 * | `replayed` | this (sender, channel, seq) was already accepted |
 * | `out-of-window` | the seq is behind the replay window |
 * | `too-old` | the timestamp is older than the accepted age |
 * | `clock-skew` | the timestamp is ahead of the receiver's clock by more than the accepted skew |
 */
export const REJECT_REASONS = Object.freeze([
  'malformed',
  'too-large',
  'wrong-channel',
  'wrong-type',
  'unknown-codec',
  'invalid-signature',
  'digest-mismatch',
  'replayed',
  'out-of-window',
  'too-old',
  'clock-skew'
] as const)

/** Why {@link Codec.open} refused an envelope: one of {@link REJECT_REASONS}. */
export type RejectReason = typeof REJECT_REASONS[number]

/** Why a chunk frame was refused: the chunk assembler's reasons (SPEC.md 9.3), or an unparseable frame. */
export type ChunkFrameRejection = ChunkRejection | 'malformed'

/**
 * The envelope-level reason of each replay guard verdict (SPEC.md 13): the
 * guard's names are reasons of their own.
 */
export const REPLAY_REJECT_REASON: Readonly<Record<ReplayReason, RejectReason>> = Object.freeze({
  replayed: 'replayed',
  'out-of-window': 'out-of-window',
  'too-old': 'too-old',
  'clock-skew': 'clock-skew'
})

/**
 * The envelope-level reason of a refused chunk frame, for a receiver that
 * reports one rejection per chunked message (e.g. a stream): a chunk that is
 * not a leaf of the signed root is `digest-mismatch` (SPEC.md 9.3); a chunk
 * out of range, repeated, of the wrong size or unparseable is `malformed`.
 */
export const CHUNK_REJECT_REASON: Readonly<Record<ChunkFrameRejection, RejectReason>> = Object.freeze({
  'bad-index': 'malformed',
  duplicate: 'malformed',
  'bad-size': 'malformed',
  'bad-proof': 'digest-mismatch',
  malformed: 'malformed'
})

/** A rejection value; `rule` only for `malformed` bytes that break a named wire rule. */
export function reject (reason: RejectReason, detail: string, rule?: WireRule): OpenRejected {
  return rule === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, rule }
}

/**
 * The rejection of bytes a decoder refused with a typed error: a size over
 * a cap is `too-large`, an unknown id `unknown-codec`, anything else wireseal
 * throws `malformed` (with the wire rule when there is one). Any other error
 * is a bug and is rethrown.
 */
export function rejectFromError (err: unknown): OpenRejected {
  if (err instanceof SizeLimitError) return reject('too-large', err.message)
  if (err instanceof UnknownCodecError) return reject('unknown-codec', err.message)
  if (err instanceof WireFormatError) return reject('malformed', err.message, err.details.rule)
  if (err instanceof WiresealError) return reject('malformed', err.message)
  throw err
}
