/**
 * `augment`: a prepared dataset into a bigger one (flips, hue and saturation
 * shifts with imgaug's semantics), seeded and reproducible.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { augmentDataset, type Range } from "../../data/augment.ts";
import { UsageError } from "../../util/errors.ts";
import {
  addCommonOptions,
  booleanOption,
  effectiveOptions,
  numberOption,
  requiredString,
} from "../common.ts";

/** `-20,20` → [-20, 20]; `20` → [-20, 20]; a JSON array works too. */
export function parseRange(value: unknown, flag: string): Range | undefined {
  if (value === undefined) return undefined;
  const parts = Array.isArray(value) ? value.map(Number) : String(value).split(",").map(Number);
  if (parts.length === 1 && Number.isFinite(parts[0])) {
    return [-Math.abs(parts[0]), Math.abs(parts[0])];
  }
  if (parts.length !== 2 || !parts.every(Number.isFinite)) {
    throw new UsageError(`${flag} must be min,max (got ${String(value)})`);
  }
  return [parts[0], parts[1]];
}

/** Builds the `augment` command. */
export function augmentCommand(): Command<any, any, any> {
  const cmd = new Command("augment")
    .description("write an augmented copy of a dataset: originals plus N variants of each")
    .option("--input <dir>", "a prepared dataset folder")
    .option("--out <dir>", "the augmented dataset folder to write")
    .option("--copies <n>", "variants per original (default 5)")
    .option("--seed <n>", "random seed (default 0): same seed, same bytes")
    .option("--flip <p>", "probability of a horizontal flip (default 0.5)")
    .option("--hue <min,max>", "hue shift in imgaug units, 255 = full turn (default -20,20)")
    .option("--saturation <min,max>", "saturation shift, clipped (default -20,20)")
    .option("--mul-hue <min,max>", "multiplicative hue factor (default 1,1 = off)")
    .option("--mul-saturation <min,max>", "multiplicative saturation factor (default 1,1 = off)")
    .option("--workers <n>", "encoding workers (default: all cores)");
  addCommonOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Example:
  deno task augment --input datasets/seed160 --out datasets/seed160-aug --copies 5 --seed 0`,
  );
  cmd.action(async () => {
    const o = await effectiveOptions(cmd);
    await augmentDataset({
      input: requiredString(o, "input", "prepared dataset"),
      out: requiredString(o, "out", "new dataset folder"),
      copies: numberOption(o, "copies", { integer: true, min: 0 }),
      seed: numberOption(o, "seed", { integer: true }),
      flip: numberOption(o, "flip"),
      hue: parseRange(o.hue, "--hue"),
      saturation: parseRange(o.saturation, "--saturation"),
      mulHue: parseRange(o.mulHue, "--mul-hue"),
      mulSaturation: parseRange(o.mulSaturation, "--mul-saturation"),
      workers: numberOption(o, "workers", { integer: true, min: 1 }),
      quiet: booleanOption(o, "quiet"),
    });
  });
  return cmd;
}
