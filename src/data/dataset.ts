/**
 * Reading a dataset folder for training: the packed pixels, the manifest,
 * exclusions (`exclude.txt`, ids in any case) and the held-out share.
 * Excluded images are dropped here, so every consumer honours the review;
 * ids in exclude.txt that match no image are listed in `unknownExcludes`.
 *
 * @example
 * ```ts
 * import { openDataset } from "./dataset.ts";
 * const ds = await openDataset("datasets/p160");
 * ds.count; ds.images.length === ds.count * ds.size * ds.size * 3;
 * ```
 * @module
 */

import { join } from "node:path";
import { UserError } from "../util/errors.ts";
import {
  fingerprintPacked,
  HEADER_BYTES,
  type ManifestRecord,
  PACKED,
  readExcludes,
  readManifest,
  readPackedHeader,
  unknownExcludes,
} from "./format.ts";

/** A loaded dataset (excluded images already removed). */
export interface Dataset {
  /** The dataset folder, as passed to {@linkcode openDataset}. */
  dir: string;
  /** Square image size in pixels. */
  size: number;
  /** Images loaded (after exclusions). */
  count: number;
  /** Image ids ({@linkcode ManifestRecord.id}) in packed order. */
  ids: string[];
  /** Artist of each image, parallel to `ids`; null where the source layout names none. */
  artists: (string | null)[];
  /** `count * size * size * 3` bytes, uint8 NHWC RGB, in `ids` order. */
  images: Uint8Array;
  /** Fingerprint of the packed file as written (changes whenever the pixels change). */
  fingerprint: string;
  /** Ids of the images dropped because exclude.txt names them (or their parent). */
  excluded: string[];
  /**
   * Ids in exclude.txt (lower-cased) that name no image of the dataset, in
   * file order: typos or ids of another dataset, which exclude nothing.
   */
  unknownExcludes: string[];
  /** Ids in the held-out share (still in `images`; the trainer skips them). */
  heldOut: string[];
  /** Manifest records for the loaded images. */
  records: ManifestRecord[];
}

/** Options of {@linkcode openDataset}. */
export interface OpenOptions {
  /** Recompute the fingerprint and compare it with summary.json (default true). */
  verify?: boolean;
}

/** Loads `dir`; throws {@linkcode UserError} naming the path when it is missing or corrupted. */
export async function openDataset(dir: string, opts: OpenOptions = {}): Promise<Dataset> {
  const records = await readManifest(dir);
  const packedPath = join(dir, PACKED);
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(packedPath);
  } catch {
    throw new UserError(`packed file missing: ${packedPath} (run prepare again)`);
  }
  const h = readPackedHeader(bytes, packedPath, bytes.length);
  if (h.count !== records.length || h.width !== h.height) {
    throw new UserError(
      `packed file does not match manifest.jsonl (${h.count} vs ${records.length} images): ${packedPath} (run prepare again)`,
    );
  }
  let summary: { fingerprint?: string } = {};
  try {
    summary = JSON.parse(await Deno.readTextFile(join(dir, "summary.json")));
  } catch {
    throw new UserError(
      `dataset is incomplete (no summary.json): ${dir} (run prepare again to finish it)`,
    );
  }
  const imageBytes = h.height * h.width * 3;
  if (opts.verify ?? true) {
    const fp = await fingerprintPacked(bytes, imageBytes);
    if (summary.fingerprint && fp !== summary.fingerprint) {
      throw new UserError(
        `packed file is corrupted (fingerprint mismatch): ${packedPath} (run prepare again)`,
      );
    }
  }
  const excludes = await readExcludes(dir);
  const keep = records.map((r, i) => ({ r, i })).filter(({ r }) =>
    !excludes.has(r.id) && !excludes.has(r.parent ?? "\0")
  );
  const images = new Uint8Array(keep.length * imageBytes);
  keep.forEach(({ i }, k) => {
    const s = HEADER_BYTES + i * imageBytes;
    images.set(bytes.subarray(s, s + imageBytes), k * imageBytes);
  });
  const kept = keep.map(({ r }) => r);
  const keptSet = new Set(kept);
  return {
    dir,
    size: h.height,
    count: kept.length,
    ids: kept.map((r) => r.id),
    artists: kept.map((r) => r.artist),
    images,
    fingerprint: summary.fingerprint ?? "",
    excluded: records.filter((r) => !keptSet.has(r)).map((r) => r.id),
    unknownExcludes: unknownExcludes(excludes, records),
    heldOut: kept.filter((r) => r.heldOut).map((r) => r.id),
    records: kept,
  };
}

/** Indices (into `ds.ids`) of the images to train on: not held out. */
export function trainingIndices(ds: Dataset): number[] {
  const held = new Set(ds.heldOut);
  return ds.ids.map((id, i) => (held.has(id) ? -1 : i)).filter((i) => i >= 0);
}
