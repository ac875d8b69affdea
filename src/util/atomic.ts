/**
 * Atomic file writes: data goes to a temporary name beside the target, is
 * synced, then renamed over the target, so a killed process leaves either the
 * old file or the new one, never half of one.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * await writeFileAtomic("/tmp/hello.txt", new TextEncoder().encode("hi"));
 * ```
 * @module
 */

let counter = 0;

/** A temporary path beside `path`, unique to this process and call. */
export function temporaryPathFor(path: string): string {
  counter += 1;
  return `${path}.tmp-${Deno.pid}-${counter}`;
}

/** Writes `data` to `path` atomically (temporary file, fsync, rename). */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const tmp = temporaryPathFor(path);
  try {
    const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
    try {
      let written = 0;
      while (written < data.length) written += await file.write(data.subarray(written));
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** Writes UTF-8 `text` to `path` atomically. */
export function writeTextFileAtomic(path: string, text: string): Promise<void> {
  return writeFileAtomic(path, new TextEncoder().encode(text));
}

/** Synchronous variant of {@linkcode writeFileAtomic}, for signal handlers and exit paths. */
export function writeFileAtomicSync(path: string, data: Uint8Array): void {
  const tmp = temporaryPathFor(path);
  try {
    const file = Deno.openSync(tmp, { write: true, create: true, truncate: true });
    try {
      let written = 0;
      while (written < data.length) written += file.writeSync(data.subarray(written));
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(tmp, path);
  } catch (error) {
    try {
      Deno.removeSync(tmp);
    } catch { /* already gone */ }
    throw error;
  }
}

/** Fsyncs a directory so that a rename inside it survives a crash. */
export async function syncDirectory(path: string): Promise<void> {
  try {
    const dir = await Deno.open(path, { read: true });
    try {
      await dir.sync();
    } finally {
      dir.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  }
}
