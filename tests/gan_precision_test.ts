import assert from "node:assert/strict";
import { resolveConfig } from "../src/gan/config.ts";
import { buildDcgan } from "../src/gan/dcgan.ts";
import { Session } from "../src/tf/session.ts";
import { fromBfloat16Bits, Tensor, toBfloat16Bits } from "../src/tf/tensor.ts";
import { loadTensorFlow } from "./helpers/tf.ts";

await loadTensorFlow();

Deno.test("toBfloat16Bits() rounds float32 to the nearest bfloat16", () => {
  assert.equal(toBfloat16Bits(1), 0x3f80);
  assert.equal(toBfloat16Bits(-2), 0xc000);
  assert.equal(toBfloat16Bits(0.3), 0x3e9a);
  assert.equal(fromBfloat16Bits(toBfloat16Bits(0.3)), 0.30078125);
  // Ties go to even: 1 + 2^-8 lies halfway between 1 and 1 + 2^-7.
  assert.equal(toBfloat16Bits(1 + 2 ** -8), 0x3f80);
  assert.equal(toBfloat16Bits(1 + 3 * 2 ** -8), 0x3f82);
  using t = Tensor.from("bfloat16", [2], [0.3, -1.5]);
  assert.deepEqual(Array.from(t.values() as Uint16Array), [0x3e9a, 0xbfc0]);
});

function losses(precision: "float32" | "bfloat16"): number[][] {
  const config = resolveConfig({ preset: "portrait64", precision, batchSize: 4 });
  const model = buildDcgan(config, 3);
  const session = new Session(model.graph, { intraOpThreads: 2, interOpThreads: 1 });
  try {
    session.run({ targets: [model.initialize] });
    const S = config.imageSize;
    using real = Tensor.from(
      "uint8",
      [4, S, S, 3],
      new Uint8Array(4 * S * S * 3).map((_, i) => (i * 7) % 256),
    );
    const out: number[][] = [];
    for (let step = 0; step < 4; step++) {
      using seed = Tensor.from("int64", [2], [3, step]);
      const fetched = session.run({
        feeds: [[model.realImages, real], [model.stepSeed, seed]],
        fetches: [model.metrics.generatorLoss, model.metrics.discriminatorLoss],
        targets: [model.trainStep],
      });
      out.push(fetched.map((t) => t.scalarValue()));
      fetched.forEach((t) => t.dispose());
    }
    return out;
  } finally {
    session.dispose();
    model.graph.dispose();
  }
}

Deno.test("a bfloat16 training step follows the float32 one closely", () => {
  const full = losses("float32");
  const half = losses("bfloat16");
  for (let i = 0; i < full.length; i++) {
    for (let k = 0; k < 2; k++) {
      assert.ok(Number.isFinite(half[i][k]));
      assert.ok(
        Math.abs(half[i][k] - full[i][k]) < 0.05,
        `step ${i}: bf16 ${half[i]} vs fp32 ${full[i]}`,
      );
    }
  }
  assert.notDeepEqual(half[0], half[3], "bf16 weights change");
  // A bfloat16 graph that computed nothing would sit at ln 2 and 2 ln 2.
  assert.ok(
    half.some(([g]) => Math.abs(g - Math.LN2) > 0.01),
    `generator loss stuck at ln 2: ${half}`,
  );
});
