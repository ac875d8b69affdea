/**
 * Finds the pictures in what the user downloaded: the Kaggle "Best Artworks
 * of All Time" layout (`images/images/<Artist>/...` or `resized/resized/...`
 * with `artists.csv`, at any depth) or any plain folder tree of images.
 * Every source gets its artist (from the csv name when there is one).
 *
 * @example
 * ```ts
 * import { findSources } from "./sources.ts";
 * const found = await findSources("~/Downloads/best-artworks");
 * found.layout; // "kaggle-images" | "kaggle-resized" | "tree"
 * ```
 * @module
 */

import { parse } from "csv-parse/sync";
import { join, relative } from "node:path";
import { UserError } from "../util/errors.ts";
import { artistKey, displayName } from "./artists.ts";

/** One input file. */
export interface Source {
  /** Absolute path. */
  path: string;
  /** Path relative to the input folder, with forward slashes (recorded in the manifest). */
  rel: string;
  /** Artist display name, or null when the layout does not tell. */
  artist: string | null;
}

/** What {@linkcode findSources} found. */
export interface FoundSources {
  layout: "kaggle-images" | "kaggle-resized" | "tree";
  sources: Source[];
  /** Known artist names (csv names when available), sorted. */
  artists: string[];
  /** The artists.csv used, if any. */
  csv?: string;
}

// Files that are certainly not images: skipped silently instead of reported as unreadable.
const NOT_IMAGES =
  /(\.(csv|txt|md|json|jsonl|xml|html?|py|ipynb|pdf|db|zip|ini|yaml|yml|log|license|readme)|(^|\/)(license|readme|copying)[^/]*)$/i;

async function walk(dir: string, depth: number, out: string[], dirs: string[]): Promise<void> {
  if (depth > 12) return;
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) entries.push(e);
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith(".") || e.name === "__MACOSX") continue;
    const p = join(dir, e.name);
    if (e.isDirectory) {
      dirs.push(p);
      await walk(p, depth + 1, out, dirs);
    } else if (e.isFile) out.push(p);
  }
}

/** Parses Kaggle's artists.csv (quoted commas and newlines in bios) into names. */
export function parseArtistsCsv(text: string): string[] {
  const rows = parse(text, {
    columns: true,
    skip_empty_lines: true,
    bom: true,
    relax_column_count: true,
  }) as Record<
    string,
    string
  >[];
  return rows.map((r) => (r.name ?? "").normalize("NFC").trim()).filter((n) => n.length > 0);
}

/** Finds the input's pictures; throws {@linkcode UserError} for a missing, non-folder or empty input. */
export async function findSources(input: string): Promise<FoundSources> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(input);
  } catch {
    throw new UserError(`input folder not found: ${input} (pass --input <folder of paintings>)`);
  }
  if (!stat.isDirectory) {
    throw new UserError(`input is not a folder: ${input} (pass --input <folder of paintings>)`);
  }
  const files: string[] = [], dirs: string[] = [];
  await walk(input, 0, files, dirs);
  if (files.length === 0) {
    throw new UserError(
      `input folder is empty: ${input} (put the paintings there or pick another --input)`,
    );
  }
  const csvPath = files.find((f) => f.toLowerCase().endsWith("/artists.csv"));
  let csvNames: string[] = [];
  if (csvPath) {
    try {
      csvNames = parseArtistsCsv(await Deno.readTextFile(csvPath));
    } catch (error) {
      throw new UserError(
        `cannot read ${csvPath}: ${(error as Error).message} (re-download artists.csv)`,
      );
    }
  }
  const byKey = new Map(csvNames.map((n) => [artistKey(n), n]));
  const canonical = (raw: string) => {
    const d = displayName(raw);
    return byKey.get(artistKey(d)) ?? d;
  };

  const imagesRoot = dirs.find((d) => /(^|\/)images\/images$/.test(d));
  const resizedRoot = dirs.find((d) => /(^|\/)resized\/resized$/.test(d));
  let layout: FoundSources["layout"] = "tree";
  let sources: Source[];
  const rel = (p: string) => relative(input, p).split("\\").join("/");
  if (imagesRoot && files.some((f) => f.startsWith(imagesRoot + "/"))) {
    layout = "kaggle-images";
    sources = files.filter((f) => f.startsWith(imagesRoot + "/") && !NOT_IMAGES.test(f)).map(
      (f) => {
        const first = relative(imagesRoot, f).split("/")[0];
        return { path: f, rel: rel(f), artist: canonical(first) };
      },
    );
  } else if (resizedRoot && files.some((f) => f.startsWith(resizedRoot + "/"))) {
    layout = "kaggle-resized";
    sources = files.filter((f) => f.startsWith(resizedRoot + "/") && !NOT_IMAGES.test(f)).map(
      (f) => {
        const base = f.slice(f.lastIndexOf("/") + 1).replace(/_\d+\.[^.]*$/, "").replace(
          /\.[^.]*$/,
          "",
        );
        return { path: f, rel: rel(f), artist: canonical(base) };
      },
    );
  } else {
    // A plain tree names artists by the folder holding each picture, but only when there
    // are several such folders (one folder of everything says nothing about artists).
    const kept = files.filter((f) => !NOT_IMAGES.test(f));
    const parent = (f: string) => rel(f).split("/").slice(0, -1).pop() ?? null;
    const parents = new Set(kept.map(parent));
    sources = kept.map((f) => {
      const p = parent(f);
      return { path: f, rel: rel(f), artist: parents.size > 1 && p !== null ? canonical(p) : null };
    });
  }
  if (sources.length === 0) {
    throw new UserError(
      `no images found in ${input} (expected image files or the Kaggle "Best Artworks" layout)`,
    );
  }
  sources.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const artists = csvNames.length
    ? [...new Set(csvNames)].sort()
    : [...new Set(sources.map((s) => s.artist).filter((a): a is string => a !== null))].sort();
  return { layout, sources, artists, csv: csvPath };
}
