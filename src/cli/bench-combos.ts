/**
 * The measurement of `wireseal bench`: every serializer x compressor on the
 * user's messages, each checked to round-trip, timed with the benchmark
 * harness of src/bench/ (the one `npm run bench` uses: calibrated batches,
 * interleaved rounds in a shuffled order, medians), then ranked.
 *
 * Timing runs on a sample of at most {@link BENCH_SAMPLE_BYTES} per pass,
 * within a fixed time budget. Ranking: time per message = CPU
 * (encode+compress, then decompress+decode) + transfer of the compressed
 * bytes at the given bandwidth. Envelope overhead (header, signature) is the
 * same for every combination and is not counted.
 *
 * @module
 */
import { measureGroupSync, type CaseInit } from '../bench/measure.js'
import { createSettings, type BenchSettings } from '../bench/settings.js'
import { defaultCompressors, listBackends, type CompressionName, type Compressor } from '../compress/index.js'
import { DEFAULT_LIMITS } from '../limits.js'
import { defaultSerializerRegistry } from '../serialize/registry.js'
import type { Serializer } from '../serialize/types.js'
import { errorText, type BenchInput } from './bench-input.js'
import { CliUsageError } from './io.js'
import { bytesEqual } from '../bytes.js'

/** Timed passes run over a sample of the messages of at most this many serialized bytes. */
export const BENCH_SAMPLE_BYTES = 1 << 20

/**
 * Harness settings of the two modes: a few short rounds, all of them within
 * a fixed budget (never fewer than 3); no unrecorded rounds (calibration
 * warms every operation up) and no allocation estimates.
 */
const MODES: Readonly<Record<'quick' | 'full', BenchSettings>> = Object.freeze({
  quick: createSettings({ mode: 'quick', warmupMs: 25, batchMs: 3, warmupRounds: 0, rounds: 7, maxGroupMs: 3_000, minRounds: 3, allocations: false }),
  full: createSettings({ mode: 'full', warmupMs: 40, batchMs: 8, warmupRounds: 0, rounds: 11, maxGroupMs: 15_000, minRounds: 3, allocations: false })
})

/** One pass over the sample; returns a count so its work stays observable. */
type Op = () => number

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


/** Indices of a spread-out sample whose bytes stay under {@link BENCH_SAMPLE_BYTES} (at least one message). */
function sampleIndices (sizes: readonly number[]): number[] {
  const total = sizes.reduce((s, x) => s + x, 0)
  const stride = Math.max(1, Math.ceil(total / BENCH_SAMPLE_BYTES))
  const out: number[] = []
  for (let i = 0; i < sizes.length; i += stride) out.push(i)
  return out
}

interface Plan {
  /** The combination's name (see {@link comboName}). */
  name: string
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
  const serializers: Array<Serializer | null> = raw ? [null] : (input.serializers ?? defaultSerializerRegistry).list().filter(s => s.type.name === input.type)
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
        if (!bytesEqual(back, sampleBytes[0] as Uint8Array)) throw new CliUsageError('does not round-trip')
        if (s !== null && !bytesEqual(s.encode(s.decode(back)), back)) throw new CliUsageError('does not round-trip')
        const encode: Op = s === null
          ? () => { let n = 0; for (let i = 0; i < sampleBytes.length; i++) n += c.compress(sampleBytes[i] as Uint8Array).length; return n }
          : () => { let n = 0; for (let i = 0; i < sampleValues.length; i++) n += c.compress(s.encode(sampleValues[i])).length; return n }
        const decode: Op = s === null
          ? () => { let n = 0; for (let i = 0; i < frames.length; i++) n += c.decompress(frames[i] as Uint8Array, lengths[i] as number).length; return n }
          : () => { let n = 0; for (let i = 0; i < frames.length; i++) { s.decode(c.decompress(frames[i] as Uint8Array, lengths[i] as number)); n++ } return n }
        plans.push({ name, serializer: s, compressor: c, encode, decode, plainBytes, wireBytes: wire / encoded.length, sample: idx.length })
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
  // Every operation of every combination in one group: interleaved rounds, so drift hits them all alike.
  const cases: CaseInit[] = plans.flatMap(p => [{ name: `${p.name} encode`, fn: p.encode }, { name: `${p.name} decode`, fn: p.decode }])
  const rates = cases.length === 0
    ? []
    : measureGroupSync({ id: `wireseal-bench/${input.type}`, title: `${input.type} combinations`, cases }, MODES[quick ? 'quick' : 'full']).cases.map(c => c.opsPerSec.median)
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
