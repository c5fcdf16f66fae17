#!/usr/bin/env node
/* global process, fetch, AbortSignal, setTimeout, URL, Buffer */
/**
 * Prints the peer id of a running wireseal node, read from its `GET /status`
 * (field `peerId`), retrying once a second until the node answers or the wait
 * runs out. Multi-node deployments use it to bootstrap from node 0, whose
 * identity key is created in node 0's own volume on its first start:
 *
 *   id=$(node peer-id.mjs http://node0:9100)
 *   export P2P_BOOTSTRAP_PEERS=/dns4/node0/tcp/4001/p2p/$id
 *   exec node /app/packages/node/dist/bin.js node
 *
 * usage: node peer-id.mjs <http://host:port> [wait seconds (120)]
 * Exit status: 0 with the id on stdout; 1 when no valid id came in time
 * (the last problem on stderr); 2 on bad usage. The id is checked as a
 * libp2p peer id, the response is read up to 1 MiB, each try up to 3 s.
 */
import { peerIdFromString } from '@libp2p/peer-id'

/** Wait of the whole lookup by default, seconds. */
const DEFAULT_WAIT_S = 120
/** Pause between tries, ms. */
const RETRY_MS = 1_000
/** One request, ms. */
const REQUEST_TIMEOUT_MS = 3_000
/** Largest /status body read (the node caps it at 1 MiB). */
const MAX_BODY_BYTES = 1024 * 1024

const usage = (problem) => {
  process.stderr.write(`peer-id: ${problem}\nusage: node peer-id.mjs <http://host:port> [wait seconds (${DEFAULT_WAIT_S})]\n`)
  process.exit(2)
}

const [base, waitArg, ...extra] = process.argv.slice(2)
if (base === undefined || extra.length > 0) usage('expected a base URL and at most a wait')
let url
try {
  url = new URL('/status', base)
} catch {
  usage(`${JSON.stringify(base)} is not a URL`)
}
if (url.protocol !== 'http:' && url.protocol !== 'https:') usage(`${JSON.stringify(base)} is not an http(s) URL`)
if (waitArg !== undefined && !/^\d{1,6}$/.test(waitArg)) usage(`wait ${JSON.stringify(waitArg)}: expected whole seconds`)
const waitS = waitArg === undefined ? DEFAULT_WAIT_S : Number(waitArg)

/** Reads at most MAX_BODY_BYTES of the body. */
async function readCapped (res) {
  const chunks = []
  let total = 0
  for await (const chunk of res.body ?? []) {
    total += chunk.length
    if (total > MAX_BODY_BYTES) throw new Error(`/status body larger than ${MAX_BODY_BYTES} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** One try: the peer id, or throws why not. */
async function once () {
  const res = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
  const text = await readCapped(res)
  if (!res.ok) throw new Error(`${url} answered ${res.status}`)
  let id
  try {
    id = JSON.parse(text)?.peerId
  } catch {
    throw new Error(`${url} did not answer JSON`)
  }
  if (typeof id !== 'string') throw new Error(`${url} has no peerId`)
  try {
    return peerIdFromString(id).toString()
  } catch {
    throw new Error(`${url} answered an invalid peer id ${JSON.stringify(id.slice(0, 80))}`)
  }
}

const deadline = Date.now() + waitS * 1000
let last = 'no try made'
for (;;) {
  try {
    process.stdout.write(`${await once()}\n`)
    process.exit(0)
  } catch (err) {
    const cause = err?.cause?.message
    last = `${err?.message ?? String(err)}${cause === undefined ? '' : ` (${cause})`}`
  }
  if (Date.now() + RETRY_MS > deadline) break
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS))
}
process.stderr.write(`peer-id: no peer id from ${url} within ${waitS} s: ${last}\n`)
process.exit(1)
