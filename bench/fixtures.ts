/**
 * Deterministic benchmark inputs, drawn from the seeded PRNG of
 * src/bench/prng.ts: JSON-like transaction records (semi-compressible, like
 * real gossip payloads), incompressible random bytes, and realistic Block /
 * PeerInfo values. Same seed, same bytes,
 * on every machine, so figures from different runs compare.
 *
 * @module
 */
import { createPrng, type Prng } from '../src/bench/prng.js'
import type { Block, PeerInfo } from '../src/serialize/index.js'

/** `n` pseudo-random bytes from `rng`. */
export function randomBytes (rng: Prng, n: number): Uint8Array {
  const out = new Uint8Array(n)
  let i = 0
  for (; i + 4 <= n; i += 4) {
    const x = rng()
    out[i] = x
    out[i + 1] = x >>> 8
    out[i + 2] = x >>> 16
    out[i + 3] = x >>> 24
  }
  for (; i < n; i++) out[i] = rng()
  return out
}

const HEX = '0123456789abcdef'

function hex (rng: Prng, chars: number): string {
  let s = ''
  for (let i = 0; i < chars; i++) s += HEX[rng() & 15]
  return s
}

function pick<T> (rng: Prng, items: readonly T[]): T {
  return items[rng() % items.length] as T
}

const METHODS = ['0x', '0xa9059cbb', '0x095ea7b3', '0x23b872dd', '0x38ed1739']

/**
 * `size` bytes of UTF-8 JSON: an array of Ethereum-like transaction records
 * (hash, from, to, value, nonce, gas, gasPrice, input, block, timestamp),
 * truncated to exactly `size` bytes. Hashes are fresh random hex (does not
 * compress beyond hex's 4 bits per char); 40% of accounts come from a pool
 * of 1024 (busy accounts recur in real blocks), the rest are fresh; keys and
 * small numbers repeat. Measured ratios (snappy / gzip L6 / zstd L1) at 4 KB,
 * 64 KB, 1 MB: 1.60 / 2.85 / 2.93, 1.81 / 3.18 / 3.48, 1.81 / 3.23 / 3.65,
 * close to what snappy, gzip L6 and zstd L1 are reported to reach on
 * JSON-like transaction data (1.48 / 2.61 / 2.71 at 4 KB, 1.76 / 3.09 / 3.80
 * at 1 MB).
 */
export function transactionJson (size: number, seed = 1): Uint8Array {
  const rng = createPrng(seed)
  const accounts = Array.from({ length: 1024 }, () => `0x${hex(rng, 40)}`)
  const account = (): string => rng() % 100 < 60 ? `0x${hex(rng, 40)}` : pick(rng, accounts)
  const parts: string[] = []
  let length = 1
  let block = 19_000_000 + (rng() % 100_000)
  let ts = 1_700_000_000 + (rng() % 1_000_000)
  while (length < size + 2) {
    if (rng() % 8 === 0) {
      block++
      ts += 12
    }
    const record = JSON.stringify({
      hash: `0x${hex(rng, 64)}`,
      from: account(),
      to: account(),
      value: String(BigInt(rng() % 100_000) * 10n ** 13n),
      nonce: rng() % 5000,
      gas: pick(rng, [21000, 46109, 65000, 120000, 250000]),
      gasPrice: String((20 + (rng() % 30)) * 1_000_000_000),
      input: pick(rng, METHODS),
      blockNumber: block,
      timestamp: ts
    })
    parts.push(record)
    length += record.length + 1
  }
  const bytes = new TextEncoder().encode(`[${parts.join(',')}]`)
  return bytes.subarray(0, size).slice()
}

/** A Block carrying `dataBytes` of payload, with a 32-byte hash and a 64-byte (Ed25519-sized) signature. */
export function blockFixture (dataBytes: number, seed = 2): Block {
  const rng = createPrng(seed)
  return {
    hash: randomBytes(rng, 32),
    data: randomBytes(rng, dataBytes),
    timestamp: 1_732_300_000_000n + BigInt(rng() % 1_000_000),
    ttl: 300,
    version: 1,
    signature: randomBytes(rng, 64)
  }
}

const utf8 = new TextEncoder()

/** Binary multiaddr components (multicodec varint code, then the address), see multiformats/multiaddr. */
const ma = {
  ip6: (rng: Prng): number[] => [0x29, ...randomBytes(rng, 16)],
  tcp: (port: number): number[] => [0x06, port >> 8, port & 255],
  udp: (port: number): number[] => [0x91, 0x02, port >> 8, port & 255],
  quicV1: [0xcc, 0x03],
  ws: [0xdd, 0x03],
  /** dns4 / dns6 / dnsaddr: a varint-length-prefixed name. */
  dns: (code: 0x36 | 0x37 | 0x38, name: string): number[] => [code, name.length, ...utf8.encode(name)]
}

/**
 * A realistic PeerInfo: a 38-byte peer id (identity multihash of a protobuf
 * Ed25519 public key: `00 24 08 01 12 20` + 32 key bytes), six binary
 * multiaddrs of 20-35 bytes (ip6/tcp, ip6/udp/quic-v1, ip6/tcp/ws, dns4/tcp,
 * dns6/udp/quic-v1, dnsaddr) and four metadata entries.
 */
export function peerInfoFixture (seed = 3): PeerInfo {
  const rng = createPrng(seed)
  const peerId = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...randomBytes(rng, 32)])
  const multiaddrs = [
    [...ma.ip6(rng), ...ma.tcp(4001)],
    [...ma.ip6(rng), ...ma.udp(4001), ...ma.quicV1],
    [...ma.ip6(rng), ...ma.tcp(4002), ...ma.ws],
    [...ma.dns(0x36, 'node-12.bootstrap.example.org'), ...ma.tcp(4001)],
    [...ma.dns(0x37, 'relay.example.net'), ...ma.udp(443), ...ma.quicV1],
    ma.dns(0x38, 'bootstrap.libp2p.io')
  ].map(a => Uint8Array.from(a))
  return {
    peerId,
    multiaddrs,
    metadata: {
      agentVersion: 'wireseal/0.1.0 node/20.20',
      protocolVersion: 'ipfs/0.1.0',
      roles: 'relay,archive',
      region: 'eu-west'
    }
  }
}
