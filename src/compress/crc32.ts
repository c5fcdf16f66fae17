/**
 * CRC-32 as used by gzip (RFC 1952 section 8: reflected polynomial
 * 0xEDB88320, initial and final XOR 0xFFFFFFFF), slicing-by-8 so the portable
 * gzip backend can check every member's trailer without slowing inflate down.
 *
 * @module
 */

/** 8 tables of 256 entries: table k maps a byte to its CRC contribution k bytes further on. */
const TABLES = (() => {
  const t = new Int32Array(8 * 256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + n] as number
      t[k * 256 + n] = (prev >>> 8) ^ (t[prev & 0xff] as number)
    }
  }
  return t
})()

/**
 * CRC-32 of `data`, continuing from `crc` (the CRC of the bytes before, 0 to
 * start). Returns an unsigned 32-bit value.
 */
export function crc32 (data: Uint8Array, crc = 0): number {
  const t = TABLES
  let c = ~crc
  let i = 0
  const n = data.length
  const end8 = n - (n & 7)
  while (i < end8) {
    c ^= (data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24)
    c = (t[1792 + (c & 0xff)] as number) ^ (t[1536 + ((c >>> 8) & 0xff)] as number) ^
      (t[1280 + ((c >>> 16) & 0xff)] as number) ^ (t[1024 + (c >>> 24)] as number) ^
      (t[768 + (data[i + 4] as number)] as number) ^ (t[512 + (data[i + 5] as number)] as number) ^
      (t[256 + (data[i + 6] as number)] as number) ^ (t[data[i + 7] as number] as number)
    i += 8
  }
  while (i < n) c = (t[(c ^ (data[i++] as number)) & 0xff] as number) ^ (c >>> 8)
  return ~c >>> 0
}
