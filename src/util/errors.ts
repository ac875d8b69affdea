/**
 * User-facing errors. A {@linkcode UserError} is a problem the user can fix
 * (bad path, bad flag, corrupted file): the CLI prints its message on one line
 * with no stack trace and exits with its `exitCode`.
 *
 * @example
 * ```ts
 * import { UserError } from "./errors.ts";
 * throw new UserError("input folder not found: ./paintings (pass --input <dir>)");
 * ```
 * @module
 */

/** An error whose message alone tells the user what is wrong and how to fix it. */
export class UserError extends Error {
  /** Process exit code: 1 for failures, 2 for wrong usage. */
  readonly exitCode: number;
  /** Creates the error; `message` should name the problem and the fix in one line. */
  constructor(message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.name = "UserError";
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** A {@linkcode UserError} for wrong command-line usage (exit code 2). */
export class UsageError extends UserError {
  /** Creates the error with exit code 2. */
  constructor(message: string) {
    super(message, { exitCode: 2 });
    this.name = "UsageError";
  }
}
