/**
 * Stream framing conformance vectors (SPEC.md 14.2): framed byte streams a
 * receiver must read (the frame bodies and, for envelopes, the messages they
 * open to) and streams it must refuse, each naming the framing rule it
 * breaks, when the refusal happens (as soon as the bytes arrive, or when the
 * stream ends) and the frames delivered before it. Envelopes are taken from
 * test/vectors/envelopes.json. The format is described in test/vectors/README.md.
 *
 *   node --import tsx scripts/vectors-stream.ts   # rewrites test/vectors/stream-frames.json
 *
 * @module
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { DEFAULT_LIMITS } from '../src/limits.js'
import { readVectorFile, readVectors, vectorFileText, type VectorFile } from './vectors.js'

export const STREAM_VECTORS_PATH = fileURLToPath(new URL('../test/vectors/stream-frames.json', import.meta.url))
export const STREAM_VECTORS_FORMAT = 'wireseal/stream-frame-vectors'
export const STREAM_VECTORS_VERSION = 1

/** Framing rules of SPEC.md 14.2 (a stream breaking one is aborted). */
export type FrameRule = 'frame-non-minimal' | 'frame-too-large' | 'frame-truncated' | 'chunked-truncated'

/** A stream the receiver must read. */
export interface StreamAcceptVector {
  name: string
  description: string
  section: string
  /** The whole byte stream (hex), ended by the sender after the last byte. */
  stream: string
  /** The frame bodies (hex) the framing layer yields, in order. */
  frames: string[]
  /** When the bodies are envelopes: the value names (envelopes.json `values`) of each accepted envelope, in order. */
  messages?: string[][]
}

/** A stream the receiver must refuse. */
export interface StreamRejectVector {
  name: string
  description: string
  section: string
  stream: string
  /** Frame bodies (hex) delivered before the refusal. */
  framesBefore: string[]
  expect:
  /**
   * The framing breaks: the stream is aborted. `at` (a byte count): once the
   * first `at` bytes of `stream` have arrived, and not before (the stream
   * still open); `at: 'end'`: only when the stream ends.
   */
  | { rule: FrameRule, at: number | 'end', layer: 'frame' | 'message' }
  /** The framing holds, an envelope is refused (SPEC.md 12.2 reason and rule); the stream goes on and later envelopes open to `messagesAfter`. */
  | { reason: 'malformed', rule: string, layer: 'message', messagesAfter: string[][] }
}

export interface StreamVectorFile {
  format: string
  version: number
  generator: string
  /** The envelope vectors the streams carry (same channel, keys and values). */
  envelopes: string
  channel: string
  /** Receiver configuration: `maxFrameBytes` (SPEC.md 14.2), the envelopes' `now`; replay checks off (every envelope vector has seq 4242). */
  receiver: { maxFrameBytes: number, now: number, replay: false }
  accept: StreamAcceptVector[]
  rejects: StreamRejectVector[]
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))

/** Minimal uvarint (written here: not the reader's encoder). */
function uvarint (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) { out.push((n % 128) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return out
}

const frame = (body: Uint8Array): Uint8Array => Uint8Array.from([...uvarint(body.length), ...body])
const concat = (...parts: Array<Uint8Array | number[]>): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]))

export function generateStreamVectors (envelopes: VectorFile = readVectors()): StreamVectorFile {
  const max = DEFAULT_LIMITS.maxFrameBytes
  const env = (name: string): { bytes: Uint8Array, frames: Uint8Array[], values: string[] } => {
    const v = envelopes.vectors.find((x) => x.name === name)
    if (v === undefined) throw new Error(`no envelope vector ${name}`)
    return { bytes: unhex(v.envelope), frames: (v.frames ?? []).map(unhex), values: v.values }
  }
  const block = env('Block/protobuf/none')
  const peer = env('PeerInfo/msgpack/none')
  const batch = env('Block/protobuf/zstd/batch')
  const chunked = env('Block/protobuf/none/chunked')
  const emptyChunked = env('Block/protobuf/none/chunked/empty')
  const body127 = Uint8Array.from({ length: 127 }, (_, i) => i)
  const body128 = Uint8Array.from({ length: 128 }, (_, i) => 255 - i)
  const accept: StreamAcceptVector[] = []
  const a = (name: string, description: string, bodies: Uint8Array[], messages?: string[][]): void => {
    accept.push({ name, description, section: '14.2', stream: hex(concat(...bodies.map(frame))), frames: bodies.map(hex), ...(messages === undefined ? {} : { messages }) })
  }
  a('empty-stream', 'no bytes at all: no frame, a clean end', [], [])
  a('one-envelope', 'one single envelope (prefix 2 bytes)', [block.bytes], [block.values])
  a('three-envelopes', 'a single envelope, a msgpack one and a batch of three, back to back', [block.bytes, peer.bytes, batch.bytes], [block.values, peer.values, batch.values])
  a('chunked', `a chunked head and its ${chunked.frames.length} chunk frames: one message`, [chunked.bytes, ...chunked.frames], [chunked.values])
  a('chunked-empty', 'a chunked head of the empty value (0 chunks) then a single envelope', [emptyChunked.bytes, block.bytes], [emptyChunked.values, block.values])
  a('prefix-1-byte-max', '127-byte body: the longest 1-byte prefix (7f)', [body127])
  a('prefix-2-bytes-min', '128-byte body: the shortest 2-byte prefix (80 01)', [body128])
  a('zero-length-frames', 'two zero-length frames (00 00) around a 127-byte body: framing accepts them (an empty body is refused by the envelope rules)', [new Uint8Array(0), body127, new Uint8Array(0)])

  const rejects: StreamRejectVector[] = []
  const r = (name: string, description: string, stream: Uint8Array, framesBefore: Uint8Array[], expect: StreamRejectVector['expect'], section = '14.2'): void => {
    rejects.push({ name, description, section, stream: hex(stream), framesBefore: framesBefore.map(hex), expect })
  }
  const one = frame(body127)
  /** Bytes of uvarint(maxFrameBytes): a longer prefix is over the budget whatever its value. */
  const budgetBytes = uvarint(max).length
  r('non-minimal/zero', 'length 0 written 80 00', Uint8Array.of(0x80, 0x00), [], { rule: 'frame-non-minimal', at: 2, layer: 'frame' })
  r('non-minimal/five', 'length 5 written 85 80 00', Uint8Array.of(0x85, 0x80, 0x00), [], { rule: 'frame-non-minimal', at: 3, layer: 'frame' })
  r('non-minimal/after-frame', 'a good frame, then 127 written ff 00 followed by its body', concat(one, [0xff, 0x00], body127), [body127], { rule: 'frame-non-minimal', at: one.length + 2, layer: 'frame' })
  r('non-minimal/envelope', `the Block envelope (${block.bytes.length} bytes) with its prefix padded by a 80 byte and a 00`, concat([...uvarint(block.bytes.length).map((b, i, all) => i === all.length - 1 ? b | 0x80 : b), 0x00], block.bytes), [], { rule: 'frame-non-minimal', at: 3, layer: 'frame' })
  r('too-large/budget-plus-one', `prefix maxFrameBytes + 1 (${max + 1}) with no body: refused before any body byte`, Uint8Array.from(uvarint(max + 1)), [], { rule: 'frame-too-large', at: uvarint(max + 1).length, layer: 'frame' })
  r('too-large/after-frame', 'a good frame, then prefix 2^28 - 1 (ff ff ff 7f)', concat(one, [0xff, 0xff, 0xff, 0x7f]), [body127], { rule: 'frame-too-large', at: one.length + 4, layer: 'frame' })
  r('too-large/u64-max', 'prefix 2^64 - 1 (ff x9 01, 10 bytes)', Uint8Array.from([...new Array<number>(9).fill(0xff), 0x01]), [], { rule: 'frame-too-large', at: budgetBytes, layer: 'frame' })
  r('too-large/eleven-bytes', 'an 11-byte prefix (ff x10 01): past any 64-bit varint', Uint8Array.from([...new Array<number>(10).fill(0xff), 0x01]), [], { rule: 'frame-too-large', at: budgetBytes, layer: 'frame' })
  r('too-large/longer-than-budget', `a ${budgetBytes + 1}-byte prefix encoding 0 (80 x${budgetBytes} 00): longer than uvarint(maxFrameBytes), refused at its byte ${budgetBytes + 1} whatever its value`, Uint8Array.from([...new Array<number>(budgetBytes).fill(0x80), 0x00]), [], { rule: 'frame-too-large', at: budgetBytes + 1, layer: 'frame' })
  r('truncated/at-budget', `prefix exactly maxFrameBytes (${max}), accepted, then the stream ends without the body`, Uint8Array.from(uvarint(max)), [], { rule: 'frame-truncated', at: 'end', layer: 'frame' })
  r('truncated/prefix', 'the stream ends inside a prefix (80)', Uint8Array.of(0x80), [], { rule: 'frame-truncated', at: 'end', layer: 'frame' })
  r('truncated/body', 'the Block envelope frame without its last byte', frame(block.bytes).subarray(0, -1), [], { rule: 'frame-truncated', at: 'end', layer: 'frame' })
  r('truncated/after-frames', 'two good frames, then a prefix of 127 and 5 body bytes', concat(one, one, [0x7f], body127.subarray(0, 5)), [body127, body127], { rule: 'frame-truncated', at: 'end', layer: 'frame' })
  r('chunked/missing-chunks', `a chunked head and 1 of its ${chunked.frames.length} chunk frames, then the end`, concat(frame(chunked.bytes), frame(chunked.frames[0]!)), [], { rule: 'chunked-truncated', at: 'end', layer: 'message' })
  r('envelope/zero-length', 'a zero-length frame read as an envelope (no header), then a good envelope: that one is still read', concat([0x00], frame(block.bytes)), [], { reason: 'malformed', rule: 'missing-field', layer: 'message', messagesAfter: [block.values] }, '5.1')
  return {
    format: STREAM_VECTORS_FORMAT,
    version: STREAM_VECTORS_VERSION,
    generator: 'scripts/vectors-stream.ts',
    envelopes: 'envelopes.json',
    channel: envelopes.channel,
    receiver: { maxFrameBytes: max, now: envelopes.timestamp, replay: false },
    accept,
    rejects
  }
}

export function serializeStreamVectors (file: StreamVectorFile): string {
  return vectorFileText(file)
}

export function readStreamVectors (path: string = STREAM_VECTORS_PATH): StreamVectorFile {
  return readVectorFile(path)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = generateStreamVectors()
  writeFileSync(STREAM_VECTORS_PATH, serializeStreamVectors(file))
  console.log(`${STREAM_VECTORS_PATH}: ${file.accept.length} must-accept, ${file.rejects.length} must-reject streams`)
}
