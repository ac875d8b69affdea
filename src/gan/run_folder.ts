/**
 * The run folder: the resolved config, checkpoints that are written whole or
 * not at all, and the pointer to the latest one.
 *
 * Layout:
 * ```
 * <run>/run.json                     config, seed, created
 * <run>/checkpoints/ckpt-00001234/   model.index, model.data-00000-of-00001, meta.json
 * <run>/checkpoints/latest.json      {"name": "ckpt-00001234"}, updated last
 * <run>/samples/epoch_0001.png ...   one grid per epoch
 * <run>/metrics.csv, loss.png, progress.gif
 * ```
 *
 * @module
 */

import { join } from "node:path";
import type { Saver } from "../tf/checkpoint.ts";
import { TensorFlowError } from "../tf/status.ts";
import type { Session } from "../tf/session.ts";
import { syncDirectory, writeTextFileAtomic } from "../util/atomic.ts";
import { UserError } from "../util/errors.ts";
import type { GanConfig } from "./config.ts";

/** What `run.json` holds. */
export interface RunInfo {
  /** File format marker. */
  kind: "portrait-gan-run";
  /** Format version. */
  version: 1;
  /** The fully resolved config. */
  config: GanConfig;
  /** The run's seed: initial weights, noise, dropout and shuffling all follow from it. */
  seed: number;
  /** When the run started (ISO time). */
  created: string;
}

/** What each checkpoint's `meta.json` holds. */
export interface CheckpointMeta {
  /** Training steps completed. */
  step: number;
  /** Epochs completed. */
  epoch: number;
  /** Batches done in the epoch under way (0 at an epoch boundary). */
  batchInEpoch: number;
  /** Seconds of training so far, over all sessions of the run. */
  trainSeconds: number;
  /** The config the weights were trained with. */
  config: GanConfig;
  /** Seed of the run. */
  seed: number;
  /** Dataset folder and fingerprint at the time. */
  dataset: { path: string; fingerprint: string; count: number };
  /** TensorFlow version that wrote it. */
  tensorflowVersion: string;
  /** When it was written. */
  written: string;
}

/** A checkpoint found in a run folder. */
export interface CheckpointEntry {
  /** Folder name, e.g. "ckpt-00001234". */
  name: string;
  /** The SaveV2 prefix (`.../model`). */
  prefix: string;
  /** Its meta.json. */
  meta: CheckpointMeta;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A run folder on disk. */
export class RunFolder {
  /** Folder path. */
  readonly dir: string;
  /** Refers to the run folder `dir`; touches nothing on disk. */
  constructor(dir: string) {
    this.dir = dir;
  }
  /** `run.json`. */
  get infoPath(): string {
    return join(this.dir, "run.json");
  }
  /** The checkpoints folder. */
  get checkpointsDir(): string {
    return join(this.dir, "checkpoints");
  }
  /** Per-epoch grids. */
  get samplesDir(): string {
    return join(this.dir, "samples");
  }

  /** Reads run.json, or null for a new run; refuses a folder that holds something else. */
  async readInfo(): Promise<RunInfo | null> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.infoPath);
    } catch {
      if (await exists(this.dir)) {
        const entries = [];
        for await (const e of Deno.readDir(this.dir)) entries.push(e.name);
        if (entries.length) {
          throw new UserError(
            `${this.dir} is not a portrait-gan run folder (no run.json) and is not empty: choose another --run folder`,
          );
        }
      }
      return null;
    }
    try {
      const info = JSON.parse(text) as RunInfo;
      if (info.kind !== "portrait-gan-run") throw new Error("not a run");
      return info;
    } catch {
      throw new UserError(
        `${this.infoPath} is damaged or not a portrait-gan run file: fix it or use another --run folder`,
      );
    }
  }

  /** Creates the folder and writes run.json. */
  async writeInfo(info: RunInfo): Promise<void> {
    await Deno.mkdir(this.checkpointsDir, { recursive: true });
    await Deno.mkdir(this.samplesDir, { recursive: true });
    await writeTextFileAtomic(this.infoPath, JSON.stringify(info, null, 2) + "\n");
  }

  /** Checkpoints on disk, oldest first (complete ones only: a folder is complete once renamed into place). */
  async listCheckpoints(): Promise<CheckpointEntry[]> {
    const entries: CheckpointEntry[] = [];
    if (!(await exists(this.checkpointsDir))) return entries;
    for await (const e of Deno.readDir(this.checkpointsDir)) {
      if (!e.isDirectory || !/^ckpt-\d+$/.test(e.name)) continue;
      const entry = await this.#read(e.name);
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => a.meta.step - b.meta.step);
  }

  async #read(name: string): Promise<CheckpointEntry | null> {
    const dir = join(this.checkpointsDir, name);
    try {
      const meta = JSON.parse(await Deno.readTextFile(join(dir, "meta.json"))) as CheckpointMeta;
      if (!(await exists(join(dir, "model.index")))) return null;
      return { name, prefix: join(dir, "model"), meta };
    } catch {
      return null;
    }
  }

  /** The checkpoint latest.json points at, else the newest complete one, else null. */
  async latestCheckpoint(): Promise<CheckpointEntry | null> {
    try {
      const pointer = JSON.parse(await Deno.readTextFile(join(this.checkpointsDir, "latest.json")));
      const entry = await this.#read(String(pointer.name));
      if (entry) return entry;
    } catch {
      // No pointer yet, or it names a checkpoint that was pruned by hand.
    }
    return (await this.listCheckpoints()).at(-1) ?? null;
  }

  /** The checkpoint chosen by `--checkpoint`: a step number or a folder name; latest when undefined. */
  async findCheckpoint(which?: string | number): Promise<CheckpointEntry> {
    if (which === undefined) {
      const latest = await this.latestCheckpoint();
      if (!latest) throw new UserError(`${this.dir} has no checkpoint yet: run train first`);
      return latest;
    }
    const all = await this.listCheckpoints();
    const key = String(which);
    const found = all.find((c) => c.name === key || String(c.meta.step) === key);
    if (!found) {
      throw new UserError(
        `no checkpoint '${key}' in ${this.checkpointsDir}; available steps: ${
          all.map((c) => c.meta.step).join(", ") || "none"
        }`,
      );
    }
    return found;
  }

  /**
   * Restores a checkpoint into `session` and returns it. With `which`, exactly
   * that one (a damaged one is an error naming the others). Without, the
   * newest that loads: latest.json's choice first, then older ones, each
   * damaged (truncated, corrupted) or missing one reported through `warn`.
   * Returns null when the run has no checkpoint at all.
   */
  async restoreCheckpoint(
    session: Session,
    saver: Saver,
    options: { which?: string | number; warn: (line: string) => void },
  ): Promise<CheckpointEntry | null> {
    const load = async (entry: CheckpointEntry): Promise<string | null> => {
      try {
        await saver.restore(session, entry.prefix);
        return null;
      } catch (error) {
        if (!(error instanceof TensorFlowError)) throw error;
        return `${error.codeName}: ${error.message.split("\n")[0].replace(/^.*?: [A-Z_]+: /, "")}`;
      }
    };
    if (options.which !== undefined) {
      const entry = await this.findCheckpoint(options.which);
      const problem = await load(entry);
      if (problem) {
        const others = (await this.listCheckpoints()).filter((c) => c.name !== entry.name).map((
          c,
        ) => c.meta.step);
        throw new UserError(
          `checkpoint ${
            join(this.checkpointsDir, entry.name)
          } is damaged (${problem}): choose another with --checkpoint (${
            others.join(", ") || "none left"
          })`,
        );
      }
      return entry;
    }
    const all = (await this.listCheckpoints()).reverse();
    let pointed: string | undefined;
    try {
      pointed = String(
        JSON.parse(await Deno.readTextFile(join(this.checkpointsDir, "latest.json"))).name,
      );
    } catch { /* no pointer: newest first */ }
    if (pointed && !all.some((c) => c.name === pointed) && all.length) {
      options.warn(
        `warning: latest.json names ${pointed}, which is missing or incomplete; using ${
          all[0].name
        }`,
      );
    }
    const order = [
      ...all.filter((c) => c.name === pointed),
      ...all.filter((c) => c.name !== pointed),
    ];
    const failures: string[] = [];
    for (const [i, entry] of order.entries()) {
      const problem = await load(entry);
      if (!problem) return entry;
      failures.push(`${entry.name}: ${problem}`);
      const next = order[i + 1];
      options.warn(
        `warning: checkpoint ${join(this.checkpointsDir, entry.name)} is damaged (${problem}); ${
          next ? `falling back to ${next.name}` : "no older checkpoint left"
        }`,
      );
    }
    if (failures.length) {
      throw new UserError(
        `no checkpoint in ${this.checkpointsDir} can be read (${
          failures.join("; ")
        }): delete the damaged folders to continue from an older one, or the whole run folder to start over`,
      );
    }
    return null;
  }

  /** Removes temporary folders left by a process killed while writing a checkpoint. */
  async removeUnfinished(): Promise<void> {
    if (!(await exists(this.checkpointsDir))) return;
    for await (const e of Deno.readDir(this.checkpointsDir)) {
      if (e.name.startsWith(".tmp-")) {
        await Deno.remove(join(this.checkpointsDir, e.name), { recursive: true });
      }
    }
  }

  /**
   * Writes a checkpoint: SaveV2 into a temporary folder, meta.json, fsync,
   * rename into place, then the latest pointer, then pruning to the last
   * `keep`. A kill at any point loses at most this checkpoint.
   */
  async saveCheckpoint(
    session: Session,
    saver: Saver,
    meta: CheckpointMeta,
    keep = 3,
  ): Promise<CheckpointEntry> {
    const name = `ckpt-${String(meta.step).padStart(8, "0")}`;
    const tmp = join(this.checkpointsDir, `.tmp-${name}-${Deno.pid}`);
    await Deno.mkdir(tmp, { recursive: true });
    await saver.save(session, join(tmp, "model"));
    await writeTextFileAtomic(join(tmp, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
    for await (const e of Deno.readDir(tmp)) {
      const f = await Deno.open(join(tmp, e.name), { read: true, write: true });
      try {
        await f.sync();
      } finally {
        f.close();
      }
    }
    await syncDirectory(tmp);
    const final = join(this.checkpointsDir, name);
    if (await exists(final)) await Deno.remove(final, { recursive: true });
    await Deno.rename(tmp, final);
    await syncDirectory(this.checkpointsDir);
    await writeTextFileAtomic(
      join(this.checkpointsDir, "latest.json"),
      JSON.stringify({ name, step: meta.step }) + "\n",
    );
    const all = await this.listCheckpoints();
    for (const old of all.slice(0, Math.max(0, all.length - Math.max(1, keep)))) {
      if (old.name !== name) {
        await Deno.remove(join(this.checkpointsDir, old.name), { recursive: true });
      }
    }
    return { name, prefix: join(final, "model"), meta };
  }
}
