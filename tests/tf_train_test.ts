/**
 * Training with Adam: a small model learns a fixed problem, one Adam step
 * matches Keras's formula, and a SaveV2 checkpoint restores bit for bit.
 */

import { Adam } from "../src/tf/adam.ts";
import { Saver } from "../src/tf/checkpoint.ts";
import type { DType } from "../src/tf/dtype.ts";
import { Graph, type Operation, type Output } from "../src/tf/graph.ts";
import { glorotUniform, zeros } from "../src/tf/initializers.ts";
import * as ops from "../src/tf/ops.ts";
import { Session } from "../src/tf/session.ts";
import { Tensor } from "../src/tf/tensor.ts";
import { initializeAll, Variable } from "../src/tf/variables.ts";
import { assert, assertAllClose, assertEquals, loadTensorFlow, runValues } from "./helpers/tf.ts";

await loadTensorFlow();

const XOR_INPUTS = [0, 0, 0, 1, 1, 0, 1, 1];
const XOR_LABELS = [0, 1, 1, 0];

interface Model {
  variables: Variable[];
  adam: Adam;
  loss: Output;
  probabilities: Output;
  step: Operation;
  init: Operation;
}

/** A 2-8-1 tanh MLP on XOR with a mean BCE loss, seeded glorot-uniform weights. */
function buildXorModel(g: Graph, learningRate: number): Model {
  const x = ops.constant(g, "float32", [4, 2], XOR_INPUTS, "x");
  const labels = ops.constant(g, "float32", [4, 1], XOR_LABELS, "labels");
  const w1 = g.withScope("dense1", () => new Variable(g, "kernel", [2, 8], glorotUniform([1, 2])));
  const b1 = g.withScope("dense1", () => new Variable(g, "bias", [8], zeros()));
  const w2 = g.withScope("dense2", () => new Variable(g, "kernel", [8, 1], glorotUniform([3, 4])));
  const b2 = g.withScope("dense2", () => new Variable(g, "bias", [1], zeros()));
  const hidden = ops.tanh(ops.biasAdd(ops.matMul(x, w1.value), b1.value));
  const logits = ops.biasAdd(ops.matMul(hidden, w2.value), b2.value);
  const loss = ops.mean(
    ops.sigmoidCrossEntropyWithLogits(logits, labels),
    undefined,
    false,
    "loss",
  );
  const variables = [w1, b1, w2, b2];
  const adam = new Adam(g, { learningRate });
  const step = adam.minimize(loss, variables);
  const init = initializeAll(g, [...variables, ...adam.variables]);
  return { variables, adam, loss, probabilities: ops.sigmoid(logits), step, init };
}

Deno.test("a 2-8-1 MLP trained with Adam on XOR reaches a mean BCE loss below 0.01 within 400 steps", () => {
  using g = new Graph();
  const model = buildXorModel(g, 0.05);
  using s = new Session(g, { intraOpThreads: 1, interOpThreads: 1 });
  s.run({ targets: [model.init] });
  const [initial] = runValues(s, [model.loss])[0];
  // Untrained: close to log 2 (the model knows nothing).
  assert(initial > 0.5, `initial loss ${initial}`);
  for (let i = 0; i < 400; i++) s.run({ targets: [model.step] });
  const [loss] = runValues(s, [model.loss])[0];
  assert(loss < 0.01, `loss after 400 steps: ${loss} (initial ${initial})`);
  const [p] = runValues(s, [model.probabilities]);
  p.forEach((v, i) => assert(Math.abs(v - XOR_LABELS[i]) < 0.2, `p[${i}] = ${v}`));
  const [iterations] = runValues(s, [model.adam.iterations.value])[0];
  assertEquals(iterations, 400);
});

Deno.test("one Adam step at a time matches Keras's formula lr·√(1-β2ᵗ)/(1-β1ᵗ)·m/(√v+ε) to 1e-6", () => {
  const lr = 0.01;
  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = 1e-7;
  const start = [1, -0.5, 0.25, 2];
  // The last gradients are tiny so that ε (added to √v, not to √v̂) matters.
  const grads = [
    [0.5, -2, 0.1, 1e-6],
    [-0.3, -1, 0.4, 2e-6],
    [1.5, 0.5, -0.2, -1e-6],
  ];
  using g = new Graph();
  const w = new Variable(
    g,
    "w",
    [4],
    (graph, shape, dtype: DType) => ops.constant(graph, dtype as "float32", shape, start),
  );
  const grad = ops.placeholder(g, "float32", [4], "grad");
  const adam = new Adam(g, { learningRate: lr, beta1, beta2 }); // ε: Keras's default 1e-7
  assertEquals(adam.options.epsilon, epsilon);
  const step = adam.apply([w], [grad]);
  const [, m, v] = adam.variables;
  using s = new Session(g);
  s.run({ targets: [initializeAll(g, [w, ...adam.variables])] });

  // The formula in float64, with the hyperparameters as the float32 kernel
  // sees them (0.999 in float32 is 0.99900001287..., which moves v by 1e-5).
  const [b1, b2, lr32, eps32] = [beta1, beta2, lr, epsilon].map(Math.fround);
  const expected = { w: start.slice(), m: [0, 0, 0, 0], v: [0, 0, 0, 0] };
  grads.forEach((gv, i) => {
    const t = i + 1;
    using gt = Tensor.from("float32", [4], gv);
    s.run({ feeds: [[grad, gt]], targets: [step] });
    const lrT = lr32 * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t);
    for (let j = 0; j < 4; j++) {
      expected.m[j] = b1 * expected.m[j] + (1 - b1) * gv[j];
      expected.v[j] = b2 * expected.v[j] + (1 - b2) * gv[j] ** 2;
      expected.w[j] -= lrT * expected.m[j] / (Math.sqrt(expected.v[j]) + eps32);
    }
    const [wv, mv, vv, it] = runValues(s, [w.value, m.value, v.value, adam.iterations.value]);
    assertAllClose(wv, expected.w, { atol: 1e-6 }, `w after step ${t}`);
    assertAllClose(mv, expected.m, { atol: 1e-7, rtol: 1e-5 }, `m after step ${t}`);
    assertAllClose(vv, expected.v, { atol: 1e-12, rtol: 1e-5 }, `v after step ${t}`);
    assertEquals(it, [t], "iterations");
  });
  // The step really moved every weight, the tiny-gradient one included.
  const [wv] = runValues(s, [w.value]);
  wv.forEach((x, j) => assert(Math.abs(x - start[j]) > 1e-3, `w[${j}] barely moved: ${x}`));
});

/** Each variable's value as raw bytes. */
function variableBytes(s: Session, variables: ReadonlyArray<Variable>): Uint8Array[] {
  const out = s.run({ fetches: variables.map((v) => v.value) });
  try {
    return out.map((t) => {
      const values = t.values() as ArrayBufferView;
      return new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    });
  } finally {
    for (const t of out) t.dispose();
  }
}

Deno.test("a checkpoint saved with Saver restores into a fresh graph and session bit for bit, Adam slots and counter included", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tf_ckpt_test_" });
  try {
    const prefix = `${dir}/model/ckpt-25`;
    const config = { intraOpThreads: 1, interOpThreads: 1 };
    using g1 = new Graph();
    const m1 = buildXorModel(g1, 0.05);
    const all1 = [...m1.variables, ...m1.adam.variables];
    const saver1 = new Saver(g1, all1);
    using s1 = new Session(g1, config);
    s1.run({ targets: [m1.init] });
    for (let i = 0; i < 25; i++) s1.run({ targets: [m1.step] });
    await saver1.save(s1, prefix);
    for (const suffix of [".index", ".data-00000-of-00001"]) {
      const info = await Deno.stat(`${prefix}${suffix}`);
      assert(info.isFile && info.size > 0, `${prefix}${suffix} is missing or empty`);
    }
    const saved = variableBytes(s1, all1);

    // A fresh graph built the same way, in a fresh session, never initialised.
    using g2 = new Graph();
    const m2 = buildXorModel(g2, 0.05);
    const all2 = [...m2.variables, ...m2.adam.variables];
    const saver2 = new Saver(g2, all2);
    assertEquals(all2.map((v) => v.name), all1.map((v) => v.name));
    using s2 = new Session(g2, config);
    await saver2.restore(s2, prefix);
    const restored = variableBytes(s2, all2);
    all1.forEach((v, i) => {
      assertEquals(restored[i], saved[i], `${v.name} differs after restore`);
    });
    // What was compared is trained state, not initial values: 25 steps, non-zero moments.
    const [iterations] = runValues(s2, [m2.adam.iterations.value])[0];
    assertEquals(iterations, 25);
    assertEquals(m2.adam.iterations.dtype, "int64");
    const [firstSlot] = runValues(s2, [m2.adam.variables[1].value]);
    assert(firstSlot.some((x) => x !== 0), "Adam's first moment is all zeros");
    s2.run({ targets: [m2.init] });
    const fresh = variableBytes(s2, all2);
    assert(fresh.some((b, i) => b.some((x, j) => x !== saved[i][j])), "restore changed nothing");

    // Restoring again over the re-initialised values, then training both
    // sessions one more step, keeps them identical.
    await saver2.restore(s2, prefix);
    s1.run({ targets: [m1.step] });
    s2.run({ targets: [m2.step] });
    const after1 = variableBytes(s1, all1);
    const after2 = variableBytes(s2, all2);
    all1.forEach((v, i) => assertEquals(after2[i], after1[i], `${v.name} after one more step`));
    assert(
      after1.some((b, i) => b.some((x, j) => x !== saved[i][j])),
      "the extra step did nothing",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
