import { test } from 'node:test'
import assert from 'node:assert/strict'
import { SLAB_BYTES, SLAB_MAX_REQUEST, allocBytes } from '../../src/alloc.js'

test('allocBytes: zeroed plain Uint8Arrays of the requested size, never overlapping, across slab rollovers', () => {
  const sizes = [1, 7, 8, 63, 64, 65, 420, SLAB_MAX_REQUEST, 1000]
  const views: Uint8Array[] = []
  // Enough requests to fill several slabs.
  for (let i = 0; views.length < 4 * SLAB_BYTES / 100; i++) views.push(allocBytes(sizes[i % sizes.length] as number))
  for (const v of views) {
    assert.equal(v.constructor, Uint8Array)
    assert.ok(v.every((b) => b === 0), 'fresh memory is zeroed')
    v.fill(0xab)
  }
  // Writing 0xab everywhere above and then a marker per view: no view sees another's marker.
  views.forEach((v, i) => { v[0] = i & 0xff; v[v.length - 1] = i & 0xff })
  views.forEach((v, i) => {
    assert.equal(v[0], i & 0xff)
    assert.equal(v[v.length - 1], i & 0xff)
  })
  const bySlab = new Map<ArrayBufferLike, Uint8Array[]>()
  for (const v of views) bySlab.set(v.buffer, [...(bySlab.get(v.buffer) ?? []), v])
  assert.ok(bySlab.size >= 4, 'requests rolled over to new slabs')
  for (const group of bySlab.values()) {
    const sorted = [...group].sort((a, b) => a.byteOffset - b.byteOffset)
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1] as Uint8Array
      assert.ok(prev.byteOffset + prev.length <= (sorted[i] as Uint8Array).byteOffset, 'views are disjoint')
      assert.equal((sorted[i] as Uint8Array).byteOffset % 8, 0, 'views start 8-byte aligned')
    }
  }
})

test('allocBytes: large and empty requests get their own buffer', () => {
  const big = allocBytes(SLAB_MAX_REQUEST + 1)
  assert.equal(big.buffer.byteLength, SLAB_MAX_REQUEST + 1)
  assert.equal(big.byteOffset, 0)
  assert.equal(allocBytes(0).length, 0)
})
