/**
 * The committed replay vectors (test/vectors/replay.json, see README.md):
 * regenerated in memory and compared byte for byte, then every sequence is
 * replayed against a real receiver (createCodec with a fresh replay guard
 * configured from the file's `defaults` and the sequence's `receiver`, its
 * clock at each step's `now`): each step must give its outcome and, when
 * accepted, deliver exactly its seqs (SPEC.md 12.2, 13).
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { createCodec, type OpenResult } from '../../src/codec/index.js'
import { createReplayGuard } from '../../src/replay/guard.js'
import { createSerializerRegistry } from '../../src/serialize/index.js'
import { readVectorFile, vectorFileText } from '../../scripts/vectors.js'
import {
  REPLAY_VECTORS_FORMAT, REPLAY_VECTORS_PATH, REPLAY_VECTORS_VERSION, generateReplayVectors, type ReplaySequence, type ReplayVectorFile
} from '../../scripts/vectors-replay.js'

const file = readVectorFile<ReplayVectorFile>(REPLAY_VECTORS_PATH)
const registry = createSerializerRegistry()
const unhex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))

/** Opens the sequence's steps in order with one fresh receiver; returns each step's result. */
function replay (sequence: ReplaySequence): OpenResult[] {
  let clock = Number.NaN
  const guard = createReplayGuard({ ...file.defaults, ...sequence.receiver, now: () => clock })
  const codec = createCodec({ serializers: registry, replay: guard, now: () => clock })
  return sequence.steps.map((step) => {
    clock = step.now
    return codec.open(unhex(step.envelope), { channel: step.channel })
  })
}

describe('replay vectors (test/vectors/replay.json)', () => {
  it('the committed file is what the generator writes', async () => {
    assert.equal(file.format, REPLAY_VECTORS_FORMAT)
    assert.equal(file.version, REPLAY_VECTORS_VERSION)
    const regenerated = vectorFileText(await generateReplayVectors())
    assert.ok(regenerated === readFileSync(REPLAY_VECTORS_PATH, 'utf8'), 'test/vectors/replay.json differs from `node --import tsx scripts/vectors-replay.ts` output')
  })

  it('covers every replay outcome and names SPEC.md 13', () => {
    const outcomes = new Set(file.sequences.flatMap((s) => s.steps.map((st) => st.expect)))
    for (const o of ['accepted', 'replayed', 'out-of-window', 'too-old', 'clock-skew']) assert.ok(outcomes.has(o as never), o)
    const spec = readFileSync(new URL('../../SPEC.md', import.meta.url), 'utf8')
    for (const s of file.sequences) assert.ok(spec.includes(`\n## ${s.section}. `), `${s.name}: SPEC.md has no section ${s.section}`)
  })

  for (const sequence of file.sequences) {
    it(`${sequence.name}: ${sequence.description}`, () => {
      const results = replay(sequence)
      sequence.steps.forEach((step, i) => {
        const r = results[i]!
        const where = `${sequence.name} step ${i} (${step.note})`
        if (step.expect === 'accepted') {
          assert.ok(r.ok, `${where}: expected accepted, got ${r.ok ? '' : `${r.reason}: ${r.detail}`}`)
          const key = file.keys.find((k) => k.name === step.key)!
          assert.equal(r.from, key.id, where)
          assert.equal(r.channel, step.channel, where)
          assert.equal(r.timestamp, step.timestamp, where)
          assert.deepEqual(r.messages.map((m) => m.seq), step.delivered, where)
        } else {
          assert.equal(step.delivered, undefined, `${where}: a refused step delivers nothing`)
          assert.ok(!r.ok, `${where}: expected ${step.expect}, got accepted`)
          assert.equal(r.reason, step.expect, `${where}: ${r.detail}`)
        }
      })
    })
  }
})
