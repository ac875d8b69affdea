/**
 * Where training runs: CPU threads, or CUDA GPUs with memory growth and a
 * visible-device list. The graph is the same on both; only the session
 * config differs.
 *
 * @module
 */

import type { SessionConfig } from "../tf/config_proto.ts";

/** Device and threading flags shared by train, sample and bench. */
export interface DeviceOptions {
  /** "cpu" hides GPUs; "gpu" uses the CUDA build (see `setup --gpu`); "auto" (default) uses what the library sees. */
  device?: "cpu" | "gpu" | "auto";
  /** GPUs this process may use, e.g. "0" or "0,1". */
  visibleGpus?: string;
  /** Threads inside one op (default: all cores). */
  threads?: number;
  /** Ops run side by side (default 1: a DCGAN step is a chain, and extra pools only compete for cores). */
  interOpThreads?: number;
  /** Print where each op runs. */
  logPlacement?: boolean;
}

/** The session config for `options`. */
export function sessionConfig(options: DeviceOptions): SessionConfig {
  return {
    intraOpThreads: options.threads ?? navigator.hardwareConcurrency,
    interOpThreads: options.interOpThreads ?? 1,
    allowSoftPlacement: true,
    logDevicePlacement: options.logPlacement ?? false,
    allowGrowth: options.device !== "cpu" ? true : undefined,
    visibleDevices: options.visibleGpus,
    deviceCount: options.device === "cpu" ? { GPU: 0 } : undefined,
  };
}
