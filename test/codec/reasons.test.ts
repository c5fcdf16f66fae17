/**
 * The rejection reasons' one home (src/codec/reasons.ts) against SPEC.md:
 * the lists there and here are the same, and the mappings send each error,
 * replay verdict and chunk verdict to the reason SPEC.md names.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { CHUNK_REJECT_REASON, REJECT_REASONS, REPLAY_REJECT_REASON } from '../../src/codec/index.js'
import { rejectFromError } from '../../src/codec/reasons.js'
import { GOSSIP_VERDICTS } from '../../src/libp2p/gossip-verdict.js'
import { InvalidValueError, MalformedInputError, SizeLimitError, UnknownCodecError, WireFormatError } from '../../src/errors.js'

const spec = readFileSync(new URL('../../SPEC.md', import.meta.url), 'utf8')

/** The text of section `id`, after its heading and up to the next heading of any level. */
function section (id: string): string {
  const start = spec.search(new RegExp(`^#{2,4} ${id.replaceAll('.', '\\.')}\\.? `, 'm'))
  assert.notEqual(start, -1, `SPEC.md has a section ${id}`)
  const rest = spec.slice(spec.indexOf('\n', start) + 1)
  const end = rest.search(/^#{2,4} /m)
  return end === -1 ? rest : rest.slice(0, end)
}

/** The `code spans` of `text` between `from` and `to`, in order. */
function spansBetween (text: string, from: string, to: string): string[] {
  const i = text.indexOf(from)
  assert.notEqual(i, -1, `SPEC.md says "${from}"`)
  const j = text.indexOf(to, i + from.length)
  assert.notEqual(j, -1, `SPEC.md says "${to}" after "${from}"`)
  return [...text.slice(i + from.length, j).matchAll(/`([^`]+)`/g)].map((m) => m[1] as string)
}

describe('rejection reasons', () => {
  it('REJECT_REASONS is SPEC.md 12.2\'s list, in its order', () => {
    assert.deepEqual(spansBetween(section('12.2'), 'Reasons:', 'Chunk frames add'), [...REJECT_REASONS])
    assert.equal(new Set(REJECT_REASONS).size, REJECT_REASONS.length)
    assert.ok(Object.isFrozen(REJECT_REASONS))
  })

  it('the chunk reasons are SPEC.md 12.2\'s, each mapped to an envelope reason', () => {
    const listed = spansBetween(section('12.2'), 'Chunk frames add', '(and `malformed`)')
    assert.deepEqual(Object.keys(CHUNK_REJECT_REASON).filter((r) => r !== 'malformed').sort(), [...listed].sort())
    for (const mapped of Object.values(CHUNK_REJECT_REASON)) assert.ok(REJECT_REASONS.includes(mapped), mapped)
    // a chunk that is not a leaf of the signed root was tampered with (SPEC.md 9.3); the rest is malformed
    assert.equal(CHUNK_REJECT_REASON['bad-proof'], 'digest-mismatch')
    for (const r of ['bad-index', 'duplicate', 'bad-size', 'malformed'] as const) assert.equal(CHUNK_REJECT_REASON[r], 'malformed', r)
  })

  it('every replay verdict is the reason of the same name, as SPEC.md 13 names it', () => {
    const text = section('13')
    for (const [verdict, reason] of Object.entries(REPLAY_REJECT_REASON)) {
      assert.equal(reason, verdict)
      assert.ok(REJECT_REASONS.includes(reason), reason)
      assert.ok(text.includes('`' + verdict + '`'), `SPEC.md 13 names ${verdict}`)
    }
    assert.deepEqual(Object.keys(REPLAY_REJECT_REASON).sort(), ['clock-skew', 'out-of-window', 'replayed', 'too-old'])
  })

  it('the gossip verdict of each reason is SPEC.md 14.3\'s', () => {
    const text = section('14.3')
    const rejects = spansBetween(text, 'Reject for', 'Ignore for')
    const ignores = spansBetween(text, 'Ignore for', '\n\n')
    assert.deepEqual([...rejects, ...ignores].sort(), [...REJECT_REASONS].sort())
    for (const r of rejects) assert.equal(GOSSIP_VERDICTS[r as keyof typeof GOSSIP_VERDICTS], TopicValidatorResult.Reject, r)
    for (const r of ignores) assert.equal(GOSSIP_VERDICTS[r as keyof typeof GOSSIP_VERDICTS], TopicValidatorResult.Ignore, r)
  })

  it('maps each typed error to its reason, with the wire rule for malformed bytes', () => {
    const cases: Array<[Error, string, string | undefined]> = [
      [new SizeLimitError('payload', 10, 11), 'too-large', undefined],
      [new UnknownCodecError('serializer', 99), 'unknown-codec', undefined],
      [new WireFormatError('envelope', 'truncated', 'cut short'), 'malformed', 'truncated'],
      [new MalformedInputError('snappy', 'bad tag'), 'malformed', undefined],
      [new InvalidValueError('Block.ttl', 'uint32'), 'malformed', undefined]
    ]
    for (const [err, reason, rule] of cases) {
      const r = rejectFromError(err)
      assert.equal(r.ok, false)
      assert.equal(r.reason, reason, err.name)
      assert.equal(r.rule, rule, err.name)
      assert.equal(r.detail, err.message)
    }
  })

  it('rethrows an error that is not wireseal\'s (a bug, not bad bytes)', () => {
    const bug = new TypeError('x is undefined')
    assert.throws(() => rejectFromError(bug), (e) => e === bug)
  })
})
