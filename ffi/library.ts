/**
 * Opens libtensorflow once per process and hands out its functions.
 *
 * `tf()` finds the library without any network access (TF_LIBRARY_PATH or the
 * cache, see `locate.ts`); call `ensureTensorFlow()` from `locate.ts` first
 * when the library may still have to be installed.
 *
 * @example
 * ```ts
 * import { tf } from "./library.ts";
 * console.log(tf().version);
 * ```
 * @module
 */

import { readCString } from "./c.ts";
import { logSymbols, symbols, type TensorFlowSymbols } from "./symbols.ts";
import { withQuietStderr } from "./quiet_stderr.ts";
import { findTensorFlow, type LibraryLocation } from "./locate.ts";

/** An opened libtensorflow: its functions, version and where it came from. */
export interface OpenedTensorFlow {
  /** The C functions. */
  readonly symbols: TensorFlowSymbols;
  /** `TF_Version()`, e.g. "2.21.0". */
  readonly version: string;
  /** The files that were opened. */
  readonly location: Pick<LibraryLocation, "main" | "framework"> & Partial<LibraryLocation>;
}

/** Raised when the library cannot be opened or is not TensorFlow 2.x. */
export class LibraryLoadError extends Error {
  /** Creates the error; `cause` carries the underlying `Deno.dlopen` failure, if any. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LibraryLoadError";
  }
}

let opened: OpenedTensorFlow | undefined;

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * Opens the library at `location` (once per process; later calls return the
 * first library). Checks that the framework library sits beside the main one
 * and that `TF_Version()` is 2.x.
 */
export function openTensorFlow(
  location: Pick<LibraryLocation, "main" | "framework"> & Partial<LibraryLocation>,
): OpenedTensorFlow {
  if (opened) return opened;
  if (!exists(location.main)) {
    throw new LibraryLoadError(`libtensorflow not found at ${location.main}`);
  }
  if (!exists(location.framework)) {
    throw new LibraryLoadError(
      `${location.framework} is missing: libtensorflow_framework.so.2 must sit beside ${location.main}`,
    );
  }
  // Set before the library loads, or TensorFlow's start-up chatter (oneDNN
  // notices, grappler's harmless "remapper failed" line) lands on every
  // command's stderr. Errors that matter reach the caller through TF_Status.
  if (Deno.env.get("TF_CPP_MIN_LOG_LEVEL") === undefined) Deno.env.set("TF_CPP_MIN_LOG_LEVEL", "3");
  let library: Deno.DynamicLibrary<typeof symbols>;
  try {
    const open = () => Deno.dlopen(location.main, symbols);
    library = Number(Deno.env.get("TF_CPP_MIN_LOG_LEVEL")) > 0 ? withQuietStderr(open) : open();
  } catch (cause) {
    throw new LibraryLoadError(
      `could not open ${location.main}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const version = readCString(library.symbols.TF_Version());
  if (!/^2\./.test(version)) {
    library.close();
    throw new LibraryLoadError(
      `${location.main} is TensorFlow ${version || "(unknown version)"}; portrait-gan needs 2.x`,
    );
  }
  applyLogLevel(location.main);
  opened = { symbols: library.symbols, version, location };
  return opened;
}

let logLibrary: Deno.DynamicLibrary<typeof logSymbols> | undefined;

function applyLogLevel(path: string): void {
  const level = Number(Deno.env.get("TF_CPP_MIN_LOG_LEVEL") ?? "3");
  try {
    logLibrary ??= Deno.dlopen(path, logSymbols);
    logLibrary.symbols.absl_SetMinLogLevel?.(
      Number.isFinite(level) ? Math.min(3, Math.max(0, level)) : 3,
    );
  } catch {
    // Another Abseil release: its chatter stays, nothing else changes.
  }
}

/** Changes TensorFlow's log threshold at run time (0 shows everything, e.g. for `--log-placement`). */
export function setTensorFlowLogLevel(level: 0 | 1 | 2 | 3): void {
  Deno.env.set("TF_CPP_MIN_LOG_LEVEL", String(level));
  if (opened) applyLogLevel(opened.location.main);
}

/** The opened library, finding it (without network) on first use. */
export function tensorFlow(): OpenedTensorFlow {
  if (opened) return opened;
  const location = findTensorFlow();
  if (!location) {
    throw new LibraryLoadError(
      "libtensorflow is not installed: run `deno task setup`, or set TF_LIBRARY_PATH to a libtensorflow.so.2",
    );
  }
  return openTensorFlow(location);
}

/** Shorthand for `tensorFlow().symbols`: the C functions. */
export function tf(): TensorFlowSymbols {
  return (opened ?? tensorFlow()).symbols;
}
