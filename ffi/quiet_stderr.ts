/**
 * Silences file descriptor 2 around one call, through libc's dup/dup2.
 * libtensorflow prints its oneDNN notice while it is being loaded, before
 * any log setting can apply; this keeps that line off the user's terminal.
 *
 * @module
 */

const libcSymbols = {
  dup: { parameters: ["i32"], result: "i32" },
  dup2: { parameters: ["i32", "i32"], result: "i32" },
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
} as const;

/** Runs `fn` with stderr pointed at /dev/null, restoring it afterwards (also on error). */
export function withQuietStderr<T>(fn: () => T): T {
  let libc: Deno.DynamicLibrary<typeof libcSymbols>;
  try {
    libc = Deno.dlopen("libc.so.6", libcSymbols);
  } catch {
    return fn(); // not glibc: the notice stays, nothing else changes
  }
  const saved = libc.symbols.dup(2);
  const devNull = libc.symbols.open(new TextEncoder().encode("/dev/null\0"), 1 /* O_WRONLY */);
  if (saved < 0 || devNull < 0) {
    libc.close();
    return fn();
  }
  libc.symbols.dup2(devNull, 2);
  libc.symbols.close(devNull);
  try {
    return fn();
  } finally {
    libc.symbols.dup2(saved, 2);
    libc.symbols.close(saved);
    libc.close();
  }
}
