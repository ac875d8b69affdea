/**
 * The demo's paintings: the 176 portrait paintings that Debian's
 * `naev-data` package ships (200x150 RGBA PNGs from the Naev space game;
 * GPL-3 and CC-BY 3.0, see the `ARTWORK_LICENSE.yaml` kept beside them).
 *
 * `apt-get download` needs no root (it writes into the current folder) and
 * `dpkg -x` unpacks a .deb anywhere, so no package is installed. The .deb
 * (about 350 MB) and the unpacked tree are deleted once the portraits are
 * copied; only the portraits (about 7 MB) stay in the cache.
 *
 * Interrupt-safe: the download lands in a temporary folder and is renamed
 * beside it only when complete (so a second run reuses it); the portraits
 * are gathered in a temporary folder renamed into place last.
 *
 * @module
 */

import { join } from "node:path";
import { cacheRoot } from "../../ffi/locate.ts";
import { UserError } from "../util/errors.ts";

/** How many portraits naev-data 0.8.2 ships (a different count is reported, not refused). */
export const NAEV_PORTRAIT_COUNT = 176;

/** Where the portraits live inside the package. */
export const NAEV_PORTRAIT_PATH = "usr/share/naev/dat/gfx/portraits";

/** The folder the portraits end up in: `~/.cache/portrait-gan/naev-portraits`. */
export function naevPortraitsDir(root: string = cacheRoot()): string {
  return join(root, "naev-portraits");
}

/** The work folder for the download: `~/.cache/portrait-gan/naev`. */
export function naevWorkDir(root: string = cacheRoot()): string {
  return join(root, "naev");
}

/** Options of {@linkcode obtainNaevPortraits}. */
export interface NaevOptions {
  /** Cache root (default {@linkcode cacheRoot}). */
  root?: string;
  /** Progress lines (default stderr). */
  log?: (line: string) => void;
}

const COMPLETE = ".complete";

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

const NO_APT =
  "apt-get is not available here, so the demo cannot download Debian's naev-data portraits; " +
  "run the demo on any folder of images instead: deno task demo --input <dir>";

/** Runs a program, returning its output; a missing program becomes the no-apt message. */
async function run(
  program: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(program, { args, cwd, stdout: "piped", stderr: "piped" })
      .output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UserError(
        program === "apt-get" ? NO_APT : `${program} is not installed. ${NO_APT}`,
      );
    }
    throw error;
  }
}

/** Whether a process with this pid is alive (temporary folders of dead ones are removed). */
function alive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

async function removeStale(dir: string): Promise<void> {
  try {
    for await (const e of Deno.readDir(dir)) {
      const m = /^(?:tmp|extract|naev-portraits\.tmp)-(\d+)/.exec(e.name);
      if (m && !alive(Number(m[1]))) {
        await Deno.remove(join(dir, e.name), { recursive: true }).catch(() => {});
      }
    }
  } catch { /* no folder yet */ }
}

/** The completed .deb from an earlier, interrupted run, if any. */
async function findDeb(dir: string): Promise<string | null> {
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && /^naev-data_.*\.deb$/.test(e.name)) return join(dir, e.name);
    }
  } catch { /* none */ }
  return null;
}

/** Downloads naev-data's .deb into `work` (atomically) and returns its path. */
async function download(work: string, log: (line: string) => void): Promise<string> {
  const tmp = join(work, `tmp-${Deno.pid}`);
  await Deno.mkdir(tmp, { recursive: true });
  try {
    log("downloading Debian's naev-data package (about 350 MB, once) with apt-get download");
    let result = await run("apt-get", ["download", "naev-data"], tmp);
    if (result.code !== 0 && /Unable to locate|has no installation candidate/.test(result.stderr)) {
      // The package lists may be empty (fresh containers): refresh them when allowed.
      if (Deno.uid?.() === 0) {
        log("apt-get does not know naev-data yet; running apt-get update");
        await run("apt-get", ["update"]);
        result = await run("apt-get", ["download", "naev-data"], tmp);
      }
    }
    if (result.code !== 0) {
      const why = result.stderr.trim().split("\n").filter((l) => /^E:/.test(l)).join(" ") ||
        result.stderr.trim().split("\n").at(-1) || `exit code ${result.code}`;
      throw new UserError(
        `apt-get download naev-data failed: ${why} (try \`sudo apt-get update\` first, ` +
          `or run the demo on any folder of images: deno task demo --input <dir>)`,
      );
    }
    const deb = await findDeb(tmp);
    if (!deb) throw new UserError(`apt-get download naev-data wrote no .deb into ${tmp}`);
    const final = join(work, deb.slice(deb.lastIndexOf("/") + 1));
    await Deno.rename(deb, final);
    return final;
  } finally {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
  }
}

/** All PNG files under `dir`, as paths relative to it, sorted. */
async function pngsUnder(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await pngsUnder(dir, rel));
    else if (e.isFile && e.name.toLowerCase().endsWith(".png")) out.push(rel);
  }
  return out.sort();
}

/** Counts the PNGs in a finished portraits folder. */
export async function countPortraits(dir: string): Promise<number> {
  return (await pngsUnder(dir)).length;
}

/**
 * Returns the folder of naev portraits, downloading and unpacking them on
 * first use. Later calls return at once.
 *
 * @throws {UserError} when apt-get or dpkg is missing, the download fails,
 *   or the package holds no portraits.
 */
export async function obtainNaevPortraits(opts: NaevOptions = {}): Promise<string> {
  const root = opts.root ?? cacheRoot();
  const log = opts.log ?? ((line: string) => console.error(line));
  const target = naevPortraitsDir(root);
  if (await exists(join(target, COMPLETE))) return target;

  const work = naevWorkDir(root);
  await Deno.mkdir(work, { recursive: true });
  await removeStale(work);
  await removeStale(root);
  // Check for the tools before a long download, with the message about --input.
  await run("apt-get", ["--version"]);
  await run("dpkg", ["--version"]);
  const deb = (await findDeb(work)) ?? await download(work, log);

  const extract = join(work, `extract-${Deno.pid}`);
  const staging = `${target}.tmp-${Deno.pid}`;
  try {
    log(`unpacking ${deb.slice(deb.lastIndexOf("/") + 1)} (dpkg -x, no root needed)`);
    const x = await run("dpkg", ["-x", deb, extract]);
    if (x.code !== 0) {
      // A damaged download: drop it so that the next run fetches it again.
      await Deno.remove(deb).catch(() => {});
      throw new UserError(
        `dpkg -x could not unpack ${deb}: ${
          x.stderr.trim().split("\n").at(-1)
        } (run the demo again to download it again)`,
      );
    }
    const source = join(extract, NAEV_PORTRAIT_PATH);
    if (!(await exists(source))) {
      throw new UserError(
        `naev-data has no ${NAEV_PORTRAIT_PATH} (a different package version?); run the demo on any folder of images instead: deno task demo --input <dir>`,
      );
    }
    const files = await pngsUnder(source);
    if (files.length === 0) throw new UserError(`naev-data has no portrait PNGs in ${source}`);
    if (files.length !== NAEV_PORTRAIT_COUNT) {
      log(
        `note: found ${files.length} portrait${
          files.length === 1 ? "" : "s"
        } (naev-data 0.8.2 has ${NAEV_PORTRAIT_COUNT})`,
      );
    }
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    await Deno.mkdir(staging, { recursive: true });
    // Flat names keep the faction (dvaered_unique_zolo.png) and cannot collide.
    for (const rel of files) {
      await Deno.copyFile(join(source, rel), join(staging, rel.replaceAll("/", "_")));
    }
    const license = join(extract, "usr/share/naev/dat/gfx/ARTWORK_LICENSE.yaml");
    if (await exists(license)) await Deno.copyFile(license, join(staging, "ARTWORK_LICENSE.yaml"));
    await Deno.writeTextFile(
      join(staging, "SOURCE.txt"),
      `${files.length} portrait paintings from Debian's naev-data package (${
        deb.slice(deb.lastIndexOf("/") + 1)
      }), ${NAEV_PORTRAIT_PATH}.\nLicences (GPL-3 and CC-BY 3.0, per file): ARTWORK_LICENSE.yaml.\n`,
    );
    await Deno.writeTextFile(join(staging, COMPLETE), `${files.length}\n`);
    await Deno.remove(target, { recursive: true }).catch(() => {});
    await Deno.rename(staging, target);
    log(`kept ${files.length} portrait${files.length === 1 ? "" : "s"} in ${target}`);
    await Deno.remove(deb).catch(() => {});
    return target;
  } finally {
    await Deno.remove(extract, { recursive: true }).catch(() => {});
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    // Not recursive: the folder goes only when empty (another run may be downloading into it).
    if (await exists(join(target, COMPLETE))) await Deno.remove(work).catch(() => {});
  }
}
