/**
 * One writer per state file: an exclusive, advisory, inter-process lock.
 *
 * Node has no flock(2), so the lock is a file created atomically: the holder
 * writes `{ pid, start, host, nonce, acquiredAt }` to a private candidate file
 * and hard-links it to the lock path (link(2) fails with EEXIST when the path
 * exists, and the lock is never seen half-written). Release unlinks it; so
 * does a `process.on('exit')` hook.
 *
 * A lock left by a dead holder (kill -9, power cut) is broken: the holder is
 * dead when `process.kill(pid, 0)` fails with ESRCH, when it is a zombie, or
 * when `/proc/<pid>/stat` shows another start time (the pid was reused).
 * Breaking is check-then-unlink, which is not atomic by itself, so a breaker
 * must first win a marker file `<lock>.break-<nonce>-<level>` with O_EXCL
 * (nonces are never reused, so the marker names one lock instance): only the
 * winner unlinks, and only after re-reading that the lock still holds the dead
 * nonce. Two waiters therefore never both remove a lock, and never remove a
 * live one. A breaker that dies mid-break leaves its marker; the next waiter
 * sees that its creator is dead and competes for the next level.
 *
 * A holder on another host (a shared network file system) cannot be checked
 * and is always taken as alive.
 *
 * @module
 */
import { closeSync, fsyncSync, linkSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { StateLockedError, StorageError } from '../errors.js'
import { DEFAULT_LOCK_POLL_MS } from '../limits.js'
import { checkNonNegativeInt, checkPositiveInt } from '../options/checks.js'

/** Name of the lock file that {@link acquireStateLock} creates in a state directory. */
export const STATE_LOCK_FILE = 'wireseal.lock'

export { DEFAULT_LOCK_POLL_MS }

/** Break levels tried before giving up: each level means a breaker died mid-break. */
const MAX_BREAK_LEVELS = 8

/** A lock file whose content cannot be read yet (non-link file systems) is taken as live for this long (ms). */
const UNREADABLE_GRACE_MS = 10_000

/** Options of {@link acquireStateLock}. */
export interface StateLockInit {
  /**
   * Longest to wait for a live holder to release the lock (ms); 0 refuses at once.
   * @default 0
   */
  waitMs?: number
  /**
   * Poll interval while waiting (ms).
   * @default DEFAULT_LOCK_POLL_MS (10)
   */
  pollMs?: number
}

/** A held lock. */
export interface StateLock {
  /** The lock file. */
  readonly path: string
  /** True once released. */
  readonly released: boolean
  /** Releases the lock (idempotent; also done at process exit). */
  release (): void
}

/** What a lock file says about its holder. */
export interface LockHolder {
  readonly pid: number
  /** Process start time from /proc (clock ticks after boot), or null where there is no /proc. */
  readonly start: string | null
  readonly host: string
  readonly nonce: string
  /** When the lock was taken (ms since epoch). */
  readonly acquiredAt: number
}

// --- the process's own identity and held locks -----------------------------

/** Locks held by this process: nonce -> lock path (released by the exit hook). */
const held = new Map<string, string>()
let exitHookInstalled = false

function procStart (pid: number): { start: string, zombie: boolean } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // proc(5): field 3 is the state, field 22 the start time; fields[0] is field 3.
    const start = fields[19]
    if (start === undefined) return null
    return { start, zombie: fields[0] === 'Z' || fields[0] === 'X' }
  } catch {
    return null
  }
}

let self: { pid: number, start: string | null, host: string } | undefined
function me (): { pid: number, start: string | null, host: string } {
  if (self === undefined || self.pid !== process.pid) self = { pid: process.pid, start: procStart(process.pid)?.start ?? null, host: hostname() }
  return self
}

function releaseAllAtExit (): void {
  for (const [nonce, path] of held) unlinkIfOurs(path, nonce)
  held.clear()
}

// --- lock file I/O -----------------------------------------------------------

function codeOf (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'failed'
}

function parseHolder (text: string): LockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<LockHolder> | null
    if (typeof v !== 'object' || v === null) return undefined
    if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0 || typeof v.nonce !== 'string' || typeof v.host !== 'string') return undefined
    if (v.start !== null && typeof v.start !== 'string') return undefined
    return { pid: v.pid as number, start: v.start, host: v.host, nonce: v.nonce, acquiredAt: typeof v.acquiredAt === 'number' ? v.acquiredAt : 0 }
  } catch {
    return undefined
  }
}

type ReadResult = { kind: 'absent' } | { kind: 'holder', holder: LockHolder } | { kind: 'unreadable', ageMs: number }

function readLock (path: string): ReadResult {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if (codeOf(err) === 'ENOENT') return { kind: 'absent' }
    throw new StorageError(path, 'lock', codeOf(err), { cause: err })
  }
  const holder = parseHolder(text)
  if (holder !== undefined) return { kind: 'holder', holder }
  try {
    return { kind: 'unreadable', ageMs: Date.now() - statSync(path).mtimeMs }
  } catch {
    return { kind: 'absent' }
  }
}

function unlinkIfOurs (path: string, nonce: string): void {
  const r = readLock(path)
  if (r.kind === 'holder' && r.holder.nonce === nonce) {
    try { unlinkSync(path) } catch { /* already gone */ }
  }
}

/** Writes `text` to a new file (O_EXCL), durably. Throws the system error. */
function createExclusive (path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o600)
  try {
    const data = Buffer.from(text, 'utf8')
    let off = 0
    while (off < data.length) off += writeSync(fd, data, off, data.length - off)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Whether the process named by a lock or marker may still be running. */
function holderAlive (h: LockHolder): boolean {
  const self = me()
  if (h.host !== self.host) return true
  // Ours only if this process took it; otherwise an earlier process that had our pid.
  if (h.pid === self.pid) return held.has(h.nonce)
  try {
    process.kill(h.pid, 0)
  } catch (err) {
    if (codeOf(err) === 'ESRCH') return false
    // EPERM: alive, owned by another user.
  }
  const now = procStart(h.pid)
  if (now !== null) {
    if (now.zombie) return false
    if (h.start !== null && now.start !== h.start) return false
  }
  return true
}

function isAlive (r: ReadResult): boolean {
  if (r.kind === 'holder') return holderAlive(r.holder)
  return r.kind === 'unreadable' && r.ageMs < UNREADABLE_GRACE_MS
}

function markerPath (lockPath: string, nonce: string, level: number): string {
  return `${lockPath}.break-${nonce}-${level}`
}

/**
 * Removes the lock held by the dead `stale` holder, unless another waiter is
 * already doing it (then returns and the caller polls again).
 */
function breakStale (lockPath: string, staleNonce: string, identity: string): void {
  for (let level = 1; level <= MAX_BREAK_LEVELS; level++) {
    const marker = markerPath(lockPath, staleNonce, level)
    try {
      createExclusive(marker, identity)
    } catch (err) {
      if (codeOf(err) !== 'EEXIST') throw new StorageError(marker, 'lock', codeOf(err), { cause: err })
      const m = readLock(marker)
      if (m.kind === 'absent') return // finished by its creator: poll again
      if (isAlive(m)) return // a live breaker: let it finish
      continue // its creator died mid-break: compete for the next level
    }
    try {
      // Only the marker's winner may unlink, and only the instance it judged dead.
      const r = readLock(lockPath)
      if (r.kind === 'holder' && r.holder.nonce === staleNonce) unlinkSync(lockPath)
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw new StorageError(lockPath, 'lock', codeOf(err), { cause: err })
    } finally {
      for (let l = level; l >= 1; l--) {
        try { unlinkSync(markerPath(lockPath, staleNonce, l)) } catch { /* already gone */ }
      }
    }
    return
  }
  throw new StorageError(lockPath, 'lock', `more than ${MAX_BREAK_LEVELS} breakers of a stale lock died`)
}

/** Removes candidate and marker files left by dead processes (called while holding the lock). */
function cleanLeftovers (lockPath: string): void {
  const dir = dirname(lockPath)
  const base = basename(lockPath) + '.'
  let names: string[]
  try { names = readdirSync(dir) } catch { return }
  for (const name of names) {
    if (!name.startsWith(base)) continue
    const rest = name.slice(base.length)
    const path = join(dir, name)
    if (rest.endsWith('.cand') || rest.startsWith('break-')) {
      const r = readLock(path)
      if (r.kind !== 'absent' && !isAlive(r)) {
        try { unlinkSync(path) } catch { /* raced with its owner */ }
      }
    }
  }
}

/** One attempt: the lock, or what holds it. */
function tryAcquire (lockPath: string): { lock: StateLock } | { holder: ReadResult } {
  const self = me()
  const nonce = randomBytes(12).toString('hex')
  const identity = JSON.stringify({ pid: self.pid, start: self.start, host: self.host, nonce, acquiredAt: Date.now() })
  const cand = `${lockPath}.${nonce}.cand`
  for (let attempt = 0; attempt < 16; attempt++) {
    let won = false
    try {
      createExclusive(cand, identity)
      try {
        linkSync(cand, lockPath)
        won = true
      } catch (err) {
        const code = codeOf(err)
        if (code === 'EEXIST') { /* held: see below */ } else if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') {
          // No hard links here (some FUSE and network file systems): O_EXCL create; readers
          // seeing it before its content is written take it as live for UNREADABLE_GRACE_MS.
          try {
            createExclusive(lockPath, identity)
            won = true
          } catch (err2) {
            if (codeOf(err2) !== 'EEXIST') throw err2
          }
        } else {
          throw err
        }
      } finally {
        try { unlinkSync(cand) } catch { /* already gone */ }
      }
    } catch (err) {
      throw new StorageError(lockPath, 'lock', codeOf(err), { cause: err })
    }
    if (won) {
      held.set(nonce, lockPath)
      if (!exitHookInstalled) {
        process.on('exit', releaseAllAtExit)
        exitHookInstalled = true
      }
      cleanLeftovers(lockPath)
      let released = false
      return {
        lock: {
          path: lockPath,
          get released () { return released },
          release () {
            if (released) return
            released = true
            held.delete(nonce)
            unlinkIfOurs(lockPath, nonce)
          }
        }
      }
    }
    const r = readLock(lockPath)
    if (r.kind === 'absent') continue // released meanwhile: try again
    if (isAlive(r)) return { holder: r }
    if (r.kind === 'holder') {
      breakStale(lockPath, r.holder.nonce, identity)
    } else {
      // Unreadable for longer than the grace period: its creator died before writing it.
      try { unlinkSync(lockPath) } catch { /* gone */ }
    }
  }
  return { holder: readLock(lockPath) }
}

function waitOption (init: StateLockInit): { waitMs: number, pollMs: number } {
  return {
    waitMs: checkNonNegativeInt('waitMs', init.waitMs ?? 0),
    pollMs: checkPositiveInt('pollMs', init.pollMs ?? DEFAULT_LOCK_POLL_MS)
  }
}

function lockedError (lockPath: string, r: ReadResult, waitedMs: number): StateLockedError {
  const h = r.kind === 'holder' ? r.holder : undefined
  return new StateLockedError(lockPath, h?.pid ?? null, h?.host ?? null, h?.acquiredAt ?? null, waitedMs)
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4))

function jitter (pollMs: number): number {
  return pollMs + Math.floor(Math.random() * (pollMs / 2 + 1))
}

/**
 * Takes the lock file `lockPath` (created beside the state it protects),
 * waiting up to `init.waitMs` for a live holder, synchronously (the thread
 * sleeps between polls). Throws {@link StateLockedError} naming the holder,
 * or {@link StorageError} when the file cannot be created.
 */
export function acquireLockFileSync (lockPath: string, init: StateLockInit = {}): StateLock {
  const { waitMs, pollMs } = waitOption(init)
  const t0 = Date.now()
  for (;;) {
    const r = tryAcquire(lockPath)
    if ('lock' in r) return r.lock
    const waited = Date.now() - t0
    if (waited >= waitMs) throw lockedError(lockPath, r.holder, waited)
    Atomics.wait(sleepCell, 0, 0, Math.min(jitter(pollMs), waitMs - waited))
  }
}

/** Asynchronous {@link acquireLockFileSync}: polls with timers, so the event loop keeps running while it waits. */
export async function acquireLockFile (lockPath: string, init: StateLockInit = {}): Promise<StateLock> {
  const { waitMs, pollMs } = waitOption(init)
  const t0 = Date.now()
  for (;;) {
    const r = tryAcquire(lockPath)
    if ('lock' in r) return r.lock
    const waited = Date.now() - t0
    if (waited >= waitMs) throw lockedError(lockPath, r.holder, waited)
    await new Promise(resolve => setTimeout(resolve, Math.min(jitter(pollMs), waitMs - waited)))
  }
}

/**
 * Takes the exclusive lock of the state directory `dir` (the file
 * {@link STATE_LOCK_FILE} in it), for as long as the caller holds it: one
 * process at a time may use the state files in `dir`. Waits up to
 * `init.waitMs` for a live holder, then rejects with {@link StateLockedError}
 * (details: lock path, holder pid and host); a lock left by a dead process is
 * broken. Release with `release()`; process exit releases it too.
 */
export async function acquireStateLock (dir: string, init: StateLockInit = {}): Promise<StateLock> {
  return await acquireLockFile(join(dir, STATE_LOCK_FILE), init)
}

/** Synchronous {@link acquireStateLock} (blocks the thread while it waits). */
export function acquireStateLockSync (dir: string, init: StateLockInit = {}): StateLock {
  return acquireLockFileSync(join(dir, STATE_LOCK_FILE), init)
}

/** The lock file that guards the state file `path` (`<path>.lock`), as the guard and the sequencer take it. */
export function lockPathFor (path: string): string {
  return `${path}.lock`
}

/** The holder recorded in a lock file, or undefined when it is free or unreadable (diagnostics). */
export function readLockHolder (lockPath: string): LockHolder | undefined {
  const r = readLock(lockPath)
  return r.kind === 'holder' ? r.holder : undefined
}
