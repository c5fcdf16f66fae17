// `--state DIR` shared by concurrent CLI processes (issue 9, defect 3): one
// writer at a time, so no replay is ever accepted, no fresh envelope refused
// and no seq reused; a lock left by kill -9 is broken.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { createCodec } from '../../src/codec/index.js'
import { BlockType, type Block } from '../../src/serialize/messages.js'
import { parseEnvelope } from '../../src/envelope/envelope.js'
import { DEFAULT_LIMITS } from '../../src/limits.js'

const WORKER = join(import.meta.dirname, 'cli-worker.ts')
const WORKERS = 3
const ROUNDS = 24
/** Bound on one barrier round (every worker done): far above the few ms a round takes. */
const ROUND_BOUND_MS = 60_000

interface Report { code: number, stdout: string, stderr: string }

function block (i: number): Block {
  return { hash: new Uint8Array(32).fill(i & 0xff), data: new TextEncoder().encode(`block ${i}`), timestamp: BigInt(i), ttl: 1, version: 1, signature: new Uint8Array(0) }
}

function writeKey (path: string, key: PrivateKey): void {
  writeFileSync(path, JSON.stringify({ version: 1, type: key.type, id: key.publicKey.toString(), privateKey: Buffer.from(privateKeyToProtobuf(key)).toString('base64') }), { mode: 0o600 })
}

function verdict (r: Report): string {
  if (r.code === 0) return 'accepted'
  return /rejected: ([a-z-]+)/.exec(r.stderr)?.[1] ?? `exit ${r.code}: ${r.stderr.trim()}`
}

/** Long-lived CLI processes, each running one `main()` per barrier round. */
class Pool {
  private k = 0
  private readonly children: ChildProcess[] = []
  constructor (private readonly ctl: string) {
    mkdirSync(ctl, { recursive: true })
    for (let w = 0; w < WORKERS; w++) {
      this.children.push(spawn(process.execPath, ['--import', 'tsx', WORKER, 'rounds', ctl, String(w)], { stdio: ['ignore', 'inherit', 'inherit'] }))
    }
  }

  async ready (): Promise<void> {
    const t0 = Date.now()
    while (!Array.from({ length: WORKERS }, (_, w) => existsSync(join(this.ctl, `ready-${w}`))).every(Boolean)) {
      if (Date.now() - t0 > ROUND_BOUND_MS) throw new Error('workers did not start')
      await sleep(20)
    }
  }

  /** Runs `jobs[w]` (argv or null) in worker w, all released at once; returns the reports. */
  async round (jobs: Array<string[] | null>): Promise<Report[]> {
    const k = this.k++
    jobs.forEach((args, w) => { writeFileSync(join(this.ctl, `job-${k}-${w}.json`), JSON.stringify({ args })) })
    writeFileSync(join(this.ctl, `go-${k}`), '')
    const t0 = Date.now()
    const done = (w: number): string => join(this.ctl, `done-${k}-${w}.json`)
    while (!jobs.every((_, w) => existsSync(done(w)))) {
      if (Date.now() - t0 > ROUND_BOUND_MS) throw new Error(`round ${k} did not finish`)
      await sleep(2)
    }
    return jobs.map((_, w) => JSON.parse(readFileSync(done(w), 'utf8')) as Report)
  }

  stop (): void {
    writeFileSync(join(this.ctl, 'stop'), '')
    for (const c of this.children) c.kill()
  }
}

describe('wireseal --state shared by concurrent processes', () => {
  let dir: string
  let pool: Pool
  let key: PrivateKey
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wireseal-cli-state-'))
    key = await generateKeyPair('Ed25519')
    writeKey(join(dir, 'key.json'), key)
    writeFileSync(join(dir, 'block.json'), JSON.stringify({ hash: 'AAECAwQ=', data: 'aGVsbG8=', timestamp: '1', ttl: 1, version: 1, signature: '' }))
    pool = new Pool(join(dir, 'ctl'))
    await pool.ready()
  })
  after(() => {
    pool.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it(`${ROUNDS} rounds of ${WORKERS} synchronised opens: never a replay accepted, never a fresh envelope refused`, async () => {
    const state = join(dir, 'rx')
    const sender = createCodec({ privateKey: key })
    const ch = 'blocks'
    let n = 0
    const envelope = (): string => {
      const path = join(dir, `env-${n}.bin`)
      writeFileSync(path, sender.seal(BlockType, block(n++), { channel: ch }))
      return path
    }
    const open = (env: string): string[] => ['open', '--channel', ch, '--state', state, '--in', env]
    // Rounds in which each property failed (all are counted, then asserted zero, so a failure reports figures).
    const bad = { sameAcceptedTwice: 0, distinctRefused: 0, lostUpdate: 0, freshRefused: 0 }
    const seen: string[] = []
    for (let r = 0; r < ROUNDS; r++) {
      // 1. The same envelope opened by every process at once: exactly one accepts it.
      const v1 = (await pool.round(Array(WORKERS).fill(open(envelope())))).map(verdict)
      if (v1.filter(v => v === 'accepted').length !== 1 || v1.some(v => v !== 'accepted' && v !== 'replayed')) bad.sameAcceptedTwice++
      // 2. Different envelopes at once: every one is accepted (none refused as out-of-window or replayed).
      const distinct = Array.from({ length: WORKERS }, envelope)
      const v2 = (await pool.round(distinct.map(open))).map(verdict)
      if (v2.some(v => v !== 'accepted')) bad.distinctRefused++
      // 3. ... and each of them again, at once: no update was lost, all are replays.
      const v3 = (await pool.round([...distinct].reverse().map(open))).map(verdict)
      if (v3.some(v => v !== 'replayed')) bad.lostUpdate++
      // 4. A never-seen envelope right after the overlapping opens: the floor is not in the future.
      const v4 = (await pool.round([open(envelope()), null, null])).map(verdict)
      if (v4[0] !== 'accepted') bad.freshRefused++
      seen.push(`${r}: ${v1.join('/')} | ${v2.join('/')} | ${v3.join('/')} | ${v4[0] ?? ''}`)
    }
    process.stdout.write(`# opens, rounds failing each property out of ${ROUNDS}: ${JSON.stringify(bad)}\n`)
    assert.deepEqual(bad, { sameAcceptedTwice: 0, distinctRefused: 0, lostUpdate: 0, freshRefused: 0 }, seen.join('\n'))
    const replay = JSON.parse(readFileSync(join(state, 'replay.json'), 'utf8').split('\n')[0] ?? '{}') as { floorMs: number | null, clean: boolean }
    assert.equal(replay.floorMs, null)
    assert.equal(replay.clean, true)
  })

  it(`${ROUNDS} rounds of ${WORKERS} synchronised seals: no seq is ever handed out twice`, async () => {
    const state = join(dir, 'tx')
    const seqs = new Set<number>()
    let reused = 0
    for (let r = 0; r < ROUNDS; r++) {
      const outs = Array.from({ length: WORKERS }, (_, w) => join(dir, `sealed-${r}-${w}.bin`))
      const reports = await pool.round(outs.map(out => ['seal', '--key', join(dir, 'key.json'), '--type', 'Block', '--channel', 'c', '--state', state, '--in', join(dir, 'block.json'), '--out', out]))
      for (const rep of reports) assert.equal(rep.code, 0, rep.stderr)
      let dup = false
      for (const out of outs) {
        const seq = parseEnvelope(readFileSync(out), DEFAULT_LIMITS).header.seq
        if (seqs.has(seq)) dup = true
        seqs.add(seq)
      }
      if (dup) reused++
    }
    process.stdout.write(`# seals: rounds reusing a seq: ${reused} of ${ROUNDS}; ${seqs.size} distinct seqs of ${ROUNDS * WORKERS}\n`)
    assert.equal(reused, 0)
    assert.equal(seqs.size, ROUNDS * WORKERS)
  })
})
