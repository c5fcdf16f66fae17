/**
 * The inputs of `wireseal bench`: the user's messages, read and checked.
 * JSON values in the json serializer's format (bytes as base64, uint64 as
 * decimal strings), one value per file, a JSON array of values, or NDJSON
 * (one value per line); or, with `--type raw`, raw bytes (one message per
 * file). Without `--type` the first registered message type that accepts
 * the values is used.
 *
 * Bounded: every file is size-checked before it is read (a raw message at
 * most the payload limit, a JSON file at most twice that), all inputs
 * together at most {@link BENCH_MAX_INPUT_BYTES}, at most
 * {@link BENCH_MAX_MESSAGES} messages and {@link BENCH_MAX_FILES} files.
 *
 * @module
 */
import { readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { WiresealError } from '../errors.js'
import { DEFAULT_LIMITS } from '../limits.js'
import { defaultSerializerRegistry, type SerializerRegistry } from '../serialize/registry.js'
import { SerializerId, type MessageType, type Serializer } from '../serialize/types.js'
import { CliUsageError, readFileInput } from './io.js'

/** Largest total size of all input files of one run: twice the payload limit (one maximal JSON value). */
export const BENCH_MAX_INPUT_BYTES = 2 * DEFAULT_LIMITS.maxPayloadBytes
/** Most messages in one run. */
export const BENCH_MAX_MESSAGES = 100_000
/** Most files in one run (a directory with more is refused). */
export const BENCH_MAX_FILES = 10_000
const textEncoder = new TextEncoder()
const textDecoder = new TextDecoder('utf-8', { fatal: true })

/** The user's messages, ready to measure. */
export interface BenchInput {
  /** Message type name, or `raw`. */
  type: string
  /** How the type was chosen. */
  detected: boolean
  /** Message count. */
  count: number
  /** Bytes read from the input files. */
  inputBytes: number
  /** Typed values (empty for raw). */
  values: unknown[]
  /** Raw messages (empty for typed input). */
  raw: Uint8Array[]
  /** Where the type's serializers come from (`--schema` types included). @default defaultSerializerRegistry */
  serializers?: SerializerRegistry
}

/** Regular, non-hidden files named by `paths` (directories: their files, not recursively, sorted). */
function collectFiles (paths: readonly string[]): string[] {
  const files: string[] = []
  for (const p of paths) {
    let isDir: boolean
    try {
      isDir = statSync(p).isDirectory()
    } catch (err) {
      throw new CliUsageError(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
    }
    if (!isDir) {
      files.push(p)
      continue
    }
    const names = readdirSync(p).filter(n => !n.startsWith('.')).sort()
    const inDir = names.map(n => join(p, n)).filter(f => statSync(f).isFile())
    if (inDir.length === 0) throw new CliUsageError(`no input files in ${p}`)
    files.push(...inDir)
    if (files.length > BENCH_MAX_FILES) break
  }
  if (files.length > BENCH_MAX_FILES) throw new CliUsageError(`more than ${BENCH_MAX_FILES} input files`)
  return files
}

/** One line of an error's message, at most 160 characters, for a usage error. */
export function errorText (err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 160)
}

const BAD_JSON_HINT = 'values are JSON in the json serializer\'s format: bytes as base64, uint64 as decimal strings; pass --type raw for raw bytes'

/** The JSON values of one file: one value, an array of values, or NDJSON. */
function parseJsonValues (file: string, bytes: Uint8Array): unknown[] {
  let text: string
  try {
    text = textDecoder.decode(bytes)
  } catch {
    throw new CliUsageError(`bad JSON in ${file}: not UTF-8 text`, BAD_JSON_HINT)
  }
  const lines = text.split('\n')
  const ndjson = /\.(ndjson|jsonl)$/i.test(file)
  if (!ndjson) {
    try {
      const v: unknown = JSON.parse(text)
      return Array.isArray(v) ? v : [v]
    } catch (err) {
      // Several JSON values, one per line, are NDJSON whatever the file is called.
      if (lines.filter(l => l.trim() !== '').length < 2) throw new CliUsageError(`bad JSON in ${file}: ${errorText(err)}`, BAD_JSON_HINT)
    }
  }
  const values: unknown[] = []
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    try {
      values.push(JSON.parse(line))
    } catch (err) {
      throw new CliUsageError(`bad JSON in ${file} line ${i + 1}: ${errorText(err)}`, BAD_JSON_HINT)
    }
  })
  return values
}

function jsonSerializer (type: MessageType, serializers: SerializerRegistry): Serializer {
  return serializers.get(type.id, SerializerId.json)
}

/** A typed value from a plain JSON value, through the json serializer (the same checks as `wireseal seal`). */
function typedValue (type: MessageType, value: unknown, serializers: SerializerRegistry): unknown {
  return jsonSerializer(type, serializers).decode(textEncoder.encode(JSON.stringify(value)))
}

/** Reads and checks every input: sizes, JSON, message type. Throws {@link CliUsageError} (exit 2) on any problem. */
export function loadBenchInput (paths: readonly string[], typeName: string | undefined, registry: SerializerRegistry = defaultSerializerRegistry): BenchInput {
  if (paths.length === 0) throw new CliUsageError('missing --input FILE|DIR')
  const files = collectFiles(paths)
  const raw = typeName?.toLowerCase() === 'raw'
  let type: MessageType | undefined
  if (typeName !== undefined && !raw) {
    try {
      type = registry.getType(typeName)
    } catch {
      throw new CliUsageError(`unknown --type "${typeName}": use ${[...registry.types().map(t => t.name), 'raw'].join(', ')}`)
    }
  }
  let total = 0
  for (const f of files) total += statSync(f).size
  if (total > BENCH_MAX_INPUT_BYTES) {
    throw new CliUsageError(`the inputs total ${total} bytes, more than the ${BENCH_MAX_INPUT_BYTES}-byte limit of wireseal bench (twice the payload limit)`)
  }
  const perFile = raw ? DEFAULT_LIMITS.maxPayloadBytes : 2 * DEFAULT_LIMITS.maxPayloadBytes
  const input: BenchInput = { type: raw ? 'raw' : type?.name ?? '', detected: false, count: 0, inputBytes: 0, values: [], raw: [], serializers: registry }
  const sources: string[] = []
  const plain: unknown[] = []
  for (const f of files) {
    const bytes = readFileInput(f, perFile)
    input.inputBytes += bytes.length
    if (raw) {
      input.raw.push(bytes)
    } else {
      const values = parseJsonValues(f, bytes)
      if (values.length === 0) throw new CliUsageError(`${f} holds no values`, BAD_JSON_HINT)
      values.forEach((v, i) => {
        plain.push(v)
        sources.push(values.length === 1 ? basename(f) : `${basename(f)} value #${i + 1}`)
      })
    }
    if (input.raw.length + plain.length > BENCH_MAX_MESSAGES) throw new CliUsageError(`more than ${BENCH_MAX_MESSAGES} messages`)
  }
  if (raw) {
    input.count = input.raw.length
    return input
  }
  if (type === undefined) {
    type = registry.types().find(t => {
      try {
        typedValue(t, plain[0], registry)
        return true
      } catch {
        return false
      }
    })
    if (type === undefined) {
      throw new CliUsageError(`cannot tell the message type of ${sources[0] ?? 'the input'}: no registered type accepts it`, `pass --type ${[...registry.types().map(t => t.name), 'raw'].join('|')}`)
    }
    input.type = type.name
    input.detected = true
  }
  const t = type
  input.values = plain.map((v, i) => {
    try {
      return typedValue(t, v, registry)
    } catch (err) {
      if (err instanceof WiresealError) throw new CliUsageError(`${sources[i] ?? 'a value'} is not a valid ${t.name}: ${errorText(err)}`, BAD_JSON_HINT)
      throw err
    }
  })
  input.count = input.values.length
  return input
}
