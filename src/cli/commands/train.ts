/**
 * `train`: the DCGAN on a dataset folder; running it again on the same run
 * folder resumes from the latest checkpoint.
 *
 * @module
 */

import { Command, Option } from "@commander-js/extra-typings";
import { type GanConfig, PRESETS } from "../../gan/config.ts";
import { trainGan, type TrainSummary } from "../../gan/trainer.ts";
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
import { evalCount } from "./evaluate.ts";

/** Every GanConfig field: a config file may set any of them directly. */
export const GAN_CONFIG_KEYS: readonly (keyof GanConfig)[] = Object.keys(
  PRESETS.portrait64,
) as (keyof GanConfig)[];

/** `fp32`/`bf16` (or the long names) → GanConfig's precision. */
export function parsePrecision(value: string | undefined): GanConfig["precision"] | undefined {
  if (value === undefined) return undefined;
  if (value === "fp32" || value === "float32") return "float32";
  if (value === "bf16" || value === "bfloat16") return "bfloat16";
  throw new UsageError(`--precision must be fp32 or bf16 (got ${value})`);
}

/**
 * The GanConfig overrides: GanConfig fields given in the config file first,
 * then the flags (which may also come from the file under their flag names).
 * Flags win, and a specific flag (`--g-lr`) wins over a general one (`--lr`).
 */
export function ganOverrides(o: OptionBag): Partial<GanConfig> {
  const out: Record<string, unknown> = {};
  for (const key of GAN_CONFIG_KEYS) if (o[key] !== undefined) out[key] = o[key];
  const set = (key: keyof GanConfig, value: unknown) => {
    if (value !== undefined) out[key] = value;
  };
  set("batchSize", numberOption(o, "batch", { integer: true, min: 1 }));
  const lr = numberOption(o, "lr", { min: 0 });
  set("generatorLearningRate", numberOption(o, "gLr", { min: 0, flag: "--g-lr" }) ?? lr);
  set("discriminatorLearningRate", numberOption(o, "dLr", { min: 0, flag: "--d-lr" }) ?? lr);
  set("beta1", numberOption(o, "beta1"));
  set("beta2", numberOption(o, "beta2"));
  set("dropout", numberOption(o, "dropout"));
  set("labelSmoothing", numberOption(o, "labelSmoothing"));
  set("noiseSize", numberOption(o, "noiseSize", { integer: true, min: 1 }));
  set("precision", parsePrecision(stringOption(o, "precision")));
  set("diffAugment", stringOption(o, "diffaugment"));
  delete out.preset; // the preset is chosen by --preset, not as an override
  return out as Partial<GanConfig>;
}

/** What the user reads when training ends. */
export function describeStop(s: TrainSummary): string {
  const where = `step ${s.step}, epoch ${s.epoch}`;
  switch (s.stoppedBy) {
    case "signal":
      return `stopped: checkpoint ${s.checkpoint} written; run the same command again to resume`;
    case "time-limit":
      return `time limit reached at ${where}: checkpoint ${s.checkpoint} written; run again to continue`;
    case "max-steps":
      return `step limit reached at ${where}: checkpoint ${s.checkpoint} written; run again to continue`;
    default:
      return `done: ${where}, checkpoint ${s.checkpoint}`;
  }
}

/** Builds the `train` command. */
export function trainCommand(): Command<any, any, any> {
  const cmd = new Command("train")
    .description("train the DCGAN on a dataset; the same command again resumes the run")
    .option(
      "--data <dir>",
      "dataset folder from prepare or augment (a resume defaults to the run's own)",
    )
    .option("--run <dir>", "run folder: checkpoints, epoch grids, progress.gif, loss.png")
    .addOption(
      new Option("--preset <name>", "network preset (default portrait64 for a new run)").choices(
        Object.keys(PRESETS),
      ),
    )
    .option("--epochs <n>", "total epochs the run should reach (default 10)")
    .option(
      "--batch <n>",
      "images per step (preset default: 64 for portrait64, 32 for portrait160)",
    )
    .option("--seed <n>", "seed of a new run (default 1)")
    .option("--save-every <n>", "checkpoint every N epochs (default 1)")
    .option("--keep <n>", "checkpoints kept (default 3)")
    .option("--log-placement", "print the device each op runs on")
    .option("--precision <p>", "fp32, or bf16 compute with float32 weights (default fp32)")
    .option("--lr <rate>", "learning rate of both networks (default 1e-4)")
    .option("--g-lr <rate>", "generator learning rate")
    .option("--d-lr <rate>", "discriminator learning rate")
    .option("--beta1 <b>", "Adam beta1 (default 0.9)")
    .option("--beta2 <b>", "Adam beta2 (default 0.999)")
    .option("--dropout <rate>", "dropout after each discriminator convolution (default 0.3)")
    .option("--label-smoothing <s>", "real labels become 1 - s (default 0)")
    .option("--noise-size <n>", "length of the noise vector (default 100)")
    .option("--max-minutes <m>", "stop (with a checkpoint) after this many minutes")
    .option("--max-steps <n>", "stop (with a checkpoint) after this many steps")
    .option("--diffaugment <policy>", 'DiffAugment policy, e.g. "color,translation,cutout"')
    // Evaluation during training (src/eval/): needs a dataset with held-out images.
    .option("--eval-every <n>", "evaluate every N epochs into eval.json/eval.csv (needs --holdout)")
    .option(
      "--eval-count <n>",
      "images generated per evaluation, at least 2 (default: up to 1000)",
    );
  addDeviceOptions(cmd);
  addCommonOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  deno task train --data datasets/mine64 --run runs/mine64 --epochs 50
  deno task train --data datasets/seed160 --run runs/seed160 --preset portrait160 --device gpu
  deno task train --config train.json --epochs 100     # flags override the file
--config keys are the flag names (e.g. "save-every") or GanConfig fields (e.g. "batchSize").
Ctrl-C writes a checkpoint; run the same command again to resume.`,
  );
  cmd.action(async () => {
    const o = await effectiveOptions(cmd, GAN_CONFIG_KEYS);
    const dev = deviceOptions(o);
    const quiet = booleanOption(o, "quiet");
    // Optional when resuming: the run remembers its dataset.
    const data = stringOption(o, "data");
    const run = requiredString(o, "run", "run folder");
    const options = {
      data,
      run,
      preset: stringOption(o, "preset"),
      overrides: ganOverrides(o),
      epochs: numberOption(o, "epochs", { integer: true, min: 1 }) ?? 10,
      seed: numberOption(o, "seed", { integer: true }),
      saveEvery: numberOption(o, "saveEvery", { integer: true, min: 1 }),
      keep: numberOption(o, "keep", { integer: true, min: 1 }),
      maxSteps: numberOption(o, "maxSteps", { integer: true, min: 1 }),
      maxMinutes: numberOption(o, "maxMinutes", { min: 0 }),
      evalEvery: numberOption(o, "evalEvery", { integer: true, min: 1 }),
      evalCount: evalCount(o, "evalCount"),
      quiet,
      ...dev,
    };
    if (options.preset !== undefined && !(options.preset in PRESETS)) {
      throw new UsageError(
        `unknown preset '${options.preset}': choose one of ${Object.keys(PRESETS).join(", ")}`,
      );
    }
    const loaded = await loadTensorFlow(dev, { quiet });
    if (loaded.kind === "reexecuted") throw new ExitRequest(loaded.exitCode);
    const summary = await trainGan(options);
    print(describeStop(summary));
    if (summary.stoppedBy === "signal") throw new ExitRequest(130);
    print(`run folder: ${summary.run} (samples/, progress.gif, loss.png, metrics.csv)`);
  });
  return cmd;
}
