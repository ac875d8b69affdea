/**
 * TF_Status and the error it turns into.
 *
 * @module
 */

import { readCString } from "../../ffi/c.ts";
import { tf } from "../../ffi/library.ts";
import { NativeHandle } from "./native.ts";

/** TensorFlow's status codes (`TF_Code`), by number. */
export const STATUS_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** An error reported by TensorFlow: its code's name and TensorFlow's own message. */
export class TensorFlowError extends Error {
  /** The numeric `TF_Code`. */
  readonly code: number;
  /** The code's name, e.g. "INVALID_ARGUMENT". */
  readonly codeName: string;
  /** Creates the error; `context`, when given, prefixes the message (e.g. the failing op). */
  constructor(code: number, message: string, context?: string) {
    const codeName = STATUS_CODES[code] ?? `CODE_${code}`;
    super(`${context ? context + ": " : ""}${codeName}: ${message}`);
    this.name = "TensorFlowError";
    this.code = code;
    this.codeName = codeName;
  }
}

/** A `TF_Status`, reusable across calls. */
export class Status extends NativeHandle {
  constructor() {
    super("Status", tf().TF_NewStatus()!, (p) => tf().TF_DeleteStatus(p));
  }

  /** The current code (0 is OK). */
  get code(): number {
    return tf().TF_GetCode(this.pointer);
  }

  /** Throws a {@linkcode TensorFlowError} when the last call failed. */
  check(context?: string): void {
    const code = this.code;
    if (code !== 0) {
      throw new TensorFlowError(code, readCString(tf().TF_Message(this.pointer)), context);
    }
  }
}

/** Runs `fn` with a fresh status and throws if it reports an error. */
export function withStatus<T>(
  context: string,
  fn: (status: NonNullable<Deno.PointerValue>) => T,
): T {
  using status = new Status();
  const result = fn(status.pointer);
  status.check(context);
  return result;
}
