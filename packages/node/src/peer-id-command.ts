/**
 * `wireseal-node peer-id [--data-dir DIR]`: prints the peer id of the
 * identity key in DIR (P2P_DATA_DIR by default), creating the key (mode 0600)
 * when there is none, exactly as the node does on its first start. An
 * operator runs it once per node to write bootstrap addresses before any
 * node starts.
 *
 * @module
 */
import { mkdirSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreateIdentity } from './identity.js'
import { DEFAULT_DATA_DIR } from './config.js'

/** The peer-id command; resolves to the exit code. */
export async function runPeerId (argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let dataDir: string
  try {
    const { values } = parseArgs({ args: [...argv], options: { 'data-dir': { type: 'string' } }, strict: true })
    dataDir = values['data-dir'] ?? (env.P2P_DATA_DIR !== undefined && env.P2P_DATA_DIR !== '' ? env.P2P_DATA_DIR : DEFAULT_DATA_DIR)
  } catch (err) {
    process.stderr.write(`wireseal-node peer-id: ${(err as Error).message}\n`)
    return 2
  }
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 })
    const { key, created } = await loadOrCreateIdentity(dataDir)
    process.stdout.write(`${peerIdFromPrivateKey(key).toString()}\n`)
    if (created) process.stderr.write(`created ${dataDir}/identity.key\n`)
    return 0
  } catch (err) {
    process.stderr.write(`wireseal-node peer-id: ${(err as Error).message}\n`)
    return 1
  }
}
