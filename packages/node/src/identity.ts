/**
 * The node's identity key: created in the data dir on first start (mode
 * 0600, written to a temporary file and renamed so a crash never leaves half
 * a key), reused on every start after. A key file readable by group or others
 * is refused, as ssh refuses such a private key.
 *
 * @module
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync, constants } from 'node:fs'
import { join } from 'node:path'

/** File name of the identity key inside the data dir (libp2p protobuf PrivateKey bytes). */
export const IDENTITY_FILE = 'identity.key'

/** Largest identity file read (an Ed25519 key is 68 bytes, secp256k1 37, RSA-4096 about 2.4 KB). */
const MAX_IDENTITY_BYTES = 8192

/** Why the identity key could not be loaded. */
export class IdentityError extends Error {
  override readonly name = 'IdentityError'
  constructor (readonly path: string, problem: string, options?: ErrorOptions) {
    super(`${path}: ${problem}`, options)
  }
}

/** Loads the key in `dataDir`, or creates an Ed25519 key there when there is none. */
export async function loadOrCreateIdentity (dataDir: string): Promise<{ key: PrivateKey, created: boolean }> {
  const path = join(dataDir, IDENTITY_FILE)
  let mode: number
  try {
    const st = statSync(path)
    if (!st.isFile()) throw new IdentityError(path, 'not a regular file')
    if (st.size > MAX_IDENTITY_BYTES) throw new IdentityError(path, `larger than ${MAX_IDENTITY_BYTES} bytes: not a key`)
    mode = st.mode
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    const key = await generateKeyPair('Ed25519')
    writeKeyFile(path, privateKeyToProtobuf(key))
    return { key, created: true }
  }
  if ((mode & 0o077) !== 0) {
    throw new IdentityError(path, `mode ${(mode & 0o777).toString(8)} lets others read the private key: run chmod 600 ${path}`)
  }
  const bytes = readFileSync(path)
  try {
    return { key: privateKeyFromProtobuf(bytes), created: false }
  } catch (err) {
    throw new IdentityError(path, 'not a libp2p private key (protobuf PrivateKey)', { cause: err })
  }
}

function writeKeyFile (path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600)
  try {
    writeSync(fd, bytes)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
}
