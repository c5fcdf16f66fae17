/**
 * A plain js-libp2p peer, the baseline of the node suite (issue 10), run as a
 * child process by ./node-procs.ts (`fork` with `--import tsx`, an IPC
 * channel). TCP + Noise + Yamux + identify + gossipsub with its default
 * StrictSign policy (every message signed by the publisher and verified by
 * every receiver), no wireseal.
 *
 * It produces Blocks as the reference node does (the node's own `makeBlock`
 * and `startProducer`, same size, same interval), publishes
 * `protobufBlock.encode(block)`, and on delivery decodes the Block, checks
 * `hash = SHA-256(data)` (the node's application check) and records the
 * latency from the Block's embedded timestamp, as the node's status ring does.
 * For the sync baseline it serves a file's bytes on a raw stream and reads
 * such a stream to its end. It exits when the parent disconnects.
 *
 * @module
 */
import '../../src/libp2p/polyfill.js'
import { readFileSync } from 'node:fs'
import type { Message } from '@libp2p/gossipsub'
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidConfigError } from '../../src/errors.js'
import { sha256 } from '../../src/integrity/index.js'
import { protobufBlock } from '../../src/serialize/index.js'
import { makeBlock, startProducer } from '../../packages/node/src/block-producer.js'
import { pubsubOf, startBenchNode, stopBenchNodes, withTimeout, type BenchNode } from './nodes.js'
import { PLAIN_TOPIC, RAW_SYNC_PROTOCOL, ringQuantile, type PlainReply, type PlainRequest, type PlainResults } from './node-plain-protocol.js'
import { bytesEqual } from '../../src/bytes.js'

/** Largest chunk written to the raw stream at once (yamux's default maximum message). */
const RAW_CHUNK_BYTES = 64 * 1024

interface State {
  node: BenchNode
  producer: { stop: () => void } | undefined
  published: number
  delivered: number
  refused: number
  /** Latencies (ms) of the deliveries since the last `counters`. */
  window: number[]
  /** What `serve-raw` loaded. */
  raw: Uint8Array
}

let state: State | undefined

function current (): State {
  if (state === undefined) throw new InvalidConfigError('plain peer', 'init before any other command')
  return state
}


function onMessage (s: State, evt: CustomEvent<Message>): void {
  if (evt.detail.topic !== PLAIN_TOPIC) return
  try {
    const block = protobufBlock.decode(evt.detail.data)
    if (!bytesEqual(sha256(block.data), block.hash)) {
      s.refused++
      return
    }
    s.delivered++
    s.window.push(Math.max(0, Date.now() - Number(block.timestamp)))
  } catch {
    s.refused++
  }
}

/** Waits for the next `drain` of a stream (a fresh listener: libp2p 3's onDrain() keeps its first promise). */
async function nextDrain (stream: Stream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => { stream.removeEventListener('close', onClose); resolve() }
    const onClose = (): void => { stream.removeEventListener('drain', onDrain); reject(new InvalidConfigError('raw sync stream', 'open until every byte is written')) }
    stream.addEventListener('drain', onDrain, { once: true })
    stream.addEventListener('close', onClose, { once: true })
  })
}

async function serveRaw (s: State, stream: Stream): Promise<void> {
  try {
    for (let at = 0; at < s.raw.length; at += RAW_CHUNK_BYTES) {
      if (!stream.send(s.raw.subarray(at, at + RAW_CHUNK_BYTES))) await nextDrain(stream)
    }
    await stream.close()
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}

async function fetchRaw (s: State, addr: string, expectBytes: number, timeoutMs: number): Promise<PlainResults['fetch-raw']> {
  const t0 = performance.now()
  const stream = await withTimeout(s.node.dialProtocol(multiaddr(addr), RAW_SYNC_PROTOCOL), `dial ${RAW_SYNC_PROTOCOL}`, timeoutMs)
  let bytes = 0
  await withTimeout(new Promise<void>((resolve, reject) => {
    stream.addEventListener('message', (evt: StreamMessageEvent) => {
      bytes += evt.data.byteLength
      if (bytes >= expectBytes) resolve()
    })
    stream.addEventListener('close', () => {
      if (bytes >= expectBytes) resolve()
      else reject(new InvalidConfigError('raw sync stream', `${expectBytes} B before it closed, got ${bytes}`))
    }, { once: true })
  }), `raw sync of ${expectBytes} B`, timeoutMs)
  const ms = performance.now() - t0
  await stream.close().catch(() => {})
  return { bytes, ms }
}

async function init (): Promise<PlainResults['init']> {
  if (state !== undefined) throw new InvalidConfigError('plain peer', 'one init')
  const node = await startBenchNode({
    gossipsub: { globalSignaturePolicy: 'StrictSign', emitSelf: false, floodPublish: true, allowPublishToZeroTopicPeers: true }
  })
  const s: State = { node, producer: undefined, published: 0, delivered: 0, refused: 0, window: [], raw: new Uint8Array(0) }
  state = s
  const pubsub = pubsubOf(node)
  pubsub.subscribe(PLAIN_TOPIC)
  pubsub.addEventListener('message', (evt: CustomEvent<Message>) => { onMessage(s, evt) })
  await node.handle(RAW_SYNC_PROTOCOL, (stream) => { void serveRaw(s, stream) })
  const id = node.peerId.toString()
  return { addrs: node.getMultiaddrs().map(String).map(a => a.includes('/p2p/') ? a : `${a}/p2p/${id}`) }
}

function produce (s: State, sizeBytes: number, intervalMs: number): PlainResults['produce'] {
  if (!(Number.isSafeInteger(sizeBytes) && sizeBytes >= 1)) throw new InvalidConfigError('sizeBytes', `a positive integer, got ${sizeBytes}`)
  if (!(Number.isSafeInteger(intervalMs) && intervalMs >= 1)) throw new InvalidConfigError('intervalMs', `a positive integer, got ${intervalMs}`)
  s.producer?.stop()
  const pubsub = pubsubOf(s.node)
  s.producer = startProducer(intervalMs, async () => {
    await pubsub.publish(PLAIN_TOPIC, protobufBlock.encode(makeBlock(sizeBytes)))
    s.published++
  })
  return { producing: true }
}

function counters (s: State): PlainResults['counters'] {
  const sorted = Float64Array.from(s.window).sort()
  s.window = []
  return { delivered: s.delivered, published: s.published, refused: s.refused, latency: { p50: ringQuantile(sorted, 0.5), p99: ringQuantile(sorted, 0.99), n: sorted.length } }
}

async function stopAll (): Promise<void> {
  const s = state
  state = undefined
  if (s === undefined) return
  s.producer?.stop()
  await stopBenchNodes([s.node])
}

async function handle (req: PlainRequest): Promise<unknown> {
  switch (req.cmd) {
    case 'init':
      return init()
    case 'dial': {
      await withTimeout(current().node.dial(multiaddr(req.addr)), `dial ${req.addr}`)
      return { dialed: true } satisfies PlainResults['dial']
    }
    case 'status': {
      const s = current()
      const pubsub = pubsubOf(s.node)
      // getMeshPeers is on gossipsub's class, not on its public interface.
      const mesh = (pubsub as unknown as { getMeshPeers(topic: string): string[] }).getMeshPeers(PLAIN_TOPIC)
      return { peers: s.node.getPeers().length, subscribers: pubsub.getSubscribers(PLAIN_TOPIC).length, mesh: mesh.length } satisfies PlainResults['status']
    }
    case 'produce':
      return produce(current(), req.sizeBytes, req.intervalMs)
    case 'halt': {
      const s = current()
      s.producer?.stop()
      s.producer = undefined
      return { published: s.published } satisfies PlainResults['halt']
    }
    case 'counters':
      return counters(current())
    case 'serve-raw': {
      const s = current()
      s.raw = new Uint8Array(readFileSync(req.file))
      return { bytes: s.raw.length } satisfies PlainResults['serve-raw']
    }
    case 'fetch-raw':
      return fetchRaw(current(), req.addr, req.expectBytes, req.timeoutMs)
    case 'stop':
      await stopAll()
      return { stopped: true } satisfies PlainResults['stop']
    default:
      throw new InvalidConfigError('cmd', `a known command, got ${String((req as { cmd: unknown }).cmd)}`)
  }
}

if (process.send === undefined) {
  process.stderr.write('node-plain-peer: run me through child_process.fork (an IPC channel is required)\n')
  process.exit(2)
}

process.on('message', (req: PlainRequest) => {
  handle(req).then(
    (result) => { process.send?.({ id: req.id, ok: true, result } satisfies PlainReply) },
    (err: unknown) => { process.send?.({ id: req.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies PlainReply) }
  )
})

// The parent went away (finished, crashed or killed): stop the node and leave.
process.on('disconnect', () => {
  withTimeout(stopAll(), 'stop on disconnect', 5_000).finally(() => { process.exit(0) })
})
