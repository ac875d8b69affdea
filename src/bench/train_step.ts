/**
 * Timing one DCGAN training step: the same work as the peers in
 * `shared/peers` (one D and one G update from one forward pass), reported in
 * the peers' JSON fields so that results sit side by side.
 *
 * @module
 */

import { resolveConfig } from "../gan/config.ts";
import { buildDcgan } from "../gan/dcgan.ts";
import { Session } from "../tf/session.ts";
import { Tensor } from "../tf/tensor.ts";

/** GFLOP per real image of one training step, by the reference's hand count 3 × (G + 2D) MAC × 2. */
export const SPEC_GFLOP_PER_IMAGE: Record<string, number> = {
  portrait160: 10.80,
  portrait64: 0.597,
};

/** One benchmark configuration. */
export interface StepBenchOptions {
  preset: string;
  batch: number;
  threads: number;
  precision: "float32" | "bfloat16";
  steps: number;
  warmup: number;
}

/** One result line, in the peers' field names. */
export interface StepBenchResult {
  peer: "portrait-gan";
  variant: "fp32" | "bf16";
  preset: string;
  batch: number;
  threads: number;
  step_ms_median: number;
  step_ms_min: number;
  images_per_s: number;
  gflops_spec: number;
  peak_rss_mb: number;
  step_ms: number[];
  losses_finite: boolean;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Peak resident memory of this process in MB (VmHWM), or NaN off Linux. */
export function peakRssMb(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Builds the preset, warms up, and times `steps` training steps in this process. */
export async function benchTrainStep(o: StepBenchOptions): Promise<StepBenchResult> {
  const config = resolveConfig({ preset: o.preset, batchSize: o.batch, precision: o.precision });
  const model = buildDcgan(config, 1);
  const session = new Session(model.graph, { intraOpThreads: o.threads, interOpThreads: 1 });
  try {
    session.run({ targets: [model.initialize] });
    const S = config.imageSize;
    const pixels = new Uint8Array(o.batch * S * S * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
    using real = Tensor.from("uint8", [o.batch, S, S, 3], pixels);
    const times: number[] = [];
    let finite = true;
    for (let step = 0; step < o.warmup + o.steps; step++) {
      using seed = Tensor.from("int64", [2], [1, step]);
      const t0 = performance.now();
      const out = await session.runAsync({
        feeds: [[model.realImages, real], [model.stepSeed, seed]],
        fetches: [model.metrics.generatorLoss, model.metrics.discriminatorLoss],
        targets: [model.trainStep],
      });
      const ms = performance.now() - t0;
      for (const t of out) {
        finite &&= Number.isFinite(t.scalarValue());
        t.dispose();
      }
      if (step >= o.warmup) times.push(ms);
    }
    const med = median(times);
    return {
      peer: "portrait-gan",
      variant: o.precision === "float32" ? "fp32" : "bf16",
      preset: o.preset,
      batch: o.batch,
      threads: o.threads,
      step_ms_median: med,
      step_ms_min: Math.min(...times),
      images_per_s: (o.batch * 1000) / med,
      gflops_spec: ((o.batch * 1000) / med) * (SPEC_GFLOP_PER_IMAGE[o.preset] ?? NaN),
      peak_rss_mb: peakRssMb(),
      step_ms: times.map((t) => Math.round(t * 10) / 10),
      losses_finite: finite,
    };
  } finally {
    session.dispose();
    model.graph.dispose();
  }
}
