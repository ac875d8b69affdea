/**
 * Streaming extraction of selected files from a wheel (a zip file) with the
 * npm `yauzl` library. The TensorFlow wheel holds a 788 MB library, so data
 * only ever passes through in chunks: each entry is inflated, hashed and
 * written as it streams, then fsynced.
 *
 * Each extracted file is checked against the wheel's own `RECORD` (PEP 376:
 * SHA-256 and size of every file), which catches a damaged download that a
 * zip reader alone would not notice: yauzl checks sizes but not CRC-32.
 *
 * @module
 */

import yauzl from "yauzl";
import { createHash } from "node:crypto";

/** The part of yauzl's entry object used here. */
export interface ZipEntry {
  /** Path inside the archive. */
  fileName: string;
  /** Size once inflated. */
  uncompressedSize: number;
}

/** The part of yauzl's ZipFile used here (yauzl ships no types; these mirror its README). */
interface ZipFile {
  readEntry(): void;
  on(event: "entry", cb: (entry: ZipEntry) => void): void;
  on(event: "end", cb: () => void): void;
  on(event: "error", cb: (error: Error) => void): void;
  openReadStream(
    entry: ZipEntry,
    cb: (error: Error | null, stream: AsyncIterable<Uint8Array> & { destroy(): void }) => void,
  ): void;
  close(): void;
}

const openZip = (yauzl as unknown as {
  open(
    path: string,
    options: Record<string, boolean>,
    cb: (error: Error | null, zip: ZipFile) => void,
  ): void;
}).open;

/** One file to take out of the archive. */
export interface ExtractTarget {
  /** Entry name inside the zip, e.g. `tensorflow/libtensorflow_cc.so.2`. */
  entry: string;
  /** Destination path on disk (its folder must exist). */
  dest: string;
  /** When true, refuse the entry unless it starts with the ELF magic number. */
  requireElf?: boolean;
}

/** What was extracted. */
export interface ExtractedFile {
  /** Entry name inside the zip. */
  entry: string;
  /** Where it was written. */
  dest: string;
  /** Uncompressed size in bytes. */
  size: number;
  /** SHA-256 (hex) of the written bytes. */
  sha256: string;
}

/** An opened archive: the entry list (central directory only) and a way to stream entries. */
export class Wheel {
  private constructor(
    private readonly zip: ZipFile,
    /** Every entry of the archive by name (from the central directory). */
    readonly entries: Map<string, ZipEntry>,
  ) {}

  /** Opens `path` and reads its central directory (no file data yet). */
  static open(path: string): Promise<Wheel> {
    return new Promise((resolve, reject) => {
      openZip(path, { lazyEntries: true, autoClose: false }, (error, zip) => {
        if (error) {
          return reject(new Error(`${path} is not a readable zip/wheel: ${error.message}`));
        }
        const entries = new Map<string, ZipEntry>();
        zip.on("error", (e) => reject(new Error(`${path}: ${e.message}`)));
        zip.on("entry", (entry) => {
          entries.set(entry.fileName, entry);
          zip.readEntry();
        });
        zip.on("end", () => resolve(new Wheel(zip, entries)));
        zip.readEntry();
      });
    });
  }

  /** Entry names that match `pattern`. */
  names(pattern: RegExp): string[] {
    return [...this.entries.keys()].filter((n) => pattern.test(n));
  }

  /** A read stream of one entry's inflated bytes. */
  private stream(name: string): Promise<AsyncIterable<Uint8Array> & { destroy(): void }> {
    const entry = this.entries.get(name);
    if (!entry) return Promise.reject(new Error(`the wheel has no ${name}`));
    return new Promise((resolve, reject) => {
      this.zip.openReadStream(entry, (error, s) => error ? reject(error) : resolve(s));
    });
  }

  /** Reads a small entry (METADATA, RECORD) as text. */
  async readText(name: string, maxBytes = 16 << 20): Promise<string> {
    const entry = this.entries.get(name);
    if (entry && entry.uncompressedSize > maxBytes) throw new Error(`${name} is too large`);
    const chunks: Uint8Array[] = [];
    for await (const chunk of await this.stream(name)) chunks.push(chunk);
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) all.set(c, (at += c.length) - c.length);
    return new TextDecoder().decode(all);
  }

  /** The `.dist-info/RECORD` hashes, as entry name -> {sha256 hex, size}. Empty if absent. */
  async record(): Promise<Map<string, { sha256: string; size: number }>> {
    const out = new Map<string, { sha256: string; size: number }>();
    const name = this.names(/^[^/]+\.dist-info\/RECORD$/)[0];
    if (!name) return out;
    for (const line of (await this.readText(name)).split(/\r?\n/)) {
      // RECORD is CSV; file names in wheels we care about contain no commas or quotes.
      const m = /^(.*),sha256=([A-Za-z0-9_-]+),(\d+)$/.exec(line);
      if (!m) continue;
      out.set(m[1], { sha256: base64UrlToHex(m[2]), size: Number(m[3]) });
    }
    return out;
  }

  /**
   * Streams one entry to `target.dest`: chunks are hashed and written as they
   * come, the file is fsynced, and the hash is compared with `expected` (from
   * RECORD) when given. A failed entry leaves no file behind.
   */
  async extract(
    target: ExtractTarget,
    expected?: { sha256: string; size: number },
    onProgress?: (bytes: number) => void,
  ): Promise<ExtractedFile> {
    const stream = await this.stream(target.entry);
    const hash = createHash("sha256");
    const file = await Deno.open(target.dest, { write: true, create: true, truncate: true });
    let size = 0;
    try {
      try {
        for await (const chunk of stream) {
          if (size === 0 && target.requireElf && !isElf(chunk)) {
            throw new Error(`${target.entry} in the wheel is not an ELF shared library`);
          }
          hash.update(chunk);
          let written = 0;
          while (written < chunk.length) written += await file.write(chunk.subarray(written));
          size += chunk.length;
          onProgress?.(size);
        }
        await file.sync();
      } finally {
        file.close();
      }
      const sha256 = hash.digest("hex");
      if (target.requireElf && size === 0) throw new Error(`${target.entry} in the wheel is empty`);
      if (expected && (expected.sha256 !== sha256 || expected.size !== size)) {
        throw new Error(
          `${target.entry} does not match the wheel's RECORD ` +
            `(expected sha256 ${expected.sha256}, ${expected.size} bytes; ` +
            `got ${sha256}, ${size} bytes): the wheel is damaged`,
        );
      }
      return { entry: target.entry, dest: target.dest, size, sha256 };
    } catch (error) {
      stream.destroy();
      await Deno.remove(target.dest).catch(() => {});
      throw error;
    }
  }

  /** Closes the underlying file. */
  close(): void {
    this.zip.close();
  }
}

function isElf(chunk: Uint8Array): boolean {
  return chunk.length >= 4 && chunk[0] === 0x7f && chunk[1] === 0x45 && chunk[2] === 0x4c &&
    chunk[3] === 0x46;
}

/** RECORD uses urlsafe base64 without padding; hashes elsewhere are hex. */
function base64UrlToHex(b64: string): string {
  const std = b64.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(std + "=".repeat((4 - (std.length % 4)) % 4));
  return [...bin].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}
