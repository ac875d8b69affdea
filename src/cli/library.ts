/**
 * Getting the right libtensorflow loaded before a command builds a graph:
 * find or install it, and for the CUDA build make sure the process started
 * with the CUDA libraries on `LD_LIBRARY_PATH`.
 *
 * Why a re-exec: TensorFlow dlopens the CUDA libraries by bare name, and the
 * dynamic loader reads `LD_LIBRARY_PATH` only when a process starts, so
 * setting it with `Deno.env.set` is too late. The CLI therefore starts itself
 * once more with {@linkcode libraryEnvironment} merged into the environment,
 * guarded by {@linkcode REEXEC_MARKER} so that it can never loop.
 *
 * NOT verified on a GPU machine (the build machines have none); the CPU path
 * never re-executes because the CPU build needs no extra environment.
 *
 * @module
 */

import { openTensorFlow } from "../../ffi/library.ts";
import {
  ensureTensorFlow,
  libraryEnvironment,
  type LibraryLocation,
  needsLibraryEnvironment,
} from "../../ffi/locate.ts";
import type { DeviceOptions } from "../gan/devices.ts";
import { UserError } from "../util/errors.ts";

/** Environment variable set in the re-executed child, so that it never re-executes again. */
export const REEXEC_MARKER = "PORTRAIT_GAN_REEXECUTED";

/** What {@linkcode loadTensorFlow} decided. */
export type LoadResult =
  | { kind: "loaded"; location: LibraryLocation }
  | { kind: "reexecuted"; exitCode: number };

const ALL_PERMISSIONS: Deno.PermissionName[] = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "ffi",
  "sys",
];

function hasAllPermissions(): boolean {
  try {
    return ALL_PERMISSIONS.every((name) =>
      Deno.permissions.querySync({ name } as Deno.PermissionDescriptor).state === "granted"
    );
  } catch {
    return false;
  }
}

function scriptPath(): string {
  const url = new URL(Deno.mainModule);
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : Deno.mainModule;
}

/**
 * Runs this same command again with `env` added, forwarding SIGINT/SIGTERM
 * (so that a training child still writes its checkpoint) and returning the
 * child's exit code.
 */
async function reexec(env: Record<string, string>): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", scriptPath(), ...Deno.args],
    env: { ...env, [REEXEC_MARKER]: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // A Ctrl-C on a terminal reaches the child too (same process group); a
  // signal sent to this process alone is passed on. The trainer ignores a
  // second signal, so receiving both is harmless.
  const forward = (sig: Deno.Signal) => () => {
    try {
      child.kill(sig);
    } catch { /* already gone */ }
  };
  const handlers = (["SIGINT", "SIGTERM"] as const).map((sig) => [sig, forward(sig)] as const);
  for (const [sig, h] of handlers) Deno.addSignalListener(sig, h);
  try {
    const status = await child.status;
    return status.signal ? 128 + (status.signal === "SIGINT" ? 2 : 15) : status.code;
  } finally {
    for (const [sig, h] of handlers) Deno.removeSignalListener(sig, h);
  }
}

/** What {@linkcode findNvidiaDriver} saw. */
export type DriverCheck =
  | { found: true; where: string }
  | { found: false }
  | { found: "unknown"; why: string };

/**
 * Looks for an NVIDIA driver without running anything: the kernel module's
 * `/proc/driver/nvidia/version`, or `nvidia-smi` in a folder of `PATH`.
 * "unknown" when this process may not look (narrow permissions), so the
 * caller can go on rather than refuse a machine that may have one.
 */
export function findNvidiaDriver(
  path: string | undefined = safeEnv("PATH"),
  procFile = "/proc/driver/nvidia/version",
): DriverCheck {
  let denied = "";
  const exists = (file: string): boolean => {
    try {
      Deno.statSync(file);
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.NotCapable || e instanceof Deno.errors.PermissionDenied) {
        denied ||= file;
      }
      return false;
    }
  };
  if (exists(procFile)) return { found: true, where: procFile };
  for (const dir of (path ?? "").split(":").filter((d) => d)) {
    const smi = `${dir.replace(/\/+$/, "")}/nvidia-smi`;
    if (exists(smi)) return { found: true, where: smi };
  }
  return denied ? { found: "unknown", why: `may not read ${denied}` } : { found: false };
}

function safeEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/** The one line `--device gpu` fails with on a machine without an NVIDIA driver. */
export const NO_DRIVER_MESSAGE =
  "--device gpu: no NVIDIA driver found (nvidia-smi is missing); install the driver, or use --device cpu";

/**
 * Finds (installing when `install`, the default) the library that `device`
 * needs, opens it, and for the CUDA build re-executes the command when the
 * process lacks the library environment.
 *
 * @throws {UserError} when `--device gpu` is asked for on a machine with no
 *   NVIDIA driver, when the library cannot be found or the environment
 *   cannot be fixed by a re-exec (narrow permissions, or already re-executed).
 */
export async function loadTensorFlow(
  device: DeviceOptions,
  opts: { quiet?: boolean; log?: (line: string) => void } = {},
): Promise<LoadResult> {
  const gpu = device.device === "gpu";
  // Before the multi-GB CUDA download: without a driver it could never run.
  if (gpu && findNvidiaDriver().found === false) throw new UserError(NO_DRIVER_MESSAGE);
  const location = await ensureTensorFlow({ gpu, quiet: opts.quiet, log: opts.log });
  if (needsLibraryEnvironment(location)) {
    const env = libraryEnvironment(location);
    const assignments = Object.entries(env).map(([k, v]) => `${k}='${v}'`).join(" ");
    if (Deno.env.get(REEXEC_MARKER) === "1") {
      throw new UserError(
        `the CUDA libraries in ${
          location.extraLibraryDirs.join(", ")
        } are still not on LD_LIBRARY_PATH after a restart; start the command as: ${assignments} <command>`,
      );
    }
    if (!hasAllPermissions()) {
      throw new UserError(
        `the GPU build needs the CUDA libraries on LD_LIBRARY_PATH when the process starts, and this script may not restart itself (it runs with narrow permissions): start it as ${assignments} <command>`,
      );
    }
    return { kind: "reexecuted", exitCode: await reexec(env) };
  }
  // Open exactly this build now: later lazy lookups would find the CPU cache first.
  openTensorFlow(location);
  return { kind: "loaded", location };
}
