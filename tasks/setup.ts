/**
 * `deno run -A tasks/setup.ts [--gpu] [--quiet]`: obtains libtensorflow
 * (TF_LIBRARY_PATH, the cache, or an install into the cache) and prints
 * where it is. All the logic lives in `ffi/locate.ts`; the CLI's `setup`
 * command calls the same function.
 *
 * @module
 */

import { ensureTensorFlow, libraryEnvironment } from "../ffi/locate.ts";
import { UserError } from "../src/util/errors.ts";

const args = new Set(Deno.args);
for (const a of args) {
  if (a !== "--gpu" && a !== "--quiet") {
    console.error(`unknown option ${a}; usage: deno run -A tasks/setup.ts [--gpu] [--quiet]`);
    Deno.exit(2);
  }
}

try {
  const loc = await ensureTensorFlow({ gpu: args.has("--gpu"), quiet: args.has("--quiet") });
  console.log(`TensorFlow ${loc.version} (${loc.build}, from ${loc.source})`);
  console.log(`  library:   ${loc.main}`);
  console.log(`  framework: ${loc.framework}`);
  for (const [k, v] of Object.entries(libraryEnvironment(loc))) console.log(`  env: ${k}=${v}`);
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  console.error(error.message);
  Deno.exit(error.exitCode);
}
