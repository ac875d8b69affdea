/**
 * Shared set-up for the TensorFlow binding tests: loads (and on a fresh
 * machine installs, once) libtensorflow, plus small numeric helpers.
 *
 * @module
 */

import nodeAssert from "node:assert/strict";
import { ensureTensorFlow } from "../../ffi/locate.ts";
import { type OpenedTensorFlow, openTensorFlow } from "../../ffi/library.ts";
import type { Output } from "../../src/tf/graph.ts";
import type { Session } from "../../src/tf/session.ts";
import type { Tensor } from "../../src/tf/tensor.ts";

let ready: Promise<OpenedTensorFlow> | undefined;

/** Finds or installs libtensorflow (once per process) and opens it. */
export function loadTensorFlow(): Promise<OpenedTensorFlow> {
  ready ??= ensureTensorFlow().then((location) => openTensorFlow(location));
  return ready;
}

/** A small seeded PRNG (mulberry32) so that "random" test data is fixed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` uniform values in [lo, hi) from `next`. */
export function randomValues(next: () => number, n: number, lo = -1, hi = 1): number[] {
  return Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** Runs `session` and returns every fetched tensor's values as numbers, disposing the tensors. */
export function runValues(
  session: Session,
  fetches: ReadonlyArray<Output>,
  feeds: ReadonlyArray<readonly [Output, Tensor]> = [],
): number[][] {
  const out = session.run({ fetches, feeds });
  try {
    return out.map((t) => t.numbers());
  } finally {
    for (const t of out) t.dispose();
  }
}

/** Like {@linkcode runValues} but also returns shapes. */
export function runTensors(
  session: Session,
  fetches: ReadonlyArray<Output>,
  feeds: ReadonlyArray<readonly [Output, Tensor]> = [],
): { shape: readonly number[]; values: number[] }[] {
  const out = session.run({ fetches, feeds });
  try {
    return out.map((t) => ({ shape: t.shape, values: t.numbers() }));
  } finally {
    for (const t of out) t.dispose();
  }
}

/**
 * Asserts |a - e| <= atol + rtol·|e| element-wise, naming the first element
 * that is off.
 */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: { atol?: number; rtol?: number } = {},
  what = "values",
): void {
  const atol = tolerance.atol ?? 1e-6;
  const rtol = tolerance.rtol ?? 0;
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (!Number.isFinite(a) || excess > worstExcess) {
      if (!Number.isFinite(a)) {
        throw new Error(`${what}[${i}] = ${a}, expected ${e}`);
      }
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${what}[${worst}] = ${actual[worst]}, expected ${expected[worst]} ` +
        `(atol ${atol}, rtol ${rtol}, ${actual.length} values)`,
    );
  }
}

/** Σ a·b. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Throws `message` unless `condition` holds. */
export function assert(condition: unknown, message = "assertion failed"): asserts condition {
  if (!condition) throw new Error(message);
}

/** Deep strict equality (node:assert, so that the tests need nothing from a registry). */
export function assertEquals<T>(actual: unknown, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message);
}
