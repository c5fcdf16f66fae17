/**
 * The report of `wireseal bench`: the ranked table and the recommendation
 * paragraph (the best combination and its trade-off).
 *
 * @module
 */
import { formatNumber } from '../format.js'
import { renderTable } from '../bench/table.js'
import { DEFAULT_COMPRESSION_MIN_BYTES } from '../limits.js'
import { comboName, type ComboFailure, type ComboResult } from './bench-combos.js'

/** Figures of the table and the recommendation: 3 significant digits, k/M/G from 10^4 on. */
function compact (x: number): string {
  return formatNumber(x, { suffixFrom: 1e4, trim: true })
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
    renderTable(['#', 'combination', 'wire B/msg', 'vs smallest', 'encode+compress msg/s', 'decompress+decode msg/s', 'CPU µs/msg', 'total µs/msg', 'front'],
      rows, 'text', new Set([0, 2, 3, 4, 5, 6, 7])),
    '',
    'front: * = no other combination is both smaller on the wire and cheaper in CPU. Envelope overhead is not counted.'
  ]
  for (const f of r.failures) out.push(`not measured: ${f.combination}: ${f.reason}`)
  out.push('', r.recommendation, '')
  return out.join('\n')
}
