/**
 * zstd frame walker (RFC 8878 section 3.1). Both zstd backends run it before
 * decoding: it finds every frame and its end from the block headers alone,
 * sums the declared Frame_Content_Size, and bounds the output, so that a claim
 * above the cap is refused before the backend allocates it (the wasm build
 * allocates whatever the first frame header claims). It also bounds the
 * number of frames, and records the skippable frames so the wasm backend can
 * leave them out of its heap.
 *
 * @module
 */
import { MalformedInputError, SizeLimitError } from '../errors.js'
import { DEFAULT_MAX_FRAMES } from './guard.js'

/** Magic_Number of a zstd frame, 0xFD2FB528 little-endian (3.1.1). */
const ZSTD_MAGIC = 0xfd2fb528
/** Skippable frames have magic 0x184D2A50..0x184D2A5F (3.1.2). */
const SKIPPABLE_MAGIC = 0x184d2a50
/** Largest decompressed size of any block, Block_Maximum_Size's upper bound (3.1.1.2.4). */
const BLOCK_SIZE_MAX = 128 * 1024

/**
 * Largest Window_Size accepted for a frame that does not declare its content
 * size (a streaming decoder holds about one window): 8 MiB, the size RFC 8878
 * 3.1.1.1.2 recommends every decoder support (zstd levels <= 19 stay within
 * it), or the output cap when that is larger.
 */
export const ZSTD_MAX_STREAMING_WINDOW = 8 * 1024 * 1024

/** What {@link scanZstdFrames} learnt from the frame and block headers. */
export interface ZstdScan {
  /** Sum of Frame_Content_Size over all frames, or `undefined` when a frame does not declare it. */
  readonly contentSize: number | undefined
  /**
   * Upper bound of the decompressed size: the declared sizes, plus for frames
   * without one the size of every raw and RLE block and 128 KiB per
   * compressed block.
   */
  readonly outputBound: number
  /** Largest Window_Size among frames without a content size (0 when there are none). */
  readonly maxWindow: number
  /** Number of frames, skippable ones included. */
  readonly frames: number
  /** Skippable frames as `[start, end)` offset pairs, flattened (`[s0, e0, s1, e1, ...]`); empty when there are none. */
  readonly skippable: readonly number[]
}

function malformed (reason: string): MalformedInputError {
  return new MalformedInputError('zstd', reason)
}

function u32le (b: Uint8Array, at: number): number {
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0
}

/** Little-endian unsigned integer of `n` bytes (values above 2^53 lose precision, which only matters for comparisons with caps far below). */
function uintle (b: Uint8Array, at: number, n: number): number {
  let v = 0
  for (let i = n - 1; i >= 0; i--) v = v * 256 + (b[at + i] as number)
  return v
}

/**
 * Walks all frames of `input`, reading only frame and block headers (time
 * linear in the number of blocks, no allocation but the skippable list).
 * Throws {@link MalformedInputError} on anything that is not a sequence of
 * complete zstd and skippable frames (bad magic, reserved bit or block type,
 * dictionary frames, truncation, a Frame_Content_Size its blocks cannot
 * produce), and {@link SizeLimitError} as soon as the declared content sizes
 * plus the sizes of raw and RLE blocks (exact output, known without decoding)
 * exceed `maxOutput` (`decompressed`), on frame `maxFrames + 1`
 * (`compressed-frames`), or when some frame lacks a content size (then every
 * frame is decoded by streaming, which holds a window) and a frame asks for a
 * window above `max(ZSTD_MAX_STREAMING_WINDOW, maxOutput)`.
 */
export function scanZstdFrames (input: Uint8Array, maxOutput: number, maxFrames: number = DEFAULT_MAX_FRAMES): ZstdScan {
  const n = input.length
  if (n === 0) throw malformed('empty input')
  const windowLimit = Math.max(ZSTD_MAX_STREAMING_WINDOW, maxOutput)
  let pos = 0
  let contentSize: number | undefined = 0
  let outputBound = 0
  /** Output certain to be produced: declared sizes, raw and RLE blocks. */
  let certain = 0
  let maxWindow = 0
  /** Largest Window_Size of any frame: a streaming decoder refuses it above its limit even with a content size. */
  let anyWindow = 0
  let frames = 0
  const skippable: number[] = []
  while (pos < n) {
    if (++frames > maxFrames) throw new SizeLimitError('compressed-frames', maxFrames, frames)
    if (n - pos < 4) throw malformed('truncated frame magic')
    const magic = u32le(input, pos)
    if ((magic & 0xfffffff0) === SKIPPABLE_MAGIC) {
      // 3.1.2: Magic_Number, Frame_Size (4 bytes LE), User_Data.
      if (n - pos < 8) throw malformed('truncated skippable frame')
      const size = u32le(input, pos + 4)
      if (size > n - pos - 8) throw malformed('truncated skippable frame')
      skippable.push(pos, pos + 8 + size)
      pos += 8 + size
      continue
    }
    if (magic !== ZSTD_MAGIC) throw malformed('bad frame magic')
    pos += 4
    // 3.1.1.1.1 Frame_Header_Descriptor.
    if (pos >= n) throw malformed('truncated frame header')
    const fhd = input[pos++] as number
    const fcsFlag = fhd >>> 6
    const singleSegment = (fhd & 0x20) !== 0
    if ((fhd & 0x08) !== 0) throw malformed('reserved bit set in frame header')
    const hasChecksum = (fhd & 0x04) !== 0
    const didBytes = [0, 1, 2, 4][fhd & 3] as number
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag
    const headerRest = (singleSegment ? 0 : 1) + didBytes + fcsBytes
    if (n - pos < headerRest) throw malformed('truncated frame header')
    // 3.1.1.1.2 Window_Descriptor: Window_Size = 2^(10+Exponent) * (1 + Mantissa/8).
    let windowSize = 0
    if (!singleSegment) {
      const wd = input[pos++] as number
      const base = 2 ** (10 + (wd >>> 3))
      windowSize = base + (base / 8) * (wd & 7)
      if (windowSize > anyWindow) anyWindow = windowSize
    }
    // 3.1.1.1.3 Dictionary_ID: we have no dictionaries; 0 means none.
    if (didBytes > 0 && uintle(input, pos, didBytes) !== 0) throw malformed('frame needs a dictionary')
    pos += didBytes
    // 3.1.1.1.4 Frame_Content_Size; the 2-byte form is offset by 256.
    let fcs: number | undefined
    if (fcsBytes > 0) {
      fcs = uintle(input, pos, fcsBytes) + (fcsBytes === 2 ? 256 : 0)
      pos += fcsBytes
    }
    if (fcs === undefined) {
      contentSize = undefined
      if (windowSize > windowLimit) throw new SizeLimitError('decompressed', windowLimit, windowSize)
      if (windowSize > maxWindow) maxWindow = windowSize
    } else {
      if (contentSize !== undefined) contentSize += fcs
      outputBound += fcs
      certain += fcs
      if (certain > maxOutput) throw new SizeLimitError('decompressed', maxOutput, certain)
    }
    // 3.1.1.2 Blocks: 3-byte header (Last_Block, Block_Type, Block_Size), then the content.
    /** Most and least this frame's blocks can produce. */
    let frameBound = 0
    let frameCertain = 0
    let last = false
    while (!last) {
      if (n - pos < 3) throw malformed('truncated block header')
      const bh = (input[pos] as number) | ((input[pos + 1] as number) << 8) | ((input[pos + 2] as number) << 16)
      pos += 3
      last = (bh & 1) !== 0
      const type = (bh >>> 1) & 3
      const size = bh >>> 3
      if (size > BLOCK_SIZE_MAX) throw malformed('block larger than 128 KiB')
      let stored: number
      if (type === 0) {
        stored = size
      } else if (type === 1) {
        stored = 1
      } else if (type === 2) {
        stored = size
      } else {
        throw malformed('reserved block type')
      }
      if (n - pos < stored) throw malformed('truncated block')
      pos += stored
      frameBound += type === 2 ? BLOCK_SIZE_MAX : size
      if (type !== 2) frameCertain += size
      if (fcs === undefined) {
        outputBound += type === 2 ? BLOCK_SIZE_MAX : size
        if (type !== 2) {
          certain += size
          if (certain > maxOutput) throw new SizeLimitError('decompressed', maxOutput, certain)
        }
      }
    }
    // A declared size the blocks cannot produce fails in libzstd after allocating it: refuse it now.
    if (fcs !== undefined && (fcs > frameBound || fcs < frameCertain)) throw malformed('content size differs from what the blocks hold')
    // 3.1.1 Content_Checksum: 4 bytes when the descriptor says so.
    if (hasChecksum) {
      if (n - pos < 4) throw malformed('truncated checksum')
      pos += 4
    }
  }
  if (contentSize === undefined && anyWindow > windowLimit) throw new SizeLimitError('decompressed', windowLimit, anyWindow)
  return { contentSize, outputBound, maxWindow, frames, skippable }
}
