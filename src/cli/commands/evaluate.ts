/**
 * `evaluate`: quality metrics (SWD, MS-SSIM diversity, memorisation) for a
 * run's checkpoint, written to eval.json (the latest evaluation), eval.csv
 * (one row per step and count) and pictures in the run folder. The metrics
 * live in `src/eval/`; this file only maps flags.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { evaluateRun, MIN_EVAL_COUNT } from "../../eval/run.ts";
import { UsageError } from "../../util/errors.ts";
import {
  addCommonOptions,
  addDeviceOptions,
  booleanOption,
  deviceOptions,
  effectiveOptions,
  ExitRequest,
  numberOption,
  type OptionBag,
  print,
  requiredString,
  stringOption,
} from "../common.ts";
import { loadTensorFlow } from "../library.ts";

/**
 * `--count` (or train's `--eval-count`): a whole number of at least
 * {@linkcode MIN_EVAL_COUNT}, since MS-SSIM diversity compares pairs of
 * generated images (SWD is content with one; it compares as many images as
 * the smaller of the generated and training sets has).
 */
export function evalCount(o: OptionBag, key: "count" | "evalCount"): number | undefined {
  const flag = key === "count" ? "--count" : "--eval-count";
  const n = numberOption(o, key, { integer: true, flag });
  if (n !== undefined && n < MIN_EVAL_COUNT) {
    throw new UsageError(
      `${flag} must be at least ${MIN_EVAL_COUNT}: MS-SSIM diversity compares pairs of generated images (got ${n})`,
    );
  }
  return n;
}

/** Builds the `evaluate` command. */
export function evaluateCommand(): Command<any, any, any> {
  const cmd = new Command("evaluate")
    .description("measure a checkpoint: SWD, MS-SSIM diversity and memorisation, into eval.json")
    .option("--run <dir>", "run folder that train wrote")
    .option("--data <dir>", "dataset to compare with (default: the one the run trained on)")
    .option(
      "--count <n>",
      "images to generate, at least 2 (default: as many as training images, at most 1000)",
    )
    .option("--seed <n>", "seed of the noise and the metrics' random choices (default 0)")
    .option("--checkpoint <k>", "checkpoint step or folder name (default: latest)")
    .option("--no-swd", "skip SWD, the slow metric");
  addDeviceOptions(cmd);
  addCommonOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  deno task evaluate --run runs/demo
  deno task evaluate --run runs/p64 --checkpoint 1200 --count 500 --no-swd
The dataset needs held-out images (prepare --holdout 0.1) for the memorisation check.
eval.json holds the latest evaluation (it is replaced each time); eval.csv keeps one row
per checkpoint step and --count. Favourites are named by their dataset ids: <dataset>/images/<id>.png,
and <dataset>/manifest.jsonl gives each id's source file.`,
  );
  cmd.action(async () => {
    const o = await effectiveOptions(cmd);
    const dev = deviceOptions(o);
    const options = {
      run: requiredString(o, "run", "run folder"),
      data: stringOption(o, "data"),
      count: evalCount(o, "count"),
      seed: numberOption(o, "seed", { integer: true }),
      checkpoint: stringOption(o, "checkpoint"),
      // commander's --no-swd sets swd=false; a config file may say "swd": false or "no-swd": true.
      noSwd: booleanOption(o, "swd") === false || booleanOption(o, "noSwd") === true,
      ...dev,
    };
    const loaded = await loadTensorFlow(dev, { quiet: booleanOption(o, "quiet") });
    if (loaded.kind === "reexecuted") throw new ExitRequest(loaded.exitCode);
    const e = await evaluateRun(options);
    print(`checkpoint ${e.checkpoint} (step ${e.step}) against ${e.dataset}:`);
    print(`  SWD:        ${e.swd ? e.swd.mean.toFixed(4) : "skipped"}`);
    print(
      `  MS-SSIM:    generated ${e.msssim.generated.toFixed(4)}, real ${e.msssim.real.toFixed(4)}`,
    );
    print(`  memorised:  ${(100 * e.memorization.share).toFixed(1)}% of generated images`);
    print(
      `  spread:     ${
        (100 * e.concentration.top3Share).toFixed(1)
      }% of samples nearest to 3 training images; ${e.concentration.distinctNearest} of ${e.concentration.trainingImages} training images nearest to any`,
    );
    for (const note of e.notes) print(`  note: ${note}`);
    print(`  written to ${options.run}/eval.json, eval.csv, eval_report.png, favourites.png`);
  });
  return cmd;
}
