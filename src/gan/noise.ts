/**
 * Noise vectors for sampling, drawn in TypeScript from (seed, index) alone:
 * vector i is the same whether it is drawn alone or among 64 others.
 *
 * @module
 */

import { Xoshiro128 } from "../util/random.ts";

/** Standard-normal vectors of length `size` for items `first .. first + count - 1` under `seed` (Box–Muller). */
export function noiseVectors(
  seed: number,
  first: number,
  count: number,
  size: number,
): Float32Array {
  const out = new Float32Array(count * size);
  for (let n = 0; n < count; n++) {
    const rng = Xoshiro128.forItem(seed, first + n);
    for (let i = 0; i < size; i += 2) {
      const u1 = 1 - rng.float(); // (0, 1]: log(0) never happens
      const u2 = rng.float();
      const r = Math.sqrt(-2 * Math.log(u1));
      out[n * size + i] = r * Math.cos(2 * Math.PI * u2);
      if (i + 1 < size) out[n * size + i + 1] = r * Math.sin(2 * Math.PI * u2);
    }
  }
  return out;
}

/** Spherical interpolation between two noise vectors (smoother walks than a straight line in high dimensions). */
export function slerp(a: Float32Array, b: Float32Array, t: number): Float32Array {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.sqrt(na * nb))));
  const out = new Float32Array(a.length);
  if (omega < 1e-6) {
    for (let i = 0; i < a.length; i++) out[i] = a[i] + (b[i] - a[i]) * t;
    return out;
  }
  const sa = Math.sin((1 - t) * omega) / Math.sin(omega);
  const sb = Math.sin(t * omega) / Math.sin(omega);
  for (let i = 0; i < a.length; i++) out[i] = sa * a[i] + sb * b[i];
  return out;
}

/** A permutation of 0..n-1 for `epoch` under `seed` (Fisher–Yates). */
export function epochOrder(seed: number, epoch: number, n: number): Uint32Array {
  const order = new Uint32Array(n).map((_, i) => i);
  const rng = Xoshiro128.forItem(seed ^ 0x5eed, epoch);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.float() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
