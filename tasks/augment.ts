/**
 * Thin entry for `augment` while the CLI is being built:
 * `deno run -A tasks/augment.ts --input <dataset> --out <dataset> [--copies 5]
 * [--seed 0] [--flip 0.5] [--hue -20,20] [--saturation -20,20]
 * [--mul-hue 1,1] [--mul-saturation 1,1] [--quiet] [--debug]`
 * @module
 */

import { parseArgs } from "node:util";
import { augmentDataset, type Range } from "../src/data/augment.ts";
import { UsageError, UserError } from "../src/util/errors.ts";

const num = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got ${v})`);
  return n;
};
const range = (v: string | undefined, name: string): Range | undefined => {
  if (v === undefined) return undefined;
  const parts = v.split(",").map(Number);
  if (parts.length === 1 && Number.isFinite(parts[0])) {
    return [-Math.abs(parts[0]), Math.abs(parts[0])];
  }
  if (parts.length !== 2 || !parts.every(Number.isFinite)) {
    throw new UsageError(`--${name} must be min,max (got ${v})`);
  }
  return [parts[0], parts[1]];
};

let debug = Deno.args.includes("--debug");
try {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      input: { type: "string" },
      out: { type: "string" },
      copies: { type: "string" },
      seed: { type: "string" },
      flip: { type: "string" },
      hue: { type: "string" },
      saturation: { type: "string" },
      "mul-hue": { type: "string" },
      "mul-saturation": { type: "string" },
      workers: { type: "string" },
      quiet: { type: "boolean" },
      debug: { type: "boolean" },
    },
  });
  debug = values.debug ?? false;
  if (!values.input) throw new UsageError("missing --input <prepared dataset>");
  if (!values.out) throw new UsageError("missing --out <new dataset folder>");
  await augmentDataset({
    input: values.input,
    out: values.out,
    copies: num(values.copies, "copies"),
    seed: num(values.seed, "seed"),
    flip: num(values.flip, "flip"),
    hue: range(values.hue, "hue"),
    saturation: range(values.saturation, "saturation"),
    mulHue: range(values["mul-hue"], "mul-hue"),
    mulSaturation: range(values["mul-saturation"], "mul-saturation"),
    workers: num(values.workers, "workers"),
    quiet: values.quiet,
  });
} catch (error) {
  if (error instanceof UserError && !debug) {
    console.error(`error: ${error.message}`);
    Deno.exit(error.exitCode);
  }
  if (error instanceof TypeError && /ERR_PARSE_ARGS/.test(String((error as any).code))) {
    console.error(`error: ${error.message}`);
    Deno.exit(2);
  }
  throw error;
}
