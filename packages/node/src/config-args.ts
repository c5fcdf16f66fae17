/**
 * Command-line flags of the node's configuration: `node:util` `parseArgs`
 * tokenizes, then every check that its strict mode makes (unknown flag,
 * missing value, value given to a boolean, positional argument) is made here
 * on all tokens, so that every mistake is reported at once rather than only
 * the first one (strict mode throws on the first).
 *
 * @module
 */
import { parseArgs } from 'node:util'
import type { VariableSpec } from './config-variables.js'

/** A raw flag value and how it was written, for problem lines. */
export interface FlagValue {
  /** The value (list flags given several times: their values joined with `,`). */
  readonly raw: string
  /** `--flag`, as named in problem lines. */
  readonly name: string
}

/** Flags the caller handles itself; accepted here and otherwise ignored. */
export const HELP_FLAGS: readonly string[] = ['--help', '-h']

/**
 * The closest candidate (for "did you mean"), if any is within an edit
 * distance of a quarter of the name's length, at most 3.
 */
export function suggest (name: string, candidates: readonly string[]): string | undefined {
  if (name.length > 64) return undefined
  let best: string | undefined
  let bestDistance = Math.min(3, Math.floor(name.length / 4)) + 1
  for (const c of candidates) {
    const d = editDistance(name, c)
    if (d < bestDistance) { best = c; bestDistance = d }
  }
  return best
}

/** Levenshtein distance; inputs are short names (<= 64 characters). */
function editDistance (a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length] ?? 0
}

/**
 * Splits `argv` into raw values per field, pushing one problem line per
 * syntax mistake onto `problems`.
 */
export function readFlags (argv: readonly string[], specs: readonly VariableSpec[], problems: string[], show: (v: string) => string): Map<string, FlagValue> {
  const byName = new Map(specs.map(s => [s.flag.slice(2), s]))
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } }
  for (const [name, s] of byName) options[name] = { type: s.kind === 'boolean' ? 'boolean' : 'string' }
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true })

  // A stray word as the line's subject: quoted when empty or blank-containing, so the line still parses as `<subject>: ...`.
  const label = (word: string): string => /^[\x21-\x7e]+$/.test(word) ? show(word) : `"${show(word).replace(/"/g, '\\"')}"`
  const values = new Map<string, FlagValue>()
  const flags = specs.map(s => s.flag)
  const reported = new Set<string | number>() // one line per repeated flag and per short-option group
  let after: 'unknown' | 'boolean' | undefined // what the previous token was, to explain a stray positional
  let previous = ''
  for (const t of tokens) {
    const last = after
    after = undefined
    if (t.kind === 'option-terminator') continue
    if (t.kind === 'positional') {
      if (last === 'unknown') continue // most likely the unknown flag's value: one line is enough
      const hint = last === 'boolean' ? `; write ${previous}=${show(t.value)} to give a boolean flag a value` : '; flags take the form --name value or --name=value'
      problems.push(`${label(t.value)}: unexpected argument${hint}`)
      continue
    }
    const spec = byName.get(t.name)
    if (spec === undefined || !t.rawName.startsWith('--')) {
      if (t.name === 'help' || t.rawName === '-h') continue
      // A short-option group such as `-listen` yields one token per letter: report the argument once.
      const written = t.rawName.startsWith('--') ? t.rawName : (argv[t.index] ?? t.rawName).split('=')[0] ?? t.rawName
      if (reported.has(t.index)) continue
      reported.add(t.index)
      const near = suggest(written.startsWith('--') ? written : `-${written}`, flags)
      problems.push(`${label(written)}: unknown flag${near === undefined ? '' : ` (did you mean ${near}?)`}; see --help`)
      if (t.inlineValue !== true) after = 'unknown'
      continue
    }
    let raw: string
    if (spec.kind === 'boolean') {
      raw = t.value ?? 'true'
      if (t.value === undefined) { after = 'boolean'; previous = spec.flag }
    } else if (t.value === undefined || (t.inlineValue === false && t.value.startsWith('-'))) {
      // parseArgs took the next flag as this one's value (strict mode calls that ambiguous).
      problems.push(`${spec.flag}: missing value; expected ${spec.expected} (write ${spec.flag}=<value> for a value starting with "-")`)
      continue
    } else {
      raw = t.value
    }
    const seen = values.get(spec.field)
    if (seen !== undefined && spec.kind !== 'list') {
      if (!reported.has(spec.flag)) problems.push(`${spec.flag}: given more than once`)
      reported.add(spec.flag)
      continue
    }
    values.set(spec.field, { name: spec.flag, raw: seen === undefined ? raw : `${seen.raw},${raw}` })
  }
  return values
}
