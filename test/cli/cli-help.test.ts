// Issue 12 item 5: `wireseal --help`, bare `wireseal`, `wireseal <command>
// --help` with every flag, its default and an example, `--version`; the
// command table is the one source of the parser and the help.
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { COMMANDS } from '../../src/cli/commands.js'
import { parseFlags, parseOptions } from '../../src/cli/main.js'
import { commandHelp, flagDefault } from '../../src/cli/help.js'
import { CliUsageError, DEFAULT_INPUT_WAIT_MS } from '../../src/cli/io.js'
import { DEFAULT_LOCK_WAIT_MS } from '../../src/cli/state.js'
import { DEFAULT_INSPECT_PAYLOAD_BYTES } from '../../src/cli/inspect.js'
import { DEFAULT_BENCH_BANDWIDTH_MBIT } from '../../src/cli/bench.js'
import { MAX_DURATION_MS, parseDuration } from '../../src/cli/flags.js'
import { formatDuration } from '../../src/format.js'
import { DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_MESSAGE_AGE_MS } from '../../src/limits.js'
import { oneLineError, runMain, stopMain } from './run-main.js'

const BIN = ['--import', 'tsx', join(import.meta.dirname, '../../src/cli/bin.ts')]
const flat = (s: string): string => s.replace(/\s+/g, ' ')

function bin (args: string[]): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync(process.execPath, [...BIN, ...args], { timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] })
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

after(stopMain)

describe('wireseal help and version', () => {
  it('bare `wireseal` prints the usage on stderr and exits 2; --help, -h and help print it on stdout and exit 0', async () => {
    const bare = bin([])
    assert.equal(bare.code, 2)
    assert.equal(bare.stdout, '')
    for (const c of COMMANDS) assert.match(bare.stderr, new RegExp(`^  wireseal ${c.name}\\b`, 'm'))
    for (const args of [['--help'], ['-h'], ['help']]) {
      const r = await runMain(args)
      assert.equal(r.code, 0, args.join(' '))
      assert.equal(r.stdout, bare.stderr)
      assert.equal(r.stderr, '')
    }
  })

  it('--version prints the version from package.json, read at run time', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }
    for (const flag of ['--version', '-V']) {
      const r = bin([flag])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, `wireseal ${pkg.version}\n`)
    }
  })

  for (const c of COMMANDS) {
    it(`${c.name} --help lists every flag with its default, and examples that parse`, async () => {
      const r = await runMain([...c.name.split(' '), '--help'])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, commandHelp(c))
      assert.deepEqual(await runMain(['help', ...c.name.split(' ')]), r)
      // `--help` wins over anything else on the line, even an unknown flag.
      assert.equal((await runMain([...c.name.split(' '), '--bogus', '-h'])).stdout, r.stdout)
      const text = flat(r.stdout)
      assert.match(text, new RegExp(`^wireseal ${c.name}: `))
      for (const f of c.flags) {
        assert.ok(text.includes(` --${f.name}${f.kind === 'boolean' ? '' : ` ${f.placeholder}`} `), `${c.name}: --${f.name} is listed`)
        assert.ok(text.includes(`(${flagDefault(f)})`), `${c.name}: --${f.name} shows "${flagDefault(f)}"`)
      }
      assert.ok(c.examples.length > 0)
      for (const e of c.examples) {
        assert.ok(r.stdout.includes(`\n  ${e}\n`), e)
        // Every example uses real flags with valid values (shell redirections aside).
        const words = e.split(' ').filter(w => w !== '')
        const cut = words.findIndex(w => w === '<' || w === '>' || w === '|')
        const args = (cut < 0 ? words : words.slice(0, cut)).slice(1 + c.name.split(' ').length)
        assert.doesNotThrow(() => parseFlags(c, args), e)
      }
    })
  }

  it('the parser accepts exactly the flags of the table, and each default parses', () => {
    for (const c of COMMANDS) {
      assert.deepEqual(Object.keys(parseOptions(c)), c.flags.map(f => f.name), c.name)
      const required = c.flags.filter(f => f.required === true)
      // With every required flag given, the parsed defaults are what the help says.
      const args = required.flatMap(f => [`--${f.name}`, 'x'])
      const { values, given } = parseFlags(c, args)
      assert.deepEqual([...given], required.map(f => f.name))
      for (const f of c.flags) {
        if (f.default !== undefined) assert.deepEqual(values[f.name], f.parse === undefined ? f.default : f.parse(f.default, f.name), `${c.name} --${f.name}`)
        if (f.kind === 'boolean') assert.equal(values[f.name], false)
      }
      for (const f of required) {
        const without = required.filter(g => g !== f).flatMap(g => [`--${g.name}`, 'x'])
        assert.throws(() => parseFlags(c, without), (err: unknown) => err instanceof CliUsageError && err.message === `missing --${f.name} ${f.placeholder}`)
      }
    }
  })

  it('documented defaults are the constants the code uses', () => {
    const byName = (cmd: string, flag: string): unknown => {
      const c = COMMANDS.find(x => x.name === cmd)!
      const req = c.flags.filter(f => f.required === true).flatMap(f => [`--${f.name}`, 'x'])
      return parseFlags(c, req).values[flag]
    }
    assert.equal(byName('open', 'max-age'), DEFAULT_MAX_MESSAGE_AGE_MS)
    assert.equal(byName('open', 'max-clock-skew'), DEFAULT_MAX_CLOCK_SKEW_MS)
    for (const cmd of ['seal', 'open', 'state reset']) assert.equal(byName(cmd, 'lock-wait'), DEFAULT_LOCK_WAIT_MS)
    for (const cmd of ['seal', 'open', 'inspect']) assert.equal(byName(cmd, 'input-wait'), DEFAULT_INPUT_WAIT_MS)
    assert.equal(byName('inspect', 'payload-max'), DEFAULT_INSPECT_PAYLOAD_BYTES)
    assert.equal(Number(byName('bench', 'bandwidth')), DEFAULT_BENCH_BANDWIDTH_MBIT)
    assert.equal(byName('keygen', 'type'), 'ed25519')
    assert.equal(byName('seal', 'compression'), 'auto')
  })

  it('durations: units and plain milliseconds, formatted back the same way', () => {
    for (const [raw, ms] of [['500ms', 500], ['45s', 45_000], ['10m', 600_000], ['2h', 7_200_000], ['7d', 604_800_000], ['1500', 1500], ['0', 0]] as const) {
      assert.equal(parseDuration(raw, 'max-age'), ms, raw)
      assert.equal(parseDuration(formatDuration(ms), 'max-age'), ms, raw)
    }
    for (const bad of ['', '10 m', '-1s', '1.5h', '10M', '1y', 'soon', '9999999999999d']) {
      assert.throws(() => parseDuration(bad, 'max-age'), (err: unknown) => err instanceof CliUsageError && /--max-age expects a duration/.test(err.message), bad)
    }
  })

  it('usage mistakes name the fix: unknown flags point to the command help, a group without an action lists its actions', async () => {
    const bogus = await runMain(['seal', '--bogus'])
    assert.equal(bogus.code, 2)
    assert.match(oneLineError(bogus), /Unknown option '--bogus'.*\(run `wireseal seal --help` for its flags\)/)
    const state = await runMain(['state'])
    assert.equal(state.code, 2)
    assert.match(oneLineError(state), /missing action: use `wireseal state reset`/)
    const stateHelp = await runMain(['state', '--help'])
    assert.equal(stateHelp.code, 0)
    assert.match(stateHelp.stdout, /^wireseal state reset: /)
    const unknownTopic = await runMain(['help', 'frobnicate'])
    assert.equal(unknownTopic.code, 2)
    assert.match(oneLineError(unknownTopic), /unknown command "frobnicate"/)
    const positional = await runMain(['inspect', 'env.bin'])
    assert.equal(positional.code, 2)
    assert.match(oneLineError(positional), /Unexpected argument 'env\.bin'/)
  })

  it('fuzz: any argv is parsed or refused with a CliUsageError, never another throw', () => {
    for (const c of COMMANDS) {
      const word = fc.oneof(
        fc.constantFrom(...c.flags.map(f => `--${f.name}`), '--', '-', '--bogus', '-x', '--=', `--${c.flags[0]?.name ?? 'x'}=`),
        fc.constantFrom('0', '-1', '10m', '1y', 'auto', 'toString', '__proto__', ''),
        fc.string({ maxLength: 6 })
      )
      fc.assert(fc.property(fc.array(word, { maxLength: 8 }), (args) => {
        try {
          parseFlags(c, args)
        } catch (err) {
          if (!(err instanceof CliUsageError)) throw err
        }
      }), { numRuns: 300 })
    }
  })

  it('fuzz: formatDuration and parseDuration are inverse over 0..MAX_DURATION_MS', () => {
    fc.assert(fc.property(fc.oneof(fc.integer({ min: 0, max: MAX_DURATION_MS }), fc.integer({ min: 0, max: 1000 }).map(n => n * 86_400_000)), (ms) => {
      assert.equal(parseDuration(formatDuration(ms), 'max-age'), ms)
    }))
  })

  it('every flag the README\'s Command line section shows exists in the table', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('\n## ', readme.indexOf('## Command line') + 3))
    const known = new Set(['--help', '--version', ...COMMANDS.flatMap(c => c.flags.map(f => `--${f.name}`))])
    const shown = [...new Set(section.match(/--[a-z][a-z-]*/g) ?? [])]
    assert.ok(shown.length > 10)
    assert.deepEqual(shown.filter(f => !known.has(f)), [])
  })
})
