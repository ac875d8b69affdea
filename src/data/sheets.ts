/**
 * Writes `contact/sheet_NNN.png` for a dataset (48 numbered thumbnails each),
 * encoding on the worker pool, and removes sheets left over from a larger
 * earlier run.
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic.ts";
import { Progress } from "../util/progress.ts";
import { PER_SHEET, renderContactSheet } from "./contact.ts";
import type { ManifestRecord } from "./format.ts";
import type { WorkerPool } from "./pool.ts";

/** Renders and writes all contact sheets; returns how many. */
export async function writeContactSheets(
  out: string,
  records: ManifestRecord[],
  size: number,
  excludes: Set<string>,
  pool: WorkerPool,
  pixels: (id: string) => Promise<Uint8Array>,
  quiet?: boolean,
): Promise<number> {
  const count = Math.ceil(records.length / PER_SHEET);
  const progress = new Progress("contact sheets", count, { quiet });
  const jobs: Promise<void>[] = [];
  for (let s = 0; s < count; s++) {
    const part = records.slice(s * PER_SHEET, (s + 1) * PER_SHEET);
    const items = await Promise.all(part.map(async (r) => ({
      n: r.n,
      id: r.id,
      excluded: excludes.has(r.id),
      image: { width: size, height: size, data: await pixels(r.id) },
    })));
    const sheet = renderContactSheet(items);
    const name = `sheet_${String(s + 1).padStart(3, "0")}.png`;
    jobs.push(
      pool.run({ op: "encode", rgb: sheet.data, width: sheet.width, height: sheet.height }, [
        sheet.data.buffer as ArrayBuffer,
      ]).then(async (r) => {
        if (!r.ok) throw new Error(`cannot encode ${name}: ${r.reason}`);
        await writeFileAtomic(join(out, "contact", name), r.png!);
        progress.tick();
      }),
    );
    if (jobs.length >= pool.size * 2) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  progress.done();
  for await (const e of Deno.readDir(join(out, "contact"))) {
    const m = /^sheet_(\d+)\.png$/.exec(e.name);
    if (m && Number(m[1]) > count) await Deno.remove(join(out, "contact", e.name)).catch(() => {});
  }
  return count;
}
