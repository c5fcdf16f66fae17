/**
 * The Node 20 polyfill of `Promise.withResolvers` (ES2024 27.2.4.8) that every
 * wireseal module importing libp2p loads first.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { installed, withResolvers } from '../../src/libp2p/polyfill.js'

describe('Promise.withResolvers polyfill', () => {
  it('is present after import, and installed only where the runtime lacks it', () => {
    const P = Promise as unknown as { withResolvers?: unknown }
    assert.equal(typeof P.withResolvers, 'function')
    const major = Number(process.versions.node.split('.')[0])
    if (major >= 22) assert.equal(installed, false)
    if (installed) {
      assert.equal(P.withResolvers, withResolvers)
      const desc = Object.getOwnPropertyDescriptor(Promise, 'withResolvers')
      assert.deepEqual({ writable: desc?.writable, enumerable: desc?.enumerable, configurable: desc?.configurable }, { writable: true, enumerable: false, configurable: true })
    }
  })

  it('resolves and rejects through the returned functions', async () => {
    const a = withResolvers<number>()
    a.resolve(42)
    assert.equal(await a.promise, 42)
    const b = withResolvers<number>()
    b.reject(new RangeError('no'))
    await assert.rejects(b.promise, RangeError)
    const c = withResolvers<number>()
    c.resolve(1)
    c.resolve(2) // settled once
    assert.equal(await c.promise, 1)
  })

  it('builds instances of the subclass it is called on, like the native method', async () => {
    class Tagged<T> extends Promise<T> {}
    const r = withResolvers.call(Tagged) as { promise: Promise<string>, resolve: (v: string) => void }
    assert.ok(r.promise instanceof Tagged, 'a Tagged promise')
    r.resolve('x')
    assert.equal(await r.promise, 'x')
  })
})
