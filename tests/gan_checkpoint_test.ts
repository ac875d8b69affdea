import assert from "node:assert/strict";
import { join } from "node:path";
import { RunFolder } from "../src/gan/run_folder.ts";
import { sampleGan } from "../src/gan/sampler.ts";
import { trainGan } from "../src/gan/trainer.ts";
import { UserError } from "../src/util/errors.ts";
import { peopleArtDataset } from "./helpers/dataset.ts";
import { loadTensorFlow } from "./helpers/tf.ts";

await loadTensorFlow();

async function twoCheckpoints() {
  const data = await peopleArtDataset(16, 64);
  const run = await Deno.makeTempDir({ prefix: "pgan-ckpt-" });
  const lines: string[] = [];
  const opts = {
    data,
    run,
    epochs: 2,
    quiet: true,
    threads: 2,
    overrides: { batchSize: 8 },
    log: (l: string) => lines.push(l),
  };
  await trainGan(opts);
  const all = await new RunFolder(run).listCheckpoints();
  assert.deepEqual(all.map((c) => c.meta.step), [2, 4]);
  // What the run folder shows a person.
  const gif = await Deno.readFile(join(run, "progress.gif"));
  assert.equal(new TextDecoder().decode(gif.slice(0, 6)), "GIF89a");
  for (const f of ["loss.png", "samples/epoch_0001.png", "samples/epoch_0002.png"]) {
    const png = await Deno.readFile(join(run, f));
    assert.deepEqual(Array.from(png.slice(1, 4)), [0x50, 0x4e, 0x47], `${f} is a PNG`);
  }
  const csv = (await Deno.readTextFile(join(run, "metrics.csv"))).trim().split("\n");
  assert.match(
    csv[0],
    /^step,epoch,generator_loss,discriminator_loss,mean_d_real,mean_d_fake,images_per_s,wall_s$/,
  );
  assert.equal(csv.length, 5);
  return { data, run, opts, lines, all };
}

async function damage(run: string, name: string, how: "truncate" | "flip") {
  const path = join(run, "checkpoints", name, "model.data-00000-of-00001");
  if (how === "truncate") {
    await Deno.truncate(path, 100_000);
  } else {
    const bytes = await Deno.readFile(path);
    for (let i = 1000; i < bytes.length; i += 4099) bytes[i] ^= 0xff;
    await Deno.writeFile(path, bytes);
  }
}

Deno.test("a damaged latest checkpoint is skipped with a warning: train resumes from the one before", async () => {
  const { run, opts, lines } = await twoCheckpoints();
  await damage(run, "ckpt-00000004", "truncate");
  lines.length = 0;
  const resumed = await trainGan({ ...opts, epochs: 3 });
  assert.ok(
    lines.some((l) => /ckpt-00000004 is damaged .*falling back to ckpt-00000002/.test(l)),
    lines.join("\n"),
  );
  assert.ok(lines.some((l) => /resuming .* from step 2/.test(l)), lines.join("\n"));
  assert.equal(resumed.step, 6);
  await Deno.remove(run, { recursive: true });
});

Deno.test("sample falls back past a corrupted checkpoint, and names it when it was asked for", async () => {
  const { run } = await twoCheckpoints();
  await damage(run, "ckpt-00000004", "flip");
  const warnings: string[] = [];
  const out = await Deno.makeTempDir();
  const s = await sampleGan({
    run,
    out,
    count: 2,
    threads: 2,
    warn: (l: string) => warnings.push(l),
  });
  assert.equal(s.step, 2);
  assert.ok(warnings.some((w) => /ckpt-00000004 is damaged/.test(w)), warnings.join("\n"));
  await assert.rejects(
    () => sampleGan({ run, out, count: 2, threads: 2, checkpoint: 4 }),
    (e: unknown) =>
      e instanceof UserError && /ckpt-00000004 is damaged .*--checkpoint \(2\)/.test(e.message),
  );
  await damage(run, "ckpt-00000002", "truncate");
  await assert.rejects(
    () =>
      sampleGan(
        { run, out, count: 2, threads: 2, warn: () => {} } as Parameters<typeof sampleGan>[0],
      ),
    (e: unknown) => e instanceof UserError && /no checkpoint in .* can be read/.test(e.message),
  );
  await Deno.remove(run, { recursive: true });
  await Deno.remove(out, { recursive: true });
});

Deno.test("a resume without --data uses the run's own dataset; a new run without it is a usage error", async () => {
  const { run, opts, lines } = await twoCheckpoints();
  lines.length = 0;
  const resumed = await trainGan({ ...opts, data: undefined, epochs: 3 });
  assert.equal(resumed.step, 6);
  assert.ok(
    lines.some((l) => l.startsWith(`using the run's dataset ${opts.data}`)),
    lines.join("\n"),
  );
  lines.length = 0;
  const none = await trainGan({ ...opts, data: undefined, epochs: 2 });
  assert.equal(none.step, 6, "a smaller --epochs trains nothing");
  assert.ok(lines.some((l) => /already has 3 epochs .*nothing to train/.test(l)), lines.join("\n"));
  const fresh = await Deno.makeTempDir({ prefix: "pgan-new-" });
  await assert.rejects(
    () => trainGan({ ...opts, run: fresh, data: undefined }),
    (e: unknown) => e instanceof UserError && e.exitCode === 2 && /missing --data/.test(e.message),
  );
  await Deno.remove(run, { recursive: true });
  await Deno.remove(fresh, { recursive: true });
});
