/**
 * A libp2p 3 `ConnectionGater` (`@libp2p/interface` `connection-gater.d.ts`)
 * enforcing bans, CIDR lists and the outbound cap at the earliest hook that
 * has the information (NODE.md §1):
 * - address checks (deny CIDRs, IP bans) in `denyInboundConnection`, before
 *   the Noise handshake costs anything, and in `denyDialMultiaddr` /
 *   `denyOutboundConnection` for dials;
 * - peer-id bans in `denyInboundEncryptedConnection` (the first inbound hook
 *   that knows the peer), `denyDialPeer` and `denyOutboundEncryptedConnection`
 *   (which also catches a dial to a bare multiaddr), plus the relay hooks;
 * - the outbound cap (`canDialOutbound() === false`) in `denyDialPeer`,
 *   `denyOutboundConnection` and `denyOutboundEncryptedConnection`, because
 *   libp2p's connection manager only ever refuses inbound connections and
 *   applies one limit to both directions; an optional separate inbound cap
 *   (`canAcceptInbound()`) in `denyInboundConnection`.
 *
 * Allow CIDRs bypass the deny CIDRs and IP bans (like libp2p's `allow` list),
 * never peer-id bans. A gater only refuses new connections: a ban must also
 * close the open ones (see `connection-guard.ts`, `enforceBan`).
 *
 * @module
 */
import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { InvalidConfigError } from 'wireseal/errors'
import { createCidrSet } from './cidr.js'

/** The part of a ban list the gater reads (`BanList` from `ban-list.ts` fits). */
export interface BanChecker {
  isPeerBanned(peerId: string, now?: number): boolean
  isIpBanned(ip: string, now?: number): boolean
}

/** Why the gater refused a connection or dial. */
export type GaterDenyReason = 'peer-banned' | 'ip-banned' | 'cidr-denied' | 'outbound-cap' | 'inbound-cap'

/** Options of {@link createGater}. */
export interface GaterInit {
  /** Bans to enforce. */
  bans: BanChecker
  /** Addresses let through the deny list and IP bans (`10.0.0.0/8`, `fd00::/8`, or a bare address). @default [] */
  allowCidrs?: readonly string[]
  /** Addresses refused. @default [] */
  denyCidrs?: readonly string[]
  /** False when no more outbound connections may be made (e.g. `ConnectionGuard.canDialOutbound`). @default () => true */
  canDialOutbound?: () => boolean
  /** False when no more inbound connections may be accepted (e.g. `ConnectionGuard.canAcceptInbound`), checked before the handshake. @default () => true */
  canAcceptInbound?: () => boolean
  /** Called on every refusal (for metrics and logs; keep it cheap, it must not throw). */
  onDeny?: (reason: GaterDenyReason, hook: keyof ConnectionGater) => void
}

/** The gater, plus counters. */
export interface WiresealGater extends ConnectionGater {
  /** Refusals so far, by reason. */
  counts(): Record<GaterDenyReason, number>
}

/** The first IP (ip4 / ip6 component) of a multiaddr, if any. */
export function ipOfMultiaddr (ma: Multiaddr): string | undefined {
  for (const c of ma.getComponents()) {
    if ((c.name === 'ip4' || c.name === 'ip6') && c.value !== undefined) return c.value
  }
  return undefined
}

/** Every peer id (p2p component) of a multiaddr: a relay's and the target's. */
function peersOfMultiaddr (ma: Multiaddr): string[] {
  const out: string[] = []
  for (const c of ma.getComponents()) if (c.name === 'p2p' && c.value !== undefined) out.push(c.value)
  return out
}

/** Build the gater. Throws {@link InvalidConfigError} on a bad CIDR or option. */
export function createGater (init: GaterInit): WiresealGater {
  if (typeof init !== 'object' || init === null) throw new InvalidConfigError('gater', 'an options object')
  const { bans } = init
  if (typeof bans?.isPeerBanned !== 'function' || typeof bans.isIpBanned !== 'function') throw new InvalidConfigError('bans', 'a BanList (isPeerBanned, isIpBanned)')
  const allow = createCidrSet(init.allowCidrs ?? [], 'allowCidrs')
  const deny = createCidrSet(init.denyCidrs ?? [], 'denyCidrs')
  const canDialOutbound = init.canDialOutbound ?? (() => true)
  if (typeof canDialOutbound !== 'function') throw new InvalidConfigError('canDialOutbound', 'a function returning boolean')
  const canAcceptInbound = init.canAcceptInbound ?? (() => true)
  if (typeof canAcceptInbound !== 'function') throw new InvalidConfigError('canAcceptInbound', 'a function returning boolean')
  const onDeny = init.onDeny
  const counts: Record<GaterDenyReason, number> = { 'peer-banned': 0, 'ip-banned': 0, 'cidr-denied': 0, 'outbound-cap': 0, 'inbound-cap': 0 }

  function refuse (reason: GaterDenyReason, hook: keyof ConnectionGater): true {
    counts[reason]++
    onDeny?.(reason, hook)
    return true
  }

  function addressReason (ma: Multiaddr): GaterDenyReason | undefined {
    const ip = ipOfMultiaddr(ma)
    if (ip === undefined || allow.has(ip)) return undefined
    if (deny.has(ip)) return 'cidr-denied'
    if (bans.isIpBanned(ip)) return 'ip-banned'
    return undefined
  }

  function check (hook: keyof ConnectionGater, peer: PeerId | undefined, ma: Multiaddr | undefined, outbound: boolean): boolean {
    if (ma !== undefined) {
      const r = addressReason(ma)
      if (r !== undefined) return refuse(r, hook)
    }
    if (peer !== undefined && bans.isPeerBanned(peer.toString())) return refuse('peer-banned', hook)
    if (outbound && !canDialOutbound()) return refuse('outbound-cap', hook)
    return false
  }

  function anyBanned (hook: keyof ConnectionGater, ...peers: PeerId[]): boolean {
    for (const p of peers) if (bans.isPeerBanned(p.toString())) return refuse('peer-banned', hook)
    return false
  }

  return {
    denyDialPeer: (peerId: PeerId) => check('denyDialPeer', peerId, undefined, true),
    denyDialMultiaddr: (ma: Multiaddr) => {
      const r = addressReason(ma)
      if (r !== undefined) return refuse(r, 'denyDialMultiaddr')
      for (const id of peersOfMultiaddr(ma)) if (bans.isPeerBanned(id)) return refuse('peer-banned', 'denyDialMultiaddr')
      return false
    },
    denyInboundConnection: (maConn: MultiaddrConnection) => {
      if (check('denyInboundConnection', undefined, maConn.remoteAddr, false)) return true
      // Allow-listed addresses bypass the inbound cap too, like libp2p's allow list bypasses its limits.
      const ip = ipOfMultiaddr(maConn.remoteAddr)
      if (!canAcceptInbound() && (ip === undefined || !allow.has(ip))) return refuse('inbound-cap', 'denyInboundConnection')
      return false
    },
    denyOutboundConnection: (peerId: PeerId, maConn: MultiaddrConnection) => check('denyOutboundConnection', peerId, maConn.remoteAddr, true),
    denyInboundEncryptedConnection: (peerId: PeerId) => check('denyInboundEncryptedConnection', peerId, undefined, false),
    denyOutboundEncryptedConnection: (peerId: PeerId) => check('denyOutboundEncryptedConnection', peerId, undefined, true),
    denyInboundRelayReservation: (source: PeerId) => anyBanned('denyInboundRelayReservation', source),
    denyOutboundRelayedConnection: (source: PeerId, destination: PeerId) => anyBanned('denyOutboundRelayedConnection', source, destination),
    denyInboundRelayedConnection: (relay: PeerId, remotePeer: PeerId) => anyBanned('denyInboundRelayedConnection', relay, remotePeer),
    counts: () => ({ ...counts })
  }
}
