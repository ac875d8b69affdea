/**
 * Where libtensorflow is, and getting it when it is nowhere.
 *
 * Order (issue 2):
 * 1. `TF_LIBRARY_PATH`: a `libtensorflow.so.2` / `libtensorflow_cc.so.2`
 *    file with `libtensorflow_framework.so.2` beside it, the folder of an
 *    official libtensorflow tarball (`lib/libtensorflow.so.2`), or a folder
 *    that directly holds the two libraries. Set but wrong is an error, never
 *    a silent fall-through: the user asked for that library.
 * 2. The per-version cache folder, {@linkcode cacheDirFor}.
 * 3. Installing the `tensorflow-cpu` (or, with `gpu`, `tensorflow` plus CUDA)
 *    wheel into that folder, see `install/install.ts`.
 *
 * {@linkcode findTensorFlow} does 1 and 2 (synchronous, no network), so that
 * the loader can use it anywhere; {@linkcode ensureTensorFlow} adds 3.
 *
 * @example
 * ```ts
 * import { ensureTensorFlow } from "./locate.ts";
 * const loc = await ensureTensorFlow();
 * console.log(loc.main, loc.source);
 * ```
 * @module
 */

import { UserError } from "../src/util/errors.ts";
import { InstallFailedError, installTensorFlow, readRecord } from "./install/install.ts";

/** The TensorFlow version this project is built and tested against. */
export const TENSORFLOW_VERSION = "2.21.0";

/** Where the libraries are and how they were found. */
export interface LibraryLocation {
  /** Absolute path of the library to `dlopen` (it exports the C API). */
  main: string;
  /** Absolute path of `libtensorflow_framework.so.2`, beside `main`. */
  framework: string;
  /** `env`: TF_LIBRARY_PATH; `cache`: found in the cache; `installed`: installed by this call. */
  source: "env" | "cache" | "installed";
  /** Which build: from `install.json` when there is one, else the build that was asked for. */
  build: "cpu" | "gpu";
  /**
   * TensorFlow version from `install.json` or the cache folder's name;
   * `"unknown"` for a TF_LIBRARY_PATH library without `install.json`
   * (`TF_Version()` after loading is the authority).
   */
  version: string;
  /**
   * Folders that must be on `LD_LIBRARY_PATH` before the process starts
   * (the CUDA runtime of the GPU build); empty for CPU.
   * See {@linkcode libraryEnvironment}.
   */
  extraLibraryDirs: string[];
}

/** File names per platform: the main library (in order of preference) and the framework library. */
function libraryNames(): { main: string[]; framework: string } {
  return Deno.build.os === "darwin"
    ? {
      main: ["libtensorflow.2.dylib", "libtensorflow_cc.2.dylib"],
      framework: "libtensorflow_framework.2.dylib",
    }
    : {
      main: ["libtensorflow.so.2", "libtensorflow_cc.so.2"],
      framework: "libtensorflow_framework.so.2",
    };
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile; // follows symlinks, as dlopen does
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function dirname(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function absolute(path: string): string {
  const abs = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
  return abs.replace(/\/+$/, "") || "/";
}

/**
 * The cache root: `$XDG_CACHE_HOME/portrait-gan`, or `~/.cache/portrait-gan`
 * (XDG Base Directory spec: a relative XDG_CACHE_HOME is ignored).
 */
export function cacheRoot(): string {
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg && xdg.startsWith("/")) return `${xdg.replace(/\/+$/, "")}/portrait-gan`;
  const home = Deno.env.get("HOME");
  if (!home) {
    throw new UserError("cannot find the cache folder: neither XDG_CACHE_HOME nor HOME is set");
  }
  return `${home.replace(/\/+$/, "")}/.cache/portrait-gan`;
}

/**
 * The cache folder of one version and build, e.g.
 * `~/.cache/portrait-gan/libtensorflow-2.21.0-cpu`. Version and build are in
 * the name so that different ones never mix.
 */
export function cacheDirFor(
  build: "cpu" | "gpu",
  version: string = TENSORFLOW_VERSION,
  root: string = cacheRoot(),
): string {
  return `${root}/libtensorflow-${version}-${build}`;
}

/** The main and framework library found in a folder, or what is missing. */
function resolveFolder(dir: string): { main: string; framework: string } | { missing: string } {
  const names = libraryNames();
  for (const sub of ["", "/lib"]) {
    for (const main of names.main) {
      if (isFile(`${dir}${sub}/${main}`)) {
        const framework = `${dir}${sub}/${names.framework}`;
        if (!isFile(framework)) {
          return {
            missing: `${framework} (the framework library must sit beside ${dir}${sub}/${main})`,
          };
        }
        return { main: `${dir}${sub}/${main}`, framework };
      }
    }
  }
  return {
    missing: `${names.main.join(" or ")} with ${names.framework}, ` +
      `directly in ${dir} or in ${dir}/lib (the layout of an official libtensorflow tarball)`,
  };
}

/**
 * Resolves a TF_LIBRARY_PATH value to the two libraries, or throws a
 * {@linkcode UserError} naming the path and what is missing.
 */
export function resolveLibraryPath(value: string): { main: string; framework: string } {
  const path = absolute(value);
  const names = libraryNames();
  const hint = "Point TF_LIBRARY_PATH at libtensorflow.so.2 or libtensorflow_cc.so.2 " +
    `(with ${names.framework} beside it) or at the folder of a libtensorflow tarball, ` +
    "or unset it to use the cache and automatic install.";
  if (isDirectory(path)) {
    const found = resolveFolder(path);
    if ("missing" in found) {
      throw new UserError(
        `TF_LIBRARY_PATH=${value}: this folder has no TensorFlow library; ` +
          `looked for ${found.missing}. ${hint}`,
      );
    }
    return found;
  }
  if (!isFile(path)) {
    throw new UserError(`TF_LIBRARY_PATH=${value}: no such file or folder. ${hint}`);
  }
  if (basename(path) === names.framework) {
    throw new UserError(
      `TF_LIBRARY_PATH=${value} is the framework library; point it at the main ` +
        `library beside it (${names.main.join(" or ")}) instead.`,
    );
  }
  const framework = `${dirname(path)}/${names.framework}`;
  if (!isFile(framework)) {
    throw new UserError(
      `TF_LIBRARY_PATH=${value}: ${framework} is missing; ` +
        `libtensorflow needs ${names.framework} in the same folder. ${hint}`,
    );
  }
  return { main: path, framework };
}

/** Options shared by {@linkcode findTensorFlow} and {@linkcode ensureTensorFlow}. */
export interface FindOptions {
  /** Look for (or install) the CUDA build. */
  gpu?: boolean;
  /** Use this cache root instead of {@linkcode cacheRoot} (tests). */
  cacheRoot?: string;
  /** Use this instead of the `TF_LIBRARY_PATH` variable; `null` ignores the variable. */
  libraryPath?: string | null;
}

/** The CUDA folder of a GPU install, when there is one. */
function cudaDirs(dir: string): string[] {
  return isDirectory(`${dir}/cuda`) ? [`${dir}/cuda`] : [];
}

/** The folder at `dir` as a location, or null when it is not a complete install. */
function cacheLocation(
  dir: string,
  build: "cpu" | "gpu",
  source: "cache" | "installed",
): LibraryLocation | null {
  const found = resolveFolder(dir);
  if ("missing" in found) return null;
  const record = readRecord(dir);
  // A GPU folder written by the installer is only complete with its CUDA libraries.
  if (build === "gpu" && record?.build === "gpu" && cudaDirs(dir).length === 0) return null;
  return {
    ...found,
    source,
    build: record?.build ?? build,
    version: record?.version ?? TENSORFLOW_VERSION,
    extraLibraryDirs: build === "gpu" ? cudaDirs(dir) : [],
  };
}

/**
 * Finds libtensorflow without installing anything: TF_LIBRARY_PATH, then
 * the cache. Synchronous and offline, so the loader may call it anywhere.
 *
 * @returns the location, or null when it is in neither place.
 * @throws {UserError} when TF_LIBRARY_PATH is set but does not hold a library.
 */
export function findTensorFlow(opts: FindOptions = {}): LibraryLocation | null {
  const build = opts.gpu ? "gpu" : "cpu";
  const fromEnv = opts.libraryPath === undefined
    ? Deno.env.get("TF_LIBRARY_PATH")
    : opts.libraryPath;
  if (fromEnv) {
    const { main, framework } = resolveLibraryPath(fromEnv);
    const record = readRecord(dirname(main));
    return {
      main,
      framework,
      source: "env",
      build: record?.build ?? build,
      version: record?.version ?? "unknown",
      extraLibraryDirs: cudaDirs(dirname(main)),
    };
  }
  return cacheLocation(
    cacheDirFor(build, TENSORFLOW_VERSION, opts.cacheRoot ?? cacheRoot()),
    build,
    "cache",
  );
}

/** Options of {@linkcode ensureTensorFlow}. */
export interface EnsureOptions extends FindOptions {
  /** No progress lines. */
  quiet?: boolean;
  /** Where progress lines go (default: stderr). */
  log?: (line: string) => void;
  /** false: never run pip, go straight to the index (tests). Default: use pip when present. */
  usePip?: boolean;
  /** Base URL of the simple index for the no-pip path (default `PORTRAIT_GAN_INDEX_URL`, `PIP_INDEX_URL`, PyPI). */
  indexUrl?: string;
}

/** The "three ways to fix it" text, shared by every failure to obtain the library. */
export function howToFix(build: "cpu" | "gpu", root?: string): string {
  const dir = cacheDirFor(build, TENSORFLOW_VERSION, root ?? cacheRoot());
  const wheel = build === "gpu" ? "tensorflow" : "tensorflow-cpu";
  return [
    "Fix it in one of three ways:",
    "  1. set TF_LIBRARY_PATH to a libtensorflow 2.x: a libtensorflow.so.2 or libtensorflow_cc.so.2 " +
    "file (with libtensorflow_framework.so.2 beside it), or the folder of an official " +
    "libtensorflow tarball;",
    `  2. put libtensorflow_cc.so.2 and libtensorflow_framework.so.2 (from the ${wheel} ` +
    `${TENSORFLOW_VERSION} wheel's tensorflow/ folder) into ${dir}/;`,
    "  3. make pip or the package index reachable (pip's config, PIP_INDEX_URL, " +
    "PORTRAIT_GAN_INDEX_URL or HTTPS_PROXY) and run `deno task setup" +
    (build === "gpu" ? " --gpu`." : "`."),
  ].join("\n");
}

/**
 * Finds libtensorflow like {@linkcode findTensorFlow}, and installs it into
 * the cache when it is not there (pip download, else the simple index over
 * HTTPS; hash-checked; streamed; renamed into place when complete). Safe to
 * run from several processes at once.
 *
 * @throws {UserError} when TF_LIBRARY_PATH is wrong, when a download's hash
 *   differs from the index's, or when nothing worked (the message names
 *   the three ways to fix it).
 */
export async function ensureTensorFlow(opts: EnsureOptions = {}): Promise<LibraryLocation> {
  const found = findTensorFlow(opts);
  if (found) return found;
  const build = opts.gpu ? "gpu" : "cpu";
  const root = opts.cacheRoot ?? cacheRoot();
  const targetDir = cacheDirFor(build, TENSORFLOW_VERSION, root);
  const log = opts.quiet
    ? () => {}
    : (opts.log ?? ((line: string) => console.error(`setup: ${line}`)));
  log(`TensorFlow ${TENSORFLOW_VERSION} (${build}) is not in ${targetDir}; installing it`);
  try {
    await installTensorFlow({
      build,
      version: TENSORFLOW_VERSION,
      cacheRoot: root,
      targetDir,
      usePip: opts.usePip,
      indexUrl: opts.indexUrl,
      isComplete: (dir) => cacheLocation(dir, build, "cache") !== null,
      log,
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    const what =
      `TensorFlow ${TENSORFLOW_VERSION} (${build}) was not found and could not be installed`;
    const detail = error instanceof InstallFailedError
      ? error.reasons.map((r) => `  - ${r}`).join("\n")
      : `  - ${(error as Error).message}`;
    throw new UserError(`${what}:\n${detail}\n${howToFix(build, root)}`, { cause: error });
  }
  const installed = cacheLocation(targetDir, build, "installed");
  if (!installed) {
    throw new UserError(
      `the install into ${targetDir} finished but the folder is incomplete.\n` +
        howToFix(build, root),
    );
  }
  return installed;
}

/**
 * Environment variables the process must start with for `loc` to load: for
 * the GPU build, `LD_LIBRARY_PATH` with the CUDA folder first (TensorFlow
 * dlopens the CUDA libraries by bare name, and the dynamic loader reads
 * `LD_LIBRARY_PATH` only at process start, so setting it later has no
 * effect), `PATH` with its `bin/` (ptxas) and `XLA_FLAGS` pointing XLA at
 * libdevice. Empty for the CPU build.
 *
 * The CLI re-executes itself with these variables when
 * {@linkcode needsLibraryEnvironment} says the current process lacks them.
 */
export function libraryEnvironment(loc: LibraryLocation): Record<string, string> {
  if (loc.extraLibraryDirs.length === 0) return {};
  const join = (dirs: string[], current?: string) =>
    [...dirs, ...(current ?? "").split(":").filter((d) => d && !dirs.includes(d))].join(":");
  const env: Record<string, string> = {
    LD_LIBRARY_PATH: join(loc.extraLibraryDirs, Deno.env.get("LD_LIBRARY_PATH")),
  };
  const bins = loc.extraLibraryDirs.map((d) => `${d}/bin`).filter(isDirectory);
  if (bins.length) env.PATH = join(bins, Deno.env.get("PATH"));
  const data = loc.extraLibraryDirs.find((d) => isDirectory(`${d}/nvvm/libdevice`));
  const xla = Deno.env.get("XLA_FLAGS") ?? "";
  if (data && !xla.includes("--xla_gpu_cuda_data_dir")) {
    env.XLA_FLAGS = `${xla} --xla_gpu_cuda_data_dir=${data}`.trim();
  }
  return env;
}

/** Whether the current process lacks part of {@linkcode libraryEnvironment} (then re-exec). */
export function needsLibraryEnvironment(loc: LibraryLocation): boolean {
  const current = (Deno.env.get("LD_LIBRARY_PATH") ?? "").split(":");
  return loc.extraLibraryDirs.some((d) => !current.includes(d));
}
