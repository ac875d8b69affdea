/**
 * `demo`: one command from a fresh clone to generated portraits (see
 * `src/demo/demo.ts` for the stages).
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { join } from "node:path";
import { DEMO_MINUTES, runDemo } from "../../demo/demo.ts";
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
  stringOption,
} from "../common.ts";
import { loadTensorFlow } from "../library.ts";
import { describeStop } from "./train.ts";

/** Builds the `demo` command. */
export function demoCommand(): Command<any, any, any> {
  const cmd = new Command("demo")
    .description(
      "download 176 portrait paintings (Debian's naev-data), prepare, augment, train portrait64 for a while, sample",
    )
    .option("--input <dir>", "use this folder of images instead of the naev portraits")
    .option("--run <dir>", "run folder (default runs/demo; datasets go to <run>-data/)")
    .option("--minutes <m>", `training minutes in this call (default ${DEMO_MINUTES})`)
    .option("--copies <n>", "augmented variants per painting (default 4)")
    .option(
      "--epochs <n>",
      "total epochs to aim for (default: the next multiple of 1000; time is the limit)",
    )
    .option("--batch <n>", "images per step (default 64)")
    .option("--seed <n>", "seed of a new run and of the augmentation (default 1)")
    .option("--count <n>", "images in the final sample grid (default 64)");
  addDeviceOptions(cmd);
  addCommonOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  deno task demo                          # naev portraits, 10 minutes of training
  deno task demo --minutes 30             # again: continues the same run for 30 more minutes
  deno task demo --input ./my-paintings --run runs/mine
Needs apt-get and dpkg for the naev portraits (no root; about 350 MB downloaded once,
only the portraits are kept in ~/.cache/portrait-gan/naev-portraits/). Ctrl-C loses nothing.`,
  );
  cmd.action(async () => {
    const o = await effectiveOptions(cmd);
    const dev = deviceOptions(o);
    const quiet = booleanOption(o, "quiet");
    const options = {
      input: stringOption(o, "input"),
      run: stringOption(o, "run"),
      minutes: numberOption(o, "minutes", { min: 0 }),
      copies: numberOption(o, "copies", { integer: true, min: 0 }),
      epochs: numberOption(o, "epochs", { integer: true, min: 1 }),
      batch: numberOption(o, "batch", { integer: true, min: 1 }),
      seed: numberOption(o, "seed", { integer: true }),
      count: numberOption(o, "count", { integer: true, min: 1 }),
      quiet,
      // --quiet silences the stage lines too; the final "look at" lines stay.
      log: quiet ? () => {} : undefined,
      ...dev,
    };
    const loaded = await loadTensorFlow(dev, { quiet });
    if (loaded.kind === "reexecuted") throw new ExitRequest(loaded.exitCode);
    const s = await runDemo(options);
    print(describeStop(s.train));
    if (s.train.stoppedBy === "signal") throw new ExitRequest(130);
    const minutes = (s.seconds / 60).toFixed(1);
    print(
      `demo finished in ${plural(minutes, "minute")} (${
        plural(s.train.stepsThisSession, "step")
      } this time). Look at:`,
    );
    print(`  ${join(s.run, "samples")}/epoch_NNNN.png   a grid after each epoch`);
    print(`  ${join(s.run, "progress.gif")}            the grids as an animation`);
    print(
      `  ${join(s.run, "loss.png")}                the loss curves (metrics.csv has the numbers)`,
    );
    if (s.samples) {
      print(`  ${join(s.samples, "grid.png")}      new portraits from the latest checkpoint`);
    }
    print(`Run the demo again to continue training; sample more with:`);
    print(`  deno task sample --run ${s.run} --out out/demo --count 64 --grid`);
  });
  return cmd;
}
