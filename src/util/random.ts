/**
 * The toolkit's one seeded pseudo-random generator (augmentation, noise
 * vectors, shuffling, the evaluation metrics): xoshiro128** seeded through
 * splitmix32, with all state arithmetic in 32-bit integers so the same seed
 * gives the same numbers on every platform.
 *
 * @example
 * ```ts
 * import { Xoshiro128 } from "./random.ts";
 * const rng = Xoshiro128.derive(42, 3); // stream 3 of seed 42
 * rng.below(10); rng.float(); rng.normal();
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

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * Mixes a seed and any number of stream labels into one 32-bit seed.
 * Order matters: `mixSeed(1, 2) !== mixSeed(2, 1)`; non-integers are truncated to int32.
 */
export function mixSeed(seed: number, ...streams: number[]): number {
  const st = { s: seed | 0 };
  let h = splitmix32(st);
  for (const s of streams) {
    st.s = (h ^ Math.imul((s | 0) + 0x632be5ab, 0x27d4eb2d)) | 0;
    h = splitmix32(st);
  }
  return h | 0;
}

/** xoshiro128** generator; `derive(seed, ...streams)` gives independent, reproducible streams. */
export class Xoshiro128 {
  #s = new Uint32Array(4);
  #spare = NaN;

  /** Seeds from a 32-bit integer (non-integers are truncated, so 1.5 and 1 are the same seed). */
  constructor(seed: number) {
    const st = { s: seed | 0 };
    for (let i = 0; i < 4; i++) this.#s[i] = splitmix32(st);
    if (this.#s[0] === 0 && this.#s[1] === 0 && this.#s[2] === 0 && this.#s[3] === 0) {
      this.#s[0] = 1; // the all-zero state is a fixed point of xoshiro
    }
  }

  /** A generator for stream `streams` under `seed`, independent of any other stream label. */
  static derive(seed: number, ...streams: number[]): Xoshiro128 {
    return new Xoshiro128(mixSeed(seed, ...streams));
  }

  /**
   * A generator for item `index` under `seed`: items are independent, so a
   * result never depends on the order in which items are processed.
   */
  static forItem(seed: number, index: number): Xoshiro128 {
    const st = { s: (seed | 0) ^ Math.imul(index + 1, 0x27d4eb2d) };
    return new Xoshiro128(splitmix32(st) ^ splitmix32(st));
  }

  /** The next uniformly distributed unsigned 32-bit integer. */
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

  /** A float in [0, 1) with 53 bits of randomness (two draws). */
  float(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** An integer uniformly drawn from [0, n), without modulo bias; `n` must be in 1..2^32. */
  below(n: number): number {
    if (!(n >= 1 && n <= 4294967296)) throw new RangeError(`below(${n}): n must be in 1..2^32`);
    // Rejection sampling: discard the top partial bucket so every value is equally likely.
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** An integer uniformly drawn from the half-open range [lo, hi), like numpy's `randint`. */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo);
  }

  /** An integer uniformly drawn from the inclusive range [lo, hi] (like imgaug's discrete tuples). */
  intInclusive(lo: number, hi: number): number {
    if (hi < lo) [lo, hi] = [hi, lo];
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** A float uniformly drawn from [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + this.float() * (hi - lo);
  }

  /** A standard normal draw (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.#spare)) {
      const v = this.#spare;
      this.#spare = NaN;
      return v;
    }
    let u = this.float();
    while (u === 0) u = this.float(); // log(0) would be -Infinity
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
