/**
 * The replay guard's windows: every (sender, channel) window in one
 * struct-of-arrays slab (one `Uint32Array` of RFC 6479 rings, parallel typed
 * arrays for each window's high seq, highest timestamp and floor), an LRU
 * list through the slots, and the eviction floor (SPEC.md 13: an evicted
 * window raises the floor to its highest timestamp).
 *
 * @module
 */
import { windowCheck, windowMark, windowRestore, type WindowGeometry, type WindowVerdict } from './window.js'
import { MAX_PERSISTED_UNSEEN, PERSISTED_UNSEEN_SPAN, type PersistedWindow } from './store.js'
import type { WindowLookup } from './rules.js'

/** Slab: 2^28 words = 1 GiB of bitmaps at most. */
const MAX_SLAB_WORDS = 1 << 28
const INITIAL_CAPACITY = 64

/** Most windows one slab of this geometry can hold. */
export function maxSlabWindows (g: WindowGeometry): number {
  return Math.floor(MAX_SLAB_WORDS / g.words)
}

/** The windows of one channel. */
interface ChannelBucket {
  readonly channel: string
  /** sender -> slot */
  readonly senders: Map<string, number>
}

/** Settings of {@link WindowSlab} (validated by the caller). */
export interface WindowSlabInit {
  geometry: WindowGeometry
  /** Windows kept; adding one more evicts the least recently marked (1..{@link maxSlabWindows}). */
  maxWindows: number
}

/** A new window: its pair and the floor it starts under. */
export interface NewWindow {
  sender: string
  channel: string
  /** Timestamps `<=` this are refused by the window (ms). */
  floorMs: number
}

/** Bounded (sender, channel) windows with LRU eviction; slot -1 is "untracked" (see {@link WindowLookup}). */
export class WindowSlab implements WindowLookup {
  readonly geometry: WindowGeometry
  readonly maxWindows: number

  // Slot i owns words[i * g.words .. (i + 1) * g.words).
  private capacity = 0
  private count = 0
  private words: Uint32Array = new Uint32Array(0)
  private highs: Float64Array = new Float64Array(0)
  private highTs: Float64Array = new Float64Array(0)
  private floors: Float64Array = new Float64Array(0)
  private prev: Int32Array = new Int32Array(0)
  private next: Int32Array = new Int32Array(0)
  private senders: string[] = []
  /** Each slot's channel bucket (so a slot keeps the bucket's channel string, not one copy per sender). */
  private buckets: ChannelBucket[] = []
  private head = -1
  private tail = -1
  /**
   * channel -> sender -> slot. Nested so that lookups build no key string;
   * channel first because channels are few: one small Map per channel, not per sender.
   */
  private readonly index = new Map<string, ChannelBucket>()
  private floor = -Infinity

  constructor (init: WindowSlabInit) {
    this.geometry = init.geometry
    this.maxWindows = init.maxWindows
    this.grow()
  }

  /** Number of tracked windows. */
  get size (): number {
    return this.count
  }

  /** The eviction floor (ms), -Infinity if none: where a window created now starts. */
  get floorMs (): number {
    return this.floor
  }

  /** Raises the eviction floor to `ms` (never lowers it). */
  raiseFloor (ms: number): void {
    if (ms > this.floor) this.floor = ms
  }

  /** The slot of the pair's window, -1 if untracked. */
  lookup (sender: string, channel: string): number {
    const bucket = this.index.get(channel)
    if (bucket === undefined) return -1
    const slot = bucket.senders.get(sender)
    return slot === undefined ? -1 : slot
  }

  floorOf (slot: number): number {
    return slot < 0 ? this.floor : this.floors[slot]!
  }

  check (slot: number, seq: number): WindowVerdict {
    // An empty window (high -1) accepts any valid seq without reading the bitmap.
    if (slot < 0) return windowCheck(this.words, 0, this.geometry, -1, seq)
    return windowCheck(this.words, slot * this.geometry.words, this.geometry, this.highs[slot]!, seq)
  }

  /**
   * Marks `seq` seen in `slot` (whose check gave `ok`), records the timestamp
   * and makes the window the most recently used.
   */
  mark (slot: number, seq: number, timestampMs: number): void {
    this.highs[slot] = windowMark(this.words, slot * this.geometry.words, this.geometry, this.highs[slot]!, seq)
    if (timestampMs > this.highTs[slot]!) this.highTs[slot] = timestampMs
    this.touch(slot)
  }

  /** Creates an empty window, evicting the least recently used one when full; returns its slot. */
  add (w: NewWindow): number {
    let slot: number
    if (this.count < this.maxWindows) {
      if (this.count === this.capacity) this.grow()
      slot = this.count++
    } else {
      slot = this.tail
      this.evict(slot)
    }
    const base = slot * this.geometry.words
    this.words.fill(0, base, base + this.geometry.words)
    this.highs[slot] = -1
    this.highTs[slot] = -Infinity
    this.floors[slot] = w.floorMs
    this.senders[slot] = w.sender
    let bucket = this.index.get(w.channel)
    if (bucket === undefined) this.index.set(w.channel, bucket = { channel: w.channel, senders: new Map() })
    bucket.senders.set(w.sender, slot)
    this.buckets[slot] = bucket
    this.linkHead(slot)
    return slot
  }

  /**
   * Loads persisted windows (most recently used first) into an empty slab:
   * each keeps its floor, raised to `minFloorMs`; those beyond `maxWindows`
   * count as evicted. A restored window counts every seq `<=` its high as
   * seen except its `unseen` ones still inside this window.
   */
  restore (windows: readonly PersistedWindow[], minFloorMs: number): void {
    const keep = Math.min(windows.length, this.maxWindows)
    for (let i = keep; i < windows.length; i++) this.raiseFloor(windows[i]!.highTimestampMs)
    // Oldest first, so the list ends up in the persisted LRU order.
    for (let i = keep - 1; i >= 0; i--) {
      const w = windows[i]!
      const slot = this.add({ sender: w.sender, channel: w.channel, floorMs: Math.max(w.floorMs, minFloorMs) })
      const g = this.geometry
      const base = slot * g.words
      this.highs[slot] = windowRestore(this.words, base, g, w.highSeq)
      for (const seq of w.unseen ?? []) {
        if (w.highSeq - seq >= g.size) continue
        const lo = seq >>> 0
        this.words[base + ((lo >>> 5) & g.mask)]! &= ~(1 << (lo & 31))
      }
      this.highTs[slot] = w.highTimestampMs
    }
  }

  /** Every window as persisted, most recently used first. */
  persisted (): PersistedWindow[] {
    const windows: PersistedWindow[] = new Array(this.count)
    let i = 0
    for (let slot = this.head; slot >= 0; slot = this.next[slot]!) {
      const w: PersistedWindow = {
        sender: this.senders[slot]!,
        channel: this.buckets[slot]!.channel,
        highSeq: this.highs[slot]!,
        highTimestampMs: this.highTs[slot]!,
        floorMs: this.floors[slot]!
      }
      const unseen = this.unseenBelowHigh(slot)
      windows[i++] = unseen === undefined ? w : { ...w, unseen }
    }
    return windows
  }

  /** Never-seen seqs just below the window's high (see `PersistedWindow.unseen`), highest first. */
  private unseenBelowHigh (slot: number): number[] | undefined {
    const g = this.geometry
    const high = this.highs[slot]!
    const base = slot * g.words
    const span = Math.min(PERSISTED_UNSEEN_SPAN, g.size, high + 1)
    let out: number[] | undefined
    for (let d = 1; d < span; d++) {
      const lo = (high - d) >>> 0
      const word = this.words[base + ((lo >>> 5) & g.mask)]!
      // A full word: skip its lower bits too.
      if (word === 0xffff_ffff) {
        d += lo & 31
        continue
      }
      if ((word & (1 << (lo & 31))) === 0) {
        (out ??= []).push(high - d)
        if (out.length === MAX_PERSISTED_UNSEEN) break
      }
    }
    return out
  }

  private grow (): void {
    const cap = Math.min(this.maxWindows, Math.max(INITIAL_CAPACITY, this.capacity * 2))
    const words = new Uint32Array(cap * this.geometry.words)
    words.set(this.words)
    this.words = words
    this.highs = grown(this.highs, new Float64Array(cap))
    this.highTs = grown(this.highTs, new Float64Array(cap))
    this.floors = grown(this.floors, new Float64Array(cap))
    this.prev = grown(this.prev, new Int32Array(cap))
    this.next = grown(this.next, new Int32Array(cap))
    this.capacity = cap
  }

  /** Forgets the window in `slot`, raising the floor to its newest timestamp. */
  private evict (slot: number): void {
    this.raiseFloor(this.highTs[slot]!)
    const bucket = this.buckets[slot]!
    bucket.senders.delete(this.senders[slot]!)
    if (bucket.senders.size === 0) this.index.delete(bucket.channel)
    this.unlink(slot)
  }

  private unlink (slot: number): void {
    const p = this.prev[slot]!
    const n = this.next[slot]!
    if (p >= 0) this.next[p] = n
    else this.head = n
    if (n >= 0) this.prev[n] = p
    else this.tail = p
  }

  private linkHead (slot: number): void {
    this.prev[slot] = -1
    this.next[slot] = this.head
    if (this.head >= 0) this.prev[this.head] = slot
    this.head = slot
    if (this.tail < 0) this.tail = slot
  }

  private touch (slot: number): void {
    if (this.head === slot) return
    this.unlink(slot)
    this.linkHead(slot)
  }
}

/** `to` with `from` copied into its start. */
function grown<T extends Float64Array | Int32Array> (from: T, to: T): T {
  to.set(from)
  return to
}
