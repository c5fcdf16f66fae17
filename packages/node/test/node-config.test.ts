/**
 * Bad configuration, end to end (issue 10): for every variable of
 * CONFIG_VARIABLES, `wireseal-node node` (the built bin) started with one
 * bad value in that environment variable exits 2 at once and prints exactly
 * one line, naming the variable, on stderr.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CONFIG_VARIABLES } from '../src/config.js'

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))

/** One bad value per variable (a different kind of mistake for each family). */
const BAD: Readonly<Record<string, string>> = {
  P2P_DATA_DIR: 'a\u0001b',
  P2P_LISTEN_ADDRS: '/ip4/0.0.0.0/udp/4001/quic-v1',
  P2P_EXTERNAL_ADDRS: '/ip4/1.2.3.4/tcp/99999',
  P2P_BOOTSTRAP_PEERS: '/ip4/1.2.3.4/tcp/4001',
  P2P_BOOTSTRAP: 'maybe',
  P2P_MAX_CONNECTIONS: '10001',
  P2P_MAX_INBOUND_CONNECTIONS: '0',
  P2P_MAX_OUTBOUND_CONNECTIONS: '2.0',
  P2P_MAX_PENDING_INBOUND: '1001',
  P2P_INBOUND_RATE_PER_IP: 'fast',
  P2P_IDLE_TIMEOUT: '45sec',
  P2P_STREAM_TIMEOUT: '99ms',
  P2P_ALLOW_CIDRS: '10.0.0.1/8',
  P2P_DENY_CIDRS: 'any',
  P2P_METRICS_PORT: '65536',
  P2P_METRICS_HOST: 'a_b',
  LOG_LEVEL: 'verbose',
  P2P_NETWORK: 'Wireseal',
  P2P_ROLE: 'tab\there',
  P2P_BLOCK_INTERVAL: '5ms',
  P2P_BLOCK_SIZE: '2MiB',
  P2P_GOSSIP_BATCH_RATE: '-1',
  P2P_GOSSIP_BATCH_DELAY: '0',
  P2P_MAX_STORED_BLOCKS: '0',
  P2P_PEERINFO_INTERVAL: '500ms',
  P2P_DHT: 'off',
  P2P_SHUTDOWN_TIMEOUT: '11m',
  P2P_MEMORY_LIMIT: 'lots',
  P2P_RATE_GOSSIP_MSGS: '100001',
  P2P_RATE_GOSSIP_BYTES: '1000',
  P2P_RATE_STREAM_MSGS: 'x',
  P2P_RATE_SYNC_BLOCKS: '1000001'
}

/** Processes at once (the machine has 2 cores; each bin start loads libp2p). */
const CONCURRENCY = 3
/** A bin that did not exit by then accepted the value and started a node: killed, and the test fails. */
const EXIT_WITHIN_MS = 15_000

interface Run { code: number | null, signal: string | null, stdout: string, stderr: string, killed: boolean }

function runBin (env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'node'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let killed = false
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const timer = setTimeout(() => { killed = true; child.kill('SIGKILL') }, EXIT_WITHIN_MS)
    child.once('error', (err) => { clearTimeout(timer); reject(err) })
    child.once('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, killed }) })
  })
}

/** The parent's environment without any node variable, so that only the one under test is set. */
function baseEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  const names = new Set(CONFIG_VARIABLES.map((v) => v.env))
  for (const [k, v] of Object.entries(process.env)) if (!names.has(k) && !k.startsWith('P2P_')) env[k] = v
  return env
}

test('the table has one bad value for every configuration variable', () => {
  assert.deepEqual(Object.keys(BAD).sort(), CONFIG_VARIABLES.map((v) => v.env).sort())
})

test('every variable with a bad value: the node exits 2 at once with exactly one line naming it', { timeout: 120_000 }, async () => {
  assert.ok(existsSync(BIN), `${BIN} is missing: run npm run build`)
  const cwd = await mkdtemp(join(tmpdir(), 'wireseal-node-config-'))
  try {
    const queue = CONFIG_VARIABLES.map((v) => v.env)
    const failures: string[] = []
    const worker = async (): Promise<void> => {
      for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
        const value = BAD[name] as string
        const r = await runBin({ ...baseEnv(), [name]: value }, cwd)
        const lines = r.stderr.split('\n').filter((l) => l !== '')
        const what = `${name}=${JSON.stringify(value)}: exit ${String(r.code)}${r.killed ? ' (still running: killed)' : ''}, stderr ${JSON.stringify(r.stderr)}`
        if (r.code !== 2) failures.push(what)
        else if (lines.length !== 1) failures.push(`${what}: ${lines.length} lines`)
        else if (!(lines[0] as string).startsWith(`wireseal-node: ${name}=`) || !(lines[0] as string).includes(': expected ')) failures.push(`${what}: the line does not name the variable`)
        else if (r.stdout !== '') failures.push(`${what}: stdout ${JSON.stringify(r.stdout)}`)
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))
    assert.deepEqual(failures, [])
    // a refused configuration creates nothing (the default data dir is relative to cwd)
    assert.equal(existsSync(join(cwd, 'wireseal-data')), false)
  } finally {
    await rm(cwd, { recursive: true, force: true })
  }
})
