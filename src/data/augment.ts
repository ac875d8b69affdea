/**
 * `augment`: the original project's augmentation with imgaug's semantics.
 * For every (non-excluded) image the output holds the original plus
 * `copies` variants, each with a horizontal flip (p 0.5), a hue shift and a
 * saturation shift (imgaug `AddToHueAndSaturation`, see `color.ts`), and
 * optionally multiplicative hue/saturation factors. Random draws come from a
 * generator keyed by seed and image index, so the same seed and input give
 * byte-identical output. Held-out images are copied but never augmented, so
 * no variant of an evaluation image leaks into training.
 *
 * Defaults: copies 5 (1000 -> 6000, as the original project's ~6200),
 * hue -20..20, saturation -20..20 (imgaug units, integers, inclusive),
 * multiplicative factors off (1..1), flip probability 0.5, seed 0.
 *
 * @example
 * ```ts
 * import { augmentDataset } from "./augment.ts";
 * await augmentDataset({ input: "datasets/p160", out: "datasets/p160-aug", copies: 5, seed: 1 });
 * ```
 * @module
 */

import { join } from "node:path";
import { UsageError, UserError } from "../util/errors.ts";
import { writeFileAtomic, writeTextFileAtomic } from "../util/atomic.ts";
import { Progress } from "../util/progress.ts";
import { applyColor, type ColorTransform, flipHorizontal, hueToOpenCv } from "./color.ts";
import { type Dataset, openDataset } from "./dataset.ts";
import {
  claimOutputFolder,
  type ManifestRecord,
  removeStaleTemporaries,
  sha256Hex,
  unknownExcludesWarning,
} from "./format.ts";
import { StopRequest } from "./interrupt.ts";
import { finishDataset } from "./prepare.ts";
import { WorkerPool } from "./pool.ts";
import { Xoshiro128 } from "../util/random.ts";

/** An inclusive range [min, max]. */
export type Range = [number, number];

/** Options of {@linkcode augmentDataset}. */
export interface AugmentOptions {
  /** A prepared dataset folder. */
  input: string;
  /** The augmented dataset folder to write. */
  out: string;
  /** Variants per original (default 5). */
  copies?: number;
  /** PRNG seed (default 0). */
  seed?: number;
  /** Probability of a horizontal flip (default 0.5). */
  flip?: number;
  /** Hue shift range in imgaug units, 255 = full turn (default [-20, 20]). */
  hue?: Range;
  /** Saturation shift range (default [-20, 20]), clipped. */
  saturation?: Range;
  /** Multiplicative hue factor range (default [1, 1] = off). */
  mulHue?: Range;
  /** Multiplicative saturation factor range (default [1, 1] = off). */
  mulSaturation?: Range;
  /** Encoding workers (default: all cores). */
  workers?: number;
  /** No progress output and no summary line. */
  quiet?: boolean;
  /** Where the summary line goes (default console.log). */
  log?: (line: string) => void;
  /** Stops the run as Ctrl-C does (for tests and embedders); SIGINT/SIGTERM always do. */
  signal?: AbortSignal;
}

/** Summary of an augment run, also saved as `summary.json`. */
export interface AugmentSummary {
  /** Marks the file as a portrait-gan dataset summary. */
  format: "portrait-gan-dataset";
  /** Version of the summary format. */
  version: 1;
  /** Which command wrote the dataset. */
  kind: "augment";
  /** The input dataset folder, as given in {@linkcode AugmentOptions.input}. */
  input: string;
  /** Fingerprint of the input dataset's packed file, to tell which input was augmented. */
  inputFingerprint: string;
  /** Square image size in pixels (the input's). */
  size: number;
  /** Input images used (after exclusions), each kept once unchanged. */
  originals: number;
  /** Input images dropped because they are listed in the input's `exclude.txt`. */
  excludedSkipped: number;
  /** Ids in the input's `exclude.txt` that name no image of the input (typos, other datasets). */
  unknownExcludes: string[];
  /** Held-out input images, copied unchanged and never augmented. */
  heldOutNotAugmented: number;
  /** Variants written per original that is not held out. */
  copies: number;
  /** Images in the output dataset: originals plus variants. */
  count: number;
  /** The settings applied, with defaults filled in (hue and saturation truncated to integers). */
  settings: Required<
    Omit<AugmentOptions, "input" | "out" | "quiet" | "log" | "workers" | "signal">
  >;
  /** Fingerprint of the output's packed file. */
  fingerprint: string;
  /** Contact sheets in the output's `contact/` folder. */
  sheets: number;
  /** Wall-clock duration of the run in seconds. */
  seconds: number;
}

/** The transform drawn for variant `k` (1-based) of image `index` under `seed`. */
export function drawTransform(
  seed: number,
  index: number,
  k: number,
  s: Required<Pick<AugmentOptions, "flip" | "hue" | "saturation" | "mulHue" | "mulSaturation">>,
): { flip: boolean } & ColorTransform & { hueOpenCv: number } {
  const rng = Xoshiro128.forItem(seed, index * 1024 + k);
  const flip = rng.float() < s.flip;
  const hue = rng.intInclusive(s.hue[0], s.hue[1]);
  const saturation = rng.intInclusive(s.saturation[0], s.saturation[1]);
  // Factors are rounded to 1/1000 so the manifest records exactly what was applied.
  const mul = (
    r: Range,
  ) => (r[0] === r[1] ? r[0] : Math.round(rng.uniform(r[0], r[1]) * 1000) / 1000);
  const t: { flip: boolean } & ColorTransform & { hueOpenCv: number } = {
    flip,
    hue,
    hueOpenCv: hueToOpenCv(hue),
    saturation,
  };
  const mh = mul(s.mulHue), ms = mul(s.mulSaturation);
  if (mh !== 1) t.mulHue = mh;
  if (ms !== 1) t.mulSaturation = ms;
  return t;
}

/** Applies a drawn transform to an RGB image of `size`x`size`: flip first, then colour. */
export function augmentImage(
  rgb: Uint8Array,
  size: number,
  t: { flip: boolean } & ColorTransform,
): Uint8Array {
  const flipped = t.flip ? flipHorizontal(rgb, size, size) : rgb;
  return applyColor(flipped, t);
}

function checkRange(name: string, r: Range | undefined, def: Range, lo: number, hi: number): Range {
  const v = r ?? def;
  if (v.length !== 2 || !v.every(Number.isFinite) || v[0] > v[1] || v[0] < lo || v[1] > hi) {
    throw new UsageError(`--${name} must be two numbers min,max within ${lo}..${hi} (got ${r})`);
  }
  return [v[0], v[1]];
}

/** Runs augment; see the module doc. */
export async function augmentDataset(opts: AugmentOptions): Promise<AugmentSummary> {
  const started = performance.now();
  const log = opts.quiet ? () => {} : (opts.log ?? ((l: string) => console.log(l)));
  const copies = opts.copies ?? 5;
  if (!Number.isInteger(copies) || copies < 0 || copies > 1000) {
    throw new UsageError(`--copies must be a whole number from 0 to 1000 (got ${opts.copies})`);
  }
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) {
    throw new UsageError(`--seed must be a whole number (got ${opts.seed})`);
  }
  const flip = opts.flip ?? 0.5;
  if (!(flip >= 0 && flip <= 1)) {
    throw new UsageError(`--flip must be a probability 0..1 (got ${opts.flip})`);
  }
  const settings = {
    copies,
    seed,
    flip,
    hue: checkRange("hue", opts.hue, [-20, 20], -255, 255).map(Math.trunc) as Range,
    saturation: checkRange("saturation", opts.saturation, [-20, 20], -255, 255).map(
      Math.trunc,
    ) as Range,
    mulHue: checkRange("mul-hue", opts.mulHue, [1, 1], 0, 10),
    mulSaturation: checkRange("mul-saturation", opts.mulSaturation, [1, 1], 0, 10),
  };
  const resolvedIn = await Deno.realPath(opts.input).catch(() => opts.input);
  const resolvedOut = await Deno.realPath(opts.out).catch(() => opts.out);
  if (resolvedIn === resolvedOut) {
    throw new UsageError(
      `--out must differ from --input (${opts.input}); augment writes a new dataset`,
    );
  }
  const ds = await openDataset(opts.input);
  if (ds.unknownExcludes.length) log(unknownExcludesWarning(opts.input, ds.unknownExcludes));
  if (ds.count === 0) {
    throw new UserError(`every image of ${opts.input} is excluded (edit its exclude.txt)`);
  }
  await claimOutputFolder(opts.out, "augment");
  await removeStaleTemporaries(opts.out);

  const stop = new StopRequest(opts.signal);
  try {
    return await runAugment(opts, ds, settings, stop, { started, log });
  } finally {
    stop.close();
  }
}

async function runAugment(
  opts: AugmentOptions,
  ds: Dataset,
  settings: AugmentSummary["settings"],
  stop: StopRequest,
  { started, log }: { started: number; log: (line: string) => void },
): Promise<AugmentSummary> {
  const { copies, seed } = settings;
  const pool = new WorkerPool({ workers: opts.workers });
  const size = ds.size;
  const px = size * size * 3;
  const held = new Set(ds.heldOut);
  const records: ManifestRecord[] = [];
  const pixels = new Map<string, Uint8Array>();
  const jobs: { id: string; rgb: Uint8Array }[] = [];
  for (let i = 0; i < ds.count; i++) {
    const base = ds.records[i];
    const rgb = ds.images.subarray(i * px, (i + 1) * px);
    const { n: _n, parent: _p, transform: _t, ...rest } = base;
    records.push({ ...rest, n: records.length + 1 });
    pixels.set(base.id, rgb);
    jobs.push({ id: base.id, rgb });
    if (held.has(base.id)) continue;
    for (let k = 1; k <= copies; k++) {
      const t = drawTransform(seed, i, k, settings);
      const out = augmentImage(rgb, size, t);
      const id = `${base.id}-${k}`;
      records.push({ ...rest, id, n: records.length + 1, parent: base.id, transform: t });
      pixels.set(id, out);
      jobs.push({ id, rgb: out });
    }
  }

  // PNGs: skip those already identical (re-run), encode the rest on the pool.
  // A stop request ends dispatching; running encodes finish their atomic writes.
  const progress = new Progress("augment", jobs.length, { quiet: opts.quiet });
  const inFlight: Promise<void>[] = [];
  let written = 0;
  for (const job of jobs) {
    if (stop.requested) break;
    inFlight.push((async () => {
      const path = join(opts.out, "images", `${job.id}.png`);
      const r = await pool.run({ op: "encode", rgb: job.rgb.slice(), width: size, height: size });
      if (!r.ok) throw new Error(`cannot encode ${path}: ${r.reason}`);
      const existing = await Deno.readFile(path).catch(() => undefined);
      if (!existing || (await sha256Hex(existing)) !== (await sha256Hex(r.png!))) {
        await writeFileAtomic(path, r.png!);
      }
      written++;
      progress.tick();
    })());
    if (inFlight.length >= pool.size * 4) {
      await Promise.all(inFlight.splice(0)).catch((error) => {
        pool.close();
        throw error;
      });
    }
  }
  try {
    await Promise.all(inFlight);
  } catch (error) {
    pool.close();
    throw error;
  }
  if (stop.requested) {
    progress.done("interrupted");
    pool.close();
    throw stop.error(written, jobs.length);
  }
  progress.done();

  let finished: Awaited<ReturnType<typeof finishDataset>>;
  try {
    finished = await finishDataset(opts.out, records, size, pool, pixels, opts.quiet, stop);
  } finally {
    pool.close();
  }
  const { fingerprint, sheets } = finished;
  if (finished.unknownExcludes.length) {
    log(unknownExcludesWarning(opts.out, finished.unknownExcludes));
  }
  const ids = new Set(records.map((r) => r.id));
  for await (const e of Deno.readDir(join(opts.out, "images"))) {
    if (e.isFile && e.name.endsWith(".png") && !ids.has(e.name.slice(0, -4))) {
      await Deno.remove(join(opts.out, "images", e.name)).catch(() => {});
    }
  }
  const summary: AugmentSummary = {
    format: "portrait-gan-dataset",
    version: 1,
    kind: "augment",
    input: opts.input,
    inputFingerprint: ds.fingerprint,
    size,
    originals: ds.count,
    excludedSkipped: ds.excluded.length,
    unknownExcludes: ds.unknownExcludes,
    heldOutNotAugmented: ds.heldOut.length,
    copies,
    count: records.length,
    settings,
    fingerprint,
    sheets,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
  await writeTextFileAtomic(
    join(opts.out, "summary.json"),
    JSON.stringify(summary, null, 2) + "\n",
  );
  log(
    `augment: ${ds.count} originals (${ds.excluded.length} excluded skipped, ${ds.heldOut.length} held out kept as is) -> ${records.length} images in ${opts.out}`,
  );
  return summary;
}
