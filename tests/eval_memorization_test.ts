import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { batchFromImages, imageAt, type RgbImage } from "../src/eval/images.ts";
import { Xoshiro128 } from "../src/util/random.ts";
import { encodePng } from "../src/data/decode.ts";
import {
  favouritesPicture,
  memorization,
  memorizationShare,
  percentile,
} from "../src/eval/memorization.ts";
import { evaluateSets, renderReport } from "../src/eval/report.ts";
import { loadPaintings } from "./helpers/paintings.ts";

/**
 * Random colour noise in 8x8 blocks: coarse enough to survive the 16x16
 * downscale (per-pixel noise averages out to flat grey, which is close to
 * many dark paintings) and unlike any painting.
 */
function noiseImages(n: number, seed: number): RgbImage[] {
  const rng = new Xoshiro128(seed);
  return Array.from({ length: n }, () => {
    const data = new Uint8Array(64 * 64 * 3);
    const blocks = Array.from({ length: 64 * 3 }, () => rng.below(2) * 255);
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        for (let c = 0; c < 3; c++) {
          data[(y * 64 + x) * 3 + c] = blocks[((y >> 3) * 8 + (x >> 3)) * 3 + c];
        }
      }
    }
    return { width: 64, height: 64, data };
  });
}

// Interleave so both sets span the same styles (names are sorted by style).
const all = await loadPaintings(120);
const pick = (keep: (i: number) => boolean) =>
  batchFromImages(
    Array.from({ length: all.count }, (_, i) => i).filter(keep).map((i) => imageAt(all, i)),
  );
const training = pick((i) => i % 4 !== 0);
const heldOut = pick((i) => i % 4 === 0);

Deno.test("memorization: percentile interpolates like numpy", () => {
  assertEquals(percentile([1, 2, 3, 4, 5], 50), 3);
  assertEquals(percentile([5, 1, 4, 2, 3], 0), 1);
  assertEquals(percentile([1, 2, 3, 4], 50), 2.5);
  // 11 values 0..1: the 5th percentile sits halfway between the first two.
  assert(
    Math.abs(percentile([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1], 5) - 0.05) < 1e-12,
  );
});

Deno.test("memorization: threshold logic on constructed distances", () => {
  const held = [
    0.2,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    0.9,
    1.0,
    1.1,
    1.2,
    1.3,
    1.4,
    1.5,
    1.6,
    1.7,
    1.8,
    1.9,
    2.0,
    2.1,
    2.2,
  ];
  // 21 values: the 5th percentile is exactly the 2nd smallest (index 1 = 0.3).
  const r = memorizationShare([0, 0.29, 0.3, 0.31, 5], held, 5);
  assert(Math.abs(r.threshold - 0.3) < 1e-12);
  assertEquals(r.flagged, 2); // 0.3 itself is not strictly closer
  assertEquals(r.share, 2 / 5);
  // Held-out exact duplicates push the threshold to 0: nothing can be flagged.
  assertEquals(memorizationShare([0, 0], [0, 0, 0, 1], 5).flagged, 0);
});

Deno.test("memorization: planted exact copies are flagged and named as favourite", () => {
  const planted = 7;
  const gen = batchFromImages([
    ...noiseImages(20, 1),
    imageAt(training, planted),
    imageAt(training, planted),
    imageAt(training, planted),
    imageAt(training, 30),
  ]);
  const m = memorization({ generated: gen, training, heldOut });
  assert(m.threshold > 0);
  assertEquals(m.flagged, 4);
  assertEquals(m.share, 4 / 24);
  assertEquals(m.nearest.slice(20), [planted, planted, planted, 30]);
  assertEquals(m.distances.slice(20), [0, 0, 0, 0]);
  const fav = m.favourites.find((f) => f.trainingIndex === planted)!;
  assertEquals(fav.flagged, 3);
  assertEquals(fav.distance, 0);
  assert(fav.sample >= 20);
  const pic = favouritesPicture(gen, training, m, 2);
  assertEquals([pic.width, pic.height], [2 * 64 + 6, 2 * 64 + 6]);
  assertEquals(pic.data.length, pic.width * pic.height * 3);
});

Deno.test("memorization: random noise samples are not flagged", () => {
  const gen = batchFromImages(noiseImages(30, 2));
  const m = memorization({ generated: gen, training, heldOut });
  assertEquals(m.flagged, 0);
  assert(Math.min(...m.distances) > m.heldOutMedian);
});

Deno.test("memorization: flat mid-grey samples (early training) are not flagged", () => {
  const grey = (v: number) => ({
    width: 64,
    height: 64,
    data: new Uint8Array(64 * 64 * 3).fill(v),
  });
  const gen = batchFromImages([...Array(10).fill(grey(128)), ...Array(10).fill(grey(40))]);
  const m = memorization({ generated: gen, training, heldOut });
  assert(m.standardized);
  assertEquals(m.flagged, 0);
  assertEquals(m.share, 0);
  // A flat image standardises to zeros: distance 1 from every (unit-variance) painting.
  for (const d of m.distances) assert(Math.abs(d - 1) < 1e-6, `distance ${d}`);
  // On raw pixels the same batch was "100% memorised": grey sits near the dark paintings.
  const raw = memorization({ generated: gen, training, heldOut, standardize: false });
  assertEquals(raw.share, 1);
});

Deno.test("memorization: a copy with other brightness and contrast is still a copy", () => {
  const src = imageAt(training, 11);
  const dim = new Uint8Array(src.data.length);
  for (let i = 0; i < dim.length; i++) dim[i] = Math.round(20 + src.data[i] * 0.6);
  const gen = batchFromImages([{ width: 64, height: 64, data: dim }, ...noiseImages(5, 9)]);
  const m = memorization({ generated: gen, training, heldOut });
  assertEquals(m.nearest[0], 11);
  assert(m.distances[0] < 0.05 && m.distances[0] < m.threshold, `${m.distances[0]}`);
  assertEquals(m.flagged, 1);
});

Deno.test("favouritesPicture and renderReport label favourites with given ids", () => {
  const gen = batchFromImages([imageAt(training, 3), imageAt(training, 3), ...noiseImages(4, 5)]);
  const m = memorization({ generated: gen, training, heldOut, favourites: 3 });
  const labels = Array.from(
    { length: training.count },
    (_, i) => `id${String(i).padStart(10, "0")}`,
  );
  const plain = favouritesPicture(gen, training, m, 3);
  const named = favouritesPicture(gen, training, m, 3, labels);
  assertEquals(plain.width, 2 * 64 + 6);
  assert(named.width > plain.width + 12 * 8, `room for the ids: ${named.width}`);
  assertEquals(named.height, plain.height);
  // The images are the same; only the label column is added.
  for (let y = 0; y < plain.height; y++) {
    const a = plain.data.subarray(y * plain.width * 3, (y + 1) * plain.width * 3);
    const b = named.data.subarray(y * named.width * 3, y * named.width * 3 + a.length);
    assertEquals(b, a);
  }
  const r = evaluateSets({
    generated: gen,
    training,
    heldOut,
    seed: 1,
    swd: false,
    msssimPairs: 4,
  });
  const withIds = renderReport(r, gen, training, labels);
  const withIndices = renderReport(r, gen, training);
  assertEquals([withIds.width, withIds.height], [withIndices.width, withIndices.height]);
  assert(withIds.data.some((v, i) => v !== withIndices.data[i]), "the labels differ");
});

Deno.test("report: evaluateSets is JSON-serialisable and renders a picture", async () => {
  const gen = batchFromImages([...noiseImages(12, 3), imageAt(training, 4), imageAt(training, 4)]);
  const sub = batchFromImages(Array.from({ length: 14 }, (_, i) => imageAt(training, i)));
  const r = evaluateSets({ generated: gen, training: sub, heldOut, seed: 1, msssimPairs: 10 });
  const back = JSON.parse(JSON.stringify(r));
  assertEquals(back.swd.levels.length, 3);
  assertEquals(back.swd.count, 14);
  assert(back.memorization.flagged >= 2);
  // Favourites rank by count (noise may pile onto one image); the copies' target is among them.
  assertEquals(
    back.memorization.favourites.find((f: { trainingIndex: number }) => f.trainingIndex === 4)
      .flagged,
    2,
  );
  const pic = renderReport(r, gen, sub);
  assertEquals(pic.data.length, pic.width * pic.height * 3);
  const png = await encodePng(pic);
  assertEquals(Array.from(png.subarray(1, 4)), [0x50, 0x4e, 0x47]); // "PNG"
  if (Deno.env.get("EVAL_REPORT_PNG")) await Deno.writeFile(Deno.env.get("EVAL_REPORT_PNG")!, png);
});
