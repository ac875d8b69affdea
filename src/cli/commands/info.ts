/**
 * `info`: what this machine gives TensorFlow — version, library files and
 * where they came from, the devices a session sees, oneDNN, threads, cache.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { tensorFlow } from "../../../ffi/library.ts";
import { cacheDirFor, cacheRoot, TENSORFLOW_VERSION } from "../../../ffi/locate.ts";
import { sessionConfig } from "../../gan/devices.ts";
import { Graph } from "../../tf/graph.ts";
import { Session } from "../../tf/session.ts";
import {
  addCommonOptions,
  addDeviceOptions,
  booleanOption,
  deviceOptions,
  effectiveOptions,
  ExitRequest,
  print,
} from "../common.ts";
import { loadTensorFlow } from "../library.ts";

const SOURCES = {
  env: "TF_LIBRARY_PATH",
  cache: "the cache",
  installed: "installed into the cache just now",
} as const;

/**
 * Whether TensorFlow's oneDNN (MKL-DNN) CPU kernels are on: TensorFlow turns
 * them on by default on x86-64 (TF_ENABLE_ONEDNN_OPTS unset or "1") and off
 * elsewhere unless asked for; "0" turns them off.
 */
export function oneDnnState(
  env: string | undefined = Deno.env.get("TF_ENABLE_ONEDNN_OPTS"),
  arch: string = Deno.build.arch,
): { on: boolean; why: string } {
  if (env === "0") return { on: false, why: "TF_ENABLE_ONEDNN_OPTS=0" };
  if (env === "1") return { on: true, why: "TF_ENABLE_ONEDNN_OPTS=1" };
  return arch === "x86_64"
    ? { on: true, why: "default on x86-64; TF_ENABLE_ONEDNN_OPTS=0 turns it off" }
    : { on: false, why: `default on ${arch}; TF_ENABLE_ONEDNN_OPTS=1 turns it on` };
}

function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(0)} MiB`;
  return `${n} B`;
}

/** Builds the `info` command. */
export function infoCommand(): Command<any, any, any> {
  const cmd = new Command("info").description(
    "show TensorFlow's version, library files, devices, oneDNN, threads and the cache folder",
  );
  addDeviceOptions(cmd);
  addCommonOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  deno task info
  deno task info --device gpu --gpus 0      # what a GPU run would see
  deno task info --threads 2                # the thread settings train would use`,
  );
  cmd.action(async () => {
    const o = await effectiveOptions(cmd);
    const dev = deviceOptions(o);
    const loaded = await loadTensorFlow(dev, { quiet: booleanOption(o, "quiet") });
    if (loaded.kind === "reexecuted") throw new ExitRequest(loaded.exitCode);
    const loc = loaded.location;
    const lib = tensorFlow();
    print(
      `TensorFlow ${lib.version} (${loc.build} build; portrait-gan is built for ${TENSORFLOW_VERSION})`,
    );
    print(`library:   ${loc.main}`);
    print(`framework: ${loc.framework}`);
    print(`found via: ${SOURCES[loc.source]}`);
    if (loc.extraLibraryDirs.length) print(`CUDA libs: ${loc.extraLibraryDirs.join(", ")}`);

    const config = sessionConfig(dev);
    const graph = new Graph();
    try {
      const session = new Session(graph, config);
      try {
        print("devices:");
        for (const d of session.devices()) {
          print(`  ${d.type.padEnd(4)} ${d.name}  memory ${formatBytes(d.memoryBytes)}`);
        }
      } finally {
        session.dispose();
      }
    } finally {
      graph.dispose();
    }
    const dnn = oneDnnState();
    print(`oneDNN:    ${dnn.on ? "on" : "off"} (${dnn.why})`);
    print(
      `threads:   intra-op ${config.intraOpThreads}, inter-op ${config.interOpThreads} ` +
        `(navigator.hardwareConcurrency = ${navigator.hardwareConcurrency}; --threads and --inter-op-threads change them)`,
    );
    print(`cache:     ${cacheRoot()}`);
    print(`           CPU build: ${cacheDirFor("cpu")}`);
    print(`           GPU build: ${cacheDirFor("gpu")}`);
  });
  return cmd;
}
