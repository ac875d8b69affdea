/**
 * `sample`: new portraits from a run's checkpoint, in inference mode.
 *
 * Image i comes from noise vector i of the seed, so the same seed gives the
 * same files, and an image is the same whether drawn alone or in a batch.
 *
 * @example
 * ```ts
 * import { sampleGan } from "./sampler.ts";
 * await sampleGan({ run: "runs/demo", out: "out", count: 16, seed: 7, grid: true });
 * ```
 * @module
 */

import { join } from "node:path";
import { encodePng } from "../data/decode.ts";
import { Session } from "../tf/session.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import { UserError } from "../util/errors.ts";
import { buildSampler } from "./dcgan.ts";
import { type DeviceOptions, sessionConfig } from "./devices.ts";
import { noiseVectors, slerp } from "./noise.ts";
import { encodeGif, imageAt, imageGrid } from "./pixels.ts";
import { RunFolder } from "./run_folder.ts";
import { generateBytes } from "./trainer.ts";

/** Options of {@linkcode sampleGan}. */
export interface SampleOptions extends DeviceOptions {
  /** Run folder to read. */
  run: string;
  /** Folder to write PNGs into (created). */
  out: string;
  /** Number of images (default 16). */
  count?: number;
  /** Noise seed (default 0). */
  seed?: number;
  /** Also write grid.png. */
  grid?: boolean;
  /** Checkpoint step or folder name (default: latest). */
  checkpoint?: string | number;
  /** Walk from seed `seed` to seed `to` instead: frames plus interpolation.gif. */
  interpolateTo?: number;
  /** Frames of the walk (default 24). */
  frames?: number;
}

/** What {@linkcode sampleGan} wrote. */
export interface SampleSummary {
  /** Files written, in order. */
  files: string[];
  /** The checkpoint used. */
  checkpoint: string;
  /** Its training step. */
  step: number;
}

const BATCH = 64;

/** Writes samples from a checkpoint. */
export async function sampleGan(options: SampleOptions): Promise<SampleSummary> {
  const run = new RunFolder(options.run);
  const info = await run.readInfo();
  if (!info) {
    throw new UserError(
      `${options.run} is not a run folder (no run.json): pass the --run folder that train wrote`,
    );
  }
  const entry = await run.findCheckpoint(options.checkpoint);
  const config = entry.meta.config;
  const count = options.count ?? 16;
  if (!Number.isInteger(count) || count < 1) {
    throw new UserError(`--count must be at least 1, not ${count}`, { exitCode: 2 });
  }
  const seed = options.seed ?? 0;
  try {
    await Deno.mkdir(options.out, { recursive: true });
  } catch (cause) {
    throw new UserError(`cannot create output folder ${options.out}: ${(cause as Error).message}`, {
      cause,
    });
  }
  const sampler = buildSampler(config);
  const session = new Session(sampler.graph, sessionConfig(options));
  const files: string[] = [];
  const write = async (name: string, data: Uint8Array) => {
    const path = join(options.out, name);
    await writeFileAtomic(path, data);
    files.push(path);
  };
  try {
    await sampler.saver.restore(session, entry.prefix);
    const size = config.imageSize;
    const z = config.noiseSize;
    if (options.interpolateTo !== undefined) {
      const frames = options.frames ?? 24;
      const a = noiseVectors(seed, 0, 1, z);
      const b = noiseVectors(options.interpolateTo, 0, 1, z);
      const noise = new Float32Array(frames * z);
      for (let f = 0; f < frames; f++) {
        noise.set(slerp(a, b, frames === 1 ? 0 : f / (frames - 1)), f * z);
      }
      const bytes = generateBytes(sampler, session, noise, z);
      const images = Array.from({ length: frames }, (_, f) => imageAt(bytes, size, f));
      for (let f = 0; f < frames; f++) {
        await write(`interp_${String(f).padStart(4, "0")}.png`, await encodePng(images[f]));
      }
      await write("interpolation.gif", await encodeGif(images, 80));
    } else {
      const all = new Uint8Array(count * size * size * 3);
      for (let first = 0; first < count; first += BATCH) {
        const n = Math.min(BATCH, count - first);
        all.set(
          generateBytes(sampler, session, noiseVectors(seed, first, n, z), z),
          first * size * size * 3,
        );
      }
      for (let i = 0; i < count; i++) {
        await write(
          `sample_${String(seed)}_${String(i).padStart(4, "0")}.png`,
          await encodePng(imageAt(all, size, i)),
        );
      }
      if (options.grid) await write("grid.png", await encodePng(imageGrid(all, size, count)));
    }
  } finally {
    session.dispose();
    sampler.graph.dispose();
  }
  return { files, checkpoint: entry.name, step: entry.meta.step };
}
