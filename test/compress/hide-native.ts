/**
 * Preload (`node --import tsx --import ./test/compress/hide-native.ts ...`)
 * that makes the optional native packages unresolvable, as on a machine where
 * npm skipped them, without uninstalling anything.
 */
import Module from 'node:module'

const hidden = new Set(['snappy', 'zstd-napi/binding'])
const loader = Module as unknown as { _resolveFilename: (this: unknown, request: string, ...rest: unknown[]) => string }
const resolve = loader._resolveFilename
loader._resolveFilename = function (request: string, ...rest: unknown[]): string {
  if (hidden.has(request)) throw Object.assign(new Error(`Cannot find module '${request}' (hidden by hide-native.ts)`), { code: 'MODULE_NOT_FOUND' })
  return resolve.call(this, request, ...rest)
}
