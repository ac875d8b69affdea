import assert from "node:assert/strict";
import { join } from "node:path";
import { RunFolder } from "../src/gan/run_folder.ts";
import { peopleArtDataset } from "./helpers/dataset.ts";
import { loadTensorFlow } from "./helpers/tf.ts";

await loadTensorFlow();
const HELPER = new URL("./helpers/train_steps.ts", import.meta.url).pathname;

async function train(data: string, run: string, epochs: number, maxSteps: number, batch: number) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", HELPER, data, run, String(epochs), String(maxSteps), String(batch)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  return {
    summary: JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!),
    stderr,
  };
}

Deno.test("N steps, stop, resume in a new process, N more = 2N straight, bit for bit", async () => {
  const data = await peopleArtDataset(16, 64);
  const root = await Deno.makeTempDir({ prefix: "pgan-resume-" });
  const straight = join(root, "straight"), resumed = join(root, "resumed");
  // 16 images at batch 4 = 4 steps an epoch: the stop at step 5 falls inside epoch 2.
  const a = await train(data, straight, 10, 10, 4);
  assert.equal(a.summary.step, 10);
  const b1 = await train(data, resumed, 10, 5, 4);
  assert.equal(b1.summary.step, 5);
  assert.equal(b1.summary.stoppedBy, "max-steps");
  const b2 = await train(data, resumed, 10, 5, 4);
  assert.equal(b2.summary.resumed, true);
  assert.match(b2.stderr, /resuming .* from step 5/);
  assert.equal(b2.summary.step, 10);
  const file = "checkpoints/ckpt-00000010/model.data-00000-of-00001";
  const [x, y] = await Promise.all([
    Deno.readFile(join(straight, file)),
    Deno.readFile(join(resumed, file)),
  ]);
  assert.ok(x.length > 1_000_000, "checkpoint holds the weights");
  assert.deepEqual(y, x, "resumed weights differ from the uninterrupted run");
  const losses = (run: string) =>
    Deno.readTextFileSync(join(run, "metrics.csv")).trim().split("\n").map((l) =>
      l.split(",").slice(0, 6).join(",")
    );
  assert.deepEqual(losses(resumed), losses(straight));
  assert.equal(losses(straight).length, 11);
  await Deno.remove(root, { recursive: true });
});

Deno.test("a process killed at any moment, even mid-checkpoint, loses at most that checkpoint", async () => {
  const data = await peopleArtDataset(16, 64);
  const root = await Deno.makeTempDir({ prefix: "pgan-kill-" });
  const run = join(root, "run");
  const folder = new RunFolder(run);
  let lastStep = 0;
  let killedMidWrite = 0;
  const hasUnfinished = async () => {
    try {
      for await (const e of Deno.readDir(folder.checkpointsDir)) {
        if (e.name.startsWith(".tmp-")) return true;
      }
    } catch { /* not created yet */ }
    return false;
  };
  // Odd attempts kill the moment a checkpoint folder is being written; even ones at an arbitrary moment.
  for (let attempt = 0; attempt < 8 && !(attempt >= 4 && killedMidWrite >= 2); attempt++) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", HELPER, data, run, "1000", "0", "4"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Wait until training is under way (a checkpoint newer than the last one), then kill at an odd moment.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const latest = await folder.latestCheckpoint().catch(() => null);
      if (latest && latest.meta.step > lastStep) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    if (attempt % 2 === 1) {
      while (Date.now() < deadline && !(await hasUnfinished())) {
        await new Promise((r) => setTimeout(r, 1));
      }
    } else {
      await new Promise((r) => setTimeout(r, 37 + attempt * 53));
    }
    child.kill("SIGKILL");
    await child.status;
    if (await hasUnfinished()) killedMidWrite++;
    const latest = await folder.latestCheckpoint();
    assert.ok(latest, "a complete checkpoint survives");
    assert.ok(latest.meta.step >= lastStep, "no progress that was checkpointed is lost");
    // The survivor must load: resume one step from it in a new process.
    const r = await train(data, run, 1000, 1, 4);
    assert.equal(r.summary.step, latest.meta.step + 1);
    lastStep = r.summary.step;
    for await (const e of Deno.readDir(folder.checkpointsDir)) {
      assert.ok(!e.name.startsWith(".tmp-"), "unfinished checkpoint removed");
    }
  }
  assert.ok(killedMidWrite >= 1, "no kill landed while a checkpoint was being written");
  await Deno.remove(root, { recursive: true });
});
