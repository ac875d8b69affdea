/**
 * `prepare`: from a folder of paintings to a training set. Finds the
 * pictures, decodes them on all cores (skipping unreadable files with their
 * reason), smart-resizes to a square, and writes the dataset folder described
 * in `format.ts`. Re-running redoes nothing already done (results are cached
 * per source content hash and settings) and an interrupted run resumes.
 *
 * @example
 * ```ts
 * import { prepareDataset } from "./prepare.ts";
 * const summary = await prepareDataset({ input: "paintings", out: "datasets/p160" });
 * console.log(summary.kept, summary.skipped);
 * ```
 * @module
 */

import { join } from "node:path";
import { UsageError, UserError } from "../util/errors.ts";
import { writeFileAtomic, writeTextFileAtomic } from "../util/atomic.ts";
import { Progress } from "../util/progress.ts";
import { resolveArtists } from "./artists.ts";
import { DEFAULT_MAX_PIXELS } from "./decode.ts";
import { WorkerPool, type WorkerReply } from "./pool.ts";
import { findSources, type Source } from "./sources.ts";
import {
  claimOutputFolder,
  HEADER_BYTES,
  isHeldOut,
  type ManifestRecord,
  PACKED,
  readExcludes,
  readPackedHeader,
  removeStaleTemporaries,
  sha256Hex,
  unknownExcludes,
  unknownExcludesWarning,
  writePacked,
} from "./format.ts";
import { StopRequest } from "./interrupt.ts";
import type { CropBox } from "./resize.ts";
import { sniffImage } from "./sniff.ts";
import { writeContactSheets } from "./sheets.ts";

/** Options of {@linkcode prepareDataset}. */
export interface PrepareOptions {
  /** Folder with the paintings (Kaggle layout or any tree). */
  input: string;
  /** Dataset folder to create or update. */
  out: string;
  /** Square output size in pixels (default 160). */
  size?: number;
  /** Artist names as people write them, or "seed" for the original project's list. */
  artists?: string[] | "seed";
  /** Keep at most this many images (the first ones in path order). */
  limit?: number;
  /** Refuse images whose header claims more pixels (default 50 000 000). */
  maxPixels?: number;
  /** Decoding workers (default: all cores). */
  workers?: number;
  /** Deterministic held-out share in [0, 1) (default 0). */
  holdout?: number;
  /** No progress output and no summary lines. */
  quiet?: boolean;
  /** Where summary lines go (default console.log). */
  log?: (line: string) => void;
  /** Stops the run as Ctrl-C does (for tests and embedders); SIGINT/SIGTERM always do. */
  signal?: AbortSignal;
}

/** One skipped file and why. */
export interface SkippedFile {
  /** The file's path relative to the input folder. */
  source: string;
  /** Why it was skipped, e.g. "duplicate of ..." or a decoder message. */
  reason: string;
}

/** The run's summary, also saved as `summary.json`. */
export interface PrepareSummary {
  /** Marks the file as a portrait-gan dataset summary. */
  format: "portrait-gan-dataset";
  /** Version of the summary format. */
  version: 1;
  /** Which command wrote the dataset. */
  kind: "prepare";
  /** The input folder, as given in {@linkcode PrepareOptions.input}. */
  input: string;
  /** The input layout that was detected: "kaggle-images", "kaggle-resized" or "tree". */
  layout: string;
  /** Square image size in pixels. */
  size: number;
  /** The pixel limit that was applied to image headers. */
  maxPixels: number;
  /** The held-out share that was requested. */
  holdout: number;
  /** Files read. */
  read: number;
  /** Images in the dataset. */
  kept: number;
  /** Skipped files by reason category. */
  skipped: Record<string, number>;
  /** Every skipped file with its reason (the log shows only the first 20). */
  skippedFiles: SkippedFile[];
  /** Kept images marked held out (never used for training). */
  heldOut: number;
  /** Kept images per artist; empty when the layout names no artists. */
  artists: Record<string, number>;
  /** Fingerprint of the packed file (SHA-256 over header and per-image digests). */
  fingerprint: string;
  /** Files decoded by this run. */
  decoded: number;
  /** Files whose result was taken from the cache of earlier runs instead of decoded. */
  reused: number;
  /** Decoding workers restarted after a crash or timeout. */
  workerRestarts: number;
  /** Contact sheets in the dataset's `contact/` folder. */
  sheets: number;
  /** Ids in the dataset's exclude.txt that name no image in it (typos, other datasets). */
  unknownExcludes: string[];
  /** Wall-clock duration of the run in seconds. */
  seconds: number;
}

/** Cached result for one source (content hash + settings). */
interface CacheEntry {
  ok: boolean;
  reason?: string;
  width?: number;
  height?: number;
  crop?: CropBox;
  format?: string;
  decoder?: string;
}

/** Reason category used for counting skips. */
export function skipCategory(reason: string): string {
  if (/^duplicate/.test(reason)) return "duplicate";
  if (/header claims/.test(reason)) return "too many pixels";
  if (/not supported/.test(reason)) return "unsupported format";
  if (/not a recognised/.test(reason)) return "not an image";
  if (/crash|no answer/.test(reason)) return "decoder crash";
  if (/truncated/.test(reason)) return "truncated";
  return "damaged";
}

async function loadSeed(): Promise<string[]> {
  const text = await Deno.readTextFile(new URL("../../data/seed_artists.json", import.meta.url));
  return (JSON.parse(text) as { artists: string[] }).artists;
}

function checkOptions(opts: PrepareOptions) {
  const size = opts.size ?? 160;
  if (!Number.isInteger(size) || size < 8 || size > 2048) {
    throw new UsageError(`--size must be a whole number from 8 to 2048 (got ${opts.size})`);
  }
  const holdout = opts.holdout ?? 0;
  if (!(holdout >= 0 && holdout < 1)) {
    throw new UsageError(`--holdout must be a fraction from 0 up to 1 (got ${opts.holdout})`);
  }
  if (opts.limit !== undefined && !(Number.isInteger(opts.limit) && opts.limit > 0)) {
    throw new UsageError(`--limit must be a positive whole number (got ${opts.limit})`);
  }
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(maxPixels > 0)) {
    throw new UsageError(`--max-pixels must be positive (got ${opts.maxPixels})`);
  }
  let artists: string[] | "seed" | undefined;
  if (opts.artists === "seed") artists = "seed";
  else if (opts.artists !== undefined) {
    artists = opts.artists.map((a) => a.trim()).filter((a) => a.length > 0);
    if (artists.length === 0) throw new UsageError(`--artists needs at least one name (or "seed")`);
  }
  return { size, holdout, maxPixels, artists };
}

/**
 * The note to print when `out` already holds a finished dataset made with a
 * different size or held-out share (it is rebuilt in place), or by augment.
 */
async function rebuildNotes(out: string, size: number, holdout: number): Promise<string[]> {
  let prev: { kind?: string; size?: number; holdout?: number };
  try {
    prev = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
  } catch {
    return []; // new, or never finished
  }
  const notes: string[] = [];
  if (prev.kind === "augment") {
    notes.push(`note: ${out} holds an augmented dataset; replacing it with a prepared one`);
  }
  if (typeof prev.size === "number" && prev.size !== size) {
    notes.push(`note: ${out} was prepared at ${prev.size} px; rebuilding it at ${size} px`);
  }
  if (prev.kind === "prepare" && typeof prev.holdout === "number" && prev.holdout !== holdout) {
    notes.push(
      `note: ${out} was prepared with --holdout ${prev.holdout}; rebuilding it with --holdout ${holdout}`,
    );
  }
  return notes;
}

/** Runs prepare; see the module doc. Throws {@linkcode UserError} for problems the user can fix. */
export async function prepareDataset(opts: PrepareOptions): Promise<PrepareSummary> {
  const started = performance.now();
  const { size, holdout, maxPixels, artists } = checkOptions(opts);
  const log = opts.quiet ? () => {} : (opts.log ?? ((l: string) => console.log(l)));
  const found = await findSources(opts.input);
  let sources: Source[] = found.sources;

  if (artists) {
    const seed = artists === "seed";
    const wanted = seed ? await loadSeed() : artists as string[];
    if (found.artists.length === 0) {
      throw new UsageError(
        `--artists needs artist names, but ${opts.input} has no artist folders or artists.csv (drop --artists)`,
      );
    }
    const resolved = resolveArtists(wanted, found.artists, { where: opts.input, lenient: seed });
    if (resolved.size === 0) {
      throw new UserError(
        `none of the ${
          seed ? "seed" : "named"
        } artists are in ${opts.input} (drop --artists or use another input)`,
      );
    }
    const keep = new Set(resolved.values());
    sources = sources.filter((s) => s.artist !== null && keep.has(s.artist));
    if (sources.length === 0) {
      throw new UserError(`no images of the chosen artists in ${opts.input} (check --artists)`);
    }
  }

  await claimOutputFolder(opts.out, "prepare");
  await removeStaleTemporaries(opts.out);
  for (const note of await rebuildNotes(opts.out, size, holdout)) log(note);
  const stop = new StopRequest(opts.signal);
  try {
    return await runPrepare(opts, sources, found.layout, { size, holdout, maxPixels }, stop, {
      started,
      log,
    });
  } finally {
    stop.close();
  }
}

async function runPrepare(
  opts: PrepareOptions,
  sources: Source[],
  layout: string,
  { size, holdout, maxPixels }: { size: number; holdout: number; maxPixels: number },
  stop: StopRequest,
  { started, log }: { started: number; log: (line: string) => void },
): Promise<PrepareSummary> {
  const settings = `prepare-v1:size=${size}:maxPixels=${maxPixels}`;
  const settingsTag = (await sha256Hex(new TextEncoder().encode(settings))).slice(0, 8);
  const pool = new WorkerPool({ workers: opts.workers });
  const progress = new Progress("prepare", sources.length, { quiet: opts.quiet });
  const results: ({ sha: string; entry: CacheEntry; dupOf?: string } | undefined)[] = new Array(
    sources.length,
  );
  const fresh = new Map<string, Uint8Array>();
  const keepFreshInMemory = sources.length * size * size * 3 <= 768 * 2 ** 20;
  const firstBySha = new Map<string, number>();
  let decoded = 0, reused = 0, okCount = 0;

  const processOne = async (i: number) => {
    const src = sources[i];
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(src.path);
    } catch (error) {
      results[i] = {
        sha: "",
        entry: { ok: false, reason: `cannot read file (${(error as Error).message})` },
      };
      return;
    }
    const sha = await sha256Hex(bytes);
    const id = sha.slice(0, 12);
    const cachePath = join(opts.out, ".cache", `${sha.slice(0, 24)}-${settingsTag}.json`);
    try {
      const entry = JSON.parse(await Deno.readTextFile(cachePath)) as CacheEntry;
      // The image must be there at this size (an earlier run at another size left its own).
      if (!entry.ok || (await pngHasSize(join(opts.out, "images", `${id}.png`), size))) {
        results[i] = { sha, entry };
        reused++;
        return;
      }
    } catch { /* not cached yet */ }
    const reply: WorkerReply = await pool.run(
      { op: "prepare", bytes, size, maxPixels },
      [bytes.buffer as ArrayBuffer],
    );
    decoded++;
    let entry: CacheEntry;
    if (reply.ok) {
      entry = {
        ok: true,
        width: reply.width,
        height: reply.height,
        crop: reply.crop,
        format: reply.format,
        decoder: reply.decoder,
      };
      await writeFileAtomic(join(opts.out, "images", `${id}.png`), reply.png!);
      if (keepFreshInMemory) fresh.set(id, reply.rgb!);
    } else entry = { ok: false, reason: reply.reason };
    // Timeouts may be transient; everything else is a property of the file and is cached.
    if (reply.ok || !/no answer/.test(reply.reason)) {
      await writeTextFileAtomic(cachePath, JSON.stringify(entry) + "\n");
    }
    results[i] = { sha, entry };
  };

  // Bounded concurrency in path order; with --limit, stop feeding once enough were kept.
  const inFlight = new Set<Promise<void>>();
  const concurrency = pool.size * 2;
  let next = 0, finished = 0;
  try {
    while (next < sources.length) {
      if (opts.limit !== undefined && okCount >= opts.limit) break;
      if (stop.requested) break;
      const i = next++;
      const p = processOne(i).then(() => {
        const r = results[i]!;
        if (r.entry.ok) okCount++;
        finished++;
        progress.tick(1);
      });
      const tracked = p.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (stop.requested) {
      progress.done("interrupted");
      throw stop.error(finished, sources.length);
    }
  } catch (error) {
    pool.close();
    throw error;
  }
  const processed = next;
  progress.done();

  // Records in path order; identical content seen twice is counted once.
  const records: ManifestRecord[] = [];
  const skippedFiles: SkippedFile[] = [];
  const artistCounts: Record<string, number> = {};
  for (let i = 0; i < processed; i++) {
    const r = results[i]!;
    const src = sources[i];
    if (!r.entry.ok) {
      skippedFiles.push({ source: src.rel, reason: r.entry.reason ?? "unreadable" });
      continue;
    }
    const first = firstBySha.get(r.sha);
    if (first !== undefined) {
      skippedFiles.push({ source: src.rel, reason: `duplicate of ${sources[first].rel}` });
      continue;
    }
    if (opts.limit !== undefined && records.length >= opts.limit) continue;
    firstBySha.set(r.sha, i);
    const id = r.sha.slice(0, 12);
    records.push({
      id,
      n: records.length + 1,
      source: src.rel,
      artist: src.artist,
      width: r.entry.width!,
      height: r.entry.height!,
      crop: r.entry.crop!,
      sha256: r.sha,
      format: r.entry.format,
      decoder: r.entry.decoder,
      heldOut: await isHeldOut(id, holdout),
    });
    if (src.artist) artistCounts[src.artist] = (artistCounts[src.artist] ?? 0) + 1;
  }
  if (records.length === 0) {
    pool.close();
    throw new UserError(
      `no readable images in ${opts.input} (${skippedFiles.length} files skipped; see ${
        join(opts.out, "summary.json")
      })`,
    );
  }
  await writeSkippedSummary(opts.out, skippedFiles);

  let finishedDataset: Awaited<ReturnType<typeof finishDataset>>;
  try {
    finishedDataset = await finishDataset(opts.out, records, size, pool, fresh, opts.quiet, stop);
  } finally {
    pool.close();
  }
  const { fingerprint, sheets, unknownExcludes } = finishedDataset;

  // Images no longer in the manifest (filters changed, sources removed) are cleaned up.
  const ids = new Set(records.map((r) => r.id));
  for await (const e of Deno.readDir(join(opts.out, "images"))) {
    if (e.isFile && e.name.endsWith(".png") && !ids.has(e.name.slice(0, -4))) {
      await Deno.remove(join(opts.out, "images", e.name)).catch(() => {});
    }
  }

  const skipped: Record<string, number> = {};
  for (const s of skippedFiles) {
    skipped[skipCategory(s.reason)] = (skipped[skipCategory(s.reason)] ?? 0) + 1;
  }
  const summary: PrepareSummary = {
    format: "portrait-gan-dataset",
    version: 1,
    kind: "prepare",
    input: opts.input,
    layout,
    size,
    maxPixels,
    holdout,
    read: processed,
    kept: records.length,
    skipped,
    skippedFiles,
    heldOut: records.filter((r) => r.heldOut).length,
    artists: artistCounts,
    fingerprint,
    decoded,
    reused,
    workerRestarts: pool.restarts,
    sheets,
    unknownExcludes,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
  await writeTextFileAtomic(
    join(opts.out, "summary.json"),
    JSON.stringify(summary, null, 2) + "\n",
  );
  if (unknownExcludes.length) log(unknownExcludesWarning(opts.out, unknownExcludes));
  const reasons = Object.entries(skipped).map(([k, v]) => `${k} ${v}`).join(", ");
  log(
    `prepare: read ${summary.read}, kept ${summary.kept}, skipped ${skippedFiles.length}${
      reasons ? ` (${reasons})` : ""
    }; ${summary.heldOut} held out; ${decoded} decoded, ${reused} from cache -> ${opts.out}`,
  );
  for (const s of skippedFiles.slice(0, 20)) log(`  skipped ${s.source}: ${s.reason}`);
  if (skippedFiles.length > 20) log(`  ... and ${skippedFiles.length - 20} more in summary.json`);
  return summary;
}

async function writeSkippedSummary(out: string, skipped: SkippedFile[]): Promise<void> {
  // Kept beside the summary so a reviewer can grep it even before summary.json exists.
  await writeTextFileAtomic(
    join(out, ".cache", "skipped.jsonl"),
    skipped.map((s) => JSON.stringify(s)).join("\n") + (skipped.length ? "\n" : ""),
  );
}

/** Whether the PNG at `path` exists and its header says `size`x`size`. */
async function pngHasSize(path: string, size: number): Promise<boolean> {
  try {
    const f = await Deno.open(path);
    try {
      const head = new Uint8Array(64);
      const n = (await f.read(head)) ?? 0;
      const info = sniffImage(head.subarray(0, n));
      return info.format === "png" && info.width === size && info.height === size;
    } finally {
      f.close();
    }
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes manifest, packed file and contact sheets for `records` unless the
 * folder already holds exactly these (same manifest text, same excludes, a
 * valid packed file): then nothing is rewritten. Shared by prepare and augment.
 * Also returns the ids of `out`'s exclude.txt that name none of `records`.
 * A `stop` request while packing abandons the new packed file (the old
 * dataset stays as it was) and throws {@linkcode InterruptedError}.
 */
export async function finishDataset(
  out: string,
  records: ManifestRecord[],
  size: number,
  pool: WorkerPool,
  fresh: Map<string, Uint8Array>,
  quiet?: boolean,
  stop?: StopRequest,
): Promise<{ fingerprint: string; sheets: number; unknownExcludes: string[] }> {
  const manifestText = records.map((r) => JSON.stringify(r)).join("\n") + "\n";
  const excludes = await readExcludes(out);
  const unknown = unknownExcludes(excludes, records);
  // The size is part of the state: the manifest alone does not change with --size.
  const stateKey = await sha256Hex(
    new TextEncoder().encode(
      `size=${size}\0` + manifestText + "\0" + [...excludes].sort().join("\n"),
    ),
  );
  const statePath = join(out, ".cache", "finished.json");
  try {
    const prev = JSON.parse(await Deno.readTextFile(statePath)) as {
      key: string;
      fingerprint: string;
      sheets: number;
    };
    const packedPath = join(out, PACKED);
    const st = await Deno.stat(packedPath);
    const f = await Deno.open(packedPath);
    const head = new Uint8Array(HEADER_BYTES);
    await f.read(head);
    f.close();
    const h = readPackedHeader(head, packedPath, st.size);
    if (
      prev.key === stateKey && h.height === size && h.width === size &&
      h.count === records.length && (await exists(join(out, "manifest.jsonl")))
    ) {
      return { fingerprint: prev.fingerprint, sheets: prev.sheets, unknownExcludes: unknown };
    }
  } catch { /* not finished before, or changed */ }

  const pixels = async (id: string): Promise<Uint8Array> => {
    const mem = fresh.get(id);
    if (mem) return mem;
    const bytes = await Deno.readFile(join(out, "images", `${id}.png`));
    const r = await pool.run({ op: "decode", bytes, maxPixels: 1e9 }, [
      bytes.buffer as ArrayBuffer,
    ]);
    if (!r.ok || r.width !== size || r.height !== size) {
      throw new UserError(
        `image ${join(out, "images", `${id}.png`)} is damaged (${
          r.ok ? "wrong size" : r.reason
        }); delete it and run again`,
      );
    }
    return r.rgb!;
  };

  const packProgress = new Progress("pack", records.length, { quiet });
  // Prefetch a few images ahead so decoding overlaps writing.
  const ahead = new Map<number, Promise<Uint8Array>>();
  const fetchAt = (i: number) => {
    if (stop?.requested) {
      // Let prefetched decodes settle quietly; writePacked removes its temporary file.
      for (const p of ahead.values()) p.catch(() => {});
      return Promise.reject(stop.error(i, records.length, "images packed"));
    }
    for (let k = i; k < Math.min(records.length, i + pool.size * 2); k++) {
      if (!ahead.has(k)) ahead.set(k, pixels(records[k].id));
    }
    const p = ahead.get(i)!;
    ahead.delete(i);
    return p;
  };
  const fingerprint = await writePacked(
    join(out, PACKED),
    records.length,
    size,
    fetchAt,
    () => packProgress.tick(),
  );
  packProgress.done();
  await writeTextFileAtomic(join(out, "manifest.jsonl"), manifestText);
  // Not interrupted from here on: the packed file is in place, and the summary must follow it.
  const sheets = await writeContactSheets(out, records, size, excludes, pool, pixels, quiet);
  await writeTextFileAtomic(
    statePath,
    JSON.stringify({ key: stateKey, fingerprint, sheets }) + "\n",
  );
  return { fingerprint, sheets, unknownExcludes: unknown };
}
