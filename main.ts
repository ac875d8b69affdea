/**
 * `deno run -A main.ts <command> [options]` (or `deno task <command>`): the
 * portrait-gan command-line program. Everything lives in `src/cli/main.ts`.
 *
 * @module
 */

import { main } from "./src/cli/main.ts";

if (import.meta.main) Deno.exit(await main(Deno.args));
