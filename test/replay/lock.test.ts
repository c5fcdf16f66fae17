import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import fc from 'fast-check'
import { acquireStateLock, acquireStateLockSync, createReplayGuard, readLockHolder, STATE_LOCK_FILE } from '../../src/replay/index.js'
import { StateLockedError } from '../../src/errors.js'

const root = mkdtempSync(join(tmpdir(), 'wireseal-lock-'))
after(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const freshDir = (): string => mkdtempSync(join(root, `d${++n}-`))
const HOLDER = join(import.meta.dirname, 'lock-holder.ts')

/** The pid of a process that has exited (and been reaped). */
function deadPid (): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
  return Number(r.stdout.toString())
}

function plant (dir: string, holder: Record<string, unknown>): void {
  writeFileSync(join(dir, STATE_LOCK_FILE), JSON.stringify({ host: hostname(), start: null, nonce: `planted${++n}`, acquiredAt: 1, ...holder }))
}

const lockedBy = (pid: number, dir: string) => (err: unknown): boolean =>
  err instanceof StateLockedError && err.details.pid === pid && err.details.path === join(dir, STATE_LOCK_FILE)

describe('state lock', () => {
  it('has one holder; the second is refused with the holder pid and path; release lets the next one in', async () => {
    const dir = freshDir()
    const a = await acquireStateLock(dir)
    assert.equal(readLockHolder(a.path)?.pid, process.pid)
    await assert.rejects(acquireStateLock(dir), lockedBy(process.pid, dir))
    assert.throws(() => acquireStateLockSync(dir), lockedBy(process.pid, dir))
    a.release()
    a.release() // idempotent
    assert.equal(a.released, true)
    assert.equal(existsSync(a.path), false)
    const b = acquireStateLockSync(dir)
    b.release()
  })

  it('waits up to waitMs for a live holder', async () => {
    const dir = freshDir()
    const a = await acquireStateLock(dir)
    setTimeout(() => a.release(), 30)
    const b = await acquireStateLock(dir, { waitMs: 20_000 })
    assert.equal(a.released, true)
    b.release()
    const c = await acquireStateLock(dir)
    await assert.rejects(acquireStateLock(dir, { waitMs: 20 }), (err: unknown) => err instanceof StateLockedError && err.details.waitedMs >= 20)
    c.release()
  })

  it('breaks a lock whose holder is dead, a zombie or a reused pid; never one from another host', () => {
    const dir = freshDir()
    plant(dir, { pid: deadPid() })
    acquireStateLockSync(dir).release()
    // A live pid whose start time is not the recorded one: the pid was reused.
    plant(dir, { pid: process.ppid, start: '1' })
    acquireStateLockSync(dir).release()
    // Another host cannot be checked: taken as alive.
    plant(dir, { pid: deadPid(), host: 'elsewhere.example' })
    assert.throws(() => acquireStateLockSync(dir), StateLockedError)
    rmSync(join(dir, STATE_LOCK_FILE))
    // Unreadable content: live while fresh (being written), broken once old.
    writeFileSync(join(dir, STATE_LOCK_FILE), '')
    assert.throws(() => acquireStateLockSync(dir), (err: unknown) => err instanceof StateLockedError && err.details.pid === null)
    utimesSync(join(dir, STATE_LOCK_FILE), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
    acquireStateLockSync(dir).release()
    // A breaker that died mid-break left its marker: the next level is taken.
    const dead = deadPid()
    plant(dir, { pid: dead, nonce: 'stale1' })
    writeFileSync(join(dir, `${STATE_LOCK_FILE}.break-stale1-1`), JSON.stringify({ pid: deadPid(), start: null, host: hostname(), nonce: 'breaker', acquiredAt: 1 }))
    const l = acquireStateLockSync(dir)
    l.release()
    assert.deepEqual(readdirSync(dir), [])
  })

  it('a holder killed with SIGKILL leaves a lock that the next process takes', async () => {
    const dir = freshDir()
    const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, 'hold', dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    const [line] = await once(child.stdout, 'data') as [Buffer]
    assert.equal(line.toString().trim(), 'locked')
    assert.throws(() => acquireStateLockSync(dir), lockedBy(child.pid!, dir))
    child.kill('SIGKILL')
    await once(child, 'exit')
    assert.equal(readLockHolder(join(dir, STATE_LOCK_FILE))?.pid, child.pid) // left behind
    const l = acquireStateLockSync(dir)
    assert.equal(readLockHolder(l.path)?.pid, process.pid)
    l.release()
  })

  it('processes racing for a stale lock and for each other never overlap (no lost update in 6 x 15 critical sections)', async () => {
    const dir = freshDir()
    const counter = join(dir, 'counter')
    const barrier = join(dir, 'go')
    writeFileSync(counter, '0')
    plant(dir, { pid: deadPid() }) // every process starts by finding a stale lock
    const procs = 6
    const rounds = 15
    const children = Array.from({ length: procs }, () => spawn(process.execPath, ['--import', 'tsx', HOLDER, 'count', dir, counter, String(rounds), barrier], { stdio: 'inherit' }))
    await new Promise(resolve => setTimeout(resolve, 1500)) // let them load; the barrier aligns them
    writeFileSync(barrier, '')
    const codes = await Promise.all(children.map(async c => (await once(c, 'exit'))[0] as number))
    assert.deepEqual(codes, Array(procs).fill(0))
    assert.equal(Number(readFileSync(counter, 'utf8')), procs * rounds)
    assert.deepEqual(readdirSync(dir).sort(), ['counter', 'go'])
  })

  it('model: whatever the order of acquires, releases and stale plants, at most one holder', () => {
    const dir = freshDir()
    const ops = fc.array(fc.oneof(
      fc.record({ op: fc.constant('acquire' as const), who: fc.nat(2) }),
      fc.record({ op: fc.constant('release' as const), who: fc.nat(2) }),
      fc.record({ op: fc.constant('stale' as const) })
    ), { maxLength: 30 })
    const dead = deadPid()
    fc.assert(fc.property(ops, (list) => {
      const held = new Map<number, ReturnType<typeof acquireStateLockSync>>()
      rmSync(join(dir, STATE_LOCK_FILE), { force: true })
      for (const o of list) {
        if (o.op === 'acquire') {
          const free = held.size === 0
          try {
            const l = acquireStateLockSync(dir)
            assert.ok(free, 'acquired while held')
            held.set(o.who + held.size * 10 + Math.random(), l)
          } catch (err) {
            assert.ok(err instanceof StateLockedError)
            assert.ok(!free, 'refused while free')
          }
        } else if (o.op === 'release') {
          const [k, l] = [...held][0] ?? []
          if (k !== undefined && l !== undefined) { l.release(); held.delete(k) }
        } else if (held.size === 0) {
          plant(dir, { pid: dead })
        }
        assert.ok(held.size <= 1)
      }
      for (const l of held.values()) l.release()
    }), { numRuns: 100 })
  })

  it('a replay guard on a file another guard holds is refused (regression: it read the live file as a crash and set its floor 35 s ahead)', async () => {
    const dir = freshDir()
    const path = join(dir, 'replay.json')
    const g1 = createReplayGuard({ path })
    assert.throws(() => createReplayGuard({ path }), StateLockedError)
    await g1.close()
    const g2 = createReplayGuard({ path })
    assert.equal(g2.floorMs, -Infinity)
    await g2.close()
  })

  it('a replay guard removes temp files left by a writer killed mid-write', async () => {
    const dir = freshDir()
    const path = join(dir, 'replay.json')
    writeFileSync(`${path}.31337.4.tmp`, 'partial')
    const g = createReplayGuard({ path })
    await g.close()
    assert.deepEqual(readdirSync(dir), ['replay.json'])
  })
})
