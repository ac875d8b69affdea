/**
 * DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for
 * Data-Efficient GAN Training"): the same random, differentiable transforms
 * applied inside the graph to real and generated images before the
 * discriminator, so that it cannot memorise the few real images it sees.
 *
 * Every draw is per sample and comes from the stateless generator with the
 * step's seed, so a resumed run stays exact. Images are NHWC in [-1, 1].
 *
 * - color: brightness + U(-0.5, 0.5); saturation × U(0, 2) around each
 *   pixel's channel mean; contrast × U(0.5, 1.5) around the image mean.
 * - translation: an integer shift of up to round(size / 8) pixels on each
 *   axis, zero fill (as one-hot shift matrices, so it is a matrix product).
 * - cutout: a zeroed square of half the size at a random centre.
 *
 * @module
 */

import type { Graph, Output } from "../tf/graph.ts";
import { type } from "../tf/attrs.ts";
import * as ops from "../tf/ops.ts";
import { UserError } from "../util/errors.ts";
import { streamSeed } from "../layers/layer.ts";

/** The transforms DiffAugment knows. */
export const DIFFAUGMENT_TRANSFORMS = ["color", "translation", "cutout"] as const;

/** One DiffAugment transform name. */
export type DiffAugmentTransform = typeof DIFFAUGMENT_TRANSFORMS[number];

/** Parses "color,translation,cutout" (or "" for none); unknown names are a usage error. */
export function parseDiffAugmentPolicy(policy: string): DiffAugmentTransform[] {
  if (!policy) return [];
  const parts = policy.split(",").map((p) => p.trim()).filter(Boolean);
  for (const p of parts) {
    if (!(DIFFAUGMENT_TRANSFORMS as readonly string[]).includes(p)) {
      throw new UserError(
        `unknown DiffAugment transform '${p}': use a comma-separated list of ${
          DIFFAUGMENT_TRANSFORMS.join(", ")
        }`,
        { exitCode: 2 },
      );
    }
  }
  return parts as DiffAugmentTransform[];
}

/** Random streams one `diffAugment` call uses, from `firstStream` on. */
export const DIFFAUGMENT_STREAMS = 7;

function batchShape(g: Graph, x: Output, rest: number[]): Output {
  return ops.concat([ops.slice(ops.shapeOf(x), [0], [1]), ops.int32s(g, rest)], 0);
}

// Random draws and the masks built from them are constants for backprop:
// without StopGradient the gradient builder walks into the random ops (their
// shape comes from x) and finds no gradient for them.
function uniform(g: Graph, x: Output, seed: Output, stream: number): Output {
  return ops.stopGradient(
    ops.statelessUniform(g, batchShape(g, x, [1, 1, 1]), streamSeed(g, seed, stream)),
  );
}

function uniformInt(
  g: Graph,
  x: Output,
  seed: Output,
  stream: number,
  lo: number,
  hiExclusive: number,
): Output {
  return g.addOp({
    type: "StatelessRandomUniformInt",
    name: "uniform_int",
    inputs: [
      batchShape(g, x, []),
      streamSeed(g, seed, stream),
      ops.scalar(g, lo, "int32"),
      ops.scalar(g, hiExclusive, "int32"),
    ],
    attrs: { dtype: type("int32") },
  }).output(0);
}

/** Brightness + U(-0.5, 0.5), one draw per sample (stream `stream`). */
export function randBrightness(x: Output, seed: Output, stream: number): Output {
  const g = x.graph;
  return ops.add(x, ops.sub(uniform(g, x, seed, stream), ops.scalar(g, 0.5)));
}

/** Saturation × U(0, 2) around each pixel's mean over the colour channels (stream `stream`). */
export function randSaturation(x: Output, seed: Output, stream: number): Output {
  const g = x.graph;
  const pixelMean = ops.mean(x, [3], true);
  const factor = ops.mul(uniform(g, x, seed, stream), ops.scalar(g, 2));
  return ops.add(ops.mul(ops.sub(x, pixelMean), factor), pixelMean);
}

/** Contrast × U(0.5, 1.5) around the image's mean (stream `stream`). */
export function randContrast(x: Output, seed: Output, stream: number): Output {
  const g = x.graph;
  const imageMean = ops.mean(x, [1, 2, 3], true);
  const factor = ops.add(uniform(g, x, seed, stream), ops.scalar(g, 0.5));
  return ops.add(ops.mul(ops.sub(x, imageMean), factor), imageMean);
}

/** Brightness, saturation and contrast jitter, in that order (streams `first`..`first + 2`). */
export function randColor(x: Output, seed: Output, first: number): Output {
  return x.graph.withScope(
    "color",
    () =>
      randContrast(
        randSaturation(randBrightness(x, seed, first), seed, first + 1),
        seed,
        first + 2,
      ),
  );
}

/**
 * Per-sample shift matrices S[b, i, j] = 1 when j = i + shift[b] (rows that
 * would read outside the image stay zero: the zero fill).
 */
function shiftMatrices(g: Graph, shift: Output, size: number): Output {
  const rows = ops.reshape(ops.int32s(g, Array.from({ length: size }, (_, i) => i)), [1, size]);
  const source = ops.add(rows, ops.reshape(shift, [-1, 1]));
  return ops.stopGradient(
    g.addOp({
      type: "OneHot",
      name: "shift",
      inputs: [source, ops.scalar(g, size, "int32"), ops.scalar(g, 1), ops.scalar(g, 0)],
      attrs: { axis: { kind: "int", value: -1 } },
    }).output(0),
  );
}

/** Integer translation by up to round(size / 8) pixels per axis, zero fill (streams `first`, `first + 1`). */
export function randTranslation(x: Output, seed: Output, first: number, ratio = 0.125): Output {
  const g = x.graph;
  const [, h, w, c] = x.shape!;
  return g.withScope("translation", () => {
    const sh = Math.floor(h * ratio + 0.5);
    const sw = Math.floor(w * ratio + 0.5);
    const ty = uniformInt(g, x, seed, first, -sh, sh + 1);
    const tx = uniformInt(g, x, seed, first + 1, -sw, sw + 1);
    const bmm = (a: Output, b: Output) =>
      g.addOp({ type: "BatchMatMulV2", inputs: [a, b] }).output(0);
    // Rows: [B, H, H] × [B, H, W·C].
    let y = bmm(shiftMatrices(g, ty, h), ops.reshape(x, [-1, h, w * c]));
    // Columns: move W to the front, shift, move it back.
    const perm = (t: Output, p: number[]) =>
      g.addOp({ type: "Transpose", inputs: [t, ops.int32s(g, p)] }).output(0);
    y = perm(ops.reshape(y, [-1, h, w, c]), [0, 2, 1, 3]);
    y = bmm(shiftMatrices(g, tx, w), ops.reshape(y, [-1, w, h * c]));
    return perm(ops.reshape(y, [-1, w, h, c]), [0, 2, 1, 3]);
  });
}

/** Zeroes a square of `ratio` × size at a random centre per sample (streams `first`, `first + 1`). */
export function randCutout(x: Output, seed: Output, first: number, ratio = 0.5): Output {
  const g = x.graph;
  const [, h, w] = x.shape!;
  return g.withScope("cutout", () => {
    const ch = Math.floor(h * ratio + 0.5);
    const cw = Math.floor(w * ratio + 0.5);
    // Centres as in the reference: offset in [0, size + (1 - cut % 2)), box from offset - cut/2.
    const oy = uniformInt(g, x, seed, first, 0, h + (1 - (ch % 2)));
    const ox = uniformInt(g, x, seed, first + 1, 0, w + (1 - (cw % 2)));
    const inside = (offset: Output, size: number, cut: number, shape: number[]) => {
      const idx = ops.reshape(ops.int32s(g, Array.from({ length: size }, (_, i) => i)), [1, size]);
      const start = ops.sub(
        ops.reshape(offset, [-1, 1]),
        ops.scalar(g, Math.floor(cut / 2), "int32"),
      );
      const end = ops.add(start, ops.scalar(g, cut, "int32"));
      const yes = g.addOp({
        type: "LogicalAnd",
        inputs: [ops.greaterEqual(idx, start), ops.less(idx, end)],
      }).output(0);
      return ops.reshape(ops.cast(yes, "float32"), shape);
    };
    const iy = inside(oy, h, ch, [-1, h, 1, 1]);
    const ix = inside(ox, w, cw, [-1, 1, w, 1]);
    const mask = ops.stopGradient(ops.sub(ops.scalar(g, 1), ops.mul(iy, ix)));
    return ops.mul(x, mask);
  });
}

/** Applies `policy` in order (color, then translation, then cutout as listed), using streams from `firstStream`. */
export function diffAugment(
  x: Output,
  policy: ReadonlyArray<DiffAugmentTransform>,
  seed: Output,
  firstStream: number,
): Output {
  const g = x.graph;
  return g.withScope("diffaugment", () => {
    let y = x;
    for (const t of policy) {
      if (t === "color") y = randColor(y, seed, firstStream);
      else if (t === "translation") y = randTranslation(y, seed, firstStream + 3);
      else y = randCutout(y, seed, firstStream + 5);
    }
    return y;
  });
}
