import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { Packr } from 'msgpackr'
import { createSettings, type GroupResult, type Target } from '../../bench/harness.js'
import { renderMarkdown } from '../../bench/report.js'
import { runSuites, type SuiteResult } from '../../bench/runner.js'
import { SUITES } from '../../bench/suites.js'
import {
  ORDINARY_CASE, WORST_CASE_COMPRESSIONS, WORST_CASE_MAX_RATIO, WORST_CASE_SIZES, craftedCaseName, worstCaseSuite
} from '../../bench/worst-case.js'
import { CRAFTED_PAYLOADS, WORST_CASE_SERIALIZERS, ordinaryPayload } from '../../bench/worst-case-payloads.js'
import { BlockType, defaultSerializerRegistry, flatbuffersBlock, type Block, type Serializer } from '../../src/serialize/index.js'

const ALL_CRAFTED = WORST_CASE_SERIALIZERS.flatMap(s => CRAFTED_PAYLOADS[s].map(p => ({ serializer: s, p })))

describe('worst-case payloads', () => {
  it('every crafted payload is exactly the size asked for (Cap\'n Proto sizes are whole 8-byte words)', () => {
    fc.assert(fc.property(fc.constantFrom(...ALL_CRAFTED), fc.integer({ min: 0, max: 5000 }), ({ serializer, p }, extra) => {
      const size = serializer === 'capnp' ? (Math.max(p.minSize, 1024) + extra) & ~7 : p.minSize + extra
      assert.equal(p.build(size).length, size, p.id)
    }), { numRuns: 300, seed: 9 })
  })

  it('crafted payloads are well-formed in their wire format (the decoder has to parse them)', () => {
    const packr = new Packr({ useRecords: false, mapsAsObjects: true })
    for (const size of [255, 4096]) {
      for (const p of CRAFTED_PAYLOADS.json) assert.doesNotThrow(() => JSON.parse(new TextDecoder().decode(p.build(size))), p.id)
      for (const p of CRAFTED_PAYLOADS.msgpack) assert.equal(typeof packr.unpack(p.build(size)), 'object', p.id)
      // msgpack-structured: version header 0x0001, record 0 (0x40), then six values that msgpack reads one by one.
      for (const p of CRAFTED_PAYLOADS.msgpackStructured) {
        const b = p.build(size)
        assert.deepEqual([...b.subarray(0, 3)], [0x00, 0x01, 0x40], p.id)
        assert.equal(packr.unpackMultiple(b.subarray(3))?.length, 6, p.id)
      }
      // A shared-vectors FlatBuffer is a valid Block whose three byte fields are one region.
      const shared = flatbuffersBlock.decode(CRAFTED_PAYLOADS.flatbuffers[0]!.build(size))
      assert.equal(shared.data.length, size - 56)
      assert.equal(shared.hash.buffer, shared.signature.buffer)
      assert.equal(flatbuffersBlock.decode(CRAFTED_PAYLOADS.flatbuffers[1]!.build(size)).data.length, 1)
    }
  })

  it('protobuf crafted payloads are valid proto3 that the bounded decoder refuses at the 17th repeat of a field', () => {
    const protobuf = defaultSerializerRegistry.get(BlockType.id, 'protobuf') as Serializer<Block>
    for (const size of [1000, 1001]) {
      for (const p of CRAFTED_PAYLOADS.protobuf) {
        assert.throws(() => protobuf.decode(p.build(size)), (err: Error & { details?: { quantity?: string, limit?: number } }) =>
          err.name === 'SizeLimitError' && err.details?.quantity === 'field' && err.details.limit === 16, p.id)
      }
    }
  })

  it('the ordinary Block encodes to the size asked for (JSON, FlatBuffers and Cap\'n Proto a few bytes short: base64, alignment and word steps)', () => {
    const slack: Record<string, number> = { json: 3, flatbuffers: 7, capnp: 7 }
    for (const name of WORST_CASE_SERIALIZERS) {
      const s = defaultSerializerRegistry.get(BlockType.id, name) as Serializer<Block>
      for (const size of [8192, 65_536, 65_537]) {
        const { block, bytes } = ordinaryPayload(s, size)
        assert.ok(bytes.length <= size && bytes.length >= size - (slack[name] ?? 0), `${name} ${size}: ${bytes.length}`)
        assert.deepEqual(s.decode(bytes), block)
      }
    }
  })
})

describe('worst-case suite (smoke)', () => {
  it('is registered', () => {
    assert.ok(SUITES.includes(worstCaseSuite))
  })

  it('measures an ordinary and every crafted case for every serializer x compression, with CPU and memory targets', async () => {
    const r = await runSuites([worstCaseSuite], { settings: createSettings({ mode: 'smoke' }), log: () => {} })
    const s: SuiteResult | undefined = r.suites[0]
    assert.ok(s !== undefined)
    assert.equal(s.error, null, s.error ?? '')
    const sizes = WORST_CASE_SIZES.smoke
    assert.equal(s.groups.length, WORST_CASE_SERIALIZERS.length * WORST_CASE_COMPRESSIONS.length * sizes.length)
    for (const size of sizes) {
      for (const serializer of WORST_CASE_SERIALIZERS) {
        for (const compression of WORST_CASE_COMPRESSIONS) {
          const id = `${serializer}-${compression}-${size}`
          const g: GroupResult | undefined = s.groups.find(x => x.id === id)
          assert.ok(g !== undefined, id)
          assert.deepEqual(g.cases.map(c => c.name), [ORDINARY_CASE, ...CRAFTED_PAYLOADS[serializer].map(p => craftedCaseName(p.id))], id)
          for (const c of g.cases) {
            assert.equal(c.samples.length, 2, `${id}: ${c.name} ran every round`)
            assert.ok(c.samples.every(x => x > 0 && Number.isFinite(x)))
          }
          for (const c of g.cases.slice(1)) assert.equal(c.reference, ORDINARY_CASE)
        }
      }
    }
    for (const serializer of WORST_CASE_SERIALIZERS) {
      for (const compression of WORST_CASE_COMPRESSIONS) {
        for (const kind of ['cpu', 'memory']) {
          const t: Target | undefined = s.targets.find(x => x.id === `worst-case.${serializer}.${compression}.${kind}`)
          assert.ok(t !== undefined, `${serializer} ${compression} ${kind}`)
          assert.equal(t.op, '<=')
          assert.equal(t.threshold, WORST_CASE_MAX_RATIO)
          assert.ok(Number.isFinite(t.measured) && t.measured > 0, t.id)
          assert.match(t.detail, / by [a-z0-9-]+ /)
        }
      }
    }
    // One summary row per pair and size; one row per crafted input in the full table.
    assert.equal(s.tables[0]?.rows.length, WORST_CASE_SERIALIZERS.length * WORST_CASE_COMPRESSIONS.length * sizes.length)
    assert.equal(s.tables[1]?.rows.length, ALL_CRAFTED.length * WORST_CASE_COMPRESSIONS.length * sizes.length)
    // Compressed crafted envelopes are smaller on the wire than their payload; uncompressed ones carry it whole.
    const wireColumn = s.tables[1]?.columns.indexOf('wire bytes') ?? -1
    for (const row of s.tables[1]?.rows ?? []) {
      const wire = row[wireColumn] as number
      if (row[1] === 'none') assert.ok(wire > sizes[0]!, String(row))
      else assert.ok(wire < sizes[0]!, String(row))
    }
    const md = renderMarkdown(r, [])
    assert.match(md, /## Worst case: crafted payloads vs ordinary Blocks \(`worst-case`\)/)
    assert.match(md, /worst-case\.json\.zstd\.memory/)
  })
})
