/**
 * `wireseal seal` and `wireseal open`: values as JSON (the json serializer's
 * format: bytes base64, uint64 decimal strings) in, envelopes out, and back.
 *
 * @module
 */
import { join } from 'node:path'
import { createCodec, type OpenResult } from '../codec.js'
import { defaultSerializerRegistry } from '../serialize/registry.js'
import { SerializerId, type MessageType } from '../serialize/types.js'
import { createReplayGuard } from '../replay/guard.js'
import { createSequencer } from '../replay/sequencer.js'
import { CompressionId, type CompressionName } from '../compress/types.js'
import { DEFAULT_LIMITS } from '../limits.js'
import { UnknownCodecError, WiresealError } from '../errors.js'
import { CliUsageError, DEFAULT_INPUT_WAIT_MS, readInput, writeOutput } from './io.js'
import { DEFAULT_LOCK_WAIT_MS, msFlag, REPLAY_FILE, SEQUENCER_FILE, withStateDir } from './state.js'
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
  const lockWait = msFlag(v, 'lock-wait', DEFAULT_LOCK_WAIT_MS)
  const inputWait = msFlag(v, 'input-wait', DEFAULT_INPUT_WAIT_MS)
  const type = messageType(v.type as string | undefined)
  const channel = required(v, 'channel')
  const serializerName = (v.serializer as string | undefined) ?? 'protobuf'
  if (!registry.has(type, serializerName)) throw new CliUsageError(`unknown --serializer "${serializerName}" for ${type.name}`)
  const compression = (v.compression as string | undefined) ?? 'auto'
  // Own properties only: `in` would take `toString` or `constructor` for a compression.
  if (compression !== 'auto' && !Object.hasOwn(CompressionId, compression)) throw new CliUsageError(`unknown --compression "${compression}": use auto, none, snappy, gzip or zstd`)
  const key = await readKeyFile(required(v, 'key'), inputWait)
  const value = valueFromJson(type, await readInput(v.in as string | undefined, DEFAULT_LIMITS.maxPayloadBytes * 2, { waitMs: inputWait }))
  // The state directory is locked from reading the reservation to writing it back.
  const envelope = await withStateDir(v.state as string | undefined, lockWait, async (dir) => {
    const sequencer = createSequencer(dir === undefined ? {} : { path: join(dir, SEQUENCER_FILE), lockWaitMs: lockWait })
    try {
      const codec = createCodec({ privateKey: key, sequencer, replay: false })
      return codec.seal(type, value, { channel, serializer: serializerName, compression: compression as 'auto' | CompressionName })
    } finally {
      sequencer.close()
    }
  })
  writeOutput(v.out as string | undefined, envelope)
  return 0
}

/** `wireseal open`. Exit 0 and JSON on stdout when accepted; exit 1 and the reason on stderr otherwise. */
export async function runOpen (v: Record<string, string | boolean | undefined>): Promise<number> {
  const lockWait = msFlag(v, 'lock-wait', DEFAULT_LOCK_WAIT_MS)
  const inputWait = msFlag(v, 'input-wait', DEFAULT_INPUT_WAIT_MS)
  const channel = required(v, 'channel')
  const types = v.type === undefined ? undefined : [messageType(v.type as string).id]
  const bytes = await readInput(v.in as string | undefined, DEFAULT_LIMITS.maxFrameBytes, { waitMs: inputWait })
  // The state directory is locked from reading the replay state to writing it back, so two
  // processes never both accept one envelope nor lose each other's update.
  const result: OpenResult = await withStateDir(v.state as string | undefined, lockWait, async (dir) => {
    const replay = createReplayGuard(dir === undefined ? {} : { path: join(dir, REPLAY_FILE), lockWaitMs: lockWait })
    try {
      return createCodec({ replay }).open(bytes, { channel, types })
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
    value: result.kind === 'batch' ? undefined : valueToJson(result.type, result.value),
    values: result.kind === 'batch' ? result.messages.map((m) => valueToJson(result.type, m.value)) : undefined
  }
  writeOutput(undefined, JSON.stringify(out, null, 2) + '\n')
  return 0
}
