/**
 * The dataset folder, as written by `prepare` and `augment` and read by the
 * trainer:
 *
 * ```
 * .portrait-gan-dataset   marker: this folder belongs to portrait-gan
 * images/<id>.png         every image, to look at
 * manifest.jsonl          one JSON record per image, in packed order
 * images.u8               packed pixels: 32-byte header + uint8 NHWC
 * contact/sheet_NNN.png   numbered thumbnails for review
 * summary.json            counts, skipped files by reason, settings, fingerprint
 * exclude.txt             ids the user rejected after review (one a line, # comments)
 * .cache/                 per-source results, so re-runs redo nothing
 * ```
 *
 * Packed header (little-endian): bytes 0..7 ASCII `PGANDSET`, then u32
 * version (1), count, height, width, channels (3), reserved (0).
 *
 * @module
 */

import { join } from "node:path";
import { UserError } from "../util/errors.ts";
import { writeFileAtomic } from "../util/atomic.ts";
import type { CropBox } from "./resize.ts";
import type { ColorTransform } from "./color.ts";

/** Marker file name. */
export const MARKER = ".portrait-gan-dataset";
/** Packed file name. */
export const PACKED = "images.u8";
/** Packed file magic. */
export const MAGIC = "PGANDSET";
/** Packed format version. */
export const PACKED_VERSION = 1;
/** Header size in bytes. */
export const HEADER_BYTES = 32;

/** One manifest line. */
export interface ManifestRecord {
  /** Stable id: first 12 hex digits of the source's SHA-256 (augmented: `<parent>-<k>`). */
  id: string;
  /** 1-based position in the packed file and on the contact sheets. */
  n: number;
  /** Source path relative to the input folder (augmented: the parent's). */
  source: string;
  /** Artist display name, or null when the source layout does not tell. */
  artist: string | null;
  /** Original width (upright), before cropping. */
  width: number;
  /** Original height (upright), before cropping. */
  height: number;
  /** The centred crop, in upright source pixels, that was resized to the dataset size. */
  crop: CropBox;
  /** SHA-256 of the source file's bytes. */
  sha256: string;
  /** Source format detected from the content, e.g. "jpeg" or "png". */
  format?: string;
  /** Which decoder read the source: "imagescript", "jpeg-js" or "pngjs". */
  decoder?: string;
  /** Whether the image is in the deterministic held-out share. */
  heldOut: boolean;
  /** Augmented records: the id of the original this variant was made from. */
  parent?: string;
  /** Augmented records: the exact flip and colour transform applied. */
  transform?: { flip: boolean } & ColorTransform & { hueOpenCv?: number };
}

/** Writes the 32-byte header for `count` images of `h`x`w`x3. */
export function packedHeader(count: number, h: number, w: number): Uint8Array {
  const b = new Uint8Array(HEADER_BYTES);
  b.set(new TextEncoder().encode(MAGIC), 0);
  const v = new DataView(b.buffer);
  v.setUint32(8, PACKED_VERSION, true);
  v.setUint32(12, count, true);
  v.setUint32(16, h, true);
  v.setUint32(20, w, true);
  v.setUint32(24, 3, true);
  return b;
}

/** Parsed packed header. */
export interface PackedHeader {
  version: number;
  count: number;
  height: number;
  width: number;
  channels: number;
}

/** Reads and validates a packed header; throws {@linkcode UserError} naming `path` when corrupt. */
export function readPackedHeader(b: Uint8Array, path: string, fileSize: number): PackedHeader {
  const fix = "(run prepare again to rebuild it)";
  if (b.length < HEADER_BYTES || new TextDecoder().decode(b.subarray(0, 8)) !== MAGIC) {
    throw new UserError(`packed file is corrupted (bad header): ${path} ${fix}`);
  }
  const v = new DataView(b.buffer, b.byteOffset, HEADER_BYTES);
  const h: PackedHeader = {
    version: v.getUint32(8, true),
    count: v.getUint32(12, true),
    height: v.getUint32(16, true),
    width: v.getUint32(20, true),
    channels: v.getUint32(24, true),
  };
  if (h.version !== PACKED_VERSION) {
    throw new UserError(`packed file has unsupported version ${h.version}: ${path} ${fix}`);
  }
  const expected = HEADER_BYTES + h.count * h.height * h.width * h.channels;
  if (h.channels !== 3 || fileSize !== expected) {
    throw new UserError(
      `packed file is corrupted (size ${fileSize}, header says ${expected}): ${path} ${fix}`,
    );
  }
  return h;
}

/** Hex SHA-256 of bytes. */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Whether `id` falls in the held-out share `fraction` (deterministic: a hash of the id). */
export async function isHeldOut(id: string, fraction: number): Promise<boolean> {
  if (!(fraction > 0)) return false;
  const h = await sha256Hex(new TextEncoder().encode(`holdout:${id}`));
  return parseInt(h.slice(0, 8), 16) / 2 ** 32 < fraction;
}

/**
 * Reads `exclude.txt` ids (blank lines and `#` comments ignored); empty when
 * absent. Ids are lower-case hex (augmented ones `<parent>-<k>`), so they are
 * lower-cased here: `68823B68A6A3` excludes `68823b68a6a3`.
 */
export async function readExcludes(dir: string): Promise<Set<string>> {
  try {
    const text = await Deno.readTextFile(join(dir, "exclude.txt"));
    return new Set(
      text.split(/\r?\n/).map((l) => l.replace(/#.*/, "").trim().toLowerCase()).filter((l) =>
        l.length > 0
      ),
    );
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Set();
    throw error;
  }
}

/** Ids in `excludes` that name no image of `records` (neither an id nor a parent), in file order. */
export function unknownExcludes(excludes: Set<string>, records: ManifestRecord[]): string[] {
  const known = new Set<string>();
  for (const r of records) {
    known.add(r.id);
    if (r.parent) known.add(r.parent);
  }
  return [...excludes].filter((id) => !known.has(id));
}

/** The warning line for {@linkcode unknownExcludes} of the dataset in `dir` (at most 20 ids named). */
export function unknownExcludesWarning(dir: string, ids: string[]): string {
  const shown = ids.slice(0, 20).join(", ");
  const more = ids.length > 20 ? `, ... (${ids.length - 20} more)` : "";
  return `warning: exclude.txt names ${ids.length} ${
    ids.length === 1 ? "id that is" : "ids that are"
  } not in ${dir}: ${shown}${more} (check ${join(dir, "exclude.txt")} against the contact sheets)`;
}

/** Whether `name` is a temporary file of an atomic write (`<name>.tmp-<pid>[-<n>]`). */
export function isTemporaryName(name: string): boolean {
  return /\.tmp-\d+(-\d+)?$/.test(name);
}

/**
 * Removes temporary files a killed or interrupted run left beside their
 * targets in a dataset folder and its `images/`, `contact/` and `.cache/`
 * subfolders; returns how many. Called at the start of prepare and augment.
 */
export async function removeStaleTemporaries(dir: string): Promise<number> {
  let removed = 0;
  for (const sub of ["", "images", "contact", ".cache"]) {
    try {
      for await (const e of Deno.readDir(join(dir, sub))) {
        if (e.isFile && isTemporaryName(e.name)) {
          await Deno.remove(join(dir, sub, e.name)).then(() => removed++, () => {});
        }
      }
    } catch { /* folder absent */ }
  }
  return removed;
}

/** Reads manifest.jsonl; throws {@linkcode UserError} when it is missing or damaged. */
export async function readManifest(dir: string): Promise<ManifestRecord[]> {
  const path = join(dir, "manifest.jsonl");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new UserError(`not a prepared dataset (no manifest.jsonl): ${dir} (run prepare first)`);
  }
  return text.split("\n").filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as ManifestRecord;
    } catch {
      throw new UserError(`manifest line ${i + 1} is damaged: ${path} (run prepare again)`);
    }
  });
}

/**
 * Makes `out` a dataset folder or confirms it is one. Refuses a non-empty
 * folder without the marker (someone else's files) and unwritable places.
 */
export async function claimOutputFolder(out: string, kind: string): Promise<void> {
  const entries: string[] = [];
  try {
    const st = await Deno.stat(out);
    if (!st.isDirectory) {
      throw new UserError(`output is not a folder: ${out} (choose a new folder for --out)`);
    }
    for await (const e of Deno.readDir(out)) entries.push(e.name);
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new UserError(
        `cannot read output folder ${out}: ${(error as Error).message} (check permissions)`,
      );
    }
  }
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new UserError(
      `output folder holds other files and is not a portrait-gan dataset: ${out} (choose an empty or new folder for --out)`,
    );
  }
  try {
    await Deno.mkdir(join(out, "images"), { recursive: true });
    await Deno.mkdir(join(out, "contact"), { recursive: true });
    await Deno.mkdir(join(out, ".cache"), { recursive: true });
    if (!entries.includes(MARKER)) {
      await writeFileAtomic(
        join(out, MARKER),
        new TextEncoder().encode(`portrait-gan dataset (${kind})\n`),
      );
    }
  } catch (error) {
    throw new UserError(
      `cannot write to output folder ${out}: ${
        (error as Error).message
      } (check permissions or pick another --out)`,
    );
  }
}

/**
 * Writes the packed file atomically from images supplied in order by
 * `get(i)`; returns the SHA-256 fingerprint of the whole file.
 */
export async function writePacked(
  path: string,
  count: number,
  size: number,
  get: (i: number) => Promise<Uint8Array>,
  onImage?: () => void,
): Promise<string> {
  const tmp = `${path}.tmp-${Deno.pid}`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  // Hash incrementally is not in WebCrypto; hash per-image digests instead (cheap, still content-bound).
  const digests: Uint8Array[] = [];
  try {
    const header = packedHeader(count, size, size);
    await writeAll(file, header);
    digests.push(header);
    for (let i = 0; i < count; i++) {
      const px = await get(i);
      if (px.length !== size * size * 3) throw new Error(`image ${i + 1} has the wrong size`);
      await writeAll(file, px);
      digests.push(
        new Uint8Array(await crypto.subtle.digest("SHA-256", px as Uint8Array<ArrayBuffer>)),
      );
      onImage?.();
    }
    await file.sync();
  } catch (error) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
  file.close();
  await Deno.rename(tmp, path);
  const all = new Uint8Array(digests.reduce((n, d) => n + d.length, 0));
  let o = 0;
  for (const d of digests) {
    all.set(d, o);
    o += d.length;
  }
  return await sha256Hex(all);
}

async function writeAll(file: Deno.FsFile, data: Uint8Array): Promise<void> {
  let n = 0;
  while (n < data.length) n += await file.write(data.subarray(n));
}

/** The fingerprint {@linkcode writePacked} returns, recomputed from packed bytes (header + images). */
export async function fingerprintPacked(bytes: Uint8Array, imageBytes: number): Promise<string> {
  const count = (bytes.length - HEADER_BYTES) / imageBytes;
  const all = new Uint8Array(HEADER_BYTES + 32 * count);
  all.set(bytes.subarray(0, HEADER_BYTES), 0);
  for (let i = 0; i < count; i++) {
    const s = HEADER_BYTES + i * imageBytes;
    const d = await crypto.subtle.digest(
      "SHA-256",
      bytes.subarray(s, s + imageBytes) as Uint8Array<ArrayBuffer>,
    );
    all.set(new Uint8Array(d), HEADER_BYTES + 32 * i);
  }
  return await sha256Hex(all);
}
