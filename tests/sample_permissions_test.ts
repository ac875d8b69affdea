/**
 * `tasks/sample.ts` with exactly the narrow permissions its module doc (and
 * the README) give: read the run, the output folder and the libtensorflow
 * folder; write the output folder; ffi; env. Also runs the command that
 * `sample --help` prints, placeholders filled in. Checks the PNGs, that the same
 * seed gives byte-identical files, that image 0 alone equals image 0 of a
 * batch of 64, and that an `--out` outside the allowed folder fails with a
 * one-line error rather than a stack trace.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { dirname, join } from "node:path";
import { ensureTensorFlow } from "../ffi/locate.ts";
import { prepareDataset } from "../src/data/prepare.ts";
import { trainGan } from "../src/gan/trainer.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const PEOPLEART = new URL("../../shared/data/peopleart/originals", import.meta.url).pathname;
const hasPeopleArt = await Deno.stat(PEOPLEART).then(() => true, () => false);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs tasks/sample.ts with the documented permissions for `run`, `out` and the library. */
async function sample(
  run: string,
  allowedOut: string,
  libDir: string,
  args: string[],
): Promise<Result> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-read=${run},${allowedOut},${libDir}`,
      `--allow-write=${allowedOut}`,
      "--allow-ffi",
      "--allow-env",
      join(ROOT, "tasks", "sample.ts"),
      ...args,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: "tasks/sample.ts works with exactly the documented narrow permissions",
  ignore: !hasPeopleArt,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const loc = await ensureTensorFlow({ quiet: true });
    const libDir = dirname(loc.main);
    const tmp = await Deno.makeTempDir({ prefix: "sample-perm-" });
    try {
      const input = join(tmp, "paintings");
      await Deno.mkdir(input);
      const names: string[] = [];
      for await (const e of Deno.readDir(PEOPLEART)) if (e.isFile) names.push(e.name);
      for (const name of names.sort().slice(0, 16)) {
        await Deno.copyFile(join(PEOPLEART, name), join(input, name));
      }
      const data = join(tmp, "ds64");
      await prepareDataset({ input, out: data, size: 64, quiet: true, workers: 2 });
      const run = join(tmp, "run");
      const trained = await trainGan({
        data,
        run,
        epochs: 1,
        maxSteps: 2,
        overrides: { batchSize: 8 },
        threads: 2,
        quiet: true,
        log: () => {},
      });
      assertEquals(trained.step, 2);

      const a = join(tmp, "a"), b = join(tmp, "b");
      await t.step("writes the PNGs and a grid", async () => {
        const r = await sample(run, a, libDir, [
          ...["--run", run, "--out", a, "--count", "3", "--seed", "7", "--grid"],
        ]);
        assertEquals(r.code, 0, r.stderr);
        for (
          const f of ["sample_7_0000.png", "sample_7_0001.png", "sample_7_0002.png", "grid.png"]
        ) {
          const bytes = await Deno.readFile(join(a, f));
          assertEquals([...bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], `${f} is a PNG`);
        }
      });

      await t.step("the same seed gives byte-identical files", async () => {
        const r = await sample(run, b, libDir, [
          ...["--run", run, "--out", b, "--count", "3", "--seed", "7", "--grid"],
        ]);
        assertEquals(r.code, 0, r.stderr);
        for (const f of ["sample_7_0000.png", "sample_7_0002.png", "grid.png"]) {
          assertEquals(await Deno.readFile(join(b, f)), await Deno.readFile(join(a, f)), f);
        }
      });

      await t.step("image 0 alone equals image 0 of a batch of 64", async () => {
        const one = join(tmp, "one"), many = join(tmp, "many");
        const r1 = await sample(run, one, libDir, ["--run", run, "--out", one, "--count", "1"]);
        const r64 = await sample(run, many, libDir, ["--run", run, "--out", many, "--count", "64"]);
        assertEquals(r1.code, 0, r1.stderr);
        assertEquals(r64.code, 0, r64.stderr);
        assertEquals(
          await Deno.readFile(join(one, "sample_0_0000.png")),
          await Deno.readFile(join(many, "sample_0_0000.png")),
        );
      });

      await t.step("interpolation frames and GIF", async () => {
        const walk = join(tmp, "walk");
        const r = await sample(run, walk, libDir, [
          ...["--run", run, "--out", walk, "--seed", "1", "--interpolate", "2", "--frames", "3"],
        ]);
        assertEquals(r.code, 0, r.stderr);
        assert((await Deno.stat(join(walk, "interp_0002.png"))).isFile);
        assert((await Deno.stat(join(walk, "interpolation.gif"))).size > 0);
      });

      await t.step("the command `sample --help` prints works as printed", async () => {
        const help = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", join(ROOT, "main.ts"), "sample", "--help"],
          cwd: ROOT,
          stdout: "piped",
        }).output();
        const lines = new TextDecoder().decode(help.stdout).split("\n");
        const first = lines.findIndex((l) => l.trim().startsWith("deno run"));
        assert(first >= 0, "a deno run example");
        let last = first;
        while (lines[last].trimEnd().endsWith("\\")) last++;
        const out = join(tmp, "from-help");
        const command = lines.slice(first, last + 1).map((l) => l.trim().replace(/\\$/, ""))
          .join(" ")
          .replace(/\[[^\]]*\]/g, "") // the optional flags
          .replaceAll("<run>", run).replaceAll("<out>", out)
          .replaceAll("<libtensorflow folder>", libDir);
        const [deno, ...args] = command.split(/\s+/).filter((a) => a);
        assertEquals(deno, "deno");
        assert(!args.some((a) => a.includes("<")), `placeholders left: ${command}`);
        const r = await new Deno.Command(Deno.execPath(), {
          args: [...args, "--count", "1"],
          cwd: ROOT,
          stdout: "piped",
          stderr: "piped",
        }).output();
        assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
        assert((await Deno.stat(join(out, "sample_0_0000.png"))).isFile);
      });

      await t.step("an --out outside the allowed folder fails with one line", async () => {
        const outside = join(tmp, "outside");
        const r = await sample(run, a, libDir, ["--run", run, "--out", outside, "--count", "1"]);
        assertEquals(r.code, 1, r.stderr);
        const lines = r.stderr.trim().split("\n");
        assertEquals(lines.length, 1, r.stderr);
        assert(lines[0].startsWith("error: ") && lines[0].includes(outside), lines[0]);
        assert(/--allow-write/.test(lines[0]), lines[0]);
        assert(!(await Deno.stat(outside).then(() => true, () => false)), "nothing written");
      });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
