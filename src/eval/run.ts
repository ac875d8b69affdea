/**
 * `evaluate`: the quality metrics for a run's checkpoint (or for the model
 * being trained), written to `eval.json` and pictures in the run folder.
 *
 * @example
 * ```ts
 * import { evaluateRun } from "./run.ts";
 * const result = await evaluateRun({ run: "runs/demo", count: 500 });
 * console.log(result.memorization.share);
 * ```
 * @module
 */

import { join } from "node:path";
import { type Dataset, openDataset } from "../data/dataset.ts";
import { encodePng } from "../data/decode.ts";
import type { DeviceOptions } from "../gan/devices.ts";
import { RunFolder } from "../gan/run_folder.ts";
import { generateFromRun } from "../gan/sampler.ts";
import { writeFileAtomic, writeTextFileAtomic } from "../util/atomic.ts";
import { UserError } from "../util/errors.ts";
import type { ImageBatch } from "./images.ts";
import { favouritesPicture } from "./memorization.ts";
import { type EvalResult, evaluateSets, renderReport } from "./report.ts";

/** Options of {@linkcode evaluateRun}. */
export interface EvaluateRunOptions extends DeviceOptions {
  /** Run folder. */
  run: string;
  /** Dataset to compare with (default: the one the checkpoint was trained on). */
  data?: string;
  /** Generated images (default: as many as training images, at most 1000). */
  count?: number;
  /** Seed for the noise and the metrics' random choices (default 0). */
  seed?: number;
  /** Checkpoint step or name (default latest). */
  checkpoint?: string | number;
  /** Skip SWD (the slow metric). */
  noSwd?: boolean;
}

/** An evaluation as saved in eval.json. */
export interface RunEvaluation extends EvalResult {
  /** Name of the checkpoint evaluated. */
  checkpoint: string;
  /** Training step of that checkpoint. */
  step: number;
  /** Dataset compared with. */
  dataset: string;
  /** When it was computed. */
  written: string;
}

/** The training and held-out images of a dataset as two batches. */
export function splitDataset(ds: Dataset): { training: ImageBatch; heldOut: ImageBatch } {
  const held = new Set(ds.heldOut);
  const n = ds.size * ds.size * 3;
  const pick = (keep: (id: string) => boolean): ImageBatch => {
    const idx = ds.ids.map((id, i) => (keep(id) ? i : -1)).filter((i) => i >= 0);
    const data = new Uint8Array(idx.length * n);
    idx.forEach((i, k) => data.set(ds.images.subarray(i * n, (i + 1) * n), k * n));
    return { count: idx.length, height: ds.size, width: ds.size, data };
  };
  return { training: pick((id) => !held.has(id)), heldOut: pick((id) => held.has(id)) };
}

/** Computes the metrics for `generated` against a dataset and writes eval.json, eval_report.png, favourites.png. */
export async function evaluateImages(
  runDir: string,
  generated: ImageBatch,
  ds: Dataset,
  meta: { checkpoint: string; step: number; seed: number; noSwd?: boolean },
): Promise<RunEvaluation> {
  const { training, heldOut } = splitDataset(ds);
  if (heldOut.count < 2) {
    throw new UserError(
      `dataset ${ds.dir} has no held-out images, which memorisation needs: prepare it with --holdout 0.1`,
    );
  }
  const result = evaluateSets({ generated, training, heldOut, seed: meta.seed, swd: !meta.noSwd });
  const evaluation: RunEvaluation = {
    ...result,
    checkpoint: meta.checkpoint,
    step: meta.step,
    dataset: ds.dir,
    written: new Date().toISOString(),
  };
  await writeTextFileAtomic(join(runDir, "eval.json"), JSON.stringify(evaluation, null, 2) + "\n");
  await writeFileAtomic(
    join(runDir, "eval_report.png"),
    await encodePng(renderReport(result, generated, training)),
  );
  await writeFileAtomic(
    join(runDir, "favourites.png"),
    await encodePng(favouritesPicture(generated, training, result.memorization)),
  );
  await appendHistory(runDir, evaluation);
  return evaluation;
}

async function appendHistory(runDir: string, e: RunEvaluation): Promise<void> {
  const path = join(runDir, "eval.csv");
  let text = "step,checkpoint,swd_mean,msssim_generated,msssim_real,memorization_share\n";
  try {
    text = await Deno.readTextFile(path);
  } catch { /* first evaluation */ }
  const rows = text.trim().split("\n");
  const kept = [rows[0], ...rows.slice(1).filter((r) => Number(r.split(",")[0]) !== e.step)];
  kept.push(
    [
      e.step,
      e.checkpoint,
      e.swd?.mean ?? "",
      e.msssim.generated,
      e.msssim.real,
      e.memorization.share,
    ].join(","),
  );
  await writeTextFileAtomic(path, kept.join("\n") + "\n");
}

/** Evaluates a run's checkpoint. */
export async function evaluateRun(options: EvaluateRunOptions): Promise<RunEvaluation> {
  const seed = options.seed ?? 0;
  // Read the checkpoint's record first: it names the dataset and the image size, so a
  // wrong --data fails before any sampling.
  const run = new RunFolder(options.run);
  if (!(await run.readInfo())) {
    throw new UserError(
      `${options.run} is not a run folder (no run.json): pass the --run folder that train wrote`,
    );
  }
  const entry = await run.findCheckpoint(options.checkpoint);
  const ds = await openDataset(options.data ?? entry.meta.dataset.path);
  if (ds.size !== entry.meta.config.imageSize) {
    throw new UserError(
      `dataset ${ds.dir} holds ${ds.size}px images but the run makes ${entry.meta.config.imageSize}px images: pass --data with the run's dataset`,
    );
  }
  const trainingCount = ds.count - ds.heldOut.length;
  const count = options.count ?? Math.min(1000, Math.max(1, trainingCount));
  const gen = await generateFromRun(options.run, {
    ...options,
    count,
    seed,
    checkpoint: entry.name,
  });
  const generated: ImageBatch = { count, height: gen.size, width: gen.size, data: gen.images };
  return await evaluateImages(options.run, generated, ds, {
    checkpoint: gen.checkpoint,
    step: gen.step,
    seed,
    noSwd: options.noSwd,
  });
}
