/**
 * `sample` with narrow permissions: new portraits from a run folder, for a
 * script that may read only the run (and the library) and write only the
 * output folder. The exact, tested command (tests/sample_permissions_test.ts):
 *
 * ```sh
 * deno run \
 *   --allow-read=<run>,<out>,$HOME/.cache/portrait-gan/libtensorflow-2.21.0-cpu \
 *   --allow-write=<out> --allow-ffi --allow-env \
 *   tasks/sample.ts --run <run> --out <out> [--count N] [--seed S] [--grid] \
 *   [--checkpoint K] [--interpolate <seedB> --frames N]
 * ```
 *
 * Why each permission:
 * - read `<run>`: run.json, the checkpoint's meta.json and tensors;
 * - read `<out>`: files are written to a temporary name and renamed into
 *   place (so an interrupted run leaves no half PNG), and Deno's rename needs
 *   read access to both names as well as write access;
 * - read the libtensorflow folder: finding the library stats its files (the
 *   folder `deno task info` prints; with TF_LIBRARY_PATH, that library's
 *   folder instead; with XDG_CACHE_HOME, `$XDG_CACHE_HOME/portrait-gan/...`);
 * - write `<out>`: the PNGs, grid.png, the interpolation frames and GIF;
 * - ffi (all): libtensorflow, libc (to quiet TensorFlow's start-up log), and
 *   imagescript's native PNG codec in Deno's npm cache;
 * - env: TF_LIBRARY_PATH, HOME/XDG_CACHE_HOME, TF_CPP_MIN_LOG_LEVEL.
 * No net, no run, no sys. Asking for `--out` outside the allowed folder ends
 * with a one-line error, exit code 1.
 *
 * The flags are those of `deno task sample` (see `--help`).
 *
 * @module
 */

import { main } from "../src/cli/main.ts";

if (import.meta.main) Deno.exit(await main(["sample", ...Deno.args]));
