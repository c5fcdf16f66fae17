/**
 * Makes the node's own Blocks: `hash` = SHA-256 of `data`, data shaped like a
 * JSON batch of transfers (compressible about as much as real transaction
 * data, so the size-aware policy has real work), at a fixed interval.
 *
 * @module
 */
import { randomBytes } from 'node:crypto'
import type { Block } from 'wireseal'
import { sha256 } from 'wireseal/integrity'

/** Block format version written by this node. */
export const BLOCK_VERSION = 1

/** Block time-to-live written by this node (seconds). */
export const BLOCK_TTL_SECONDS = 3600

/** A new block of about `dataBytes` bytes of data. */
export function makeBlock (dataBytes: number, now = Date.now()): Block {
  const data = blockData(dataBytes)
  return { hash: sha256(data), data, timestamp: BigInt(now), ttl: BLOCK_TTL_SECONDS, version: BLOCK_VERSION, signature: new Uint8Array(0) }
}

function blockData (size: number): Uint8Array {
  const out = Buffer.allocUnsafe(size)
  const rnd = randomBytes(Math.ceil(size / 8) + 8)
  let pos = 0
  let r = 0
  while (pos < size) {
    const entry = `{"to":"0x${rnd.readUInt32BE(r % (rnd.length - 4)).toString(16).padStart(8, '0')}","value":${rnd.readUInt16BE((r + 3) % (rnd.length - 2))}},`
    pos += out.write(entry, pos, 'latin1')
    r += 4
  }
  return new Uint8Array(out.buffer, out.byteOffset, size)
}

/** Calls `produce` every `intervalMs` until stopped (unref'd; 0 = never). */
export function startProducer (intervalMs: number, produce: () => Promise<void>): { stop: () => void } {
  if (intervalMs <= 0) return { stop: () => {} }
  let busy = false
  const timer = setInterval(() => {
    if (busy) return
    busy = true
    produce().catch(() => {}).finally(() => { busy = false })
  }, intervalMs)
  timer.unref()
  return { stop: () => { clearInterval(timer) } }
}
