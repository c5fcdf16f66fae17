// A CLI process for the concurrency and resource tests: runs the real `main()`
// of src/cli, either once (`once OUT -- ARGS...`: reports exit code, output and
// peak RSS to OUT) or in rounds released by a shared barrier (`rounds CTL ID`):
// before round k it polls for CTL/go-k, runs the argv in CTL/job-k-ID.json and
// writes CTL/done-k-ID.json. CTL/stop ends it. `serve`: one JSON line
// {id, args} per request on stdin, one JSON line {id, ...report} per answer
// on fd 3 (so that tests run many commands in one process; requests must
// not read stdin).
import { existsSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { join } from 'node:path'
import { main } from '../../src/cli/main.js'

interface Report { code: number, stdout: string, stderr: string, maxRssKiB: number }

async function run (args: string[]): Promise<Report> {
  let stdout = ''
  let stderr = ''
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((chunk: string | Uint8Array) => { stdout += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1'); return true }) as typeof process.stdout.write
  process.stderr.write = ((chunk: string | Uint8Array) => { stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(); return true }) as typeof process.stderr.write
  let code: number
  try {
    code = await main(args)
  } finally {
    process.stdout.write = out
    process.stderr.write = err
  }
  return { code, stdout, stderr, maxRssKiB: process.resourceUsage().maxRSS }
}

function writeAtomic (path: string, text: string): void {
  writeFileSync(`${path}.part`, text)
  renameSync(`${path}.part`, path)
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4))
const [mode, a, b, ...rest] = process.argv.slice(2)

if (mode === 'once' && a !== undefined) {
  const args = b === '--' ? rest : [b ?? '', ...rest]
  const report = await run(args)
  writeAtomic(a, JSON.stringify(report))
  // As bin.ts: exit even if a given-up read still holds a thread-pool request.
  process.exit(report.code)
} else if (mode === 'rounds' && a !== undefined && b !== undefined) {
  writeAtomic(join(a, `ready-${b}`), '1')
  for (let k = 0; ; k++) {
    const go = join(a, `go-${k}`)
    // Tight poll (0.2 ms) so that every worker leaves the barrier within about a millisecond.
    while (!existsSync(go)) {
      if (existsSync(join(a, 'stop'))) process.exit(0)
      Atomics.wait(sleepCell, 0, 0, 0.2)
    }
    const job = JSON.parse(readFileSync(join(a, `job-${k}-${b}.json`), 'utf8')) as { args: string[] | null }
    const report = job.args === null ? { code: -1, stdout: '', stderr: '', maxRssKiB: 0 } : await run(job.args)
    writeAtomic(join(a, `done-${k}-${b}.json`), JSON.stringify(report))
  }
} else if (mode === 'serve') {
  for await (const line of createInterface({ input: process.stdin })) {
    const { id, args } = JSON.parse(line) as { id: number, args: string[] }
    const report = await run(args)
    writeSync(3, JSON.stringify({ id, ...report }) + '\n')
  }
  process.exit(0)
} else {
  process.stderr.write('usage: cli-worker.ts once OUT -- ARGS... | rounds CTL ID | serve\n')
  process.exit(2)
}
