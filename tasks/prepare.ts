/**
 * Thin entry for `prepare` while the CLI is being built:
 * `deno run -A tasks/prepare.ts --input <dir> --out <dataset> [--size 160]
 * [--artists "Van Gogh,Da Vinci"|seed] [--limit N] [--max-pixels N]
 * [--workers N] [--holdout 0.1] [--quiet] [--debug]`
 * @module
 */

import { parseArgs } from "node:util";
import { prepareDataset } from "../src/data/prepare.ts";
import { UsageError, UserError } from "../src/util/errors.ts";

const num = (v: string | undefined, name: string) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got ${v})`);
  return n;
};

let debug = Deno.args.includes("--debug");
try {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      input: { type: "string" },
      out: { type: "string" },
      size: { type: "string" },
      artists: { type: "string" },
      limit: { type: "string" },
      "max-pixels": { type: "string" },
      workers: { type: "string" },
      holdout: { type: "string" },
      quiet: { type: "boolean" },
      debug: { type: "boolean" },
    },
  });
  debug = values.debug ?? false;
  if (!values.input) throw new UsageError("missing --input <folder of paintings>");
  if (!values.out) throw new UsageError("missing --out <dataset folder>");
  await prepareDataset({
    input: values.input,
    out: values.out,
    size: num(values.size, "size"),
    artists: values.artists === "seed"
      ? "seed"
      : values.artists?.split(",").map((s) => s.trim()).filter((s) => s),
    limit: num(values.limit, "limit"),
    maxPixels: num(values["max-pixels"], "max-pixels"),
    workers: num(values.workers, "workers"),
    holdout: num(values.holdout, "holdout"),
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
