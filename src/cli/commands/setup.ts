/**
 * `setup [--gpu]`: obtain libtensorflow (TF_LIBRARY_PATH, the cache, or an
 * install into the cache) and print where it is.
 *
 * @module
 */

import { Command } from "@commander-js/extra-typings";
import { ensureTensorFlow, libraryEnvironment } from "../../../ffi/locate.ts";
import { addCommonOptions, booleanOption, effectiveOptions, print } from "../common.ts";
import { findNvidiaDriver } from "../library.ts";

/** Builds the `setup` command. */
export function setupCommand(): Command<any, any, any> {
  const cmd = new Command("setup")
    .description("obtain libtensorflow (once) and print where it is")
    .option("--gpu", "the CUDA build (tensorflow wheel plus the NVIDIA CUDA wheels)");
  addCommonOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Examples:
  deno task setup            # CPU build into ~/.cache/portrait-gan/
  deno task setup --gpu      # CUDA build, for --device gpu (needs the NVIDIA driver to run)
  TF_LIBRARY_PATH=/opt/libtensorflow deno task setup   # use your own copy`,
  );
  cmd.action(async () => {
    const o = await effectiveOptions(cmd);
    const gpu = booleanOption(o, "gpu") ?? false;
    if (gpu && findNvidiaDriver().found === false) {
      // Still allowed: a cache prepared here can be copied to a GPU machine.
      console.error(
        "warning: no NVIDIA driver found (nvidia-smi is missing): the CUDA build will not run " +
          "on this machine; obtaining it anyway (e.g. to copy the cache to a GPU machine)",
      );
    }
    const loc = await ensureTensorFlow({
      gpu,
      quiet: booleanOption(o, "quiet"),
    });
    print(`TensorFlow ${loc.version} (${loc.build}, from ${loc.source})`);
    print(`  library:   ${loc.main}`);
    print(`  framework: ${loc.framework}`);
    for (const [k, v] of Object.entries(libraryEnvironment(loc))) print(`  env: ${k}=${v}`);
  });
  return cmd;
}
