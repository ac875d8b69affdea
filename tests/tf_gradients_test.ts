/**
 * Symbolic gradients (`TF_AddGradientsWithPrefix`) of every op the DCGAN
 * uses, against central finite differences obtained by running the forward
 * graph with perturbed feeds. float64 wherever the CPU kernels allow it;
 * FusedBatchNormV3 only has float32 kernels, so it is checked in float32
 * with a looser tolerance on a well-conditioned input.
 */

import { gradients } from "../src/tf/gradients.ts";
import { Graph, type Output } from "../src/tf/graph.ts";
import * as ops from "../src/tf/ops.ts";
import { Session } from "../src/tf/session.ts";
import { Tensor } from "../src/tf/tensor.ts";
import { Variable } from "../src/tf/variables.ts";
import { constantFill } from "../src/tf/initializers.ts";
import {
  assert,
  assertAllClose,
  dot,
  loadTensorFlow,
  randomValues,
  rng,
  runValues,
} from "./helpers/tf.ts";

await loadTensorFlow();

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

interface Input {
  name: string;
  shape: number[];
  values: number[];
}

interface GradientCase {
  dtype: "float32" | "float64";
  inputs: Input[];
  /** Builds the outputs y from the input placeholders. */
  build: (xs: Output[], g: Graph) => Output | Output[];
  /** Finite-difference step. */
  h?: number;
  atol?: number;
  rtol?: number;
  seed?: number;
}

/**
 * Checks d⟨y, w⟩/dx for random cotangents w (fed as `dys`) against central
 * differences of ⟨y, w⟩, which is computed here in float64 from the fetched y.
 */
function checkGradients(c: GradientCase): void {
  const h = c.h ?? 1e-6;
  const tolerance = { atol: c.atol ?? 1e-7, rtol: c.rtol ?? 1e-6 };
  using g = new Graph();
  const xs = c.inputs.map((input) => ops.placeholder(g, c.dtype, input.shape, input.name));
  const built = c.build(xs, g);
  const ys = Array.isArray(built) ? built : [built];
  const next = rng(c.seed ?? 1234);
  const yShapes = ys.map((y) => {
    const shape = y.shape;
    assert(shape !== null && shape.every((d) => d >= 0), `static shape of ${y.name}: ${shape}`);
    return shape;
  });
  const ws = yShapes.map((shape) => randomValues(next, size(shape)));
  const dys = ys.map((_, k) => ops.placeholder(g, c.dtype, yShapes[k], `dy${k}`));
  const grads = gradients(g, ys, xs, { dys });
  using s = new Session(g);

  const withFeeds = <T>(values: number[][], extra: Input[], fn: (f: [Output, Tensor][]) => T) => {
    const feeds: [Output, Tensor][] = [
      ...values.map((v, k) =>
        [xs[k], Tensor.from(c.dtype, c.inputs[k].shape, v)] as [
          Output,
          Tensor,
        ]
      ),
      ...extra.map((e, k) =>
        [dys[k], Tensor.from(c.dtype, e.shape, e.values)] as [
          Output,
          Tensor,
        ]
      ),
    ];
    try {
      return fn(feeds);
    } finally {
      for (const [, t] of feeds) t.dispose();
    }
  };
  const base = c.inputs.map((input) => input.values);
  const symbolic = withFeeds(
    base,
    ws.map((w, k) => ({ name: `dy${k}`, shape: yShapes[k], values: w })),
    (feeds) => runValues(s, grads, feeds),
  );
  const loss = (values: number[][]) =>
    withFeeds(values, [], (feeds) => {
      const out = runValues(s, ys, feeds);
      return out.reduce((acc, y, k) => acc + dot(y, ws[k]), 0);
    });
  c.inputs.forEach((input, k) => {
    const numeric = input.values.map((_, i) => {
      const plus = base.map((v) => v.slice());
      const minus = base.map((v) => v.slice());
      plus[k][i] += h;
      minus[k][i] -= h;
      return (loss(plus) - loss(minus)) / (2 * h);
    });
    assertAllClose(symbolic[k], numeric, tolerance, `d/d${input.name}`);
    // A zero gradient would pass a loose check trivially: make sure it is not.
    assert(numeric.some((v) => Math.abs(v) > 1e-3), `d/d${input.name} is all ~0`);
  });
}

/** Random values away from 0 (kinks of LeakyRelu, Relu and Abs). */
function awayFromZero(next: () => number, n: number): number[] {
  return randomValues(next, n).map((v) => (v < 0 ? v - 0.1 : v + 0.1));
}

const r = rng(42);
const input = (name: string, shape: number[], lo = -1, hi = 1): Input => ({
  name,
  shape,
  values: randomValues(r, size(shape), lo, hi),
});

Deno.test("gradient of MatMul (float64, both inputs, with and without transposes)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [input("a", [3, 4]), input("b", [4, 2])],
    build: ([a, b]) => ops.matMul(a, b),
  });
  checkGradients({
    dtype: "float64",
    inputs: [input("at", [4, 3]), input("bt", [2, 4])],
    build: ([a, b]) => ops.matMul(a, b, { transposeA: true, transposeB: true }),
  });
});

Deno.test("gradient of BiasAdd (float64, input and bias)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [input("x", [2, 2, 3, 4]), input("bias", [4])],
    build: ([x, b]) => ops.biasAdd(x, b),
  });
});

Deno.test("gradient of Conv2D SAME stride 2 (float64, input and filter)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [input("x", [2, 5, 4, 2]), input("filter", [3, 4, 2, 3])],
    build: ([x, f]) => ops.conv2d(x, f, [2, 2], "SAME"),
  });
});

Deno.test("gradient of Conv2DBackpropInput, the transposed convolution (float64, input and filter)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [input("x", [2, 3, 2, 3]), input("filter", [4, 4, 2, 3])],
    build: ([x, f], g) => ops.conv2dTranspose(x, f, ops.int32s(g, [2, 6, 4, 2]), [2, 2], "SAME"),
  });
});

Deno.test("gradient of FusedBatchNormV3 in training mode (float32; x, scale and offset)", () => {
  const next = rng(5);
  const C = 3;
  checkGradients({
    dtype: "float32",
    inputs: [
      // Per-channel spread of order 1: the normalisation is well conditioned.
      { name: "x", shape: [2, 2, 3, C], values: randomValues(next, 12 * C, -2, 2) },
      { name: "scale", shape: [C], values: [1.5, -0.7, 1] },
      { name: "offset", shape: [C], values: [0.2, 0, -0.5] },
    ],
    build: ([x, scale, offset], g) => {
      const empty = ops.constant(g, "float32", [0], []);
      return ops.fusedBatchNorm(x, scale, offset, empty, empty, {
        epsilon: 1e-3,
        training: true,
      }).y;
    },
    h: 1e-2,
    atol: 1e-3,
    rtol: 5e-3,
  });
});

Deno.test("gradient of LeakyRelu (float64, away from the kink)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [{ name: "x", shape: [4, 5], values: awayFromZero(rng(6), 20) }],
    build: ([x]) => ops.leakyRelu(x, 0.2),
  });
});

Deno.test("gradient of Tanh (float64)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [input("x", [3, 5], -2.5, 2.5)],
    build: ([x]) => ops.tanh(x),
  });
});

Deno.test("gradient of Reshape (float64)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [input("x", [2, 3, 4])],
    // Reshape alone is linear: square afterwards so the check also sees the layout.
    build: ([x]) => ops.square(ops.reshape(x, [4, -1])),
  });
});

Deno.test("gradient of Mean (float64, all axes and some axes)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [input("x", [2, 3, 4])],
    build: ([x]) => [ops.mean(x), ops.mean(x, [0, 2], true), ops.mean(x, [1])],
  });
});

Deno.test("gradient of sigmoidCrossEntropyWithLogits (float64, logits and labels)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [
      { name: "logits", shape: [10], values: awayFromZero(rng(7), 10).map((v) => v * 4) },
      input("labels", [10], 0, 1),
    ],
    build: ([x, z]) => ops.sigmoidCrossEntropyWithLogits(x, z),
  });
});

Deno.test("gradient of a mean BCE loss through a small dense + LeakyRelu + Tanh stack (float64)", () => {
  checkGradients({
    dtype: "float64",
    inputs: [input("x", [4, 3]), input("w", [3, 5]), input("b", [5]), input("w2", [5, 1])],
    build: ([x, w, b, w2], g) => {
      const hidden = ops.leakyRelu(ops.biasAdd(ops.matMul(x, w), b), 0.2);
      const logits = ops.matMul(ops.tanh(hidden), w2);
      const labels = ops.constant(g, "float64", [4, 1], [1, 0, 1, 0]);
      return ops.mean(ops.sigmoidCrossEntropyWithLogits(logits, labels));
    },
  });
});

Deno.test("gradient with respect to a variable's ReadVariableOp (Variable.value), perturbing the variable itself", () => {
  const next = rng(8);
  const xValues = randomValues(next, 4 * 3);
  const wValues = randomValues(next, 3 * 2);
  const cValues = randomValues(next, 4 * 2);
  using g = new Graph();
  const w = new Variable(g, "w", [3, 2], constantFill(0), { dtype: "float64" });
  const newValue = ops.placeholder(g, "float64", [3, 2], "new_value");
  const set = w.assign(newValue, "set_w");
  const y = ops.tanh(ops.matMul(ops.constant(g, "float64", [4, 3], xValues), w.value));
  const loss = ops.sum(ops.mul(y, ops.constant(g, "float64", [4, 2], cValues)));
  const [grad] = gradients(g, [loss], [w.value]);
  using s = new Session(g);
  const setTo = (values: number[]) => {
    using t = Tensor.from("float64", [3, 2], values);
    s.run({ feeds: [[newValue, t]], targets: [set] });
  };
  setTo(wValues);
  const [symbolic] = runValues(s, [grad]);
  const h = 1e-6;
  const numeric = wValues.map((_, i) => {
    const plus = wValues.slice();
    const minus = wValues.slice();
    plus[i] += h;
    minus[i] -= h;
    setTo(plus);
    const lp = runValues(s, [loss])[0][0];
    setTo(minus);
    const lm = runValues(s, [loss])[0][0];
    return (lp - lm) / (2 * h);
  });
  assertAllClose(symbolic, numeric, { atol: 1e-7, rtol: 1e-6 }, "d loss / d w");
  // And the hand formula: dL/dW = Xᵀ · (c ⊙ (1 - tanh²(XW))).
  setTo(wValues);
  const [yv] = runValues(s, [y]);
  const expected = Array.from({ length: 6 }, (_, idx) => {
    const [i, j] = [Math.floor(idx / 2), idx % 2];
    let acc = 0;
    for (let n = 0; n < 4; n++) {
      acc += xValues[n * 3 + i] * cValues[n * 2 + j] * (1 - yv[n * 2 + j] ** 2);
    }
    return acc;
  });
  assertAllClose(symbolic, expected, { atol: 1e-12 }, "hand formula");
});

Deno.test("one tensor feeding two outputs: gradients([tanh(x), x·x], [x]) is the sum of both", () => {
  const xValues = randomValues(rng(9), 6, -2, 2);
  using g = new Graph();
  const x = ops.placeholder(g, "float64", [6], "x");
  const y1 = ops.tanh(x);
  const y2 = ops.mul(x, x);
  const [both] = gradients(g, [y1, y2], [x]);
  const [only1] = gradients(g, [y1], [x]);
  const [only2] = gradients(g, [y2], [x]);
  // Two paths inside one output too: d(tanh(x)·x)/dx = (1 - tanh²x)·x + tanh x.
  const [product] = gradients(g, [ops.mul(y1, x)], [x]);
  using s = new Session(g);
  using xt = Tensor.from("float64", [6], xValues);
  const [b, o1, o2, p] = runValues(s, [both, only1, only2, product], [[x, xt]]);
  const t = xValues.map(Math.tanh);
  assertAllClose(b, xValues.map((v, i) => 1 - t[i] ** 2 + 2 * v), { atol: 1e-12 }, "sum");
  assertAllClose(b, o1.map((v, i) => v + o2[i]), { atol: 1e-12 }, "sum of separate gradients");
  assertAllClose(p, xValues.map((v, i) => (1 - t[i] ** 2) * v + t[i]), { atol: 1e-12 }, "product");
  // And against finite differences of the summed outputs.
  checkGradients({
    dtype: "float64",
    inputs: [{ name: "x", shape: [6], values: xValues }],
    build: ([x]) => [ops.tanh(x), ops.mul(x, x)],
  });
});

Deno.test("asking for the gradient of an unconnected tensor is an error, not a crash", () => {
  using g = new Graph();
  const x = ops.placeholder(g, "float64", [2], "x");
  const unrelated = ops.placeholder(g, "float64", [2], "unrelated");
  let error: unknown;
  try {
    gradients(g, [ops.tanh(x)], [x, unrelated]);
  } catch (e) {
    error = e;
  }
  assert(error instanceof Error, "expected an error");
  assert(/unrelated/.test(error.message), error.message);
});
