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
import { symbols, type TensorFlowSymbols } from "./symbols.ts";
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
  // Must be set before the library loads, or TensorFlow's start-up chatter
  // (oneDNN notices, CPU feature lines) lands on every command's stderr.
  if (Deno.env.get("TF_CPP_MIN_LOG_LEVEL") === undefined) Deno.env.set("TF_CPP_MIN_LOG_LEVEL", "2");
  let library: Deno.DynamicLibrary<typeof symbols>;
  try {
    library = Deno.dlopen(location.main, symbols);
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
  opened = { symbols: library.symbols, version, location };
  return opened;
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
