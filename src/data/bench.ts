/**
 * Benchmark of `prepare` on the People-Art sample (`../shared/data/peopleart`):
 * a cold run into a temporary folder, reported as images per second.
 * `tasks/bench.ts` calls {@linkcode benchPrepare}.
 * @module
 */

import { prepareDataset } from "./prepare.ts";

/** Result of {@linkcode benchPrepare}. */
export interface PrepareBench {
  images_per_s: number;
  images: number;
  seconds: number;
  workers: number;
  size: number;
  /** Seconds for an immediate re-run (everything cached). */
  rerun_seconds: number;
}

/** Prepares People-Art (or `input`) at `size` into a temp dir and measures throughput. */
export async function benchPrepare(
  opts: { input?: string; size?: number; workers?: number } = {},
): Promise<PrepareBench> {
  const input = opts.input ??
    new URL("../../../shared/data/peopleart/originals", import.meta.url).pathname;
  const size = opts.size ?? 160;
  const out = await Deno.makeTempDir({ prefix: "pgan-bench-" });
  try {
    const t0 = performance.now();
    const s = await prepareDataset({ input, out, size, workers: opts.workers, quiet: true });
    const seconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await prepareDataset({ input, out, size, workers: opts.workers, quiet: true });
    const rerun = (performance.now() - t1) / 1000;
    return {
      images_per_s: Math.round((s.read / seconds) * 10) / 10,
      images: s.read,
      seconds: Math.round(seconds * 100) / 100,
      workers: opts.workers ?? navigator.hardwareConcurrency,
      size,
      rerun_seconds: Math.round(rerun * 100) / 100,
    };
  } finally {
    await Deno.remove(out, { recursive: true }).catch(() => {});
  }
}
