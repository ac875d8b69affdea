/**
 * A small seeded pseudo-random generator (xoshiro128**, seeded through
 * splitmix32) so that augmentation is reproducible bit for bit on every
 * platform: same seed and index, same numbers, independent of run order.
 *
 * @example
 * ```ts
 * import { Rng } from "./prng.ts";
 * const rng = Rng.forItem(42, 7);
 * rng.int(-20, 20);
 * ```
 * @module
 */

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** xoshiro128** generator; all arithmetic is 32-bit so results never depend on float rounding. */
export class Rng {
  #s = new Uint32Array(4);

  /** Seeds from any 32-bit integer (non-integers are truncated). */
  constructor(seed: number) {
    const st = { s: seed | 0 };
    for (let i = 0; i < 4; i++) this.#s[i] = splitmix32(st);
    if (this.#s.every((v) => v === 0)) this.#s[0] = 1;
  }

  /** A generator for item `index` under `seed`: items are independent, so results do not depend on processing order. */
  static forItem(seed: number, index: number): Rng {
    const st = { s: (seed | 0) ^ Math.imul(index + 1, 0x27d4eb2d) };
    return new Rng(splitmix32(st) ^ splitmix32(st));
  }

  /** The next uniformly distributed 32-bit unsigned integer. */
  nextU32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** An integer uniformly drawn from the inclusive range [lo, hi] (like imgaug's discrete tuples). */
  int(lo: number, hi: number): number {
    if (hi < lo) [lo, hi] = [hi, lo];
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** A float uniformly drawn from [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + this.float() * (hi - lo);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
