/**
 * fast-check arbitraries and fixtures shared by the serializer tests.
 */
import fc from 'fast-check'
import type { Block, PeerInfo } from '../../src/serialize/messages.js'
import { RESERVED_KEYS } from '../../src/serialize/schema.js'
import { WiresealError } from '../../src/errors.js'

export const MAX_U64 = 2n ** 64n - 1n

/** uint64 values, biased to the boundaries where number/Long/bigint conversions break. */
export const uint64 = fc.oneof(
  fc.constantFrom(0n, 1n, 127n, 128n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 49n - 1n, 2n ** 49n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, MAX_U64),
  fc.bigInt({ min: 0n, max: MAX_U64 })
)

/** uint32 values, biased to the boundaries. */
export const uint32 = fc.oneof(
  fc.constantFrom(0, 1, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1),
  fc.integer({ min: 0, max: 0xffff_ffff })
)

export const bytes = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 48 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 200, maxLength: 600 }) }
)

/** Any Unicode text without lone surrogates (those cannot round-trip through UTF-8). */
export const text = fc.string({ unit: 'binary', maxLength: 16 })

export const metadataKey = text.filter((k) => !RESERVED_KEYS.has(k))

// noNullPrototype: fast-check 4 builds null-prototype records by default; decoded values are `{}` objects.
export const block: fc.Arbitrary<Block> = fc.record({
  hash: bytes,
  data: bytes,
  timestamp: uint64,
  ttl: uint32,
  version: uint32,
  signature: bytes
}, { noNullPrototype: true })

export const peerInfo: fc.Arbitrary<PeerInfo> = fc.record({
  peerId: bytes,
  multiaddrs: fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
  metadata: fc.dictionary(metadataKey, text, { maxKeys: 8, noNullPrototype: true })
}, { noNullPrototype: true })

/** A small Block used by fixed tests. */
export function sampleBlock (): Block {
  return {
    hash: new Uint8Array([1, 2]),
    data: new TextEncoder().encode('abc'),
    timestamp: 1_700_000_000_000n,
    ttl: 300,
    version: 1,
    signature: new Uint8Array([0xff])
  }
}

/** A small PeerInfo used by fixed tests. */
export function samplePeerInfo (): PeerInfo {
  return {
    peerId: new Uint8Array([0x12]),
    multiaddrs: [new Uint8Array([0x04, 0x7f, 0, 0, 1]), new Uint8Array(0)],
    metadata: { a: 'b', agent: 'wireseal/0.1 ✓' }
  }
}

/**
 * Runs `f` and returns what it threw, asserting it is a wireseal error (a
 * decoder must never leak RangeError/TypeError/...); returns undefined when it
 * did not throw.
 */
export function typedFailure (f: () => unknown): WiresealError<object> | undefined {
  try {
    f()
  } catch (err) {
    if (err instanceof WiresealError) return err
    throw new Error(`expected a WiresealError, got ${String(err)}`, { cause: err })
  }
  return undefined
}
