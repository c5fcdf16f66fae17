/**
 * Stream codec benchmark over loopback (issue 4, "libp2p integration",
 * Benchmarks). Two real libp2p nodes in this process (TCP + Noise + Yamux on
 * 127.0.0.1), one long-lived stream per contender, every contender moving the
 * SAME envelope bytes from node A to node B:
 *
 * - `raw stream.send`: `stream.send(envelope)`, waiting for a fresh `drain`
 *   event when it returns false (libp2p 3's `onDrain()` keeps returning its
 *   first, already-resolved promise); the receiver only counts the bytes of
 *   `message` events, the cheapest reader there is (the targets' baseline);
 * - `raw stream.send, for-await reader`: the same, read with
 *   `for await (const chunk of stream)` (extra, for context);
 * - `lpStream (@libp2p/utils)`: `lp.write(envelope)` / `lp.read()`;
 * - `wireseal writeSealed`: the stream codec framing already-sealed envelopes
 *   (`writeSealed` / `frames({ validUntilNextRead: true })`, the read mode of
 *   a loop done with each frame before the next, read-side backpressure
 *   included);
 * - `wireseal writeSealed, frames() kept`: the same with the default
 *   `frames()`, whose frames stay valid when kept (extra, for context);
 * - `wireseal seal+send+open`: the full path, `write(BlockType, block)` sealing
 *   each Block (protobuf, no compression, Ed25519) and `read()` opening it
 *   (replay guard, signature, digest, decode) on the other side.
 *
 * Envelopes are 65,533 B: with its 3-byte length prefix a frame is exactly
 * yamux's 64 KiB maximum message (ANCHORS). A second group sends 65,536 B
 * envelopes, whose prefixed frames spill over that boundary into a second
 * yamux message, to show what the boundary costs (no target).
 *
 * One operation = one envelope delivered to B; a round sends a burst of them
 * per contender and ends when B has them all. Rounds are interleaved, in a
 * shuffled order (see ./rounds.ts), so the ratios are paired per round.
 *
 * @module
 */
import '../../src/libp2p/polyfill.js'
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { createCodec, type Codec } from '../../src/codec/index.js'
import { InvalidConfigError } from '../../src/errors.js'
import { dialWireseal, handleWireseal, protocolId } from '../../src/libp2p/protocols.js'
import type { WiresealStream } from '../../src/libp2p/stream.js'
import { BlockType, type Block } from '../../src/serialize/index.js'
import { benchKeys, messageBlock } from '../codec-fixtures.js'
import { ratioOf, target, type BenchContext, type BenchMode, type GroupResult, type Suite, type SuiteOutput, type Table } from '../harness.js'
import { startBenchNode, stopBenchNodes, withTimeout, type BenchNode } from './nodes.js'
import { measureAsyncGroup, minorGc, type AsyncCaseInit, type RoundPlan, type RoundSample } from './rounds.js'

/** Case names, shared with the test. */
export const STREAM_CASES = Object.freeze({
  raw: 'raw stream.send',
  rawIterated: 'raw stream.send, for-await reader',
  lpStream: 'lpStream (@libp2p/utils)',
  wireseal: 'wireseal writeSealed',
  wiresealKept: 'wireseal writeSealed, frames() kept',
  full: 'wireseal seal+send+open'
})

/** Group ids, shared with the test. */
export const STREAM_GROUPS = Object.freeze({
  main: 'envelope-65533/throughput',
  boundary: 'envelope-65536/throughput'
})

/** Envelope size of the targets: prefix (3 B) + envelope = 65,536 B, one yamux message. */
export const ENVELOPE_BYTES = 65_533

/** Envelope size of the boundary group: its frame (65,539 B) needs two yamux messages. */
export const BOUNDARY_ENVELOPE_BYTES = 65_536

/** Envelopes per round and round counts of each mode. */
export const STREAM_PLANS: Readonly<Record<BenchMode, RoundPlan & { envelopes: number }>> = Object.freeze({
  full: Object.freeze({ envelopes: 512, warmupRounds: 3, rounds: 31, minRounds: 11, budgetMs: 60_000 }),
  quick: Object.freeze({ envelopes: 192, warmupRounds: 2, rounds: 15, minRounds: 7, budgetMs: 10_000 }),
  smoke: Object.freeze({ envelopes: 8, warmupRounds: 0, rounds: 2, minRounds: 2, budgetMs: 60_000 })
})

/** Upper bound of one round of one contender (ms). */
const ROUND_TIMEOUT_MS = 60_000

/** lpStream's read buffer (default 4 MiB) must hold what yamux may deliver at once (window up to 16 MiB). */
const LP_MAX_BUFFER = 32 * 1024 * 1024

const RAW_PROTOCOL = '/wireseal-bench/raw/1.0.0'
const RAW_ITERATED_PROTOCOL = '/wireseal-bench/raw-iterated/1.0.0'
const LP_PROTOCOL = '/wireseal-bench/lp/1.0.0'
/** The already-sealed envelopes travel on a real wireseal protocol id (no compression: they are sealed already). */
const SEALED_PROTOCOL = protocolId({ message: 'block', serializer: 'protobuf', compression: 'none' })
/** The full path gets its own id (another version), so its handler opens what the other one only frames. */
const FULL_PROTOCOL = protocolId({ message: 'block', serializer: 'protobuf', compression: 'none', version: '1.0.1' })
/** The default read mode (frames kept) gets its own id too. */
const KEPT_PROTOCOL = protocolId({ message: 'block', serializer: 'protobuf', compression: 'none', version: '1.0.2' })

/** Counts what a receiver got and wakes the round waiting for a total. */
class Counter {
  n = 0
  private target = Infinity
  private wake: (() => void) | undefined
  private failure: unknown

  add (k: number): void {
    this.n += k
    if (this.n >= this.target) this.release()
  }

  fail (err: unknown): void {
    this.failure ??= err
    this.release()
  }

  private release (): void {
    const wake = this.wake
    this.wake = undefined
    this.target = Infinity
    wake?.()
  }

  /** Resolves once `n >= total`; rejects if the receiver failed. */
  async reach (total: number, what: string): Promise<void> {
    if (this.failure === undefined && this.n < total) {
      await withTimeout(new Promise<void>((resolve) => {
        this.target = total
        this.wake = resolve
      }), what, ROUND_TIMEOUT_MS)
    }
    if (this.failure !== undefined) throw new InvalidConfigError(what, `a working receiver, got ${String(this.failure)}`)
  }
}

/** Waits for the next `drain` of a stream (a fresh listener; rejects on close). */
async function nextDrain (s: Stream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => { s.removeEventListener('close', onClose); resolve() }
    const onClose = (): void => { s.removeEventListener('drain', onDrain); reject(new InvalidConfigError('raw stream', 'open until the benchmark ends')) }
    s.addEventListener('drain', onDrain, { once: true })
    s.addEventListener('close', onClose, { once: true })
  })
}

/** One contender's sender side, with the counter of its receiver. */
interface Lane {
  /** Sends `count` messages carrying `envelope` (or `value` for the full path). */
  send(count: number, envelope: Uint8Array): Promise<void>
  /** Counter of the receiver: bytes for raw, messages otherwise. */
  counter: Counter
  /** Units the receiver counts per message of `envelope`. */
  unitsPerMessage(envelope: Uint8Array): number
  close(): Promise<void>
}

/** A fixture: two nodes, the receivers registered on B, a codec per side. */
interface StreamBench {
  a: BenchNode
  b: BenchNode
  sender: Codec
  receiver: Codec
  counters: { raw: Counter, rawIterated: Counter, lp: Counter, sealed: Counter, kept: Counter, full: Counter }
}

async function registerReceivers (bench: StreamBench): Promise<void> {
  const { b, counters } = bench
  await b.handle(RAW_PROTOCOL, (s) => {
    s.addEventListener('message', (evt: StreamMessageEvent) => { counters.raw.add(evt.data.byteLength) })
  })
  await b.handle(RAW_ITERATED_PROTOCOL, async (s) => {
    try {
      for await (const chunk of s) counters.rawIterated.add(chunk.byteLength)
    } catch (err) {
      if (s.status === 'open') counters.rawIterated.fail(err)
    }
  })
  await b.handle(LP_PROTOCOL, async (s) => {
    const lp = lpStream(s, { maxDataLength: 4 * 1024 * 1024, maxBufferSize: LP_MAX_BUFFER })
    try {
      while (s.readStatus === 'readable' || s.readStatus === 'paused') {
        await lp.read()
        counters.lp.add(1)
      }
    } catch (err) {
      if (s.status === 'open') counters.lp.fail(err)
    }
  })
  await handleWireseal(b, [SEALED_PROTOCOL], async (ws) => {
    try {
      // The loop is done with each frame before it asks for the next: the read mode a user chasing throughput would pick.
      for await (const _frame of ws.frames({ validUntilNextRead: true })) counters.sealed.add(1)
    } catch (err) {
      counters.sealed.fail(err)
    }
  }, { codec: bench.receiver })
  await handleWireseal(b, [KEPT_PROTOCOL], async (ws) => {
    try {
      for await (const _frame of ws.frames()) counters.kept.add(1)
    } catch (err) {
      counters.kept.fail(err)
    }
  }, { codec: bench.receiver })
  await handleWireseal(b, [FULL_PROTOCOL], async (ws) => {
    try {
      for await (const m of ws.read<Block>()) {
        if (m.value.data.length === 0) throw new InvalidConfigError('full path', 'the sealed Block back')
        counters.full.add(1)
      }
    } catch (err) {
      counters.full.fail(err)
    }
  }, { codec: bench.receiver })
}

async function rawLane (bench: StreamBench, iterated = false): Promise<Lane> {
  const s = await withTimeout(bench.a.dialProtocol(bench.b.peerId, iterated ? RAW_ITERATED_PROTOCOL : RAW_PROTOCOL), 'dial raw')
  return {
    counter: iterated ? bench.counters.rawIterated : bench.counters.raw,
    unitsPerMessage: (e) => e.length,
    async send (count, envelope) {
      for (let i = 0; i < count; i++) {
        if (!s.send(envelope)) await nextDrain(s)
      }
    },
    async close () { await s.close() }
  }
}

async function lpLane (bench: StreamBench): Promise<Lane> {
  const s = await withTimeout(bench.a.dialProtocol(bench.b.peerId, LP_PROTOCOL), 'dial lpStream')
  const lp = lpStream(s)
  return {
    counter: bench.counters.lp,
    unitsPerMessage: () => 1,
    async send (count, envelope) {
      for (let i = 0; i < count; i++) await lp.write(envelope)
    },
    async close () { await s.close() }
  }
}

async function sealedLane (bench: StreamBench, kept = false): Promise<Lane> {
  const ws = await withTimeout(dialWireseal(bench.a, bench.b.peerId, [kept ? KEPT_PROTOCOL : SEALED_PROTOCOL], { codec: bench.sender }), 'dial wireseal')
  return {
    counter: kept ? bench.counters.kept : bench.counters.sealed,
    unitsPerMessage: () => 1,
    async send (count, envelope) {
      for (let i = 0; i < count; i++) await ws.writeSealed(envelope)
    },
    async close () { await ws.close() }
  }
}

async function fullLane (bench: StreamBench, value: Block): Promise<Lane & { ws: WiresealStream }> {
  const ws = await withTimeout(dialWireseal(bench.a, bench.b.peerId, [FULL_PROTOCOL], { codec: bench.sender }), 'dial wireseal (full path)')
  return {
    ws,
    counter: bench.counters.full,
    unitsPerMessage: () => 1,
    async send (count) {
      for (let i = 0; i < count; i++) await ws.write(BlockType, value)
    },
    async close () { await ws.close() }
  }
}

/** One round of a lane: `count` messages out, timed until the receiver has them all. */
function laneCase (lane: Lane, envelope: Uint8Array, count: number, what: string): () => Promise<RoundSample> {
  return async () => {
    const total = lane.counter.n + count * lane.unitsPerMessage(envelope)
    const t0 = performance.now()
    await withTimeout(lane.send(count, envelope), `${what}: send`, ROUND_TIMEOUT_MS)
    await lane.counter.reach(total, `${what}: delivery`)
    return { ops: count, ms: performance.now() - t0 }
  }
}

/**
 * A Block (transaction JSON data) whose envelope, sealed for `channel` without
 * compression, is exactly `bytes` long, and that envelope.
 */
function sizedEnvelope (codec: Codec, channel: string, bytes: number): { block: Block, envelope: Uint8Array } {
  let dataBytes = bytes - 300
  for (let attempt = 0; attempt < 4; attempt++) {
    const block = messageBlock(0, dataBytes)
    const envelope = codec.seal(BlockType, block, { channel, compression: 'none' })
    if (envelope.length === bytes) return { block, envelope }
    dataBytes -= envelope.length - bytes
  }
  throw new InvalidConfigError('envelope size', `an envelope of exactly ${bytes} B`)
}

async function run (ctx: BenchContext): Promise<SuiteOutput> {
  const plan = STREAM_PLANS[ctx.settings.mode]
  const keys = await benchKeys()
  const nodes: BenchNode[] = []
  const lanes: Lane[] = []
  try {
    nodes.push(await startBenchNode(), await startBenchNode())
    const [a, b] = nodes as [BenchNode, BenchNode]
    await withTimeout(a.dial(b.getMultiaddrs()), 'dial B')
    const bench: StreamBench = {
      a,
      b,
      sender: createCodec({ privateKey: keys.libp2p }),
      receiver: createCodec(),
      counters: { raw: new Counter(), rawIterated: new Counter(), lp: new Counter(), sealed: new Counter(), kept: new Counter(), full: new Counter() }
    }
    await registerReceivers(bench)
    const main = sizedEnvelope(bench.sender, SEALED_PROTOCOL, ENVELOPE_BYTES)
    const boundary = sizedEnvelope(bench.sender, SEALED_PROTOCOL, BOUNDARY_ENVELOPE_BYTES)
    // The full path seals the same Block for its own channel: one envelope of (about) the same size.
    const fullSize = bench.sender.seal(BlockType, main.block, { channel: FULL_PROTOCOL, compression: 'none' }).length
    const raw = await rawLane(bench)
    const rawIterated = await rawLane(bench, true)
    const lp = await lpLane(bench)
    const sealed = await sealedLane(bench)
    const kept = await sealedLane(bench, true)
    const full = await fullLane(bench, main.block)
    lanes.push(raw, rawIterated, lp, sealed, kept, full)

    const common = { ...plan, beforeEach: minorGc, log: ctx.log }
    const n = plan.envelopes
    const mainCases: AsyncCaseInit[] = [
      { name: STREAM_CASES.raw, run: laneCase(raw, main.envelope, n, STREAM_CASES.raw), bytes: ENVELOPE_BYTES, baseline: true },
      { name: STREAM_CASES.rawIterated, run: laneCase(rawIterated, main.envelope, n, STREAM_CASES.rawIterated), bytes: ENVELOPE_BYTES, baseline: true, reference: STREAM_CASES.raw },
      { name: STREAM_CASES.lpStream, run: laneCase(lp, main.envelope, n, STREAM_CASES.lpStream), bytes: ENVELOPE_BYTES, baseline: true, reference: STREAM_CASES.raw },
      { name: STREAM_CASES.wireseal, run: laneCase(sealed, main.envelope, n, STREAM_CASES.wireseal), bytes: ENVELOPE_BYTES, reference: STREAM_CASES.raw },
      { name: STREAM_CASES.wiresealKept, run: laneCase(kept, main.envelope, n, STREAM_CASES.wiresealKept), bytes: ENVELOPE_BYTES, reference: STREAM_CASES.raw },
      { name: STREAM_CASES.full, run: laneCase(full, main.envelope, n, STREAM_CASES.full), bytes: fullSize, reference: STREAM_CASES.raw }
    ]
    const mainGroup = await measureAsyncGroup({ id: STREAM_GROUPS.main, title: `${ENVELOPE_BYTES.toLocaleString('en')} B envelopes A -> B`, cases: mainCases, ...common })
    const boundaryCases: AsyncCaseInit[] = [
      { name: STREAM_CASES.raw, run: laneCase(raw, boundary.envelope, n, STREAM_CASES.raw), bytes: BOUNDARY_ENVELOPE_BYTES, baseline: true },
      { name: STREAM_CASES.lpStream, run: laneCase(lp, boundary.envelope, n, STREAM_CASES.lpStream), bytes: BOUNDARY_ENVELOPE_BYTES, baseline: true, reference: STREAM_CASES.raw },
      { name: STREAM_CASES.wireseal, run: laneCase(sealed, boundary.envelope, n, STREAM_CASES.wireseal), bytes: BOUNDARY_ENVELOPE_BYTES, reference: STREAM_CASES.raw }
    ]
    const boundaryGroup = await measureAsyncGroup({ id: STREAM_GROUPS.boundary, title: `${BOUNDARY_ENVELOPE_BYTES.toLocaleString('en')} B envelopes A -> B (frame over 64 KiB)`, cases: boundaryCases, ...common })
    const fullStats = full.ws.stats
    return report([mainGroup, boundaryGroup], { fullSize, drainWaits: fullStats.drainWaits, envelopes: n })
  } finally {
    await Promise.allSettled(lanes.map(async (l) => withTimeout(l.close(), 'close stream', 5_000)))
    await stopBenchNodes(nodes)
  }
}

function report (groups: [GroupResult, GroupResult], facts: { fullSize: number, drainWaits: number, envelopes: number }): SuiteOutput {
  const [main, boundary] = groups
  const r = {
    vsRaw: ratioOf(main, STREAM_CASES.wireseal, STREAM_CASES.raw),
    vsLp: ratioOf(main, STREAM_CASES.wireseal, STREAM_CASES.lpStream),
    lpVsRaw: ratioOf(main, STREAM_CASES.lpStream, STREAM_CASES.raw),
    vsRawIterated: ratioOf(main, STREAM_CASES.wireseal, STREAM_CASES.rawIterated),
    rawIteratedVsRaw: ratioOf(main, STREAM_CASES.rawIterated, STREAM_CASES.raw),
    fullVsRaw: ratioOf(main, STREAM_CASES.full, STREAM_CASES.raw),
    keptVsRaw: ratioOf(main, STREAM_CASES.wiresealKept, STREAM_CASES.raw),
    boundaryVsRaw: ratioOf(boundary, STREAM_CASES.wireseal, STREAM_CASES.raw),
    boundaryVsLp: ratioOf(boundary, STREAM_CASES.wireseal, STREAM_CASES.lpStream)
  }
  const issue = 'libp2p integration'
  const detail = `paired ratio of envelopes/s per round, ${facts.envelopes} envelopes of ${ENVELOPE_BYTES} B per contender per round`
  const targets = [
    target({
      id: 'stream.sealed-64k.vs-raw',
      issue,
      description: `the stream codec (read with frames({ validUntilNextRead: true })) carrying already-sealed ${ENVELOPE_BYTES} B envelopes >= 0.95x raw libp2p stream.send of the same bytes`,
      measured: r.vsRaw,
      op: '>=',
      threshold: 0.95,
      detail
    }),
    target({
      id: 'stream.sealed-64k.vs-lpstream',
      issue,
      description: `the stream codec (read with frames({ validUntilNextRead: true })) carrying already-sealed ${ENVELOPE_BYTES} B envelopes >= 1.0x lpStream (@libp2p/utils) carrying the same bytes`,
      measured: r.vsLp,
      op: '>=',
      threshold: 1.0,
      detail
    })
  ]
  const tables: Table[] = [{
    title: 'Stream throughput / baseline (paired ratio per round, >1 is faster)',
    columns: ['envelope', 'contender', 'baseline', 'ratio'],
    rows: [
      [`${ENVELOPE_BYTES} B`, STREAM_CASES.wireseal, STREAM_CASES.raw, r.vsRaw.toFixed(2)],
      [`${ENVELOPE_BYTES} B`, STREAM_CASES.wireseal, STREAM_CASES.lpStream, r.vsLp.toFixed(2)],
      [`${ENVELOPE_BYTES} B`, STREAM_CASES.lpStream, STREAM_CASES.raw, r.lpVsRaw.toFixed(2)],
      [`${ENVELOPE_BYTES} B`, `${STREAM_CASES.wireseal} (extra)`, STREAM_CASES.rawIterated, r.vsRawIterated.toFixed(2)],
      [`${ENVELOPE_BYTES} B`, STREAM_CASES.rawIterated, STREAM_CASES.raw, r.rawIteratedVsRaw.toFixed(2)],
      [`${ENVELOPE_BYTES} B`, `${STREAM_CASES.wiresealKept} (extra)`, STREAM_CASES.raw, r.keptVsRaw.toFixed(2)],
      [`${ENVELOPE_BYTES} B`, `${STREAM_CASES.full} (reported, no threshold)`, STREAM_CASES.raw, r.fullVsRaw.toFixed(2)],
      [`${BOUNDARY_ENVELOPE_BYTES} B`, STREAM_CASES.wireseal, STREAM_CASES.raw, r.boundaryVsRaw.toFixed(2)],
      [`${BOUNDARY_ENVELOPE_BYTES} B`, STREAM_CASES.wireseal, STREAM_CASES.lpStream, r.boundaryVsLp.toFixed(2)]
    ]
  }]
  return {
    groups,
    tables,
    targets,
    notes: [
      'Both nodes run in this process (one event loop): a rate is bounded by sender plus receiver CPU, the same for every contender. ' +
        'The machine may be shared: absolute MB/s drift, paired ratios hold better.',
      `Full path (reported, no threshold): ${STREAM_CASES.full} / raw = ${r.fullVsRaw.toFixed(2)}x. Each write serializes a Block of ` +
        `transaction JSON (protobuf, no compression), hashes and signs it (Ed25519); each read parses, checks replay, verifies and ` +
        `decodes it. Its envelopes are ${facts.fullSize} B (the same Block sealed for its own protocol id); ${facts.drainWaits} writes waited for a drain.`,
      `Raw baseline of the targets: its receiver counts the bytes of \`message\` events (no framing, no copy, no async hop), the ` +
        `cheapest reader of a libp2p 3 stream. The same sender with a \`for await (const chunk of stream)\` reader runs at ` +
        `${r.rawIteratedVsRaw.toFixed(2)}x of it; wireseal / that reader (extra, no threshold): ${r.vsRawIterated.toFixed(2)}x. lpStream: \`lpStream(stream, { maxBufferSize: ${LP_MAX_BUFFER} })\` on the ` +
        'reading side (its 4 MiB default can overflow while yamux grows the window to 16 MiB). wireseal: `writeSealed` / ' +
        `\`frames({ validUntilNextRead: true })\` on a negotiated ${SEALED_PROTOCOL} stream, the reader pausing the stream above its 1 MiB ` +
        'high-water mark. That read mode is the one a loop chasing throughput uses (it counts, forwards or hashes each frame before ' +
        'asking for the next): a frame is valid until the next step of its loop.',
      'What the framed path still pays against raw: `frames()` hands out each body as one Uint8Array, and a 64 KiB frame always spans ' +
        'two Noise messages (at most 65,519 plaintext bytes each), so each body is copied once: into the loop\'s reused buffer in the ' +
        'measured mode; with the default `frames()` (frames valid as long as they are kept) into fresh memory, whose external bytes also ' +
        `bring garbage collections sooner: ${STREAM_CASES.wiresealKept} / raw = ${r.keptVsRaw.toFixed(2)}x (extra, no threshold). Raw counts ` +
        'the chunks inside the `message` event; any reader that awaits its frames (the for-await raw reader, lpStream, wireseal) pays ' +
        'a promise and a microtask per read on top. The frame prefix adds one small piece per frame to the Noise and socket writes.',
      `${BOUNDARY_ENVELOPE_BYTES} B envelopes: the prefixed frame (${BOUNDARY_ENVELOPE_BYTES + 3} B) exceeds yamux's 64 KiB message, so each frame ` +
        `travels as a full message plus a 3-byte one; raw sends exactly 64 KiB messages. wireseal / raw there: ${r.boundaryVsRaw.toFixed(2)}x.`
    ]
  }
}

/** The stream codec suite. */
export const streamSuite: Suite = Object.freeze({
  id: 'stream',
  title: 'Stream codec over loopback',
  description: 'Throughput of 65,533 B already-sealed envelopes between two libp2p nodes in one process (TCP + Noise + Yamux on ' +
    '127.0.0.1), one long-lived stream per contender: raw stream.send, lpStream from @libp2p/utils, the wireseal stream codec ' +
    '(writeSealed / frames({ validUntilNextRead: true }); the default frames() for context), and the full wireseal path (seal, send, open); then 65,536 B envelopes across the yamux 64 KiB boundary. ' +
    'Interleaved rounds in a shuffled order; ratios paired per round.',
  libraries: ['libp2p', '@libp2p/yamux', '@libp2p/noise', '@libp2p/tcp', '@libp2p/utils'],
  run
})
