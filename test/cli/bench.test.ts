import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BENCH_MAX_INPUT_BYTES, comboName, loadBenchInput, measureCombos, rankCombos, recommend, runBench, type BenchReport, type ComboResult } from '../../src/cli/bench.js'
import { CliUsageError } from '../../src/cli/io.js'
import { DEFAULT_LIMITS } from '../../src/limits.js'

const BIN = ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/bin.ts')]

interface Run { code: number | null, stdout: string, stderr: string }

/** Runs the CLI asynchronously, so cheap failing runs can go side by side. */
function wireseal (args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const timer = setTimeout(() => child.kill(), 30_000)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

function assertOneLineError (r: Run, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr)
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`)
  assert.match(lines[0] ?? '', pattern)
  assert.doesNotMatch(r.stderr, /\n\s+at /)
  assert.equal(r.stdout, '')
}

/** A Block in the json serializer's format with `n` bytes of semi-compressible data. */
function block (i: number, n: number): object {
  const text = Array.from({ length: Math.ceil(n / 40) }, (_, k) => `{"tx":${i * 1000 + k},"to":"0x${(k * 7919 % 65_536).toString(16).padStart(8, '0')}"}`).join(',').slice(0, n)
  return {
    hash: Buffer.alloc(32, i).toString('base64'),
    data: Buffer.from(text).toString('base64'),
    timestamp: String(1_700_000_000_000 + i),
    ttl: 64,
    version: 1,
    signature: Buffer.alloc(64, 7).toString('base64')
  }
}

const peer = (i: number): object => ({ peerId: Buffer.from(`peer-${i}`).toString('base64'), multiaddrs: [Buffer.from([4, 127, 0, 0, 1, 6, 0x10, i]).toString('base64')], metadata: { agent: `node/${i}` } })

describe('wireseal bench', () => {
  let dir: string
  // The measuring runs start together in before() (a few seconds each, mostly process start-up) and each test awaits its own.
  const runs = new Map<string, Promise<Run>>()
  const started = (name: string): Promise<Run> => runs.get(name) ?? assert.fail(`run ${name} not started`)
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wireseal-bench-cli-'))
    mkdirSync(join(dir, 'blocks'))
    // one value per file, a JSON array, and a hidden file that must be ignored
    writeFileSync(join(dir, 'blocks', 'a.json'), JSON.stringify(block(1, 3000)))
    writeFileSync(join(dir, 'blocks', 'b.json'), JSON.stringify([block(2, 2500), block(3, 4000)]))
    writeFileSync(join(dir, 'blocks', '.hidden'), 'not json at all')
    writeFileSync(join(dir, 'peers.ndjson'), [1, 2, 3].map(i => JSON.stringify(peer(i))).join('\n') + '\n')
    mkdirSync(join(dir, 'raw'))
    writeFileSync(join(dir, 'raw', 'm1.bin'), Buffer.from(JSON.stringify(block(4, 6000))))
    writeFileSync(join(dir, 'raw', 'm2.bin'), Buffer.alloc(3000, 'abcdefgh'))
    writeFileSync(join(dir, 'bad.json'), '{"hash": "AA==", oops}')
    writeFileSync(join(dir, 'bad.ndjson'), `${JSON.stringify(peer(1))}\n{"peerId": \n`)
    writeFileSync(join(dir, 'notblock.json'), JSON.stringify({ ...block(1, 10), timestamp: -1 }))
    writeFileSync(join(dir, 'empty.json'), '[]')
    // Sparse files: their size is checked before anything is read.
    writeFileSync(join(dir, 'huge.bin'), '')
    truncateSync(join(dir, 'huge.bin'), DEFAULT_LIMITS.maxPayloadBytes + 1)
    mkdirSync(join(dir, 'many'))
    for (let i = 0; i < 3; i++) {
      writeFileSync(join(dir, 'many', `p${i}.bin`), '')
      truncateSync(join(dir, 'many', `p${i}.bin`), Math.ceil(BENCH_MAX_INPUT_BYTES / 3) + 1)
    }
    runs.set('blocks', wireseal(['bench', '--input', join(dir, 'blocks'), '--quick', '--json']))
    runs.set('raw', wireseal(['bench', '--input', join(dir, 'raw', 'm1.bin'), '--input', join(dir, 'raw', 'm2.bin'), '--type', 'raw', '--quick', '--bandwidth', '1000']))
    runs.set('peers', wireseal(['bench', '--input', join(dir, 'peers.ndjson'), '--type', 'PeerInfo', '--quick', '--json']))
  })
  after(() => { rmSync(dir, { recursive: true, force: true }) })

  it('measures every serializer x compressor on JSON values and ranks them (--json)', async () => {
    const r = await started('blocks')
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout) as BenchReport
    assert.equal(report.type, 'Block')
    assert.equal(report.detected, true)
    assert.equal(report.messages, 3, 'a.json (one value) + b.json (an array of two); .hidden skipped')
    const names = report.ranked.map(comboName).sort()
    const expected = ['protobuf', 'msgpack', 'flatbuffers', 'json', 'msgpackStructured', 'capnp'].flatMap(s => ['none', 'snappy', 'gzip', 'zstd'].map(c => `${s} + ${c}`)).sort()
    assert.deepEqual(names, expected)
    assert.deepEqual(report.failures, [])
    for (const c of report.ranked) {
      assert.ok(c.encodePerSec > 0 && c.decodePerSec > 0 && c.wireBytes > 0, comboName(c))
      if (c.compression === 'none') assert.equal(c.wireBytes, c.plainBytes)
    }
    for (let i = 1; i < report.ranked.length; i++) assert.ok((report.ranked[i] as ComboResult).totalMicros >= (report.ranked[i - 1] as ComboResult).totalMicros)
    const size = (s: string, c: string): number => report.ranked.find(x => x.serializer === s && x.compression === c)?.wireBytes ?? NaN
    assert.ok(size('protobuf', 'zstd') < size('protobuf', 'none') * 0.8, 'the data compresses')
    assert.ok(size('protobuf', 'none') < size('json', 'none'), 'protobuf is smaller than json (base64)')
    assert.ok(report.ranked.some(x => x.pareto))
    assert.match(report.recommendation, new RegExp(`^Recommended at 100 Mbit/s: ${comboName(report.ranked[0] as ComboResult).replace('+', '\\+')}, \\d+ B per message`))
    assert.match(r.stderr, new RegExp(`timing ${expected.length} combinations on 3 Block message\\(s\\) \\(quick mode\\)`))
  })

  it('ranks compressors only on raw bytes, as a table with a recommendation', async () => {
    const r = await started('raw')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^wireseal bench: 2 raw messages, \d+ input bytes, quick mode\n/)
    assert.match(r.stdout, /transfer at 1000 Mbit\/s/)
    assert.match(r.stdout, /#\s+combination\s+wire B\/msg\s+vs smallest\s+encode\+compress msg\/s\s+decompress\+decode msg\/s\s+CPU µs\/msg\s+total µs\/msg\s+front/)
    for (const c of ['none', 'snappy (snappyjs)', 'gzip (node-zlib)', 'gzip (fflate)', 'zstd (zstd-wasm)']) {
      assert.match(r.stdout, new RegExp(`^\\s*\\d+\\s+${c.replace(/[()]/g, '\\$&')}\\s+\\d+`, 'm'), c)
    }
    assert.doesNotMatch(r.stdout, /protobuf|msgpack/)
    assert.match(r.stdout, /\nRecommended at 1000 Mbit\/s: .+\.\n/)
  })

  it('reads NDJSON and an explicit --type', async () => {
    const r = await started('peers')
    assert.equal(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout) as BenchReport
    assert.equal(report.type, 'PeerInfo')
    assert.equal(report.detected, false)
    assert.equal(report.messages, 3)
    // Every serializer PeerInfo has (6, capnp included) x 4 compressions.
    assert.equal(report.ranked.length, 24)
  })

  it('refuses bad inputs with one clear line and exit 2, before measuring anything', async () => {
    // Spawned: the whole path to one line on stderr and exit 2 (the other cases check the same typed error in-process).
    const cases: Array<[string[], RegExp]> = [
      [['--input', join(dir, 'bad.json')], /^wireseal: bad JSON in .*bad\.json: .*\(values are JSON in the json serializer's format/],
      [['--input', join(dir, 'huge.bin'), '--type', 'raw'], new RegExp(`^wireseal: .*huge\\.bin is ${DEFAULT_LIMITS.maxPayloadBytes + 1} bytes, more than the ${DEFAULT_LIMITS.maxPayloadBytes}-byte limit`)],
      [['--input', join(dir, 'blocks'), '--frobnicate'], /^wireseal: Unknown option '--frobnicate'/]
    ]
    const results = await Promise.all(cases.map(([args]) => wireseal(['bench', ...args])))
    results.forEach((r, i) => assertOneLineError(r, (cases[i] as [string[], RegExp])[1]))
  })

  it('names the problem in a typed usage error: JSON, values, type, sizes, options', () => {
    const cases: Array<[string[], string | undefined, RegExp]> = [
      [[join(dir, 'bad.json')], undefined, /^bad JSON in .*bad\.json: /],
      [[join(dir, 'bad.ndjson')], undefined, /^bad JSON in .*bad\.ndjson line 2: /],
      [[join(dir, 'notblock.json')], 'Block', /^notblock\.json is not a valid Block: .*timestamp/],
      [[join(dir, 'notblock.json')], undefined, /^cannot tell the message type of notblock\.json/],
      [[join(dir, 'empty.json')], undefined, /empty\.json holds no values/],
      [[join(dir, 'blocks')], 'Transaction', /^unknown --type "Transaction": use Block, PeerInfo, raw/],
      [[], undefined, /^missing --input FILE\|DIR/],
      [[join(dir, 'nope')], undefined, /^cannot read .*nope: ENOENT/],
      [[join(dir, 'huge.bin')], 'raw', new RegExp(`huge\\.bin is ${DEFAULT_LIMITS.maxPayloadBytes + 1} bytes, more than the ${DEFAULT_LIMITS.maxPayloadBytes}-byte limit`)],
      [[join(dir, 'many')], 'raw', new RegExp(`^the inputs total \\d+ bytes, more than the ${BENCH_MAX_INPUT_BYTES}-byte limit`)],
      [[join(dir, 'raw')], undefined, /^bad JSON in .*m2\.bin/]
    ]
    for (const [paths, type, pattern] of cases) {
      assert.throws(() => loadBenchInput(paths, type), (err: unknown) => err instanceof CliUsageError && pattern.test(err.message), `${paths.join(' ')} ${type ?? ''}`)
    }
    assert.throws(() => runBench({ input: [join(dir, 'blocks')], bandwidth: 'fast' }), (err: unknown) => err instanceof CliUsageError && /--bandwidth must be a positive number of Mbit\/s, got "fast"/.test(err.message))
    // Every file is within its limit, but the value is over the payload limit in every format.
    const big = join(dir, 'big.json')
    writeFileSync(big, JSON.stringify({ ...block(1, 10), data: Buffer.alloc(DEFAULT_LIMITS.maxPayloadBytes + 1024).toString('base64') }))
    assert.throws(() => measureCombos(loadBenchInput([big], 'Block'), true, 100), (err: unknown) => err instanceof CliUsageError && /over the \d+-byte payload limit in every format/.test(err.message))
    const ok = loadBenchInput([join(dir, 'blocks')], undefined)
    assert.deepEqual([ok.type, ok.detected, ok.count, ok.raw.length], ['Block', true, 3, 0])
  })

  it('is listed in the usage text', async () => {
    const r = await wireseal(['help'])
    assert.match(r.stdout, /wireseal bench --input FILE\|DIR .*--type Block\|PeerInfo\|raw/)
  })
})

describe('ranking and recommendation', () => {
  const combo = (serializer: string, compression: ComboResult['compression'], wireBytes: number, encodePerSec: number, decodePerSec: number): ComboResult => ({
    serializer, compression, backend: compression, plainBytes: 3000, wireBytes, encodePerSec, decodePerSec,
    cpuMicros: 1e6 / encodePerSec + 1e6 / decodePerSec, totalMicros: 0, pareto: false
  })
  // fastest: protobuf + none (1 µs + 1 µs); smallest: msgpack + gzip; protobuf + zstd in between
  const none = combo('protobuf', 'none', 3000, 1e6, 1e6)
  const zstd = combo('protobuf', 'zstd', 1000, 1e5, 2e5)
  const gzip = combo('msgpack', 'gzip', 900, 1e4, 5e4)
  const json = combo('json', 'none', 5000, 5e5, 5e5)

  it('orders by CPU plus transfer time and marks the Pareto front', () => {
    const ranked = rankCombos([json, gzip, none, zstd], 100)
    // 100 Mbit/s = 12.5 bytes/µs: none 2 + 240 = 242, zstd 15 + 80 = 95, gzip 120 + 72 = 192, json 4 + 400 = 404
    assert.deepEqual(ranked.map(comboName), ['protobuf + zstd', 'msgpack + gzip', 'protobuf + none', 'json + none'])
    assert.deepEqual(ranked.map(r => r.pareto), [true, true, true, false])
    assert.ok(Math.abs((ranked[0] as ComboResult).totalMicros - 95) < 1e-9)
    // On a fast link the uncompressed, fastest one wins.
    assert.equal(comboName(rankCombos([json, gzip, none, zstd], 100_000)[0] as ComboResult), 'protobuf + none')
  })

  it('explains the trade-off against the fastest and the smallest combinations', () => {
    const text = recommend(rankCombos([json, gzip, none, zstd], 100), 100)
    assert.match(text, /^Recommended at 100 Mbit\/s: protobuf \+ zstd, 1000 B per message on the wire and 15\.0 µs of CPU per message/)
    // 67% smaller than protobuf + none; decode 1e6 vs 2e5 = 5x slower; 15 / 2 µs = 7.5x the CPU; break-even 2000 B * 8 / 13 µs = 1231 Mbit/s
    assert.match(text, /67% smaller than protobuf \+ none, the fastest, and 5\.0x slower to decode \(7\.5x the CPU per message\): pick it if bandwidth matters more than CPU/)
    assert.match(text, /Above ~1230 Mbit\/s per link, protobuf \+ none wins/)
    assert.match(text, /msgpack \+ gzip is another 10% smaller, at 8\.0x the CPU per message/)
    const fastest = recommend(rankCombos([none, zstd], 100_000), 100_000)
    assert.match(fastest, /It is also the fastest\. protobuf \+ zstd is 67% smaller but needs 7\.5x the CPU per message: pick it if bandwidth is scarce \(below ~1230 Mbit\/s per link\)/)
    assert.match(recommend(rankCombos([zstd], 100), 100), /both the smallest and the fastest/)
    assert.equal(recommend([], 100), 'No combination could be measured on these messages.')
    const small = { ...zstd, plainBytes: 300 }
    assert.match(recommend([small], 100), /leaves payloads under 1024 B uncompressed; choose zstd explicitly/)
  })
})
