/**
 * `evaluateImages` on a real prepared dataset: favourites carry dataset ids,
 * eval.csv keeps one row per (step, count) and reads files written before the
 * `count` column, and the problems a user can reach are UserErrors.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { join } from "node:path";
import { openDataset } from "../src/data/dataset.ts";
import { prepareDataset } from "../src/data/prepare.ts";
import { imageAt, type ImageBatch } from "../src/eval/images.ts";
import {
  evaluateImages,
  HISTORY_COLUMNS,
  historyWithRow,
  type RunEvaluation,
  splitDataset,
} from "../src/eval/run.ts";
import { UserError } from "../src/util/errors.ts";

const PEOPLEART = new URL("../../shared/data/peopleart/originals", import.meta.url).pathname;
const hasPeopleArt = await Deno.stat(PEOPLEART).then(() => true, () => false);

/** The fields historyWithRow reads, for a made-up evaluation. */
function evaluation(step: number, count: number, share: number): RunEvaluation {
  return {
    step,
    checkpoint: `ckpt-${step}`,
    counts: { generated: count, training: 10, heldOut: 2 },
    swd: null,
    msssim: { pairs: 1, generated: 0.5, real: 0.25 },
    memorization: { share },
  } as unknown as RunEvaluation;
}

Deno.test("eval.csv: one row per step and count; another count adds a row", () => {
  let csv = historyWithRow(null, evaluation(100, 50, 0.1));
  csv = historyWithRow(csv, evaluation(100, 500, 0.2));
  csv = historyWithRow(csv, evaluation(200, 50, 0.3));
  csv = historyWithRow(csv, evaluation(100, 50, 0.4)); // replaces only (100, 50)
  const lines = csv.trim().split("\n");
  assertEquals(lines[0], HISTORY_COLUMNS.join(","));
  assertEquals(lines.slice(1), [
    "100,500,ckpt-100,,0.5,0.25,0.2",
    "200,50,ckpt-200,,0.5,0.25,0.3",
    "100,50,ckpt-100,,0.5,0.25,0.4",
  ]);
});

Deno.test("eval.csv: a file from before the count column is rewritten with the new header", () => {
  const old = "step,checkpoint,swd_mean,msssim_generated,msssim_real,memorization_share\n" +
    "100,ckpt-100,12.5,0.3,0.2,0.05\n";
  const lines = historyWithRow(old, evaluation(100, 50, 0.4)).trim().split("\n");
  assertEquals(lines, [
    "step,count,checkpoint,swd_mean,msssim_generated,msssim_real,memorization_share",
    "100,,ckpt-100,12.5,0.3,0.2,0.05", // count unknown, kept
    "100,50,ckpt-100,,0.5,0.25,0.4",
  ]);
});

Deno.test({
  name: "evaluateImages: favourites named by dataset id; reachable problems are UserErrors",
  ignore: !hasPeopleArt,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "eval-run-" });
    try {
      const input = join(tmp, "paintings");
      await Deno.mkdir(input);
      const names: string[] = [];
      for await (const e of Deno.readDir(PEOPLEART)) if (e.isFile) names.push(e.name);
      for (const name of names.sort().slice(0, 20)) {
        await Deno.copyFile(join(PEOPLEART, name), join(input, name));
      }
      const dir = join(tmp, "ds");
      await prepareDataset({ input, out: dir, size: 64, holdout: 0.2, quiet: true, workers: 2 });
      const ds = await openDataset(dir);
      const { training, trainingIndices } = splitDataset(ds);
      assert(ds.heldOut.length >= 2, `held out: ${ds.heldOut.length}`);
      // Three copies of training image 5 and one of 9: they must be the top favourites.
      const n = 64 * 64 * 3;
      const data = new Uint8Array(4 * n);
      [5, 5, 5, 9].forEach((t, k) => data.set(imageAt(training, t).data, k * n));
      const generated: ImageBatch = { count: 4, height: 64, width: 64, data };
      const run = join(tmp, "run");
      await Deno.mkdir(run);

      const e = await evaluateImages(run, generated, ds, { checkpoint: "c", step: 7, seed: 0 });
      const top = e.memorization.favourites[0];
      assertEquals([top.trainingIndex, top.count, top.flagged], [5, 3, 3]);
      assertEquals(top.id, ds.ids[trainingIndices[5]]);
      // Exact copies are memorisation, not a model that has not learned: no caveat.
      assertEquals(e.notes, []);
      // All four samples sit on two training images: fully concentrated.
      assertEquals(e.concentration, {
        top3Share: 1,
        distinctNearest: 2,
        trainingImages: training.count,
      });
      assert(await Deno.stat(join(dir, "images", `${top.id}.png`)), "the id names an image file");
      const saved = JSON.parse(await Deno.readTextFile(join(run, "eval.json")));
      assertEquals(saved.memorization.favourites[1].id, ds.ids[trainingIndices[9]]);
      for (const f of ["eval_report.png", "favourites.png"]) {
        assert((await Deno.stat(join(run, f))).size > 0, f);
      }
      // Flat grey samples are all alike but copy nothing: the caveat says so.
      const grey: ImageBatch = {
        count: 4,
        height: 64,
        width: 64,
        data: new Uint8Array(4 * n).fill(128),
      };
      const greyRun = join(tmp, "run-grey");
      await Deno.mkdir(greyRun);
      const flat = await evaluateImages(greyRun, grey, ds, {
        checkpoint: "c",
        step: 6,
        seed: 0,
        noSwd: true,
      });
      assert(flat.notes.some((t) => /nearly all alike/.test(t)), flat.notes.join("; "));
      // Same step, another count: a second row, not a replacement.
      const two = { ...generated, count: 2, data: data.subarray(0, 2 * n) };
      await evaluateImages(run, two, ds, { checkpoint: "c", step: 7, seed: 0, noSwd: true });
      const rows = (await Deno.readTextFile(join(run, "eval.csv"))).trim().split("\n").slice(1);
      assertEquals(rows.map((r) => r.split(",").slice(0, 2).join(",")), ["7,4", "7,2"]);
      assertEquals(JSON.parse(await Deno.readTextFile(join(run, "eval.json"))).counts.generated, 2);

      const one = { ...generated, count: 1, data: data.subarray(0, n) };
      await rejects(
        evaluateImages(run, one, ds, { checkpoint: "c", step: 7, seed: 0, noSwd: true }),
        (err: Error) =>
          err instanceof UserError && /at least 2 generated.*--count/.test(err.message),
      );
      const noHoldout = join(tmp, "ds-all");
      await prepareDataset({ input, out: noHoldout, size: 64, quiet: true, workers: 2 });
      await rejects(
        evaluateImages(run, generated, await openDataset(noHoldout), {
          checkpoint: "c",
          step: 7,
          seed: 0,
        }),
        (err: Error) => err instanceof UserError && err.message.includes("--holdout"),
      );
      const allHeld = join(tmp, "ds-held");
      await prepareDataset({ input, out: allHeld, size: 64, holdout: 0.99, quiet: true });
      const held = await openDataset(allHeld);
      assert(
        held.count - held.heldOut.length < 2,
        `${held.count} images, ${held.heldOut.length} held out`,
      );
      await rejects(
        evaluateImages(run, generated, held, { checkpoint: "c", step: 7, seed: 0 }),
        (err: Error) =>
          err instanceof UserError && /training image/.test(err.message) &&
          err.message.includes("smaller --holdout"),
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
