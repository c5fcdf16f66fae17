/**
 * The `wireseal` command. Every failure is one line on stderr and a non-zero
 * exit: 2 for usage mistakes, 1 for a rejected or malformed envelope (or
 * damaged state), 75 (EX_TEMPFAIL) when another process holds `--state DIR`.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { CliUsageError, readInput, writeOutput } from './io.js'
import { generateKey, writeKeyFile } from './keyfile.js'
import { inspectEnvelope } from './inspect.js'
import { runOpen, runSeal } from './seal-open.js'
import { runDemo } from './demo.js'
import { runBench } from './bench.js'
import { StateLockedError, WiresealError } from '../errors.js'
import { DEFAULT_LOCK_WAIT_MS, msFlag, runStateReset } from './state.js'
import { DEFAULT_INPUT_WAIT_MS } from './io.js'
import { DEFAULT_LIMITS } from '../limits.js'

const USAGE = `wireseal — signed, replay-protected, compressed messages for libp2p

Usage:
  wireseal keygen [--type ed25519|secp256k1|ecdsa] [--out key.json]
  wireseal seal --key key.json --type Block|PeerInfo --channel NAME
                [--serializer protobuf|msgpack|flatbuffers|json]
                [--compression auto|none|snappy|gzip|zstd] [--state DIR] [--in value.json] [--out env.bin]
  wireseal open --channel NAME [--type Block|PeerInfo] [--state DIR] [--in env.bin]
  wireseal state reset --state DIR
  wireseal inspect [--in env.bin]
  wireseal bench --input FILE|DIR [--input ...] [--type Block|PeerInfo|raw] [--quick]
                 [--bandwidth MBIT] [--json]
  wireseal demo
  wireseal help

Files default to stdin/stdout. Values are JSON: bytes as base64, uint64 as decimal strings.
--state DIR: one process at a time; others wait --lock-wait MS (default ${DEFAULT_LOCK_WAIT_MS}), then exit 75.
A FIFO, device or key file must be read within --input-wait MS (default ${DEFAULT_INPUT_WAIT_MS}).
A damaged state file: \`wireseal state reset --state DIR\` moves it aside.
`

/** Exit code when another process holds the state directory (sysexits.h EX_TEMPFAIL: try again later). */
export const EXIT_STATE_LOCKED = 75

/** A subcommand: its flags and what it does with them. */
export interface Command {
  options: ParseArgsConfig['options']
  run(values: Record<string, string | boolean | undefined>): Promise<number> | number
}

const lockFlags = { 'lock-wait': { type: 'string' }, 'input-wait': { type: 'string' } } as const

const STATE_ACTIONS = new Map<string, Command>([
  ['reset', { options: { state: { type: 'string' }, 'lock-wait': { type: 'string' } }, run: runStateReset }]
])

const commandTable: Record<string, Command> = {
  help: {
    options: {},
    run () {
      process.stdout.write(USAGE)
      return 0
    }
  },
  keygen: {
    options: { type: { type: 'string', default: 'ed25519' }, out: { type: 'string' } },
    async run (v) {
      const key = await generateKey(String(v.type))
      const file = writeKeyFile(v.out as string | undefined, key)
      if (v.out !== undefined) process.stdout.write(file.id + '\n')
      else process.stderr.write(file.id + '\n')
      return 0
    }
  },
  seal: {
    options: {
      key: { type: 'string' },
      type: { type: 'string' },
      channel: { type: 'string' },
      serializer: { type: 'string' },
      compression: { type: 'string' },
      state: { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      ...lockFlags
    },
    run: runSeal
  },
  open: {
    options: { channel: { type: 'string' }, type: { type: 'string' }, state: { type: 'string' }, in: { type: 'string' }, ...lockFlags },
    run: runOpen
  },
  demo: { options: {}, run: runDemo },
  bench: {
    options: {
      input: { type: 'string', multiple: true },
      type: { type: 'string' },
      quick: { type: 'boolean', default: false },
      bandwidth: { type: 'string' },
      json: { type: 'boolean', default: false }
    },
    run: runBench
  },
  inspect: {
    options: { in: { type: 'string' }, 'input-wait': { type: 'string' } },
    async run (v) {
      const bytes = await readInput(v.in as string | undefined, DEFAULT_LIMITS.maxFrameBytes, { waitMs: msFlag(v, 'input-wait', DEFAULT_INPUT_WAIT_MS) })
      writeOutput(undefined, JSON.stringify(inspectEnvelope(bytes), null, 2) + '\n')
      return 0
    }
  }
}
// A Map, not the object: `wireseal toString` must be an unknown command, not Object.prototype.toString.
const commands = new Map<string, Command>(Object.entries(commandTable))

function oneLine (text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main (argv: string[]): Promise<number> {
  let [name = 'help', ...rest] = argv
  let command = commands.get(name === '--help' || name === '-h' ? 'help' : name)
  try {
    if (name === 'state') {
      const [action = '', ...more] = rest
      command = STATE_ACTIONS.get(action)
      if (command === undefined) throw new CliUsageError(`unknown action "state ${action}": use \`wireseal state reset --state DIR\``)
      name = `state ${action}`
      rest = more
    }
    if (command === undefined) throw new CliUsageError(`unknown command "${name}"`)
    let values: Record<string, string | boolean | undefined>
    try {
      values = parseArgs({ args: rest, options: command.options ?? {}, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>
    } catch (err) {
      throw new CliUsageError((err as Error).message.split('\n')[0] ?? 'bad arguments')
    }
    return await command.run(values)
  } catch (err) {
    if (err instanceof CliUsageError) {
      process.stderr.write(`wireseal: ${oneLine(err.message)} (${err.details.hint})\n`)
      return 2
    }
    if (err instanceof StateLockedError) {
      process.stderr.write(`wireseal: ${err.name}: ${oneLine(err.message)} (raise --lock-wait, or stop pid ${err.details.pid ?? '?'}; a lock left by a dead process is broken automatically)\n`)
      return EXIT_STATE_LOCKED
    }
    if (err instanceof WiresealError) {
      process.stderr.write(`wireseal: ${err.name}: ${oneLine(err.message)}\n`)
      return 1
    }
    process.stderr.write(`wireseal: internal error: ${(err as Error)?.message ?? String(err)}\n`)
    return 70
  }
}
