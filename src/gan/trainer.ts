/**
 * `train`: the DCGAN over a dataset folder, resumable at any point.
 *
 * @example
 * ```ts
 * import { trainGan } from "./trainer.ts";
 * await trainGan({ data: "datasets/p64", run: "runs/p64", epochs: 10 });
 * ```
 * @module
 */

import { join } from "node:path";
import { setTensorFlowLogLevel, tensorFlow } from "../../ffi/library.ts";
import { ensureTensorFlow } from "../../ffi/locate.ts";
import { type Dataset, openDataset, trainingIndices } from "../data/dataset.ts";
import { unknownExcludesWarning } from "../data/format.ts";
import { decodeImage, encodePng } from "../data/decode.ts";
import type { RgbImage } from "../data/resize.ts";
import { Session } from "../tf/session.ts";
import { Tensor } from "../tf/tensor.ts";
import { writeFileAtomic, writeTextFileAtomic } from "../util/atomic.ts";
import { UsageError, UserError } from "../util/errors.ts";
import { Progress } from "../util/progress.ts";
import { type GanConfig, resolveConfig, shapeDifferences } from "./config.ts";
import { buildDcgan, type DcganGraph } from "./dcgan.ts";
import { epochOrder, noiseVectors } from "./noise.ts";
import { encodeGif, imageGrid, lineChart, tanhToBytes } from "./pixels.ts";
import { type CheckpointMeta, RunFolder } from "./run_folder.ts";
import { type DeviceOptions, sessionConfig } from "./devices.ts";
import { evaluateImages } from "../eval/run.ts";
import { generateBatch } from "./sampler.ts";

/** Options of {@linkcode trainGan}. */
export interface TrainOptions extends DeviceOptions {
  /** Dataset folder (from prepare or augment); a resume defaults to the one its latest checkpoint used. */
  data?: string;
  /** Run folder (created, or resumed when it holds a run). */
  run: string;
  /** Preset name; default portrait64 for a new run, the run's own when resuming. */
  preset?: string;
  /** Config overrides (flags or a JSON file). */
  overrides?: Partial<GanConfig>;
  /** Total epochs the run should reach. */
  epochs: number;
  /** Seed of a new run (default 1). */
  seed?: number;
  /** Checkpoint every N epochs (default 1). */
  saveEvery?: number;
  /** Checkpoints kept (default 3). */
  keep?: number;
  /** Stop (with a checkpoint) after this many steps in this session; for tests. */
  maxSteps?: number;
  /** Stop (with a checkpoint) after this many minutes in this session. */
  maxMinutes?: number;
  /** Print no progress. */
  quiet?: boolean;
  /** Where messages go (default stderr). */
  log?: (line: string) => void;
  /** Evaluate (SWD, MS-SSIM, memorisation) every N epochs into eval.json / eval.csv; needs held-out images. */
  evalEvery?: number;
  /** Images generated for each evaluation (default: training images, at most 1000). */
  evalCount?: number;
  /** Called after each step (tests, evaluation hooks). */
  onStep?: (row: MetricsRow) => void;
}

/** One line of metrics.csv. */
export interface MetricsRow {
  /** Steps completed in the run, counting this one. */
  step: number;
  /** Fractional epoch reached after this step, e.g. 2.5 halfway through the third. */
  epoch: number;
  /** Generator loss of this step. */
  generatorLoss: number;
  /** Discriminator loss of this step (real and fake terms summed). */
  discriminatorLoss: number;
  /** Mean sigmoid discriminator output on the real batch. */
  realScore: number;
  /** Mean sigmoid discriminator output on the generated batch. */
  fakeScore: number;
  /** Batch size divided by this step's duration. */
  imagesPerSecond: number;
  /** Seconds spent in training steps so far, across resumed sessions (not elapsed time). */
  wallSeconds: number;
}

/** What a call of {@linkcode trainGan} did. */
export interface TrainSummary {
  /** Steps completed in total, including those of earlier sessions. */
  step: number;
  /** Whole epochs completed in total, including those of earlier sessions. */
  epoch: number;
  /** Steps run by this call. */
  stepsThisSession: number;
  /** Whether the run resumed from a checkpoint. */
  resumed: boolean;
  /** Why it stopped. */
  stoppedBy: "epochs" | "signal" | "max-steps" | "time-limit";
  /** The last checkpoint written. */
  checkpoint?: string;
  /** The run folder. */
  run: string;
}

const METRICS_HEADER =
  "step,epoch,generator_loss,discriminator_loss,mean_d_real,mean_d_fake,images_per_s,wall_s";
const GRID_COUNT = 64;
const GRID_NOISE_SEED_OFFSET = 7777;
const EVAL_NOISE_SEED_OFFSET = 9999;

function parseMetrics(text: string): MetricsRow[] {
  return text.trim().split("\n").slice(1).filter(Boolean).map((line) => {
    const v = line.split(",").map(Number);
    return {
      step: v[0],
      epoch: v[1],
      generatorLoss: v[2],
      discriminatorLoss: v[3],
      realScore: v[4],
      fakeScore: v[5],
      imagesPerSecond: v[6],
      wallSeconds: v[7],
    };
  });
}

function formatMetrics(rows: MetricsRow[]): string {
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(6));
  return [
    METRICS_HEADER,
    ...rows.map((r) =>
      [
        r.step,
        r.epoch,
        r.generatorLoss,
        r.discriminatorLoss,
        r.realScore,
        r.fakeScore,
        r.imagesPerSecond,
        r.wallSeconds,
      ]
        .map(f).join(",")
    ),
  ].join("\n") + "\n";
}

/** Trains (or resumes) a run until it reaches `epochs`, a signal, or a limit. */
export async function trainGan(options: TrainOptions): Promise<TrainSummary> {
  const log = options.log ?? ((line: string) => console.error(line));
  if (!Number.isInteger(options.epochs) || options.epochs < 1) {
    throw new UserError(`--epochs must be a whole number of at least 1, not ${options.epochs}`, {
      exitCode: 2,
    });
  }
  const run = new RunFolder(options.run);
  const existing = await run.readInfo();
  let dataPath = options.data;
  if (dataPath === undefined) {
    const last = existing ? (await run.listCheckpoints()).at(-1) : undefined;
    if (!last) throw new UsageError("missing --data <dataset folder>: a new run needs one");
    dataPath = last.meta.dataset.path;
    log(`using the run's dataset ${dataPath}`);
  }
  const dataset = await openDataset(dataPath);
  if (dataset.count === 0) {
    throw new UserError(`dataset ${dataPath} has no images left after exclusions`);
  }

  // Resolve the config: a resumed run keeps its shapes; flags may change the rest.
  let config: GanConfig;
  let seed: number;
  if (existing) {
    const wanted = resolveConfig({
      ...existing.config,
      ...(options.overrides ?? {}),
      preset: options.preset ?? existing.config.preset,
    });
    const diff = shapeDifferences(existing.config, wanted);
    if (diff.length) {
      throw new UserError(
        `${options.run} was trained with preset ${existing.config.preset}; this command asks for a different network (${
          diff.join("; ")
        }): use another --run folder, or drop the flags to resume`,
      );
    }
    config = wanted;
    seed = existing.seed;
    const changed = (Object.keys(config) as (keyof GanConfig)[]).filter((k) =>
      JSON.stringify(config[k]) !== JSON.stringify(existing.config[k])
    );
    for (const k of changed) {
      log(
        `note: this resume changes ${k} from ${JSON.stringify(existing.config[k])} to ${
          JSON.stringify(config[k])
        } (saved in run.json: later resumes keep it)`,
      );
    }
    if (options.seed !== undefined && options.seed !== seed) {
      log(`note: resuming keeps the run's seed ${seed} (ignoring --seed ${options.seed})`);
    }
  } else {
    config = resolveConfig({
      ...(options.overrides ?? {}),
      preset: options.preset ?? options.overrides?.preset,
    });
    seed = options.seed ?? 1;
  }
  if (dataset.size !== config.imageSize) {
    throw new UserError(
      `dataset ${dataPath} holds ${dataset.size}px images but preset ${config.preset} trains on ${config.imageSize}px: prepare with --size ${config.imageSize}, or choose a matching --preset`,
    );
  }
  const indices = trainingIndices(dataset);
  if (indices.length === 0) {
    throw new UserError(`dataset ${dataPath} has no training images (all held out)`);
  }
  if (options.evalEvery && dataset.heldOut.length < 2) {
    throw new UserError(
      `--eval-every needs held-out images, and dataset ${dataPath} has none: prepare it with --holdout 0.1`,
    );
  }

  await ensureTensorFlow({ gpu: options.device === "gpu", quiet: options.quiet });
  if (options.logPlacement) setTensorFlowLogLevel(0);
  await run.removeUnfinished();
  if (!existing) {
    await run.writeInfo({
      kind: "portrait-gan-run",
      version: 1,
      config,
      seed,
      created: new Date().toISOString(),
    });
  } else if (JSON.stringify(existing.config) !== JSON.stringify(config)) {
    await run.writeInfo({ ...existing, config });
  }

  const model = buildDcgan(config, seed);
  const session = new Session(model.graph, sessionConfig(options));
  try {
    return await trainLoop({
      options,
      run,
      dataset,
      indices,
      config,
      seed,
      model,
      session,
      existing: existing !== null,
      log,
    });
  } finally {
    session.dispose();
    model.graph.dispose();
  }
}

interface LoopState {
  options: TrainOptions;
  run: RunFolder;
  dataset: Dataset;
  indices: number[];
  config: GanConfig;
  seed: number;
  model: DcganGraph;
  session: Session;
  /** Whether the run folder already held a run (then its newest readable checkpoint is restored). */
  existing: boolean;
  log: (line: string) => void;
}

async function trainLoop(s: LoopState): Promise<TrainSummary> {
  const { options, run, dataset, indices, config, seed, model, session, log } = s;
  const size = config.imageSize;
  const imageBytes = size * size * 3;
  let step = 0, epoch = 0, batchInEpoch = 0, trainSeconds = 0;
  const restored = s.existing
    ? await run.restoreCheckpoint(session, model.saver, { warn: log })
    : null;
  if (restored) {
    const meta = restored.meta;
    step = meta.step;
    epoch = meta.epoch;
    batchInEpoch = meta.batchInEpoch;
    trainSeconds = meta.trainSeconds;
    if (meta.dataset.fingerprint !== dataset.fingerprint) {
      log(
        `warning: the dataset changed since checkpoint ${restored.name} (${meta.dataset.count} → ${dataset.count} images); continuing on the new data`,
      );
      batchInEpoch = 0; // a new dataset has a new epoch order
    }
    log(`resuming ${run.dir} from step ${step} (epoch ${epoch})`);
  } else {
    session.run({ targets: [model.initialize] });
  }
  let metrics: MetricsRow[] = [];
  try {
    metrics = parseMetrics(await Deno.readTextFile(join(run.dir, "metrics.csv"))).filter((r) =>
      r.step <= step
    );
  } catch { /* new run */ }

  const n = indices.length;
  const batch = Math.min(config.batchSize, n);
  if (batch < config.batchSize) {
    log(
      `note: the dataset has ${n} training images, so batches hold ${batch}, not ${config.batchSize}`,
    );
  }
  if (dataset.unknownExcludes.length) {
    log(unknownExcludesWarning(dataset.dir, dataset.unknownExcludes));
  }
  const stepsPerEpoch = Math.max(1, Math.floor(n / batch));
  const fixedNoise = noiseVectors(seed + GRID_NOISE_SEED_OFFSET, 0, GRID_COUNT, config.noiseSize);

  let stop: TrainSummary["stoppedBy"] | null = null;
  const onSignal = () => {
    if (stop === "signal") return;
    stop = "signal";
    log("\nstopping: finishing this step, then writing a checkpoint...");
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const sig of signals) Deno.addSignalListener(sig, onSignal);

  const started = performance.now();
  let stepsThisSession = 0;
  let lastCheckpoint: string | undefined;
  let lastSaved = restored ? step : -1;
  const meta = (): CheckpointMeta => ({
    step,
    epoch,
    batchInEpoch,
    trainSeconds,
    config,
    seed,
    dataset: { path: dataset.dir, fingerprint: dataset.fingerprint, count: dataset.count },
    tensorflowVersion: tensorFlow().version,
    written: new Date().toISOString(),
  });
  let gifEpoch = -Infinity;
  const save = async () => {
    using e = Tensor.scalar("int64", epoch);
    session.run({ feeds: [[model.epochValue, e]], targets: [model.setEpoch] });
    const entry = await run.saveCheckpoint(session, model.saver, meta(), options.keep ?? 3);
    await writeTextFileAtomic(join(run.dir, "metrics.csv"), formatMetrics(metrics));
    // On a small dataset an epoch takes less time than encoding the
    // animation, so it is redone every 10 epochs and when training stops.
    if (epoch - gifEpoch >= 10) {
      await writeProgressGif(run);
      gifEpoch = epoch;
    }
    await writeLossChart(run, config, metrics);
    lastCheckpoint = entry.name;
    lastSaved = step;
  };

  const batchBytes = new Uint8Array(batch * imageBytes);
  try {
    if (epoch >= options.epochs) {
      log(
        `the run already has ${epoch} epochs (--epochs ${options.epochs}): nothing to train; pass a larger --epochs to continue`,
      );
    }
    while (epoch < options.epochs && !stop) {
      const order = epochOrder(seed, epoch, n);
      const progress = new Progress(`epoch ${epoch + 1}/${options.epochs}`, stepsPerEpoch, {
        quiet: options.quiet,
      });
      if (batchInEpoch) progress.tick(batchInEpoch);
      while (batchInEpoch < stepsPerEpoch && !stop) {
        for (let b = 0; b < batch; b++) {
          const src = indices[order[batchInEpoch * batch + b]] * imageBytes;
          batchBytes.set(dataset.images.subarray(src, src + imageBytes), b * imageBytes);
        }
        const t0 = performance.now();
        using real = Tensor.from("uint8", [batch, size, size, 3], batchBytes);
        using stepSeed = Tensor.from("int64", [2], [seed, step]);
        const out = await session.runAsync({
          feeds: [[model.realImages, real], [model.stepSeed, stepSeed]],
          fetches: [
            model.metrics.generatorLoss,
            model.metrics.discriminatorLoss,
            model.metrics.realScore,
            model.metrics.fakeScore,
          ],
          targets: [model.trainStep],
        });
        const [gl, dl, dr, df] = out.map((t) => {
          const v = t.scalarValue();
          t.dispose();
          return v;
        });
        const seconds = (performance.now() - t0) / 1000;
        trainSeconds += seconds;
        step += 1;
        batchInEpoch += 1;
        stepsThisSession += 1;
        if (!Number.isFinite(gl) || !Number.isFinite(dl)) {
          throw new UserError(
            `training diverged at step ${step} (loss ${gl}, ${dl}); resume from the last checkpoint with a lower learning rate`,
          );
        }
        const row: MetricsRow = {
          step,
          epoch: epoch + batchInEpoch / stepsPerEpoch,
          generatorLoss: gl,
          discriminatorLoss: dl,
          realScore: dr,
          fakeScore: df,
          imagesPerSecond: batch / seconds,
          wallSeconds: trainSeconds,
        };
        metrics.push(row);
        options.onStep?.(row);
        progress.tick(
          1,
          `G ${gl.toFixed(3)} D ${dl.toFixed(3)} ${row.imagesPerSecond.toFixed(1)} img/s`,
        );
        if (options.maxSteps !== undefined && stepsThisSession >= options.maxSteps) {
          stop ??= "max-steps";
        }
        if (
          options.maxMinutes !== undefined &&
          (performance.now() - started) / 60000 >= options.maxMinutes
        ) {
          stop ??= "time-limit";
        }
      }
      if (batchInEpoch >= stepsPerEpoch) {
        epoch += 1;
        batchInEpoch = 0;
        progress.done(
          `G ${metrics.at(-1)?.generatorLoss.toFixed(3)} D ${
            metrics.at(-1)?.discriminatorLoss.toFixed(3)
          }`,
        );
        await writeEpochPictures(s, epoch, fixedNoise, metrics);
        if (options.evalEvery && epoch % options.evalEvery === 0) {
          const count = options.evalCount ?? Math.min(1000, indices.length);
          const images = generateBatch(
            model,
            session,
            config,
            seed + EVAL_NOISE_SEED_OFFSET,
            count,
          );
          const e = await evaluateImages(
            run.dir,
            { count, height: size, width: size, data: images },
            dataset,
            {
              checkpoint: `epoch-${epoch}`,
              step,
              seed,
            },
          );
          log(
            `eval at epoch ${epoch}: SWD ${e.swd?.mean.toFixed(1)}, MS-SSIM ${
              e.msssim.generated.toFixed(3)
            } (real ${e.msssim.real.toFixed(3)}), memorised ${
              (100 * e.memorization.share).toFixed(1)
            }%`,
          );
        }
        const every = Math.max(1, options.saveEvery ?? 1);
        if (epoch % every === 0 || epoch >= options.epochs) await save();
      } else {
        progress.done("stopped");
      }
    }
    if (lastSaved !== step) await save();
    if (gifEpoch !== epoch) await writeProgressGif(run);
  } finally {
    for (const sig of signals) Deno.removeSignalListener(sig, onSignal);
  }
  return {
    step,
    epoch,
    stepsThisSession,
    resumed: restored !== null,
    stoppedBy: stop ?? "epochs",
    checkpoint: lastCheckpoint ?? restored?.name,
    run: run.dir,
  };
}

/** Generates images for `noise` (float32, n × noiseSize) in inference mode, as bytes. */
export function generateBytes(
  model: { samples: DcganGraph["samples"]; noise: DcganGraph["noise"] },
  session: Session,
  noise: Float32Array,
  noiseSize: number,
): Uint8Array {
  using z = Tensor.from("float32", [noise.length / noiseSize, noiseSize], noise);
  const [images] = session.run({ feeds: [[model.noise, z]], fetches: [model.samples] });
  try {
    return tanhToBytes(images.values() as Float32Array);
  } finally {
    images.dispose();
  }
}

async function writeEpochPictures(
  s: LoopState,
  epoch: number,
  fixedNoise: Float32Array,
  metrics: MetricsRow[],
): Promise<void> {
  const { run, config, model, session } = s;
  const bytes = generateBytes(model, session, fixedNoise, config.noiseSize);
  const grid = imageGrid(bytes, config.imageSize, GRID_COUNT, 8);
  await Deno.mkdir(run.samplesDir, { recursive: true });
  await writeFileAtomic(
    join(run.samplesDir, `epoch_${String(epoch).padStart(4, "0")}.png`),
    await encodePng(grid),
  );
  await writeLossChart(run, config, metrics);
}

/** loss.png: both losses against the step. */
async function writeLossChart(
  run: RunFolder,
  config: GanConfig,
  metrics: MetricsRow[],
): Promise<void> {
  const xs = metrics.map((r) => r.step);
  const chart = lineChart(xs, [
    { label: "G loss", values: metrics.map((r) => r.generatorLoss), color: [200, 40, 40] },
    { label: "D loss", values: metrics.map((r) => r.discriminatorLoss), color: [40, 80, 200] },
  ], { title: `losses, ${config.preset}` });
  await writeFileAtomic(join(run.dir, "loss.png"), await encodePng(chart));
}

/** A 2x2 box-filtered half-size copy: the animation is for a glance, and a quarter of the pixels encodes 4x faster. */
function halfSize(img: RgbImage): RgbImage {
  const width = img.width >> 1, height = img.height >> 1;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 3 + c];
        data[(y * width + x) * 3 + c] =
          (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) +
            at(2 * y + 1, 2 * x + 1) + 2) >> 2;
      }
    }
  }
  return { width, height, data };
}

async function writeProgressGif(run: RunFolder): Promise<void> {
  const frames = await loadGrids(run.samplesDir);
  if (frames.length) await writeFileAtomic(join(run.dir, "progress.gif"), await encodeGif(frames));
}

/** At most this many frames go into progress.gif (evenly spaced over the epochs, always with the last). */
const MAX_GIF_FRAMES = 60;

/** Decoded epoch grids, so each epoch decodes only its new picture. */
const gridCache = new Map<string, RgbImage>();

async function loadGrids(dir: string): Promise<RgbImage[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) if (/^epoch_\d+\.png$/.test(e.name)) names.push(e.name);
  names.sort();
  const pick = names.length <= MAX_GIF_FRAMES
    ? names
    : Array.from({ length: MAX_GIF_FRAMES }, (_, i) =>
      names[Math.round((i * (names.length - 1)) / (MAX_GIF_FRAMES - 1))]);
  const frames: RgbImage[] = [];
  for (const name of pick) {
    const path = join(dir, name);
    let frame = gridCache.get(path);
    if (!frame) {
      frame = halfSize((await decodeImage(await Deno.readFile(path))).image);
      gridCache.set(path, frame);
    }
    frames.push(frame);
  }
  return frames;
}
