/**
 * `--state DIR` for `seal` and `open`, and `wireseal state reset`: one
 * process at a time per state directory (the lock of wireseal/replay, which
 * the reference node takes on its data directory too), a bounded wait for it,
 * and a way out of a damaged state file.
 *
 * @module
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { acquireStateLock, type StateLock } from '../replay/lock.js'
import { createReplayGuard } from '../replay/guard.js'
import { decodeReplayState, readStateFile, REPLAY_STATE_FORMAT } from '../replay/store.js'
import { createSequencer } from '../replay/sequencer.js'
import { DEFAULT_LOCK_WAIT_MS, DEFAULT_MAX_STATE_FILE_BYTES } from '../limits.js'
import { MalformedInputError } from '../errors.js'
import { CliUsageError } from './io.js'

export { DEFAULT_LOCK_WAIT_MS }

/** The replay guard's file in a state directory. */
export const REPLAY_FILE = 'replay.json'
/** The sequencer's file in a state directory. */
export const SEQUENCER_FILE = 'sequencer.json'

/** Creates `dir` (mode 0700) if needed and takes its lock, waiting up to `waitMs` for another process. */
export async function openStateDir (dir: string, waitMs: number): Promise<StateLock> {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    throw new CliUsageError(`cannot use --state ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  return await acquireStateLock(dir, { waitMs })
}

/** Runs `body` while holding the lock of the state directory `dir` (none without `--state`). */
export async function withStateDir<T> (dir: string | undefined, waitMs: number, body: (dir: string | undefined) => Promise<T>): Promise<T> {
  if (dir === undefined) return await body(undefined)
  const lock = await openStateDir(dir, waitMs)
  try {
    return await body(dir)
  } finally {
    lock.release()
  }
}

function stamp (): string {
  return new Date().toISOString().replace(/[:.]/g, '-')
}

/** What is wrong with a state file: `absent`, `ok`, or why it is damaged. */
function damage (path: string, check: () => void): { ok: boolean, what: string } {
  if (!existsSync(path)) return { ok: true, what: 'absent' }
  try {
    check()
    return { ok: true, what: 'ok, left alone' }
  } catch (err) {
    if (err instanceof MalformedInputError) return { ok: false, what: err.details.reason }
    throw err
  }
}

/**
 * `wireseal state reset --state DIR`: under the directory's lock, moves each
 * damaged state file aside as `<file>.corrupt-<UTC time>` and leaves valid
 * ones alone. A damaged replay state is replaced by an empty one whose floor
 * is now + the clock-skew allowance (the guard's `startFresh`), so nothing
 * the old state may have accepted is accepted again; a damaged sequencer
 * state is removed and numbering goes on from the clock seed.
 */
export async function runStateReset (v: Record<string, unknown>): Promise<number> {
  const dir = v.state
  if (typeof dir !== 'string' || dir === '') throw new CliUsageError('missing --state DIR')
  try {
    if (!statSync(dir).isDirectory()) throw new CliUsageError(`--state ${dir} is not a directory`)
  } catch (err) {
    if (err instanceof CliUsageError) throw err
    throw new CliUsageError(`cannot use --state ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  const waitMs = v['lock-wait'] as number
  return await withStateDir(dir, waitMs, async () => {
    const replay = join(dir, REPLAY_FILE)
    const r = damage(replay, () => {
      const bytes = readStateFile(replay, REPLAY_STATE_FORMAT, DEFAULT_MAX_STATE_FILE_BYTES)
      if (bytes !== undefined) decodeReplayState(bytes)
    })
    if (!r.ok) {
      const aside = `${replay}.corrupt-${stamp()}`
      copyFileSync(replay, aside)
      // startFresh over the damaged file: floor = now + maxClockSkewMs.
      await createReplayGuard({ path: replay, startFresh: true }).close()
      process.stdout.write(`${replay}: damaged (${r.what}); moved to ${aside}, replaced by an empty state refusing anything timestamped before now + the clock-skew allowance\n`)
    } else {
      process.stdout.write(`${replay}: ${r.what}\n`)
    }
    const seq = join(dir, SEQUENCER_FILE)
    const q = damage(seq, () => { createSequencer({ path: seq }).close() })
    if (!q.ok) {
      const aside = `${seq}.corrupt-${stamp()}`
      renameSync(seq, aside)
      process.stdout.write(`${seq}: damaged (${q.what}); moved to ${aside}, sequence numbers go on from the clock seed\n`)
    } else {
      process.stdout.write(`${seq}: ${q.what}\n`)
    }
    return 0
  })
}
