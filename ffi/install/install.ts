/**
 * Installs libtensorflow into the per-version cache folder from a Python
 * wheel: obtain the wheel (pip, else the simple index over HTTPS), check its
 * SHA-256, stream out only the shared libraries, and move the finished folder
 * into place with one `rename`, so that the cache folder is either absent or
 * complete — never half-written, even when the process is killed or two
 * processes install at once.
 *
 * Layout of a finished folder (`<cache root>/libtensorflow-2.21.0-cpu/`):
 * `libtensorflow_cc.so.2`, `libtensorflow_framework.so.2`, `install.json`,
 * and for the GPU build `cuda/` with the CUDA runtime libraries.
 *
 * GPU (`build: "gpu"`), unverified: no machine this was written on has the
 * `tensorflow` (CUDA) wheel on its index or an NVIDIA GPU. The code follows
 * the wheel's published layout (same two libraries as the CPU wheel; CUDA
 * libraries from the `nvidia-*-cu12` wheels named by the `and-cuda` extra in
 * its METADATA, each holding `nvidia/<part>/lib/*.so*`), and fails with a
 * clear message when a wheel is unavailable. Not verified: that the
 * downloaded set is complete for TensorFlow 2.21's dlopen calls, that
 * `LD_LIBRARY_PATH` pointing at the flat `cuda/` folder is enough for TF to
 * find every library, and that `ptxas`/libdevice (copied from the
 * `nvidia-cuda-nvcc-cu12` wheel for XLA) are picked up. On aarch64 the
 * `tensorflow` wheel is a CPU build and declares no CUDA extra, which is
 * reported as an error.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { syncDirectory, writeTextFileAtomic } from "../../src/util/atomic.ts";
import {
  DEFAULT_INDEX_URL,
  downloadVerified,
  findWheel,
  HashMismatchError,
} from "./index_client.ts";
import { findPip, pipDownload } from "./pip.ts";
import { parseWheelName, type Requirement, requirementsForExtra, wheelArch } from "./wheels.ts";
import { type ExtractedFile, Wheel } from "./zip.ts";

/** The two libraries taken from the TensorFlow wheel (entry name in the wheel -> file name). */
export const WHEEL_LIBRARIES = {
  main: "tensorflow/libtensorflow_cc.so.2",
  framework: "tensorflow/libtensorflow_framework.so.2",
} as const;

/** What `install.json` in a cache folder records. */
export interface InstallRecord {
  /** TensorFlow version, e.g. `2.21.0`. */
  version: string;
  /** Which build. */
  build: "cpu" | "gpu";
  /** File name of the TensorFlow wheel the libraries came from. */
  wheel: string;
  /** SHA-256 of that wheel as computed while installing. */
  sha256: string;
  /** The SHA-256 the index published, when it was known (equal to `sha256`). */
  indexSha256?: string;
  /** How the wheel was obtained. */
  source: "pip" | "index";
  /** Where it came from (index path only; pip does not say reliably). */
  url?: string;
  /** Each extracted file (relative path) with its size and SHA-256. */
  files: Record<string, { size: number; sha256: string }>;
  /** GPU build: the CUDA wheels used. */
  cudaWheels?: { wheel: string; sha256: string; indexSha256?: string }[];
  /** ISO time of the install. */
  installedAt: string;
}

/** Options of {@linkcode installTensorFlow}. */
export interface InstallOptions {
  /** `cpu`: the tensorflow-cpu wheel; `gpu`: the tensorflow wheel plus its CUDA wheels. */
  build: "cpu" | "gpu";
  /** The exact TensorFlow version to install. */
  version: string;
  /** Cache root; temporary folders are made inside it so the final rename stays on one filesystem. */
  cacheRoot: string;
  /** The final folder (`cacheDirFor(...)`). */
  targetDir: string;
  /** false: skip pip even when present (tests; `PORTRAIT_GAN_USE_PIP=0`). Default true. */
  usePip?: boolean;
  /** Base URL of a simple index (default `PORTRAIT_GAN_INDEX_URL`, `PIP_INDEX_URL`, then PyPI). */
  indexUrl?: string;
  /** Whether `dir` already holds a usable install (so a concurrent winner can be reused). */
  isComplete: (dir: string) => boolean;
  /** Receives progress lines. */
  log: (line: string) => void;
}

/** Every way of obtaining the wheel failed; `reasons` says why for each. */
export class InstallFailedError extends Error {
  /** `reasons`: one line per source tried (pip, the index, ...). */
  constructor(readonly reasons: string[]) {
    super(`could not obtain the wheel:\n${reasons.map((r) => `  - ${r}`).join("\n")}`);
    this.name = "InstallFailedError";
  }
}

/** One wheel on disk, verified. */
interface ObtainedWheel {
  requirement: Requirement;
  path: string;
  filename: string;
  sha256: string;
  indexSha256?: string;
  source: "pip" | "index";
  url?: string;
}

/** The index base URL in effect: option, then `PORTRAIT_GAN_INDEX_URL`, `PIP_INDEX_URL`, PyPI. */
export function effectiveIndexUrl(indexUrl?: string): string {
  return indexUrl || Deno.env.get("PORTRAIT_GAN_INDEX_URL") || Deno.env.get("PIP_INDEX_URL") ||
    DEFAULT_INDEX_URL;
}

/** SHA-256 of a file on disk, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Gets wheels for `requirements` into `dir`: through pip when allowed and
 * present, else (or when pip fails) from the simple index. A hash mismatch
 * is never retried another way: it is thrown at once.
 */
async function obtainWheels(
  requirements: Requirement[],
  dir: string,
  opts: InstallOptions,
  reasons: string[],
): Promise<ObtainedWheel[]> {
  const { log } = opts;
  const explicitIndex = opts.indexUrl || Deno.env.get("PORTRAIT_GAN_INDEX_URL");
  const usePip = opts.usePip ?? Deno.env.get("PORTRAIT_GAN_USE_PIP") !== "0";
  if (usePip) {
    const pip = await findPip();
    if (!pip) reasons.push("pip: not found (tried pip, pip3, python3 -m pip)");
    else {
      try {
        log(`pip download ${requirements.map((r) => r.name + r.specifiers).join(" ")}`);
        const saved = await pipDownload(
          pip,
          requirements.map((r) => r.name + r.specifiers),
          dir,
          { indexUrl: explicitIndex, log },
        );
        const out: ObtainedWheel[] = [];
        for (const requirement of requirements) {
          const file = saved.find((s) => parseWheelName(s.filename)?.name === requirement.name);
          if (!file) throw new Error(`pip saved no wheel for ${requirement.name}`);
          log(`checking sha256 of ${file.filename}`);
          const sha256 = await sha256File(file.path);
          if (file.indexSha256 && file.indexSha256 !== sha256) {
            await Deno.remove(file.path).catch(() => {});
            throw new HashMismatchError(
              `refusing ${file.filename}: its sha256 is ${sha256} but pip's index publishes ` +
                `${file.indexSha256} (the file was deleted)`,
            );
          }
          out.push({ requirement, ...file, sha256, source: "pip" });
        }
        return out;
      } catch (error) {
        if (error instanceof HashMismatchError) throw error;
        reasons.push(`pip: ${(error as Error).message}`);
        log(`pip did not work (${(error as Error).message}); trying the package index directly`);
        for await (const e of Deno.readDir(dir)) {
          await Deno.remove(`${dir}/${e.name}`, { recursive: true });
        }
      }
    }
  }
  const base = effectiveIndexUrl(opts.indexUrl);
  const arch = wheelArch()!;
  const out: ObtainedWheel[] = [];
  try {
    for (const requirement of requirements) {
      const file = await findWheel(base, requirement.name, requirement.specifiers, arch);
      const path = `${dir}/${file.filename}`;
      const sha256 = await downloadVerified(file, path, { log });
      out.push({
        requirement,
        path,
        filename: file.filename,
        sha256,
        indexSha256: file.sha256,
        source: "index",
        url: file.url,
      });
    }
  } catch (error) {
    if (error instanceof HashMismatchError) throw error;
    reasons.push(`index ${base}: ${(error as Error).message}`);
    throw new InstallFailedError(reasons);
  }
  return out;
}

/** Extracts entries with a progress line every few seconds for big files. */
async function extractWithProgress(
  wheel: Wheel,
  entry: string,
  dest: string,
  requireElf: boolean,
  record: Map<string, { sha256: string; size: number }>,
  log: (line: string) => void,
): Promise<ExtractedFile> {
  const size = wheel.entries.get(entry)?.uncompressedSize ?? 0;
  const big = size > 50e6;
  if (big) log(`extracting ${entry} (${(size / 1e6).toFixed(0)} MB)`);
  let last = Date.now();
  return await wheel.extract({ entry, dest, requireElf }, record.get(entry), (bytes) => {
    if (big && Date.now() - last > 5000) {
      last = Date.now();
      log(`  ${Math.round((100 * bytes) / size)}%`);
    }
  });
}

/** Which files of a CUDA wheel go where under `cuda/` (null: skip). */
export function cudaDestination(entry: string): string | null {
  if (/^nvidia\/[^/]+\/lib\/[^/]+\.so(\.[0-9.]+)?$/.test(entry)) return entry.split("/").pop()!;
  // For XLA's GPU JIT: ptxas/nvlink on PATH and libdevice under --xla_gpu_cuda_data_dir.
  const bin = /^nvidia\/cuda_nvcc\/bin\/(ptxas|nvlink|fatbinary)$/.exec(entry);
  if (bin) return `bin/${bin[1]}`;
  if (/^nvidia\/cuda_nvcc\/nvvm\/libdevice\/libdevice\.10\.bc$/.test(entry)) {
    return "nvvm/libdevice/libdevice.10.bc";
  }
  return null;
}

/** Removes temporary folders that crashed or killed installs left in the cache root. */
async function removeStaleTemporaries(root: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(root)) {
      const m = /^\.tmp-.*-(\d+)-[^-]+$/.exec(entry.name);
      if (!m || !entry.isDirectory) continue;
      const path = `${root}/${entry.name}`;
      let dead: boolean;
      try {
        Deno.statSync("/proc/self");
        dead = !exists(`/proc/${m[1]}`);
      } catch {
        // No /proc: only remove folders older than a day.
        dead = Date.now() - ((await Deno.stat(path)).mtime?.getTime() ?? Date.now()) > 86_400_000;
      }
      if (dead) await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  } catch { /* root unreadable: the install itself will report it */ }
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function fsyncTree(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) await fsyncTree(`${dir}/${entry.name}`);
  }
  await syncDirectory(dir);
}

/**
 * Installs the TensorFlow libraries into `opts.targetDir` (see the module
 * notes). Returns the record written to `install.json`, or the winner's
 * record when another process completed the same install first
 * (`reused: true`).
 *
 * @throws {InstallFailedError} when no source could provide the wheel.
 * @throws {HashMismatchError} when a wheel's hash differs from the index's.
 */
export async function installTensorFlow(
  opts: InstallOptions,
): Promise<{ record: InstallRecord | null; reused: boolean }> {
  const { log, build, version } = opts;
  if (Deno.build.os !== "linux" || !wheelArch()) {
    throw new InstallFailedError([
      `automatic install supports Linux on x86_64 and aarch64 only (this is ${Deno.build.os} ` +
      `${Deno.build.arch})`,
    ]);
  }
  await Deno.mkdir(opts.cacheRoot, { recursive: true });
  await removeStaleTemporaries(opts.cacheRoot);
  const label = opts.targetDir.split("/").pop()!;
  const work = await Deno.makeTempDir({
    dir: opts.cacheRoot,
    prefix: `.tmp-${label}-${Deno.pid}-`,
  });
  try {
    const downloads = `${work}/download`;
    const out = `${work}/out`;
    await Deno.mkdir(downloads);
    await Deno.mkdir(out);
    const reasons: string[] = [];
    const project = build === "gpu" ? "tensorflow" : "tensorflow-cpu";
    const [tf] = await obtainWheels(
      [{ name: project, specifiers: `==${version}` }],
      downloads,
      opts,
      reasons,
    );
    const files: InstallRecord["files"] = {};
    let cudaRequirements: Requirement[] = [];
    const wheel = await Wheel.open(tf.path);
    try {
      const record = await wheel.record();
      for (const entry of Object.values(WHEEL_LIBRARIES)) {
        if (!wheel.entries.has(entry)) {
          throw new InstallFailedError([
            `${tf.filename} has no ${entry}; it is not a usable TensorFlow wheel`,
          ]);
        }
        const name = entry.split("/").pop()!;
        const done = await extractWithProgress(wheel, entry, `${out}/${name}`, true, record, log);
        files[name] = { size: done.size, sha256: done.sha256 };
      }
      if (build === "gpu") {
        const metadataName = wheel.names(/^[^/]+\.dist-info\/METADATA$/)[0];
        const metadata = metadataName ? await wheel.readText(metadataName) : "";
        cudaRequirements = requirementsForExtra(metadata, "and-cuda").filter((r) =>
          r.name.startsWith("nvidia-")
        );
      }
    } finally {
      wheel.close();
    }
    await Deno.remove(tf.path);

    const cudaWheels: NonNullable<InstallRecord["cudaWheels"]> = [];
    if (build === "gpu") {
      if (cudaRequirements.length === 0) {
        throw new InstallFailedError([
          `${tf.filename} declares no CUDA libraries (no nvidia-* requirements under the ` +
          `"and-cuda" extra): it is not a CUDA build. The GPU build exists for Linux x86_64.`,
        ]);
      }
      log(`CUDA libraries: ${cudaRequirements.map((r) => r.name).join(", ")}`);
      const cudaDir = `${out}/cuda`;
      await Deno.mkdir(cudaDir);
      const obtained = await obtainWheels(cudaRequirements, downloads, opts, []);
      for (const w of obtained) {
        const zip = await Wheel.open(w.path);
        try {
          const record = await zip.record();
          for (const entry of zip.entries.keys()) {
            const rel = cudaDestination(entry);
            if (!rel || `cuda/${rel}` in files) continue;
            const dest = `${cudaDir}/${rel}`;
            await Deno.mkdir(dest.slice(0, dest.lastIndexOf("/")), { recursive: true });
            const done = await extractWithProgress(zip, entry, dest, false, record, log);
            if (rel.startsWith("bin/")) await Deno.chmod(dest, 0o755);
            files[`cuda/${rel}`] = { size: done.size, sha256: done.sha256 };
          }
        } finally {
          zip.close();
        }
        await Deno.remove(w.path);
        cudaWheels.push({ wheel: w.filename, sha256: w.sha256, indexSha256: w.indexSha256 });
      }
      if (!Object.keys(files).some((f) => f.startsWith("cuda/"))) {
        throw new InstallFailedError(["the CUDA wheels held no nvidia/*/lib/*.so* libraries"]);
      }
    }

    const installRecord: InstallRecord = {
      version,
      build,
      wheel: tf.filename,
      sha256: tf.sha256,
      ...(tf.indexSha256 ? { indexSha256: tf.indexSha256 } : {}),
      source: tf.source,
      ...(tf.url ? { url: tf.url } : {}),
      files,
      ...(build === "gpu" ? { cudaWheels } : {}),
      installedAt: new Date().toISOString(),
    };
    await writeTextFileAtomic(`${out}/install.json`, JSON.stringify(installRecord, null, 2) + "\n");
    await fsyncTree(out);

    // The one step that makes the install visible. rename(2) fails on a
    // non-empty target: then another process won the race (use its folder),
    // or an incomplete folder is in the way (move it aside and retry once).
    try {
      await Deno.rename(out, opts.targetDir);
    } catch (error) {
      if (opts.isComplete(opts.targetDir)) {
        log(`another process finished installing ${opts.targetDir} first; using it`);
        return { record: readRecord(opts.targetDir), reused: true };
      }
      if (!exists(opts.targetDir)) throw error;
      log(`replacing the incomplete folder ${opts.targetDir}`);
      await Deno.rename(opts.targetDir, `${work}/stale`);
      try {
        await Deno.rename(out, opts.targetDir);
      } catch (again) {
        if (opts.isComplete(opts.targetDir)) {
          return { record: readRecord(opts.targetDir), reused: true };
        }
        throw again;
      }
    }
    await syncDirectory(opts.cacheRoot);
    log(`installed TensorFlow ${version} (${build}) in ${opts.targetDir}`);
    return { record: installRecord, reused: false };
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/** Reads `install.json` of a cache folder, or null when absent or unreadable. */
export function readRecord(dir: string): InstallRecord | null {
  try {
    return JSON.parse(Deno.readTextFileSync(`${dir}/install.json`)) as InstallRecord;
  } catch {
    return null;
  }
}
