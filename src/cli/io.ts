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

/** Reads a whole file, or stdin when `path` is undefined or '-'; refuses more than `maxBytes`. */
export function readInput (path: string | undefined, maxBytes: number): Uint8Array {
  let bytes: Buffer
  const name = path === undefined || path === '-' ? 'stdin' : path
  try {
    if (name === 'stdin') {
      if (process.stdin.isTTY === true) throw new CliUsageError('no input: pass --in FILE or pipe data to stdin')
      bytes = readFileSync(0)
    } else {
      // advisory size check first, so a huge file is refused without reading it
      const size = statSync(name).size
      if (size > maxBytes) throw new CliUsageError(`${name} is ${size} bytes, more than the ${maxBytes}-byte limit`)
      bytes = readFileSync(name)
    }
  } catch (err) {
    if (err instanceof WiresealError) throw err
    throw new CliUsageError(`cannot read ${name}: ${describe(err)}`)
  }
  if (bytes.length > maxBytes) throw new CliUsageError(`${name} is ${bytes.length} bytes, more than the ${maxBytes}-byte limit`)
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
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
