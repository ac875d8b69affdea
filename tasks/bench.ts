/**
 * `deno task bench`: training-step speed for both presets (batch 32 and 64),
 * peak memory, prepare's images per second, and the Keras peer side by side
 * in the same run when Python TensorFlow is installed.
 *
 *   deno task bench [--json] [--presets portrait64,portrait160] [--batches 32,64]
 *                   [--threads 2] [--precision fp32|bf16|both] [--reps 1]
 *                   [--no-peers] [--no-prepare] [--steps N] [--warmup N] [--help]
 *
 * --json prints one JSON object a line instead of the table; --steps is the
 * timed steps per configuration (default 10 for portrait64, 5 for
 * portrait160), after --warmup untimed ones; --reps repeats each
 * configuration; --no-peers skips the Keras peer, --no-prepare the prepare
 * benchmark. Wrong options end with one `error:` line and exit code 2.
 *
 * Each configuration runs in its own process, so that peak memory is its own.
 * @module
 */

import { parseArgs } from "node:util";
import { ensureTensorFlow } from "../ffi/locate.ts";
import {
  benchTrainStep,
  SPEC_GFLOP_PER_IMAGE,
  type StepBenchResult,
} from "../src/bench/train_step.ts";
import { findPeerPython, runKerasPeer } from "../src/bench/peers.ts";
import { benchPrepare } from "../src/data/bench.ts";

/** The module doc above, as `--help` prints it. */
function usage(): string {
  try {
    const text = Deno.readTextFileSync(new URL(import.meta.url));
    const doc = text.slice(text.indexOf("/**") + 3, text.indexOf("*/"));
    return doc.split("\n").map((l) => l.replace(/^\s*\* ?/, "")).filter((l) => l !== "@module")
      .join("\n").trim();
  } catch {
    return "deno task bench [--json] [--presets ...] [--batches ...] [--threads N] ...";
  }
}

/** Prints one `error:` line and ends with exit code 2 (wrong usage). */
function usageError(message: string): never {
  console.error(`error: ${message} (deno task bench --help lists the options)`);
  Deno.exit(2);
}

function parse() {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        help: { type: "boolean", short: "h", default: false },
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
    }).values;
  } catch (e) {
    // node:util's messages run on with advice about "--"; the first sentence is the point.
    usageError((e as Error).message.split(". ")[0].replace(/\.$/, ""));
  }
}

const values = parse();
if (values.help) {
  console.log(usage());
  Deno.exit(0);
}

/** A whole number of at least `min` from flag `name`, or a usage error. */
function whole(name: string, raw: string, min: number): number {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n) || n < min) {
    usageError(`--${name} must be a whole number of at least ${min} (got ${raw})`);
  }
  return n;
}

for (const p of values.presets.split(",")) {
  if (!(p in SPEC_GFLOP_PER_IMAGE)) {
    usageError(
      `--presets: unknown preset '${p}'; choose from ${
        Object.keys(SPEC_GFLOP_PER_IMAGE).join(", ")
      }`,
    );
  }
}
values.batches.split(",").forEach((b) => whole("batches", b, 1));
whole("threads", values.threads, 1);
whole("reps", values.reps, 0);
whole("warmup", values.warmup, 0);
if (values.steps !== undefined) whole("steps", values.steps, 1);
if (!["fp32", "bf16", "both"].includes(values.precision)) {
  usageError(`--precision must be fp32, bf16 or both (got ${values.precision})`);
}

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
