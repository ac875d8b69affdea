/**
 * The portrait-gan command-line program: builds the commander program,
 * parses, runs one command, and maps whatever happened to an exit code.
 *
 * Exit codes: 0 success; 1 failure; 2 wrong usage (bad or missing flags,
 * including commander's own errors); 130 after Ctrl-C/SIGTERM stopped
 * training with a checkpoint. Errors are one line `error: <message>`; stack
 * traces appear only with `--debug`.
 *
 * This folder is the only place that knows commander, so that swapping the
 * parser later touches nothing else.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * Deno.exit(await main(["info"]));
 * ```
 * @module
 */

import { Command, CommanderError } from "@commander-js/extra-typings";
import denoJson from "../../deno.json" with { type: "json" };
import { LibraryLoadError } from "../../ffi/library.ts";
import { UserError } from "../util/errors.ts";
import { ExitRequest } from "./common.ts";
import { augmentCommand } from "./commands/augment.ts";
import { demoCommand } from "./commands/demo.ts";
import { evaluateCommand } from "./commands/evaluate.ts";
import { infoCommand } from "./commands/info.ts";
import { prepareCommand } from "./commands/prepare.ts";
import { sampleCommand } from "./commands/sample.ts";
import { setupCommand } from "./commands/setup.ts";
import { trainCommand } from "./commands/train.ts";

/** The program's version (from deno.json). */
export const VERSION: string = denoJson.version;

/** Commander error codes that mean "the program ran as asked" (help, version). */
const SUCCESS_CODES = new Set(["commander.helpDisplayed", "commander.version"]);

/** Builds the whole program, with every subcommand; parsing errors throw instead of exiting. */
export function buildProgram(): Command<any, any, any> {
  const program = new Command("portrait-gan")
    .description(
      "Train DCGANs on paintings with TensorFlow's C API from Deno, and sample new portraits.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .usage("<command> [options]")
    .showSuggestionAfterError(true);
  const commands = [
    setupCommand(),
    infoCommand(),
    prepareCommand(),
    augmentCommand(),
    trainCommand(),
    sampleCommand(),
    demoCommand(),
    // evaluate: the metrics are built in src/eval/ (evaluateRun); this only maps flags.
    evaluateCommand(),
  ];
  for (const cmd of commands) program.addCommand(cmd);
  program.addHelpText(
    "after",
    `
Examples:
  deno task demo                                   # fresh machine to generated portraits
  deno task prepare --input ./paintings --out datasets/p64 --size 64
  deno task train --data datasets/p64 --run runs/p64 --epochs 50
  deno task sample --run runs/p64 --out out --count 64 --grid
Run \`deno task <command> --help\` for a command's flags.`,
  );
  // Throw instead of exiting so main() decides the exit code, for every level.
  for (const cmd of [program, ...commands]) cmd.exitOverride();
  return program;
}

/** Writes one line to stderr. */
function printError(line: string): void {
  console.error(line);
}

/**
 * The exit code for `error` after reporting it. `debug` adds the stack trace.
 * Exported for tests and for entry scripts that run a command themselves.
 */
export function reportError(error: unknown, debug: boolean): number {
  if (error instanceof ExitRequest) return error.exitCode;
  if (error instanceof CommanderError) {
    // Commander has already printed its one-line message (or the help).
    if (SUCCESS_CODES.has(error.code)) return 0;
    return 2;
  }
  if (debug) {
    printError(error instanceof Error ? (error.stack ?? String(error)) : String(error));
  }
  if (error instanceof UserError) {
    if (!debug) printError(`error: ${error.message}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof LibraryLoadError) {
    if (!debug) printError(`error: ${message}`);
    return 1;
  }
  if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
    // Deno's message already names the path and the flag to add.
    if (!debug) printError(`error: ${message}`);
    return 1;
  }
  if (!debug) {
    printError(
      `error: ${message.split("\n")[0]} (unexpected; run again with --debug for details)`,
    );
  }
  return 1;
}

/** Runs the program on `args` (without the program name) and returns the exit code. */
export async function main(args: string[] = Deno.args): Promise<number> {
  const debug = args.includes("--debug");
  const program = buildProgram();
  if (args.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(args, { from: "user" });
    return 0;
  } catch (error) {
    return reportError(error, debug);
  }
}

if (import.meta.main) Deno.exit(await main());
