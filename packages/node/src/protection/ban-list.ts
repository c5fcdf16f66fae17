/**
 * Persisted bans on LevelDB, so a ban survives a restart (Lodestar keeps them
 * only in memory: "TODO: Persist scores, at least BANNED status", NODE.md §2).
 *
 * Records live in the sublevel `bans` of a `ClassicLevel` the caller opened
 * and owns, one JSON value per key: `peer:<peer id>` or `ip:<canonical ip>`,
 * `{ peerId?, ip?, reason, until, createdAt }` with `until: null` for a
 * permanent ban. Lookups are synchronous, from memory (the gater's hot path);
 * writes update memory first, then LevelDB.
 *
 * IP bans only exist when the caller asks for one explicitly; a peer ban never
 * cascades to its address. Banning a loopback, private or link-local address
 * (see `LOCAL_CIDRS`) also needs `allowLocal: true`, because many honest nodes
 * share such addresses (NAT, a devnet on one host: Lighthouse's IP cascade,
 * NODE.md "Known pitfalls").
 *
 * @module
 */
import type { ClassicLevel } from 'classic-level'
import { InvalidConfigError, InvalidValueError, StorageError } from 'wireseal/errors'
import { canonicalIp, isLocalIp } from './cidr.js'

/** One ban, as stored (JSON). */
export interface BanRecord {
  /** The banned peer id (a peer ban). */
  readonly peerId?: string
  /** The banned address, canonical form (an IP ban). */
  readonly ip?: string
  /** Why, for operators (at most {@link MAX_BAN_REASON_LENGTH} characters). */
  readonly reason: string
  /** Epoch ms when the ban ends; `null` for a permanent ban. */
  readonly until: number | null
  /** Epoch ms when the ban was made. */
  readonly createdAt: number
}

/** What to ban or unban: a peer id, or an address. */
export type BanTarget = { readonly peerId: string } | { readonly ip: string }

/** Options of {@link BanList.ban}. */
export interface BanInit {
  /** Why (stored; at most {@link MAX_BAN_REASON_LENGTH} characters). */
  reason: string
  /** Epoch ms when the ban ends (after `now`), or `null` for permanent. */
  until: number | null
  /** For an IP ban: allow a loopback / private / link-local address. @default false */
  allowLocal?: boolean
}

/** What {@link BanList.load} found. */
export interface BanLoadResult {
  /** Peer bans in force. */
  peers: number
  /** IP bans in force. */
  ips: number
  /** Expired records, deleted. */
  expired: number
  /** Records that could not be read (left in place for inspection, not enforced). */
  corrupt: number
}

/** Options of {@link createBanList}. */
export interface BanListInit {
  /**
   * Bans kept at most; beyond it the ban that ends soonest is dropped
   * (permanent ones last).
   * @default DEFAULT_MAX_BANS (65_536)
   */
  maxEntries?: number
  /** Clock in milliseconds. @default Date.now */
  now?: () => number
}

/** The ban list returned by {@link createBanList}. */
export interface BanList {
  /** Read every stored ban into memory (deleting expired ones). Call once, before use. */
  load(): Promise<BanLoadResult>
  /**
   * Ban a peer id or an address. An existing ban is only ever lengthened.
   * Returns the ban in force. Throws {@link InvalidValueError} on a bad target
   * or `until`, {@link StorageError} if LevelDB fails (the ban still holds in memory).
   */
  ban(target: BanTarget, init: BanInit): Promise<BanRecord>
  /** Lift a ban; returns whether there was one. */
  unban(target: BanTarget): Promise<boolean>
  /** Whether `peerId` is banned at `now`. */
  isPeerBanned(peerId: string, now?: number): boolean
  /** Whether `ip` (any spelling) is banned at `now`; false for a non-address. */
  isIpBanned(ip: string, now?: number): boolean
  /** The ban of `target` in force at `now`, if any. */
  get(target: BanTarget, now?: number): BanRecord | undefined
  /** Every ban in force at `now`. */
  list(now?: number): BanRecord[]
  /** Delete expired bans from memory and LevelDB; returns how many. */
  prune(now?: number): Promise<number>
  /** Bans held in memory (expired ones until pruned). */
  readonly size: number
}

/** @default DEFAULT_MAX_BANS (65_536) */
export const DEFAULT_MAX_BANS = 65_536
/** Longest stored reason. */
export const MAX_BAN_REASON_LENGTH = 256
/** Longest accepted peer id string (a base58btc Ed25519 or RSA-hash id is 46..59 characters). */
export const MAX_PEER_ID_LENGTH = 128
/** Name of the sublevel holding the bans. */
export const BAN_SUBLEVEL = 'bans'

const PEER_PREFIX = 'peer:'
const IP_PREFIX = 'ip:'

function keyOf (target: BanTarget): string {
  if (typeof target !== 'object' || target === null) throw new InvalidValueError('ban.target', '{ peerId } or { ip }')
  const t = target as { peerId?: unknown, ip?: unknown }
  if (t.peerId !== undefined && t.ip !== undefined) throw new InvalidValueError('ban.target', 'exactly one of peerId or ip')
  if (t.peerId !== undefined) {
    if (typeof t.peerId !== 'string' || t.peerId.length === 0 || t.peerId.length > MAX_PEER_ID_LENGTH) {
      throw new InvalidValueError('ban.target.peerId', `a peer id string of 1..${MAX_PEER_ID_LENGTH} characters`)
    }
    return PEER_PREFIX + t.peerId
  }
  if (typeof t.ip === 'string') {
    const ip = canonicalIp(t.ip)
    if (ip === undefined) throw new InvalidValueError('ban.target.ip', `an IPv4 or IPv6 address, got ${JSON.stringify(t.ip.slice(0, 64))}`)
    return IP_PREFIX + ip
  }
  throw new InvalidValueError('ban.target', '{ peerId } or { ip }')
}

function inForce (r: BanRecord, now: number): boolean {
  return r.until === null || r.until > now
}

/** Parse a stored value; undefined when it is not a well-formed record for `key`. */
function parseRecord (key: string, value: string): BanRecord | undefined {
  let v: unknown
  try { v = JSON.parse(value) } catch { return undefined }
  if (typeof v !== 'object' || v === null) return undefined
  const r = v as Record<string, unknown>
  if (typeof r.reason !== 'string' || typeof r.createdAt !== 'number' || !Number.isFinite(r.createdAt)) return undefined
  if (r.until !== null && (typeof r.until !== 'number' || !Number.isFinite(r.until))) return undefined
  if (key.startsWith(PEER_PREFIX)) {
    if (r.peerId !== key.slice(PEER_PREFIX.length) || r.ip !== undefined) return undefined
    return { peerId: r.peerId, reason: r.reason, until: r.until as number | null, createdAt: r.createdAt }
  }
  if (key.startsWith(IP_PREFIX)) {
    if (typeof r.ip !== 'string' || canonicalIp(r.ip) !== key.slice(IP_PREFIX.length) || r.peerId !== undefined) return undefined
    return { ip: key.slice(IP_PREFIX.length), reason: r.reason, until: r.until as number | null, createdAt: r.createdAt }
  }
  return undefined
}

/**
 * Create a ban list over the sublevel `bans` of `db` (open, owned by the
 * caller). Throws {@link InvalidConfigError} on a bad option.
 */
export function createBanList<V> (db: ClassicLevel<string, V>, init: BanListInit = {}): BanList {
  if (typeof db !== 'object' || db === null || typeof (db as { sublevel?: unknown }).sublevel !== 'function') {
    throw new InvalidConfigError('db', 'a ClassicLevel database')
  }
  const maxEntries = init.maxEntries ?? DEFAULT_MAX_BANS
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new InvalidConfigError('maxEntries', 'an integer >= 1')
  const clock = init.now ?? Date.now
  if (typeof clock !== 'function') throw new InvalidConfigError('now', 'a function returning milliseconds')
  // utf8 values, JSON parsed here: one corrupt value must not abort the whole load.
  const store = db.sublevel<string, string>(BAN_SUBLEVEL, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
  const location = db.location
  const bans = new Map<string, BanRecord>()

  async function guarded<T> (operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw new StorageError(location, `ban-list ${operation}`, (err as { code?: string }).code ?? 'failed', { cause: err })
    }
  }

  /** Drop the ban that ends soonest (permanent last, then oldest) to make room. */
  async function evictOne (): Promise<void> {
    let victim: string | undefined
    let worst: BanRecord | undefined
    for (const [k, r] of bans) {
      if (worst === undefined) { victim = k; worst = r; continue }
      const a = r.until ?? Infinity
      const b = worst.until ?? Infinity
      if (a < b || (a === b && r.createdAt < worst.createdAt)) { victim = k; worst = r }
    }
    if (victim === undefined) return
    bans.delete(victim)
    await guarded('evict', async () => { await store.del(victim) })
  }

  function lookup (key: string, now: number): BanRecord | undefined {
    const r = bans.get(key)
    return r !== undefined && inForce(r, now) ? r : undefined
  }

  return {
    async load () {
      const result: BanLoadResult = { peers: 0, ips: 0, expired: 0, corrupt: 0 }
      const now = clock()
      const expired: string[] = []
      await guarded('load', async () => {
        for await (const [key, value] of store.iterator()) {
          const r = parseRecord(key, value)
          if (r === undefined) { result.corrupt++; continue }
          if (!inForce(r, now)) { expired.push(key); continue }
          const held = bans.get(key)
          if (held === undefined || (held.until !== null && (r.until === null || r.until > held.until))) bans.set(key, r)
        }
      })
      result.expired = expired.length
      if (expired.length > 0) await guarded('load', async () => { await store.batch(expired.map((key) => ({ type: 'del' as const, key }))) })
      while (bans.size > maxEntries) await evictOne()
      for (const k of bans.keys()) {
        if (k.startsWith(PEER_PREFIX)) result.peers++
        else result.ips++
      }
      return result
    },

    async ban (target, banInit) {
      const key = keyOf(target)
      const now = clock()
      if (typeof banInit !== 'object' || banInit === null) throw new InvalidValueError('ban.init', '{ reason, until }')
      const { reason, until } = banInit
      if (typeof reason !== 'string' || reason.length > MAX_BAN_REASON_LENGTH) throw new InvalidValueError('ban.reason', `a string of at most ${MAX_BAN_REASON_LENGTH} characters`)
      if (until !== null && (typeof until !== 'number' || !Number.isFinite(until) || until <= now)) throw new InvalidValueError('ban.until', 'null (permanent) or an epoch ms time after now')
      const isIp = key.startsWith(IP_PREFIX)
      const ip = key.slice(IP_PREFIX.length)
      if (isIp && banInit.allowLocal !== true && isLocalIp(ip)) {
        throw new InvalidValueError('ban.target.ip', `a public address (${ip} is loopback/private/link-local, shared by honest nodes; pass allowLocal: true to ban it anyway)`)
      }
      const held = lookup(key, now)
      if (held !== undefined && (held.until === null || (until !== null && until <= held.until))) return held
      const record: BanRecord = isIp
        ? { ip, reason, until, createdAt: now }
        : { peerId: key.slice(PEER_PREFIX.length), reason, until, createdAt: now }
      if (!bans.has(key) && bans.size >= maxEntries) await evictOne()
      bans.set(key, record)
      await guarded('put', async () => { await store.put(key, JSON.stringify(record)) })
      return record
    },

    async unban (target) {
      const key = keyOf(target)
      const had = bans.delete(key)
      await guarded('del', async () => { await store.del(key) })
      return had
    },

    isPeerBanned (peerId, now = clock()) {
      return typeof peerId === 'string' && lookup(PEER_PREFIX + peerId, now) !== undefined
    },

    isIpBanned (ip, now = clock()) {
      const c = typeof ip === 'string' ? canonicalIp(ip) : undefined
      return c !== undefined && lookup(IP_PREFIX + c, now) !== undefined
    },

    get (target, now = clock()) {
      return lookup(keyOf(target), now)
    },

    list (now = clock()) {
      return [...bans.values()].filter((r) => inForce(r, now))
    },

    async prune (now = clock()) {
      const expired = [...bans].filter(([, r]) => !inForce(r, now)).map(([k]) => k)
      for (const k of expired) bans.delete(k)
      if (expired.length > 0) await guarded('prune', async () => { await store.batch(expired.map((key) => ({ type: 'del' as const, key }))) })
      return expired.length
    },

    get size () { return bans.size }
  }
}
