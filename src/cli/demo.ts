/**
 * `wireseal demo` (`npm start`): a short tour of the layers with real keys and
 * real messages: every serializer, the compression policy, a rejected replay,
 * a tampered envelope, a batch under one signature and a forwarded item.
 *
 * @module
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createCodec } from '../codec/index.js'
import { BlockType, PeerInfoType, type Block, type PeerInfo } from '../serialize/messages.js'
import { defaultSerializerRegistry } from '../serialize/registry.js'
import { CompressionId } from '../compress/types.js'

function compressionName (id: number): string {
  return Object.entries(CompressionId).find(([, v]) => v === id)?.[0] ?? String(id)
}

/** Deterministic, JSON-like block data (semi-compressible, like transaction batches). */
function sampleBlock (i: number, dataBytes: number): Block {
  const text = Array.from({ length: Math.ceil(dataBytes / 60) }, (_, k) =>
    `{"nonce":${i * 1000 + k},"to":"0x${((k * 2654435761) >>> 0).toString(16).padStart(8, '0')}","value":${(k * 7919) % 100000}}`).join(',')
  return {
    hash: Uint8Array.from({ length: 32 }, (_, k) => (i * 31 + k * 17) & 0xff),
    data: new TextEncoder().encode(text).subarray(0, dataBytes),
    timestamp: BigInt(1_700_000_000_000 + i),
    ttl: 64,
    version: 1,
    signature: new Uint8Array(64).fill(i & 0xff)
  }
}

/** Runs the tour, printing to stdout. */
export async function runDemo (): Promise<number> {
  const out = (line = ''): void => { process.stdout.write(line + '\n') }
  const alice = createCodec({ privateKey: await generateKeyPair('Ed25519') })
  const bob = createCodec()
  const channel = '/wireseal/demo/blocks'
  out(`wireseal demo — sender ${alice.id ?? ''}`)
  out()
  out('1. One Block (4 KB data) sealed with every serializer; the policy picks the compression:')
  out('   serializer            envelope  compression  opened')
  for (const s of defaultSerializerRegistry.list().filter((s) => s.type.id === BlockType.id)) {
    const env = alice.seal(BlockType, sampleBlock(1, 4096), { channel, serializer: s.id })
    const res = bob.open<Block>(env, { channel, types: [BlockType.id] })
    out(`   ${s.name.padEnd(20)} ${String(env.length).padStart(8)} B  ${(res.ok ? compressionName(res.compression) : '-').padEnd(11)}  ${res.ok ? 'accepted' : res.reason}`)
  }
  const small = alice.seal(BlockType, sampleBlock(2, 200), { channel })
  const smallOpened = bob.open(small, { channel })
  out(`   a 200-byte Block (under 1 KB) goes out as: ${smallOpened.ok ? compressionName(smallOpened.compression) : smallOpened.reason}, ${small.length} B`)
  out()
  out('2. Attacks, each refused before the payload is decompressed or parsed:')
  const env = alice.seal(BlockType, sampleBlock(3, 2048), { channel })
  out(`   first delivery:         ${bob.open(env, { channel }).ok ? 'accepted' : 'refused'}`)
  const again = bob.open(env, { channel })
  out(`   replay:                 ${again.ok ? 'ACCEPTED' : again.reason}`)
  const tampered = alice.seal(BlockType, sampleBlock(4, 2048), { channel })
  tampered[tampered.length - 5] = (tampered[tampered.length - 5] as number) ^ 1
  const t = bob.open(tampered, { channel })
  out(`   one flipped bit:        ${t.ok ? 'ACCEPTED' : t.reason}`)
  const other = bob.open(alice.seal(BlockType, sampleBlock(5, 100), { channel }), { channel: '/wireseal/demo/other' })
  out(`   other channel:          ${other.ok ? 'ACCEPTED' : other.reason}`)
  const peer: PeerInfo = { peerId: new Uint8Array(38).fill(7), multiaddrs: [new TextEncoder().encode('/ip4/127.0.0.1/tcp/4001')], metadata: { agent: 'wireseal-demo' } }
  const asBlock = bob.open(alice.seal(PeerInfoType, peer, { channel }), { channel, types: [BlockType.id] })
  out(`   PeerInfo read as Block: ${asBlock.ok ? 'ACCEPTED' : asBlock.reason}`)
  out()
  out('3. A batch of 256 Blocks under ONE signature, and one item forwarded alone:')
  const blocks = Array.from({ length: 256 }, (_, i) => sampleBlock(100 + i, 256))
  const batch = alice.sealBatch(BlockType, blocks, { channel })
  const opened = bob.open<Block>(batch, { channel })
  if (!opened.ok) throw new Error(`demo batch refused: ${opened.reason}`)
  out(`   batch envelope: ${batch.length} B for ${blocks.length} blocks (${compressionName(opened.compression)}), ${opened.messages.length} accepted`)
  const item = opened.itemEnvelope?.(42)
  if (item !== undefined) {
    const carol = createCodec()
    const forwarded = carol.open<Block>(item, { channel })
    out(`   item 42 forwarded to a third node: ${item.length} B, ${forwarded.ok ? `accepted (seq ${forwarded.seq}, proven against the signed root)` : forwarded.reason}`)
  }
  out()
  out('Next: `wireseal help` for the CLI, `npm test`, `npm run bench`.')
  return 0
}
