/**
 * The layering of ARCHITECTURE.md, enforced: every relative import under
 * src/ (generated code aside) goes from a layer to one the table allows, so
 * a lower layer never reaches up into the pipeline or the libp2p bindings.
 * The few file-level exceptions are listed with their reason.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

/** Leaf modules: no wireseal state, no knowledge of messages. */
const BOTTOM = ['errors', 'alloc', 'bytes', 'varint', 'format', 'optional']
const BELOW_LAYERS = [...BOTTOM, 'options', 'limits']
const PRIMITIVES = [...BELOW_LAYERS, 'serialize', 'compress', 'integrity', 'replay']

/** Layer -> the layers it may import (itself always). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  errors: BOTTOM,
  alloc: BOTTOM,
  bytes: BOTTOM,
  varint: BOTTOM,
  format: BOTTOM,
  optional: BOTTOM,
  options: BOTTOM,
  limits: [...BOTTOM, 'options'],
  serialize: BELOW_LAYERS,
  compress: BELOW_LAYERS,
  integrity: BELOW_LAYERS,
  replay: BELOW_LAYERS,
  envelope: [...BELOW_LAYERS, 'integrity'],
  codec: [...PRIMITIVES, 'envelope'],
  libp2p: [...PRIMITIVES, 'envelope', 'codec'],
  bench: [...BOTTOM, 'options'],
  cli: [...PRIMITIVES, 'envelope', 'codec', 'bench'],
  index: [...PRIMITIVES, 'envelope', 'codec', 'libp2p']
}

/** [from, to, kind]: imports across the table, each for a stated reason. */
const EXCEPTIONS: ReadonlyArray<readonly [string, string, 'type' | 'any']> = [
  // RejectedMessageError.details.reason is typed by the one list of reasons.
  ['errors.ts', 'codec/reasons.ts', 'type'],
  // The budget names message types and serializers by their wire ids (a constants-only module) ...
  ['limits.ts', 'serialize/types.ts', 'any'],
  // ... and types its defaults of compression names and protocol names.
  ['limits.ts', 'compress/types.ts', 'type'],
  ['limits.ts', 'libp2p/protocol-id.ts', 'type']
]

function sources (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return e.name === 'generated' ? [] : sources(path)
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : []
  })
}

/** `codec/open.ts` -> `codec`; `limits.ts` -> `limits`. */
function layerOf (file: string): string {
  const parts = relative(SRC, file).split('/')
  return parts.length === 1 ? (parts[0] as string).replace(/\.ts$/, '') : parts[0] as string
}

interface Edge { from: string, to: string, typeOnly: boolean }

function edges (): Edge[] {
  const out: Edge[] = []
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), (m[2] as string).replace(/\.js$/, '.ts'))
      out.push({ from: relative(SRC, file), to: relative(SRC, target), typeOnly: m[1] !== undefined })
    }
  }
  return out
}

describe('layers (ARCHITECTURE.md)', () => {
  const all = edges()

  it('every import goes to a layer the table allows', () => {
    const bad = all.filter(({ from, to, typeOnly }) => {
      const a = layerOf(join(SRC, from))
      const b = layerOf(join(SRC, to))
      if (a === b || (ALLOWED[a] ?? []).includes(b)) return false
      return !EXCEPTIONS.some(([f, t, kind]) => f === from && t === to && (kind === 'any' || typeOnly))
    }).map(({ from, to, typeOnly }) => `${from} -> ${to}${typeOnly ? ' (type)' : ''}`)
    assert.deepEqual(bad, [])
  })

  it('every layer of src/ is in the table, and the scan sees the imports', () => {
    const layers = new Set(sources(SRC).map(layerOf))
    assert.deepEqual([...layers].filter((l) => ALLOWED[l] === undefined), [])
    // A scan that found nothing would pass the check above vacuously.
    assert.ok(all.length > 300, `${all.length} imports`)
    assert.ok(all.some((e) => e.from === 'codec/open.ts' && e.to === 'envelope/envelope.ts'))
    assert.ok(all.some((e) => e.from === 'errors.ts' && e.to === 'codec/reasons.ts' && e.typeOnly))
  })

  it('the exceptions are still needed', () => {
    for (const [from, to] of EXCEPTIONS) assert.ok(all.some((e) => e.from === from && e.to === to), `${from} -> ${to} no longer imported: drop the exception`)
  })
})
