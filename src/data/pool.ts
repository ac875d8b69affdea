/**
 * A pool of decoding workers, one per core by default. Jobs are queued and
 * handed to idle workers; a worker that crashes, traps in WebAssembly or
 * exceeds the per-job timeout is terminated and replaced by a fresh one, and
 * only the job it was running fails (with its reason).
 *
 * @example
 * ```ts
 * import { WorkerPool } from "./pool.ts";
 * const pool = new WorkerPool();
 * const r = await pool.run({ op: "prepare", bytes, size: 160, maxPixels: 50e6 });
 * pool.close();
 * ```
 * @module
 */

import type { CropBox } from "./resize.ts";

/** A job for a worker (without the id the pool assigns). */
export type WorkerJob =
  | { op: "prepare"; bytes: Uint8Array; size: number; maxPixels: number }
  | { op: "decode"; bytes: Uint8Array; maxPixels: number }
  | { op: "encode"; rgb: Uint8Array; width: number; height: number }
  | { op: "crash" }
  | { op: "trap" };

/** A job as sent to the worker. */
export type WorkerRequest = WorkerJob & { jobId: number };

/** A worker's answer: `ok` with results, or a per-job `reason`. */
export type WorkerReply =
  | {
    jobId: number;
    ok: true;
    width?: number;
    height?: number;
    format?: string;
    decoder?: string;
    orientation?: number;
    crop?: CropBox;
    png?: Uint8Array;
    rgb?: Uint8Array;
  }
  | { jobId: number; ok: false; fatal?: boolean; reason: string };

interface Slot {
  worker: Worker;
  job?: { id: number; resolve: (r: WorkerReply) => void; timer?: ReturnType<typeof setTimeout> };
}

/** Options for {@linkcode WorkerPool}. */
export interface PoolOptions {
  /** Number of workers (default `navigator.hardwareConcurrency`). */
  workers?: number;
  /** Per-job time limit in ms before the worker is replaced (default 120 s). */
  timeoutMs?: number;
}

/** Runs {@linkcode WorkerJob}s on a set of restartable workers. */
export class WorkerPool {
  #slots: Slot[] = [];
  #queue: { job: WorkerJob; resolve: (r: WorkerReply) => void; transfer: Transferable[] }[] = [];
  #nextId = 1;
  #timeoutMs: number;
  /** How many workers were replaced after a crash or timeout (for summaries and tests). */
  restarts = 0;

  constructor(opts: PoolOptions = {}) {
    const n = Math.max(1, opts.workers ?? navigator.hardwareConcurrency ?? 1);
    this.#timeoutMs = opts.timeoutMs ?? 120_000;
    for (let i = 0; i < n; i++) this.#slots.push({ worker: this.#spawn(i) });
  }

  /** Number of workers. */
  get size(): number {
    return this.#slots.length;
  }

  #spawn(index: number): Worker {
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => this.#onReply(index, e.data);
    worker.onerror = (e: ErrorEvent) => {
      // Handled here: without preventDefault the worker's error would end this process.
      e.preventDefault();
      const message = e.message;
      setTimeout(() => this.#fail(index, `decoder crashed (${message})`), 0);
    };
    worker.onmessageerror = () => this.#fail(index, "decoder crashed (unreadable reply)");
    return worker;
  }

  #onReply(index: number, reply: WorkerReply): void {
    const slot = this.#slots[index];
    if (!slot.job || slot.job.id !== reply.jobId) return;
    const { resolve, timer } = slot.job;
    clearTimeout(timer);
    slot.job = undefined;
    if (!reply.ok && reply.fatal) this.#replace(index);
    resolve(reply);
    this.#pump();
  }

  /** Ends the running job with `reason` and replaces the worker with a fresh one. */
  #fail(index: number, reason: string): void {
    const slot = this.#slots[index];
    const job = slot.job;
    slot.job = undefined;
    this.#replace(index);
    if (job) {
      clearTimeout(job.timer);
      job.resolve({ jobId: job.id, ok: false, fatal: true, reason });
    }
    this.#pump();
  }

  #replace(index: number): void {
    this.restarts++;
    try {
      this.#slots[index].worker.terminate();
    } catch { /* already gone */ }
    this.#slots[index] = { worker: this.#spawn(index) };
  }

  #pump(): void {
    for (let i = 0; i < this.#slots.length && this.#queue.length > 0; i++) {
      const slot = this.#slots[i];
      if (slot.job) continue;
      const next = this.#queue.shift()!;
      const id = this.#nextId++;
      const timer = setTimeout(
        () => this.#fail(i, `decoder gave no answer within ${this.#timeoutMs / 1000} s`),
        this.#timeoutMs,
      );
      slot.job = { id, resolve: next.resolve, timer };
      slot.worker.postMessage({ ...next.job, jobId: id }, next.transfer);
    }
  }

  /** Queues `job`; resolves with the worker's reply (never rejects). `transfer` hands buffers over without copying. */
  run(job: WorkerJob, transfer: Transferable[] = []): Promise<WorkerReply> {
    return new Promise((resolve) => {
      this.#queue.push({ job, resolve, transfer });
      this.#pump();
    });
  }

  /** Terminates all workers; queued jobs are dropped. */
  close(): void {
    for (const slot of this.#slots) {
      clearTimeout(slot.job?.timer);
      slot.worker.terminate();
    }
    this.#slots = [];
    this.#queue = [];
  }
}
