/**
 * 2,000 training steps of portrait64 keep resident memory flat after warm-up.
 *
 * The bound: 16 MiB of growth between step 300 and step 2,000. A leak of the
 * fed batch alone (2 × 64 × 64 × 3 bytes = 24 KiB a step) would add 40 MiB
 * over those 1,700 steps; a leaked step seed or fetched loss tensor is caught
 * by `liveHandles`, which must return to its starting counts.
 */
import assert from "node:assert/strict";
import { resolveConfig } from "../src/gan/config.ts";
import { buildDcgan } from "../src/gan/dcgan.ts";
import { liveHandles } from "../src/tf/native.ts";
import { Session } from "../src/tf/session.ts";
import { Tensor } from "../src/tf/tensor.ts";
import { loadTensorFlow } from "./helpers/tf.ts";
import { inOwnProcess } from "./helpers/own_process.ts";

const child = inOwnProcess(import.meta.url, "2,000 training steps keep memory flat");
if (child) await loadTensorFlow();

function rssMiB(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return Number(m![1]) / 1024;
}

if (child) {
  Deno.test("2,000 portrait64 training steps keep resident memory within 16 MiB after warm-up", async () => {
    const config = resolveConfig({ preset: "portrait64", batchSize: 2 });
    const model = buildDcgan(config, 1);
    const session = new Session(model.graph, { intraOpThreads: 2, interOpThreads: 1 });
    const before = { ...liveHandles };
    let warm = 0;
    try {
      session.run({ targets: [model.initialize] });
      const S = config.imageSize;
      const pixels = new Uint8Array(2 * S * S * 3);
      for (let step = 0; step < 2000; step++) {
        pixels.fill(step % 251);
        using real = Tensor.from("uint8", [2, S, S, 3], pixels);
        using seed = Tensor.from("int64", [2], [1, step]);
        const out = await session.runAsync({
          feeds: [[model.realImages, real], [model.stepSeed, seed]],
          fetches: [model.metrics.generatorLoss, model.metrics.discriminatorLoss],
          targets: [model.trainStep],
        });
        for (const t of out) {
          assert.ok(Number.isFinite(t.scalarValue()));
          t.dispose();
        }
        if (step === 300) warm = rssMiB();
      }
      const growth = rssMiB() - warm;
      console.log(
        `resident memory after warm-up: ${warm.toFixed(1)} MiB, growth over 1,700 steps: ${
          growth.toFixed(1)
        } MiB`,
      );
      assert.ok(growth < 16, `resident memory grew by ${growth.toFixed(1)} MiB over 1,700 steps`);
      assert.deepEqual({ ...liveHandles }, before, "every tensor and status of the loop was freed");
    } finally {
      session.dispose();
      model.graph.dispose();
    }
  });
}
