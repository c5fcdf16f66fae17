/**
 * Your own message type in a few lines: a schema, its serializers, and
 * the same seal/open pipeline as the built-in Block and PeerInfo.
 *
 * Run: node --import tsx examples/custom-type.ts
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createCodec } from 'wireseal'
import { defineMessageType, createSerializerRegistry } from 'wireseal/serialize'

const Vote = defineMessageType({
  id: 1000,
  name: 'Vote',
  fields: { slot: 'uint64', voter: 'bytes', approve: 'bool', tags: { kind: 'list', of: 'string', maxItems: 8 } }
})
// msgpack (the default a seal uses for Vote) and json
const serializers = createSerializerRegistry({ types: [Vote] })

const alice = createCodec({ privateKey: await generateKeyPair('Ed25519'), serializers })
const bob = createCodec({ serializers })

const vote = { slot: 7n, voter: new TextEncoder().encode('alice'), approve: true, tags: ['fast-path'] }
for (const serializer of ['msgpack', 'json'] as const) {
  const envelope = alice.seal(Vote, vote, { channel: 'votes', serializer })
  const opened = bob.open(envelope, { channel: 'votes', types: [Vote] })
  if (!opened.ok) throw new Error(`refused: ${opened.reason}`)
  console.log(`${serializer}: ${envelope.length} B, slot ${opened.value.slot}, approve ${opened.value.approve}, tags ${opened.value.tags.join(',')}`)
}
