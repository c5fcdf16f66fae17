/**
 * A seeded pseudo-random generator for benchmark inputs and round orders:
 * same seed, same sequence, on every machine, so runs compare.
 *
 * @module
 */

/** A seeded pseudo-random generator returning uint32 values. */
export type Prng = () => number

/**
 * mulberry32: a 32-bit PRNG with a 2^32 period, plenty for test data (not
 * for cryptography).
 */
export function createPrng (seed: number): Prng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}
