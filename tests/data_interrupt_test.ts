// Interrupted prepare and augment runs: stale temporary files are removed at
// the start of the next run, and Ctrl-C stops with one line and exit code 130.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { prepareDataset } from "../src/data/prepare.ts";
import { augmentDataset } from "../src/data/augment.ts";
import { openDataset } from "../src/data/dataset.ts";
import { encodePng } from "../src/data/decode.ts";
import { InterruptedError } from "../src/data/interrupt.ts";

const quiet = { quiet: true, workers: 2 };
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const STALE = [
  "images/205061cff675-2.png.tmp-29382-496",
  "contact/sheet_001.png.tmp-29382-12",
  ".cache/finished.json.tmp-1-1",
  "images.u8.tmp-29382",
];

/** A folder of `n` small PNGs, each different (so a different id). */
async function imageFolder(n: number, side = 24): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(side * side * 3);
    for (let p = 0; p < data.length; p += 3) {
      data.set([(i * 37 + p) % 256, (i * 91) % 256, (p * 7) % 256], p);
    }
    await Deno.writeFile(
      join(dir, `p${String(i).padStart(3, "0")}.png`),
      await encodePng({ width: side, height: side, data }),
    );
  }
  return dir;
}

async function temporaries(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const sub of ["", "images", "contact", ".cache"]) {
    for await (const e of Deno.readDir(join(dir, sub))) {
      if (/\.tmp-/.test(e.name)) found.push(join(sub, e.name));
    }
  }
  return found;
}

async function plantStale(dir: string): Promise<void> {
  for (const f of STALE) await Deno.writeTextFile(join(dir, f), "half a file");
}

async function pngCount(dir: string): Promise<number> {
  let n = 0;
  try {
    for await (const e of Deno.readDir(join(dir, "images"))) if (e.name.endsWith(".png")) n++;
  } catch { /* not yet */ }
  return n;
}

/** Aborts `ctl` as soon as `dir/images` holds a PNG (the run is under way). */
function abortOnFirstImage(dir: string, ctl: AbortController): () => void {
  const timer = setInterval(async () => {
    if (!ctl.signal.aborted && (await pngCount(dir)) > 0) ctl.abort();
  }, 2);
  return () => clearInterval(timer);
}

Deno.test("prepare and augment remove temporary files an interrupted run left behind", async () => {
  const input = await imageFolder(4);
  const tmp = await Deno.makeTempDir();
  const ds = join(tmp, "ds"), aug = join(tmp, "aug");
  await prepareDataset({ input, out: ds, size: 8, ...quiet });
  await augmentDataset({ input: ds, out: aug, copies: 1, ...quiet });
  for (const dir of [ds, aug]) await plantStale(dir);
  assertEquals((await temporaries(aug)).length, STALE.length);
  await augmentDataset({ input: ds, out: aug, copies: 1, ...quiet });
  assertEquals(await temporaries(aug), []);
  await prepareDataset({ input, out: ds, size: 8, ...quiet });
  assertEquals(await temporaries(ds), []);
  // Other files that merely mention "tmp" are not touched.
  await Deno.writeTextFile(join(ds, "images", "notes.tmp-old.txt"), "mine");
  await prepareDataset({ input, out: ds, size: 8, ...quiet });
  assertEquals(await Deno.readTextFile(join(ds, "images", "notes.tmp-old.txt")), "mine");
  await Deno.remove(input, { recursive: true });
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("prepare stopped part-way says how far it got (exit code 130) and the next run continues", async () => {
  const input = await imageFolder(60, 32);
  const out = join(await Deno.makeTempDir(), "ds");
  const ctl = new AbortController();
  const stopPolling = abortOnFirstImage(out, ctl);
  let error: unknown;
  try {
    await prepareDataset({ input, out, size: 16, quiet: true, workers: 1, signal: ctl.signal });
  } catch (e) {
    error = e;
  } finally {
    stopPolling();
  }
  assert(error instanceof InterruptedError, String(error));
  assertEquals(error.exitCode, 130);
  assert(error.done > 0 && error.done < 60, error.message);
  assertEquals(
    error.message,
    `interrupted: ${error.done} of 60 images done; run the same command again to continue`,
  );
  assertEquals(await temporaries(out), []);
  await assertMissing(join(out, "summary.json"));
  const s = await prepareDataset({ input, out, size: 16, ...quiet });
  assertEquals(s.kept, 60);
  assert(s.reused >= error.done && s.decoded === 60 - s.reused, JSON.stringify(s));
  await Deno.remove(input, { recursive: true });
  await Deno.remove(join(out, ".."), { recursive: true });
});

Deno.test("augment: Ctrl-C stops it with one line and exit code 130; the same command then finishes", async () => {
  const input = await imageFolder(4);
  const tmp = await Deno.makeTempDir();
  const ds = join(tmp, "ds"), aug = join(tmp, "aug");
  await prepareDataset({ input, out: ds, size: 16, ...quiet });
  const args = ["augment", "--input", ds, "--out", aug, "--copies", "50", "--workers", "1"];
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args, "--quiet"],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const started = Date.now();
  while ((await pngCount(aug)) === 0 && Date.now() - started < 30_000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGINT");
  const { code, signal, stderr } = await child.output();
  const err = new TextDecoder().decode(stderr);
  assertEquals([code, signal], [130, null], err);
  const m = /interrupted: (\d+) of 204 images done; run the same command again to continue/
    .exec(err);
  assert(m && Number(m[1]) < 204, err);
  assertEquals(await temporaries(aug), []);
  await assertMissing(join(aug, "summary.json"));

  const s = await augmentDataset({ input: ds, out: aug, copies: 50, ...quiet });
  assertEquals(s.count, 204);
  assertEquals((await openDataset(aug)).count, 204);
  await Deno.remove(input, { recursive: true });
  await Deno.remove(tmp, { recursive: true });
});

async function assertMissing(path: string): Promise<void> {
  try {
    await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  throw new Error(`${path} should not exist`);
}
