/**
 * What every command shares: the common flags (`--config`, `--quiet`,
 * `--debug`, `--threads`, `--device`, ...), reading a JSON config file that
 * flags override, and turning flag strings into numbers with usage errors.
 *
 * Commands define options without commander defaults on purpose: then
 * `opts()` holds only what the user typed, so "a flag overrides the config
 * file, which overrides the library's default" is a plain object spread.
 *
 * @module
 */

import { type Command, Option } from "@commander-js/extra-typings";
import type { DeviceOptions } from "../gan/devices.ts";
import { UsageError, UserError } from "../util/errors.ts";

/** Loose bag of option values: from commander (strings/booleans) or a JSON file (any JSON). */
export type OptionBag = Record<string, unknown>;

/** `--save-every` → `saveEvery`, so config files may use either spelling. */
export function camelCase(key: string): string {
  return key.replace(/^-+/, "").replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Reads `--config <file.json>`: a JSON object whose keys are flag names
 * (kebab-case or camelCase). Keys not in `known` are a usage error, so a typo
 * in a config file is not silently ignored.
 */
export async function readConfigFile(
  path: string,
  known: ReadonlySet<string>,
): Promise<OptionBag> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (cause) {
    const why = cause instanceof Deno.errors.NotFound ? "no such file" : (cause as Error).message;
    throw new UserError(`cannot read config file ${path}: ${why} (check --config)`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new UserError(
      `config file ${path} is not valid JSON: ${(cause as Error).message} (fix the file)`,
      { cause },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`config file ${path} must hold a JSON object of settings`);
  }
  const out: OptionBag = {};
  for (const [key, value] of Object.entries(parsed)) {
    const name = camelCase(key);
    if (!known.has(name)) {
      const names = [...known].map(kebabCase).sort();
      const near = closest(kebabCase(name), names);
      throw new UsageError(
        `config file ${path}: unknown setting '${key}'` +
          (near ? ` (did you mean '${near}'?)` : "") + `; known: ${names.join(", ")}`,
      );
    }
    out[name] = value;
  }
  return out;
}

/** `saveEvery` → `save-every`: the flag spelling of a setting. */
export function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate nearest to `word` (case-insensitive edit distance), when it
 * is near enough to be a typo: at most a third of the word's length, at
 * least 1 edit. Ties go to the alphabetically first.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined, bestD = Infinity;
  for (const c of [...candidates].sort()) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return bestD <= Math.max(1, Math.floor(w.length / 3)) ? best : undefined;
}

/**
 * `1 file`, `2 files`, `0 files`. Only a count of exactly one is singular: a
 * formatted `"1.0"` stays plural (`1.0 minutes`), as English writes decimals.
 */
export function plural(n: number | string, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 || n === "1" ? word : many}`;
}

/** Option attribute names of a command (camelCase), minus `config` itself. */
export function optionNames(cmd: Command<any, any, any>): Set<string> {
  return new Set(
    cmd.options.map((o) => o.attributeName()).filter((n) => n !== "config" && n !== "debug"),
  );
}

/**
 * The command's effective options: the config file (when `--config` was
 * given) overridden by the flags typed on the command line. `extraKeys` are
 * further names the config file may use (e.g. GanConfig fields for train).
 */
export async function effectiveOptions(
  cmd: Command<any, any, any>,
  extraKeys: Iterable<string> = [],
): Promise<OptionBag> {
  const flags = cmd.opts() as OptionBag;
  const typed: OptionBag = Object.fromEntries(
    Object.entries(flags).filter(([, v]) => v !== undefined),
  );
  if (typeof typed.config !== "string") return typed;
  const known = optionNames(cmd);
  for (const k of extraKeys) known.add(k);
  const fromFile = await readConfigFile(typed.config, known);
  return { ...fromFile, ...typed };
}

/** A number option, or undefined when absent; `integer` refuses fractions. */
export function numberOption(
  bag: OptionBag,
  key: string,
  opts: { integer?: boolean; min?: number; flag?: string } = {},
): number | undefined {
  const raw = bag[key];
  if (raw === undefined || raw === null) return undefined;
  const flag = opts.flag ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const n = typeof raw === "number"
    ? raw
    : typeof raw === "string" && raw.trim() !== ""
    ? Number(raw)
    : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number (got ${String(raw)})`);
  if (opts.integer && !Number.isInteger(n)) {
    throw new UsageError(`${flag} must be a whole number (got ${String(raw)})`);
  }
  if (opts.min !== undefined && n < opts.min) {
    throw new UsageError(`${flag} must be at least ${opts.min} (got ${String(raw)})`);
  }
  return n;
}

/** A string option, or undefined; numbers from a JSON file are accepted as their text. */
export function stringOption(bag: OptionBag, key: string): string | undefined {
  const raw = bag[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "string") return raw;
  if (typeof raw === "number") return String(raw);
  throw new UsageError(`--${key} must be text (got ${JSON.stringify(raw)})`);
}

/** A boolean option (a flag, or true/false in a JSON file). */
export function booleanOption(bag: OptionBag, key: string): boolean | undefined {
  const raw = bag[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === "boolean") return raw;
  if (raw === "true" || raw === "false") return raw === "true";
  throw new UsageError(`--${key} is a switch: true or false (got ${JSON.stringify(raw)})`);
}

/** A required string option: a usage error naming the flag when it is missing. */
export function requiredString(bag: OptionBag, key: string, what: string): string {
  const v = stringOption(bag, key);
  if (!v) throw new UsageError(`missing --${key} <${what}>`);
  return v;
}

/** `--config`, `--quiet`, `--debug`: on every command. */
export function addCommonOptions<C extends Command<any, any, any>>(cmd: C): C {
  cmd.option("--config <file.json>", "read settings from a JSON file (flags override it)");
  cmd.option("-q, --quiet", "no progress output");
  cmd.option("--debug", "show stack traces of errors");
  return cmd;
}

/** `--threads`, `--inter-op-threads`, `--device`, `--gpus`: on commands that run TensorFlow. */
export function addDeviceOptions<C extends Command<any, any, any>>(cmd: C): C {
  cmd.option("--threads <n>", "threads inside one op (default: all cores)");
  cmd.option("--inter-op-threads <n>", "ops run side by side (default 1)");
  cmd.addOption(
    new Option("--device <kind>", "where to run: cpu, gpu (CUDA build, see setup --gpu) or auto")
      .choices(["cpu", "gpu", "auto"] as const),
  );
  cmd.option("--gpus <list>", "GPUs this process may use, e.g. 0 or 0,1");
  return cmd;
}

/**
 * `--gpus 0,1` (or `0, 1`; a number or an array of numbers in a config
 * file) → `"0,1"`; anything but non-negative whole numbers is a usage error.
 */
export function gpuList(raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  const parts = Array.isArray(raw) ? raw.map(String) : String(raw).split(",");
  const ids = parts.map((p) => p.trim());
  if (ids.length === 0 || !ids.every((p) => /^\d+$/.test(p))) {
    throw new UsageError(
      `--gpus must be GPU numbers separated by commas, e.g. 0 or 0,1 (got ${
        Array.isArray(raw) ? JSON.stringify(raw) : String(raw)
      })`,
    );
  }
  return ids.map(Number).join(",");
}

/** The DeviceOptions of the library from the effective options. */
export function deviceOptions(bag: OptionBag): DeviceOptions {
  const device = stringOption(bag, "device");
  if (device !== undefined && device !== "cpu" && device !== "gpu" && device !== "auto") {
    throw new UsageError(`--device must be cpu, gpu or auto (got ${device})`);
  }
  return {
    device: device as DeviceOptions["device"],
    threads: numberOption(bag, "threads", { integer: true, min: 1 }),
    interOpThreads: numberOption(bag, "interOpThreads", { integer: true, min: 1 }),
    visibleGpus: gpuList(bag.gpus),
    logPlacement: booleanOption(bag, "logPlacement"),
  };
}

/** Lines of normal output go to stdout; progress and notes go to stderr (library defaults). */
export function print(line = ""): void {
  console.log(line);
}

/**
 * Thrown by a command to end with a given exit code after it has already
 * said what it had to say (a re-executed child's code, 130 after a signal).
 */
export class ExitRequest extends Error {
  /** The process exit code. */
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = "ExitRequest";
    this.exitCode = exitCode;
  }
}

/**
 * Under narrow permissions (`tasks/sample.ts`), a folder the script may not
 * read looks like a missing one to the library; say which flag is missing
 * instead. A no-op when the permission is granted (e.g. under `-A`).
 */
export function requireReadPermission(path: string, what: string, why = ""): void {
  requirePermission("read", path, what, why);
}

/** Like {@linkcode requireReadPermission}, for writing. */
export function requireWritePermission(path: string, what: string): void {
  requirePermission("write", path, what, "");
}

function requirePermission(
  name: "read" | "write",
  path: string,
  what: string,
  why: string,
): void {
  let state: Deno.PermissionState = "granted";
  try {
    state = Deno.permissions.querySync({ name, path }).state;
  } catch { /* permissions API unavailable: let the operation itself fail */ }
  if (state !== "granted") {
    throw new UserError(
      `this script may not ${name} ${what} ${path}: add it to --allow-${name}${why} (see tasks/sample.ts)`,
    );
  }
}
