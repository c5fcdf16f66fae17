/**
 * Durable state files for the replay layer: atomic replacement and a small,
 * versioned, checksummed container.
 *
 * Atomic replacement (the POSIX recipe): write a uniquely named temporary file
 * next to the target, fsync it, rename it over the target (rename(2) is atomic
 * within a file system), then fsync the directory so the rename itself
 * survives a power cut. A reader therefore sees the old or the new file,
 * never a mix.
 *
 * Container: `<JSON text>\n<sha256 of the JSON text, lowercase hex>\n`. The
 * JSON object carries `format` and `version`. Any damage (truncation, a
 * flipped bit, garbage) fails the checksum or the schema and is reported as
 * {@link MalformedInputError}: a damaged file is never read as empty state.
 *
 * @module
 */
import { closeSync, constants, fsyncSync, openSync, readdirSync, readSync, fstatSync, renameSync, unlinkSync, writeSync } from 'node:fs'
import { open, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { createHash } from 'node:crypto'
import { CorruptStateError, MalformedInputError, StorageError } from '../errors.js'
import { isIntInRange } from '../options/checks.js'

const CHECKSUM_HEX = 64
let tmpCounter = 0

function tmpPathFor (path: string): string {
  tmpCounter = (tmpCounter + 1) % Number.MAX_SAFE_INTEGER
  return `${path}.${process.pid}.${tmpCounter}.tmp`
}

/** `<name>.<pid>.<counter>.tmp`, as {@link tmpPathFor} names them. */
const TMP_NAME = /^\.\d+\.\d+\.tmp$/

/**
 * Deletes the temporary files of `path` left by a writer killed between
 * creating and renaming them. Call it only while holding the lock of `path`
 * (then no live writer owns one). Returns how many were removed.
 */
export function cleanStaleTempFiles (path: string): number {
  const dir = dirname(path)
  const base = basename(path)
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return 0 // reported by the read or write that follows
  }
  let removed = 0
  for (const name of names) {
    if (!name.startsWith(base) || !TMP_NAME.test(name.slice(base.length))) continue
    try {
      unlinkSync(join(dir, name))
      removed++
    } catch { /* raced or not ours to remove: left alone */ }
  }
  return removed
}

/** A {@link MalformedInputError} met while loading `path`, as a {@link CorruptStateError} naming the file; other errors unchanged. */
export function asCorruptState (path: string, err: unknown): unknown {
  if (err instanceof MalformedInputError && !(err instanceof CorruptStateError)) {
    return new CorruptStateError(path, err.details.format, err.details.reason, { cause: err })
  }
  return err
}

function codeOf (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'failed'
}

function storageError (path: string, operation: string, err: unknown): StorageError {
  return err instanceof StorageError ? err : new StorageError(path, operation, codeOf(err), { cause: err })
}

function fsyncDirSync (dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Replaces `path` with `data` atomically and durably (temp file, fsync,
 * rename, directory fsync), synchronously. Throws {@link StorageError}.
 */
export function writeFileAtomicSync (path: string, data: Uint8Array): void {
  const tmp = tmpPathFor(path)
  try {
    const fd = openSync(tmp, 'w', 0o600)
    try {
      let off = 0
      while (off < data.length) off += writeSync(fd, data, off, data.length - off)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, path)
  } catch (err) {
    try { unlinkSync(tmp) } catch { /* already gone */ }
    throw storageError(path, 'write', err)
  }
  try {
    fsyncDirSync(dirname(path))
  } catch (err) {
    throw storageError(path, 'write', err)
  }
}

/**
 * Asynchronous {@link writeFileAtomicSync}. The slow part (write + fsync of
 * the temp file) runs off the event loop; `beforeRename` is then called
 * synchronously, immediately before the rename: when it returns false (a
 * newer version was written meanwhile) the temp file is discarded and the
 * promise resolves to false. Rejects with {@link StorageError}.
 */
export async function writeFileAtomic (path: string, data: Uint8Array, beforeRename: () => boolean = () => true): Promise<boolean> {
  const tmp = tmpPathFor(path)
  let renamed = false
  try {
    const fh = await open(tmp, 'w', 0o600)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    // Check and rename in one synchronous step so no newer write can slip in between.
    if (!beforeRename()) {
      await unlink(tmp)
      return false
    }
    renameSync(tmp, path)
    renamed = true
    const dir = await open(dirname(path), 'r')
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
    return true
  } catch (err) {
    if (!renamed) await unlink(tmp).catch(() => {})
    throw storageError(path, 'write', err)
  }
}

/**
 * Reads a whole state file of at most `maxBytes`. Returns `undefined` when the
 * file does not exist; throws {@link MalformedInputError} when it is larger
 * than `maxBytes` and {@link StorageError} on other I/O failures.
 */
export function readStateFile (path: string, format: string, maxBytes: number): Uint8Array | undefined {
  let fd: number
  try {
    // O_NONBLOCK: a FIFO planted at the path must not block the open.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return undefined
    throw storageError(path, 'read', err)
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new StorageError(path, 'read', 'not a regular file')
    const size = st.size
    if (size > maxBytes) throw new MalformedInputError(format, `file of ${size} bytes exceeds the limit of ${maxBytes}`)
    const out = new Uint8Array(size)
    let off = 0
    while (off < size) {
      const n = readSync(fd, out, off, size - off, off)
      if (n === 0) break
      off += n
    }
    return off === size ? out : out.subarray(0, off)
  } catch (err) {
    if (err instanceof MalformedInputError || err instanceof StorageError) throw err
    throw storageError(path, 'read', err)
  } finally {
    closeSync(fd)
  }
}

function sha256Hex (text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** Wraps a JSON-able `body` (which gets `format` and `version` fields) into the checksummed container. */
export function encodeStateFile (format: string, version: number, body: Record<string, unknown>): Uint8Array {
  const json = JSON.stringify({ format, version, ...body })
  return Buffer.from(`${json}\n${sha256Hex(json)}\n`, 'utf8')
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Opens the checksummed container and returns its JSON object after checking
 * `format` and `version`. Throws {@link MalformedInputError} (`format` names
 * the file kind) on any damage.
 */
export function decodeStateFile (format: string, version: number | readonly number[], bytes: Uint8Array): Record<string, unknown> {
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch (err) {
    throw new MalformedInputError(format, 'not UTF-8', { cause: err })
  }
  // "<json>\n<64 hex>\n": the smallest JSON object is "{}".
  if (text.length < 2 + 1 + CHECKSUM_HEX + 1 || !text.endsWith('\n')) throw new MalformedInputError(format, 'truncated')
  const sep = text.length - CHECKSUM_HEX - 2
  if (text.charCodeAt(sep) !== 10) throw new MalformedInputError(format, 'truncated')
  const json = text.slice(0, sep)
  if (text.slice(sep + 1, -1) !== sha256Hex(json)) throw new MalformedInputError(format, 'checksum mismatch')
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch (err) {
    throw new MalformedInputError(format, 'bad JSON', { cause: err })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MalformedInputError(format, 'not an object')
  const obj = value as Record<string, unknown>
  if (obj.format !== format) throw new MalformedInputError(format, `wrong format ${JSON.stringify(obj.format)}`)
  const ok = typeof version === 'number' ? obj.version === version : version.includes(obj.version as number)
  if (!ok) throw new MalformedInputError(format, `unsupported version ${JSON.stringify(obj.version)}`)
  return obj
}

/** One persisted (sender, channel) window. */
export interface PersistedWindow {
  /** Sender peer id. */
  readonly sender: string
  /** Channel (topic or protocol). */
  readonly channel: string
  /** Highest committed sequence number; on restore every seq `<=` it counts as seen. */
  readonly highSeq: number
  /** Highest accepted timestamp (ms), -Infinity if none. */
  readonly highTimestampMs: number
  /** Timestamps `<=` this are refused by the window (ms), -Infinity if none. */
  readonly floorMs: number
  /**
   * Sequence numbers just below `highSeq` never seen (at most
   * {@link MAX_PERSISTED_UNSEEN}, all within {@link PERSISTED_UNSEEN_SPAN} of
   * it), highest first: a restore keeps them acceptable, so messages that
   * arrive slightly out of order across a restart (one CLI process per
   * message) are not refused. Every other seq `<= highSeq` counts as seen.
   */
  readonly unseen?: readonly number[]
}

/** How far below a window's high-water mark never-seen seqs are persisted. */
export const PERSISTED_UNSEEN_SPAN = 256
/** Most never-seen seqs persisted per window (bounds the file: about 4 bytes each). */
export const MAX_PERSISTED_UNSEEN = 32

/** The receiver's persisted replay state. */
export interface ReplayState {
  /** True only in the file written by a clean `close()`. */
  readonly clean: boolean
  /** Guard clock when this state was captured (ms). */
  readonly lastFlushMs: number
  /** The writer's flush interval: it accepted nothing after `lastFlushMs + flushIntervalMs` without writing a newer file. */
  readonly flushIntervalMs: number
  /** The writer's clock-skew allowance: accepted timestamps were at most acceptance time + this. */
  readonly maxClockSkewMs: number
  /** Eviction floor (ms), -Infinity if none. */
  readonly floorMs: number
  /** Tracked windows, most recently used first. */
  readonly windows: readonly PersistedWindow[]
}

/** `format` field of a replay state file. */
export const REPLAY_STATE_FORMAT = 'wireseal/replay-state'
/** Current replay state file version (2 added `unseen`; version 1 files are still read). */
export const REPLAY_STATE_VERSION = 2

/** JSON has no infinities: -Infinity travels as null. */
function tsOut (n: number): number | null {
  return n === -Infinity ? null : n
}

function tsIn (v: unknown, field: string): number {
  if (v === null) return -Infinity
  if (typeof v === 'number' && Number.isFinite(v)) return v
  throw new MalformedInputError(REPLAY_STATE_FORMAT, `${field}: expected a finite number or null`)
}

function nonNegInt (v: unknown, field: string): number {
  if (isIntInRange(v, 0)) return v
  throw new MalformedInputError(REPLAY_STATE_FORMAT, `${field}: expected a non-negative safe integer`)
}

/** Offsets below `high` (strictly increasing, within the span, at most the cap) -> seqs. */
function unseenIn (v: unknown, high: number, field: string): number[] {
  const bad = (): MalformedInputError => new MalformedInputError(REPLAY_STATE_FORMAT, `${field}: expected at most ${MAX_PERSISTED_UNSEEN} increasing offsets in 1..${PERSISTED_UNSEEN_SPAN - 1}`)
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_PERSISTED_UNSEEN) throw bad()
  const out: number[] = []
  let prev = 0
  for (const d of v as unknown[]) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d <= prev || d >= PERSISTED_UNSEEN_SPAN || d > high) throw bad()
    out.push(high - d)
    prev = d
  }
  return out
}

/**
 * Serializes a {@link ReplayState} (windows as compact `[sender, channel,
 * highSeq, highTs, floor, unseen]` rows, `unseen` as offsets below highSeq or null).
 */
export function encodeReplayState (state: ReplayState): Uint8Array {
  const rows = new Array<unknown[]>(state.windows.length)
  for (let i = 0; i < rows.length; i++) {
    const w = state.windows[i]!
    const unseen = w.unseen === undefined || w.unseen.length === 0 ? null : w.unseen.map(seq => w.highSeq - seq)
    rows[i] = [w.sender, w.channel, w.highSeq, tsOut(w.highTimestampMs), tsOut(w.floorMs), unseen]
  }
  return encodeStateFile(REPLAY_STATE_FORMAT, REPLAY_STATE_VERSION, {
    clean: state.clean,
    lastFlushMs: state.lastFlushMs,
    flushIntervalMs: state.flushIntervalMs,
    maxClockSkewMs: state.maxClockSkewMs,
    floorMs: tsOut(state.floorMs),
    windows: rows
  })
}

/** Parses and validates a replay state file; throws {@link MalformedInputError}. */
export function decodeReplayState (bytes: Uint8Array): ReplayState {
  const obj = decodeStateFile(REPLAY_STATE_FORMAT, [1, REPLAY_STATE_VERSION], bytes)
  const fields = obj.version === 1 ? 5 : 6
  if (typeof obj.clean !== 'boolean') throw new MalformedInputError(REPLAY_STATE_FORMAT, 'clean: expected a boolean')
  const lastFlushMs = tsIn(obj.lastFlushMs, 'lastFlushMs')
  if (lastFlushMs === -Infinity) throw new MalformedInputError(REPLAY_STATE_FORMAT, 'lastFlushMs: expected a finite number')
  const flushIntervalMs = nonNegInt(obj.flushIntervalMs, 'flushIntervalMs')
  const maxClockSkewMs = nonNegInt(obj.maxClockSkewMs, 'maxClockSkewMs')
  const floorMs = tsIn(obj.floorMs, 'floorMs')
  if (!Array.isArray(obj.windows)) throw new MalformedInputError(REPLAY_STATE_FORMAT, 'windows: expected an array')
  const seen = new Map<string, Set<string>>()
  const windows: PersistedWindow[] = []
  for (let i = 0; i < obj.windows.length; i++) {
    const row: unknown = obj.windows[i]
    const field = `windows[${i}]`
    if (!Array.isArray(row) || row.length !== fields) throw new MalformedInputError(REPLAY_STATE_FORMAT, `${field}: expected ${fields} fields`)
    const [sender, channel] = row
    if (typeof sender !== 'string' || typeof channel !== 'string') throw new MalformedInputError(REPLAY_STATE_FORMAT, `${field}: expected sender and channel strings`)
    let channels = seen.get(sender)
    if (channels === undefined) seen.set(sender, channels = new Set())
    if (channels.has(channel)) throw new MalformedInputError(REPLAY_STATE_FORMAT, `${field}: duplicate window`)
    channels.add(channel)
    const highSeq = nonNegInt(row[2], `${field}.highSeq`)
    const w: PersistedWindow = {
      sender,
      channel,
      highSeq,
      highTimestampMs: tsIn(row[3], `${field}.highTimestampMs`),
      floorMs: tsIn(row[4], `${field}.floorMs`)
    }
    windows.push(fields === 6 && row[5] !== null ? { ...w, unseen: unseenIn(row[5], highSeq, `${field}.unseen`) } : w)
  }
  return { clean: obj.clean, lastFlushMs, flushIntervalMs, maxClockSkewMs, floorMs, windows }
}
