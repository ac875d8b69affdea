/**
 * `deno task bench`: training-step speed for both presets (batch 32 and 64),
 * peak memory, prepare's images per second, and the Keras peer side by side
 * in the same run when Python TensorFlow is installed.
 *
 *   deno task bench [--json] [--presets portrait64,portrait160] [--batches 32,64]
 *                   [--threads 2] [--precision fp32|bf16|both] [--reps 1]
 *                   [--no-peers] [--no-prepare] [--steps N] [--warmup N]
 *
 * Each configuration runs in its own process, so that peak memory is its own.
 * @module
 */

import { parseArgs } from "node:util";
import { ensureTensorFlow } from "../ffi/locate.ts";
import { benchTrainStep, type StepBenchResult } from "../src/bench/train_step.ts";
import { findPeerPython, runKerasPeer } from "../src/bench/peers.ts";
import { benchPrepare } from "../src/data/bench.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    json: { type: "boolean", default: false },
    one: { type: "boolean", default: false },
    presets: { type: "string", default: "portrait64,portrait160" },
    batches: { type: "string", default: "32,64" },
    threads: { type: "string", default: String(navigator.hardwareConcurrency) },
    precision: { type: "string", default: "fp32" },
    reps: { type: "string", default: "1" },
    steps: { type: "string" },
    warmup: { type: "string", default: "3" },
    "no-peers": { type: "boolean", default: false },
    "no-prepare": { type: "boolean", default: false },
  },
});

const stepsFor = (preset: string) => Number(values.steps ?? (preset === "portrait160" ? 5 : 10));

if (values.one) {
  // Child process: one configuration, one JSON line.
  const [preset, batch, precision] = [values.presets, Number(values.batches), values.precision];
  const result = await benchTrainStep({
    preset,
    batch,
    threads: Number(values.threads),
    precision: precision === "bf16" ? "bfloat16" : "float32",
    steps: stepsFor(preset),
    warmup: Number(values.warmup),
  });
  console.log(JSON.stringify(result));
  Deno.exit(0);
}

await ensureTensorFlow();
const presets = values.presets.split(",");
const batches = values.batches.split(",").map(Number);
const precisions = values.precision === "both" ? ["fp32", "bf16"] : [values.precision];
const threads = Number(values.threads);
const python = values["no-peers"] ? null : await findPeerPython();
const print = (line: string) => values.json ? undefined : console.log(line);
if (!values.json) {
  console.log(`portrait-gan bench: ${threads} threads, ${navigator.hardwareConcurrency} cores`);
  console.log(
    python
      ? `Keras peer: ${python} (interleaved in the same run)`
      : "Keras peer: not run (no Python with tensorflow and keras; set PEERS_PYTHON)",
  );
}

async function child(preset: string, batch: number, precision: string): Promise<StepBenchResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--one",
      "--presets",
      preset,
      "--batches",
      String(batch),
      "--threads",
      String(threads),
      "--precision",
      precision,
      "--warmup",
      values.warmup,
      ...(values.steps ? ["--steps", values.steps] : []),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return JSON.parse(line);
}

const rows: string[] = [];
for (const preset of presets) {
  for (const batch of batches) {
    for (const precision of precisions) {
      for (let rep = 0; rep < Number(values.reps); rep++) {
        const ours = await child(preset, batch, precision);
        if (values.json) console.log(JSON.stringify(ours));
        let keras: Record<string, unknown> | null = null;
        if (python) {
          try {
            keras = await runKerasPeer(python, {
              preset,
              batch,
              threads,
              steps: stepsFor(preset),
              warmup: Number(values.warmup),
              variant: precision as "fp32" | "bf16",
            });
            if (values.json) console.log(JSON.stringify(keras));
          } catch (e) {
            print(`  keras peer failed: ${(e as Error).message}`);
          }
        }
        const kms = keras ? Number(keras.step_ms_median) : NaN;
        rows.push(
          `| ${preset} | ${batch} | ${precision} | ${ours.step_ms_median.toFixed(1)} | ${
            ours.step_ms_min.toFixed(1)
          } | ${ours.images_per_s.toFixed(1)} | ${ours.gflops_spec.toFixed(1)} | ${
            ours.peak_rss_mb.toFixed(0)
          } | ${keras ? kms.toFixed(1) : "–"} | ${
            keras ? (kms / ours.step_ms_median).toFixed(2) + "x" : "–"
          } |`,
        );
        print(rows.at(-1)!);
      }
    }
  }
}
if (!values.json) {
  console.log(
    "\n| preset | batch | precision | step ms (median) | step ms (min) | images/s | GFLOP/s (spec count) | peak RSS MB | Keras step ms | Keras / ours |",
  );
  console.log("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) console.log(r);
}
if (!values["no-prepare"]) {
  const p = await benchPrepare({});
  if (values.json) console.log(JSON.stringify({ bench: "prepare", ...p }));
  else {console.log(
      `\nprepare (People-Art, ${p.images} images at ${p.size}px, ${p.workers} workers): ${
        p.images_per_s.toFixed(1)
      } images/s; re-run ${p.rerun_seconds.toFixed(2)} s`,
    );}
}
Deno.exit(0);
