import assert from "node:assert/strict";
import { PRESETS, resolveConfig, shapeDifferences } from "../src/gan/config.ts";
import { buildDcgan } from "../src/gan/dcgan.ts";
import { UserError } from "../src/util/errors.ts";
import { loadTensorFlow } from "./helpers/tf.ts";

await loadTensorFlow();

const EXPECTED = {
  portrait160: { g: 5_328_160, gStats: 52_160, d: 1_131_649 },
  portrait64: { g: 1_495_840, gStats: 8_640, d: 266_817 },
};

for (const [name, want] of Object.entries(EXPECTED)) {
  Deno.test(`preset ${name} has the reference parameter counts`, () => {
    const model = buildDcgan(resolveConfig({ preset: name }), 1);
    try {
      assert.deepEqual(model.generator.countParameters(), {
        trainable: want.g,
        nonTrainable: want.gStats,
      });
      assert.deepEqual(model.discriminator.countParameters(), {
        trainable: want.d,
        nonTrainable: 0,
      });
      const size = PRESETS[name].imageSize;
      assert.deepEqual(model.samples.shape, [-1, size, size, 3]);
    } finally {
      model.graph.dispose();
    }
  });
}

Deno.test("resolveConfig() keeps preset values and applies overrides", () => {
  const c = resolveConfig({ preset: "portrait160", batchSize: 8, generatorLearningRate: 2e-4 });
  assert.equal(c.imageSize, 160);
  assert.equal(c.batchSize, 8);
  assert.equal(c.generatorLearningRate, 2e-4);
  assert.equal(c.discriminatorLearningRate, 1e-4);
  assert.equal(c.adamEpsilon, 1e-7);
  assert.equal(c.batchNormMomentum, 0.99);
});

Deno.test("resolveConfig() refuses unknown presets and inconsistent shapes", () => {
  assert.throws(
    () => resolveConfig({ preset: "portrait999" }),
    (e: unknown) => e instanceof UserError && /portrait64/.test(e.message),
  );
  assert.throws(
    () => resolveConfig({ preset: "portrait64", imageSize: 128 }),
    /generator makes 64px/,
  );
  assert.throws(() => resolveConfig({ preset: "portrait64", dropout: 1.5 }), /dropout/);
});

Deno.test("shapeDifferences() names what makes a resume impossible", () => {
  const a = resolveConfig({ preset: "portrait64" });
  assert.deepEqual(shapeDifferences(a, resolveConfig({ preset: "portrait64", batchSize: 3 })), []);
  const diff = shapeDifferences(a, resolveConfig({ preset: "portrait160" }));
  assert.ok(diff.some((d) => d.startsWith("preset")));
  assert.ok(diff.some((d) => d.startsWith("imageSize")));
});
