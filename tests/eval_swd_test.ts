import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import type { ImageBatch } from "../src/eval/images.ts";
import { Xoshiro128 } from "../src/util/random.ts";
import {
  laplacianPyramid,
  pyrUp,
  radixSortFloat32,
  slicedWassersteinDistance,
  swdResolutions,
} from "../src/eval/swd.ts";
import { loadPaintings } from "./helpers/paintings.ts";

function addNoise(b: ImageBatch, sigma: number, seed: number): ImageBatch {
  const rng = new Xoshiro128(seed);
  const data = b.data.map((v) => Math.min(255, Math.max(0, Math.round(v + sigma * rng.normal()))));
  return { ...b, data };
}

const real = await loadPaintings(48);

Deno.test("swd: levels are 64, 32, 16 for 64 px; too small or odd sizes refuse", () => {
  assertEquals(swdResolutions(64, 64), [64, 32, 16]);
  assertEquals(swdResolutions(16, 16), [16]);
  assertThrows(() => swdResolutions(8, 8), RangeError);
  assertThrows(() => swdResolutions(70, 70), RangeError); // 70, 35, 17: 35 cannot halve evenly
});

Deno.test("swd: Laplacian pyramid is band-pass + Gaussian residual and reconstructs the image", () => {
  const img = { width: 64, height: 64, data: real.data.subarray(0, 64 * 64 * 3) };
  const pyr = laplacianPyramid(img, 3);
  assertEquals(pyr.map((p) => p.height), [64, 32, 16]);
  let rec = pyr[2];
  for (const level of [pyr[1], pyr[0]]) {
    const up = pyrUp(rec);
    rec = { ...level, data: level.data.map((v, i) => v + up.data[i]) };
  }
  let err = 0;
  for (let i = 0; i < 64 * 64; i++) {
    for (let c = 0; c < 3; c++) {
      err = Math.max(err, Math.abs(rec.data[c * 4096 + i] - img.data[i * 3 + c]));
    }
  }
  assert(err < 1e-3, `reconstruction error ${err}`);
  // Band-pass levels are centred near 0; the residual keeps the 0..255 values.
  const mean = (a: Float32Array) => a.reduce((s, v) => s + v, 0) / a.length;
  assert(Math.abs(mean(pyr[0].data)) < 2);
  assert(mean(pyr[2].data) > 20);
});

Deno.test("swd: radix sort matches Array sort, negatives and zeros included", () => {
  const rng = new Xoshiro128(3);
  const a = Float32Array.from({ length: 10001 }, () => (rng.float() - 0.5) * 1e3);
  a[5] = 0, a[6] = -0, a[7] = -1e-30, a[8] = 3.4e38;
  const ref = Float32Array.from(a).sort();
  radixSortFloat32(a);
  for (let i = 0; i < a.length; i++) assert(a[i] === ref[i], `index ${i}`);
});

Deno.test("swd: a set against itself is 0 with the same sample seed, small with another", () => {
  const same = slicedWassersteinDistance(real, real, { seed: 7, descriptorSeeds: [11, 11] });
  for (const l of same.levels) assertEquals(l.swd, 0);
  assertEquals(same.mean, 0);
  const other = slicedWassersteinDistance(real, real, { seed: 7 });
  for (const l of other.levels) assert(l.swd > 0 && l.swd < 60, `level ${l.resolution}: ${l.swd}`);
});

Deno.test("swd: grows monotonically with added noise and is largest for unrelated images", () => {
  const base = slicedWassersteinDistance(real, real, { seed: 1 });
  const noisy = [6, 20, 60].map((s) =>
    slicedWassersteinDistance(addNoise(real, s, s), real, { seed: 1 })
  );
  const means = [base.mean, ...noisy.map((r) => r.mean)];
  for (let i = 1; i < means.length; i++) assert(means[i] > means[i - 1], `means ${means}`);
  const fine = [base, ...noisy].map((r) => r.levels[0].swd);
  for (let i = 1; i < fine.length; i++) assert(fine[i] > fine[i - 1], `finest level ${fine}`);
  // Unrelated: flat random colours with a few stripes, nothing like paintings.
  const rng = new Xoshiro128(9);
  const other = { ...real, data: new Uint8Array(real.data.length) };
  for (let i = 0; i < real.count; i++) {
    const c = [rng.below(256), rng.below(256), rng.below(256)];
    for (let p = 0; p < 64 * 64; p++) {
      const stripe = ((p % 64) >> 3) & 1;
      for (let k = 0; k < 3; k++) other.data[(i * 4096 + p) * 3 + k] = stripe ? 255 - c[k] : c[k];
    }
  }
  const far = slicedWassersteinDistance(other, real, { seed: 1 });
  assert(far.mean > means[means.length - 1], `unrelated ${far.mean} vs noisiest ${means.at(-1)}`);
});

Deno.test("swd: unequal counts or sizes throw", () => {
  const half = { ...real, count: 24, data: real.data.subarray(0, 24 * 64 * 64 * 3) };
  assertThrows(() => slicedWassersteinDistance(half, real), RangeError);
});
