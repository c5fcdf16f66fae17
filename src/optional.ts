/**
 * Loader for optional native packages (`snappy`, `zstd-napi`). They are
 * `optionalDependencies`: npm may have skipped them (no prebuilt binary, no
 * compiler), so they are loaded with `createRequire` inside try/catch and the
 * package keeps working on its portable backends when they are absent.
 *
 * @module
 */
import { createRequire } from 'node:module'

/** Outcome of loading an optional package: the module, or why it is missing. */
export type Optional<T> =
  | { readonly loaded: true, readonly module: T }
  | { readonly loaded: false, readonly reason: string }

const require = createRequire(import.meta.url)

/**
 * Loads a CommonJS package by specifier. Never throws: a missing package or a
 * binary that fails to load (wrong ABI, missing libc) yields `{ loaded: false }`.
 * `check` validates the shape of what was loaded.
 */
export function loadOptional<T> (specifier: string, check: (mod: unknown) => mod is T): Optional<T> {
  try {
    const mod: unknown = require(specifier)
    if (check(mod)) return { loaded: true, module: mod }
    return { loaded: false, reason: `${specifier} does not have the expected API` }
  } catch (err) {
    return { loaded: false, reason: `${specifier} not installed or failed to load: ${err instanceof Error ? err.message : String(err)}` }
  }
}
