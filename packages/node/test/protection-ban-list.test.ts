import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import { InvalidConfigError, InvalidValueError, StorageError } from 'wireseal/errors'
import { BAN_SUBLEVEL, createBanList } from '../src/protection/ban-list.js'

const PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const OTHER = '12D3KooWBmAwcd4PJNJvfV89HwE48nwkRmAgo8Vy3uQEyNNHBox2'

async function withDb (fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wireseal-bans-'))
  try { await fn(dir) } finally { await rm(dir, { recursive: true, force: true }) }
}

async function open (dir: string): Promise<ClassicLevel<string, string>> {
  const db = new ClassicLevel<string, string>(join(dir, 'db'))
  await db.open()
  return db
}

describe('protection/ban-list', () => {
  it('persists peer and IP bans across close and reopen, and forgets expired ones', async () => {
    await withDb(async (dir) => {
      let t = 1_000_000
      const now = (): number => t
      const db = await open(dir)
      const bans = createBanList(db, { now })
      assert.deepEqual(await bans.load(), { peers: 0, ips: 0, expired: 0, corrupt: 0 })
      await bans.ban({ peerId: PEER }, { reason: 'invalid-signature', until: null })
      await bans.ban({ peerId: OTHER }, { reason: 'score', until: t + 60_000 })
      await bans.ban({ ip: '203.0.113.9' }, { reason: 'operator', until: t + 120_000 })
      assert.ok(bans.isPeerBanned(PEER))
      assert.ok(bans.isPeerBanned(OTHER))
      assert.ok(bans.isIpBanned('203.0.113.9'))
      assert.ok(bans.isIpBanned('::ffff:203.0.113.9'), 'any spelling of the address')
      assert.ok(!bans.isIpBanned('203.0.113.10'))
      await db.close()

      t += 90_000
      const db2 = await open(dir)
      const again = createBanList(db2, { now })
      assert.deepEqual(await again.load(), { peers: 1, ips: 1, expired: 1, corrupt: 0 })
      assert.ok(again.isPeerBanned(PEER), 'permanent ban survived')
      assert.ok(!again.isPeerBanned(OTHER), 'expired')
      assert.ok(again.isIpBanned('203.0.113.9'))
      assert.ok(!again.isIpBanned('203.0.113.9', t + 30_000), 'expiry is checked against the time given')
      assert.deepEqual(again.get({ peerId: PEER }), { peerId: PEER, reason: 'invalid-signature', until: null, createdAt: 1_000_000 })
      const raw = await db2.sublevel<string, string>(BAN_SUBLEVEL, { valueEncoding: 'utf8' }).get(`peer:${PEER}`)
      assert.deepEqual(JSON.parse(raw as string), { peerId: PEER, reason: 'invalid-signature', until: null, createdAt: 1_000_000 }, 'stored as JSON in the bans sublevel')
      assert.equal(await db2.sublevel<string, string>(BAN_SUBLEVEL, { valueEncoding: 'utf8' }).get(`peer:${OTHER}`), undefined, 'expired record deleted at load')
      assert.equal(await again.unban({ peerId: PEER }), true)
      await db2.close()

      const db3 = await open(dir)
      const third = createBanList(db3, { now })
      assert.deepEqual(await third.load(), { peers: 0, ips: 1, expired: 0, corrupt: 0 }, 'unban persisted')
      t += 60_000
      assert.equal(await third.prune(), 1)
      assert.equal(third.size, 0)
      await db3.close()
    })
  })

  it('only lengthens an existing ban', async () => {
    await withDb(async (dir) => {
      const db = await open(dir)
      try {
        const t = 5_000
        const bans = createBanList(db, { now: () => t })
        await bans.ban({ peerId: PEER }, { reason: 'a', until: t + 100 })
        assert.equal((await bans.ban({ peerId: PEER }, { reason: 'b', until: t + 50 })).reason, 'a')
        assert.equal((await bans.ban({ peerId: PEER }, { reason: 'c', until: null })).until, null)
        assert.equal((await bans.ban({ peerId: PEER }, { reason: 'd', until: t + 1e9 })).reason, 'c', 'permanent stays permanent')
      } finally { await db.close() }
    })
  })

  it('refuses loopback / private IP bans unless allowLocal (no NAT or devnet lock-out by accident)', async () => {
    await withDb(async (dir) => {
      const db = await open(dir)
      try {
        const bans = createBanList(db)
        for (const ip of ['127.0.0.1', '10.0.0.7', '192.168.1.1', '::1', 'fd00::1']) {
          await assert.rejects(bans.ban({ ip }, { reason: 'x', until: null }), (err: unknown) => err instanceof InvalidValueError && err.details.field === 'ban.target.ip', ip)
        }
        await bans.ban({ ip: '127.0.0.1' }, { reason: 'operator', until: null, allowLocal: true })
        assert.ok(bans.isIpBanned('127.0.0.1'))
        await bans.ban({ peerId: PEER }, { reason: 'x', until: null })
        assert.equal(bans.list().filter((r) => r.ip !== undefined).length, 1, 'a peer ban never adds an IP ban')
      } finally { await db.close() }
    })
  })

  it('rejects bad input with typed errors', async () => {
    await withDb(async (dir) => {
      const db = await open(dir)
      try {
        const t = 10_000
        const bans = createBanList(db, { now: () => t })
        const bad: Array<[unknown, unknown]> = [
          [{}, { reason: 'x', until: null }],
          [{ peerId: PEER, ip: '8.8.8.8' }, { reason: 'x', until: null }],
          [{ peerId: '' }, { reason: 'x', until: null }],
          [{ peerId: 'x'.repeat(129) }, { reason: 'x', until: null }],
          [{ ip: 'example.com' }, { reason: 'x', until: null }],
          [{ peerId: PEER }, { reason: 'x', until: t }],
          [{ peerId: PEER }, { reason: 'x', until: Number.NaN }],
          [{ peerId: PEER }, { reason: 'x'.repeat(257), until: null }],
          [{ peerId: PEER }, null]
        ]
        for (const [target, init] of bad) await assert.rejects(bans.ban(target as never, init as never), InvalidValueError, JSON.stringify(target))
        assert.equal(bans.isPeerBanned(123 as never), false)
        assert.equal(bans.isIpBanned('not-an-ip'), false)
        assert.throws(() => createBanList({} as never), InvalidConfigError)
        assert.throws(() => createBanList(db, { maxEntries: 0 }), InvalidConfigError)
      } finally { await db.close() }
    })
  })

  it('skips and counts corrupt records instead of failing the load', async () => {
    await withDb(async (dir) => {
      const db = await open(dir)
      try {
        const sub = db.sublevel<string, string>(BAN_SUBLEVEL, { valueEncoding: 'utf8' })
        await sub.put(`peer:${PEER}`, '{not json')
        await sub.put(`peer:${OTHER}`, JSON.stringify({ peerId: PEER, reason: 'x', until: null, createdAt: 1 })) // wrong key
        await sub.put('ip:8.8.8.8', JSON.stringify({ ip: '8.8.8.8', reason: 'x', until: 'never', createdAt: 1 }))
        await sub.put('ip:1.1.1.1', JSON.stringify({ ip: '1.1.1.1', reason: 'ok', until: null, createdAt: 1 }))
        const bans = createBanList(db)
        assert.deepEqual(await bans.load(), { peers: 0, ips: 1, expired: 0, corrupt: 3 })
        assert.ok(!bans.isPeerBanned(PEER) && !bans.isPeerBanned(OTHER))
        assert.ok(bans.isIpBanned('1.1.1.1'))
      } finally { await db.close() }
    })
  })

  it('bounds memory: beyond maxEntries the ban ending soonest goes (permanent ones last)', async () => {
    await withDb(async (dir) => {
      const db = await open(dir)
      try {
        const t = 0
        const bans = createBanList(db, { now: () => t, maxEntries: 3 })
        await bans.ban({ peerId: 'perm' }, { reason: 'x', until: null })
        for (let i = 0; i < 100; i++) await bans.ban({ peerId: `p${i}` }, { reason: 'x', until: 1000 + i })
        assert.equal(bans.size, 3)
        assert.ok(bans.isPeerBanned('perm'))
        assert.ok(bans.isPeerBanned('p99') && bans.isPeerBanned('p98'))
        let stored = 0
        for await (const _ of db.sublevel<string, string>(BAN_SUBLEVEL, { valueEncoding: 'utf8' }).keys()) stored++
        assert.equal(stored, 3, 'evicted records are deleted from LevelDB too')
      } finally { await db.close() }
    })
  })

  it('a closed database gives a StorageError, and the ban still holds in memory', async () => {
    await withDb(async (dir) => {
      const db = await open(dir)
      const bans = createBanList(db)
      await db.close()
      await assert.rejects(bans.ban({ peerId: PEER }, { reason: 'x', until: null }), StorageError)
      assert.ok(bans.isPeerBanned(PEER))
      await assert.rejects(bans.load(), StorageError)
    })
  })
})
