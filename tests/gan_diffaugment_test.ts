import assert from "node:assert/strict";
import {
  diffAugment,
  parseDiffAugmentPolicy,
  randBrightness,
  randContrast,
  randCutout,
  randSaturation,
  randTranslation,
} from "../src/gan/diffaugment.ts";
import { Graph, type Output } from "../src/tf/graph.ts";
import { gradients } from "../src/tf/gradients.ts";
import * as ops from "../src/tf/ops.ts";
import { Session } from "../src/tf/session.ts";
import { Tensor } from "../src/tf/tensor.ts";
import { UserError } from "../src/util/errors.ts";
import { loadTensorFlow, rng } from "./helpers/tf.ts";

await loadTensorFlow();

type Transform = (x: Output, seed: Output, stream: number) => Output;

/** Runs `transform` on `input` ([n, h, w, 3]) with step seed [7, step]. */
function apply(transform: Transform, input: Float32Array, shape: number[], step = 0): Float32Array {
  using g = new Graph();
  const x = ops.placeholder(g, "float32", [-1, shape[1], shape[2], 3], "x");
  const seed = ops.placeholder(g, "int64", [2], "seed");
  const y = transform(x, seed, 0);
  using s = new Session(g, { intraOpThreads: 2 });
  using xv = Tensor.from("float32", shape, input);
  using sv = Tensor.from("int64", [2], [7, step]);
  const [out] = s.run({ feeds: [[x, xv], [seed, sv]], fetches: [y] });
  using _ = out;
  return out.values() as Float32Array;
}

const N = 256;

Deno.test("brightness adds one U(-0.5, 0.5) offset per sample", () => {
  const shape = [N, 4, 4, 3];
  const x = new Float32Array(N * 48).map((_, i) => ((i * 37) % 100) / 100 - 0.5);
  const y = apply(randBrightness, x, shape);
  const offsets: number[] = [];
  for (let b = 0; b < N; b++) {
    const d = y[b * 48] - x[b * 48];
    for (let i = 1; i < 48; i++) assert.ok(Math.abs(y[b * 48 + i] - x[b * 48 + i] - d) < 1e-5);
    offsets.push(d);
  }
  assert.ok(Math.min(...offsets) >= -0.5 && Math.max(...offsets) < 0.5);
  assert.ok(Math.min(...offsets) < -0.4 && Math.max(...offsets) > 0.4, "draws cover the range");
});

function factors(transform: Transform, centre: (x: Float32Array, b: number, i: number) => number) {
  const shape = [N, 4, 4, 3];
  const next = rng(3);
  const x = new Float32Array(N * 48).map(() => next() * 2 - 1);
  const y = apply(transform, x, shape);
  const out: number[] = [];
  for (let b = 0; b < N; b++) {
    // The factor is (y - m) / (x - m) for the transform's own centre m.
    const i = 5;
    const m = centre(x, b, i);
    out.push((y[b * 48 + i] - m) / (x[b * 48 + i] - m));
  }
  return out;
}

Deno.test("saturation scales by U(0, 2) around each pixel's mean", () => {
  const f = factors(randSaturation, (x, b, i) => {
    const p = b * 48 + Math.floor(i / 3) * 3;
    return (x[p] + x[p + 1] + x[p + 2]) / 3;
  });
  assert.ok(
    Math.min(...f) >= -1e-4 && Math.max(...f) <= 2 + 1e-4,
    `range ${Math.min(...f)}..${Math.max(...f)}`,
  );
  assert.ok(Math.min(...f) < 0.2 && Math.max(...f) > 1.8);
});

Deno.test("contrast scales by U(0.5, 1.5) around the image mean", () => {
  const f = factors(
    randContrast,
    (x, b) => x.slice(b * 48, (b + 1) * 48).reduce((a, v) => a + v, 0) / 48,
  );
  assert.ok(
    Math.min(...f) >= 0.5 - 1e-4 && Math.max(...f) <= 1.5 + 1e-4,
    `range ${Math.min(...f)}..${Math.max(...f)}`,
  );
  assert.ok(Math.min(...f) < 0.6 && Math.max(...f) > 1.4);
});

Deno.test("translation shifts by whole pixels up to size/8, with zero fill", () => {
  const size = 16; // shift up to round(16 / 8) = 2
  const x = new Float32Array(N * size * size * 3);
  for (let b = 0; b < N; b++) {
    x.fill(1, ((b * size + 8) * size + 8) * 3, ((b * size + 8) * size + 9) * 3);
  }
  const y = apply(randTranslation, x, [N, size, size, 3]);
  const seen = new Set<string>();
  for (let b = 0; b < N; b++) {
    const img = y.subarray(b * size * size * 3, (b + 1) * size * size * 3);
    const lit = [...img.keys()].filter((k) => k % 3 === 0 && img[k] > 0.5).map((k) => k / 3);
    assert.equal(lit.length, 1, "exactly one pixel carries the dot");
    const [py, px] = [Math.floor(lit[0] / size), lit[0] % size];
    const [dy, dx] = [8 - py, 8 - px];
    assert.ok(Math.abs(dy) <= 2 && Math.abs(dx) <= 2, `shift ${dy},${dx}`);
    assert.ok(Math.abs(img.reduce((a, v) => a + v, 0) - 3) < 1e-5, "nothing else changes value");
    seen.add(`${dy},${dx}`);
  }
  assert.equal(seen.size, 25, "every shift in [-2, 2]² occurs");
  // Zero fill: an all-ones image loses exactly |dy| rows and |dx| columns.
  const ones = apply(randTranslation, new Float32Array(N * size * size * 3).fill(1), [
    N,
    size,
    size,
    3,
  ]);
  for (let b = 0; b < N; b++) {
    const total = ones.subarray(b * size * size * 3, (b + 1) * size * size * 3).reduce((a, v) =>
      a + v, 0) / 3;
    const fullRows = [3, 2, 1, 0].find((r) =>
      [0, 1, 2].some((c) => total === (size - r) * (size - c))
    );
    assert.ok(fullRows !== undefined, `sample ${b} keeps ${total} pixels`);
  }
});

Deno.test("cutout zeroes one square of half the size (clipped at the border)", () => {
  const size = 16;
  const y = apply(randCutout, new Float32Array(N * size * size * 3).fill(1), [N, size, size, 3]);
  let unclipped = 0;
  for (let b = 0; b < N; b++) {
    const zeros: Array<[number, number]> = [];
    for (let i = 0; i < size * size; i++) {
      if (y[(b * size * size + i) * 3] === 0) zeros.push([Math.floor(i / size), i % size]);
    }
    const ys = zeros.map((z) => z[0]), xs = zeros.map((z) => z[1]);
    const h = Math.max(...ys) - Math.min(...ys) + 1, w = Math.max(...xs) - Math.min(...xs) + 1;
    assert.ok(h <= 8 && w <= 8, `box ${h}x${w}`);
    assert.equal(zeros.length, h * w, "the zeroed region is a rectangle");
    if (h === 8 && w === 8) unclipped++;
  }
  assert.ok(unclipped > N / 4, "most boxes are whole 8x8 squares");
});

Deno.test("gradients flow through every transform and match finite differences", () => {
  const shape = [2, 8, 8, 3];
  const n = 2 * 8 * 8 * 3;
  const next = rng(11);
  const x0 = new Float32Array(n).map(() => next() * 2 - 1);
  const w = new Float32Array(n).map(() => next() * 2 - 1);
  for (
    const policy of [["color"], ["translation"], ["cutout"], [
      "color",
      "translation",
      "cutout",
    ]] as const
  ) {
    using g = new Graph();
    const x = ops.placeholder(g, "float32", [-1, 8, 8, 3], "x");
    const seed = ops.constant(g, "int64", [2], [3, 4]);
    const loss = ops.sum(
      ops.mul(diffAugment(x, policy, seed, 0), ops.constant(g, "float32", shape, w)),
    );
    const [dx] = gradients(g, [loss], [x]);
    using s = new Session(g, { intraOpThreads: 2 });
    const run = (v: Float32Array) => {
      using t = Tensor.from("float32", shape, v);
      const out = s.run({ feeds: [[x, t]], fetches: [loss, dx] });
      const r = { loss: out[0].scalarValue(), grad: out[1].values() as Float32Array };
      out.forEach((o) => o.dispose());
      return r;
    };
    const { grad } = run(x0);
    assert.ok(grad.some((v) => Math.abs(v) > 1e-3), `${policy}: gradient is not zero`);
    for (const i of [0, 17, 100, 191, 250, 383]) {
      const h = 1e-2;
      const plus = x0.slice(), minus = x0.slice();
      plus[i] += h;
      minus[i] -= h;
      const fd = (run(plus).loss - run(minus).loss) / (2 * h);
      assert.ok(
        Math.abs(fd - grad[i]) < 2e-2 + 2e-2 * Math.abs(fd),
        `${policy} element ${i}: ${grad[i]} vs ${fd}`,
      );
    }
  }
});

Deno.test("parseDiffAugmentPolicy() accepts the three names and refuses others", () => {
  assert.deepEqual(parseDiffAugmentPolicy("color, translation,cutout"), [
    "color",
    "translation",
    "cutout",
  ]);
  assert.deepEqual(parseDiffAugmentPolicy(""), []);
  assert.throws(
    () => parseDiffAugmentPolicy("colour"),
    (e: unknown) => e instanceof UserError && e.exitCode === 2,
  );
});

Deno.test("same step seed, same augmentation; next step, a new one", () => {
  const shape = [4, 8, 8, 3];
  const x = new Float32Array(4 * 192).map((_, i) => Math.sin(i));
  const all: Transform = (v, seed, s) =>
    diffAugment(v, ["color", "translation", "cutout"], seed, s);
  assert.deepEqual(apply(all, x, shape, 5), apply(all, x, shape, 5));
  assert.notDeepEqual(apply(all, x, shape, 6), apply(all, x, shape, 5));
});
