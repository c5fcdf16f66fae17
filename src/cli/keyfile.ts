/**
 * Key files written by `wireseal keygen`: JSON holding the libp2p protobuf
 * private key (base64), its type and the peer id, created with mode 0600.
 *
 * @module
 */
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { CliUsageError, readFileInput, writeOutput } from './io.js'

/** On-disk key file, version 1. */
export interface KeyFile {
  version: 1
  type: string
  id: string
  /** libp2p protobuf-encoded private key, standard base64. */
  privateKey: string
}

/** Key types `keygen` accepts, as the CLI spells them. */
export const KEY_TYPES = { ed25519: 'Ed25519', secp256k1: 'secp256k1', ecdsa: 'ECDSA' } as const

/** Generates a key of the given CLI type name. */
export async function generateKey (type: string): Promise<PrivateKey> {
  const libp2pType = KEY_TYPES[type.toLowerCase() as keyof typeof KEY_TYPES]
  if (libp2pType === undefined) throw new CliUsageError(`unknown key type "${type}": use ed25519, secp256k1 or ecdsa`)
  return await generateKeyPair(libp2pType)
}

/** Writes a key file with file mode 0600. */
export function writeKeyFile (path: string | undefined, key: PrivateKey): KeyFile {
  const file: KeyFile = {
    version: 1,
    type: key.type,
    id: key.publicKey.toString(),
    privateKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64')
  }
  writeOutput(path, JSON.stringify(file, null, 2) + '\n', 0o600)
  return file
}

/** Reads and validates a key file. */
export function readKeyFile (path: string): PrivateKey {
  const text = new TextDecoder().decode(readFileInput(path, 64 * 1024))
  let parsed: Partial<KeyFile>
  try {
    parsed = JSON.parse(text) as Partial<KeyFile>
  } catch {
    throw new CliUsageError(`${path} is not a wireseal key file (invalid JSON)`)
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.privateKey !== 'string') {
    throw new CliUsageError(`${path} is not a wireseal key file (no privateKey)`)
  }
  try {
    return privateKeyFromProtobuf(Buffer.from(parsed.privateKey, 'base64'))
  } catch {
    throw new CliUsageError(`${path} holds an unreadable private key`)
  }
}
