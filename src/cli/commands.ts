/**
 * Every `wireseal` command with every flag: the single source of the
 * parser (main.ts), of `--help` (help.ts) and of the tests that check the
 * two agree. A command's implementation loads only when it runs.
 *
 * @module
 */
import { CompressionId } from '../compress/types.js'
import { DEFAULT_LIMITS, DEFAULT_MAX_CLOCK_SKEW_MS, DEFAULT_MAX_MESSAGE_AGE_MS } from '../limits.js'
import { CliUsageError, DEFAULT_INPUT_WAIT_MS } from './io.js'
import { oneOf, parseDuration, parseMs, type FlagSpec, type FlagValues } from './flags.js'
import { formatDuration } from '../format.js'
import { intExpectation, isIntInRange } from '../options/checks.js'
import { DEFAULT_LOCK_WAIT_MS } from './state.js'
import { DEFAULT_INSPECT_PAYLOAD_BYTES } from './inspect.js'
import { DEFAULT_BENCH_BANDWIDTH_MBIT } from './bench.js'
import { KEY_TYPES } from './keyfile.js'
import { defaultSerializerRegistry } from '../serialize/registry.js'

/** One command as the user sees it. */
export interface CommandSpec {
  /** As typed after `wireseal`, e.g. `seal` or `state reset`. */
  readonly name: string
  /** One line: what it does. */
  readonly summary: string
  /** Paragraphs of help after the flags (exit codes, formats). */
  readonly notes?: readonly string[]
  readonly flags: readonly FlagSpec[]
  /** Command lines a user can paste, each starting with `wireseal <name>`. */
  readonly examples: readonly string[]
  /** Runs with parsed values (defaults applied) and the names of the flags actually given. */
  run(values: FlagValues, given: ReadonlySet<string>): Promise<number> | number
}

/** Exit code when another process holds the state directory (sysexits.h EX_TEMPFAIL: try again later). */
export const EXIT_STATE_LOCKED = 75

function intFlag (max: number): (raw: string, flag: string) => number {
  return (raw, flag) => {
    const n = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN
    if (!isIntInRange(n, 1, max)) throw new CliUsageError(`--${flag} expects ${intExpectation(1, max)}, got "${raw}"`)
    return n
  }
}

const COMPRESSIONS = ['auto', ...Object.keys(CompressionId)]
const SERIALIZERS = [...new Set(defaultSerializerRegistry.list().map((s) => s.name))].join('|')
const TYPES = defaultSerializerRegistry.types().map((t) => t.name).join('|')

const inFlag = (what: string): FlagSpec => ({ name: 'in', kind: 'value', placeholder: 'FILE', absent: 'stdin', description: `${what} ("-" or /dev/stdin: stdin).` })
const outFlag = (what: string, absent = 'stdout'): FlagSpec => ({ name: 'out', kind: 'value', placeholder: 'FILE', absent, description: `Where to write ${what} ("-": stdout).` })
const stateFlag = (what: string): FlagSpec => ({
  name: 'state',
  kind: 'value',
  placeholder: 'DIR',
  absent: 'in memory for this command only',
  description: `State directory (created with mode 0700) keeping ${what} across invocations. One process at a time: others wait --lock-wait, then exit ${EXIT_STATE_LOCKED}.`
})
const lockWait: FlagSpec = { name: 'lock-wait', kind: 'value', placeholder: 'MS', default: String(DEFAULT_LOCK_WAIT_MS), parse: parseMs, description: `Milliseconds to wait for another process holding --state DIR before exiting ${EXIT_STATE_LOCKED} (a lock left by a dead process is broken at once).` }
const inputWait: FlagSpec = { name: 'input-wait', kind: 'value', placeholder: 'MS', default: String(DEFAULT_INPUT_WAIT_MS), parse: parseMs, description: 'Milliseconds a FIFO, a device or a key file may take to deliver its input.' }
const schema: FlagSpec = {
  name: 'schema',
  kind: 'list',
  placeholder: 'FILE',
  absent: `the built-in types only (${TYPES.replaceAll('|', ', ')})`,
  description: 'Your own message type(s): JSON of what defineMessageType takes, {"id": 128..65535, "name", "fields", "maxPayloadBytes"?}, one object or an array. Such types get the msgpack and json serializers. Repeatable.'
}

const VALUES_NOTE = 'Values are JSON in the json serializer\'s format: bytes as base64 strings, uint64 as decimal strings.'

/** Every command, in the order `wireseal --help` lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'keygen',
    summary: 'create a signing key file (mode 0600) and print its peer id',
    flags: [
      { name: 'type', kind: 'value', placeholder: [...KEY_TYPES.keys()].join('|'), default: 'ed25519', description: 'Key type.' },
      outFlag('the key file', 'stdout (the peer id then goes to stderr)'),
      { name: 'force', kind: 'boolean', placeholder: '', description: 'Replace an existing --out file (atomically). Without it an existing file is refused: exit 1, the old key untouched.' }
    ],
    notes: ['Prints the peer id on stdout when --out is given.'],
    examples: ['wireseal keygen --out key.json', 'wireseal keygen --type secp256k1 --out key.json --force'],
    run: async (v) => await (await import('./keyfile.js')).runKeygen(v)
  },
  {
    name: 'seal',
    summary: 'sign a JSON value into an envelope',
    flags: [
      { name: 'key', kind: 'value', placeholder: 'FILE', required: true, description: 'Key file from `wireseal keygen` (readable by its owner only).' },
      { name: 'type', kind: 'value', placeholder: `${TYPES}|NAME`, required: true, description: 'Message type: a built-in one or a --schema type\'s name.' },
      { name: 'channel', kind: 'value', placeholder: 'NAME', required: true, description: 'Gossip topic or protocol id the envelope is signed for; open refuses it on any other.' },
      { name: 'serializer', kind: 'value', placeholder: SERIALIZERS, absent: 'protobuf; msgpack for a --schema type', description: 'Wire format of the value (a --schema type has msgpack and json).' },
      { name: 'compression', kind: 'value', placeholder: COMPRESSIONS.join('|'), default: 'auto', parse: oneOf(COMPRESSIONS), description: 'auto lets the policy choose (none under 1 KiB or when it does not pay); a name forces it.' },
      stateFlag('the sequence numbers (a seq is never handed out twice)'),
      inFlag('The value, as JSON'),
      outFlag('the envelope'),
      schema,
      lockWait,
      inputWait
    ],
    notes: [VALUES_NOTE, 'A schema file, e.g. vote.json: {"id": 1000, "name": "Vote", "fields": {"slot": "uint64", "approve": "bool", "tags": {"kind": "list", "of": "string", "maxItems": 8}}}. Field kinds: bytes, string, uint32, uint64, bool, {"kind": "list", "of", "maxItems"}, {"kind": "map", "maxEntries"} (string to string).'],
    examples: [
      'wireseal seal --key key.json --type Block --channel blocks --in block.json --out env.bin',
      'wireseal seal --schema vote.json --type Vote --key key.json --channel votes --in vote-value.json --out vote.bin'
    ],
    run: async (v) => await (await import('./seal-open.js')).runSeal(v)
  },
  {
    name: 'open',
    summary: 'verify an envelope and print its value (exit 0), or refuse it (exit 1 and the reason)',
    flags: [
      { name: 'channel', kind: 'value', placeholder: 'NAME', required: true, description: 'The channel the envelope arrived on; one signed for another is refused (wrong-channel).' },
      { name: 'type', kind: 'value', placeholder: `${TYPES}|NAME`, absent: 'any type the registry knows', description: 'Accept only this message type (others: wrong-type).' },
      stateFlag('the replay windows (a replay is refused in a later invocation too)'),
      { name: 'max-age', kind: 'value', placeholder: 'DURATION', default: formatDuration(DEFAULT_MAX_MESSAGE_AGE_MS), parse: parseDuration, description: 'Refuse envelopes timestamped longer ago than this (too-old): 500ms, 45s, 10m, 2h, 7d or plain milliseconds.' },
      { name: 'max-clock-skew', kind: 'value', placeholder: 'DURATION', default: formatDuration(DEFAULT_MAX_CLOCK_SKEW_MS), parse: parseDuration, description: 'Refuse envelopes timestamped further than this in the future (clock-skew).' },
      { name: 'no-replay', kind: 'boolean', placeholder: '', description: 'Verify only: signature, digest, channel, type and decoding, with no replay, age or skew check and no state. Not with --state, --max-age or --max-clock-skew.' },
      inFlag('The envelope'),
      schema,
      lockWait,
      inputWait
    ],
    notes: ['Prints {from, seq, type, serializer, compression, kind, value | values} as JSON. ' + VALUES_NOTE],
    examples: [
      'wireseal open --channel blocks --type Block --state ./state --in env.bin',
      'wireseal open --channel blocks --max-age 7d --in old.bin',
      'wireseal open --channel votes --schema vote.json --no-replay --in vote.bin'
    ],
    run: async (v, given) => await (await import('./seal-open.js')).runOpen(v, given)
  },
  {
    name: 'inspect',
    summary: 'show an envelope\'s header, verifying its signature and payload digest',
    flags: [
      inFlag('The envelope'),
      { name: 'payload', kind: 'boolean', placeholder: '', description: 'Also print the payload as carried (compressed), base64, at most --payload-max bytes of it.' },
      { name: 'payload-max', kind: 'value', placeholder: 'BYTES', default: String(DEFAULT_INSPECT_PAYLOAD_BYTES), parse: intFlag(DEFAULT_LIMITS.maxCompressedBytes), description: 'Most payload bytes --payload prints (payloadTruncated says if there were more).' },
      { ...schema, description: 'Message type(s) whose names to show (see `wireseal seal --help`). Repeatable.' },
      inputWait
    ],
    notes: ['Prints the header as JSON. Only signatureValid (the header\'s signature under the key it carries) and digestValid (the payload hashes to the signed digest, or a forwarded item proves its place in the signed batch; null for a chunked head) are verified: everything else is what the envelope claims. Exit 0 whatever the verdict; 1 when the bytes are not an envelope.'],
    examples: ['wireseal inspect --in env.bin', 'wireseal inspect --payload --payload-max 64 < env.bin'],
    run: async (v) => await (await import('./inspect.js')).runInspect(v)
  },
  {
    name: 'state reset',
    summary: 'move a damaged state file aside (valid ones are left alone)',
    flags: [
      { name: 'state', kind: 'value', placeholder: 'DIR', required: true, description: 'The state directory of seal / open.' },
      lockWait
    ],
    notes: ['A damaged file goes to <file>.corrupt-<UTC time>. The new replay state refuses everything timestamped before now + the 30 s clock-skew allowance, so nothing the lost state accepted is accepted again; the sequencer goes on from its clock seed.'],
    examples: ['wireseal state reset --state ./state'],
    run: async (v) => await (await import('./state.js')).runStateReset(v)
  },
  {
    name: 'bench',
    summary: 'measure every serializer x compression on your own messages and recommend one',
    flags: [
      { name: 'input', kind: 'list', placeholder: 'FILE|DIR', required: true, description: 'JSON values (one per file, an array, or NDJSON), or raw messages with --type raw; a directory: its files. Repeatable.' },
      { name: 'type', kind: 'value', placeholder: `${TYPES}|raw`, absent: 'the first type that accepts the values', description: 'Message type of the values (or a --schema type\'s name); raw: compressors only, on the bytes as they are.' },
      { name: 'quick', kind: 'boolean', placeholder: '', description: 'Shorter timing (about 3 s instead of 15 s).' },
      { name: 'bandwidth', kind: 'value', placeholder: 'MBIT', default: String(DEFAULT_BENCH_BANDWIDTH_MBIT), description: 'Link speed per peer the ranking assumes, in Mbit/s.' },
      { name: 'json', kind: 'boolean', placeholder: '', description: 'Print the report as JSON instead of a table.' },
      schema
    ],
    examples: ['wireseal bench --input ./messages --quick', 'wireseal bench --schema vote.json --type Vote --input votes.ndjson --bandwidth 1000'],
    run: async (v) => {
      const [{ runBench }, { loadSchemas }] = await Promise.all([import('./bench.js'), import('./schema.js')])
      return runBench(v, await loadSchemas(v.schema as string[] | undefined))
    }
  },
  {
    name: 'demo',
    summary: 'a short tour of the layers with real keys and messages',
    flags: [],
    examples: ['wireseal demo'],
    run: async () => await (await import('./demo.js')).runDemo()
  }
]
