/**
 * `wireseal seal` and `wireseal open`: values as JSON (the json serializer's
 * format: bytes base64, uint64 decimal strings) in, envelopes out, and back.
 *
 * @module
 */
import { join } from 'node:path'
import { mkdirSync } from 'node:fs'
import { createCodec, type OpenResult } from '../codec.js'
import { defaultSerializerRegistry } from '../serialize/registry.js'
import { SerializerId, type MessageType } from '../serialize/types.js'
import { createReplayGuard } from '../replay/guard.js'
import { createSequencer } from '../replay/sequencer.js'
import { CompressionId, type CompressionName } from '../compress/types.js'
import { DEFAULT_LIMITS } from '../limits.js'
import { UnknownCodecError, WiresealError } from '../errors.js'
import { CliUsageError, readInput, writeOutput } from './io.js'
import { readKeyFile } from './keyfile.js'

const textDecoder = new TextDecoder()
const registry = defaultSerializerRegistry

function messageType (name: string | undefined): MessageType {
  if (name === undefined) throw new CliUsageError('missing --type (Block or PeerInfo)')
  try {
    return registry.getType(name)
  } catch {
    throw new CliUsageError(`unknown --type "${name}": use ${registry.types().map((t) => t.name).join(' or ')}`)
  }
}

function required (values: Record<string, unknown>, flag: string): string {
  const v = values[flag]
  if (typeof v !== 'string' || v === '') throw new CliUsageError(`missing --${flag}`)
  return v
}

function stateDir (dir: string): string {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new CliUsageError(`cannot use --state ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  return dir
}

/** Converts a JSON value in the json serializer's format into a typed value. */
function valueFromJson (type: MessageType, jsonBytes: Uint8Array): unknown {
  const json = registry.get(type.id, SerializerId.json)
  try {
    return json.decode(jsonBytes)
  } catch (err) {
    if (err instanceof WiresealError) throw new CliUsageError(`the input is not a valid ${type.name} value: ${err.message}`, 'bytes are base64 strings, uint64 decimal strings')
    throw err
  }
}

/** Converts a typed value into plain JSON (the json serializer's format). */
export function valueToJson (typeId: number, value: unknown): unknown {
  return JSON.parse(textDecoder.decode(registry.get(typeId, SerializerId.json).encode(value)))
}

/** `wireseal seal`. */
export async function runSeal (v: Record<string, string | boolean | undefined>): Promise<number> {
  const key = readKeyFile(required(v, 'key'))
  const type = messageType(v.type as string | undefined)
  const channel = required(v, 'channel')
  const serializerName = (v.serializer as string | undefined) ?? 'protobuf'
  if (!registry.has(type, serializerName)) throw new CliUsageError(`unknown --serializer "${serializerName}" for ${type.name}`)
  const compression = (v.compression as string | undefined) ?? 'auto'
  if (compression !== 'auto' && !(compression in CompressionId)) throw new CliUsageError(`unknown --compression "${compression}": use auto, none, snappy, gzip or zstd`)
  const value = valueFromJson(type, await readInput(v.in as string | undefined, DEFAULT_LIMITS.maxPayloadBytes * 2))
  const state = v.state as string | undefined
  const sequencer = createSequencer(state === undefined ? {} : { path: join(stateDir(state), 'sequencer.json') })
  const codec = createCodec({ privateKey: key, sequencer, replay: false })
  const envelope = codec.seal(type, value, { channel, serializer: serializerName, compression: compression as 'auto' | CompressionName })
  writeOutput(v.out as string | undefined, envelope)
  return 0
}

/** `wireseal open`. Exit 0 and JSON on stdout when accepted; exit 1 and the reason on stderr otherwise. */
export async function runOpen (v: Record<string, string | boolean | undefined>): Promise<number> {
  const channel = required(v, 'channel')
  const types = v.type === undefined ? undefined : [messageType(v.type as string).id]
  const bytes = await readInput(v.in as string | undefined, DEFAULT_LIMITS.maxFrameBytes)
  const state = v.state as string | undefined
  const replay = createReplayGuard(state === undefined ? {} : { path: join(stateDir(state), 'replay.json') })
  let result: OpenResult
  try {
    result = createCodec({ replay }).open(bytes, { channel, types })
  } finally {
    await replay.close()
  }
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
    value: result.kind === 'batch' ? undefined : valueToJson(result.type, result.value),
    values: result.kind === 'batch' ? result.messages.map((m) => valueToJson(result.type, m.value)) : undefined
  }
  writeOutput(undefined, JSON.stringify(out, null, 2) + '\n')
  return 0
}
