/**
 * `wireseal --help`, `wireseal <command> --help` and `--version`, rendered
 * from the command table (commands.ts), so the help lists exactly the flags
 * the parser accepts, with the defaults it applies.
 *
 * @module
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CommandSpec } from './commands.js'
import type { FlagSpec } from './flags.js'
import { DEFAULT_INPUT_WAIT_MS, readFileInput } from './io.js'
import { DEFAULT_LOCK_WAIT_MS } from './state.js'

const WIDTH = 80
const FLAG_COLUMN = 28

/** Words of `text` (or the given tokens) wrapped to `width`, every line after the first indented by `indent` spaces. */
function wrap (text: string | readonly string[], width: number, indent: number): string {
  const lines: string[] = []
  let line = ''
  for (const word of typeof text === 'string' ? text.split(/\s+/) : text) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  lines.push(line)
  return lines.join('\n' + ' '.repeat(indent))
}

function flagUsage (f: FlagSpec): string {
  return f.kind === 'boolean' ? `--${f.name}` : `--${f.name} ${f.placeholder}`
}

/** The one-line synopsis of a command: required flags first, optional ones in brackets. */
export function synopsis (c: CommandSpec): string[] {
  const parts = [`wireseal ${c.name}`]
  for (const f of c.flags) if (f.required === true) parts.push(flagUsage(f))
  for (const f of c.flags) if (f.required !== true) parts.push(`[${flagUsage(f)}]`)
  return parts
}

/** What applies without the flag, as the help says it. */
export function flagDefault (f: FlagSpec): string {
  if (f.required === true) return 'required'
  if (f.default !== undefined) return `default: ${f.default}`
  if (f.kind === 'boolean') return 'default: off'
  return `default: ${f.absent ?? 'none'}`
}

/** `wireseal <command> --help`. */
export function commandHelp (c: CommandSpec): string {
  const out = [`wireseal ${c.name}: ${c.summary}`, '', 'Usage:', `  ${wrap(synopsis(c), WIDTH - 2, 4)}`, '']
  const flags = [...c.flags, { name: 'help', kind: 'boolean', placeholder: '', description: 'Show this help and exit.' } satisfies FlagSpec]
  out.push('Flags:')
  for (const f of flags) {
    const head = `  ${flagUsage(f)}${f.name === 'help' ? ', -h' : ''}`
    const body = wrap(`${f.description}${f.name === 'help' ? '' : ` (${flagDefault(f)})`}`, WIDTH - FLAG_COLUMN, FLAG_COLUMN)
    out.push(head.length < FLAG_COLUMN - 1 ? head.padEnd(FLAG_COLUMN) + body : `${head}\n${' '.repeat(FLAG_COLUMN)}${body}`)
  }
  for (const note of c.notes ?? []) out.push('', wrap(note, WIDTH, 0))
  out.push('', c.examples.length > 1 ? 'Examples:' : 'Example:')
  for (const e of c.examples) out.push(`  ${e}`)
  return out.join('\n') + '\n'
}

/** `wireseal --help`: every command's synopsis and the conventions they share. */
export function usage (commands: readonly CommandSpec[]): string {
  const lines = [
    'wireseal: signed, replay-protected, compressed messages for libp2p',
    '',
    'Usage:',
    ...commands.map((c) => `  ${wrap(synopsis(c), WIDTH - 2, 4)}`),
    '  wireseal help [COMMAND]',
    '  wireseal --version',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(13)}${wrap(c.summary, WIDTH - 15, 15)}`),
    '',
    '`wireseal COMMAND --help` lists its flags, defaults and examples.',
    'Files default to stdin/stdout. Values are JSON: bytes as base64, uint64 as decimal strings.',
    `--state DIR: one process at a time; others wait --lock-wait MS (default ${DEFAULT_LOCK_WAIT_MS}), then exit 75.`,
    `A FIFO, device or key file must be read within --input-wait MS (default ${DEFAULT_INPUT_WAIT_MS}).`,
    'A damaged state file: `wireseal state reset --state DIR` moves it aside.',
    '--schema FILE adds your own message types to seal, open, inspect and bench.',
    'Exit codes: 0 ok, 1 refused or failed, 2 usage error, 75 state directory busy.'
  ]
  return lines.join('\n') + '\n'
}

/** Largest package.json read. */
const MAX_PACKAGE_JSON_BYTES = 1 << 20

/**
 * The version in the package's own package.json, read when asked: this file
 * is `<root>/src/cli/help.ts` or `<root>/dist/cli/help.js`, so the package
 * root is two directories up. Bounded read (regular file, 1 MiB).
 */
export function packageVersion (): string {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json')
  let pkg: { name?: unknown, version?: unknown }
  try {
    pkg = JSON.parse(Buffer.from(readFileInput(file, MAX_PACKAGE_JSON_BYTES)).toString('utf8')) as typeof pkg
  } catch (err) {
    // A broken installation, not a usage mistake: main reports it as an internal error (exit 70).
    throw new Error(`cannot read the version from ${file}: ${(err as Error).message}`, { cause: err })
  }
  if (pkg.name !== 'wireseal' || typeof pkg.version !== 'string') throw new Error(`${file} is not wireseal's package.json`)
  return pkg.version
}
