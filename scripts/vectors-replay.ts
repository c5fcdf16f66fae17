/**
 * Replay conformance vectors (SPEC.md 13): sequences of envelopes opened in
 * order by one receiver (fresh replay state per sequence), each step with
 * the receiver's clock and the expected outcome (`accepted`, `replayed`,
 * `out-of-window`, `too-old`, `clock-skew`, or the refusal that must commit
 * nothing). Envelopes are sealed here with Ed25519 keys (RFC 8032 7.1 TEST 1
 * and TEST 2: deterministic bytes), compression none, fixed seqs and
 * timestamps, or copied from test/vectors/envelopes.json (the batch and its
 * items). The format is described in test/vectors/README.md.
 *
 *   node --import tsx scripts/vectors-replay.ts   # rewrites test/vectors/replay.json
 *
 * @module
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { generateKeyPairFromSeed, publicKeyToProtobuf } from '@libp2p/crypto/keys'
import { createCodec, type RejectReason } from '../src/codec/index.js'
import { DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_MESSAGE_AGE_MS, DEFAULT_MAX_TRACKED_SENDERS, DEFAULT_REPLAY_WINDOW } from '../src/limits.js'
import { windowGeometry } from '../src/replay/window.js'
import { readVarint } from '../src/varint.js'
import { BlockType, createSerializerRegistry } from '../src/serialize/index.js'
import { ED25519_SEED_HEX, readVectors, valueFromFile, vectorFileText, vectorKeys, type VectorFile } from './vectors.js'

export const REPLAY_VECTORS_PATH = fileURLToPath(new URL('../test/vectors/replay.json', import.meta.url))
export const REPLAY_VECTORS_FORMAT = 'wireseal/replay-vectors'
export const REPLAY_VECTORS_VERSION = 1
/** RFC 8032 7.1 TEST 2 secret key: the second sender. */
export const ED25519_SEED_2_HEX = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb'

/** What opening one step must give. */
export type ReplayOutcome = 'accepted' | RejectReason

export interface ReplayStep {
  /** The envelope (hex). */
  envelope: string
  /** Name of the envelopes.json vector it is, when copied from there. */
  vector?: string
  /** Signing key name, header seq, timestamp and channel, for reading (the envelope carries them). */
  key: string
  seq: number
  timestamp: number
  channel: string
  /** The receiver's clock for this step (ms). */
  now: number
  expect: ReplayOutcome
  /** Accepted steps: the seqs of the messages delivered (a batch leaves out items already seen). */
  delivered?: number[]
  /** One line: why. */
  note: string
}

export interface ReplaySequence {
  name: string
  description: string
  /** SPEC.md section. */
  section: string
  /** Receiver replay settings different from `defaults`. */
  receiver?: { maxTrackedSenders?: number }
  steps: ReplayStep[]
}

export interface ReplayVectorFile {
  format: string
  version: number
  generator: string
  envelopes: string
  channel: string
  /** Receiver replay settings (SPEC.md 13 defaults). */
  defaults: { windowSize: number, maxMessageAgeMs: number, maxClockSkewMs: number, maxTrackedSenders: number }
  keys: Array<{ name: string, secret: string, publicKey: string, id: string }>
  sequences: ReplaySequence[]
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))

export async function generateReplayVectors (envelopes: VectorFile = readVectors()): Promise<ReplayVectorFile> {
  const T = envelopes.timestamp
  const C = envelopes.channel
  const C2 = 'wireseal/vectors/v2'
  const W = windowGeometry(DEFAULT_REPLAY_WINDOW).size
  const AGE = DEFAULT_MAX_MESSAGE_AGE_MS
  const SKEW = DEFAULT_MAX_CLOCK_SKEW_MS
  const a = (await vectorKeys()).find((k) => k.name === 'ed25519')!.key
  const b = await generateKeyPairFromSeed('Ed25519', unhex(ED25519_SEED_2_HEX))
  const value = valueFromFile(envelopes, 'block-edge')
  const registry = createSerializerRegistry()
  const senders = { ed25519: a, 'ed25519-2': b }
  type Sender = keyof typeof senders
  const seal = (key: Sender, seq: number, timestamp: number, channel = C): Omit<ReplayStep, 'now' | 'expect' | 'note'> => {
    const codec = createCodec({ privateKey: senders[key], serializers: registry, sequencer: { next: () => seq, writes: 0 }, now: () => timestamp })
    return { envelope: hex(codec.seal(BlockType, value, { channel, serializer: 'protobuf', compression: 'none' })), key, seq, timestamp, channel }
  }
  const step = (env: Omit<ReplayStep, 'now' | 'expect' | 'note'>, now: number, expect: ReplayOutcome, note: string, delivered?: number[]): ReplayStep =>
    ({ ...env, now, expect, ...(delivered === undefined ? {} : { delivered }), note })
  const ok = (env: Omit<ReplayStep, 'now' | 'expect' | 'note'>, note: string, now = T): ReplayStep => step(env, now, 'accepted', note, [env.seq])

  const sequences: ReplaySequence[] = []
  const add = (name: string, description: string, steps: ReplayStep[], receiver?: ReplaySequence['receiver']): void => {
    sequences.push({ name, description, section: '13', ...(receiver === undefined ? {} : { receiver }), steps })
  }

  const s100 = seal('ed25519', 100, T)
  add('replayed/same-envelope', 'the same envelope three times', [
    ok(s100, 'fresh'),
    step(s100, T, 'replayed', 'seq 100 already accepted'),
    step(s100, T + 1000, 'replayed', 'still replayed a second later')
  ])

  const top = 20_000
  const edge = seal('ed25519', top - W + 1, T)
  add('window/edges', `window of ${W} seqs: high - seq >= ${W} is out-of-window`, [
    ok(seal('ed25519', top, T), 'the window\'s high seq'),
    ok(edge, `high - ${W - 1}: the oldest seq inside the window`),
    step(seal('ed25519', top - W, T), T, 'out-of-window', `high - ${W}: just behind the window`),
    step(edge, T, 'replayed', 'inside the window and seen'),
    ok(seal('ed25519', top - 1, T), 'below high, inside, unseen: accepted out of order'),
    ok(seal('ed25519', top + 1, T), 'a new high: the window moves by one'),
    step(edge, T, 'out-of-window', `now high - ${W}: the window moved past it (not replayed)`)
  ])

  add('age/boundaries', `maxMessageAgeMs ${AGE}, maxClockSkewMs ${SKEW}: both bounds inclusive`, [
    ok(seal('ed25519', 1, T - AGE), 'exactly maxMessageAgeMs old'),
    step(seal('ed25519', 2, T - AGE - 1), T, 'too-old', '1 ms older'),
    ok(seal('ed25519', 3, T + SKEW), 'exactly maxClockSkewMs ahead'),
    step(seal('ed25519', 4, T + SKEW + 1), T, 'clock-skew', '1 ms further ahead')
  ])

  const s10 = seal('ed25519', 10, T)
  const ahead = seal('ed25519', 11, T + SKEW + 1000)
  add('time/passes', 'the receiver clock moves: age is checked before the window; a refused step commits nothing', [
    ok(s10, 'fresh'),
    step(s10, T + AGE + 1, 'too-old', 'the same envelope once it is too old: too-old, not replayed'),
    step(ahead, T, 'clock-skew', `${SKEW + 1000} ms ahead`),
    ok(ahead, 'the same envelope 1 s later is within the skew, and its seq was not consumed', T + 1000),
    step(ahead, T + 1000, 'replayed', 'now seen')
  ])

  const s50 = seal('ed25519', 50, T)
  const forged = unhex(s50.envelope)
  forged[forged.length - 1]! ^= 1 // a payload bit: the signed header is intact, the digest is not
  const badSig = unhex(s50.envelope)
  // envelope = 0a uvarint(len) header 12 40 signature ...
  const cursor = { pos: 1 }
  const headerLen = readVarint(badSig, cursor, 8)
  const sigAt = cursor.pos + headerLen + 2
  badSig[sigAt]! ^= 1
  add('commit/after-integrity', 'an envelope refused at the signature or digest consumes no seq (RFC 4303 3.4.3)', [
    step({ ...s50, envelope: hex(badSig) }, T, 'invalid-signature', 'seq 50 with one signature bit flipped'),
    step({ ...s50, envelope: hex(forged) }, T, 'digest-mismatch', 'seq 50 with one payload bit flipped'),
    ok(s50, 'the real seq 50 is still fresh'),
    step(s50, T, 'replayed', 'now seen')
  ])

  add('scope/sender-and-channel', 'one window per (sender id, channel)', [
    ok(seal('ed25519', 7, T), 'sender A, seq 7'),
    ok(seal('ed25519-2', 7, T), 'sender B, seq 7: another window'),
    ok(seal('ed25519', 7, T, C2), `sender A, seq 7 on ${C2}: another window`),
    step(seal('ed25519', 7, T), T, 'replayed', 'sender A, seq 7 again')
  ])

  const copy = (name: string): Omit<ReplayStep, 'now' | 'expect' | 'note'> => {
    const v = envelopes.vectors.find((x) => x.name === name)!
    return { envelope: v.envelope, vector: name, key: v.key, seq: v.header.seq + (v.index ?? 0), timestamp: v.header.timestamp, channel: C }
  }
  const batch = copy('Block/protobuf/zstd/batch')
  const item0 = copy('Block/protobuf/zstd/batch/item-0')
  const item2 = copy('Block/protobuf/zstd/batch/item-2')
  const first = batch.seq
  add('batch/items', 'a batch takes count consecutive seqs; items and the batch share them', [
    step(item2, T, 'accepted', 'item 2 forwarded alone', [first + 2]),
    step(batch, T, 'accepted', 'the batch delivers the items not yet seen', [first, first + 1]),
    step(batch, T, 'replayed', 'no fresh item left'),
    step(item0, T, 'replayed', 'item 0 came with the batch'),
    step(item2, T, 'replayed', 'item 2 again')
  ])

  add('eviction/floor', 'one tracked window: evicting a window raises the floor to its highest timestamp', [
    ok(seal('ed25519', 1, T), 'sender A'),
    ok(seal('ed25519-2', 1, T + 1), 'sender B evicts A: floor = T'),
    step(seal('ed25519', 2, T), T, 'out-of-window', 'A again, timestamp at the floor'),
    ok(seal('ed25519', 3, T + 2), 'A with a timestamp above the floor (evicts B: floor = T + 1)'),
    step(seal('ed25519-2', 2, T + 1), T, 'out-of-window', 'B again, timestamp at the new floor'),
    step(seal('ed25519', 4, T), T, 'out-of-window', 'A, tracked: its window refuses timestamps at the floor it was created under (T)')
  ], { maxTrackedSenders: 1 })

  const keys = [
    { name: 'ed25519', secret: ED25519_SEED_HEX, key: a },
    { name: 'ed25519-2', secret: ED25519_SEED_2_HEX, key: b }
  ].map(({ name, secret, key }) => ({ name, secret, publicKey: hex(publicKeyToProtobuf(key.publicKey)), id: key.publicKey.toString() }))
  return {
    format: REPLAY_VECTORS_FORMAT,
    version: REPLAY_VECTORS_VERSION,
    generator: 'scripts/vectors-replay.ts',
    envelopes: 'envelopes.json',
    channel: C,
    defaults: { windowSize: W, maxMessageAgeMs: AGE, maxClockSkewMs: SKEW, maxTrackedSenders: DEFAULT_MAX_TRACKED_SENDERS },
    keys,
    sequences
  }
}

async function main (): Promise<void> {
  const file = await generateReplayVectors()
  writeFileSync(REPLAY_VECTORS_PATH, vectorFileText(file))
  console.log(`${REPLAY_VECTORS_PATH}: ${file.sequences.length} sequences, ${file.sequences.reduce((n, s) => n + s.steps.length, 0)} steps`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => { console.error(err); process.exitCode = 1 })
}
