/**
 * Ctrl-C and SIGTERM for `prepare` and `augment`: the first signal asks the
 * run to stop dispatching new work; work already running finishes its atomic
 * writes, and the run then throws {@linkcode InterruptedError} (exit code
 * 130), whose one line says how far it got. Everything written so far is
 * reused by the next run. A second signal ends the process at once (the next
 * run removes the temporary files that leaves).
 *
 * @example
 * ```ts
 * import { StopRequest } from "./interrupt.ts";
 * const stop = new StopRequest();
 * try {
 *   for (const job of jobs) {
 *     if (stop.requested) throw stop.error(done, jobs.length);
 *     await run(job);
 *   }
 * } finally {
 *   stop.close();
 * }
 * ```
 * @module
 */

import { UserError } from "../util/errors.ts";

/** A run stopped by SIGINT/SIGTERM (or an aborted {@linkcode AbortSignal}); exit code 130. */
export class InterruptedError extends UserError {
  /** Items finished before the run stopped. */
  readonly done: number;
  /** Items the run had to do. */
  readonly total: number;
  /** Creates the error for `done` of `total` items; the message is the one line the user sees. */
  constructor(done: number, total: number, what = "images") {
    super(
      `interrupted: ${done} of ${total} ${what} done; run the same command again to continue`,
      { exitCode: 130 },
    );
    this.name = "InterruptedError";
    this.done = done;
    this.total = total;
  }
}

const SIGNALS: Deno.Signal[] = ["SIGINT", "SIGTERM"];

/** Listens for SIGINT/SIGTERM (and an optional abort signal) until {@linkcode close}. */
export class StopRequest {
  #requested = false;
  #count = 0;
  #installed: Deno.Signal[] = [];
  #abort?: AbortSignal;
  #onAbort = () => {
    this.#requested = true;
  };
  #onSignal = () => {
    this.#count++;
    this.#requested = true;
    if (this.#count === 1) {
      console.error("\nstopping: letting running work finish (press Ctrl-C again to quit now)...");
    } else {
      console.error("stopped at once; run the same command again to continue");
      Deno.exit(130);
    }
  };

  /** Starts listening; `abort` (for tests and embedders) stops the run like a signal does. */
  constructor(abort?: AbortSignal) {
    for (const sig of SIGNALS) {
      try {
        Deno.addSignalListener(sig, this.#onSignal);
        this.#installed.push(sig);
      } catch { /* signal not supported here (SIGTERM on Windows) */ }
    }
    if (abort) {
      this.#abort = abort;
      if (abort.aborted) this.#requested = true;
      else abort.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** Whether the run should stop dispatching new work. */
  get requested(): boolean {
    return this.#requested;
  }

  /** The error to throw once running work has finished. */
  error(done: number, total: number, what?: string): InterruptedError {
    return new InterruptedError(done, total, what);
  }

  /** Throws {@linkcode InterruptedError} when a stop was requested. */
  check(done: number, total: number, what?: string): void {
    if (this.#requested) throw this.error(done, total, what);
  }

  /** Stops listening (the default signal behaviour returns). */
  close(): void {
    for (const sig of this.#installed) Deno.removeSignalListener(sig, this.#onSignal);
    this.#installed = [];
    this.#abort?.removeEventListener("abort", this.#onAbort);
  }
}
