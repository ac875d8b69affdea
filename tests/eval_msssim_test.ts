import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { batchFromImages, imageAt, type RgbImage } from "../src/eval/images.ts";
import { Xoshiro128 } from "../src/util/random.ts";
import { gaussianWindow1d, msssim, msssimDiversity, ssim } from "../src/eval/msssim.ts";
import { loadPaintings } from "./helpers/paintings.ts";

function noisy(img: RgbImage, sigma: number, seed: number): RgbImage {
  const rng = new Xoshiro128(seed);
  return {
    ...img,
    data: img.data.map((v) => Math.min(255, Math.max(0, Math.round(v + sigma * rng.normal())))),
  };
}

const real = await loadPaintings(24);

Deno.test("msssim: identical images give 1", () => {
  for (let i = 0; i < 4; i++) {
    const a = imageAt(real, i);
    assert(Math.abs(msssim(a, a) - 1) < 1e-6);
    assert(Math.abs(msssim(a, { ...a, data: a.data.slice() }) - 1) < 1e-6);
  }
});

Deno.test("msssim: a noisy copy scores below 1, lower with more noise", () => {
  const a = imageAt(real, 3);
  const scores = [2, 8, 25, 70].map((s) => msssim(a, noisy(a, s, s)));
  assert(scores[0] < 1);
  for (let i = 1; i < scores.length; i++) assert(scores[i] < scores[i - 1], `scores ${scores}`);
});

Deno.test("msssim: copies of one image have diversity 1, above real pairs", () => {
  const one = imageAt(real, 0);
  const copies = batchFromImages(Array.from({ length: 8 }, () => one));
  assert(Math.abs(msssimDiversity(copies, 20, 1) - 1) < 1e-6);
  const r = msssimDiversity(real, 60, 1);
  assert(r > 0 && r < 0.6, `real pairs ${r}`);
  // Same seed, same pairs, same value.
  assertEquals(msssimDiversity(real, 10, 5), msssimDiversity(real, 10, 5));
});

Deno.test("ssim: known value on a 2x2 case computed by hand", () => {
  // At 2x2 the window shrinks to 2x2; a size-2 Gaussian has taps at +-0.5,
  // so every pixel weighs 1/4 and SSIM is the global-statistics formula.
  assertEquals(Array.from(gaussianWindow1d(2, 0.27)), [0.5, 0.5]);
  const xs = [10, 20, 30, 40], ys = [12, 18, 33, 37];
  const gray = (v: number[]) => ({
    width: 2,
    height: 2,
    data: Uint8Array.from(v.flatMap((x) => [x, x, x])),
  });
  // mu_x = 25, mu_y = 25; var_x = (225+25+25+225)/4 = 125; var_y = (169+49+64+144)/4 = 106.5;
  // cov = (15*13 + 5*7 + 5*8 + 15*12)/4 = (195+35+40+180)/4 = 112.5.
  const c1 = (0.01 * 255) ** 2, c2 = (0.03 * 255) ** 2;
  const expected = ((2 * 25 * 25 + c1) * (2 * 112.5 + c2)) /
    ((25 * 25 + 25 * 25 + c1) * (125 + 106.5 + c2));
  const got = ssim(gray(xs), gray(ys));
  assert(Math.abs(got - expected) < 1e-9, `${got} vs ${expected}`);
  assert(Math.abs(expected - 0.977588) < 1e-6); // the hand-computed number, for the record
});
