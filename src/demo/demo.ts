/**
 * The demo: from a fresh clone to generated portraits with one command.
 * libtensorflow, the naev portraits (or `--input`), prepare at 64 px,
 * augment, train portrait64 for a bounded time, sample a grid.
 *
 * Every stage is resumable, so running the demo again continues it: the
 * portraits and libtensorflow are cached, prepare reuses what it decoded,
 * augment is skipped when its output already matches, and training resumes
 * from the latest checkpoint with the same epoch target (see
 * {@linkcode demoEpochTarget}) and the time limit again. An interrupt loses
 * nothing done: downloads and datasets are written atomically, and training
 * writes a checkpoint on SIGINT/SIGTERM.
 *
 * @example
 * ```ts
 * import { runDemo } from "./demo.ts";
 * const s = await runDemo({ run: "runs/demo", minutes: 10 });
 * console.log(s.samples);
 * ```
 * @module
 */

import { join } from "node:path";
import { ensureTensorFlow } from "../../ffi/locate.ts";
import { augmentDataset } from "../data/augment.ts";
import { prepareDataset } from "../data/prepare.ts";
import type { DeviceOptions } from "../gan/devices.ts";
import { RunFolder } from "../gan/run_folder.ts";
import { sampleGan } from "../gan/sampler.ts";
import { trainGan, type TrainSummary } from "../gan/trainer.ts";
import { obtainNaevPortraits } from "./naev.ts";

/** Options of {@linkcode runDemo}. */
export interface DemoOptions extends DeviceOptions {
  /** Folder of images to use instead of the naev portraits. */
  input?: string;
  /** Run folder (default `runs/demo`). Datasets go beside it, in `<run>-data/`. */
  run?: string;
  /** Training minutes in this call (default 10). */
  minutes?: number;
  /** Augmented variants per image (default 4). */
  copies?: number;
  /**
   * Total epochs to aim for (default {@linkcode demoEpochTarget}: the next
   * multiple of 1000, the same in every call, so that time is the limit).
   */
  epochs?: number;
  /** Images per step (default: the preset's 64). */
  batch?: number;
  /** Seed of a new run and of the augmentation (default 1). */
  seed?: number;
  /** Samples in the final grid (default 64). */
  count?: number;
  /** No progress bars. */
  quiet?: boolean;
  /** Where stage lines go (default stderr). */
  log?: (line: string) => void;
}

/** What {@linkcode runDemo} did and where to look. */
export interface DemoSummary {
  /** The images used. */
  input: string;
  /** The prepared and augmented dataset folders. */
  prepared: string;
  augmented: string;
  /** The run folder. */
  run: string;
  /** The training call's result. */
  train: TrainSummary;
  /** Folder of the final samples (with grid.png), absent when training was interrupted. */
  samples?: string;
  /** Wall-clock seconds of the whole demo. */
  seconds: number;
}

/** The preset, image size and default minutes of the demo. */
export const DEMO_PRESET = "portrait64";
/** Image size of {@linkcode DEMO_PRESET}. */
export const DEMO_SIZE = 64;
/** Default training minutes per demo call. */
export const DEMO_MINUTES = 10;

/** The demo's epoch target grows in whole steps of this many epochs. */
export const DEMO_EPOCH_STEP = 1000;

/**
 * The epoch target of a demo call that has `epochsDone` epochs behind it:
 * the next multiple of {@linkcode DEMO_EPOCH_STEP} above them, so the target
 * (the `/1000` in `epoch 12/1000`) stays the same from call to call; time is
 * the real limit.
 */
export function demoEpochTarget(epochsDone: number): number {
  return (Math.floor(Math.max(0, epochsDone) / DEMO_EPOCH_STEP) + 1) * DEMO_EPOCH_STEP;
}

async function readJson(path: string): Promise<Record<string, any> | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch {
    return null;
  }
}

/** Runs the demo; see the module doc. */
export async function runDemo(opts: DemoOptions = {}): Promise<DemoSummary> {
  const started = performance.now();
  const log = opts.log ?? ((line: string) => console.error(line));
  const run = (opts.run ?? "runs/demo").replace(/\/+$/, "") || ".";
  const dataRoot = `${run}-data`;
  const prepared = join(dataRoot, `prepared-${DEMO_SIZE}`);
  const augmented = join(dataRoot, `augmented-${DEMO_SIZE}`);
  const copies = opts.copies ?? 4;
  const seed = opts.seed ?? 1;
  const device: DeviceOptions = {
    device: opts.device,
    visibleGpus: opts.visibleGpus,
    threads: opts.threads,
    interOpThreads: opts.interOpThreads,
    logPlacement: opts.logPlacement,
  };

  log("demo 1/5: libtensorflow");
  await ensureTensorFlow({ gpu: opts.device === "gpu", quiet: opts.quiet, log });

  log("demo 2/5: paintings");
  const input = opts.input ?? await obtainNaevPortraits({ log });
  log(`  using ${input}`);

  log(`demo 3/5: prepare at ${DEMO_SIZE}x${DEMO_SIZE} into ${prepared}`);
  const prep = await prepareDataset({
    input,
    out: prepared,
    size: DEMO_SIZE,
    quiet: opts.quiet,
    log: (line) => log(`  ${line}`),
  });

  // augment rewrites every variant when run again; skip it when the output
  // already comes from these pixels with these settings.
  const done = await readJson(join(augmented, "summary.json"));
  if (
    done?.kind === "augment" && done.inputFingerprint === prep.fingerprint &&
    done.settings?.copies === copies && done.settings?.seed === seed
  ) {
    log(
      `demo 4/5: augment: ${augmented} is up to date (${done.count} image${
        done.count === 1 ? "" : "s"
      })`,
    );
  } else {
    log(
      `demo 4/5: augment (${copies} variant${copies === 1 ? "" : "s"} each) into ${augmented}`,
    );
    await augmentDataset({
      input: prepared,
      out: augmented,
      copies,
      seed,
      quiet: opts.quiet,
      log: (line) => log(`  ${line}`),
    });
  }

  const latest = await new RunFolder(run).readInfo().then((info) =>
    info ? new RunFolder(run).latestCheckpoint() : null
  );
  const epochsDone = latest?.meta.epoch ?? 0;
  const epochs = opts.epochs ?? demoEpochTarget(epochsDone);
  const minutes = opts.minutes ?? DEMO_MINUTES;
  log(
    `demo 5/5: train ${DEMO_PRESET} for ${minutes} minute${minutes === 1 ? "" : "s"} into ${run}` +
      (latest ? ` (continuing from epoch ${epochsDone})` : ""),
  );
  const train = await trainGan({
    data: augmented,
    run,
    preset: DEMO_PRESET,
    overrides: opts.batch ? { batchSize: opts.batch } : undefined,
    epochs,
    maxMinutes: minutes,
    seed,
    quiet: opts.quiet,
    log,
    ...device,
  });
  const summary: DemoSummary = {
    input,
    prepared,
    augmented,
    run,
    train,
    seconds: (performance.now() - started) / 1000,
  };
  if (train.stoppedBy === "signal") return summary;

  const samples = join(run, "generated");
  await sampleGan({ run, out: samples, count: opts.count ?? 64, seed: 0, grid: true, ...device });
  summary.samples = samples;
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
