/**
 * `sample`: new portraits from a run's checkpoint (PNGs, a grid, or an
 * interpolation between two seeds). Also runnable with narrow permissions
 * through `tasks/sample.ts`.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { dirname } from "node:path";
import { cacheDirFor, TENSORFLOW_VERSION } from "../../../ffi/locate.ts";
import { sampleGan } from "../../gan/sampler.ts";
import {
  addCommonOptions,
  addDeviceOptions,
  booleanOption,
  deviceOptions,
  effectiveOptions,
  ExitRequest,
  numberOption,
  plural,
  print,
  requiredString,
  requireReadPermission,
  requireWritePermission,
  stringOption,
} from "../common.ts";
import { loadTensorFlow } from "../library.ts";

/**
 * The narrow-permission command of `tasks/sample.ts` (its module doc), as the
 * help prints it; tests/sample_permissions_test.ts runs it after filling in
 * the placeholders.
 */
export const NARROW_SAMPLE_COMMAND = `  deno run \\
    --allow-read=<run>,<out>,<libtensorflow folder> \\
    --allow-write=<out> --allow-ffi --allow-env \\
    tasks/sample.ts --run <run> --out <out> [--count N] [--seed S] [--grid] \\
    [--checkpoint K] [--interpolate <seedB> --frames N]`;

/** Builds the `sample` command. */
export function sampleCommand(): Command<any, any, any> {
  const cmd = new Command("sample")
    .description("write new portraits from a run's latest (or a chosen) checkpoint")
    .option("--run <dir>", "run folder that train wrote")
    .option("--out <dir>", "folder to write PNGs into (created)")
    .option("--count <n>", "number of images (default 16)")
    .option("--seed <n>", "noise seed (default 0): same seed, same files")
    .option("--grid", "also write grid.png")
    .option("--checkpoint <k>", "checkpoint step or folder name (default: latest)")
    .option("--interpolate <seed>", "walk from --seed's noise to this seed's: frames and a GIF")
    .option("--frames <n>", "frames of the walk (default 24)");
  addDeviceOptions(cmd);
  addCommonOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  deno task sample --run runs/demo --out out/demo --count 64 --grid
  deno task sample --run runs/demo --out out/walk --seed 1 --interpolate 2 --frames 32
With narrow permissions (reads only the run, the output folder and the library; writes only
--out), the tested command of tasks/sample.ts:
${NARROW_SAMPLE_COMMAND}
<libtensorflow folder> is the folder of the "library:" file that \`deno task info\` prints
(by default $HOME/.cache/portrait-gan/libtensorflow-${TENSORFLOW_VERSION}-cpu).`,
  );
  cmd.action(async () => {
    const o = await effectiveOptions(cmd);
    const dev = deviceOptions(o);
    const run = requiredString(o, "run", "run folder");
    const out = requiredString(o, "out", "output folder");
    const checkpoint = stringOption(o, "checkpoint");
    const options = {
      run,
      out,
      count: numberOption(o, "count", { integer: true, min: 1 }),
      seed: numberOption(o, "seed", { integer: true }),
      grid: booleanOption(o, "grid"),
      checkpoint,
      interpolateTo: numberOption(o, "interpolate", { integer: true }),
      frames: numberOption(o, "frames", { integer: true, min: 1 }),
      ...dev,
    };
    requireReadPermission(run, "the run folder");
    requireWritePermission(out, "the output folder");
    requireReadPermission(
      out,
      "the output folder",
      " too (files are renamed into place, and renaming needs read access)",
    );
    const libraryPath = Deno.env.get("TF_LIBRARY_PATH");
    requireReadPermission(
      libraryPath ? dirname(libraryPath) : cacheDirFor(dev.device === "gpu" ? "gpu" : "cpu"),
      "the libtensorflow folder",
    );
    const loaded = await loadTensorFlow(dev, { quiet: booleanOption(o, "quiet") });
    if (loaded.kind === "reexecuted") throw new ExitRequest(loaded.exitCode);
    const summary = await sampleGan(options);
    if (!booleanOption(o, "quiet")) {
      print(
        `wrote ${
          plural(summary.files.length, "file")
        } to ${out} from checkpoint ${summary.checkpoint} (step ${summary.step})`,
      );
    }
  });
  return cmd;
}
