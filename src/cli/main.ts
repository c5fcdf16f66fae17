/**
 * The `wireseal` command. Every failure is one line on stderr and a non-zero
 * exit: 2 for usage mistakes, 1 for a rejected or malformed envelope (or
 * damaged state, or a refused overwrite), 75 (EX_TEMPFAIL) when another
 * process holds `--state DIR`. Commands and flags come from one table
 * (commands.ts), which the help is rendered from too.
 *
 * @module
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { CliUsageError } from './io.js'
import { COMMANDS, EXIT_STATE_LOCKED, type CommandSpec } from './commands.js'
import type { FlagValues } from './flags.js'
import { commandHelp, packageVersion, usage } from './help.js'
import { SchemaFileError, StateLockedError, WiresealError } from '../errors.js'

export { EXIT_STATE_LOCKED } from './commands.js'
export type { CommandSpec } from './commands.js'

// A Map, not an object: `wireseal toString` must be an unknown command, not Object.prototype.toString.
const commands = new Map<string, CommandSpec>(COMMANDS.map((c) => [c.name, c]))
const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0] as string))

const HELP = new Set(['--help', '-h'])

function oneLine (text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** The parseArgs options of a command, from its flag table. */
export function parseOptions (c: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {}
  for (const f of c.flags) options[f.name] = f.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: f.kind === 'list' }
  return options
}

/**
 * Parses `args` for command `c`: unknown flags and positionals are usage
 * errors; each value goes through its flag's parser; a missing flag gets its
 * default (parsed the same way) or, when required, is a usage error.
 */
export function parseFlags (c: CommandSpec, args: string[]): { values: FlagValues, given: Set<string> } {
  let raw: Record<string, string | boolean | string[] | undefined>
  try {
    raw = parseArgs({ args, options: parseOptions(c), strict: true, allowPositionals: false }).values as typeof raw
  } catch (err) {
    throw new CliUsageError((err as Error).message.split('\n')[0] ?? 'bad arguments', `run \`wireseal ${c.name} --help\` for its flags`)
  }
  const values: FlagValues = {}
  const given = new Set<string>()
  for (const f of c.flags) {
    const v = Object.hasOwn(raw, f.name) ? raw[f.name] : undefined
    if (v !== undefined) given.add(f.name)
    if (f.kind === 'boolean') {
      values[f.name] = v === true
      continue
    }
    const texts = v === undefined ? (f.default === undefined ? [] : [f.default]) : (Array.isArray(v) ? v : [String(v)])
    if (texts.length === 0) {
      if (f.required === true) throw new CliUsageError(`missing --${f.name} ${f.placeholder}`, `run \`wireseal ${c.name} --help\` for its flags`)
      continue
    }
    for (const t of texts) if (t === '' && f.required === true) throw new CliUsageError(`missing --${f.name} ${f.placeholder} (empty)`)
    const parsed = texts.map((t) => f.parse === undefined ? t : f.parse(t, f.name))
    values[f.name] = f.kind === 'list' ? parsed : parsed[0]
  }
  return { values, given }
}

/** Finds the command `argv` names (`state reset` takes two words); returns it and its arguments. */
function resolve (argv: string[]): { command: CommandSpec, rest: string[] } {
  const [name = '', ...rest] = argv
  if (GROUPS.has(name)) {
    const [action = '', ...more] = rest
    const command = commands.get(`${name} ${action}`)
    if (command === undefined) {
      const actions = COMMANDS.filter((c) => c.name.startsWith(`${name} `)).map((c) => `\`wireseal ${c.name}\``).join(', ')
      throw new CliUsageError(`unknown action "${name} ${action}": use ${actions}`, `run \`wireseal ${name} --help\``)
    }
    return { command, rest: more }
  }
  const command = commands.get(name)
  if (command === undefined) throw new CliUsageError(`unknown command "${name}"`)
  return { command, rest }
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main (argv: string[]): Promise<number> {
  try {
    const [first, ...after] = argv
    if (first === undefined) {
      // Bare `wireseal`: a usage mistake, so the usage goes to stderr and the exit code says so.
      process.stderr.write(usage(COMMANDS))
      return 2
    }
    if (HELP.has(first) || first === 'help') {
      const topic = first === 'help' ? after.filter((a) => !HELP.has(a)) : []
      if (topic.length === 0) {
        process.stdout.write(usage(COMMANDS))
        return 0
      }
      process.stdout.write(commandHelp(resolve(topic).command))
      return 0
    }
    if (first === '--version' || first === '-V') {
      process.stdout.write(`wireseal ${packageVersion()}\n`)
      return 0
    }
    if (GROUPS.has(first) && (after.length === 0 || HELP.has(after[0] as string))) {
      const members = COMMANDS.filter((c) => c.name.startsWith(`${first} `))
      if (after.length === 0) throw new CliUsageError(`missing action: use ${members.map((c) => `\`wireseal ${c.name}\``).join(', ')}`)
      process.stdout.write(members.map(commandHelp).join('\n'))
      return 0
    }
    const { command, rest } = resolve(argv)
    // Before parsing: `--help` wins over any other flag (and `--` ends the flags).
    const end = rest.indexOf('--')
    if ((end < 0 ? rest : rest.slice(0, end)).some((a) => HELP.has(a))) {
      process.stdout.write(commandHelp(command))
      return 0
    }
    const { values, given } = parseFlags(command, rest)
    return await command.run(values, given)
  } catch (err) {
    if (err instanceof CliUsageError) {
      process.stderr.write(`wireseal: ${oneLine(err.message)} (${err.details.hint})\n`)
      return 2
    }
    if (err instanceof SchemaFileError) {
      process.stderr.write(`wireseal: ${err.name}: ${oneLine(err.message)} (the file is the JSON of defineMessageType's input; see \`wireseal seal --help\`)\n`)
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
    process.stderr.write(`wireseal: internal error: ${oneLine((err as Error)?.message ?? String(err))}\n`)
    return 70
  }
}
