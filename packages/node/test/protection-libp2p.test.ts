/**
 * The gater and the connection guard on real libp2p nodes over 127.0.0.1
 * (TCP + Noise + Yamux), with a real ban list on LevelDB.
 */
import 'wireseal/libp2p'
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { KEEP_ALIVE, type ConnectionGater, type Libp2p, type MultiaddrConnection } from '@libp2p/interface'
import { noise } from '@libp2p/noise'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { ClassicLevel } from 'classic-level'
import { createLibp2p } from 'libp2p'
import { InvalidConfigError } from 'wireseal/errors'
import { createBanList, type BanList } from '../src/protection/ban-list.js'
import { createConnectionGuard, type ConnectionGuard, type ConnectionGuardInit } from '../src/protection/connection-guard.js'
import { createGater, type GaterInit, type WiresealGater } from '../src/protection/gater.js'

const STEP_MS = 10_000

async function withTimeout<T> (p: Promise<T>, what: string, ms = STEP_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => { reject(new Error(`${what} timed out`)) }, ms) })])
  } finally { clearTimeout(timer) }
}

async function waitFor (check: () => boolean, what: string, ms = STEP_MS): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached after ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

const started: Libp2p[] = []
const guards: ConnectionGuard[] = []

async function startNode (gater?: ConnectionGater): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(gater !== undefined ? { connectionGater: gater } : {})
  })
  started.push(node)
  return node
}

/** A node whose gater and guard are wired together as the reference node does it. */
async function guardedNode (bans: BanList, gaterInit: Partial<GaterInit> = {}, guardInit: ConnectionGuardInit = {}): Promise<{ node: Libp2p, gater: WiresealGater, guard: ConnectionGuard }> {
  const ref: { guard?: ConnectionGuard } = {}
  const gater = createGater({ bans, canDialOutbound: () => ref.guard?.canDialOutbound() ?? true, ...gaterInit })
  const node = await startNode(gater)
  const guard = createConnectionGuard(node, guardInit)
  ref.guard = guard
  guards.push(guard)
  return { node, gater, guard }
}

/**
 * Dial `to` from `from` where `to`'s gater refuses after the handshake: the
 * dialer may briefly see a connection (multistream-select is optimistic), so
 * check that `to` never opened one and that the dialer's side ends closed.
 */
async function assertRefusedInbound (from: Libp2p, to: Libp2p): Promise<void> {
  let opened = 0
  const onOpen = (evt: CustomEvent<{ remotePeer: { equals: (p: unknown) => boolean } }>): void => { if (evt.detail.remotePeer.equals(from.peerId)) opened++ }
  to.addEventListener('connection:open', onOpen as never)
  try {
    await withTimeout(from.dial(to.getMultiaddrs()), 'inbound dial').catch(() => {})
    await waitFor(() => !connected(from, to), 'dialer side closed')
    assert.equal(opened, 0, 'the refusing node never opened a connection')
    assert.equal(connected(to, from), false)
  } finally { to.removeEventListener('connection:open', onOpen as never) }
}

function connected (a: Libp2p, b: Libp2p): boolean {
  return a.getConnections(b.peerId).some((c) => c.status === 'open')
}

let dir: string
let db: ClassicLevel<string, string>

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wireseal-gater-'))
  db = new ClassicLevel<string, string>(join(dir, 'db'))
  await db.open()
})

after(async () => {
  for (const g of guards) g.stop()
  await Promise.allSettled(started.map(async (n) => withTimeout(Promise.resolve(n.stop()), 'stop')))
  await db.close()
  await rm(dir, { recursive: true, force: true })
})

describe('protection/gater on real libp2p nodes', () => {
  it('a banned peer id can neither connect inbound nor be dialled', async () => {
    const bans = createBanList(db)
    const { node: a, gater } = await guardedNode(bans)
    const b = await startNode()
    await bans.ban({ peerId: b.peerId.toString() }, { reason: 'test', until: null })
    await assertRefusedInbound(b, a)
    await assert.rejects(withTimeout(a.dial(b.getMultiaddrs()), 'outbound dial'), (err: Error) => err.name === 'DialDeniedError' || /gater/.test(err.message))
    assert.equal(connected(a, b), false)
    assert.ok(gater.counts()['peer-banned'] >= 2)
    await bans.unban({ peerId: b.peerId.toString() })
    await withTimeout(b.dial(a.getMultiaddrs()), 'dial after unban')
    await waitFor(() => connected(a, b), 'connection after unban')
  })

  it('deny CIDRs refuse before the handshake; allow CIDRs bypass them', async () => {
    const bans = createBanList(db)
    const { node: a, gater } = await guardedNode(bans, { denyCidrs: ['127.0.0.0/8'] })
    const b = await startNode()
    await assert.rejects(withTimeout(b.dial(a.getMultiaddrs()), 'denied dial'))
    assert.equal(gater.counts()['cidr-denied'], 1)
    assert.equal(connected(a, b), false)
    await assert.rejects(withTimeout(a.dial(b.getMultiaddrs()), 'denied outbound dial'))
    const { node: c } = await guardedNode(bans, { denyCidrs: ['127.0.0.0/8'], allowCidrs: ['127.0.0.1'] })
    await withTimeout(b.dial(c.getMultiaddrs()), 'allowed dial')
    await waitFor(() => connected(c, b), 'allow-listed connection')
  })

  it('IP bans apply in denyInboundConnection and denyDialMultiaddr, allow CIDRs and other addresses pass', async () => {
    const bans = createBanList(db)
    await bans.ban({ ip: '203.0.113.5' }, { reason: 'test', until: null })
    const gater = createGater({ bans, allowCidrs: ['198.51.100.0/24'] })
    const conn = (addr: string): MultiaddrConnection => ({ remoteAddr: multiaddr(addr) }) as unknown as MultiaddrConnection
    assert.equal(gater.denyInboundConnection?.(conn('/ip4/203.0.113.5/tcp/4001')), true)
    assert.equal(gater.denyInboundConnection?.(conn('/ip6/::ffff:203.0.113.5/tcp/4001')), true)
    assert.equal(gater.denyInboundConnection?.(conn('/ip4/203.0.113.6/tcp/4001')), false)
    assert.equal(gater.denyDialMultiaddr?.(multiaddr('/ip4/203.0.113.5/tcp/4001')), true)
    assert.equal(gater.denyDialMultiaddr?.(multiaddr('/dns4/example.com/tcp/4001')), false, 'no address to check yet')
    await bans.ban({ ip: '198.51.100.7' }, { reason: 'test', until: null })
    assert.equal(gater.denyInboundConnection?.(conn('/ip4/198.51.100.7/tcp/1')), false, 'allow-listed')
    assert.equal(gater.counts()['ip-banned'], 3)
    assert.throws(() => createGater({ bans, denyCidrs: ['10.0.0.1/8'] }), (err: unknown) => err instanceof InvalidConfigError && err.details.option === 'denyCidrs[0]')
  })
})

describe('protection/connection-guard on real libp2p nodes', () => {
  it('a ban closes an open connection and drops the keep-alive tag', async () => {
    const bans = createBanList(db)
    const { node: a, guard } = await guardedNode(bans, {}, { idleTimeoutMs: 0 })
    const b = await startNode()
    await withTimeout(b.dial(a.getMultiaddrs()), 'dial')
    await waitFor(() => connected(a, b), 'connection')
    await a.peerStore.merge(b.peerId, { tags: { [KEEP_ALIVE]: { value: 1 } } })
    await bans.ban({ peerId: b.peerId.toString() }, { reason: 'test', until: null })
    assert.equal(connected(a, b), true, 'the gater alone leaves it open')
    assert.equal(await withTimeout(guard.enforceBan(b.peerId.toString()), 'enforceBan'), 1)
    assert.equal(connected(a, b), false)
    await waitFor(() => !connected(b, a), 'remote side closed')
    assert.equal((await a.peerStore.get(b.peerId)).tags.has(KEEP_ALIVE), false)
    await assertRefusedInbound(b, a)
    assert.equal(guard.counts().bansEnforced, 1)
  })

  it('the outbound cap stops dials; inbound connections still come in', async () => {
    const bans = createBanList(db)
    const { node: a, guard, gater } = await guardedNode(bans, {}, { maxOutbound: 1, idleTimeoutMs: 0 })
    const b = await startNode()
    const c = await startNode()
    await withTimeout(a.dial(b.getMultiaddrs()), 'first dial')
    await waitFor(() => connected(a, b), 'first connection')
    assert.equal(guard.canDialOutbound(), false)
    await assert.rejects(withTimeout(a.dial(c.peerId), 'capped dial by peer id'))
    await assert.rejects(withTimeout(a.dial(c.getMultiaddrs()), 'capped dial by address'))
    assert.equal(connected(a, c), false)
    assert.ok(gater.counts()['outbound-cap'] >= 2)
    await withTimeout(c.dial(a.getMultiaddrs()), 'inbound dial')
    await waitFor(() => connected(a, c), 'inbound connection')
    assert.deepEqual(guard.connections(), { inbound: 1, outbound: 1 })
  })

  it('an optional inbound cap refuses before the handshake', async () => {
    const bans = createBanList(db)
    const ref: { guard?: ConnectionGuard } = {}
    const gater = createGater({ bans, canAcceptInbound: () => ref.guard?.canAcceptInbound() ?? true })
    const a = await startNode(gater)
    ref.guard = createConnectionGuard(a, { maxInbound: 1, idleTimeoutMs: 0 })
    guards.push(ref.guard)
    const b = await startNode()
    const c = await startNode()
    await withTimeout(b.dial(a.getMultiaddrs()), 'first inbound')
    await waitFor(() => connected(a, b), 'first inbound connection')
    await assertRefusedInbound(c, a)
    assert.equal(gater.counts()['inbound-cap'], 1)
    await withTimeout(a.dial(c.getMultiaddrs()), 'outbound is not capped by the inbound cap')
    await waitFor(() => connected(a, c), 'outbound connection')
  })

  it('closes the newest outbound connections beyond the cap when dials race past the gater', async () => {
    const bans = createBanList(db)
    const { node: a, guard } = await guardedNode(bans, { canDialOutbound: () => true }, { maxOutbound: 1, idleTimeoutMs: 0 })
    const b = await startNode()
    const c = await startNode()
    await withTimeout(a.dial(b.getMultiaddrs()), 'dial b')
    await waitFor(() => connected(a, b), 'b')
    await withTimeout(a.dial(c.getMultiaddrs()), 'dial c').catch(() => {})
    await waitFor(() => guard.connections().outbound === 1 && !connected(a, c), 'excess closed')
    assert.equal(connected(a, b), true, 'the older connection stays')
    assert.equal(guard.counts().outboundCapClosed, 1)
  })

  it('closes idle connections; active, keep-alive and bootstrap peers stay', async () => {
    const bans = createBanList(db)
    const boot = await startNode()
    const { node: a, guard } = await guardedNode(bans, {}, { idleTimeoutMs: 300, idleCheckIntervalMs: 25, bootstrapPeers: [boot.peerId.toString()] })
    const active = await startNode()
    const pinned = await startNode()
    const idle = await startNode()
    for (const n of [boot, active, pinned, idle]) {
      await withTimeout(a.dial(n.getMultiaddrs()), 'dial')
      await waitFor(() => connected(a, n), 'connected')
    }
    await a.peerStore.merge(pinned.peerId, { tags: { [`${KEEP_ALIVE}-test`]: { value: 1 } } })
    const touching = setInterval(() => { guard.touch(active.peerId.toString()) }, 20)
    try {
      await waitFor(() => !connected(a, idle), 'idle peer closed')
      // a further full idle period: the others are still there
      const until = Date.now() + 400
      await waitFor(() => Date.now() > until, 'a second idle period')
      assert.equal(connected(a, active), true, 'active peer')
      assert.equal(connected(a, pinned), true, 'keep-alive peer')
      assert.equal(connected(a, boot), true, 'bootstrap peer')
      assert.equal(guard.counts().idleClosed, 1)
    } finally { clearInterval(touching) }
    await waitFor(() => !connected(a, active), 'active peer closed once it goes quiet')
    assert.equal(guard.counts().idleClosed, 2)
  })
})
