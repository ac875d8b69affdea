/**
 * All quality metrics of one generated set in one call, as a
 * JSON-serialisable result, and a simple report picture of it.
 *
 * - SWD (x1000) generated vs training images, equal counts: the larger set is
 *   subsampled (deterministically from `seed`) to the smaller one's count.
 * - MS-SSIM diversity of generated pairs beside training pairs (same count).
 * - Memorisation share, threshold and favourites (nearest training images).
 *
 * @example
 * ```ts
 * import { evaluateSets, renderReport } from "./report.ts";
 * declare const gen: import("./images.ts").ImageBatch, train: typeof gen, held: typeof gen;
 * const result = evaluateSets({ generated: gen, training: train, heldOut: held, seed: 1 });
 * JSON.stringify(result);
 * const picture = renderReport(result, gen, train); // RGB; encode with encodePng
 * ```
 * @module
 */

import { checkBatch, type ImageBatch, type RgbImage } from "./images.ts";
import { favouritesPicture, memorization, type MemorizationResult } from "./memorization.ts";
import { msssimDiversity } from "./msssim.ts";
import { mixSeed, Xoshiro128 } from "../util/random.ts";
import { slicedWassersteinDistance, type SwdResult } from "./swd.ts";
import { drawText, textWidth } from "../util/font.ts";

/** Inputs of {@linkcode evaluateSets}; all batches must share one image size. */
export interface EvaluateOptions {
  /** The generated images to judge. */
  generated: ImageBatch;
  /** The images the model trained on (SWD and MS-SSIM reference, memorisation targets). */
  training: ImageBatch;
  /** Real images kept out of training; they set the memorisation threshold. */
  heldOut: ImageBatch;
  /** Seed for every random choice (subsampling, SWD, MS-SSIM pairs): same seed, same result. */
  seed: number;
  /** Compute SWD (default true; it is the slow part, ~20 s for 1000 64x64 images). */
  swd?: boolean;
  /** Random pairs for each MS-SSIM diversity value (default 500). */
  msssimPairs?: number;
  /** Side of the downscaled copies memorisation compares (default 16). */
  memorizationSize?: number;
  /** How many favourite training images memorisation reports (default 8). */
  favourites?: number;
}

/** Everything {@linkcode evaluateSets} measured; plain JSON values only. */
export interface EvalResult {
  /** Images in each input batch, before any subsampling. */
  counts: { generated: number; training: number; heldOut: number };
  /** The size of every image compared. */
  image: { width: number; height: number };
  /** The seed that was used. */
  seed: number;
  /** Null when SWD was skipped. `count` is images per set actually compared. */
  swd: (SwdResult & { count: number }) | null;
  /**
   * Mean MS-SSIM over `pairs` random pairs of generated and of training
   * images; a `generated` value above `real` means less diverse than the data.
   */
  msssim: { pairs: number; generated: number; real: number };
  /** Nearest-training-image analysis, thresholded by the held-out images. */
  memorization: MemorizationResult;
}

/** `k` distinct indices of `0..n-1` in increasing order, chosen by a seeded partial shuffle. */
function sampleIndices(n: number, k: number, seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  const rng = Xoshiro128.derive(seed, 0x5e1);
  for (let i = 0; i < k; i++) {
    const j = i + rng.below(n - i);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx.slice(0, k).sort((a, b) => a - b);
}

/** The images at `indices` of `batch`, copied into a new batch. */
export function pickImages(batch: ImageBatch, indices: readonly number[]): ImageBatch {
  const n = batch.height * batch.width * 3;
  const data = new Uint8Array(indices.length * n);
  indices.forEach((i, k) => data.set(batch.data.subarray(i * n, (i + 1) * n), k * n));
  return { count: indices.length, height: batch.height, width: batch.width, data };
}

/**
 * Runs SWD, MS-SSIM diversity and memorisation on one generated set against
 * the training and held-out sets (see the module notes for how counts are
 * equalised). Deterministic for a given `seed`. Throws if sizes differ.
 */
export function evaluateSets(opts: EvaluateOptions): EvalResult {
  const { generated, training, heldOut, seed } = opts;
  checkBatch(generated, "generated");
  checkBatch(training, "training");
  checkBatch(heldOut, "heldOut");
  for (const [name, b] of [["training", training], ["heldOut", heldOut]] as const) {
    if (b.width !== generated.width || b.height !== generated.height) {
      throw new RangeError(
        `evaluateSets: ${name} images are ${b.width}x${b.height}, generated ${generated.width}x${generated.height}`,
      );
    }
  }
  let swd: EvalResult["swd"] = null;
  if (opts.swd ?? true) {
    const n = Math.min(generated.count, training.count);
    const g = n < generated.count
      ? pickImages(generated, sampleIndices(generated.count, n, mixSeed(seed, 1)))
      : generated;
    const t = n < training.count
      ? pickImages(training, sampleIndices(training.count, n, mixSeed(seed, 2)))
      : training;
    swd = { ...slicedWassersteinDistance(g, t, { seed: mixSeed(seed, 3) }), count: n };
  }
  const pairs = opts.msssimPairs ?? 500;
  const msssim = {
    pairs,
    generated: msssimDiversity(generated, pairs, mixSeed(seed, 4)),
    real: msssimDiversity(training, pairs, mixSeed(seed, 5)),
  };
  const mem = memorization({
    generated,
    training,
    heldOut,
    size: opts.memorizationSize,
    favourites: opts.favourites,
  });
  return {
    counts: { generated: generated.count, training: training.count, heldOut: heldOut.count },
    image: { width: generated.width, height: generated.height },
    seed,
    swd,
    msssim,
    memorization: mem,
  };
}

type Rgb = readonly [number, number, number];
const WHITE: Rgb = [235, 235, 235], GREY: Rgb = [140, 140, 140], BLUE: Rgb = [90, 150, 230];
const ORANGE: Rgb = [240, 150, 60], RED: Rgb = [230, 80, 70], GREEN: Rgb = [100, 200, 110];

function fillRect(img: RgbImage, x0: number, y0: number, w: number, h: number, c: Rgb): void {
  for (let y = Math.max(0, y0); y < Math.min(img.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(img.width, x0 + w); x++) {
      const o = (y * img.width + x) * 3;
      img.data[o] = c[0], img.data[o + 1] = c[1], img.data[o + 2] = c[2];
    }
  }
}

const FAVOURITES_TITLE = "FAVOURITES (SAMPLE / TRAINING  x COUNT)";

function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : "-";
}

/**
 * A report picture of `result`: horizontal bars for SWD per level and mean
 * (scaled to the largest), the two MS-SSIM values on 0..1, the memorisation
 * share on 0..1, then the favourites strip (sample left, training image
 * right, with counts) if `generated` and `training` - the same batches the
 * result came from - are given. Each favourite is labelled with
 * `labels[trainingIndex]` when `labels` is given (e.g. the dataset ids, so
 * the user can look the painting up), else with its training index. Returns
 * raw RGB; labels use the 3x5 font at 2x.
 */
export function renderReport(
  result: EvalResult,
  generated?: ImageBatch,
  training?: ImageBatch,
  labels?: readonly string[],
): RgbImage {
  const S = 2, line = 7 * S + 4, labelW = textWidth("MSSSIM REAL", S) + 8, barW = 160;
  const rows: { label: string; value: number; max: number; text: string; color: Rgb }[] = [];
  if (result.swd) {
    const max = Math.max(...result.swd.levels.map((l) => l.swd), result.swd.mean, 1e-9);
    for (const l of result.swd.levels) {
      rows.push({
        label: `SWD ${l.resolution}`,
        value: l.swd,
        max,
        text: fmt(l.swd, 2),
        color: BLUE,
      });
    }
    rows.push({
      label: "SWD MEAN",
      value: result.swd.mean,
      max,
      text: fmt(result.swd.mean, 2),
      color: BLUE,
    });
  }
  rows.push({
    label: "MSSSIM GEN",
    value: result.msssim.generated,
    max: 1,
    text: fmt(result.msssim.generated),
    color: ORANGE,
  });
  rows.push({
    label: "MSSSIM REAL",
    value: result.msssim.real,
    max: 1,
    text: fmt(result.msssim.real),
    color: GREEN,
  });
  const m = result.memorization;
  rows.push({
    label: "MEMORISED",
    value: m.share,
    max: 1,
    text: `${fmt(m.share * 100, 1)}%`,
    color: RED,
  });
  const strip = generated && training && m.favourites.length
    ? favouritesPicture(generated, training, m)
    : null;
  const label = (f: MemorizationResult["favourites"][number]) =>
    `${labels?.[f.trainingIndex] ?? f.trainingIndex} x${f.count}`;
  const textW = textWidth("000.000%", S) + 8;
  const W = Math.max(
    labelW + barW + textW + 16,
    strip ? strip.width + Math.max(0, ...m.favourites.map((f) => textWidth(label(f), S))) + 24 : 0,
    strip ? textWidth(FAVOURITES_TITLE, S) + 16 : 0,
  );
  const top = 8 + line * 2;
  const stripY = top + rows.length * line + 8 + line;
  const H = strip ? stripY + strip.height + 8 : top + rows.length * line + 8;
  const img: RgbImage = { width: W, height: H, data: new Uint8Array(W * H * 3).fill(16) };
  drawText(img, "EVALUATION", 8, 8, WHITE, S);
  drawText(
    img,
    `GEN ${result.counts.generated} TRAIN ${result.counts.training} HELD ${result.counts.heldOut}`,
    8,
    8 + line,
    GREY,
    S,
  );
  rows.forEach((r, i) => {
    const y = top + i * line;
    drawText(img, r.label, 8, y, GREY, S);
    fillRect(img, 8 + labelW, y, barW, 5 * S, [40, 40, 40]);
    const len = Math.round(barW * Math.min(1, Math.max(0, r.value / r.max)));
    fillRect(img, 8 + labelW, y, len, 5 * S, r.color);
    drawText(img, r.text, 16 + labelW + barW, y, WHITE, S);
  });
  if (strip) {
    drawText(img, FAVOURITES_TITLE, 8, stripY - line, GREY, S);
    for (let y = 0; y < strip.height; y++) {
      img.data.set(
        strip.data.subarray(y * strip.width * 3, (y + 1) * strip.width * 3),
        ((stripY + y) * W + 8) * 3,
      );
    }
    const h = generated!.height;
    m.favourites.forEach((f, r) => {
      const y = stripY + 2 + r * (h + 2) + (h >> 1) - 5;
      drawText(
        img,
        label(f),
        strip.width + 16,
        y,
        f.flagged ? RED : WHITE,
        S,
      );
    });
  }
  return img;
}
