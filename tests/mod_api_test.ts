/** The public API alone (mod.ts) is enough to prepare, train a few steps and sample. */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ensureTensorFlow,
  Graph,
  ops,
  prepareDataset,
  PRESETS,
  sampleGan,
  Session,
  Tensor,
  tensorFlow,
  trainGan,
} from "../mod.ts";

const PEOPLE_ART = new URL("../../shared/data/peopleart/originals/", import.meta.url).pathname;

Deno.test("mod.ts: the module example runs a graph", async () => {
  await ensureTensorFlow();
  assert.match(tensorFlow().version, /^2\.21\./);
  using g = new Graph();
  const x = ops.placeholder(g, "float32", [-1, 2], "x");
  const y = ops.tanh(ops.matMul(x, ops.constant(g, "float32", [2, 1], [0.5, -0.5])));
  using s = new Session(g);
  using input = Tensor.from("float32", [1, 2], [1, 2]);
  const [out] = s.run({ feeds: [[x, input]], fetches: [y] });
  using _ = out;
  assert.ok(Math.abs((out.values() as Float32Array)[0] - Math.tanh(-0.5)) < 1e-6);
});

Deno.test("mod.ts: prepare, train a few steps, sample", async () => {
  await ensureTensorFlow();
  const root = await Deno.makeTempDir({ prefix: "pgan-mod-" });
  const input = join(root, "paintings");
  await Deno.mkdir(input);
  const names = [...Deno.readDirSync(PEOPLE_ART)].filter((e) => e.isFile).map((e) => e.name).sort()
    .slice(0, 12);
  for (const n of names) await Deno.copyFile(join(PEOPLE_ART, n), join(input, n));
  const data = join(root, "data"), run = join(root, "run"), out = join(root, "samples");
  const prepared = await prepareDataset({ input, out: data, size: 64, quiet: true });
  assert.equal(prepared.kept, 12);
  assert.equal(PRESETS.portrait64.imageSize, 64);
  const trained = await trainGan({
    data,
    run,
    preset: "portrait64",
    epochs: 1,
    maxSteps: 2,
    quiet: true,
    threads: 2,
    overrides: { batchSize: 4 },
    log: () => {},
  });
  assert.equal(trained.step, 2);
  assert.equal(trained.stoppedBy, "max-steps");
  const sampled = await sampleGan({ run, out, count: 3, seed: 1, grid: true, threads: 2 });
  assert.equal(sampled.step, 2);
  assert.equal(sampled.files.length, 4);
  for (const f of sampled.files) {
    const bytes = await Deno.readFile(f);
    assert.deepEqual(Array.from(bytes.slice(1, 4)), [0x50, 0x4e, 0x47], `${f} is a PNG`);
  }
  await Deno.remove(root, { recursive: true });
});
