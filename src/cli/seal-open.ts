/**
 * `wireseal seal` and `wireseal open`: values as JSON (the json serializer's
 * format: bytes base64, uint64 decimal strings) in, envelopes out, and back.
 *
 * @module
 */
import { join } from 'node:path'
import { createCodec, type OpenResult } from '../codec/index.js'
import type { SerializerRegistry } from '../serialize/registry.js'
import { SerializerId, type MessageType } from '../serialize/types.js'
import { createReplayGuard } from '../replay/guard.js'
import { createSequencer } from '../replay/sequencer.js'
import { CompressionId, type CompressionName } from '../compress/types.js'
import { DEFAULT_LIMITS } from '../limits.js'
import { UnknownCodecError, WiresealError } from '../errors.js'
import { CliUsageError, readInput, writeOutput } from './io.js'
import { REPLAY_FILE, SEQUENCER_FILE, withStateDir } from './state.js'
import { readKeyFile } from './keyfile.js'
import { loadSchemas } from './schema.js'
import type { FlagValues } from './flags.js'

const textDecoder = new TextDecoder()

function messageType (registry: SerializerRegistry, name: string | undefined): MessageType {
  const names = registry.types().map((t) => t.name).join(', ')
  if (name === undefined) throw new CliUsageError(`missing --type (${names})`)
  try {
    return registry.getType(name)
  } catch {
    throw new CliUsageError(`unknown --type "${name}": use ${names}, or describe your own type with --schema FILE`)
  }
}

/** Converts a JSON value in the json serializer's format into a typed value. */
function valueFromJson (registry: SerializerRegistry, type: MessageType, jsonBytes: Uint8Array): unknown {
  const json = registry.get(type.id, SerializerId.json)
  try {
    return json.decode(jsonBytes)
  } catch (err) {
    if (err instanceof WiresealError) throw new CliUsageError(`the input is not a valid ${type.name} value: ${err.message}`, 'bytes are base64 strings, uint64 decimal strings')
    throw err
  }
}

/** Converts a typed value into plain JSON (the json serializer's format). */
export function valueToJson (registry: SerializerRegistry, typeId: number, value: unknown): unknown {
  return JSON.parse(textDecoder.decode(registry.get(typeId, SerializerId.json).encode(value)))
}

/** The serializer `seal` uses without `--serializer`: the registry's default for the type (protobuf for the built-ins, msgpack for schema types). */
export function defaultSerializer (registry: SerializerRegistry, type: MessageType): string {
  return registry.defaultFor(type).name
}

/** `wireseal seal`. Flag values are parsed by the command table (main.ts). */
export async function runSeal (v: FlagValues): Promise<number> {
  const lockWait = v['lock-wait'] as number
  const inputWait = v['input-wait'] as number
  const registry = await loadSchemas(v.schema as string[] | undefined, inputWait)
  const type = messageType(registry, v.type as string | undefined)
  const channel = v.channel as string
  const serializerName = (v.serializer as string | undefined) ?? defaultSerializer(registry, type)
  if (!registry.has(type, serializerName)) {
    const have = registry.list().filter((s) => s.type.id === type.id).map((s) => s.name).join(', ')
    throw new CliUsageError(`unknown --serializer "${serializerName}" for ${type.name}: use ${have}`)
  }
  const compression = v.compression as 'auto' | CompressionName
  const key = await readKeyFile(v.key as string, inputWait)
  const value = valueFromJson(registry, type, await readInput(v.in as string | undefined, DEFAULT_LIMITS.maxPayloadBytes * 2, { waitMs: inputWait }))
  // The state directory is locked from reading the reservation to writing it back.
  const envelope = await withStateDir(v.state as string | undefined, lockWait, async (dir) => {
    const sequencer = createSequencer(dir === undefined ? {} : { path: join(dir, SEQUENCER_FILE), lockWaitMs: lockWait })
    try {
      const codec = createCodec({ privateKey: key, sequencer, replay: false, serializers: registry })
      return codec.seal(type, value, { channel, serializer: registry.get(type, serializerName).id, compression })
    } finally {
      sequencer.close()
    }
  })
  writeOutput(v.out as string | undefined, envelope)
  return 0
}

/**
 * `wireseal open`. Exit 0 and JSON on stdout when accepted; exit 1 and the
 * reason on stderr otherwise. `--max-age` / `--max-clock-skew` set the
 * replay guard's age and skew checks; `--no-replay` verifies only
 * (signature, digest, channel, type, decoding) with no replay guard at all:
 * no replay, age or skew check and no state, so it cannot be combined with
 * `--state`, `--max-age` or `--max-clock-skew`.
 */
export async function runOpen (v: FlagValues, given: ReadonlySet<string> = new Set()): Promise<number> {
  const lockWait = v['lock-wait'] as number
  const inputWait = v['input-wait'] as number
  const noReplay = v['no-replay'] === true
  if (noReplay) {
    const clash = ['state', 'max-age', 'max-clock-skew'].find((f) => given.has(f))
    if (clash !== undefined) throw new CliUsageError(`--no-replay keeps no replay state and checks no age or skew: it cannot be combined with --${clash}`)
  }
  const registry = await loadSchemas(v.schema as string[] | undefined, inputWait)
  const channel = v.channel as string
  const types = v.type === undefined ? undefined : [messageType(registry, v.type as string).id]
  const bytes = await readInput(v.in as string | undefined, DEFAULT_LIMITS.maxFrameBytes, { waitMs: inputWait })
  const guardInit = { maxMessageAgeMs: v['max-age'] as number, maxClockSkewMs: v['max-clock-skew'] as number }
  // The state directory is locked from reading the replay state to writing it back, so two
  // processes never both accept one envelope nor lose each other's update.
  const result: OpenResult = noReplay
    ? createCodec({ replay: false, serializers: registry }).open(bytes, { channel, types })
    : await withStateDir(v.state as string | undefined, lockWait, async (dir) => {
      const replay = createReplayGuard(dir === undefined ? guardInit : { ...guardInit, path: join(dir, REPLAY_FILE), lockWaitMs: lockWait })
      try {
        return createCodec({ replay, serializers: registry }).open(bytes, { channel, types })
      } finally {
        await replay.close()
      }
    })
  if (!result.ok) {
    process.stderr.write(`wireseal: rejected: ${result.reason} (${result.detail})\n`)
    return 1
  }
  const name = (id: number): string => registry.getType(id).name
  const compressionName = Object.entries(CompressionId).find(([, id]) => id === result.compression)?.[0]
  if (compressionName === undefined) throw new UnknownCodecError('compression', result.compression)
  const out = {
    from: result.from,
    seq: result.seq,
    type: name(result.type),
    serializer: registry.get(result.type, result.serializer).name,
    compression: compressionName,
    kind: result.kind,
    value: result.kind === 'batch' ? undefined : valueToJson(registry, result.type, result.value),
    values: result.kind === 'batch' ? result.messages.map((m) => valueToJson(registry, result.type, m.value)) : undefined
  }
  writeOutput(undefined, JSON.stringify(out, null, 2) + '\n')
  return 0
}
