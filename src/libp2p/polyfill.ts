/**
 * Node 20 support for js-libp2p 3: installs `Promise.withResolvers`
 * (ES2024, native from Node 22 / V8 12.2) when it is missing.
 *
 * A side-effect module: every wireseal module that imports a libp2p package
 * imports this one FIRST, so the polyfill is in place before libp2p's code
 * runs (libp2p and @libp2p/utils call `Promise.withResolvers()` at runtime).
 * It only adds the method when absent and never replaces a native one.
 *
 * @module
 */

/** The object `Promise.withResolvers()` returns (ES2024 27.2.4.8). */
export interface PromiseWithResolvers<T> {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

/**
 * Spec behaviour of `Promise.withResolvers` (ES2024 27.2.4.8): a new promise
 * plus the resolve and reject functions of its executor.
 */
export function withResolvers<T> (this: unknown): PromiseWithResolvers<T> {
  // Honour subclassing like the native method: `this` is the constructor.
  const Ctor = (typeof this === 'function' ? this : Promise) as PromiseConstructor
  let resolve!: (value: T | PromiseLike<T>) => void
  let reject!: (reason?: unknown) => void
  const promise = new Ctor<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

/** True when this module had to install the polyfill (false on Node 22+). */
export const installed: boolean = installWithResolvers()

function installWithResolvers (): boolean {
  const P = Promise as unknown as { withResolvers?: unknown }
  if (typeof P.withResolvers === 'function') return false
  // Same property attributes as the other built-in static methods.
  Object.defineProperty(Promise, 'withResolvers', {
    value: withResolvers,
    writable: true,
    enumerable: false,
    configurable: true
  })
  return true
}
