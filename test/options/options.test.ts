import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { InvalidConfigError } from '../../src/errors.js'
import {
  checkInt, checkNonNegativeInt, checkPositive, checkPositiveInt, describeValue, formatDuration, formatSize, intExpectation, isIntInRange
} from '../../src/options/index.js'

function refused (fn: () => unknown, option: string, expected: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof InvalidConfigError, String(err))
    assert.equal(err.details.option, option)
    assert.match(err.details.expected, expected)
    return true
  })
}

describe('option checks', () => {
  it('integers in a range: both bounds inclusive, safe integers only', () => {
    assert.equal(checkInt('n', 1, 1, 9), 1)
    assert.equal(checkInt('n', 9, 1, 9), 9)
    assert.equal(checkInt('n', -5, -5, 0), -5)
    for (const bad of [0, 10, 1.5, Number.NaN, Infinity, '3', null, undefined, 2 ** 53]) {
      refused(() => checkInt('n', bad, 1, 9), 'n', /^an integer in 1\.\.9, got /)
    }
    assert.equal(isIntInRange(2 ** 53 - 1, 0), true)
    assert.equal(isIntInRange(2 ** 53, 0), false)
    assert.equal(isIntInRange('1', 0), false)
  })

  it('positive and non-negative integers', () => {
    assert.equal(checkPositiveInt('a', 1), 1)
    refused(() => checkPositiveInt('a', 0), 'a', /^a positive integer, got 0$/)
    refused(() => checkPositiveInt('a', 5, 4), 'a', /^an integer in 1\.\.4, got 5$/)
    assert.equal(checkNonNegativeInt('b', 0), 0)
    refused(() => checkNonNegativeInt('b', -1), 'b', /^a non-negative integer, got -1$/)
    assert.equal(intExpectation(2), 'an integer >= 2')
  })

  it('positive numbers admit Infinity, not 0, NaN or non-numbers', () => {
    assert.equal(checkPositive('ms', 0.5), 0.5)
    assert.equal(checkPositive('ms', Infinity), Infinity)
    for (const bad of [0, -1, Number.NaN, '5', null]) refused(() => checkPositive('ms', bad), 'ms', /^a positive number, got /)
  })

  it('values in messages: numbers as written, strings quoted and cut, others by kind', () => {
    assert.equal(describeValue(-1.5), '-1.5')
    assert.equal(describeValue('eight'), '"eight"')
    assert.equal(describeValue('x'.repeat(50)), JSON.stringify(`${'x'.repeat(40)}...`))
    assert.equal(describeValue(null), 'null')
    assert.equal(describeValue(undefined), 'undefined')
    assert.equal(describeValue(new Uint8Array(1)), 'Uint8Array')
    assert.equal(describeValue(Object.create(null)), 'object')
  })
})

describe('option formatting', () => {
  it('durations in the largest exact unit', () => {
    assert.deepEqual([0, 1, 500, 1000, 1500, 60_000, 90_000, 3_600_000, 86_400_000, 7 * 86_400_000, 86_400_001].map(formatDuration),
      ['0ms', '1ms', '500ms', '1s', '1500ms', '1m', '90s', '1h', '1d', '7d', '86400001ms'])
  })

  it('sizes in the largest exact binary unit', () => {
    assert.deepEqual([0, 1, 1000, 1024, 1536, 4 * 1024 ** 2, 1024 ** 3, 3 * 1024 ** 4].map(formatSize),
      ['0B', '1B', '1000B', '1KiB', '1536B', '4MiB', '1GiB', '3072GiB'])
  })
})
