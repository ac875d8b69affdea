/**
 * The CLI end to end, through subprocesses of `main.ts` as a user runs it:
 * prepare (64 px) real paintings, augment, train a few steps, sample, train
 * again to resume; then the messages and exit codes of the mistakes people
 * make (missing folder, empty folder, wrong flag, a resume with another
 * preset, a config file with a typo).
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { ensureTensorFlow } from "../ffi/locate.ts";
import { demoEpochTarget } from "../src/demo/demo.ts";
import { closest, plural } from "../src/cli/common.ts";
import { findNvidiaDriver, NO_DRIVER_MESSAGE } from "../src/cli/library.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const PEOPLEART = new URL("../../shared/data/peopleart/originals", import.meta.url).pathname;
const IMAGES = 12;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(...args: string[]): Promise<Result> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "main.ts"), ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Asserts a failure: the exit code, one `error:` line naming `includes`, no stack trace. */
function assertOneLineError(r: Result, code: number, ...includes: string[]): void {
  const lines = r.stderr.trim().split("\n");
  assertEquals(r.code, code, `exit code (stderr: ${r.stderr})`);
  assertEquals(lines.length, 1, `one line, got: ${r.stderr}`);
  assert(lines[0].startsWith("error: "), lines[0]);
  assert(!/\n\s+at /.test(r.stderr), `no stack trace: ${r.stderr}`);
  for (const s of includes) assert(lines[0].includes(s), `'${s}' in: ${lines[0]}`);
}

async function count(dir: string, pattern: RegExp): Promise<number> {
  let n = 0;
  for await (const e of Deno.readDir(dir)) if (pattern.test(e.name)) n++;
  return n;
}

const hasPeopleArt = await Deno.stat(PEOPLEART).then(() => true, () => false);

Deno.test("wording: plurals, the near-miss suggestion, the demo's stable epoch target", () => {
  assertEquals(
    [plural(1, "file"), plural(0, "file"), plural(2, "minute"), plural("1.0", "minute")],
    ["1 file", "0 files", "2 minutes", "1.0 minutes"],
  );
  assertEquals(closest("bacth", ["batch", "beta1", "seed"]), "batch");
  assertEquals(closest("epochz", ["epochs", "eval-every"]), "epochs");
  assertEquals(closest("zzzz", ["batch", "seed"]), undefined);
  // The same target in every call until it is reached, so "epoch 7/1000" stays "/1000".
  assertEquals([0, 6, 12, 999].map(demoEpochTarget), [1000, 1000, 1000, 1000]);
  assertEquals(demoEpochTarget(1000), 2000);
});

Deno.test("driver check: a /proc file or nvidia-smi on PATH", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "driver-" });
  try {
    assertEquals(findNvidiaDriver("/nonexistent", join(tmp, "version")).found, false);
    await Deno.writeTextFile(join(tmp, "nvidia-smi"), "");
    assertEquals(findNvidiaDriver(`/nonexistent:${tmp}`, join(tmp, "version")).found, true);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test({
  name: "cli: prepare, augment, train, sample, resume; errors are one line with the right code",
  ignore: !hasPeopleArt,
  sanitizeResources: false,
  async fn(t) {
    // Install once here rather than in several subprocesses at once.
    await ensureTensorFlow({ quiet: true });
    const tmp = await Deno.makeTempDir({ prefix: "cli-e2e-" });
    try {
      const input = join(tmp, "paintings");
      await Deno.mkdir(input);
      const names = [];
      for await (const e of Deno.readDir(PEOPLEART)) if (e.isFile) names.push(e.name);
      for (const name of names.sort().slice(0, IMAGES)) {
        await Deno.copyFile(join(PEOPLEART, name), join(input, name));
      }
      const ds = join(tmp, "ds64"), aug = join(tmp, "aug64"), run = join(tmp, "run");
      const out = join(tmp, "out");

      await t.step("prepare", async () => {
        const r = await cli("prepare", "--input", input, "--out", ds, "--size", "64", "--quiet");
        assertEquals(r.code, 0, r.stderr);
        assertEquals(await count(join(ds, "images"), /\.png$/), IMAGES);
        const summary = JSON.parse(await Deno.readTextFile(join(ds, "summary.json")));
        assertEquals(summary.kept, IMAGES);
      });

      await t.step("augment", async () => {
        const r = await cli("augment", "--input", ds, "--out", aug, "--copies", "1", "--quiet");
        assertEquals(r.code, 0, r.stderr);
        assertEquals(await count(join(aug, "images"), /\.png$/), 2 * IMAGES);
      });

      await t.step("train a few steps", async () => {
        const r = await cli(
          "train",
          ...["--data", aug, "--run", run, "--max-steps", "3", "--batch", "8", "--epochs", "1"],
          ...["--threads", "2", "--quiet"],
        );
        assertEquals(r.code, 0, r.stderr);
        assert(r.stdout.includes("step 3"), r.stdout);
        const latest = JSON.parse(
          await Deno.readTextFile(join(run, "checkpoints", "latest.json")),
        );
        assertEquals(latest.name, "ckpt-00000003");
        assert((await Deno.stat(join(run, "run.json"))).isFile);
      });

      await t.step("sample", async () => {
        const r = await cli(
          "sample",
          ...["--run", run, "--out", out, "--count", "4", "--grid", "--seed", "5"],
        );
        assertEquals(r.code, 0, r.stderr);
        assertEquals(await count(out, /^sample_5_\d{4}\.png$/), 4);
        assert((await Deno.stat(join(out, "grid.png"))).size > 0);
      });

      await t.step("sample one image says 'wrote 1 file'", async () => {
        const r = await cli("sample", "--run", run, "--out", join(tmp, "one"), "--count", "1");
        assertEquals(r.code, 0, r.stderr);
        assert(/^wrote 1 file to /m.test(r.stdout), r.stdout);
      });

      await t.step("train again resumes (settings from --config, flags override)", async () => {
        const config = join(tmp, "train.json");
        // Flag names and GanConfig fields both work as keys; --max-steps on the
        // command line overrides the file's 1.
        await Deno.writeTextFile(
          config,
          JSON.stringify({ data: aug, run, "max-steps": 1, batchSize: 8, threads: 2 }),
        );
        const r = await cli("train", "--config", config, "--max-steps", "2", "--epochs", "2");
        assertEquals(r.code, 0, r.stderr);
        assert(/resum/i.test(r.stderr + r.stdout), r.stderr);
        assert(r.stdout.includes("step 5"), r.stdout);
        const latest = JSON.parse(
          await Deno.readTextFile(join(run, "checkpoints", "latest.json")),
        );
        assertEquals(latest.name, "ckpt-00000005");
      });

      await t.step("SIGINT during training writes a checkpoint and exits 130", async () => {
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            ...["run", "-A", join(ROOT, "main.ts"), "train", "--data", aug, "--run", run],
            ...["--epochs", "1000", "--threads", "2"],
          ],
          cwd: ROOT,
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        // Wait for a finished epoch: by then the trainer's signal handler is installed.
        const dec = new TextDecoder();
        let err = "";
        const reader = child.stderr.getReader();
        while (!/epoch \d+\/1000: /.test(err)) {
          const { value, done } = await reader.read();
          if (done) break;
          err += dec.decode(value);
        }
        child.kill("SIGINT");
        const rest = (async () => {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            err += dec.decode(value);
          }
        })();
        const [status, stdout] = await Promise.all([
          child.status,
          new Response(child.stdout).text(),
          rest,
        ]);
        assertEquals(status.code, 130, err);
        assert(
          /^stopped: checkpoint ckpt-\d+ written; run the same command again to resume$/m.test(
            stdout,
          ),
          stdout,
        );
      });

      await t.step("a missing input folder", async () => {
        const r = await cli("prepare", "--input", join(tmp, "nowhere"), "--out", join(tmp, "x"));
        assertOneLineError(r, 1, join(tmp, "nowhere"));
      });

      await t.step("an empty input folder", async () => {
        const empty = join(tmp, "empty");
        await Deno.mkdir(empty);
        const r = await cli("prepare", "--input", empty, "--out", join(tmp, "y"));
        assertOneLineError(r, 1, empty);
      });

      await t.step("a wrong flag is a usage error (exit 2)", async () => {
        assertOneLineError(await cli("train", "--data", aug, "--bogus"), 2, "--bogus");
        assertOneLineError(await cli("train", "--data", aug, "--run", run, "--epochs", "x"), 2);
        assertOneLineError(await cli("prepare", "--out", join(tmp, "z")), 2, "--input");
      });

      await t.step("a config file with an unknown key is a usage error", async () => {
        const bad = join(tmp, "bad.json");
        await Deno.writeTextFile(bad, JSON.stringify({ data: aug, run, epochz: 3 }));
        assertOneLineError(await cli("train", "--config", bad), 2, "epochz", "'epochs'");
        // The near miss is suggested, and the known keys are listed as flag names.
        await Deno.writeTextFile(bad, JSON.stringify({ data: aug, run, bacth: 8 }));
        assertOneLineError(
          await cli("train", "--config", bad),
          2,
          "unknown setting 'bacth' (did you mean 'batch'?)",
          "save-every",
          "max-minutes",
        );
      });

      await t.step("evaluate --count 1 is a usage error (exit 2)", async () => {
        const r = await cli("evaluate", "--run", run, "--count", "1", "--no-swd");
        assertOneLineError(r, 2, "--count must be at least 2");
        assertOneLineError(await cli("train", "--data", aug, "--run", run, "--eval-count", "1"), 2);
      });

      await t.step("evaluate on a dataset without held-out images names the fix", async () => {
        const r = await cli("evaluate", "--run", run, "--no-swd", "--count", "2");
        assertOneLineError(r, 1, "--holdout");
      });

      await t.step("--gpus must be GPU numbers (exit 2)", async () => {
        assertOneLineError(await cli("info", "--gpus", "a,1"), 2, "--gpus", "a,1");
        assertOneLineError(await cli("info", "--gpus", "-1"), 2, "--gpus");
      });

      await t.step({
        name: "--device gpu without an NVIDIA driver fails at once, in one line",
        ignore: findNvidiaDriver().found !== false,
        fn: async () => {
          const r = await cli("info", "--device", "gpu");
          assertOneLineError(r, 1);
          assertEquals(r.stderr.trim(), `error: ${NO_DRIVER_MESSAGE}`);
        },
      });

      await t.step(
        "bench --help prints the usage; an unknown option is one line, exit 2",
        async () => {
          const bench = (...args: string[]) =>
            new Deno.Command(Deno.execPath(), {
              args: ["run", "-A", join(ROOT, "tasks", "bench.ts"), ...args],
              cwd: ROOT,
              stdout: "piped",
              stderr: "piped",
            }).output().then((o) => ({
              code: o.code,
              stdout: new TextDecoder().decode(o.stdout),
              stderr: new TextDecoder().decode(o.stderr),
            }));
          const h = await bench("--help");
          assertEquals(h.code, 0, h.stderr);
          assert(h.stdout.includes("deno task bench [--json]"), h.stdout);
          assertEquals(h.stderr, "");
          assertOneLineError(await bench("--bogus"), 2, "--bogus");
          assertOneLineError(await bench("--reps", "x"), 2, "--reps");
        },
      );

      await t.step("resuming with a different preset names the preset (exit 1)", async () => {
        const r = await cli("train", "--data", aug, "--run", run, "--preset", "portrait160");
        assertOneLineError(r, 1, "portrait64", "portrait160");
      });

      await t.step("--version and --help succeed", async () => {
        const v = await cli("--version");
        assertEquals(v.code, 0);
        assert(/^\d+\.\d+\.\d+/.test(v.stdout.trim()), v.stdout);
        const h = await cli("sample", "--help");
        assertEquals(h.code, 0);
        assert(h.stdout.includes("Examples:"), h.stdout);
        // The narrow-permission example is tasks/sample.ts's tested command.
        assert(h.stdout.includes("--allow-read=<run>,<out>,<libtensorflow folder>"), h.stdout);
        assert(h.stdout.includes("deno task info"), h.stdout);
        const e = await cli("evaluate", "--help");
        assert(/eval\.json holds the latest evaluation/.test(e.stdout), e.stdout);
      });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
