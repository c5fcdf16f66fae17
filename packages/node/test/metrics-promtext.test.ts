/**
 * The Prometheus text parser and histogram_quantile: fixed vectors from the
 * exposition-format spec, a cross-check against prom-client's own writer
 * (round trip of arbitrary label values and numbers), table-driven
 * malformed inputs (typed errors, never a crash), limits, and quantiles
 * checked against PromQL's algorithm on hand-computed cases.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { MalformedInputError } from 'wireseal/errors'
import { histogramBuckets, histogramQuantile, parsePromText, selectSamples, sumSamples } from '../src/metrics/index.js'

describe('parsePromText', () => {
  it('reads the exposition-format example', () => {
    const text = [
      '# HELP http_requests_total The total number of HTTP requests.',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="post",code="200"} 1027 1395066363000',
      'http_requests_total{method="post",code="400"}    3 1395066363000',
      '',
      '# Escaping in label values:',
      'msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9',
      'metric_without_timestamp_and_labels 12.47',
      'something_weird{problem="division by zero"} +Inf -3982045',
      '# HELP a_help with \\\\ backslash and \\n newline',
      'a_nan NaN',
      'trailing_comma{a="1",} -0.5\r'
    ].join('\n')
    const page = parsePromText(text)
    assert.equal(page.types.get('http_requests_total'), 'counter')
    assert.equal(page.help.get('http_requests_total'), 'The total number of HTTP requests.')
    assert.equal(page.help.get('a_help'), 'with \\ backslash and \n newline')
    assert.equal(sumSamples(page, 'http_requests_total'), 1030)
    assert.deepEqual({ ...selectSamples(page, 'http_requests_total', { code: '400' })[0] }, {
      name: 'http_requests_total', labels: selectSamples(page, 'http_requests_total', { code: '400' })[0]?.labels, value: 3, timestampMs: 1395066363000
    })
    const dos = selectSamples(page, 'msdos_file_access_time_seconds')[0]
    assert.equal(dos?.labels.path, 'C:\\DIR\\FILE.TXT')
    assert.equal(dos?.labels.error, 'Cannot find file:\n"FILE.TXT"')
    assert.equal(dos?.value, 1.458255915e9)
    assert.equal(sumSamples(page, 'metric_without_timestamp_and_labels'), 12.47)
    assert.equal(selectSamples(page, 'something_weird')[0]?.value, Infinity)
    assert.equal(selectSamples(page, 'something_weird')[0]?.timestampMs, -3982045)
    assert.ok(Number.isNaN(selectSamples(page, 'a_nan')[0]?.value))
    assert.equal(sumSamples(page, 'trailing_comma', { a: '1' }), -0.5)
    assert.equal(sumSamples(page, 'absent'), undefined)
  })

  it('keeps a label named __proto__ as data', () => {
    const page = parsePromText('m{__proto__="x",constructor="y"} 1\n')
    const s = page.samples[0]
    assert.equal(s?.labels.__proto__, 'x')
    assert.equal(s?.labels.constructor, 'y')
    assert.equal(Object.getPrototypeOf(s?.labels), null)
    assert.equal(sumSamples(page, 'm', JSON.parse('{"__proto__":"x"}') as Record<string, string>), 1)
  })

  it('reads back what prom-client writes, for any label value and number (property)', async () => {
    // Label values of arbitrary unicode, including quotes, backslashes and newlines.
    const labelValue = fc.string({ unit: 'grapheme', maxLength: 20 })
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.tuple(labelValue, fc.double({ noNaN: true, min: -1e12, max: 1e12 }).map((x) => x === 0 ? 0 : x) /* -0 is written as 0 */), { maxLength: 8, selector: (t) => t[0] }),
      fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { maxLength: 20 }),
      async (series, observations) => {
        const registry = new Registry()
        const g = new Gauge({ name: 'g', help: 'a "help" with \\ and\nnewline', labelNames: ['v'], registers: [registry] })
        for (const [v, n] of series) g.set({ v }, n)
        const c = new Counter({ name: 'c_total', help: 'c', registers: [registry] })
        c.inc(observations.length)
        const h = new Histogram({ name: 'h', help: 'h', buckets: [0.5, 1, 5], labelNames: ['k'], registers: [registry] })
        for (const o of observations) h.observe({ k: 'x' }, o)
        const page = parsePromText(await registry.metrics())
        assert.equal(page.help.get('g'), 'a "help" with \\ and\nnewline')
        for (const [v, n] of series) assert.equal(sumSamples(page, 'g', { v }), n)
        assert.equal(selectSamples(page, 'g').length, series.length)
        assert.equal(sumSamples(page, 'c_total'), observations.length)
        assert.equal(page.types.get('h'), 'histogram')
        if (observations.length > 0) {
          assert.equal(sumSamples(page, 'h_count', { k: 'x' }), observations.length)
          assert.equal(sumSamples(page, 'h_bucket', { k: 'x', le: '+Inf' }), observations.length)
          assert.equal(sumSamples(page, 'h_bucket', { k: 'x', le: '1' }), observations.filter((o) => o <= 1).length)
        }
      }), { numRuns: 150 })
  })

  it('refuses malformed lines with MalformedInputError naming the line', () => {
    const cases: Array<[string, RegExp]> = [
      ['1metric 1', /line 1: bad metric name/],
      ['ok 1\nm{a="1" 2', /line 2: expected , or }/],
      ['m{a="1"', /expected , or }/],
      ['m{a=1} 1', /expected " to open/],
      ['m{a"1"} 1', /expected = after label a/],
      ['m{="1"} 1', /bad label name/],
      ['m{a="1\\x"} 1', /bad escape/],
      ['m{a="unterminated} 1\nnext 2', /unterminated value/],
      ['m{a="1",a="2"} 1', /duplicate label a/],
      ['m', /expected a value/],
      ['m 1 2 3', /expected a value and an optional timestamp/],
      ['m one', /bad value "one"/],
      ['m 0x10', /bad value/],
      ['m 1 1.5', /bad timestamp/],
      ['m{a="1"}1', /expected a space/],
      ['# TYPE m countr', /bad type/]
    ]
    for (const [text, reason] of cases) {
      assert.throws(() => parsePromText(text), (err: unknown) => err instanceof MalformedInputError && err.details.format === 'prometheus-text' && reason.test(err.details.reason), text)
    }
    // Plain comments and blank lines are fine.
    assert.equal(parsePromText('# just a comment\n\n   \n#\n').samples.length, 0)
  })

  it('applies its limits before doing the work', () => {
    assert.throws(() => parsePromText('m 1\n'.repeat(11), { maxSamples: 10 }), /more than 10 samples/)
    assert.throws(() => parsePromText('x'.repeat(101), { maxChars: 100 }), /longer than 100 characters/)
    assert.throws(() => parsePromText(`m{${Array.from({ length: 5 }, (_, i) => `l${i}="v"`).join(',')}} 1`, { maxLabels: 4 }), /more than 4 labels/)
  })

  it('throws only MalformedInputError on arbitrary input (property)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parsePromText(text)
      } catch (err) {
        assert.ok(err instanceof MalformedInputError, String(err))
      }
    }), { numRuns: 1000 })
  })
})

describe('histogramQuantile', () => {
  const b = (pairs: Array<[number, number]>): Array<{ le: number, count: number }> => pairs.map(([le, count]) => ({ le, count }))

  it('interpolates inside the bucket holding the rank (PromQL bucketQuantile)', () => {
    const buckets = b([[0.1, 50], [0.5, 90], [1, 100], [Infinity, 100]])
    assert.equal(histogramQuantile(0.5, buckets), 0.1) // rank 50 = top of the first bucket
    assert.ok(Math.abs(histogramQuantile(0.7, buckets) - 0.3) < 1e-12) // 0.1 + 0.4 * 20/40
    assert.ok(Math.abs(histogramQuantile(0.99, buckets) - 0.95) < 1e-12) // 0.5 + 0.5 * 9/10
    assert.equal(histogramQuantile(0.25, buckets), 0.05) // first bucket starts at 0
  })

  it('answers the highest finite bound when the rank is in +Inf, NaN without data, and any bucket order', () => {
    assert.equal(histogramQuantile(0.99, b([[Infinity, 10], [1, 5], [0.5, 1]])), 1)
    assert.ok(Number.isNaN(histogramQuantile(0.5, b([[1, 0], [Infinity, 0]]))))
    assert.ok(Number.isNaN(histogramQuantile(0.5, b([[1, 3]]))), 'no +Inf bucket')
    assert.ok(Number.isNaN(histogramQuantile(0.5, [])))
    assert.ok(Number.isNaN(histogramQuantile(NaN, b([[1, 1], [Infinity, 1]]))))
    assert.equal(histogramQuantile(-1, b([[1, 1], [Infinity, 1]])), -Infinity)
    assert.equal(histogramQuantile(2, b([[1, 1], [Infinity, 1]])), Infinity)
    // counts that decrease (a scrape mid-update) are treated as non-decreasing
    assert.equal(histogramQuantile(1, b([[1, 5], [2, 4], [Infinity, 5]])), 1)
  })

  it('is monotonic in q and stays within the bucket bounds (property)', () => {
    fc.assert(fc.property(
      fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 10 }),
      fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
      (increments, q1, q2) => {
        let count = 0
        const buckets = increments.map((inc, i) => ({ le: (i + 1) * 0.5, count: (count += inc) }))
        buckets.push({ le: Infinity, count })
        const [lo, hi] = q1 <= q2 ? [q1, q2] : [q2, q1]
        const a = histogramQuantile(lo, buckets)
        const z = histogramQuantile(hi, buckets)
        if (count === 0) { assert.ok(Number.isNaN(a)); return }
        assert.ok(a <= z + 1e-9, `${a} <= ${z}`)
        assert.ok(a >= 0 && z <= increments.length * 0.5)
      }), { numRuns: 500 })
  })

  it('sums the buckets of a parsed histogram across labels', async () => {
    const registry = new Registry()
    const h = new Histogram({ name: 'p2p_message_processing_seconds', help: 'h', labelNames: ['protocol'], buckets: [0.001, 0.01, 1], registers: [registry] })
    for (let i = 0; i < 98; i++) h.observe({ protocol: 'sync' }, 0.0005)
    h.observe({ protocol: 'gossip-block' }, 0.5)
    h.observe({ protocol: 'gossip-block' }, 0.5)
    const page = parsePromText(await registry.metrics())
    const all = histogramBuckets(page, 'p2p_message_processing_seconds')
    assert.deepEqual(all.find((x) => x.le === Infinity), { le: Infinity, count: 100 })
    assert.ok(histogramQuantile(0.5, all) < 0.001)
    assert.ok(histogramQuantile(0.99, all) > 0.01)
    assert.equal(histogramBuckets(page, 'p2p_message_processing_seconds', { protocol: 'gossip-block' }).find((x) => x.le === 0.01)?.count, 0)
  })
})
