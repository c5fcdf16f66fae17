/**
 * CLI plumbing: a typed usage error, reading inputs (file or stdin) and
 * writing outputs (file or stdout) with bounded sizes.
 *
 * @module
 */
import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs'
import { WiresealError } from '../errors.js'

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

/** Reads a whole file, refusing (before reading) one larger than `maxBytes`. */
export function readFileInput (path: string, maxBytes: number): Uint8Array {
  let bytes: Buffer
  try {
    // advisory size check first, so a huge file is refused without reading it
    const size = statSync(path).size
    if (size > maxBytes) throw new CliUsageError(`${path} is ${size} bytes, more than the ${maxBytes}-byte limit`)
    bytes = readFileSync(path)
  } catch (err) {
    if (err instanceof WiresealError) throw err
    throw new CliUsageError(`cannot read ${path}: ${describe(err)}`)
  }
  if (bytes.length > maxBytes) throw new CliUsageError(`${path} is ${bytes.length} bytes, more than the ${maxBytes}-byte limit`)
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
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

/** A file, or stdin when `path` is undefined or '-', at most `maxBytes`. */
export async function readInput (path: string | undefined, maxBytes: number): Promise<Uint8Array> {
  return path === undefined || path === '-' ? await readStdin(maxBytes) : readFileInput(path, maxBytes)
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
