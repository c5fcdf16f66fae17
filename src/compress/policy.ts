/**
 * Size-aware compression policy: which codec a payload travels with.
 *
 * Rules, in order:
 * 1. a forced codec (init `force`) skips rules 2-3;
 * 2. payloads under `minBytes` travel raw (`none`): below 1 KiB even snappy
 *    gains under 10% on real data (ratio 1.06-1.08 at 512 B of transaction
 *    JSON, bench/results/report.md "Compressors");
 * 3. a single message takes the first codec of `single` the peer accepts
 *    (snappy first: ~1 GB/s, cheap for latency-bound gossip), a batch the
 *    first of `batch` (zstd first, ratio 3.5-3.6 on 64 KB-1 MB in the same
 *    report; gzip when the peer lacks zstd);
 * 4. the result is kept only if it saves at least `minSavings` of the input,
 *    else the raw bytes go out.
 * The output is never longer than the input: the envelope carries the codec
 * id, so `none` costs no payload bytes.
 *
 * @module
 */
import { InvalidConfigError } from '../errors.js'
import { checkNonNegativeInt } from '../options/checks.js'
import { DEFAULT_BATCH_CODECS, DEFAULT_COMPRESSION_MIN_BYTES, DEFAULT_COMPRESSION_MIN_SAVINGS, DEFAULT_SINGLE_CODECS } from '../limits.js'
import { compressionName, defaultCompressors, type CompressorSet } from './registry.js'
import { CompressionId, type CompressionName, type Compressor } from './types.js'

export { DEFAULT_BATCH_CODECS, DEFAULT_SINGLE_CODECS }

/** Options of {@link createCompressionPolicy}. */
export interface CompressionPolicyInit {
  /**
   * Payloads shorter than this many bytes are never compressed.
   * @default DEFAULT_COMPRESSION_MIN_BYTES (1024)
   */
  minBytes?: number
  /**
   * Smallest fraction of the input compression must save, in [0, 1); below
   * it the raw bytes are sent.
   * @default DEFAULT_COMPRESSION_MIN_SAVINGS (0.05)
   */
  minSavings?: number
  /**
   * Codecs for a single message, most preferred first; the first one the
   * peer accepts is used.
   * @default DEFAULT_SINGLE_CODECS (snappy, zstd, gzip)
   */
  single?: readonly CompressionName[]
  /**
   * Codecs for a batch, most preferred first.
   * @default DEFAULT_BATCH_CODECS (zstd, gzip, snappy)
   */
  batch?: readonly CompressionName[]
  /**
   * Always use this codec, whatever the size and savings (`none` disables
   * compression). The output still never grows: when the forced codec would
   * expand the payload, or the peer does not accept it, the raw bytes go out.
   * @default undefined (size-aware choice)
   */
  force?: CompressionName
  /**
   * The compressor per format (backends and levels).
   * @default defaultCompressors (fastest available backends)
   */
  compressors?: CompressorSet
}

/** What one payload is being sent as. */
export interface CompressOptions {
  /**
   * The payload is a batch of messages (favours ratio over speed).
   * @default false
   */
  batch?: boolean
  /**
   * Compression wire ids the peer accepts; `none` (0) is always acceptable.
   * @default every built-in id
   */
  peerAccepts?: ReadonlySet<number>
}

/** The outcome: the codec (its `id` goes on the wire) and the bytes to send. */
export interface CompressionChoice {
  readonly compressor: Compressor
  /** The compressed bytes, or the input itself (same object, no copy) for `none`. */
  readonly bytes: Uint8Array
}

/** A configured policy. */
export interface CompressionPolicy {
  readonly minBytes: number
  readonly minSavings: number
  /** The codec rules 1-3 pick for a payload of `size` bytes (before the savings check). */
  choose(size: number, options?: CompressOptions): Compressor
  /** Compresses `payload` with the chosen codec, falling back to `none` when it saves too little. */
  compress(payload: Uint8Array, options?: CompressOptions): CompressionChoice
}

function codecList (option: string, list: readonly CompressionName[] | undefined, fallback: readonly CompressionName[]): readonly CompressionName[] {
  if (list === undefined) return fallback
  if (!Array.isArray(list) || list.length === 0) throw new InvalidConfigError(option, 'a non-empty list of compression names')
  return Object.freeze(list.map((n) => {
    try {
      return compressionName(n)
    } catch {
      throw new InvalidConfigError(option, `compression names (none, snappy, gzip, zstd), got ${JSON.stringify(n)}`)
    }
  }))
}

/** Whether a peer that accepts `accepts` (every id when undefined) can read `name`; `none` always. */
function acceptable (name: CompressionName, accepts: ReadonlySet<number> | undefined): boolean {
  return name === 'none' || accepts === undefined || accepts.has(CompressionId[name])
}

/** Builds a {@link CompressionPolicy}; invalid options throw {@link InvalidConfigError}. */
export function createCompressionPolicy (init: CompressionPolicyInit = {}): CompressionPolicy {
  const minBytes = checkNonNegativeInt('minBytes', init.minBytes ?? DEFAULT_COMPRESSION_MIN_BYTES)
  const minSavings = init.minSavings ?? DEFAULT_COMPRESSION_MIN_SAVINGS
  if (!(minSavings >= 0 && minSavings < 1)) throw new InvalidConfigError('minSavings', `a fraction in [0, 1), got ${String(init.minSavings)}`)
  const single = codecList('single', init.single, DEFAULT_SINGLE_CODECS)
  const batch = codecList('batch', init.batch, DEFAULT_BATCH_CODECS)
  const force = init.force === undefined ? undefined : codecList('force', [init.force], [])[0]
  const set = init.compressors ?? defaultCompressors

  // No closures or option objects on this path: it runs for every sealed message.
  function choose (size: number, options?: CompressOptions): Compressor {
    const accepts = options?.peerAccepts
    if (force !== undefined) return acceptable(force, accepts) ? set.get(force) : set.none
    if (size < minBytes) return set.none
    for (const name of options?.batch === true ? batch : single) {
      if (acceptable(name, accepts)) return set.get(name)
    }
    return set.none
  }

  function compress (payload: Uint8Array, options?: CompressOptions): CompressionChoice {
    const compressor = choose(payload.length, options)
    if (compressor.id === CompressionId.none) return { compressor, bytes: payload }
    const bytes = compressor.compress(payload)
    // Forced codecs skip the savings rule but never expand the payload.
    const budget = force !== undefined ? payload.length : Math.floor(payload.length * (1 - minSavings))
    if (bytes.length > budget || bytes.length > payload.length) return { compressor: set.none, bytes: payload }
    return { compressor, bytes }
  }

  return Object.freeze({ minBytes, minSavings, choose, compress })
}
