/**
 * The order in which the cases of a group run within each round.
 *
 * A rotation (A B C, then B C A, ...) keeps the cyclic order, so every case
 * always runs right after the same neighbour. Work a case leaves behind (GC
 * of an allocation-heavy backend, incremental marking, external-memory
 * pressure) then lands on that one successor in every round. Measured: with
 * fflate's gzip decoder in the group, node:zlib at 512 B read 0.82x or 1.05x
 * of the same call depending only on its place in the list. A fresh seeded
 * shuffle per round gives every case every predecessor about equally often;
 * the seed comes from the group id, so a run is reproducible.
 *
 * @module
 */
import { createPrng } from './prng.js'

/** FNV-1a hash of `text`, as a 32-bit seed. */
function seedOf (text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193)
  return h >>> 0
}

/** Returns a function that gives each next round's order: a permutation of `0..cases-1` (Fisher-Yates, seeded by `groupId`). */
export function createRoundOrder (cases: number, groupId: string): () => number[] {
  const rng = createPrng(seedOf(groupId))
  return () => {
    const order = Array.from({ length: cases }, (_, i) => i)
    for (let i = cases - 1; i > 0; i--) {
      const j = rng() % (i + 1)
      const t = order[i] as number
      order[i] = order[j] as number
      order[j] = t
    }
    return order
  }
}
