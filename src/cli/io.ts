/**
 * CLI plumbing: a typed usage error, reading inputs (file of any kind, or
 * stdin) under a size limit and a time limit, and writing outputs (file or
 * stdout).
 *
 * @module
 */
import { closeSync, constants, fstatSync, openSync, readSync, writeFileSync, chmodSync } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { WiresealError } from '../errors.js'
import { DEFAULT_INPUT_WAIT_MS } from '../limits.js'

/** A user mistake on the command line: printed as one line, exit code 2. */
export class CliUsageError extends WiresealError<{ hint: string }> {
  constructor (message: string, hint = 'run `wireseal help` for usage') {
    super(message, { hint })
  }
}

function describe (err: unknown): string {
  const e = err as NodeJS.ErrnoException
  return e.code ?? e.message
}

export { DEFAULT_INPUT_WAIT_MS }

const READ_CHUNK = 64 * 1024

/** Options of {@link readAnyFile}. */
export interface ReadFileOptions {
  /** Longest the open and the reads of a non-regular file (FIFO, device) may take, in ms. @default DEFAULT_INPUT_WAIT_MS */
  waitMs?: number
  /** Refuse unless the opened file is this one (dev and inode of an earlier stat): no swap between checks and read. */
  expect?: { dev: number, ino: number }
}

function tooBig (path: string, actual: string, maxBytes: number): CliUsageError {
  return new CliUsageError(`${path} is ${actual} bytes, more than the ${maxBytes}-byte limit`)
}

/** Resolves with `p`, or rejects with a usage error once `deadline` (ms since epoch) passes. */
async function before<T> (p: Promise<T>, deadline: number, path: string, waitMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CliUsageError(`${path}: no end of input after ${waitMs} ms (a FIFO or device without a writer?)`, 'raise --input-wait, or pass a regular file')), Math.max(0, deadline - Date.now()))
  })
  try {
    return await Promise.race([p, expired])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Reads a whole file of at most `maxBytes`, whatever it is: a regular file
 * larger than the limit is refused before reading, anything else (a device
 * such as /dev/zero, a FIFO, /dev/stdin, through symlinks too) is read in
 * 64 KiB chunks and refused as soon as it passes the limit, so memory stays
 * under `maxBytes` plus one chunk. The open and the reads of a non-regular
 * file must finish within `waitMs` (a FIFO blocks until a writer comes).
 */
export async function readAnyFile (path: string, maxBytes: number, options: ReadFileOptions = {}): Promise<Uint8Array> {
  const waitMs = options.waitMs ?? DEFAULT_INPUT_WAIT_MS
  const deadline = Date.now() + waitMs
  const opening = open(path, constants.O_RDONLY | constants.O_NOCTTY)
  let fh: FileHandle
  try {
    fh = await before(opening, deadline, path, waitMs)
  } catch (err) {
    // A FIFO open may still complete later: close what it returns.
    opening.then(async (late) => { await late.close() }, () => {})
    if (err instanceof WiresealError) throw err
    throw new CliUsageError(`cannot read ${path}: ${describe(err)}`)
  }
  try {
    const st = await fh.stat()
    if (options.expect !== undefined && (st.dev !== options.expect.dev || st.ino !== options.expect.ino)) {
      throw new CliUsageError(`${path} changed while it was being opened`)
    }
    if (st.isDirectory()) throw new CliUsageError(`cannot read ${path}: it is a directory`)
    const regular = st.isFile()
    if (regular && st.size > maxBytes) throw tooBig(path, String(st.size), maxBytes)
    const chunks: Uint8Array[] = []
    let total = 0
    for (;;) {
      // One byte past the limit is enough to know the input is too big.
      const want = Math.min(READ_CHUNK, maxBytes + 1 - total)
      const buf = new Uint8Array(want)
      const reading = fh.read(buf, 0, want, null)
      const { bytesRead } = regular ? await reading : await before(reading, deadline, path, waitMs)
      if (bytesRead === 0) break
      total += bytesRead
      if (total > maxBytes) throw tooBig(path, `${total}+`, maxBytes)
      chunks.push(bytesRead === want ? buf : buf.subarray(0, bytesRead))
    }
    const all = Buffer.concat(chunks, total)
    return new Uint8Array(all.buffer, all.byteOffset, all.byteLength)
  } catch (err) {
    if (err instanceof WiresealError) throw err
    throw new CliUsageError(`cannot read ${path}: ${describe(err)}`)
  } finally {
    // A read still blocked on a FIFO keeps the handle busy; bin.ts exits anyway.
    fh.close().catch(() => {})
  }
}

/**
 * Synchronous reader for regular files only (anything else, which could block
 * or never end, is refused): the size is checked before reading, and the
 * read stops one byte past the limit should the file grow meanwhile.
 */
export function readFileInput (path: string, maxBytes: number): Uint8Array {
  let fd: number
  try {
    // O_NONBLOCK: a FIFO must not block the open; it is refused below.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (err) {
    throw new CliUsageError(`cannot read ${path}: ${describe(err)}`)
  }
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new CliUsageError(`cannot read ${path}: not a regular file`)
    if (st.size > maxBytes) throw tooBig(path, String(st.size), maxBytes)
    const out = new Uint8Array(st.size + 1)
    let total = 0
    for (;;) {
      const n = readSync(fd, out, total, out.length - total, null)
      if (n === 0) break
      total += n
      if (total > st.size) throw new CliUsageError(`${path} grew while it was read`)
    }
    return out.subarray(0, total)
  } catch (err) {
    if (err instanceof WiresealError) throw err
    throw new CliUsageError(`cannot read ${path}: ${describe(err)}`)
  } finally {
    closeSync(fd)
  }
}

/**
 * Reads stdin to its end, holding at most `maxBytes`: reading stops and the
 * input is refused as soon as it grows past the limit. Streams, so a
 * non-blocking pipe (where a synchronous read fails with EAGAIN) works too.
 */
export async function readStdin (maxBytes: number): Promise<Uint8Array> {
  if (process.stdin.isTTY === true) throw new CliUsageError('no input: pass --in FILE or pipe data to stdin')
  const chunks: Buffer[] = []
  let total = 0
  try {
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > maxBytes) {
        process.stdin.destroy()
        throw new CliUsageError(`stdin is ${total}+ bytes, more than the ${maxBytes}-byte limit`)
      }
      chunks.push(chunk)
    }
  } catch (err) {
    if (err instanceof WiresealError) throw err
    throw new CliUsageError(`cannot read stdin: ${describe(err)}`)
  }
  const all = Buffer.concat(chunks, total)
  return new Uint8Array(all.buffer, all.byteOffset, all.byteLength)
}

/** Names of stdin: read through the same capped stream (and reopening fd 0 fails when it is a socket). */
const STDIN_PATHS: ReadonlySet<string> = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0'])

/** A file, or stdin when `path` is undefined, '-' or /dev/stdin, at most `maxBytes` (see {@link readAnyFile}). */
export async function readInput (path: string | undefined, maxBytes: number, options: ReadFileOptions = {}): Promise<Uint8Array> {
  return path === undefined || STDIN_PATHS.has(path) ? await readStdin(maxBytes) : await readAnyFile(path, maxBytes, options)
}

/** Writes bytes to a file (created with `mode` when given), or to stdout when `path` is undefined or '-'. */
export function writeOutput (path: string | undefined, data: Uint8Array | string, mode?: number): void {
  if (path === undefined || path === '-') {
    process.stdout.write(data)
    return
  }
  try {
    writeFileSync(path, data, mode === undefined ? undefined : { mode })
    // writeFileSync applies `mode` only when it creates the file: enforce it on an existing one too
    if (mode !== undefined) chmodSync(path, mode)
  } catch (err) {
    throw new CliUsageError(`cannot write ${path}: ${describe(err)}`)
  }
}
