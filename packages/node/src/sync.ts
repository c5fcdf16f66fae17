/**
 * Block sync, modelled on Ethereum's BeaconBlocksByRange
 * (consensus-specs phase0 p2p-interface): a node that was away asks a peer
 * for `count` consecutive blocks of the peer's log from `start`; the peer
 * streams them in order and ends with a status.
 *
 * - Requests: at most {@link MAX_SYNC_REQUEST_BLOCKS} blocks; at most
 *   {@link MAX_SYNC_IN_FLIGHT} requests in flight per node; one stream per
 *   request, the requester half-closes after writing it.
 * - Responses: batch envelopes of up to {@link SYNC_BATCH_BLOCKS} items (one
 *   signature by the responder over their Merkle root; the codec's size-aware
 *   policy picks zstd), each item a block's ORIGINAL envelope as its producer
 *   signed it, then one `SyncStatus`. The responder is rate-limited in blocks
 *   served per peer; over the limit it answers `resourceUnavailable`. It reads
 *   its log one batch at a time, after the previous batch was written, so a
 *   request costs it at most one batch of blocks in memory.
 * - Timeouts: the first response within `responseTimeoutMs`, each next one
 *   within `responseTimeoutMs` too (Lodestar: TTFB 5 s, 10 s per chunk), and
 *   the stream codec's own per-frame deadlines.
 *
 * Historical blocks are older than the live replay window and max age, so
 * they are verified without them: the producer's signature and payload digest
 * (a codec with `replay: false`), or for a block its producer published in a
 * batch (an item envelope: the signed batch header, the block and its
 * inclusion proof) the header's signature and the proof; channel and type,
 * `hash = SHA-256(data)`,
 * and heights consecutive from the first one returned. Why this cannot be
 * abused to replay live traffic: a synced block only ever enters the block
 * log, deduplicated by content hash; it is never handed to the live gossip
 * path, never re-published and never advances any replay window, so an old
 * envelope fed through sync can at most add a block the log did not have (a
 * block its producer really signed), once.
 *
 * The items of one producer batch share its signed header: the verifying
 * codec remembers the headers it verified (wireseal's VerifiedSignatureCache,
 * bounded, keyed by the exact key, header and signature bytes), so a batch
 * costs one signature verification and each of its blocks an inclusion proof.
 *
 * @module
 */
import type { Libp2p, PeerId, Stream, Connection } from '@libp2p/interface'
import { createCodec, type Codec, type OpenAccepted, type RejectReason, SerializerId } from 'wireseal'
import { wiresealStream } from 'wireseal/libp2p'
import { sha256Equals } from 'wireseal/integrity'
import { VerifiedSignatureCache } from 'wireseal/envelope'
import type { BlockStore, StoredBlock } from './block-store.js'
import {
  BlockType, BlocksByRangeRequestType, MAX_SYNC_REQUEST_BLOCKS, SYNC_BATCH_BLOCKS, SyncCode, SyncStatusType, SyncedBlockType,
  nodeSerializers, type BlocksByRangeRequest, type NetworkProtocols, type SyncStatus, type SyncedBlock
} from './protocol.js'
import type { Block } from 'wireseal'

export { MAX_SYNC_REQUEST_BLOCKS, SYNC_BATCH_BLOCKS }

/** Most sync requests in flight at once (Ethereum: 2 per protocol). */
export const MAX_SYNC_IN_FLIGHT = 2

/** Default of the per-response timeout (ms). */
export const DEFAULT_SYNC_RESPONSE_TIMEOUT_MS = 10_000

/** Why a sync response was refused; the peer is penalised for each. */
export type SyncFault = RejectReason | 'bad-sequence' | 'hash-mismatch' | 'too-many' | 'timeout' | 'protocol'

/** Raised by {@link SyncClient.request} when a response breaks the protocol. */
export class SyncFaultError extends Error {
  override readonly name = 'SyncFaultError'
  constructor (readonly fault: SyncFault, detail: string) {
    super(`sync: ${fault}: ${detail}`)
  }
}

/** What the server needs. */
export interface SyncServerInit {
  codec: Codec
  store: BlockStore
  protocols: NetworkProtocols
  /** Takes `blocks` from the peer's sync budget; false = over the limit. */
  allow: (peer: PeerId, blocks: number) => boolean
  /**
   * A request that breaks the protocol (too many blocks, over the rate, or a
   * refused envelope with the codec's reason: `replayed` / `out-of-window` /
   * `too-old` are usually our own replay guard's blackout after a crash, not abuse).
   */
  onAbuse: (peer: PeerId, why: 'too-many' | 'rate-limited' | RejectReason) => void
  /** Blocks served (for metrics). */
  onServed?: (blocks: number) => void
  /** Per-frame deadline base for the stream codec (ms). */
  frameTimeoutMs: number
}

/** A libp2p stream handler serving BlocksByRange. */
export function syncHandler (init: SyncServerInit): (stream: Stream, connection: Connection) => Promise<void> {
  const { codec, store, protocols } = init
  return async (stream, connection) => {
    const signal = AbortSignal.timeout(init.frameTimeoutMs * 3)
    const ws = wiresealStream(stream, {
      codec,
      channel: protocols.syncProtocol,
      types: [BlocksByRangeRequestType.id],
      serializer: SerializerId.msgpack,
      compression: 'auto',
      connection,
      frameTimeoutMs: init.frameTimeoutMs,
      maxPayloadBytes: 64,
      onReject: 'throw'
    })
    const peer = connection.remotePeer
    const status = async (code: number): Promise<void> => {
      const value: SyncStatus = { code, height: store.height }
      await ws.write(SyncStatusType, value, { signal })
      await ws.close({ signal })
    }
    let req: OpenAccepted<BlocksByRangeRequest> | undefined
    try {
      req = await ws.readOne<BlocksByRangeRequest>({ signal })
    } catch (err) {
      const reason = (err as { details?: { reason?: RejectReason } }).details?.reason
      init.onAbuse(peer, (err as Error).name === 'RejectedMessageError' && reason !== undefined ? reason : 'malformed')
      ws.abort(err as Error)
      return
    }
    try {
      if (req === undefined) return
      const { start, count } = req.value
      if (count < 1 || count > MAX_SYNC_REQUEST_BLOCKS || start < 1n) {
        init.onAbuse(peer, 'too-many')
        await status(SyncCode.invalidRequest)
        return
      }
      if (!init.allow(peer, count)) {
        init.onAbuse(peer, 'rate-limited')
        await status(SyncCode.resourceUnavailable)
        return
      }
      // one batch's blocks read, sealed and written at a time: at most SYNC_BATCH_BLOCKS blocks (32 MiB of 1 MiB
      // blocks) held per stream, not the whole request, and the next read waits for the peer to take the last
      let served = 0
      let next = start
      while (served < count) {
        const blocks = await store.range(next, Math.min(SYNC_BATCH_BLOCKS, count - served))
        // pruned meanwhile (the log keeps its newest blocks): end here rather than send a gap the requester refuses
        if (blocks.length === 0 || (served > 0 && (blocks[0] as StoredBlock).height !== next)) break
        const items: SyncedBlock[] = blocks.map((b) => ({ height: b.height, envelope: b.envelope }))
        const batch = codec.sealBatch(SyncedBlockType, items, { channel: protocols.syncProtocol, serializer: SerializerId.msgpack })
        await ws.writeSealed(batch, { signal })
        served += blocks.length
        next = (blocks.at(-1) as StoredBlock).height + 1n
      }
      init.onServed?.(served)
      await status(SyncCode.ok)
    } catch (err) {
      ws.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}

/** One synced block, verified. */
export interface VerifiedSyncBlock {
  readonly height: bigint
  readonly block: Block
  readonly envelope: Uint8Array
  /** The producer (signer of the block envelope). */
  readonly from: string
}

/** Result of one request, its blocks collected ({@link SyncClient.request}). */
export interface SyncResponse {
  readonly blocks: VerifiedSyncBlock[]
  readonly status: SyncStatus
}

/** What reading one request yields once it ended ({@link OpenSyncRequest.read}). */
export interface SyncOutcome {
  /** Blocks verified and handed to `onBlocks`. */
  readonly blocks: number
  readonly status: SyncStatus
}

/**
 * A request on the wire, its response not read yet. Read it promptly: a
 * response left unread waits in its stream's flow-control window (the
 * responder stops when that is full), and @libp2p/yamux then sends the rest
 * in ever smaller frames. The node reads every request in flight at once and
 * orders what they yield itself (./sync-order.ts).
 */
export interface OpenSyncRequest {
  /**
   * Reads the response: each batch's blocks, verified, go to `onBlocks`
   * (a promise it returns is awaited before the next batch is read: the
   * caller's backpressure), then the status. Throws
   * {@link SyncFaultError} at the first fault (blocks already handed over
   * stay valid: each was verified on its own). Call once, then the request
   * is done.
   */
  read: (onBlocks: (blocks: VerifiedSyncBlock[]) => Promise<void> | void) => Promise<SyncOutcome>
  /** Gives the request up unread (its stream is aborted). */
  abort: (err: Error) => void
}

/** What the client needs. */
export interface SyncClientInit {
  node: Pick<Libp2p, 'dialProtocol'>
  /** The node's codec (its replay guard protects the responses themselves, which are live messages). */
  codec: Codec
  protocols: NetworkProtocols
  /** Per-response timeout (ms). @default DEFAULT_SYNC_RESPONSE_TIMEOUT_MS (10 s) */
  responseTimeoutMs?: number
  /** Per-frame deadline base for the stream codec (ms). */
  frameTimeoutMs: number
  /** The producer batch headers already verified. @default a new VerifiedSignatureCache of {@link SYNC_VERIFIED_HEADERS} */
  verifiedHeaders?: VerifiedSignatureCache
}

/**
 * Producer batch headers remembered as verified. The blocks of one batch are
 * consecutive in a log (stored as they arrived), so a few suffice; more keep
 * interleaved producers' batches verified once too.
 */
export const SYNC_VERIFIED_HEADERS = 256

/** Requests ranges from peers and verifies what comes back. */
export class SyncClient {
  private inFlight = 0
  private readonly waiters: Array<() => void> = []
  /** Verifies historical block envelopes: signature and digest, no live replay window. */
  private readonly historical: Codec

  constructor (private readonly init: SyncClientInit) {
    const keyCache = init.verifiedHeaders ?? new VerifiedSignatureCache(SYNC_VERIFIED_HEADERS)
    this.historical = createCodec({ replay: false, serializers: nodeSerializers(), limits: init.codec.limits, keyCache })
  }

  /**
   * Fetches blocks `[start, start + count)` of `peer`'s log, collected in
   * memory. Throws {@link SyncFaultError} at the first fault (nothing after
   * it is kept).
   */
  async request (peer: PeerId, start: bigint, count: number, signal?: AbortSignal): Promise<SyncResponse> {
    const open = await this.open(peer, start, count, signal)
    const blocks: VerifiedSyncBlock[] = []
    const { status } = await open.read((batch) => { blocks.push(...batch) })
    return { blocks, status }
  }

  /**
   * Sends a request for blocks `[start, start + count)` of `peer`'s log; read
   * its response with {@link OpenSyncRequest.read}. At most
   * {@link MAX_SYNC_IN_FLIGHT} are open at once (from open to the end of
   * read or abort); a further open waits for a slot.
   */
  async open (peer: PeerId, start: bigint, count: number, outer?: AbortSignal): Promise<OpenSyncRequest> {
    if (count < 1 || count > MAX_SYNC_REQUEST_BLOCKS) throw new RangeError(`count: 1..${MAX_SYNC_REQUEST_BLOCKS}, got ${count}`)
    await this.slot()
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      this.release()
    }
    const { node, codec, protocols } = this.init
    const timeoutMs = this.init.responseTimeoutMs ?? DEFAULT_SYNC_RESPONSE_TIMEOUT_MS
    const deadline = (): AbortSignal => outer === undefined ? AbortSignal.timeout(timeoutMs) : AbortSignal.any([outer, AbortSignal.timeout(timeoutMs)])
    let ws: ReturnType<typeof wiresealStream> | undefined
    try {
      const stream = await node.dialProtocol(peer, protocols.syncProtocol, { signal: deadline() })
      ws = wiresealStream(stream, {
        codec,
        channel: protocols.syncProtocol,
        types: [SyncedBlockType.id, SyncStatusType.id],
        serializer: SerializerId.msgpack,
        compression: 'none',
        frameTimeoutMs: this.init.frameTimeoutMs,
        onReject: 'throw'
      })
      await ws.write(BlocksByRangeRequestType, { start, count }, { signal: deadline() })
      await ws.close({ signal: deadline() })
    } catch (err) {
      ws?.abort(err instanceof Error ? err : new Error(String(err)))
      release()
      throw err
    }
    const opened = ws
    let used = false
    return {
      read: async (onBlocks) => {
        if (used) throw new Error('sync: a request is read once')
        used = true
        try {
          return await this.readResponse(opened, start, count, deadline, onBlocks)
        } catch (err) {
          opened.abort(err instanceof Error ? err : new Error(String(err)))
          throw err
        } finally {
          release()
        }
      },
      abort: (err) => {
        used = true
        opened.abort(err)
        release()
      }
    }
  }

  private async slot (): Promise<void> {
    while (this.inFlight >= MAX_SYNC_IN_FLIGHT) await new Promise<void>((resolve) => this.waiters.push(resolve))
    this.inFlight++
  }

  private release (): void {
    this.inFlight--
    this.waiters.shift()?.()
  }

  private async readResponse (ws: ReturnType<typeof wiresealStream>, start: bigint, count: number, deadline: () => AbortSignal,
    onBlocks: (blocks: VerifiedSyncBlock[]) => Promise<void> | void): Promise<SyncOutcome> {
    let expected: bigint | undefined
    let received = 0
    while (true) {
      let msg: OpenAccepted | undefined
      try {
        msg = await ws.readOne({ signal: deadline() })
      } catch (err) {
        const name = (err as Error).name
        if (name === 'AbortError' || name === 'DeadlineError') throw new SyncFaultError('timeout', (err as Error).message)
        if (name === 'RejectedMessageError') throw new SyncFaultError((err as { details?: { reason?: RejectReason } }).details?.reason ?? 'malformed', (err as Error).message)
        throw err
      }
      if (msg === undefined) throw new SyncFaultError('protocol', 'stream ended without a status')
      if (msg.type === SyncStatusType.id) return { blocks: received, status: msg.value as SyncStatus }
      const batch: VerifiedSyncBlock[] = []
      for (const m of msg.messages) {
        const item = m.value as SyncedBlock
        if (expected !== undefined && item.height !== expected) throw new SyncFaultError('bad-sequence', `height ${item.height} where ${expected} was due`)
        if (expected === undefined && item.height < start) throw new SyncFaultError('bad-sequence', `height ${item.height} below the requested ${start}`)
        expected = item.height + 1n
        if (received >= count) throw new SyncFaultError('too-many', `more than the ${count} blocks asked for`)
        received++
        batch.push(this.verify(item))
      }
      await onBlocks(batch)
    }
  }

  /** A synced item: its producer's envelope (single, or one item of a batch) must verify on its own and its hash match its data. */
  private verify (item: SyncedBlock): VerifiedSyncBlock {
    const opened = this.historical.open<Block>(item.envelope, { channel: this.init.protocols.blockTopic, types: [BlockType.id] })
    if (!opened.ok) throw new SyncFaultError(opened.reason, `block at height ${item.height}: ${opened.detail}`)
    if (opened.kind === 'batch') throw new SyncFaultError('protocol', 'a sync item must be one block envelope')
    const block = opened.value
    if (!sha256Equals(block.data, block.hash)) throw new SyncFaultError('hash-mismatch', `block at height ${item.height}`)
    return { height: item.height, block, envelope: item.envelope, from: opened.from }
  }
}
