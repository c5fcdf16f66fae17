/**
 * Key files written by `wireseal keygen`: JSON holding the libp2p protobuf
 * private key (base64), its type and the peer id, created with mode 0600.
 *
 * @module
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { closeSync, constants, fsyncSync, openSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { StorageError } from '../errors.js'
import { decodeBase64 } from '../serialize/base64.js'
import { CliUsageError, DEFAULT_INPUT_WAIT_MS, readAnyFile, writeOutput } from './io.js'

/** On-disk key file, version 1. */
export interface KeyFile {
  version: 1
  type: string
  id: string
  /** libp2p protobuf-encoded private key, standard base64. */
  privateKey: string
}

/** Key types `keygen` accepts, as the CLI spells them (a Map: no inherited names such as `constructor`). */
export const KEY_TYPES: ReadonlyMap<string, 'Ed25519' | 'secp256k1' | 'ECDSA'> = new Map([['ed25519', 'Ed25519'], ['secp256k1', 'secp256k1'], ['ecdsa', 'ECDSA']])

/** Largest key file read (a libp2p protobuf key in base64 JSON is well under 1 KiB). */
export const MAX_KEY_FILE_BYTES = 64 * 1024

/** Generates a key of the given CLI type name. */
export async function generateKey (type: string): Promise<PrivateKey> {
  const libp2pType = KEY_TYPES.get(type.toLowerCase())
  if (libp2pType === undefined) throw new CliUsageError(`unknown key type "${type}": use ed25519, secp256k1 or ecdsa`)
  return await generateKeyPair(libp2pType)
}

/** Options of {@link writeKeyFile}. */
export interface WriteKeyFileOptions {
  /** Replace an existing file (atomically: a new file renamed over it). @default false (an existing file is refused) */
  force?: boolean
}

function code (err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err)
}

/**
 * Creates `path` with `data` and mode 0600, refusing any existing entry
 * (file, directory, symlink, even a dangling one): one open(2) with
 * O_CREAT | O_EXCL | O_NOFOLLOW decides, so two keygens racing for one path
 * cannot both win. A failed write removes the partial file.
 */
function createExclusive (path: string, data: string, refuse: (path: string) => Error): void {
  let fd: number
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600)
  } catch (err) {
    if (code(err) === 'EEXIST') throw refuse(path)
    throw new CliUsageError(`cannot write ${path}: ${code(err)}`)
  }
  try {
    writeSync(fd, data)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    unlinkSync(path)
    throw new CliUsageError(`cannot write ${path}: ${code(err)}`)
  }
  closeSync(fd)
}

/**
 * Writes a key file (mode 0600), or prints it when `path` is undefined. An
 * existing file is never overwritten unless `force`: it is refused with a
 * {@link StorageError} (`operation: 'create'`, `reason: 'exists'`). With
 * `force` the key goes to a fresh temporary file beside it, renamed over
 * the old one, so the path holds the old key or the new one, never half.
 */
export function writeKeyFile (path: string | undefined, key: PrivateKey, options: WriteKeyFileOptions = {}): KeyFile {
  const file: KeyFile = {
    version: 1,
    type: key.type,
    id: key.publicKey.toString(),
    privateKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64')
  }
  const text = JSON.stringify(file, null, 2) + '\n'
  if (path === undefined || path === '-') {
    writeOutput(undefined, text)
  } else if (options.force !== true) {
    createExclusive(path, text, (p) => new StorageError(p, 'create', 'exists: refusing to overwrite a key file (an identity); pass --force to replace it'))
  } else {
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
    createExclusive(tmp, text, (p) => new CliUsageError(`cannot write ${p}: EEXIST`))
    try {
      renameSync(tmp, path)
    } catch (err) {
      unlinkSync(tmp)
      throw new CliUsageError(`cannot write ${path}: ${code(err)}`)
    }
  }
  return file
}

/** `wireseal keygen`: the key file to --out (peer id on stdout), or to stdout (peer id on stderr). */
export async function runKeygen (v: Record<string, unknown>): Promise<number> {
  const out = v.out as string | undefined
  const key = await generateKey(v.type as string)
  const file = writeKeyFile(out, key, { force: v.force === true })
  if (out !== undefined && out !== '-') process.stdout.write(file.id + '\n')
  else process.stderr.write(file.id + '\n')
  return 0
}

function notKeyFile (path: string, why: string): CliUsageError {
  return new CliUsageError(`${path} is not a wireseal key file (${why})`, 'create one with `wireseal keygen --out FILE`')
}

/**
 * Reads and validates a key file: a regular file or a pipe (`--key <(...)`),
 * readable by its owner only, at most {@link MAX_KEY_FILE_BYTES}, read within
 * `waitMs`; strict JSON with canonical base64 (RFC 4648) and an `id` and
 * `type` that match the key.
 */
export async function readKeyFile (path: string, waitMs = DEFAULT_INPUT_WAIT_MS): Promise<PrivateKey> {
  let st: Stats
  try {
    st = statSync(path)
  } catch (err) {
    throw new CliUsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  if (!st.isFile() && !st.isFIFO()) throw new CliUsageError(`cannot use ${path} as a key: not a regular file or a pipe`)
  // A private key readable by others is compromised, as ssh refuses such keys.
  if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0')
    throw new CliUsageError(`${path} is accessible to group or others (mode ${mode})`, `run \`chmod 600 ${path}\` if it is yours and was not exposed, else make a new key`)
  }
  const bytes = await readAnyFile(path, MAX_KEY_FILE_BYTES, { waitMs, expect: { dev: st.dev, ino: st.ino } })
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw notKeyFile(path, 'not UTF-8')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw notKeyFile(path, 'invalid JSON')
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notKeyFile(path, 'not a JSON object')
  const file = parsed as Partial<Record<keyof KeyFile, unknown>>
  if (file.version !== 1) throw notKeyFile(path, `unsupported version ${JSON.stringify(file.version) ?? 'undefined'}`)
  if (typeof file.privateKey !== 'string') throw notKeyFile(path, 'no privateKey')
  const der = decodeBase64(file.privateKey)
  if (der === undefined) throw notKeyFile(path, 'privateKey is not canonical base64: no spaces, line breaks or other characters around it')
  let key: PrivateKey
  try {
    key = privateKeyFromProtobuf(der)
  } catch {
    throw new CliUsageError(`${path} holds an unreadable private key`)
  }
  if (file.type !== undefined && file.type !== key.type) throw notKeyFile(path, `type ${JSON.stringify(file.type)} does not match the key (${key.type})`)
  if (file.id !== undefined && file.id !== key.publicKey.toString()) throw notKeyFile(path, 'id does not match the key')
  return key
}
