/**
 * `wireseal bench --input <files or dir> [--type Block|PeerInfo|raw]`:
 * measures every serializer x compressor on the user's own messages, prints
 * a ranked table and recommends a combination with its trade-off.
 *
 * Inputs: JSON values in the json serializer's format (bytes as base64,
 * uint64 as decimal strings), one value per file, a JSON array of values, or
 * NDJSON (one value per line); or, with `--type raw`, raw bytes (one message
 * per file, compressors only). Without `--type` the first registered message
 * type that accepts the values is used.
 *
 * Bounded: every file is size-checked before it is read (a raw message at
 * most the payload limit, a JSON file at most twice that), all inputs
 * together at most {@link BENCH_MAX_INPUT_BYTES}, at most
 * {@link BENCH_MAX_MESSAGES} messages; timing runs on a sample of at most
 * {@link BENCH_SAMPLE_BYTES} per pass, within a fixed time budget.
 *
 * Ranking: time per message = CPU (encode+compress, then decompress+decode)
 * + transfer of the compressed bytes at `--bandwidth` Mbit/s (default
 * {@link DEFAULT_BENCH_BANDWIDTH_MBIT}). Envelope overhead (header,
 * signature) is the same for every combination and is not counted.
 *
 * @module
 */
import { readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { defaultCompressors, listBackends, type CompressionName, type Compressor } from '../compress/index.js'
import { WiresealError } from '../errors.js'
import { DEFAULT_COMPRESSION_MIN_BYTES, DEFAULT_LIMITS } from '../limits.js'
import { defaultSerializerRegistry, type SerializerRegistry } from '../serialize/registry.js'
import { SerializerId, type MessageType, type Serializer } from '../serialize/types.js'
import { CliUsageError, readFileInput } from './io.js'

/** Largest total size of all input files of one run: twice the payload limit (one maximal JSON value). */
export const BENCH_MAX_INPUT_BYTES = 2 * DEFAULT_LIMITS.maxPayloadBytes
/** Most messages in one run. */
export const BENCH_MAX_MESSAGES = 100_000
/** Most files in one run (a directory with more is refused). */
export const BENCH_MAX_FILES = 10_000
/** Timed passes run over a sample of the messages of at most this many serialized bytes. */
export const BENCH_SAMPLE_BYTES = 1 << 20
/** Link speed assumed when ranking (Mbit/s): 100 Mbit/s per peer. */
export const DEFAULT_BENCH_BANDWIDTH_MBIT = 100

/** How long to measure. */
interface Timing {
  /** Least warm-up time per operation (ms). */
  warmupMs: number
  /** Target duration of one timed batch (ms). */
  batchMs: number
  /** Most timed rounds (every operation runs one batch per round, interleaved). */
  rounds: number
  /** Time budget of all timed rounds (ms); never fewer than 3 rounds. */
  budgetMs: number
}

const QUICK: Timing = Object.freeze({ warmupMs: 25, batchMs: 3, rounds: 7, budgetMs: 3_000 })
const FULL: Timing = Object.freeze({ warmupMs: 40, batchMs: 8, rounds: 11, budgetMs: 15_000 })

const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: true })
const registry = defaultSerializerRegistry

// ---------------------------------------------------------------------------
// Inputs

/** The user's messages, ready to measure. */
export interface BenchInput {
  /** Message type name, or `raw`. */
  type: string
  /** How the type was chosen. */
  detected: boolean
  /** Message count. */
  count: number
  /** Bytes read from the input files. */
  inputBytes: number
  /** Typed values (empty for raw). */
  values: unknown[]
  /** Raw messages (empty for typed input). */
  raw: Uint8Array[]
  /** Where the type's serializers come from (`--schema` types included). @default defaultSerializerRegistry */
  serializers?: SerializerRegistry
}

/** Regular, non-hidden files named by `paths` (directories: their files, not recursively, sorted). */
function collectFiles (paths: readonly string[]): string[] {
  const files: string[] = []
  for (const p of paths) {
    let isDir: boolean
    try {
      isDir = statSync(p).isDirectory()
    } catch (err) {
      throw new CliUsageError(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    if (!isDir) {
      files.push(p)
      continue
    }
    const names = readdirSync(p).filter(n => !n.startsWith('.')).sort()
    const inDir = names.map(n => join(p, n)).filter(f => statSync(f).isFile())
    if (inDir.length === 0) throw new CliUsageError(`no input files in ${p}`)
    files.push(...inDir)
    if (files.length > BENCH_MAX_FILES) break
  }
  if (files.length > BENCH_MAX_FILES) throw new CliUsageError(`more than ${BENCH_MAX_FILES} input files`)
  return files
}

function errorText (err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 160)
}

const BAD_JSON_HINT = 'values are JSON in the json serializer\'s format: bytes as base64, uint64 as decimal strings; pass --type raw for raw bytes'

/** The JSON values of one file: one value, an array of values, or NDJSON. */
function parseJsonValues (file: string, bytes: Uint8Array): unknown[] {
  let text: string
  try {
    text = textDecoder.decode(bytes)
  } catch {
    throw new CliUsageError(`bad JSON in ${file}: not UTF-8 text`, BAD_JSON_HINT)
  }
  const lines = text.split('\n')
  const ndjson = /\.(ndjson|jsonl)$/i.test(file)
  if (!ndjson) {
    try {
      const v: unknown = JSON.parse(text)
      return Array.isArray(v) ? v : [v]
    } catch (err) {
      // Several JSON values, one per line, are NDJSON whatever the file is called.
      if (lines.filter(l => l.trim() !== '').length < 2) throw new CliUsageError(`bad JSON in ${file}: ${errorText(err)}`, BAD_JSON_HINT)
    }
  }
  const values: unknown[] = []
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    try {
      values.push(JSON.parse(line))
    } catch (err) {
      throw new CliUsageError(`bad JSON in ${file} line ${i + 1}: ${errorText(err)}`, BAD_JSON_HINT)
    }
  })
  return values
}

function jsonSerializer (type: MessageType, serializers: SerializerRegistry): Serializer {
  return serializers.get(type.id, SerializerId.json)
}

/** A typed value from a plain JSON value, through the json serializer (the same checks as `wireseal seal`). */
function typedValue (type: MessageType, value: unknown, serializers: SerializerRegistry): unknown {
  return jsonSerializer(type, serializers).decode(textEncoder.encode(JSON.stringify(value)))
}

/** Reads and checks every input: sizes, JSON, message type. Throws {@link CliUsageError} (exit 2) on any problem. */
export function loadBenchInput (paths: readonly string[], typeName: string | undefined, registry: SerializerRegistry = defaultSerializerRegistry): BenchInput {
  if (paths.length === 0) throw new CliUsageError('missing --input FILE|DIR')
  const files = collectFiles(paths)
  const raw = typeName?.toLowerCase() === 'raw'
  let type: MessageType | undefined
  if (typeName !== undefined && !raw) {
    try {
      type = registry.getType(typeName)
    } catch {
      throw new CliUsageError(`unknown --type "${typeName}": use ${[...registry.types().map(t => t.name), 'raw'].join(', ')}`)
    }
  }
  let total = 0
  for (const f of files) total += statSync(f).size
  if (total > BENCH_MAX_INPUT_BYTES) {
    throw new CliUsageError(`the inputs total ${total} bytes, more than the ${BENCH_MAX_INPUT_BYTES}-byte limit of wireseal bench (twice the payload limit)`)
  }
  const perFile = raw ? DEFAULT_LIMITS.maxPayloadBytes : 2 * DEFAULT_LIMITS.maxPayloadBytes
  const input: BenchInput = { type: raw ? 'raw' : type?.name ?? '', detected: false, count: 0, inputBytes: 0, values: [], raw: [], serializers: registry }
  const sources: string[] = []
  const plain: unknown[] = []
  for (const f of files) {
    const bytes = readFileInput(f, perFile)
    input.inputBytes += bytes.length
    if (raw) {
      input.raw.push(bytes)
    } else {
      const values = parseJsonValues(f, bytes)
      if (values.length === 0) throw new CliUsageError(`${f} holds no values`, BAD_JSON_HINT)
      values.forEach((v, i) => {
        plain.push(v)
        sources.push(values.length === 1 ? basename(f) : `${basename(f)} value #${i + 1}`)
      })
    }
    if (input.raw.length + plain.length > BENCH_MAX_MESSAGES) throw new CliUsageError(`more than ${BENCH_MAX_MESSAGES} messages`)
  }
  if (raw) {
    input.count = input.raw.length
    return input
  }
  if (type === undefined) {
    type = registry.types().find(t => {
      try {
        typedValue(t, plain[0], registry)
        return true
      } catch {
        return false
      }
    })
    if (type === undefined) {
      throw new CliUsageError(`cannot tell the message type of ${sources[0] ?? 'the input'}: no registered type accepts it`, `pass --type ${[...registry.types().map(t => t.name), 'raw'].join('|')}`)
    }
    input.type = type.name
    input.detected = true
  }
  const t = type
  input.values = plain.map((v, i) => {
    try {
      return typedValue(t, v, registry)
    } catch (err) {
      if (err instanceof WiresealError) throw new CliUsageError(`${sources[i] ?? 'a value'} is not a valid ${t.name}: ${errorText(err)}`, BAD_JSON_HINT)
      throw err
    }
  })
  input.count = input.values.length
  return input
}

// ---------------------------------------------------------------------------
// Measurement

type Op = () => number
type Loop = (op: Op, n: number) => number

/**
 * Runs `op` `n` times. Plain closures, no code generation: a shared loop sees
 * every combination (megamorphic), which costs each one a few percent alike,
 * so the ranking holds; `npm run bench` isolates call sites where exact
 * ratios matter.
 */
function makeLoop (): Loop {
  return (op, n) => {
    let r = 0
    for (let i = 0; i < n; i++) r += op()
    return r
  }
}

function medianOf (xs: number[]): number {
  const s = Float64Array.from(xs).sort()
  const m = s.length >> 1
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2
}

/** Cap on ops per timed batch (an op is one pass over the sample): bounds calibration of trivially fast ops. */
const MAX_OPS_PER_BATCH = 1 << 20

/** Timed results land here (a module variable), so no engine can prove them dead. */
let _sink = 0

/**
 * Ops per second of each operation: warmed up and calibrated to `batchMs`
 * batches, then timed in interleaved rounds (rotating the start) so drift on
 * a shared machine hits every operation alike; the median over rounds.
 */
function timeOps (ops: readonly Op[], timing: Timing): number[] {
  const loops = ops.map(() => makeLoop())
  const batch = ops.map((op, i) => {
    const loop = loops[i] as Loop
    let n = 1
    let spent = 0
    while (true) {
      const t0 = performance.now()
      _sink += loop(op, n)
      const t = performance.now() - t0
      spent += t
      const longEnough = t >= timing.batchMs / 2 || n >= MAX_OPS_PER_BATCH
      if (longEnough && spent >= timing.warmupMs) return { n: Math.min(MAX_OPS_PER_BATCH, Math.max(1, Math.round(n * timing.batchMs / Math.max(t, 1e-3)))), t: t / n }
      if (!longEnough) n = Math.min(MAX_OPS_PER_BATCH, n * 2)
    }
  })
  const roundMs = batch.reduce((s, b) => s + b.n * b.t, 0)
  const rounds = Math.max(3, Math.min(timing.rounds, Math.floor(timing.budgetMs / Math.max(roundMs, 1e-3))))
  const samples: number[][] = ops.map(() => [])
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < ops.length; k++) {
      const i = (k + r) % ops.length
      const { n } = batch[i] as { n: number }
      const t0 = performance.now()
      _sink += (loops[i] as Loop)(ops[i] as Op, n)
      const t = performance.now() - t0
      ;(samples[i] as number[]).push(n / Math.max(t, 1e-6) * 1000)
    }
  }
  return samples.map(medianOf)
}

/** Measurements of one serializer x compressor. */
export interface ComboResult {
  /** Serializer name, or null for raw input. */
  serializer: string | null
  compression: CompressionName
  /** Compressor backend, e.g. `zstd-napi`. */
  backend: string
  /** Mean serialized bytes per message, before compression. */
  plainBytes: number
  /** Mean bytes per message on the wire, after compression (envelope overhead not counted). */
  wireBytes: number
  /** Messages per second through encode + compress. */
  encodePerSec: number
  /** Messages per second through decompress + decode. */
  decodePerSec: number
  /** CPU time per message, both ways (µs). */
  cpuMicros: number
  /** {@link cpuMicros} plus the wire bytes' transfer time at the ranking bandwidth (µs); the ranking key. */
  totalMicros: number
  /** No other combination is both smaller on the wire and cheaper in CPU. */
  pareto: boolean
}

/** A combination that could not be measured, and why. */
export interface ComboFailure {
  combination: string
  reason: string
}

/** Name of a combination, e.g. `protobuf + zstd` or `zstd (zstd-napi)` for raw input. */
export function comboName (c: Pick<ComboResult, 'serializer' | 'compression' | 'backend'>): string {
  if (c.serializer === null) return c.compression === 'none' ? 'none' : `${c.compression} (${c.backend})`
  return `${c.serializer} + ${c.compression}`
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

/** Indices of a spread-out sample whose bytes stay under {@link BENCH_SAMPLE_BYTES} (at least one message). */
function sampleIndices (sizes: readonly number[]): number[] {
  const total = sizes.reduce((s, x) => s + x, 0)
  const stride = Math.max(1, Math.ceil(total / BENCH_SAMPLE_BYTES))
  const out: number[] = []
  for (let i = 0; i < sizes.length; i += stride) out.push(i)
  return out
}

interface Plan {
  serializer: Serializer | null
  compressor: Compressor
  encode: Op
  decode: Op
  plainBytes: number
  wireBytes: number
  sample: number
}

/** Builds the two timed operations of every combination (checking each round-trips); failures are reported, not thrown. */
function plan (input: BenchInput, failures: ComboFailure[]): Plan[] {
  const plans: Plan[] = []
  const raw = input.type === 'raw'
  const compressors: Compressor[] = raw
    ? listBackends().flatMap(b => b.compressor === undefined ? [] : [b.compressor])
    : (['none', 'snappy', 'gzip', 'zstd'] as const).map(n => defaultCompressors.get(n))
  const serializers: Array<Serializer | null> = raw ? [null] : (input.serializers ?? registry).list().filter(s => s.type.name === input.type)
  let fitsSomewhere = new Array<boolean>(input.count).fill(false)
  for (const s of serializers) {
    let encoded: Uint8Array[]
    try {
      encoded = s === null ? input.raw : input.values.map(v => s.encode(v))
    } catch (err) {
      failures.push({ combination: `${s?.name ?? 'raw'} + *`, reason: errorText(err) })
      continue
    }
    const over = encoded.findIndex(b => b.length > DEFAULT_LIMITS.maxPayloadBytes)
    fitsSomewhere = fitsSomewhere.map((ok, i) => ok || (encoded[i] as Uint8Array).length <= DEFAULT_LIMITS.maxPayloadBytes)
    if (over >= 0) {
      failures.push({ combination: `${s?.name ?? 'raw'} + *`, reason: `message #${over + 1} is ${(encoded[over] as Uint8Array).length} bytes, over the ${DEFAULT_LIMITS.maxPayloadBytes}-byte payload limit` })
      continue
    }
    const idx = sampleIndices(encoded.map(b => b.length))
    const sampleValues = s === null ? [] : idx.map(i => input.values[i])
    const sampleBytes = idx.map(i => encoded[i] as Uint8Array)
    const plainBytes = encoded.reduce((n, b) => n + b.length, 0) / encoded.length
    for (const c of compressors) {
      const name = comboName({ serializer: s?.name ?? null, compression: c.name, backend: c.backend })
      try {
        let wire = 0
        for (const b of encoded) wire += c.compress(b).length
        const frames = sampleBytes.map(b => c.compress(b))
        const lengths = sampleBytes.map(b => b.length)
        // The combination must round-trip, or its figures mean nothing.
        const back = c.decompress(frames[0] as Uint8Array, lengths[0] as number)
        if (!equalBytes(back, sampleBytes[0] as Uint8Array)) throw new CliUsageError('does not round-trip')
        if (s !== null && !equalBytes(s.encode(s.decode(back)), back)) throw new CliUsageError('does not round-trip')
        const encode: Op = s === null
          ? () => { let n = 0; for (let i = 0; i < sampleBytes.length; i++) n += c.compress(sampleBytes[i] as Uint8Array).length; return n }
          : () => { let n = 0; for (let i = 0; i < sampleValues.length; i++) n += c.compress(s.encode(sampleValues[i])).length; return n }
        const decode: Op = s === null
          ? () => { let n = 0; for (let i = 0; i < frames.length; i++) n += c.decompress(frames[i] as Uint8Array, lengths[i] as number).length; return n }
          : () => { let n = 0; for (let i = 0; i < frames.length; i++) { s.decode(c.decompress(frames[i] as Uint8Array, lengths[i] as number)); n++ } return n }
        plans.push({ serializer: s, compressor: c, encode, decode, plainBytes, wireBytes: wire / encoded.length, sample: idx.length })
      } catch (err) {
        failures.push({ combination: name, reason: errorText(err) })
      }
    }
  }
  const none = fitsSomewhere.findIndex(ok => !ok)
  if (plans.length === 0 && none >= 0) {
    throw new CliUsageError(`message #${none + 1} is over the ${DEFAULT_LIMITS.maxPayloadBytes}-byte payload limit in every format`)
  }
  return plans
}

/** Marks the Pareto front and computes the ranking key, then sorts best first. */
export function rankCombos (results: readonly ComboResult[], bandwidthMbit: number): ComboResult[] {
  const bytesPerMicro = bandwidthMbit / 8
  const ranked = results.map(r => ({ ...r, totalMicros: r.cpuMicros + r.wireBytes / bytesPerMicro, pareto: true }))
  for (const r of ranked) {
    r.pareto = !ranked.some(o => o !== r && o.wireBytes <= r.wireBytes && o.cpuMicros <= r.cpuMicros && (o.wireBytes < r.wireBytes || o.cpuMicros < r.cpuMicros))
  }
  return ranked.sort((a, b) => a.totalMicros - b.totalMicros || a.wireBytes - b.wireBytes)
}

/**
 * Measures every combination on `input`; `log` hears one progress line once
 * the inputs passed every check, just before the timing starts.
 */
export function measureCombos (input: BenchInput, quick: boolean, bandwidthMbit: number, log: (line: string) => void = () => {}): { results: ComboResult[], failures: ComboFailure[] } {
  const failures: ComboFailure[] = []
  const plans = plan(input, failures)
  log(`wireseal bench: timing ${plans.length} combinations on ${input.count} ${input.type} message(s) (${quick ? 'quick' : 'full'} mode)...`)
  const rates = timeOps(plans.flatMap(p => [p.encode, p.decode]), quick ? QUICK : FULL)
  const results = plans.map((p, i): ComboResult => {
    const encodePerSec = (rates[2 * i] as number) * p.sample
    const decodePerSec = (rates[2 * i + 1] as number) * p.sample
    return {
      serializer: p.serializer?.name ?? null,
      compression: p.compressor.name,
      backend: p.compressor.backend,
      plainBytes: p.plainBytes,
      wireBytes: p.wireBytes,
      encodePerSec,
      decodePerSec,
      cpuMicros: 1e6 / encodePerSec + 1e6 / decodePerSec,
      totalMicros: 0,
      pareto: false
    }
  })
  return { results: rankCombos(results, bandwidthMbit), failures }
}

// ---------------------------------------------------------------------------
// Report

function compact (x: number): string {
  if (!Number.isFinite(x)) return 'n/a'
  const r = Number(x.toPrecision(3))
  const a = Math.abs(r)
  if (a >= 1e9) return `${Number((r / 1e9).toPrecision(3))}G`
  if (a >= 1e6) return `${Number((r / 1e6).toPrecision(3))}M`
  if (a >= 1e4) return `${Number((r / 1e3).toPrecision(3))}k`
  if (a >= 100) return r.toFixed(0)
  return String(r)
}

function micros (x: number): string {
  if (!Number.isFinite(x)) return 'n/a'
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 0.01 ? x.toFixed(2) : '<0.01'
}

function times (x: number): string {
  return `${x >= 10 ? x.toFixed(0) : x.toFixed(1)}x`
}

function percent (x: number): string {
  return `${Math.round(x * 100)}%`
}

/**
 * The recommendation paragraph: the best-ranked combination, its trade-off
 * against the fastest and the smallest ones, and the link speed at which
 * the choice flips.
 */
export function recommend (ranked: readonly ComboResult[], bandwidthMbit: number): string {
  const best = ranked[0]
  if (best === undefined) return 'No combination could be measured on these messages.'
  const fastest = ranked.reduce((a, b) => b.cpuMicros < a.cpuMicros ? b : a)
  const smallest = ranked.reduce((a, b) => b.wireBytes < a.wireBytes || (b.wireBytes === a.wireBytes && b.cpuMicros < a.cpuMicros) ? b : a)
  const name = comboName
  // Link speed (Mbit/s) at which spending `cpu` more µs to send `bytes` fewer bytes breaks even.
  const breakEven = (bytes: number, cpu: number): string => `${compact(bytes * 8 / cpu)} Mbit/s`
  const parts = [
    `Recommended at ${bandwidthMbit} Mbit/s: ${name(best)}, ${Math.round(best.wireBytes)} B per message on the wire and ` +
      `${micros(best.cpuMicros)} µs of CPU per message (encode+compress ${compact(best.encodePerSec)}/s, decompress+decode ${compact(best.decodePerSec)}/s).`
  ]
  if (best === fastest && best === smallest) {
    parts.push('It is both the smallest and the fastest combination on these messages.')
  } else if (best !== fastest) {
    const smaller = 1 - best.wireBytes / fastest.wireBytes
    const dec = fastest.decodePerSec / best.decodePerSec
    parts.push(`It is ${percent(smaller)} smaller than ${name(fastest)}, the fastest, and ${dec >= 1 ? `${times(dec)} slower` : `${times(1 / dec)} faster`} to decode ` +
      `(${times(best.cpuMicros / fastest.cpuMicros)} the CPU per message): pick it if bandwidth matters more than CPU. ` +
      `Above ~${breakEven(fastest.wireBytes - best.wireBytes, best.cpuMicros - fastest.cpuMicros)} per link, ` +
      `${name(fastest)} wins: pick it if CPU matters more (fast local links, CPU-bound nodes).`)
    if (smallest !== best) {
      parts.push(`${name(smallest)} is another ${percent(1 - smallest.wireBytes / best.wireBytes)} smaller, at ${times(smallest.cpuMicros / best.cpuMicros)} the CPU per message.`)
    }
  } else {
    parts.push(`It is also the fastest. ${name(smallest)} is ${percent(1 - smallest.wireBytes / best.wireBytes)} smaller but needs ` +
      `${times(smallest.cpuMicros / best.cpuMicros)} the CPU per message: pick it if bandwidth is scarce (below ~${breakEven(best.wireBytes - smallest.wireBytes, smallest.cpuMicros - best.cpuMicros)} per link).`)
  }
  if (best.compression !== 'none' && best.plainBytes < DEFAULT_COMPRESSION_MIN_BYTES) {
    parts.push(`Note: with --compression auto, wireseal leaves payloads under ${DEFAULT_COMPRESSION_MIN_BYTES} B uncompressed; choose ${best.compression} explicitly to get these sizes.`)
  }
  if (best.serializer === 'msgpackStructured') parts.push('msgpackStructured needs both ends to declare the same structure version.')
  if (best.serializer === 'json') parts.push('json is meant for debugging and interop; expect it to lose to a binary format on larger messages.')
  return parts.join(' ')
}

function alignTable (columns: readonly string[], rows: ReadonlyArray<readonly string[]>, right: ReadonlySet<number>): string {
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => right.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)).join('  ').trimEnd()
  return [line(columns), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** Everything `wireseal bench` found; printed as a table, or as JSON with `--json`. */
export interface BenchReport {
  type: string
  detected: boolean
  messages: number
  inputBytes: number
  mode: 'quick' | 'full'
  bandwidthMbit: number
  /** Best first. */
  ranked: ComboResult[]
  failures: ComboFailure[]
  recommendation: string
}

/** The terminal rendering of a {@link BenchReport}. */
export function renderBenchReport (r: BenchReport): string {
  const smallest = Math.min(...r.ranked.map(x => x.wireBytes))
  const rows = r.ranked.map((x, i) => [
    String(i + 1),
    comboName(x),
    String(Math.round(x.wireBytes)),
    smallest > 0 ? (x.wireBytes / smallest < 10 ? `+${percent(x.wireBytes / smallest - 1)}` : `${compact(x.wireBytes / smallest)}x`) : '',
    compact(x.encodePerSec),
    compact(x.decodePerSec),
    micros(x.cpuMicros),
    micros(x.totalMicros),
    x.pareto ? '*' : ''
  ])
  const what = r.type === 'raw' ? 'raw messages' : `${r.type} messages${r.detected ? ' (type detected from the values)' : ''}`
  const out = [
    `wireseal bench: ${r.messages} ${what}, ${r.inputBytes} input bytes, ${r.mode} mode`,
    `ranked by time per message = CPU (encode+compress + decompress+decode) + transfer at ${r.bandwidthMbit} Mbit/s (--bandwidth)`,
    '',
    alignTable(['#', 'combination', 'wire B/msg', 'vs smallest', 'encode+compress msg/s', 'decompress+decode msg/s', 'CPU µs/msg', 'total µs/msg', 'front'],
      rows, new Set([0, 2, 3, 4, 5, 6, 7])),
    '',
    'front: * = no other combination is both smaller on the wire and cheaper in CPU. Envelope overhead is not counted.'
  ]
  for (const f of r.failures) out.push(`not measured: ${f.combination}: ${f.reason}`)
  out.push('', r.recommendation, '')
  return out.join('\n')
}

/** `wireseal bench`. */
export function runBench (v: Record<string, unknown>, serializers: SerializerRegistry = defaultSerializerRegistry): number {
  const inputs = ([] as unknown[]).concat(v.input ?? []).map(String)
  const bandwidth = v.bandwidth === undefined ? DEFAULT_BENCH_BANDWIDTH_MBIT : Number(v.bandwidth)
  if (!(Number.isFinite(bandwidth) && bandwidth > 0)) throw new CliUsageError(`--bandwidth must be a positive number of Mbit/s, got "${String(v.bandwidth)}"`)
  const input = loadBenchInput(inputs, v.type as string | undefined, serializers)
  const quick = v.quick === true
  const { results, failures } = measureCombos(input, quick, bandwidth, line => process.stderr.write(`${line}\n`))
  const report: BenchReport = {
    type: input.type,
    detected: input.detected,
    messages: input.count,
    inputBytes: input.inputBytes,
    mode: quick ? 'quick' : 'full',
    bandwidthMbit: bandwidth,
    ranked: results,
    failures,
    recommendation: recommend(results, bandwidth)
  }
  process.stdout.write(v.json === true ? `${JSON.stringify(report, null, 2)}\n` : renderBenchReport(report))
  return results.length === 0 ? 1 : 0
}
