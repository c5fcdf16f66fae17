/**
 * Two libp2p nodes on 127.0.0.1 exchanging wireseal envelopes:
 *   1. a request/response protocol whose encoding is negotiated in the
 *      protocol id (`/wireseal/block/1.0.0/<serializer>-<compression>`), and
 *   2. a gossipsub topic validated by wireseal (signature, replay, channel, type).
 * Each node signs with its own libp2p identity key.
 *
 * Run: node --import tsx examples/p2p-node.ts
 */
import 'wireseal/libp2p' // first: installs Promise.withResolvers on Node 20, which libp2p 3 needs
import { createLibp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@libp2p/noise'
import { yamux } from '@libp2p/yamux'
import { identify } from '@libp2p/identify'
import { gossipsub } from '@libp2p/gossipsub'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { createCodec, BlockType, type Block } from 'wireseal'
import { dialWireseal, handleWireseal, supportedProtocols, wiresealGossip } from 'wireseal/libp2p'

const topics = { '/example/blocks': { type: BlockType } }

async function startNode (privateKey: PrivateKey) {
  const codec = createCodec({ privateKey })
  const gossip = wiresealGossip({ codec, topics })
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: gossipsub({ ...gossip.gossipsubOptions, emitSelf: false }) }
  })
  gossip.attach(node)
  return { node, codec, gossip }
}

function block (height: number): Block {
  return {
    hash: new Uint8Array(32).fill(height),
    data: new TextEncoder().encode(JSON.stringify({ height, txs: Array.from({ length: 40 }, (_, i) => ({ nonce: i, value: i * 1000 })) })),
    timestamp: BigInt(Date.now()),
    ttl: 32,
    version: 1,
    signature: new Uint8Array(64)
  }
}

const alice = await startNode(await generateKeyPair('Ed25519'))
const bob = await startNode(await generateKeyPair('Ed25519'))
try {
  // --- 1. a protocol handler: Bob answers each Block with a PeerInfo about himself
  const bobProtocols = supportedProtocols({ message: 'block', serializers: ['protobuf', 'msgpack'], compressions: ['snappy', 'none'] })
  await handleWireseal(bob.node, bobProtocols, async (stream, { protocol }) => {
    for await (const msg of stream.read(BlockType)) {
      console.log(`bob   <- Block ${msg.value.hash[0]} (${msg.value.data.length} B) from ${msg.from.slice(-8)} over ${protocol.id}`)
      await stream.write(BlockType, { ...msg.value, ttl: msg.value.ttl - 1 })
    }
  }, { codec: bob.codec })

  // Alice prefers msgpack; the first of her ids that Bob handles wins.
  const aliceProtocols = supportedProtocols({ message: 'block', serializers: ['msgpack', 'protobuf'], compressions: ['zstd', 'snappy'] })
  const stream = await dialWireseal(alice.node, bob.node.getMultiaddrs(), aliceProtocols, { codec: alice.codec })
  for (let h = 1; h <= 3; h++) {
    await stream.write(BlockType, block(h))
    const reply = await stream.readOne(BlockType)
    console.log(`alice <- echo of Block ${reply?.value.hash[0]} with ttl ${reply?.value.ttl}, seq ${reply?.seq}`)
  }
  await stream.close()

  // --- 2. a gossip topic: Bob's validator checks every envelope before gossipsub forwards it
  const received = new Promise<void>((resolve) => {
    bob.gossip.onMessage('/example/blocks', (m) => {
      console.log(`bob   <- gossip Block ${m.value.hash[0]} signed by ${m.from.slice(-8)}, seq ${m.seq}, compression id ${m.compression}`)
      resolve()
    })
  })
  // wait until the two nodes see each other in the topic mesh
  for (let i = 0; i < 100 && alice.node.services.pubsub.getSubscribers('/example/blocks').length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
  await alice.gossip.publish('/example/blocks', block(7))
  await Promise.race([received, new Promise((_resolve, reject) => setTimeout(() => reject(new Error('no gossip delivery within 10 s')), 10_000))])
  console.log('done')
} finally {
  await alice.node.stop()
  await bob.node.stop()
}
