/**
 * `prepare`: a folder of paintings (the Kaggle "Best Artworks" layout or any
 * tree of images) into a dataset folder for training.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { prepareDataset } from "../../data/prepare.ts";
import {
  addCommonOptions,
  booleanOption,
  effectiveOptions,
  numberOption,
  requiredString,
} from "../common.ts";

/** `--artists "Van Gogh, Da Vinci"` or `seed` (also a JSON array in a config file). */
export function parseArtists(value: unknown): string[] | "seed" | undefined {
  if (value === undefined) return undefined;
  if (value === "seed") return "seed";
  const list = Array.isArray(value) ? value.map(String) : String(value).split(",");
  return list.map((s) => s.trim()).filter((s) => s);
}

/** Builds the `prepare` command. */
export function prepareCommand(): Command<any, any, any> {
  const cmd = new Command("prepare")
    .description("turn a folder of paintings into a training dataset (decode, crop, resize, pack)")
    .option("--input <dir>", "folder of paintings: the Kaggle layout or any tree of images")
    .option("--out <dir>", "dataset folder to create (or update)")
    .option(
      "--size <px>",
      "square image size: 160 for portrait160, 64 for portrait64 (default 160)",
    )
    .option("--artists <list>", 'artists to keep, e.g. "Van Gogh, Da Vinci", or "seed"')
    .option("--limit <n>", "keep at most this many images")
    .option("--max-pixels <n>", "refuse images claiming more pixels (default 50000000)")
    .option("--holdout <share>", "share of images held out of training, 0..1 (default 0)")
    .option("--workers <n>", "decoding workers (default: all cores)");
  addCommonOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  deno task prepare --input ~/Downloads/best-artworks --out datasets/seed160 --artists seed
  deno task prepare --input ./my-paintings --out datasets/mine64 --size 64
Re-running redoes nothing already done; exclude ids by listing them in <out>/exclude.txt.`,
  );
  cmd.action(async () => {
    const o = await effectiveOptions(cmd);
    await prepareDataset({
      input: requiredString(o, "input", "folder of paintings"),
      out: requiredString(o, "out", "dataset folder"),
      size: numberOption(o, "size", { integer: true, min: 8 }),
      artists: parseArtists(o.artists),
      limit: numberOption(o, "limit", { integer: true, min: 1 }),
      maxPixels: numberOption(o, "maxPixels", { min: 1 }),
      holdout: numberOption(o, "holdout"),
      workers: numberOption(o, "workers", { integer: true, min: 1 }),
      quiet: booleanOption(o, "quiet"),
    });
  });
  return cmd;
}
