/**
 * Compressor benchmark: every format x backend through wireseal, side by side
 * with the same library called directly, on JSON-like transaction data and on
 * random bytes, at 512 B, 4 KB, 64 KB and 1 MB. Reports ratio, compress MB/s
 * and decompress MB/s (both on the uncompressed size), and checks:
 *
 * - gzip through wireseal >= 0.9x `node:zlib` called directly;
 * - snappy and zstd through wireseal (default backend) >= 0.9x the fastest
 *   installed library called directly;
 * - the policy never expands incompressible input.
 *
 * @module
 */
import { createCompressionPolicy, DEFAULT_GZIP_LEVEL, DEFAULT_ZSTD_LEVEL, defaultCompressors, listBackends, type CompressionName, type Compressor } from '../src/compress/index.js'
import { InvalidConfigError } from '../src/errors.js'
import { sizeLabel } from '../src/format.js'
import { createPrng } from '../src/bench/prng.js'
import { directCodecs } from './direct-codecs.js'
import { randomBytes, transactionJson } from './fixtures.js'
import { freshSite, ratioOf, target, type BenchContext, type CaseInit, type GroupResult, type Suite, type SuiteOutput, type Table, type Target } from './harness.js'
import { bytesEqual } from '../src/bytes.js'

/** Input sizes measured. */
export const COMPRESSOR_SIZES: readonly number[] = Object.freeze([512, 4096, 65_536, 1_048_576])

/** Kinds of input: realistic semi-compressible JSON, and incompressible random bytes. */
export const DATA_KINDS = Object.freeze(['json', 'random'] as const)
type DataKind = typeof DATA_KINDS[number]

/** Formats measured (none is measured only through the policy). */
const FORMATS: readonly Exclude<CompressionName, 'none'>[] = ['snappy', 'gzip', 'zstd']

/** The wireseal compressors of a format that loaded here, fastest first. */
function wiresealBackends (format: CompressionName): Compressor[] {
  return listBackends(format).flatMap(b => b.compressor === undefined ? [] : [b.compressor])
}

/** Input of a given kind and size; the same bytes on every run. */
export function compressorInput (kind: DataKind, size: number): Uint8Array {
  return kind === 'json' ? transactionJson(size, 11) : randomBytes(createPrng(12), size)
}

const wsName = (backend: string): string => `wireseal ${backend}`
const directName = (backend: string): string => `${backend} direct`

interface Measured {
  kind: DataKind
  size: number
  format: Exclude<CompressionName, 'none'>
  compress: GroupResult
  decompress: GroupResult
}

/** A target per size: the paired ratio on JSON data (realistic), with the random-data ratio as detail. */
function ratioTargets (measured: readonly Measured[], format: string, op: 'compress' | 'decompress', pickPair: (g: GroupResult) => [string, string], describe: (size: string) => string): Target[] {
  return COMPRESSOR_SIZES.map(size => {
    const at = (kind: DataKind): { r: number, pair: string } => {
      const m = measured.find(x => x.format === format && x.size === size && x.kind === kind)
      if (m === undefined) return { r: NaN, pair: 'not measured' }
      const [a, b] = pickPair(m[op])
      return { r: ratioOf(m[op], a, b), pair: `${a} vs ${b}` }
    }
    const json = at('json')
    const random = at('random')
    return target({
      id: `compressors.${format}.${op}.${size}`,
      issue: 'Foundation',
      description: describe(sizeLabel(size)),
      measured: json.r,
      op: '>=',
      threshold: 0.9,
      detail: `${json.pair} on transaction JSON; on random data ${random.r.toFixed(2)} (${random.pair})`
    })
  })
}

/** Pair: wireseal's default backend against the fastest library called directly in this group. */
function defaultVsFastestDirect (format: CompressionName): (g: GroupResult) => [string, string] {
  const chosen = wsName(defaultCompressors.get(format).backend)
  return g => {
    const direct = g.cases.filter(c => c.baseline)
    const fastest = direct.reduce((best, c) => c.opsPerSec.median > best.opsPerSec.median ? c : best)
    return [chosen, fastest.name]
  }
}

async function run (ctx: BenchContext): Promise<SuiteOutput> {
  const direct = await directCodecs()
  const inputs = new Map<string, Uint8Array>()
  const inputOf = (kind: DataKind, size: number): Uint8Array => {
    const key = `${kind}-${size}`
    let input = inputs.get(key)
    if (input === undefined) inputs.set(key, input = compressorInput(kind, size))
    return input
  }
  const groups: GroupResult[] = []
  const measured: Measured[] = []
  const ratioRows: Array<Array<string | number>> = []
  const backendColumns = FORMATS.flatMap(f => wiresealBackends(f).map(c => `${f}/${c.backend}`))

  for (const kind of DATA_KINDS) {
    for (const size of COMPRESSOR_SIZES) {
      const input = inputOf(kind, size)
      const row: Array<string | number> = [kind, sizeLabel(size)]
      for (const format of FORMATS) {
        const ws = wiresealBackends(format)
        const libs = direct[format]
        // Every wireseal backend must round-trip, and read its direct library's output (same format).
        const compressed = new Map<string, Uint8Array>()
        for (const c of ws) {
          const out = c.compress(input)
          if (!bytesEqual(c.decompress(out, size), input)) throw new InvalidConfigError(`${format}/${c.backend}`, 'a compressor that round-trips')
          compressed.set(c.backend, out)
          row.push((size / out.length).toFixed(2))
        }
        // One compressed input for every decompressor of the format: the default backend's output.
        const frame = compressed.get(defaultCompressors.get(format).backend) as Uint8Array
        for (const l of libs) {
          if (!bytesEqual(l.decompress(frame), input)) throw new InvalidConfigError(`${format}/${l.backend} direct`, 'a library that reads wireseal output')
        }
        // Each case gets its own call site (see freshSite): one loop-built closure would be megamorphic over the backends.
        const compressCases: CaseInit[] = []
        const decompressCases: CaseInit[] = []
        for (const c of ws) {
          const hasDirect = libs.some(l => l.backend === c.backend)
          const reference = hasDirect ? directName(c.backend) : undefined
          compressCases.push({ name: wsName(c.backend), fn: freshSite('c.compress(i)', { c, i: input }), ...(reference === undefined ? {} : { reference }) })
          decompressCases.push({ name: wsName(c.backend), fn: freshSite('c.decompress(f, n)', { c, f: frame, n: size }), ...(reference === undefined ? {} : { reference }) })
        }
        for (const l of libs) {
          compressCases.push({ name: directName(l.backend), fn: freshSite('l.compress(i)', { l, i: input }), baseline: true })
          decompressCases.push({ name: directName(l.backend), fn: freshSite('l.decompress(f)', { l, f: frame }), baseline: true })
        }
        const id = `${kind}-${size}/${format}`
        const title = `${format} ${kind} ${sizeLabel(size)}`
        const cg = await ctx.measure({ id: `${id}/compress`, title: `${title} compress`, bytes: size, cases: compressCases })
        const dg = await ctx.measure({ id: `${id}/decompress`, title: `${title} decompress`, bytes: size, cases: decompressCases })
        groups.push(cg, dg)
        measured.push({ kind, size, format, compress: cg, decompress: dg })
      }
      ratioRows.push(row)
    }
  }

  // The policy on incompressible input: default (single), batch, and every codec forced.
  const policies = [
    { label: 'default', policy: createCompressionPolicy(), batch: false },
    { label: 'default, batch', policy: createCompressionPolicy(), batch: true },
    ...FORMATS.map(f => ({ label: `force ${f}`, policy: createCompressionPolicy({ force: f }), batch: false }))
  ]
  const policyRows: Array<Array<string | number>> = []
  let worstExpansion = 0
  const expansions: string[] = []
  for (const kind of DATA_KINDS) {
    for (const size of COMPRESSOR_SIZES) {
      const input = inputOf(kind, size)
      const row: Array<string | number> = [kind, sizeLabel(size)]
      for (const p of policies) {
        const choice = p.policy.compress(input, { batch: p.batch })
        const ratio = choice.bytes.length / input.length
        row.push(`${choice.compressor.name} ${choice.bytes.length}`)
        if (kind === 'random') {
          if (ratio > worstExpansion) worstExpansion = ratio
          expansions.push(`${sizeLabel(size)} ${p.label} ${ratio.toFixed(3)}`)
        }
      }
      policyRows.push(row)
    }
  }

  const tables: Table[] = [
    { title: 'Compression ratio (input / output), wireseal default levels', columns: ['data', 'size', ...backendColumns], rows: ratioRows },
    { title: 'Policy choice (codec and output bytes)', columns: ['data', 'size', ...policies.map(p => p.label)], rows: policyRows }
  ]

  const targets: Target[] = []
  for (const op of ['compress', 'decompress'] as const) {
    targets.push(...ratioTargets(measured, 'gzip', op, () => [wsName('node-zlib'), directName('node-zlib')],
      size => `gzip ${op} ${size} through wireseal (node-zlib) >= 0.9x node:zlib called directly`))
  }
  for (const format of ['snappy', 'zstd'] as const) {
    const backend = defaultCompressors.get(format).backend
    for (const op of ['compress', 'decompress'] as const) {
      targets.push(...ratioTargets(measured, format, op, defaultVsFastestDirect(format),
        size => `${format} ${op} ${size} through wireseal (default backend ${backend}) >= 0.9x the fastest installed library called directly`))
    }
  }
  targets.push(target({
    id: 'compressors.policy.no-expansion',
    issue: 'Foundation',
    description: 'the compression policy never expands incompressible (random) input: output/input <= 1 at every size, default, batch and forced codecs',
    measured: worstExpansion,
    op: '<=',
    threshold: 1,
    detail: `max of: ${expansions.join('; ')}`
  }))

  const notes = [
    `Levels: gzip ${DEFAULT_GZIP_LEVEL}, zstd ${DEFAULT_ZSTD_LEVEL} (wireseal defaults; the direct calls use the same). node:zlib is zlib ${process.versions.zlib}.`,
    `Default backends: ${FORMATS.map(f => `${f} -> ${defaultCompressors.get(f).backend}`).join(', ')}. ` +
      `Unavailable here: ${listBackends().filter(b => b.compressor === undefined).map(b => `${b.name}/${b.backend}`).join(', ') || 'none'}.`,
    'Decompression cases of a format all read the same bytes (the default backend\'s output); wireseal passes the exact size as the output cap.'
  ]
  return { groups, tables, targets, notes }
}

/** The compressor suite. */
export const compressorsSuite: Suite = Object.freeze({
  id: 'compressors',
  title: 'Compressors',
  description: 'Every compression format and backend through wireseal, side by side with the library called directly ' +
    '(same level, same input, interleaved in one process), on JSON-like transaction records (seeded, semi-compressible) ' +
    'and random bytes, at 512 B, 4 KB, 64 KB and 1 MB. MB/s is on the uncompressed size for both directions.',
  libraries: ['snappy', 'snappyjs', 'fflate', '@bokuweb/zstd-wasm', 'zstd-napi'],
  run
})
