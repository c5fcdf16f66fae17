/**
 * Every backend of every format, how to look one up by name or wire id, and
 * sets of one compressor per format (the fastest available by default:
 * native > node:zlib > portable; every backend of a format reads every other
 * one's output).
 *
 * @module
 */
import { CodecUnavailableError, InvalidConfigError, UnknownCodecError } from '../errors.js'
import { gzipFflate } from './gzip-fflate.js'
import { gzipZlib } from './gzip-zlib.js'
import { none } from './none.js'
import { snappyJs } from './snappy-js.js'
import { snappyNapi, snappyNapiUnavailable } from './snappy-napi.js'
import { CompressionId, type CompressionName, type Compressor } from './types.js'
import { zstdNapi, zstdNapiUnavailable } from './zstd-napi.js'
import { zstdWasm } from './zstd-wasm.js'

/** Where a backend's code runs: a native addon, Node's bundled zlib, or portable JavaScript/wasm. */
export type BackendKind = 'native' | 'node' | 'portable'

/** One backend of one format. */
export interface BackendInfo {
  /** Format name. */
  readonly name: CompressionName
  /** Wire id of the format. */
  readonly id: number
  /** Backend name, as in {@link Compressor.backend}. */
  readonly backend: string
  /** Where its code runs. */
  readonly kind: BackendKind
  /** The compressor at its default level, or `undefined` when the backend could not be loaded. */
  readonly compressor: Compressor | undefined
  /** Why it could not be loaded, or `undefined` when it loaded. */
  readonly unavailable: string | undefined
}

function info (name: CompressionName, backend: string, kind: BackendKind, compressor: Compressor | undefined, unavailable?: string): BackendInfo {
  return Object.freeze({ name, id: CompressionId[name], backend, kind, compressor, unavailable: compressor === undefined ? unavailable ?? 'not loaded' : undefined })
}

/**
 * All backends, fastest first within each format: native 2-8x portable on
 * 64 KB of transaction JSON (bench/results/report.md "Compressors": snappy
 * 516 vs 76 MB/s compress, gzip 492 vs 61 MB/s decompress, zstd 463 vs 216 MB/s compress).
 */
const BACKENDS: readonly BackendInfo[] = Object.freeze([
  info('none', 'none', 'portable', none),
  info('snappy', 'snappy-napi', 'native', snappyNapi, snappyNapiUnavailable),
  info('snappy', 'snappyjs', 'portable', snappyJs),
  info('gzip', 'node-zlib', 'node', gzipZlib),
  info('gzip', 'fflate', 'portable', gzipFflate),
  info('zstd', 'zstd-napi', 'native', zstdNapi, zstdNapiUnavailable),
  info('zstd', 'zstd-wasm', 'portable', zstdWasm)
])

const NAMES: readonly CompressionName[] = ['none', 'snappy', 'gzip', 'zstd']

/** The format name for a name or wire id; {@link UnknownCodecError} when there is none. */
export function compressionName (nameOrId: string | number): CompressionName {
  if (typeof nameOrId === 'number') {
    const name = NAMES.find((n) => CompressionId[n] === nameOrId)
    if (name !== undefined) return name
  } else if ((NAMES as readonly string[]).includes(nameOrId)) {
    return nameOrId as CompressionName
  }
  throw new UnknownCodecError('compression', nameOrId)
}

/**
 * Lists the backends of one format (by name or wire id), or of all formats,
 * fastest first, including those that failed to load (with the reason).
 */
export function listBackends (nameOrId?: string | number): readonly BackendInfo[] {
  if (nameOrId === undefined) return BACKENDS
  const name = compressionName(nameOrId)
  return BACKENDS.filter((b) => b.name === name)
}

/**
 * The compressor of a format, by name or wire id, on the given backend or
 * else the fastest one available. Throws {@link UnknownCodecError} for an
 * unknown format or backend and {@link CodecUnavailableError} for a backend
 * that is known but could not be loaded here.
 */
export function getCompressor (nameOrId: string | number, backend?: string): Compressor {
  const candidates = listBackends(nameOrId)
  if (backend === undefined) {
    const first = candidates.find((b) => b.compressor !== undefined)
    if (first?.compressor !== undefined) return first.compressor
    // Unreachable with the built-ins: every format has a portable backend.
    throw new CodecUnavailableError(String(nameOrId), 'no backend could be loaded')
  }
  const chosen = candidates.find((b) => b.backend === backend)
  if (chosen === undefined) throw new UnknownCodecError('compression', `${String(nameOrId)}/${backend}`)
  if (chosen.compressor === undefined) throw new CodecUnavailableError(`${chosen.name}/${backend}`, chosen.unavailable ?? 'not loaded')
  return chosen.compressor
}

/**
 * Options of {@link createCompressorSet}: for each format, a backend name
 * or a ready compressor (e.g. `createGzipZlib({ level: 1 })`).
 */
export interface CompressorSetInit {
  /**
   * Snappy backend (`snappy-napi` or `snappyjs`) or compressor.
   * @default the fastest available
   */
  snappy?: string | Compressor
  /**
   * gzip backend (`node-zlib` or `fflate`) or compressor.
   * @default the fastest available
   */
  gzip?: string | Compressor
  /**
   * zstd backend (`zstd-napi` or `zstd-wasm`) or compressor.
   * @default the fastest available
   */
  zstd?: string | Compressor
}

/** One compressor per format, frozen. */
export interface CompressorSet {
  readonly none: Compressor
  readonly snappy: Compressor
  readonly gzip: Compressor
  readonly zstd: Compressor
  /** The compressor for a name or wire id; {@link UnknownCodecError} otherwise. */
  get(nameOrId: string | number): Compressor
}

function pick (name: CompressionName, choice: string | Compressor | undefined): Compressor {
  if (typeof choice === 'object') {
    if (choice.id !== CompressionId[name] || choice.name !== name) throw new InvalidConfigError(name, `a ${name} compressor, got ${choice.name}/${choice.backend}`)
    return choice
  }
  return getCompressor(name, choice)
}

/** Builds a {@link CompressorSet}; unknown or unavailable backends throw at once, not on first use. */
export function createCompressorSet (init: CompressorSetInit = {}): CompressorSet {
  const byName: Readonly<Record<CompressionName, Compressor>> = {
    none,
    snappy: pick('snappy', init.snappy),
    gzip: pick('gzip', init.gzip),
    zstd: pick('zstd', init.zstd)
  }
  return Object.freeze({
    ...byName,
    get (nameOrId: string | number): Compressor {
      return byName[compressionName(nameOrId)]
    }
  })
}

/** The fastest available backend of every format at default levels. */
export const defaultCompressors: CompressorSet = createCompressorSet()
