// Runs CLI commands through the real main() in one long-lived child process
// (cli-worker.ts serve): the same code path as the bin, without a process
// start per command, and without touching the test runner's own stdout.
// Commands must not read stdin: pass --in.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import type { Readable } from 'node:stream'

export interface Run { code: number, stdout: string, stderr: string }

let child: ChildProcess | undefined
let next = 0
const pending = new Map<number, (r: Run) => void>()

function server (): ChildProcess {
  if (child !== undefined) return child
  const c = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli-worker.ts'), 'serve'], { stdio: ['pipe', 'inherit', 'inherit', 'pipe'] })
  createInterface({ input: c.stdio[3] as Readable }).on('line', (line) => {
    const { id, code, stdout, stderr } = JSON.parse(line) as Run & { id: number }
    pending.get(id)?.({ code, stdout, stderr })
    pending.delete(id)
  })
  c.on('exit', (code) => {
    for (const done of pending.values()) done({ code: -1, stdout: '', stderr: `cli-worker exited with ${String(code)}` })
    pending.clear()
    child = undefined
  })
  child = c
  return c
}

/** Runs `wireseal ...args`; stdout is latin1-decoded (binary output survives). */
export async function runMain (args: string[]): Promise<Run> {
  const c = server()
  const id = next++
  return await new Promise<Run>((resolve) => {
    pending.set(id, resolve)
    c.stdin?.write(JSON.stringify({ id, args }) + '\n')
  })
}

/** Ends the child process (call from `after`). */
export function stopMain (): void {
  child?.stdin?.end()
}

/** A failure is exactly one line on stderr, without a stack trace. */
export function oneLineError (r: Run): string {
  const lines = r.stderr.trimEnd().split('\n')
  if (lines.length !== 1 || /\n\s+at /.test(r.stderr)) throw new Error(`expected one line on stderr, got: ${r.stderr}`)
  return lines[0] as string
}
