/**
 * Strict IP address and CIDR parsing and matching (RFC 4291 §2.2 text forms,
 * RFC 4632 §3.1 prefixes), IPv4 and IPv6 in one 16-byte space: an IPv4
 * address is stored as its IPv4-mapped IPv6 form `::ffff:a.b.c.d`
 * (RFC 4291 §2.5.5.2), so `::ffff:10.0.0.1` reported by a dual-stack socket
 * matches `10.0.0.0/8`.
 *
 * Written here rather than taken from `@chainsafe/netmask` (installed only as
 * a transitive dependency of libp2p): its `containsIp` returns false for an
 * IPv4-mapped IPv6 address against an IPv4 network, and it accepts a network
 * with host bits set, silently masking what was probably a typo.
 *
 * Strictness: no leading zeros in IPv4 octets (`010.0.0.1` is octal to some
 * parsers), no zone ids (`fe80::1%eth0`), no whitespace, prefix digits without
 * sign or leading zero, host bits of a CIDR must be zero (like Python's
 * `ip_network(strict=True)`); the error names the canonical network.
 *
 * @module
 */
import { InvalidConfigError } from 'wireseal/errors'

/** A parsed CIDR block in the 16-byte address space. */
export interface Cidr {
  /** The network address, 16 bytes (IPv4 as IPv4-mapped IPv6). */
  readonly network: Uint8Array
  /** Prefix length in the 16-byte space (an IPv4 `/8` is 104). */
  readonly bits: number
  /** The block as the caller wrote it. */
  readonly text: string
}

const IPV4_OCTET = /^(0|[1-9][0-9]{0,2})$/
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/
const PREFIX = /^(0|[1-9][0-9]{0,2})$/
/** Bytes 0..11 of an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2). */
const MAPPED_PREFIX_BITS = 96

function parseIPv4Into (text: string, out: Uint8Array, offset: number): boolean {
  const parts = text.split('.')
  if (parts.length !== 4) return false
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string
    if (!IPV4_OCTET.test(p)) return false
    const v = Number(p)
    if (v > 255) return false
    out[offset + i] = v
  }
  return true
}

function parseGroups (text: string): number[] | null {
  if (text === '') return []
  const groups: number[] = []
  for (const g of text.split(':')) {
    if (!HEX_GROUP.test(g)) return null
    groups.push(parseInt(g, 16))
  }
  return groups
}

/**
 * Parse an IPv4 (`a.b.c.d`) or IPv6 address into 16 bytes, IPv4 as
 * IPv4-mapped IPv6. Returns `undefined` for anything else (a hostname, a
 * zone id, leading zeros, whitespace).
 */
export function parseIp (text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 45) return undefined
  const out = new Uint8Array(16)
  if (!text.includes(':')) {
    out[10] = 0xff
    out[11] = 0xff
    return parseIPv4Into(text, out, 12) ? out : undefined
  }
  // An embedded IPv4 tail takes the last two groups (RFC 4291 §2.2 form 3).
  let head = text
  let tail: Uint8Array | undefined
  const lastColon = text.lastIndexOf(':')
  if (text.indexOf('.', lastColon) !== -1) {
    tail = new Uint8Array(4)
    if (!parseIPv4Into(text.slice(lastColon + 1), tail, 0)) return undefined
    head = text.slice(0, lastColon + 1)
    // `::1.2.3.4` leaves `::`; `64:ff9b::1.2.3.4` leaves `64:ff9b::`; `1::2:1.2.3.4` leaves `1::2:`
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1)
  }
  const groupsWanted = tail === undefined ? 8 : 6
  const dbl = head.indexOf('::')
  let groups: number[]
  if (dbl === -1) {
    const g = parseGroups(head)
    if (g === null || g.length !== groupsWanted) return undefined
    groups = g
  } else {
    if (head.indexOf('::', dbl + 1) !== -1) return undefined
    const left = parseGroups(head.slice(0, dbl))
    const right = parseGroups(head.slice(dbl + 2))
    if (left === null || right === null) return undefined
    const missing = groupsWanted - left.length - right.length
    if (missing < 1) return undefined
    groups = [...left, ...new Array<number>(missing).fill(0), ...right]
  }
  for (let i = 0; i < groups.length; i++) {
    out[2 * i] = (groups[i] as number) >> 8
    out[2 * i + 1] = (groups[i] as number) & 0xff
  }
  if (tail !== undefined) out.set(tail, 12)
  return out
}

/** Whether 16-byte `ip` lies in the first `bits` bits of `network`. */
function prefixMatches (network: Uint8Array, bits: number, ip: Uint8Array): boolean {
  const full = bits >> 3
  for (let i = 0; i < full; i++) if (network[i] !== ip[i]) return false
  const rest = bits & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return ((network[full] as number) & mask) === ((ip[full] as number) & mask)
}

function isMapped (ip: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false
  return ip[10] === 0xff && ip[11] === 0xff
}

/** Text form of a 16-byte address: dotted IPv4 for mapped addresses, else lowercase full hex groups. */
export function formatIp (ip: Uint8Array): string {
  if (isMapped(ip)) return `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push((((ip[i] as number) << 8) | (ip[i + 1] as number)).toString(16))
  return groups.join(':')
}

/**
 * The canonical key of an address (IPv4 dotted, IPv6 as eight lowercase hex
 * groups), or `undefined` if `text` is not an address. Two spellings of one
 * address (`::1` and `0:0:0:0:0:0:0:1`) give the same key.
 */
export function canonicalIp (text: string): string | undefined {
  const ip = parseIp(text)
  return ip === undefined ? undefined : formatIp(ip)
}

/**
 * Parse `addr/prefix` (or a bare address, meaning a single host). Throws
 * {@link InvalidConfigError} naming `option` for any malformed block or a
 * network with host bits set.
 */
export function parseCidr (text: string, option = 'cidr'): Cidr {
  if (typeof text !== 'string') throw new InvalidConfigError(option, 'a CIDR string such as 10.0.0.0/8 or fd00::/8')
  const slash = text.indexOf('/')
  const addrText = slash === -1 ? text : text.slice(0, slash)
  const ip = parseIp(addrText)
  if (ip === undefined) throw new InvalidConfigError(option, `an IPv4 or IPv6 address before the prefix, got ${JSON.stringify(text)}`)
  const v4 = !addrText.includes(':')
  const max = v4 ? 32 : 128
  let prefix = max
  if (slash !== -1) {
    const p = text.slice(slash + 1)
    if (!PREFIX.test(p) || Number(p) > max) throw new InvalidConfigError(option, `a prefix length 0..${max}, got ${JSON.stringify(text)}`)
    prefix = Number(p)
  }
  const bits = v4 ? prefix + MAPPED_PREFIX_BITS : prefix
  const network = new Uint8Array(16)
  const full = bits >> 3
  network.set(ip.subarray(0, full))
  if ((bits & 7) !== 0) network[full] = (ip[full] as number) & ((0xff << (8 - (bits & 7))) & 0xff)
  for (let i = 0; i < 16; i++) {
    if (network[i] !== ip[i]) throw new InvalidConfigError(option, `a network without host bits: ${JSON.stringify(text)} means ${formatIp(network)}/${prefix}`)
  }
  return { network, bits, text }
}

/** Whether `ip` (text or 16 bytes from {@link parseIp}) lies in `cidr`; false for a non-address. */
export function cidrContains (cidr: Cidr, ip: string | Uint8Array): boolean {
  const bytes = typeof ip === 'string' ? parseIp(ip) : ip
  if (bytes === undefined || bytes.length !== 16) return false
  return prefixMatches(cidr.network, cidr.bits, bytes)
}

/** A fixed set of CIDR blocks, matched by linear scan (lists are operator-sized). */
export interface CidrSet {
  /** Whether any block contains `ip`. */
  has(ip: string | Uint8Array): boolean
  /** The blocks, as parsed. */
  readonly blocks: readonly Cidr[]
}

/** Parse every block of `list` (throwing {@link InvalidConfigError} on the first bad one). */
export function createCidrSet (list: readonly string[] = [], option = 'cidrs'): CidrSet {
  if (!Array.isArray(list)) throw new InvalidConfigError(option, 'an array of CIDR strings')
  const blocks = list.map((text, i) => parseCidr(text, `${option}[${i}]`))
  return {
    blocks,
    has (ip) {
      const bytes = typeof ip === 'string' ? parseIp(ip) : ip
      if (bytes === undefined) return false
      for (const b of blocks) if (prefixMatches(b.network, b.bits, bytes)) return true
      return false
    }
  }
}

/**
 * Loopback, unspecified, private (RFC 1918), shared (RFC 6598), link-local
 * (RFC 3927, RFC 4291) and unique-local (RFC 4193) blocks: addresses that many
 * honest nodes can share (NAT, a devnet on one host), so they must never be
 * banned as a side effect of banning peers (NODE.md, "IP bans cascade").
 */
export const LOCAL_CIDRS: readonly string[] = Object.freeze([
  '0.0.0.0/8', '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16',
  '::/128', '::1/128', 'fe80::/10', 'fc00::/7'
])

const LOCAL = createCidrSet(LOCAL_CIDRS, 'LOCAL_CIDRS')

/** Whether `ip` is in {@link LOCAL_CIDRS} (false for a non-address). */
export function isLocalIp (ip: string | Uint8Array): boolean {
  return LOCAL.has(ip)
}
