/**
 * The devnet end to end (issue 10): 3 node processes on 127.0.0.1 hear each
 * other (Blocks and PeerInfos from every other node), serve Prometheus
 * metrics of the node, of libp2p and of gossipsub, answer the liveness and
 * readiness probes as specified, and stop within the bound on SIGTERM,
 * readiness going false first.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { hearsEveryone } from '../dist/devnet.js'
import { EXIT_BOUND_MS, getJson, metrics, metricSum, received, sleep, startTestDevnet, status, waitFor, type TestDevnet } from './node-fixtures.js'

interface Probe { live?: boolean, ready?: boolean, reason?: string }

describe('devnet of 3 node processes', { timeout: 55_000 }, () => {
  let net: TestDevnet
  before(async () => { net = await startTestDevnet(3) })
  after(async () => { await net?.close() })

  it('every node receives Blocks and PeerInfos from every other node within 15 s', async () => {
    const { devnet } = net
    await waitFor(async () => {
      await devnet.refresh()
      return devnet.members.every((m) => hearsEveryone(m, devnet.members))
    }, 'every node hears every other node', 15_000, 300)
    for (const m of devnet.members) {
      const s = m.status
      assert.ok(s !== undefined)
      assert.equal(s.peerId, m.peerId)
      assert.ok(s.blocksProduced > 0, `node ${m.index} produces`)
      assert.ok(Number(s.height) >= s.blocksProduced, `node ${m.index}: height ${s.height} counts its own ${s.blocksProduced} blocks`)
      assert.equal(s.queueDropped, 0)
      assert.equal(s.bans, 0, `node ${m.index} banned an honest peer: ${JSON.stringify(s.rejected)}`)
    }
  })

  it('/metrics parses and carries p2p_*, libp2p_* and gossipsub_* series', async () => {
    for (const m of net.devnet.members) {
      const text = await metrics(m)
      const names = new Set(text.samples.map((s) => s.name))
      for (const prefix of ['p2p_', 'libp2p_', 'gossipsub_']) {
        assert.ok([...names].some((n) => n.startsWith(prefix)), `node ${m.index}: no ${prefix}* series in ${[...names].slice(0, 20).join(', ')}`)
      }
      assert.ok(metricSum(text, 'p2p_blocks_produced_total') > 0, `node ${m.index}: p2p_blocks_produced_total`)
      assert.ok(metricSum(text, 'p2p_blocks_received_total') > 0, `node ${m.index}: p2p_blocks_received_total`)
      assert.equal(metricSum(text, 'p2p_blacklist_total'), 0)
      assert.equal(text.types.get('p2p_blocks_produced_total'), 'counter')
    }
  })

  it('/health/live and /health/ready answer 200 with {live|ready, reason} on a peered node', async () => {
    for (const m of net.devnet.members) {
      const live = await getJson<Probe>(`${m.url ?? ''}/health/live`)
      assert.equal(live.status, 200)
      assert.equal(live.body.live, true)
      assert.equal(typeof live.body.reason, 'string')
      const ready = await getJson<Probe>(`${m.url ?? ''}/health/ready`)
      assert.equal(ready.status, 200, JSON.stringify(ready.body))
      assert.equal(ready.body.ready, true)
      assert.equal(ready.body.reason, 'ready')
      const s = await status(m)
      assert.ok(s.peers >= 1 && s.ready)
    }
  })

  it('SIGTERM: readiness goes false before the process exits, and it exits 0 within the bound', async (t) => {
    const { devnet } = net
    const m = devnet.members[2]
    assert.ok(m?.child !== undefined && m.url !== undefined)
    const url = `${m.url}/health/ready`
    const others = devnet.members.filter((o) => o !== m)
    const before = await Promise.all(others.map(async (o) => received(await status(o))))
    // probe as fast as the endpoint answers while the node stops
    const answers: Array<{ status: number, body: Probe }> = []
    let probing = true
    const prober = (async () => {
      while (probing) {
        try {
          answers.push(await getJson<Probe>(url))
        } catch {
          await sleep(5)
        }
      }
    })()
    await sleep(100)
    const t0 = Date.now()
    const exited = new Promise<{ code: number | null, signal: string | null }>((resolve) => m.child?.once('exit', (code, signal) => { resolve({ code, signal }) }))
    m.child.kill('SIGTERM')
    const { code, signal } = await exited
    const tookMs = Date.now() - t0
    probing = false
    await prober
    assert.equal(signal, null)
    assert.equal(code, 0, 'a graceful stop exits 0')
    assert.ok(tookMs < EXIT_BOUND_MS, `exited after ${tookMs} ms, bound ${EXIT_BOUND_MS} ms`)
    // the answers, in order: ready while up, then not ready (503, shutting-down), never ready again
    assert.ok(answers.length > 0 && answers[0]?.body.ready === true)
    const firstDown = answers.findIndex((a) => a.body.ready !== true)
    if (firstDown >= 0) {
      for (const a of answers.slice(firstDown)) {
        assert.equal(a.status, 503)
        assert.deepEqual([a.body.ready, a.body.reason], [false, 'shutting-down'])
      }
    }
    t.diagnostic(`SIGTERM: exit 0 after ${tookMs} ms; ${answers.length} probes, ${firstDown >= 0 ? answers.length - firstDown : 0} saw ready=false before the socket closed`)
    // the two left keep exchanging blocks and stay ready
    await waitFor(async () => {
      const now = await Promise.all(others.map(async (o) => received(await status(o))))
      return now.every((n, i) => n > (before[i] as number))
    }, 'the remaining nodes keep receiving blocks', 10_000)
    for (const o of others) assert.equal((await getJson<Probe>(`${o.url ?? ''}/health/ready`)).body.ready, true)
  })
})
