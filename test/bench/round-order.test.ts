import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRoundOrder } from '../../src/bench/round-order.js'

describe('createRoundOrder', () => {
  it('gives permutations, reproducible per group id, different across ids', () => {
    const a = createRoundOrder(5, 'group-a')
    const b = createRoundOrder(5, 'group-a')
    const c = createRoundOrder(5, 'group-b')
    const rounds = Array.from({ length: 50 }, () => a())
    for (const order of rounds) assert.deepEqual([...order].sort(), [0, 1, 2, 3, 4])
    assert.deepEqual(Array.from({ length: 50 }, () => b()), rounds)
    assert.notDeepEqual(Array.from({ length: 50 }, () => c()), rounds)
  })

  it('every case follows every other case, unlike a rotation (the bias it removes)', () => {
    const m = 4
    const next = createRoundOrder(m, 'compressors/gzip-512')
    const follows = Array.from({ length: m }, () => new Array<number>(m).fill(0))
    let previous = -1
    for (let r = 0; r < 400; r++) {
      for (const i of next()) {
        const row = follows[i] as number[]
        if (previous >= 0) row[previous] = (row[previous] as number) + 1
        previous = i
      }
    }
    // Each case ran 400 times; each of its 3 possible predecessors got a fair share (a rotation gives one of them all 400).
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        if (i !== j) assert.ok((follows[i] as number[])[j] as number > 80, `case ${i} after ${j}: ${(follows[i] as number[])[j]}`)
      }
    }
  })
})
