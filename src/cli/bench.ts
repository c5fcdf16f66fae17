/**
 * `wireseal bench --input <files or dir> [--type Block|PeerInfo|raw]`:
 * measures every serializer x compressor on the user's own messages, prints
 * a ranked table and recommends a combination with its trade-off.
 *
 * - bench-input.ts reads and checks the messages (formats, size limits);
 * - bench-combos.ts times each combination with the harness `npm run bench`
 *   uses (src/bench/) and ranks them: CPU per message plus transfer of the
 *   compressed bytes at `--bandwidth` Mbit/s (default
 *   {@link DEFAULT_BENCH_BANDWIDTH_MBIT});
 * - bench-report.ts renders the table and the recommendation.
 *
 * @module
 */
import { DEFAULT_BENCH_BANDWIDTH_MBIT } from '../limits.js'
import { defaultSerializerRegistry, type SerializerRegistry } from '../serialize/registry.js'
import { comboName, measureCombos, rankCombos, BENCH_SAMPLE_BYTES, type ComboFailure, type ComboResult } from './bench-combos.js'
import { BENCH_MAX_FILES, BENCH_MAX_INPUT_BYTES, BENCH_MAX_MESSAGES, loadBenchInput, type BenchInput } from './bench-input.js'
import { recommend, renderBenchReport, type BenchReport } from './bench-report.js'
import { CliUsageError } from './io.js'

export { BENCH_MAX_FILES, BENCH_MAX_INPUT_BYTES, BENCH_MAX_MESSAGES, BENCH_SAMPLE_BYTES, comboName, loadBenchInput, measureCombos, rankCombos, recommend, renderBenchReport }
export type { BenchInput, BenchReport, ComboFailure, ComboResult }
export { DEFAULT_BENCH_BANDWIDTH_MBIT }

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
