/**
 * Each op the DCGAN uses, against values computed here in TypeScript (never
 * copied from TensorFlow's own output).
 */

import { Graph, type Output } from "../src/tf/graph.ts";
import * as ops from "../src/tf/ops.ts";
import { Session } from "../src/tf/session.ts";
import { Tensor } from "../src/tf/tensor.ts";
import type { DType } from "../src/tf/dtype.ts";
import {
  assert,
  assertAllClose,
  assertEquals,
  dot,
  loadTensorFlow,
  randomValues,
  rng,
  runTensors,
  runValues,
} from "./helpers/tf.ts";

await loadTensorFlow();

/** Builds a graph with `build`, runs it once and returns the fetched values and shapes. */
function evaluate(
  build: (g: Graph) => Output[],
): { shape: readonly number[]; values: number[] }[] {
  using g = new Graph();
  const fetches = build(g);
  using s = new Session(g);
  return runTensors(s, fetches);
}

/** SAME padding as TensorFlow computes it: output size and the leading pad. */
function samePadding(size: number, k: number, stride: number): { out: number; before: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + k - size, 0);
  return { out, before: Math.floor(total / 2) };
}

interface ConvShape {
  n: number;
  h: number;
  w: number;
  ci: number;
  kh: number;
  kw: number;
  co: number;
  stride: number;
}

/** Naive NHWC × HWIO convolution with SAME padding. */
function naiveConv2d(
  x: number[],
  f: number[],
  s: ConvShape,
): { values: number[]; shape: number[] } {
  const ph = samePadding(s.h, s.kh, s.stride);
  const pw = samePadding(s.w, s.kw, s.stride);
  const out = new Array(s.n * ph.out * pw.out * s.co).fill(0);
  for (let n = 0; n < s.n; n++) {
    for (let oh = 0; oh < ph.out; oh++) {
      for (let ow = 0; ow < pw.out; ow++) {
        for (let co = 0; co < s.co; co++) {
          let acc = 0;
          for (let kh = 0; kh < s.kh; kh++) {
            const ih = oh * s.stride + kh - ph.before;
            if (ih < 0 || ih >= s.h) continue;
            for (let kw = 0; kw < s.kw; kw++) {
              const iw = ow * s.stride + kw - pw.before;
              if (iw < 0 || iw >= s.w) continue;
              for (let ci = 0; ci < s.ci; ci++) {
                acc += x[((n * s.h + ih) * s.w + iw) * s.ci + ci] *
                  f[((kh * s.kw + kw) * s.ci + ci) * s.co + co];
              }
            }
          }
          out[((n * ph.out + oh) * pw.out + ow) * s.co + co] = acc;
        }
      }
    }
  }
  return { values: out, shape: [s.n, ph.out, pw.out, s.co] };
}

/**
 * Naive transposed convolution: scatters each input pixel of `y` (shape
 * [n, ceil(h/stride), ceil(w/stride), co]) through the HWIO filter into an
 * output of shape [n, h, w, ci]; the adjoint of {@linkcode naiveConv2d}.
 */
function naiveConv2dTranspose(y: number[], f: number[], s: ConvShape): number[] {
  const ph = samePadding(s.h, s.kh, s.stride);
  const pw = samePadding(s.w, s.kw, s.stride);
  const out = new Array(s.n * s.h * s.w * s.ci).fill(0);
  for (let n = 0; n < s.n; n++) {
    for (let yh = 0; yh < ph.out; yh++) {
      for (let yw = 0; yw < pw.out; yw++) {
        for (let kh = 0; kh < s.kh; kh++) {
          const oh = yh * s.stride + kh - ph.before;
          if (oh < 0 || oh >= s.h) continue;
          for (let kw = 0; kw < s.kw; kw++) {
            const ow = yw * s.stride + kw - pw.before;
            if (ow < 0 || ow >= s.w) continue;
            for (let ci = 0; ci < s.ci; ci++) {
              let acc = 0;
              for (let co = 0; co < s.co; co++) {
                acc += y[((n * ph.out + yh) * pw.out + yw) * s.co + co] *
                  f[((kh * s.kw + kw) * s.ci + ci) * s.co + co];
              }
              out[((n * s.h + oh) * s.w + ow) * s.ci + ci] += acc;
            }
          }
        }
      }
    }
  }
  return out;
}

const CONV_CASES: ConvShape[] = [
  // DCGAN-like: even size, 4×4 kernel, stride 2.
  { n: 2, h: 8, w: 8, ci: 3, kh: 4, kw: 4, co: 5, stride: 2 },
  // Odd sizes and a non-square kernel: asymmetric SAME padding.
  { n: 1, h: 7, w: 6, ci: 2, kh: 3, kw: 5, co: 4, stride: 2 },
];

Deno.test("MatMul multiplies matrices, with and without transposes", () => {
  const a = [1, 2, 3, 4, 5, 6]; // 2×3
  const b = [7, 8, 9, 10, 11, 12]; // 3×2
  // [1 2 3; 4 5 6] · [7 8; 9 10; 11 12] = [58 64; 139 154]
  const [plain, ta, tb] = evaluate((g) => {
    const A = ops.constant(g, "float32", [2, 3], a);
    const B = ops.constant(g, "float32", [3, 2], b);
    const At = ops.constant(g, "float32", [3, 2], [1, 4, 2, 5, 3, 6]);
    const Bt = ops.constant(g, "float32", [2, 3], [7, 9, 11, 8, 10, 12]);
    return [
      ops.matMul(A, B),
      ops.matMul(At, B, { transposeA: true }),
      ops.matMul(A, Bt, { transposeB: true }),
    ];
  });
  for (const r of [plain, ta, tb]) {
    assertEquals(r.shape, [2, 2]);
    assertEquals(r.values, [58, 64, 139, 154]);
  }
});

Deno.test("BiasAdd adds a per-channel bias along the last axis (NHWC)", () => {
  const next = rng(1);
  const x = randomValues(next, 2 * 3 * 2 * 4);
  const bias = [0.5, -1, 2, 10];
  const [r] = evaluate((g) => [
    ops.biasAdd(ops.constant(g, "float32", [2, 3, 2, 4], x), ops.constant(g, "float32", [4], bias)),
  ]);
  assertEquals(r.shape, [2, 3, 2, 4]);
  assertAllClose(r.values, x.map((v, i) => v + bias[i % 4]), { atol: 1e-6 });
});

for (const c of CONV_CASES) {
  Deno.test(`Conv2D SAME stride ${c.stride} matches a naive convolution (${c.h}×${c.w}, kernel ${c.kh}×${c.kw})`, () => {
    const next = rng(100 + c.h);
    const x = randomValues(next, c.n * c.h * c.w * c.ci);
    const f = randomValues(next, c.kh * c.kw * c.ci * c.co);
    const expected = naiveConv2d(x, f, c);
    for (const dtype of ["float32", "float64"] as const) {
      const [r] = evaluate((g) => [
        ops.conv2d(
          ops.constant(g, dtype, [c.n, c.h, c.w, c.ci], x),
          ops.constant(g, dtype, [c.kh, c.kw, c.ci, c.co], f),
          [c.stride, c.stride],
          "SAME",
        ),
      ]);
      assertEquals(r.shape, expected.shape);
      assertAllClose(
        r.values,
        expected.values,
        { atol: dtype === "float32" ? 1e-5 : 1e-12 },
        dtype,
      );
    }
  });

  Deno.test(`Conv2DBackpropInput is the transposed convolution (${c.h}×${c.w}, kernel ${c.kh}×${c.kw})`, () => {
    const next = rng(200 + c.h);
    const yShape = [c.n, Math.ceil(c.h / c.stride), Math.ceil(c.w / c.stride), c.co];
    const x = randomValues(next, c.n * c.h * c.w * c.ci);
    const y = randomValues(next, yShape.reduce((a, b) => a * b, 1));
    const f = randomValues(next, c.kh * c.kw * c.ci * c.co);
    const expected = naiveConv2dTranspose(y, f, c);
    const [convT, conv] = evaluate((g) => {
      const filter = ops.constant(g, "float64", [c.kh, c.kw, c.ci, c.co], f);
      return [
        ops.conv2dTranspose(
          ops.constant(g, "float64", yShape, y),
          filter,
          ops.int32s(g, [c.n, c.h, c.w, c.ci]),
          [c.stride, c.stride],
          "SAME",
        ),
        ops.conv2d(
          ops.constant(g, "float64", [c.n, c.h, c.w, c.ci], x),
          filter,
          [c.stride, c.stride],
        ),
      ];
    });
    assertEquals(convT.shape, [c.n, c.h, c.w, c.ci]);
    assertAllClose(convT.values, expected, { atol: 1e-12 }, "transposed convolution");
    // Adjoint identity, with TensorFlow computing both sides: <conv(x), y> = <x, convT(y)>.
    const left = dot(conv.values, y);
    const right = dot(x, convT.values);
    assert(Math.abs(left - right) <= 1e-10 * Math.max(1, Math.abs(left)), `${left} vs ${right}`);
  });
}

Deno.test("Conv2DBackpropInput in float32 (the DCGAN's type) matches the naive transposed convolution", () => {
  const c = CONV_CASES[0];
  const next = rng(300);
  const yShape = [c.n, c.h / 2, c.w / 2, c.co];
  const y = randomValues(next, yShape.reduce((a, b) => a * b, 1));
  const f = randomValues(next, c.kh * c.kw * c.ci * c.co);
  const [r] = evaluate((g) => [
    ops.conv2dTranspose(
      ops.constant(g, "float32", yShape, y),
      ops.constant(g, "float32", [c.kh, c.kw, c.ci, c.co], f),
      ops.int32s(g, [c.n, c.h, c.w, c.ci]),
      [2, 2],
    ),
  ]);
  assertAllClose(r.values, naiveConv2dTranspose(y, f, c), { atol: 1e-5 });
});

/** Per-channel mean and population variance of NHWC data with `channels` channels. */
function channelMoments(x: number[], channels: number): { mean: number[]; variance: number[] } {
  const count = x.length / channels;
  const mean = new Array(channels).fill(0);
  const variance = new Array(channels).fill(0);
  x.forEach((v, i) => (mean[i % channels] += v / count));
  x.forEach((v, i) => (variance[i % channels] += (v - mean[i % channels]) ** 2 / count));
  return { mean, variance };
}

Deno.test("FusedBatchNormV3 in training mode normalises with the batch moments and reports Bessel-corrected variance", () => {
  const next = rng(7);
  const C = 3;
  const shape = [2, 3, 2, C]; // 12 values per channel
  const count = 12;
  // Different location and spread per channel.
  const x = randomValues(next, 2 * 3 * 2 * C).map((v, i) => v * (i % C + 1) + (i % C) * 5);
  const scale = [1.5, 0.5, -2];
  const offset = [0.1, -0.2, 3];
  const eps = 1e-3;
  const { mean, variance } = channelMoments(x, C);
  const [y, batchMean, batchVar] = evaluate((g) => {
    const bn = ops.fusedBatchNorm(
      ops.constant(g, "float32", shape, x),
      ops.constant(g, "float32", [C], scale),
      ops.constant(g, "float32", [C], offset),
      // Moving statistics: with exponential_avg_factor 1 they must not matter.
      ops.constant(g, "float32", [C], [100, 200, 300]),
      ops.constant(g, "float32", [C], [7, 8, 9]),
      { epsilon: eps, training: true },
    );
    return [bn.y, bn.mean, bn.variance];
  });
  assertEquals(y.shape, shape);
  assertAllClose(batchMean.values, mean, { atol: 1e-5 }, "batch mean");
  assertAllClose(
    batchVar.values,
    variance.map((v) => v * count / (count - 1)),
    { rtol: 1e-5 },
    "Bessel-corrected batch variance",
  );
  const expected = x.map((v, i) => {
    const c = i % C;
    return scale[c] * (v - mean[c]) / Math.sqrt(variance[c] + eps) + offset[c];
  });
  assertAllClose(y.values, expected, { atol: 1e-4 }, "normalised output");
  // Normalised (before scale/offset) values have mean 0 and variance ≈ 1 per channel.
  const z = y.values.map((v, i) => (v - offset[i % C]) / scale[i % C]);
  const m = channelMoments(z, C);
  assertAllClose(m.mean, [0, 0, 0], { atol: 1e-5 }, "normalised mean");
  assertAllClose(m.variance, variance.map((v) => v / (v + eps)), { atol: 1e-4 }, "normalised var");
});

Deno.test("FusedBatchNormV3 in inference mode uses the given moving statistics", () => {
  const next = rng(8);
  const C = 2;
  const x = randomValues(next, 4 * C, -3, 3);
  const scale = [2, 0.5];
  const offset = [1, -1];
  const movingMean = [0.5, -0.25];
  const movingVar = [4, 0.09];
  const eps = 1e-3;
  // Fed, not constants: with constant statistics Grappler folds the op into
  // Mul/Add under the same name, whose outputs 1 and 2 then cannot be fetched
  // ("Node 'FusedBatchNormV3' (type: 'Add', num of outputs: 1) does not have
  // output 1"). In the model the statistics are variables, as fed values are here.
  using g = new Graph();
  const inputs = {
    x: [[1, 2, 2, C], x],
    scale: [[C], scale],
    offset: [[C], offset],
    mean: [[C], movingMean],
    variance: [[C], movingVar],
  } as const;
  const placeholders = Object.fromEntries(
    Object.entries(inputs).map(([k, [shape]]) => [k, ops.placeholder(g, "float32", shape, k)]),
  );
  const bn = ops.fusedBatchNorm(
    placeholders.x,
    placeholders.scale,
    placeholders.offset,
    placeholders.mean,
    placeholders.variance,
    { epsilon: eps, training: false },
  );
  using s = new Session(g);
  const feeds = Object.entries(inputs).map((
    [k, [shape, values]],
  ) => [placeholders[k], Tensor.from("float32", shape, values)] as const);
  const [y, outMean, outVar] = runTensors(s, [bn.y, bn.mean, bn.variance], feeds);
  for (const [, t] of feeds) t.dispose();
  const expected = x.map((v, i) => {
    const c = i % C;
    return scale[c] * (v - movingMean[c]) / Math.sqrt(movingVar[c] + eps) + offset[c];
  });
  assertAllClose(y.values, expected, { atol: 1e-5 });
  assertAllClose(outMean.values, movingMean, { atol: 1e-7 });
  assertAllClose(outVar.values, movingVar, { atol: 1e-7 });
});

Deno.test("LeakyRelu keeps positives and scales negatives by alpha", () => {
  const x = [-2, -0.5, 0, 0.5, 3, -100];
  for (const dtype of ["float32", "float64"] as const) {
    const [r] = evaluate((g) => [ops.leakyRelu(ops.constant(g, dtype, [6], x), 0.2)]);
    assertAllClose(r.values, x.map((v) => (v > 0 ? v : 0.2 * v)), { atol: 1e-6 }, dtype);
  }
});

Deno.test("Tanh matches Math.tanh and saturates without NaN", () => {
  const x = [-30, -2, -0.5, 0, 0.25, 1, 4, 30];
  for (const dtype of ["float32", "float64"] as const) {
    const [r] = evaluate((g) => [ops.tanh(ops.constant(g, dtype, [x.length], x))]);
    assertAllClose(
      r.values,
      x.map(Math.tanh),
      dtype === "float32" ? { atol: 1e-6 } : { atol: 1e-15 },
      dtype,
    );
  }
});

Deno.test("Reshape keeps the values in order and infers the -1 dimension", () => {
  const x = Array.from({ length: 24 }, (_, i) => i);
  const [a, b] = evaluate((g) => {
    const c = ops.constant(g, "float32", [2, 3, 4], x);
    return [ops.reshape(c, [-1, 6]), ops.reshape(c, [4, 3, 2])];
  });
  assertEquals(a.shape, [4, 6]);
  assertEquals(b.shape, [4, 3, 2]);
  assertEquals(a.values, x);
  assertEquals(b.values, x);
});

Deno.test("Mean reduces over all axes, chosen axes, and keeps dimensions on request", () => {
  const x = Array.from({ length: 24 }, (_, i) => i * i * 0.5);
  const [all, axis12, keep] = evaluate((g) => {
    const c = ops.constant(g, "float64", [2, 3, 4], x);
    return [ops.mean(c), ops.mean(c, [1, 2]), ops.mean(c, [2], true)];
  });
  const avg = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  assertEquals(all.shape, []);
  assertAllClose(all.values, [avg(x)], { atol: 1e-12 });
  assertEquals(axis12.shape, [2]);
  assertAllClose(axis12.values, [avg(x.slice(0, 12)), avg(x.slice(12))], { atol: 1e-12 });
  assertEquals(keep.shape, [2, 3, 1]);
  assertAllClose(
    keep.values,
    Array.from({ length: 6 }, (_, r) => avg(x.slice(r * 4, r * 4 + 4))),
    { atol: 1e-12 },
  );
});

Deno.test("dropout keeps about 1-rate of the values, scales them by 1/(1-rate), and its mask follows the seed", () => {
  const n = 20000;
  const rate = 0.3;
  const x = randomValues(rng(9), n, 0.5, 1.5); // never 0, so a zero is a dropped value
  using g = new Graph();
  const seed = ops.placeholder(g, "int64", [2], "seed");
  const y = ops.dropout(ops.constant(g, "float32", [n], x), rate, seed);
  using s = new Session(g);
  const run = (a: number, b: number) => {
    using t = Tensor.from("int64", [2], [a, b]);
    return runValues(s, [y], [[seed, t]])[0];
  };
  const first = run(1, 2);
  const again = run(1, 2);
  const other = run(3, 4);
  const scaleF32 = Math.fround(1 / (1 - rate));
  let kept = 0;
  for (let i = 0; i < n; i++) {
    if (first[i] === 0) continue;
    kept++;
    const expected = Math.fround(Math.fround(x[i]) * scaleF32);
    assert(Math.abs(first[i] - expected) <= 1e-6 * expected, `element ${i}: ${first[i]}`);
  }
  // Kept share: binomial with σ = √(0.21/20000) ≈ 0.0032; 0.02 is over 6σ.
  assert(Math.abs(kept / n - (1 - rate)) < 0.02, `kept share ${kept / n}`);
  assertEquals(again, first, "same seed, same mask");
  // Independent masks differ in 2·0.3·0.7 = 42% of the places.
  let differ = 0;
  for (let i = 0; i < n; i++) if ((first[i] === 0) !== (other[i] === 0)) differ++;
  assert(differ / n > 0.35 && differ / n < 0.49, `masks differ in ${differ / n} of the places`);
  // Expectation is kept: mean(dropout(x)) ≈ mean(x).
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  assert(Math.abs(mean(first) - mean(x)) < 0.03, `${mean(first)} vs ${mean(x)}`);
});

Deno.test("sigmoidCrossEntropyWithLogits is exact at the extremes and never infinite", () => {
  const logits = [100, 0, -100, 100, -100, 0, 2.5, -1.25];
  const labels = [0, 1, 1, 1, 0, 0, 0.3, 1];
  // Reference in float64: z·softplus(-x) + (1-z)·softplus(x), each softplus computed stably.
  const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  const reference = logits.map((x, i) => labels[i] * softplus(-x) + (1 - labels[i]) * softplus(x));
  for (const dtype of ["float32", "float64"] as DType[]) {
    const [r] = evaluate((g) => [
      ops.sigmoidCrossEntropyWithLogits(
        ops.constant(g, dtype as "float32", [logits.length], logits),
        ops.constant(g, dtype as "float32", [labels.length], labels),
      ),
    ]);
    assertEquals(r.values[0], 100, `${dtype}: logit 100, label 0`);
    assertEquals(r.values[2], 100, `${dtype}: logit -100, label 1`);
    assertAllClose([r.values[1]], [0.693147], { atol: 5e-7 }, `${dtype}: logit 0, label 1`);
    for (const v of r.values) assert(Number.isFinite(v), `${dtype}: ${v} is not finite`);
    assertAllClose(r.values, reference, { atol: 1e-6, rtol: 1e-6 }, dtype);
  }
});
