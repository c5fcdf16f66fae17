/**
 * The registry of benchmark suites, in run order. To add one: write
 * `bench/<name>.ts` (or `bench/net/<name>.ts` for a suite that starts libp2p
 * nodes or processes) exporting a {@link Suite}, and add one line below.
 *
 * @module
 */
import { batchSuite } from './batch.js'
import { compressorsSuite } from './compressors.js'
import { gossipSuite } from './net/gossip.js'
import type { Suite } from './harness.js'
import { nodeSuite } from './net/node.js'
import { pipelineSuite } from './pipeline.js'
import { replaySuite } from './replay.js'
import { serializersSuite } from './serializers.js'
import { streamSuite } from './net/stream.js'
import { worstCaseSuite } from './worst-case.js'

/** Every suite `npm run bench` knows, in run order. */
export const SUITES: readonly Suite[] = Object.freeze([
  serializersSuite,
  compressorsSuite,
  pipelineSuite,
  batchSuite,
  replaySuite,
  streamSuite,
  gossipSuite,
  worstCaseSuite,
  nodeSuite
])
