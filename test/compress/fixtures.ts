/**
 * Test data for the compression tests: JSON-like transaction payloads and
 * decompression bombs, built deterministically and without trusting any
 * backend under test (bombs are crafted byte by byte from the format specs,
 * or with node:zlib).
 */
import { crc32 as zlibCrc32, deflateRawSync, constants, gzipSync } from 'node:zlib'

/** xorshift32: a tiny deterministic PRNG so fixtures are identical on every run. */
export function prng (seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s
  }
}

const HEX = '0123456789abcdef'

function hex (next: () => number, chars: number): string {
  let out = '0x'
  for (let i = 0; i < chars; i++) out += HEX[next() & 15]
  return out
}

/**
 * About `bytes` bytes of JSON transaction records (hashes, addresses,
 * amounts, calldata), the kind of payload the compressor ratios of
 * bench/results/report.md are measured on.
 */
export function jsonLike (bytes: number, seed = 1): Uint8Array {
  const next = prng(seed)
  const accounts = Array.from({ length: 32 }, () => hex(next, 40))
  const parts: string[] = []
  let size = 2
  while (size < bytes) {
    const tx = JSON.stringify({
      hash: hex(next, 64),
      from: accounts[next() % accounts.length],
      to: accounts[next() % accounts.length],
      value: String(next() % 1_000_000) + '000000000',
      nonce: next() % 5000,
      gasPrice: 1_000_000_000 + (next() % 50) * 1_000_000,
      gas: 21_000 + (next() % 10) * 10_000,
      input: next() % 3 === 0 ? '0x' : '0xa9059cbb' + hex(next, 64).slice(2) + '0'.repeat(40) + hex(next, 24).slice(2),
      timestamp: 1_700_000_000 + (next() % 100_000)
    })
    parts.push(tx)
    size += tx.length + 1
  }
  return new TextEncoder().encode('[' + parts.join(',') + ']').subarray(0, bytes)
}

/** `n` uniformly random bytes (incompressible). */
export function randomBytes (n: number, seed = 7): Uint8Array {
  const next = prng(seed)
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = next() & 0xff
  return out
}

/** A raw snappy block whose preamble claims 2^32 - 1 bytes (`ff ff ff ff 0f`), followed by junk. */
export function snappyBomb (): Uint8Array {
  return Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0x41, 0x42, 0x43, 0x44)
}

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd]
const BLOCK = 128 * 1024

function blockHeader (last: boolean, type: number, size: number): number[] {
  const v = (last ? 1 : 0) | (type << 1) | (size << 3)
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff]
}

function fcs8 (n: number): number[] {
  const out: number[] = []
  for (let i = 0; i < 8; i++) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff)
  return out
}

/**
 * A zstd frame (RFC 8878) of `blocks` RLE blocks of 128 KiB zeros; with
 * `contentSize` the header declares the total (8-byte Frame_Content_Size),
 * else it carries a 1 MiB window and no size. 8192 blocks = 1 GiB in 32 KiB.
 */
export function zstdZeros (blocks: number, contentSize: boolean): Uint8Array {
  const out: number[] = [...ZSTD_MAGIC]
  // Frame_Header_Descriptor: FCS flag 3 (8 bytes) or 0; Window_Descriptor 0x50 = 2^(10+10) = 1 MiB.
  if (contentSize) out.push(0xc0, 0x50, ...fcs8(blocks * BLOCK))
  else out.push(0x00, 0x50)
  for (let i = 0; i < blocks; i++) out.push(...blockHeader(i === blocks - 1, 1, BLOCK), 0)
  return Uint8Array.from(out)
}

/** The 256-byte pattern {@link zstdPattern} repeats. */
export const PATTERN = Uint8Array.from({ length: 256 }, (_, i) => (i * 37 + 11) & 0xff)

/**
 * A zstd frame that outputs {@link PATTERN} repeated over 256 + blocks * 128 KiB
 * bytes using COMPRESSED blocks (so the block headers alone do not reveal
 * the size): a raw block with the pattern, then `blocks` copies of a 10-byte
 * compressed block holding one sequence (literals 0, offset 256, match
 * 131072): raw literals header 0x00; 1 sequence; modes RLE/RLE/RLE (0x54)
 * with codes LL 0, OF 8, ML 52; bitstream OF extra 3, ML extra 65533, then
 * the end marker (RFC 8878 3.1.1.3.2).
 */
export function zstdPattern (blocks: number, contentSize: boolean): Uint8Array {
  const out: number[] = [...ZSTD_MAGIC]
  if (contentSize) out.push(0xc0, 0x50, ...fcs8(256 + blocks * BLOCK))
  else out.push(0x00, 0x50)
  out.push(...blockHeader(blocks === 0, 0, 256), ...PATTERN)
  const body = [0x00, 0x01, 0x54, 0x00, 0x08, 0x34, 0xfd, 0xff, 0x03, 0x01]
  for (let i = 0; i < blocks; i++) out.push(...blockHeader(i === blocks - 1, 2, body.length), ...body)
  return Uint8Array.from(out)
}

/**
 * A gzip member (RFC 1952) of `mib` MiB of zeros, about 1 KB per MiB: one
 * deflate piece of 1 MiB zeros ending with a full flush (byte-aligned,
 * self-contained, not final) repeated `mib` times, a final empty fixed-Huffman
 * block, and the real CRC-32 and ISIZE. 1024 MiB = 1 GiB in ~1 MB.
 */
export function gzipZeros (mib: number): Uint8Array {
  const zeros = new Uint8Array(1 << 20)
  const piece = deflateRawSync(zeros, { level: 9, finishFlush: constants.Z_FULL_FLUSH })
  const header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]
  const out = new Uint8Array(header.length + piece.length * mib + 2 + 8)
  out.set(header, 0)
  let at = header.length
  let crc = 0
  for (let i = 0; i < mib; i++) {
    out.set(piece, at)
    at += piece.length
    crc = zlibCrc32(zeros, crc)
  }
  // BFINAL=1, BTYPE=01 (fixed Huffman), end-of-block code 256 = seven 0 bits.
  out.set([0x03, 0x00], at)
  at += 2
  const view = new DataView(out.buffer)
  view.setUint32(at, crc >>> 0, true)
  view.setUint32(at + 4, (mib * 2 ** 20) % 2 ** 32, true)
  return out
}

/** `count` copies of `unit`, back to back. */
export function repeatBytes (unit: Uint8Array, count: number): Uint8Array {
  const out = new Uint8Array(unit.length * count)
  for (let i = 0; i < count; i++) out.set(unit, i * unit.length)
  return out
}

/** One gzip member of 1,026 bytes of text whose FNAME (RFC 1952 2.3.1) is `bytes` bytes of 'a'. */
export function gzipLongName (bytes: number): Uint8Array {
  const body = gzipSync(new TextEncoder().encode('wireseal '.repeat(114)))
  const out = new Uint8Array(body.length + bytes + 1)
  out.set(body.subarray(0, 10), 0)
  out[3] = 0x08
  out.fill(0x61, 10, 10 + bytes)
  out.set(body.subarray(10), 11 + bytes)
  return out
}

/** The smallest zstd frame: single segment, 1-byte content size 0, one empty last raw block (9 bytes). */
export const EMPTY_ZSTD_FRAME = Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00)

/** A skippable zstd frame (RFC 8878 3.1.2, magic 0x184D2A50 + `variant`) carrying `bytes` bytes of user data. */
export function zstdSkippable (bytes: number, variant = 0): Uint8Array {
  const out = new Uint8Array(8 + bytes).fill(0x5a)
  const view = new DataView(out.buffer)
  view.setUint32(0, 0x184d2a50 + variant, true)
  view.setUint32(4, bytes, true)
  return out
}

/**
 * A zstd frame of `bytes` bytes of 7s in one raw block, built by hand:
 * single segment, 2-byte content size (`bytes` >= 256; the field is offset by 256).
 */
export function zstdRaw (bytes: number): Uint8Array {
  const fcs = bytes - 256
  return Uint8Array.from([...ZSTD_MAGIC, 0x60, fcs & 0xff, fcs >>> 8, ...blockHeader(true, 0, bytes), ...new Uint8Array(bytes).fill(7)])
}

/** `parts` concatenated. */
export function concatBytes (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
