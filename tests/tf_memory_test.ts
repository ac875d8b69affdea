/**
 * 20,000 session runs of a tiny graph keep the process's resident memory
 * flat after warm-up, and every native handle created on the way is freed.
 */

import { Graph } from "../src/tf/graph.ts";
import { liveHandles } from "../src/tf/native.ts";
import * as ops from "../src/tf/ops.ts";
import { Session } from "../src/tf/session.ts";
import { Tensor } from "../src/tf/tensor.ts";
import { assert, assertEquals, loadTensorFlow } from "./helpers/tf.ts";
import { inOwnProcess } from "./helpers/own_process.ts";

const child = inOwnProcess(import.meta.url, "session runs keep memory flat");
if (child) await loadTensorFlow();

const ELEMENTS = 4096; // 16 KiB of float32 per tensor
const WARM_UP = 2_000;
const RUNS = 20_000;
/**
 * Allowed RSS growth between the end of warm-up and the last run: 20 MiB.
 *
 * Why that catches a leak: each run makes one 16 KiB input tensor and gets
 * one 16 KiB output tensor back. Leaking only the outputs would keep
 * (RUNS - WARM_UP) × 16 KiB = 18,000 × 16 KiB ≈ 281 MiB, fourteen times the
 * bound; leaking only the inputs the same; even a leak of 1.2 KiB per run
 * (a TF_Status and a few small buffers) adds up to more than 20 MiB.
 * Allocator noise of a correct loop (malloc arenas, V8 heap growth) stays
 * at a few MiB.
 */
const BOUND_BYTES = 20 * 1024 * 1024;

function rss(): number {
  return Deno.memoryUsage().rss;
}

function snapshot(): Record<string, number> {
  return Object.fromEntries(Object.entries(liveHandles).filter(([, n]) => n !== 0));
}

if (child) {
  Deno.test(`${RUNS} session runs (feed 16 KiB, fetch 16 KiB, dispose both) keep RSS growth after warm-up below 20 MiB and free every handle`, () => {
    const before = snapshot();
    {
      using g = new Graph();
      const x = ops.placeholder(g, "float32", [ELEMENTS], "x");
      const y = ops.mul(ops.tanh(x), ops.scalar(g, 2));
      using s = new Session(g, { intraOpThreads: 1, interOpThreads: 1 });
      const input = new Float32Array(ELEMENTS);
      const duringRuns = snapshot();
      let checksum = 0;
      let warmRss = 0;
      for (let i = 0; i < RUNS; i++) {
        if (i === WARM_UP) warmRss = rss();
        input[i % ELEMENTS] = (i % 7) * 0.1;
        using fed = Tensor.from("float32", [ELEMENTS], input);
        const [out] = s.run({ feeds: [[x, fed]], fetches: [y] });
        using result = out;
        if (i % 1000 === 0) {
          // Check the results now and then: the loop really computes.
          const v = result.values() as Float32Array;
          const k = i % ELEMENTS;
          const expected = 2 * Math.tanh(Math.fround((i % 7) * 0.1));
          assert(Math.abs(v[k] - expected) < 1e-6, `run ${i}: ${v[k]} vs ${expected}`);
          checksum += v[k];
        }
      }
      const growth = rss() - warmRss;
      assert(Number.isFinite(checksum));
      assert(
        growth < BOUND_BYTES,
        `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB over ${RUNS - WARM_UP} runs ` +
          `(bound ${BOUND_BYTES / 2 ** 20} MiB)`,
      );
      // Tensors and statuses of the runs are all gone; graph and session still live.
      assertEquals(snapshot(), duringRuns, "live handles after the runs");
    }
    assertEquals(snapshot(), before, "live handles after disposing the graph and session");
  });
}

/** Growth of RSS over `runs` iterations of `step` after `warmUp` ones. */
async function rssGrowth(
  warmUp: number,
  runs: number,
  step: (i: number) => unknown,
): Promise<number> {
  for (let i = 0; i < warmUp; i++) await step(i);
  const start = rss();
  for (let i = warmUp; i < warmUp + runs; i++) await step(i);
  return rss() - start;
}

if (child) {
  Deno.test("string tensors (32 KiB each, fed through a graph and fetched back) free their heap strings: RSS growth over 2,500 runs below 20 MiB", async () => {
    // Each string lives outside the tensor buffer (TF_TString's heap part);
    // TF_DeleteTensor frees it when the last tensor sharing the buffer goes.
    // A leak of it would cost 2,500 × 32 KiB ≈ 78 MiB for the fed/fetched
    // pair and 156 MiB for the lone two-element tensor.
    const before = snapshot();
    {
      using g = new Graph();
      const x = ops.placeholder(g, "string", [1], "x");
      const y = g.addOp({ type: "Identity", inputs: [x] }).output(0);
      using s = new Session(g, { intraOpThreads: 1, interOpThreads: 1 });
      const text = "portrait-".repeat(32 * 1024 / 8).slice(0, 32 * 1024);
      // Fed as bytes encoded once, so that no 32 KiB JavaScript garbage per
      // run (freed only when V8 gets round to it) blurs the native picture.
      const bytes = new TextEncoder().encode(text);
      const growth = await rssGrowth(1_000, 2_500, (i) => {
        const fed = Tensor.from("string", [1], [bytes]);
        const [fetched] = s.run({ feeds: [[x, fed]], fetches: [y] });
        // Fed and fetched share one buffer: free them in both orders.
        const [first, last] = i % 2 ? [fed, fetched] : [fetched, fed];
        first.dispose();
        if (i % 500 === 0) assertEquals(last.strings()[0], text);
        last.dispose();
        // And a string tensor that never meets a session.
        using _alone = Tensor.from("string", [2], [bytes, bytes]);
      });
      assert(growth < BOUND_BYTES, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
    }
    assertEquals(snapshot(), before, "live handles");
  });
}

if (child) {
  Deno.test("runAsync (the nonblocking path) with 64 KiB tensors: RSS growth over 2,500 runs below 20 MiB", async () => {
    // A leaked output would cost 2,500 × 64 KiB ≈ 156 MiB.
    const before = snapshot();
    {
      using g = new Graph();
      const x = ops.placeholder(g, "float32", [16384], "x");
      const y = ops.tanh(x);
      using s = new Session(g, { intraOpThreads: 1, interOpThreads: 1 });
      const input = new Float32Array(16384).fill(0.5);
      const growth = await rssGrowth(500, 2_500, async (i) => {
        using fed = Tensor.from("float32", [16384], input);
        const [out] = await s.runAsync({ feeds: [[x, fed]], fetches: [y] });
        using fetched = out;
        if (i % 500 === 0) {
          const v = fetched.values() as Float32Array;
          assert(Math.abs(v[i % 16384] - Math.tanh(0.5)) < 1e-6, `run ${i}: ${v[i % 16384]}`);
        }
      });
      assert(growth < BOUND_BYTES, `RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB`);
    }
    assertEquals(snapshot(), before, "live handles");
  });
}
