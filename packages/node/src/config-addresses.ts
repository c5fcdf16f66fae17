/**
 * Strict parsers for the address lists of the node's configuration:
 * comma-separated multiaddrs (multiformats/multiaddr, checked by encoding
 * them to bytes, which decodes every component), bootstrap peers that end in
 * `/p2p/<peer id>`, and IPv4/IPv6 CIDRs (RFC 4632 section 3.1, RFC 4291
 * section 2.3) with no host bits set.
 *
 * @module
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { isIPv4, isIPv6 } from 'node:net'
import { accept, reject, type Parsed, type ValueParser } from './config-values.js'

/** Longest item quoted inside a reason. */
const ITEM_SHOWN = 40

const quote = (item: string): string => JSON.stringify(item.length > ITEM_SHOWN ? `${item.slice(0, ITEM_SHOWN - 3)}...` : item)

/**
 * A comma-separated list (empty items ignored, so a trailing comma is
 * harmless) of at most `max` distinct items, each checked by `item`; the
 * first bad item is named in the reason.
 */
export function list<T> (item: ValueParser<T>, max: number, min = 0): ValueParser<readonly T[]> {
  return raw => {
    const items = raw.split(',').map(s => s.trim()).filter(s => s !== '')
    if (items.length > max) return reject(`${items.length} items, at most ${max}`)
    if (items.length < min) return reject(`at least ${min} item${min === 1 ? '' : 's'}`)
    const out: T[] = []
    for (const [i, s] of items.entries()) {
      const v = item(s)
      if (!v.ok) return reject(`item ${i + 1} ${quote(s)}${v.reason === undefined ? ' is invalid' : ` ${v.reason}`}`)
      if (!out.includes(v.value)) out.push(v.value)
    }
    return accept(out)
  }
}

function parseMultiaddr (raw: string): Parsed<Multiaddr> {
  if (!raw.startsWith('/') || raw === '/') return reject('is not a multiaddr (must start with "/<protocol>")')
  try {
    const ma = multiaddr(raw)
    void ma.bytes // the string parser is lazy about some values (p2p, dns); encoding checks them all
    return accept(ma)
  } catch (err) {
    const why = err instanceof Error ? err.message.slice(0, 80) : 'unparsable'
    return reject(`is not a valid multiaddr (${why})`)
  }
}

/** Any valid multiaddr without a `/p2p/` component, in canonical string form. */
export const announceAddr: ValueParser<string> = raw => {
  const ma = parseMultiaddr(raw)
  if (!ma.ok) return ma
  if (ma.value.getComponents().some(c => c.name === 'p2p')) return reject('must not contain /p2p/ (the node appends its own peer id)')
  return accept(ma.value.toString())
}

/** `/ip4/<address>/tcp/<port>` or `/ip6/<address>/tcp/<port>`: the node listens on TCP only. */
export const listenAddr: ValueParser<string> = raw => {
  const ma = parseMultiaddr(raw)
  if (!ma.ok) return ma
  const names = ma.value.getComponents().map(c => c.name).join('/')
  if (names !== 'ip4/tcp' && names !== 'ip6/tcp') return reject('is not /ip4|ip6/<address>/tcp/<port> (the node listens on TCP only)')
  return accept(ma.value.toString())
}

/** A dialable multiaddr ending in `/p2p/<peer id>` with a valid peer id. */
export const peerAddr: ValueParser<string> = raw => {
  const ma = parseMultiaddr(raw)
  if (!ma.ok) return ma
  const parts = ma.value.getComponents()
  const last = parts[parts.length - 1]
  if (last?.name !== 'p2p' || last.value === undefined) return reject('does not end in /p2p/<peer id>')
  if (parts.length < 2) return reject('has no address before /p2p/<peer id>')
  try {
    peerIdFromString(last.value)
  } catch {
    return reject('has an invalid peer id')
  }
  return accept(ma.value.toString())
}

/** Parses an IPv6 address (already accepted by `isIPv6`, no zone) into 8 groups. */
function ipv6Groups (addr: string): number[] {
  let head = addr
  const tail: number[] = []
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(addr) // RFC 4291 2.2 form 3: trailing IPv4
  if (dotted !== null) {
    const b = (dotted[2] ?? '').split('.').map(Number)
    tail.push(((b[0] ?? 0) << 8) | (b[1] ?? 0), ((b[2] ?? 0) << 8) | (b[3] ?? 0))
    head = (dotted[1] ?? '').endsWith('::') ? (dotted[1] ?? '') : (dotted[1] ?? '').slice(0, -1)
  }
  const hex = (s: string): number[] => s === '' ? [] : s.split(':').map(g => parseInt(g, 16))
  const [left = '', right] = head.split('::')
  const l = hex(left)
  const r = [...hex(right ?? ''), ...tail]
  if (right === undefined) return [...l, ...r]
  return [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r]
}

/** RFC 5952 section 4 text: lower case, no leading zeros, longest zero run (>= 2) as `::`. */
function formatIPv6 (groups: readonly number[]): string {
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLen) { best = i; bestLen = j - i }
    i = j === i ? i + 1 : j
  }
  const text = (gs: readonly number[]): string => gs.map(g => g.toString(16)).join(':')
  return best < 0 ? text(groups) : `${text(groups.slice(0, best))}::${text(groups.slice(best + bestLen))}`
}

const PREFIX = /^(0|[1-9][0-9]{0,2})$/

/**
 * An IPv4 or IPv6 CIDR `address/prefix` with no host bits set, or a bare
 * address (a /32 or /128). Returned canonical: `10.0.0.0/8`, `2001:db8::/32`.
 */
export const cidr: ValueParser<string> = raw => {
  const slash = raw.indexOf('/')
  const addr = slash < 0 ? raw : raw.slice(0, slash)
  const prefixText = slash < 0 ? undefined : raw.slice(slash + 1)
  if (addr.includes('%')) return reject('has a zone id')
  const v4 = isIPv4(addr)
  if (!v4 && !isIPv6(addr)) return reject('is not an IPv4/IPv6 address or CIDR')
  const bits = v4 ? 32 : 128
  if (prefixText !== undefined && !PREFIX.test(prefixText)) return reject(`has a bad prefix length (expected 0 to ${bits})`)
  const prefix = prefixText === undefined ? bits : Number(prefixText)
  if (prefix > bits) return reject(`has a bad prefix length (expected 0 to ${bits})`)
  // 16-bit groups for both families, so one host-bit check serves both.
  const groups = v4
    ? addr.split('.').map(Number).reduce<number[]>((gs, b, i) => { if (i % 2 === 0) gs.push(b << 8); else gs[gs.length - 1]! |= b; return gs }, [])
    : ipv6Groups(addr)
  const network = groups.map((g, i) => {
    const keep = Math.max(0, Math.min(16, prefix - i * 16))
    return keep === 0 ? 0 : g & (0xffff << (16 - keep)) & 0xffff
  })
  const text = v4 ? network.flatMap(g => [g >> 8, g & 0xff]).join('.') : formatIPv6(network)
  if (network.some((g, i) => g !== groups[i])) return reject(`has host bits set (did you mean ${text}/${prefix}?)`)
  return accept(`${text}/${prefix}`)
}

/**
 * The libp2p connection-manager form of a canonical CIDR from this module:
 * `10.0.0.0/8` -> `/ip4/10.0.0.0/ipcidr/8` (what `connectionManager.allow`
 * and `deny` take).
 */
export function cidrToMultiaddr (canonical: string): string {
  const [addr = '', prefix = ''] = canonical.split('/')
  return `/${isIPv4(addr) ? 'ip4' : 'ip6'}/${addr}/ipcidr/${prefix}`
}
