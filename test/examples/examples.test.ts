import { it } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

// The README's libp2p example, run as a user would run it (it imports the built package by name).
it('examples/p2p-node.ts: negotiated protocol, request/response and a validated gossip topic', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../examples/p2p-node.ts')], { timeout: 60_000, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  // Alice prefers msgpack and Bob handles it: the negotiated id says so.
  assert.equal(lines.filter((l) => l.includes('over /wireseal/block/1.0.0/msgpack-snappy')).length, 3, r.stdout)
  assert.deepEqual(lines.filter((l) => l.startsWith('alice <- echo')).map((l) => /Block (\d+) with ttl (\d+)/.exec(l)?.slice(1)), [['1', '31'], ['2', '31'], ['3', '31']])
  assert.match(r.stdout, /bob {3}<- gossip Block 7 signed by/)
  assert.equal(lines.at(-1), 'done')
})

it('examples/custom-type.ts: a user-defined type through the whole pipeline', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../examples/custom-type.ts')], { timeout: 60_000, encoding: 'utf8' })
  assert.equal(r.status, 0, r.stderr)
  assert.match(r.stdout, /^msgpack: \d+ B, slot 7, approve true, tags fast-path$/m)
  assert.match(r.stdout, /^json: \d+ B, slot 7, approve true, tags fast-path$/m)
})
