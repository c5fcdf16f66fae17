/**
 * RFC 6479 anti-replay window: a ring of bitmap blocks indexed by sequence
 * number, advanced by clearing the blocks the new high-water mark skips over,
 * never by shifting the whole bitmap.
 *
 * The ring uses 32-bit words (JavaScript bit operators are 32-bit; a 64-bit
 * block would need two words or a BigInt anyway). The ring length is a power
 * of two so that the ring index of a sequence number is
 * `((seq mod 2^32) >>> 5) & mask`: `seq >>> 0` reduces any safe integer
 * modulo 2^32 without a floating-point division.
 *
 * Window size: the window accepts the `size` newest sequence numbers
 * `high - size + 1 .. high`, where `high` is the highest committed one. `size`
 * is rounded UP to a whole number of 32-bit words; the ring holds at least one
 * spare word (RFC 6479 section 2: the block being rotated in), so with the
 * default of 8128 (wireguard-go: 127 usable 64-bit blocks) the ring is
 * 256 words = 1024 bytes, the same memory as wireguard-go's 128 x 64 bits.
 *
 * The functions below work on a window stored at `base` in a shared
 * `Uint32Array`, so that many windows can live in one slab
 * (see the replay guard); {@link ReplayWindow} is the single-window wrapper.
 *
 * @module
 */
import { DEFAULT_REPLAY_WINDOW } from '../limits.js'
import { checkInt, checkNonNegativeInt } from '../options/checks.js'

/** Verdict of a window check: a value, never an exception (hot path). */
export type WindowVerdict = 'ok' | 'replayed' | 'out-of-window'

/** Bits per ring word. */
export const WINDOW_WORD_BITS = 32

/** Largest supported window: 2^20 sequence numbers (a 128 KiB ring). */
export const MAX_REPLAY_WINDOW = 1 << 20

/** Geometry of a window of a given size, shared by every window of a slab. */
export interface WindowGeometry {
  /** Effective window size in sequence numbers (the requested size rounded up to whole words). */
  readonly size: number
  /** Ring length in 32-bit words: a power of two, at least `size / 32 + 1`. */
  readonly words: number
  /** `words - 1`, the ring index mask. */
  readonly mask: number
}

/**
 * Computes the geometry of a window of (at least) `size` sequence numbers;
 * throws {@link errors!InvalidConfigError} outside `1..MAX_REPLAY_WINDOW`.
 */
export function windowGeometry (size: number = DEFAULT_REPLAY_WINDOW): WindowGeometry {
  checkInt('windowSize', size, 1, MAX_REPLAY_WINDOW)
  const usable = Math.ceil(size / WINDOW_WORD_BITS)
  let words = 2
  while (words < usable + 1) words *= 2
  return Object.freeze({ size: usable * WINDOW_WORD_BITS, words, mask: words - 1 })
}

/**
 * Checks `seq` against the window at `words[base ..]` whose highest committed
 * sequence number is `high` (-1: none yet). Pure: mutates nothing.
 * A `seq` that is not a non-negative safe integer is `out-of-window`.
 */
export function windowCheck (words: Uint32Array, base: number, g: WindowGeometry, high: number, seq: number): WindowVerdict {
  if (!(seq >= 0 && seq <= Number.MAX_SAFE_INTEGER) || seq !== Math.floor(seq)) return 'out-of-window'
  if (seq > high) return 'ok'
  if (high - seq >= g.size) return 'out-of-window'
  // `seq >>> 0` is seq mod 2^32; the ring length divides 2^27, so this is the RFC 6479 block index mod ring length.
  const lo = seq >>> 0
  return (words[base + ((lo >>> 5) & g.mask)]! & (1 << (lo & 31))) === 0 ? 'ok' : 'replayed'
}

/**
 * Marks `seq` as seen, advancing the window when `seq > high`, and returns the
 * new high-water mark. The caller MUST have obtained `'ok'` from
 * {@link windowCheck} for the same state (RFC 4303 3.4.3: the window is
 * updated only after the integrity check, and only for a fresh number).
 */
export function windowMark (words: Uint32Array, base: number, g: WindowGeometry, high: number, seq: number): number {
  const lo = seq >>> 0
  const index = (lo >>> 5) & g.mask
  if (seq > high) {
    if (high >= 0) {
      // RFC 6479: clear the blocks between the old and the new top block; all of them if the jump laps the ring.
      const jump = Math.floor(seq / WINDOW_WORD_BITS) - Math.floor(high / WINDOW_WORD_BITS)
      if (jump > g.mask) {
        words.fill(0, base, base + g.words)
      } else {
        let i = (high >>> 5) & g.mask
        for (let k = 0; k < jump; k++) {
          i = (i + 1) & g.mask
          words[base + i] = 0
        }
      }
    }
    high = seq
  }
  words[base + index]! |= 1 << (lo & 31)
  return high
}

/**
 * Restores a window conservatively from a persisted high-water mark: every
 * sequence number `<= high` counts as seen (gaps included), every one above
 * it as fresh. Returns `high`.
 */
export function windowRestore (words: Uint32Array, base: number, g: WindowGeometry, high: number): number {
  words.fill(0xffff_ffff, base, base + g.words)
  const lo = high >>> 0
  // Keep bits 0..(high & 31) of the top word: numbers above high were never seen.
  words[base + ((lo >>> 5) & g.mask)] = 0xffff_ffff >>> (31 - (lo & 31))
  return high
}

/** Options of {@link ReplayWindow}. */
export interface ReplayWindowInit {
  /**
   * Sequence numbers accepted behind the highest one seen, rounded up to a
   * multiple of 32.
   * @default DEFAULT_REPLAY_WINDOW (8128, a 1 KiB ring)
   */
  size?: number
}

/**
 * A single RFC 6479 anti-replay window. `check` and `commit` allocate nothing.
 *
 * @example
 * ```ts
 * const w = new ReplayWindow()
 * if (w.check(seq) === 'ok' && signatureValid) w.commit(seq)
 * ```
 */
export class ReplayWindow {
  /** Ring geometry (`size` is the effective window size). */
  readonly geometry: WindowGeometry
  private readonly words: Uint32Array
  private high = -1

  constructor (init: ReplayWindowInit = {}) {
    this.geometry = windowGeometry(init.size ?? DEFAULT_REPLAY_WINDOW)
    this.words = new Uint32Array(this.geometry.words)
  }

  /** Effective window size in sequence numbers. */
  get size (): number {
    return this.geometry.size
  }

  /** Highest committed sequence number, or -1 before the first commit. */
  get highest (): number {
    return this.high
  }

  /** Would `seq` be accepted now? Mutates nothing (safe before signature verification). */
  check (seq: number): WindowVerdict {
    return windowCheck(this.words, 0, this.geometry, this.high, seq)
  }

  /**
   * Marks `seq` as seen (call only after the message verified). Returns false,
   * changing nothing, when `seq` is no longer acceptable: a concurrent
   * duplicate committed since the check, or the window moved past it.
   */
  commit (seq: number): boolean {
    if (windowCheck(this.words, 0, this.geometry, this.high, seq) !== 'ok') return false
    this.high = windowMark(this.words, 0, this.geometry, this.high, seq)
    return true
  }

  /** Treats every sequence number `<= high` as seen (restart from a persisted high-water mark). */
  restore (high: number): void {
    checkNonNegativeInt('high', high)
    this.high = windowRestore(this.words, 0, this.geometry, high)
  }

  /** Forgets everything. */
  reset (): void {
    this.words.fill(0)
    this.high = -1
  }
}
