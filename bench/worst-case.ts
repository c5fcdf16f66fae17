/**
 * Worst-case benchmark (issue 9): for every serializer x compression, what an
 * authenticated peer's most expensive payload costs the receiver's
 * `codec.open()` per decompressed byte, next to an ordinary Block of the same
 * decompressed size, in CPU time and in peak memory. Target: crafted /
 * ordinary <= 20x for both, per pair.
 *
 * - Envelopes are real: signed with the attacker's own key by `createCodec().seal`,
 *   the crafted bytes coming from a serializer lookup whose `encode` returns them
 *   (the receiver cannot tell), compressed at the format's highest level so a small
 *   wire message expands to the full size. Each fixture is checked to pass
 *   `verify()` and to decompress to its size, so `open()` spends its time on
 *   decompression and decoding, not on an early rejection.
 * - The receiver has `replay: false` (same envelope opened every round; replay
 *   checks are O(1) and identical for both cases).
 * - CPU: the ordinary case and every crafted input of a serializer are cases of
 *   one group, interleaved round by round; the ratio is paired per round (see
 *   `cleanPairedRatio`), times the size ratio when the ordinary payload is a few
 *   bytes short (JSON's base64 grows in steps of 4).
 * - Memory: per case, the peak growth of the V8 heap during one `open()` (after
 *   a full GC), read from the heap statistics V8 records before every GC inside
 *   the call (`v8.GCProfiler`) and at its end, plus the ArrayBuffer growth (at
 *   least the decompressed payload when compressed) and the wire envelope the
 *   receiver holds; median of a few calls.
 *
 * @module
 */
import { GCProfiler, getHeapStatistics } from 'node:v8'
import { createCodec, type Codec, type OpenOptions, type OpenResult } from '../src/codec/index.js'
import {
  createCompressorSet, createGzipZlib, createZstdNapi, createZstdWasm, defaultCompressors, type CompressionName, type Compressor
} from '../src/compress/index.js'
import { parseEnvelope } from '../src/envelope/envelope.js'
import { InvalidConfigError } from '../src/errors.js'
import { DEFAULT_LIMITS } from '../src/limits.js'
import { BlockType, defaultSerializerRegistry, type Block, type Serializer } from '../src/serialize/index.js'
import { BENCH_CHANNEL, benchKeys } from './codec-fixtures.js'
import {
  createSettings, freshSite, measureGroup, ratioOf, target,
  type BenchContext, type BenchMode, type BenchSettings, type CaseInit, type GroupResult, type Suite, type SuiteOutput, type Table, type Target
} from './harness.js'
import { formatNumber, sizeLabel } from '../src/format.js'
import { summarize } from '../src/bench/stats.js'
import { CRAFTED_PAYLOADS, WORST_CASE_SERIALIZERS, ordinaryPayload, type CraftedPayload, type WorstCaseSerializer } from './worst-case-payloads.js'

/** Compressions measured, in report order. */
export const WORST_CASE_COMPRESSIONS: readonly CompressionName[] = Object.freeze(['none', 'snappy', 'gzip', 'zstd'])

/** Decompressed sizes per mode: smoke only checks the plumbing. */
export const WORST_CASE_SIZES: Readonly<Record<BenchMode, readonly number[]>> = Object.freeze({
  full: Object.freeze([65_536, 1_048_576]),
  quick: Object.freeze([65_536, 1_048_576]),
  smoke: Object.freeze([8192])
})

/** Highest acceptable crafted / ordinary ratio per decompressed byte (issue 9). */
export const WORST_CASE_MAX_RATIO = 20

/** Issue label of the targets. */
const WORST_CASE_ISSUE = 'Worst case (issue 9)'

/** Name of the ordinary case in every group. */
export const ORDINARY_CASE = 'ordinary Block'

/** Name of a crafted case in its group. */
export const craftedCaseName = (id: string): string => `crafted ${id}`

/**
 * This suite's own measurement settings: one op of a 1 MiB crafted JSON
 * takes ~0.1 s, and there are 40 groups, so the presets' 5 s per group would
 * take minutes. Smoke keeps the run's settings.
 */
const SUITE_SETTINGS: Readonly<Record<Exclude<BenchMode, 'smoke'>, Parameters<typeof createSettings>[0]>> = Object.freeze({
  full: { mode: 'full', warmupMs: 20, batchMs: 4, warmupRounds: 2, rounds: 15, maxGroupMs: 500, minRounds: 7, allocations: false },
  quick: { mode: 'quick', warmupMs: 0, batchMs: 2, warmupRounds: 1, rounds: 7, maxGroupMs: 120, minRounds: 5, allocations: false }
})

function suiteSettings (run: BenchSettings): BenchSettings {
  return run.mode === 'smoke' ? run : createSettings(SUITE_SETTINGS[run.mode])
}

/** Memory readings per case (median of this many `open()` calls). */
const MEMORY_REPS: Readonly<Record<BenchMode, number>> = Object.freeze({ full: 3, quick: 1, smoke: 1 })


/** The sender's compressors at their highest levels (gzip 9, zstd 19): the smallest wire message for a given payload. */
function maxRatioCompressors (): ReturnType<typeof createCompressorSet> {
  const zstd = createZstdNapi({ level: 19 }) ?? createZstdWasm({ level: 19 })
  return createCompressorSet({ gzip: createGzipZlib({ level: 9 }), zstd })
}

/** A serializer lookup that seals `crafted` as the payload of any Block, under the real serializer's id. */
function craftingLookup (real: Serializer<Block>, crafted: Uint8Array): { get: () => Serializer } {
  const s: Serializer<Block> = Object.freeze({
    id: real.id,
    name: real.name,
    type: BlockType,
    encode: () => crafted,
    decode: () => { throw new InvalidConfigError('crafting lookup', 'a sender only') }
  })
  return { get: () => s as Serializer }
}

/** One sealed case of a pair. */
interface Fixture {
  name: string
  /** Crafted input id, or null for the ordinary case. */
  crafted: CraftedPayload | null
  envelope: Uint8Array
  decompressedBytes: number
  /** `accepted`, or the rejection reason: a crafted payload is often refused, after the work was done. */
  outcome: string
}

const KIND_OUTCOME = (r: OpenResult): string => r.ok ? 'accepted' : `refused (${r.reason})`

/** Checks that `open()` of `envelope` gets as far as decoding: signature and digest hold, and the payload decompresses to its size. */
function checkReachesDecoder (receiver: Codec, envelope: Uint8Array, options: OpenOptions, decompressor: Compressor, size: number, what: string): void {
  const v = receiver.verify(envelope, options)
  if (!v.ok) throw new InvalidConfigError(what, `an envelope that verifies, got ${v.reason}: ${v.detail}`)
  const payload = parseEnvelope(envelope, DEFAULT_LIMITS).payload
  const out = decompressor.decompress(payload, size)
  if (out.length !== size) throw new InvalidConfigError(what, `a payload of ${size} bytes after decompression, got ${out.length}`)
}

type Gc = (options?: { type?: 'major' | 'minor' }) => void

/** Peak memory of one call, split as measured. */
interface PeakMemory {
  /** Peak growth of the V8 heap (bytes). */
  heap: number
  /** Growth of ArrayBuffer memory from Node's allocator, at the end of the call (bytes). */
  arrayBuffers: number
}

/**
 * Peak V8 heap and ArrayBuffer growth during one `fn()` above the level
 * before it (after a full GC when `gc` is there). JS heap use only grows
 * between collections, so its peak is either just before one of the GCs
 * inside the call (GCProfiler records the heap statistics there) or at the
 * end. ArrayBuffers are read at the end (`process.memoryUsage().arrayBuffers`;
 * V8's `external_memory` lags), where the result still holds its buffers.
 */
function peakMemoryOf (fn: () => unknown, gc: Gc | undefined): PeakMemory {
  gc?.({ type: 'major' })
  const heapBefore = getHeapStatistics().used_heap_size
  const buffersBefore = process.memoryUsage().arrayBuffers
  const profiler = new GCProfiler()
  profiler.start()
  const kept = fn()
  const heapAtEnd = getHeapStatistics().used_heap_size
  const stats = profiler.stop()
  const buffersAtEnd = process.memoryUsage().arrayBuffers
  let peak = heapAtEnd
  for (const s of stats.statistics) peak = Math.max(peak, s.beforeGC.heapStatistics.usedHeapSize)
  // `kept` (the open() result) was live at both end readings.
  if (kept === undefined) throw new InvalidConfigError('memory', 'an open() result')
  return { heap: Math.max(0, peak - heapBefore), arrayBuffers: Math.max(0, buffersAtEnd - buffersBefore) }
}

/** Results of one (serializer, compression, size). */
interface PairAtSize {
  serializer: WorstCaseSerializer
  compression: CompressionName
  size: number
  group: GroupResult
  ordinary: Fixture
  crafted: Array<{ fixture: Fixture, cpuRatio: number, memRatio: number, nsPerByte: number, nsPerWireByte: number, memPerByte: number }>
  ordinaryNsPerByte: number
  ordinaryNsPerWireByte: number
  ordinaryMemPerByte: number
}

function medianTimeMs (group: GroupResult, name: string): number {
  const c = group.cases.find(x => x.name === name)
  if (c === undefined) throw new InvalidConfigError(group.id, `a case named ${name}`)
  return 1000 / c.opsPerSec.median
}

function worstBy<T> (items: readonly T[], key: (x: T) => number): T {
  return items.reduce((best, x) => (key(x) > key(best) || !Number.isFinite(key(best))) ? x : best)
}

async function run (ctx: BenchContext): Promise<SuiteOutput> {
  const settings = suiteSettings(ctx.settings)
  const sizes = WORST_CASE_SIZES[ctx.settings.mode]
  const reps = MEMORY_REPS[ctx.settings.mode]
  const gc = (globalThis as { gc?: Gc }).gc
  const keys = await benchKeys(9)
  const options: OpenOptions = { channel: BENCH_CHANNEL, types: [BlockType.id] }
  const receiver = createCodec({ replay: false })
  const ordinarySender = createCodec({ privateKey: keys.libp2p })
  const maxCompressors = maxRatioCompressors()
  const results: PairAtSize[] = []

  for (const size of sizes) {
    for (const serializer of WORST_CASE_SERIALIZERS) {
      const real = defaultSerializerRegistry.get(BlockType.id, serializer) as Serializer<Block>
      const ordinaryPayloadOf = ordinaryPayload(real, size)
      const craftedPayloads = CRAFTED_PAYLOADS[serializer].map(p => ({ p, bytes: p.build(size) }))
      for (const compression of WORST_CASE_COMPRESSIONS) {
        const decompressor = defaultCompressors.get(compression)
        const id = `${serializer}-${compression}-${size}`
        const ordinaryEnvelope = ordinarySender.seal(BlockType, ordinaryPayloadOf.block, { channel: BENCH_CHANNEL, serializer, compression })
        checkReachesDecoder(receiver, ordinaryEnvelope, options, decompressor, ordinaryPayloadOf.bytes.length, `${id} ordinary`)
        const first = receiver.open(ordinaryEnvelope, options)
        if (!first.ok) throw new InvalidConfigError(`${id} ordinary`, `an accepted envelope, got ${first.reason}: ${first.detail}`)
        const fixtures: Fixture[] = [{ name: ORDINARY_CASE, crafted: null, envelope: ordinaryEnvelope, decompressedBytes: ordinaryPayloadOf.bytes.length, outcome: 'accepted' }]
        for (const { p, bytes } of craftedPayloads) {
          const sender = createCodec({ privateKey: keys.libp2p, serializers: craftingLookup(real, bytes), compressors: maxCompressors })
          const envelope = sender.seal(BlockType, ordinaryPayloadOf.block, { channel: BENCH_CHANNEL, serializer: real.id, compression })
          checkReachesDecoder(receiver, envelope, options, decompressor, size, `${id} ${p.id}`)
          fixtures.push({ name: craftedCaseName(p.id), crafted: p, envelope, decompressedBytes: size, outcome: KIND_OUTCOME(receiver.open(envelope, options)) })
        }

        const cases: CaseInit[] = fixtures.map(f => ({
          name: f.name,
          fn: freshSite('r.open(e, o)', { r: receiver, e: f.envelope, o: options }),
          bytes: f.decompressedBytes,
          ...(f.crafted === null ? {} : { reference: ORDINARY_CASE })
        }))
        const group = await measureGroup({ id, title: `${serializer} x ${compression}, ${sizeLabel(size, true)}`, bytes: size, cases }, settings)
        ctx.log(`  ${group.title}: ${group.cases.map(c => `${c.name} ${formatNumber(c.mbPerSec?.median ?? NaN)} MB/s`).join(' | ')}`)

        const memory = fixtures.map(f => {
          const readings: number[] = []
          for (let i = 0; i < reps; i++) {
            const m = peakMemoryOf(() => receiver.open(f.envelope, options), gc)
            // A decompressed payload is held in full (native backends allocate it outside Node's allocator, unseen).
            readings.push(m.heap + (compression === 'none' ? m.arrayBuffers : Math.max(m.arrayBuffers, f.decompressedBytes)))
          }
          // The receiver also holds the wire envelope while it opens it.
          return (summarize(readings).median + f.envelope.length) / f.decompressedBytes
        })
        const ordinaryMs = medianTimeMs(group, ORDINARY_CASE)
        const ordinary = fixtures[0] as Fixture
        const pair: PairAtSize = {
          serializer,
          compression,
          size,
          group,
          ordinary,
          crafted: [],
          ordinaryNsPerByte: ordinaryMs * 1e6 / ordinary.decompressedBytes,
          ordinaryNsPerWireByte: ordinaryMs * 1e6 / ordinary.envelope.length,
          ordinaryMemPerByte: memory[0] as number
        }
        fixtures.forEach((f, i) => {
          if (f.crafted === null) return
          const ms = medianTimeMs(group, f.name)
          // Paired ratio of rates ordinary / crafted = crafted time / ordinary time, per op; then per decompressed byte.
          const cpuRatio = ratioOf(group, ORDINARY_CASE, f.name) * ordinary.decompressedBytes / f.decompressedBytes
          pair.crafted.push({
            fixture: f,
            cpuRatio,
            memRatio: (memory[i] as number) / pair.ordinaryMemPerByte,
            nsPerByte: ms * 1e6 / f.decompressedBytes,
            nsPerWireByte: ms * 1e6 / f.envelope.length,
            memPerByte: memory[i] as number
          })
        })
        results.push(pair)
      }
    }
  }
  return report(results, sizes, reps)
}

function report (results: readonly PairAtSize[], sizes: readonly number[], reps: number): SuiteOutput {
  const x = (r: number): string => Number.isFinite(r) ? `${r.toFixed(2)}x` : 'n/a'
  const ns = (v: number): string => Number.isFinite(v) ? v < 10 ? v.toFixed(2) : v.toFixed(1) : 'n/a'
  const summaryRows: Array<Array<string | number>> = []
  const allRows: Array<Array<string | number>> = []
  const targets: Target[] = []
  for (const serializer of WORST_CASE_SERIALIZERS) {
    for (const compression of WORST_CASE_COMPRESSIONS) {
      const atSizes = results.filter(r => r.serializer === serializer && r.compression === compression)
      if (atSizes.length === 0) continue
      const cpuDetail: string[] = []
      const memDetail: string[] = []
      let cpuMax = -Infinity
      let memMax = -Infinity
      for (const r of atSizes) {
        const cpu = worstBy(r.crafted, c => c.cpuRatio)
        const mem = worstBy(r.crafted, c => c.memRatio)
        cpuMax = Math.max(cpuMax, Number.isFinite(cpu.cpuRatio) ? cpu.cpuRatio : NaN)
        memMax = Math.max(memMax, Number.isFinite(mem.memRatio) ? mem.memRatio : NaN)
        cpuDetail.push(`${sizeLabel(r.size, true)}: ${x(cpu.cpuRatio)} by ${cpu.fixture.crafted?.id ?? ''} (${ns(cpu.nsPerByte)} vs ${ns(r.ordinaryNsPerByte)} ns per decompressed byte)`)
        memDetail.push(`${sizeLabel(r.size, true)}: ${x(mem.memRatio)} by ${mem.fixture.crafted?.id ?? ''} (${mem.memPerByte.toFixed(2)} vs ${r.ordinaryMemPerByte.toFixed(2)} B per decompressed byte)`)
        summaryRows.push([
          serializer, compression, sizeLabel(r.size, true),
          cpu.fixture.crafted?.id ?? '', x(cpu.cpuRatio), ns(cpu.nsPerByte), ns(r.ordinaryNsPerByte),
          mem.fixture.crafted?.id ?? '', x(mem.memRatio), mem.memPerByte.toFixed(2), r.ordinaryMemPerByte.toFixed(2),
          `${cpu.fixture.envelope.length} / ${r.ordinary.envelope.length}`, ns(cpu.nsPerWireByte), ns(r.ordinaryNsPerWireByte)
        ])
        for (const c of r.crafted) {
          allRows.push([
            serializer, compression, sizeLabel(r.size, true), c.fixture.crafted?.id ?? '', c.fixture.outcome,
            x(c.cpuRatio), x(c.memRatio), c.fixture.envelope.length, `${(c.fixture.decompressedBytes / c.fixture.envelope.length).toFixed(0)}x`, ns(c.nsPerWireByte)
          ])
        }
      }
      const pair = `${serializer} x ${compression}`
      targets.push(target({
        id: `worst-case.${serializer}.${compression}.cpu`,
        issue: WORST_CASE_ISSUE,
        description: `${pair}: receiver CPU per decompressed byte of the most expensive crafted payload <= ${WORST_CASE_MAX_RATIO}x an ordinary Block's`,
        measured: cpuMax,
        op: '<=',
        threshold: WORST_CASE_MAX_RATIO,
        detail: `max over sizes of the worst crafted input (paired ratio of open() time): ${cpuDetail.join('; ')}`
      }))
      targets.push(target({
        id: `worst-case.${serializer}.${compression}.memory`,
        issue: WORST_CASE_ISSUE,
        description: `${pair}: receiver peak memory per decompressed byte of the most expensive crafted payload <= ${WORST_CASE_MAX_RATIO}x an ordinary Block's`,
        measured: memMax,
        op: '<=',
        threshold: WORST_CASE_MAX_RATIO,
        detail: `max over sizes of the worst crafted input (envelope + peak heap/external growth in open()): ${memDetail.join('; ')}`
      }))
    }
  }
  const tables: Table[] = [
    {
      title: 'Worst crafted payload per pair (ratios per decompressed byte, crafted / ordinary)',
      columns: ['serializer', 'compression', 'size', 'worst for CPU', 'CPU ratio', 'crafted ns/B', 'ordinary ns/B',
        'worst for memory', 'memory ratio', 'crafted mem B/B', 'ordinary mem B/B', 'wire bytes crafted / ordinary', 'crafted ns per wire B', 'ordinary ns per wire B'],
      rows: summaryRows
    },
    {
      title: 'Every crafted payload (ratios to the ordinary Block of the same pair and size)',
      columns: ['serializer', 'compression', 'size', 'crafted input', 'open() result', 'CPU ratio', 'memory ratio', 'wire bytes', 'expansion', 'ns per wire B'],
      rows: allRows
    },
    {
      title: 'Crafted inputs',
      columns: ['serializer', 'input', 'what it is'],
      rows: WORST_CASE_SERIALIZERS.flatMap(s => CRAFTED_PAYLOADS[s].map(p => [s, p.id, p.description]))
    }
  ]
  const notes = [
    `Sizes: ${sizes.map(n => sizeLabel(n, true)).join(', ')} decompressed. Ordinary = a Block with 32 B hash, 64 B signature and transaction-JSON data ` +
      'sized so its encoding is the same size (JSON: up to 3 bytes short, corrected per byte), sealed with the default compression levels; ' +
      'crafted = the same sender key, payload compressed at gzip level 9 / zstd level 19 / snappy.',
    'CPU: `codec.open()` of the same envelope every round (receiver with `replay: false`), ordinary and crafted cases interleaved in one group; ' +
      'ns/B = median time per op / decompressed bytes; "ns per wire B" = median time per op / envelope bytes received (the amplification an attacker gets per byte sent).',
    'Memory: (envelope bytes + peak V8 heap growth during one open(), from GCProfiler\'s pre-GC statistics and the final reading, after a full GC, ' +
      `+ ArrayBuffer growth at its end, at least the decompressed payload when compressed; median of ${reps} call(s)) / decompressed bytes. ` +
      'Native allocations outside V8 and Node\'s allocator (zlib/zstd state, snappy-napi output) are not counted beyond that floor.',
    'A crafted payload is usually refused ("open() result"): the receiver has done the decompression and decoding work by then, which is what is measured.'
  ]
  return { groups: results.map(r => r.group), tables, targets, notes }
}

/** The worst-case suite. */
export const worstCaseSuite: Suite = Object.freeze({
  id: 'worst-case',
  title: 'Worst case: crafted payloads vs ordinary Blocks',
  description: 'For every serializer (protobuf, msgpack, msgpack-structured, flatbuffers, json, capnp) x compression (none, snappy, gzip, zstd): ' +
    'the receiver\'s `codec.open()` CPU time and peak memory per decompressed byte for payloads crafted to be as expensive as the format allows ' +
    '(signed with the attacker\'s own key, compressed as far as the format goes), next to an ordinary Block of the same decompressed size, ' +
    'interleaved in one process. Target (issue 9): crafted / ordinary <= 20x per pair.',
  libraries: ['protobufjs', 'msgpackr', 'flatbuffers', 'snappy', 'zstd-napi'],
  run
})
