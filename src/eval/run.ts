/**
 * `evaluate`: the quality metrics for a run's checkpoint (or for the model
 * being trained), written to the run folder: `eval.json` (the latest
 * evaluation), `eval.csv` (one row per step and count), `eval_report.png` and
 * `favourites.png`.
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
import { type Favourite, favouritesPicture } from "./memorization.ts";
import { swdResolutions } from "./swd.ts";
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

/** A favourite training image with what identifies it in the dataset. */
export interface RunFavourite extends Favourite {
  /** The image's dataset id (its name in `<dataset>/images/` and manifest.jsonl). */
  id: string;
  /** Its artist, when the source layout names one. */
  artist?: string;
}

/**
 * The latest evaluation of a run, as saved in eval.json: each evaluation
 * replaces the file (eval.csv keeps one row per step and count).
 */
export interface RunEvaluation extends Omit<EvalResult, "memorization"> {
  /** As {@linkcode EvalResult.memorization}, with each favourite's dataset id and artist. */
  memorization: Omit<EvalResult["memorization"], "favourites"> & { favourites: RunFavourite[] };
  /**
   * How the generated images spread over the training set: the share whose
   * nearest training image is one of the three most frequent (the original
   * project's failure was a third of its outputs on three Rembrandts), and
   * how many distinct training images are nearest to some sample. A diverse
   * model spreads over many; a collapsed one piles onto a few.
   */
  concentration: { top3Share: number; distinctNearest: number; trainingImages: number };
  /** Caveats for reading the numbers (e.g. samples too alike for memorisation to mean much). */
  notes: string[];
  /** Name of the checkpoint evaluated. */
  checkpoint: string;
  /** Training step of that checkpoint. */
  step: number;
  /** Dataset compared with. */
  dataset: string;
  /** When it was computed. */
  written: string;
}

/**
 * The training and held-out images of a dataset as two batches, and for
 * each training image its index in `ds.ids` (`trainingIndices[i]` is image
 * `i` of `training`).
 */
export function splitDataset(
  ds: Dataset,
): { training: ImageBatch; heldOut: ImageBatch; trainingIndices: number[] } {
  const held = new Set(ds.heldOut);
  const n = ds.size * ds.size * 3;
  const pick = (idx: number[]): ImageBatch => {
    const data = new Uint8Array(idx.length * n);
    idx.forEach((i, k) => data.set(ds.images.subarray(i * n, (i + 1) * n), k * n));
    return { count: idx.length, height: ds.size, width: ds.size, data };
  };
  const trainIdx = ds.ids.map((id, i) => (held.has(id) ? -1 : i)).filter((i) => i >= 0);
  const heldIdx = ds.ids.map((id, i) => (held.has(id) ? i : -1)).filter((i) => i >= 0);
  return { training: pick(trainIdx), heldOut: pick(heldIdx), trainingIndices: trainIdx };
}

/**
 * The problems with `generatedCount` images and `ds` that the metrics cannot work
 * around, as a UserError naming the fix (the metrics themselves would throw
 * a RangeError a user cannot act on).
 */
function checkEvaluable(
  generatedCount: number,
  ds: Dataset,
  training: ImageBatch,
  heldOut: ImageBatch,
  swd: boolean,
): void {
  if (generatedCount < MIN_EVAL_COUNT) {
    throw new UserError(
      `evaluation needs at least ${MIN_EVAL_COUNT} generated images (MS-SSIM diversity compares pairs), not ${generatedCount}: raise --count`,
    );
  }
  if (heldOut.count < 2) {
    throw new UserError(
      `dataset ${ds.dir} has ${
        images(heldOut.count, "held-out")
      }; memorisation needs at least 2: prepare it with --holdout 0.1 (and enough images that 10% is 2 or more)`,
    );
  }
  if (training.count < 2) {
    throw new UserError(
      `dataset ${ds.dir} has ${
        images(training.count, "training")
      } besides the ${heldOut.count} held out; evaluation needs at least 2: add images, or prepare it with a smaller --holdout`,
    );
  }
  if (ds.size < 16) {
    throw new UserError(
      `dataset ${ds.dir} holds ${ds.size}px images; MS-SSIM (5 scales) needs at least 16 px: evaluate a 64 px or larger dataset`,
    );
  }
  if (swd) {
    try {
      swdResolutions(ds.size, ds.size);
    } catch (cause) {
      throw new UserError(
        `SWD cannot use ${ds.size}px images (${(cause as Error).message}): skip it with --no-swd`,
        { cause },
      );
    }
  }
}

/** `1 training image`, `0 training images`. */
function images(n: number, kind: string): string {
  return `${n} ${kind} image${n === 1 ? "" : "s"}`;
}

/** Fewest generated images an evaluation accepts: MS-SSIM diversity needs a pair. */
export const MIN_EVAL_COUNT = 2;

/**
 * Computes the metrics for `generated` against a dataset and writes
 * eval.json (this evaluation, replacing the one before), a row of eval.csv
 * (the history, one row per step and count), eval_report.png and
 * favourites.png. Favourites are named by their dataset ids.
 *
 * @throws {UserError} when there are too few generated, training or held-out
 *   images, or the images are too small for the metrics.
 */
export async function evaluateImages(
  runDir: string,
  generated: ImageBatch,
  ds: Dataset,
  meta: { checkpoint: string; step: number; seed: number; noSwd?: boolean },
): Promise<RunEvaluation> {
  const { training, heldOut, trainingIndices } = splitDataset(ds);
  checkEvaluable(generated.count, ds, training, heldOut, !meta.noSwd);
  const result = evaluateSets({ generated, training, heldOut, seed: meta.seed, swd: !meta.noSwd });
  const ids = trainingIndices.map((i) => ds.ids[i]);
  const favourites: RunFavourite[] = result.memorization.favourites.map((f) => {
    const artist = ds.artists[trainingIndices[f.trainingIndex]];
    return { ...f, id: ids[f.trainingIndex], ...(artist ? { artist } : {}) };
  });
  const counts = new Map<number, number>();
  for (const i of result.memorization.nearest) counts.set(i, (counts.get(i) ?? 0) + 1);
  const top3 = [...counts.values()].sort((a, b) => b - a).slice(0, 3).reduce((a, b) => a + b, 0);
  const notes: string[] = [];
  // Nearly identical samples (collapse, or a model that has not learned yet)
  // all sit next to the same few paintings: they resemble, rather than copy.
  const sorted = [...result.memorization.distances].sort((x, y) => x - y);
  const medianDistance = sorted[sorted.length >> 1] ?? 0;
  const copies = medianDistance <= 0.25 * result.memorization.threshold; // true copies sit at ~0
  if (
    !copies && result.msssim.generated > 0.9 && result.msssim.generated > result.msssim.real + 0.3
  ) {
    notes.push(
      `the samples are nearly all alike (MS-SSIM ${result.msssim.generated.toFixed(2)} against ${
        result.msssim.real.toFixed(2)
      } for real pairs): the model has collapsed or not learned yet, so the memorisation share says little; look at favourites.png`,
    );
  }
  const evaluation: RunEvaluation = {
    ...result,
    notes,
    concentration: {
      top3Share: top3 / Math.max(1, result.memorization.nearest.length),
      distinctNearest: counts.size,
      trainingImages: training.count,
    },
    memorization: { ...result.memorization, favourites },
    checkpoint: meta.checkpoint,
    step: meta.step,
    dataset: ds.dir,
    written: new Date().toISOString(),
  };
  await writeTextFileAtomic(join(runDir, "eval.json"), JSON.stringify(evaluation, null, 2) + "\n");
  await writeFileAtomic(
    join(runDir, "eval_report.png"),
    await encodePng(renderReport(result, generated, training, ids)),
  );
  await writeFileAtomic(
    join(runDir, "favourites.png"),
    await encodePng(
      favouritesPicture(generated, training, result.memorization, undefined, ids),
    ),
  );
  await appendHistory(runDir, evaluation);
  return evaluation;
}

/** The columns of eval.csv, in order. */
export const HISTORY_COLUMNS = [
  "step",
  "count",
  "checkpoint",
  "swd_mean",
  "msssim_generated",
  "msssim_real",
  "memorization_share",
] as const;

/**
 * The eval.csv text with `e`'s row added, replacing a row of the same step
 * and count (an evaluation with another count is a row of its own). A file
 * written before the `count` column existed is read by its header's names
 * and rewritten with {@linkcode HISTORY_COLUMNS} (its rows' count empty).
 */
export function historyWithRow(previous: string | null, e: RunEvaluation): string {
  const lines = (previous ?? "").trim().split("\n").filter((l) => l.trim() !== "");
  const header = lines.length ? lines[0].split(",") : [...HISTORY_COLUMNS];
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""])) as Record<string, string>;
  });
  const row: Record<string, string> = {
    step: String(e.step),
    count: String(e.counts.generated),
    checkpoint: e.checkpoint,
    swd_mean: String(e.swd?.mean ?? ""),
    msssim_generated: String(e.msssim.generated),
    msssim_real: String(e.msssim.real),
    memorization_share: String(e.memorization.share),
  };
  const kept = rows.filter((r) => !(r.step === row.step && r.count === row.count));
  kept.push(row);
  return [
    HISTORY_COLUMNS.join(","),
    ...kept.map((r) => HISTORY_COLUMNS.map((c) => r[c] ?? "").join(",")),
  ]
    .join("\n") + "\n";
}

async function appendHistory(runDir: string, e: RunEvaluation): Promise<void> {
  const path = join(runDir, "eval.csv");
  let text: string | null = null;
  try {
    text = await Deno.readTextFile(path);
  } catch { /* first evaluation */ }
  await writeTextFileAtomic(path, historyWithRow(text, e));
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
  const { training, heldOut } = splitDataset(ds);
  const count = options.count ?? Math.min(1000, Math.max(MIN_EVAL_COUNT, training.count));
  // Before sampling: the same checks evaluateImages makes, so a hopeless
  // evaluation fails at once.
  checkEvaluable(count, ds, training, heldOut, !options.noSwd);
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
