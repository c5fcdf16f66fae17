import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { compactNumber, formatNumber, sizeLabel } from '../../src/format.js'
import { renderTable } from '../../src/bench/table.js'

describe('formatNumber', () => {
  it('writes 3 significant digits with k/M/G suffixes, as the tables always have', () => {
    assert.deepEqual([0.5, 12.5, 150, 999, 1234, 12_345_678, 2.5e9, -3000].map(x => formatNumber(x)),
      ['0.500', '12.5', '150', '999', '1.23k', '12.3M', '2.50G', '-3.00k'])
    assert.equal(formatNumber(NaN), 'n/a')
    assert.equal(formatNumber(Infinity), 'n/a')
  })

  it('rounds before choosing the suffix (999,999 is 1.00M, not 1000k)', () => {
    assert.equal(formatNumber(999_999), '1.00M')
    assert.equal(formatNumber(999.6), '1.00k')
    assert.equal(compactNumber(999_999), '1M')
  })

  it('takes the digits, the first suffixed magnitude and trimming as options', () => {
    assert.equal(formatNumber(1234, { suffixFrom: 1e4, trim: true }), '1230')
    assert.equal(formatNumber(15_000, { suffixFrom: 1e4, trim: true }), '15k')
    assert.equal(formatNumber(1.1, { suffixFrom: Infinity, trim: true }), '1.1')
    assert.equal(formatNumber(12_345, { digits: 4, suffixFrom: Infinity, trim: true }), '12350')
    assert.equal(formatNumber(1e-7, { suffixFrom: Infinity, trim: true }), '1e-7')
  })

  it('keeps the value to its significant digits, whatever the style', () => {
    fc.assert(fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.integer({ min: 2, max: 5 }), fc.boolean(), (x, digits, trim) => {
      const s = formatNumber(x, { digits, trim })
      const m = /^(-?[\d.]+(?:e[-+]\d+)?)([kMG]?)$/.exec(s)
      assert.ok(m !== null, s)
      const scale = ({ '': 1, k: 1e3, M: 1e6, G: 1e9 } as Record<string, number>)[m[2] as string] as number
      const back = Number(m[1]) * scale
      assert.ok(Math.abs(back - x) <= Math.abs(x) * 10 ** (1 - digits) + 1e-12, `${x} -> ${s}`)
    }), { numRuns: 300 })
  })
})

describe('sizeLabel', () => {
  it('names sizes in their largest unit, 1024-based', () => {
    assert.deepEqual([512, 4096, 65_536, 1_048_576].map(n => sizeLabel(n)), ['512 B', '4 KB', '64 KB', '1 MB'])
    assert.deepEqual([512, 65_536, 1_048_576].map(n => sizeLabel(n, true)), ['512 B', '64 KiB', '1 MiB'])
  })
})

describe('renderTable', () => {
  const columns = ['#', 'name', 'rate']
  const rows = [[1, 'protobuf', 1234], [10, 'json | text', 0.5]]

  it('renders Markdown, escaping pipes, and marks right-aligned columns', () => {
    assert.equal(renderTable(columns, rows, 'markdown', new Set([0, 2])),
      '| # | name | rate |\n| ---: | --- | ---: |\n| 1.00 | protobuf | 1.23k |\n| 10.0 | json \\| text | 0.500 |')
  })

  it('aligns text columns, left by default and right where asked', () => {
    assert.equal(renderTable(columns, [['1', 'protobuf', '1.23k'], ['10', 'json', '0.5']], 'text', new Set([0, 2])),
      ' #  name       rate\n--  --------  -----\n 1  protobuf  1.23k\n10  json        0.5')
    assert.equal(renderTable(['a', 'b'], [['x', 'long value']], 'text'), 'a  b\n-  ----------\nx  long value')
  })
})
