// A process for the lock tests. `hold DIR`: takes the state lock of DIR, prints
// "locked", then sleeps until killed. `count DIR COUNTER N BARRIER`: waits for
// BARRIER, then N times takes the lock, increments the number in COUNTER with
// a slow read-modify-write (a lost update if two processes overlap), releases.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { acquireStateLockSync } from '../../src/replay/lock.js'

const sleepCell = new Int32Array(new SharedArrayBuffer(4))
const sleep = (ms: number): void => { Atomics.wait(sleepCell, 0, 0, ms) }
const [mode, dir, counter, n, barrier] = process.argv.slice(2)

if (mode === 'hold' && dir !== undefined) {
  acquireStateLockSync(dir)
  process.stdout.write('locked\n')
  setInterval(() => {}, 60_000)
} else if (mode === 'count' && dir !== undefined && counter !== undefined && barrier !== undefined) {
  while (!existsSync(barrier)) sleep(0.2)
  for (let i = 0; i < Number(n); i++) {
    const lock = acquireStateLockSync(dir, { waitMs: 60_000, pollMs: 1 })
    const value = Number(readFileSync(counter, 'utf8'))
    sleep(1)
    writeFileSync(counter, String(value + 1))
    lock.release()
  }
} else {
  process.stderr.write('usage: lock-holder.ts hold DIR | count DIR COUNTER N BARRIER\n')
  process.exit(2)
}
