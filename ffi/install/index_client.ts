/**
 * The "no pip" path: read a project page of a Python simple index (PEP 503
 * HTML or PEP 691 JSON) with `fetch`, pick a wheel, and stream it to disk
 * while hashing it, refusing it when the hash differs from the one the index
 * publishes.
 *
 * `fetch` honours `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`, and also accepts
 * `file://` index URLs (a local mirror folder).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { UserError } from "../../src/util/errors.ts";
import {
  chooseWheel,
  type IndexFile,
  normalizeProjectName,
  parseSimpleHtml,
  parseSimpleJson,
} from "./wheels.ts";

/** The public Python package index. */
export const DEFAULT_INDEX_URL = "https://pypi.org/simple";

/** A downloaded file whose SHA-256 differs from the one its index published. */
export class HashMismatchError extends UserError {
  /** `message` names the file and both hashes. */
  constructor(message: string) {
    super(message);
    this.name = "HashMismatchError";
  }
}

/** The page URL of `project` under the index `base` (`<base>/<name>/`, or `.../index.html` for file:). */
export function projectPageUrl(base: string, project: string): string {
  const root = base.replace(/\/+$/, "");
  const page = `${root}/${normalizeProjectName(project)}/`;
  // A folder on disk has no server to map `dir/` to `dir/index.html`.
  return page.startsWith("file:") ? `${page}index.html` : page;
}

/** Fetches and parses the project page of `project`. */
export async function listFiles(base: string, project: string): Promise<IndexFile[]> {
  const pageUrl = projectPageUrl(base, project);
  let response: Response;
  try {
    response = await fetch(pageUrl, {
      headers: {
        // PEP 691 content negotiation: JSON when the index has it, HTML otherwise.
        accept: "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, " +
          "text/html;q=0.1",
      },
    });
  } catch (error) {
    throw new Error(`cannot reach ${pageUrl}: ${(error as Error).message}`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`${pageUrl} answered HTTP ${response.status} ${response.statusText}`);
  }
  const type = response.headers.get("content-type") ?? "";
  const body = await response.text();
  if (type.includes("json")) return parseSimpleJson(JSON.parse(body), response.url || pageUrl);
  return parseSimpleHtml(body, response.url || pageUrl);
}

/** Lists `project` on the index and picks the best wheel matching `specifiers` for this machine. */
export async function findWheel(
  base: string,
  project: string,
  specifiers: string,
  arch: string,
): Promise<IndexFile> {
  const files = await listFiles(base, project);
  const wheel = chooseWheel(files, project, specifiers, arch);
  if (!wheel) {
    const names = files.map((f) => f.filename).slice(0, 8).join(", ");
    throw new Error(
      `${projectPageUrl(base, project)} has no ${project}${specifiers} wheel for ` +
        `manylinux ${arch} (${files.length} files listed${names ? `: ${names}` : ""})`,
    );
  }
  return wheel;
}

/**
 * Streams `file.url` into `dest` while hashing it. Throws a
 * {@linkcode HashMismatchError} (after deleting `dest`) when the index
 * published a SHA-256 and the download's differs; a file with no published
 * hash is refused too unless `allowUnhashed`, because nothing would vouch
 * for its content.
 *
 * @returns the hex SHA-256 of the file.
 */
export async function downloadVerified(
  file: IndexFile,
  dest: string,
  options: { log?: (line: string) => void; allowUnhashed?: boolean } = {},
): Promise<string> {
  const log = options.log ?? (() => {});
  if (!file.sha256 && !options.allowUnhashed) {
    throw new HashMismatchError(
      `refusing ${file.url}: the index publishes no sha256 for it, so it cannot be verified`,
    );
  }
  const hash = createHash("sha256");
  const out = await Deno.open(dest, { write: true, create: true, truncate: true });
  let size = 0;
  try {
    let response: Response;
    try {
      response = await fetch(file.url);
    } catch (error) {
      throw new Error(`cannot download ${file.url}: ${(error as Error).message}`);
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new Error(`${file.url} answered HTTP ${response.status} ${response.statusText}`);
    }
    const total = Number(response.headers.get("content-length")) || 0;
    const mb = (n: number) => (n / 1e6).toFixed(0);
    log(`downloading ${file.filename}${total ? ` (${mb(total)} MB)` : ""}`);
    let lastLog = Date.now();
    for await (const chunk of response.body) {
      hash.update(chunk);
      let written = 0;
      while (written < chunk.length) written += await out.write(chunk.subarray(written));
      size += chunk.length;
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`  ${mb(size)}${total ? ` / ${mb(total)}` : ""} MB`);
      }
    }
    await out.sync();
  } catch (error) {
    out.close();
    await Deno.remove(dest).catch(() => {});
    throw error;
  }
  out.close();
  const sha256 = hash.digest("hex");
  if (file.sha256 && file.sha256 !== sha256) {
    await Deno.remove(dest).catch(() => {});
    throw new HashMismatchError(
      `refusing ${file.filename} from ${file.url}: its sha256 is ${sha256} but the index ` +
        `publishes ${file.sha256} (the file was deleted; a proxy or mirror may be serving ` +
        `a damaged or altered copy)`,
    );
  }
  log(
    `  ${(size / 1e6).toFixed(0)} MB, sha256 ${sha256}${file.sha256 ? " (matches the index)" : ""}`,
  );
  return sha256;
}
