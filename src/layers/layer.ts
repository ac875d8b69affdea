/**
 * The layer contract, after Keras: a layer creates its weights once
 * (`build`) and maps an input to an output (`call`), with training or
 * inference mode passed in explicitly.
 *
 * @module
 */

import type { Graph, Operation, Output } from "../tf/graph.ts";
import * as ops from "../tf/ops.ts";
import type { Seed } from "../tf/initializers.ts";
import type { Variable } from "../tf/variables.ts";

/** What one application of a model needs beyond its input. */
export interface CallContext {
  /** Training mode: BatchNorm uses batch statistics and records updates; dropout drops. */
  training: boolean;
  /** Base seed (int64[2]) for per-call randomness such as dropout masks. */
  seed?: Output;
  /** Ops the caller must run for the call to take effect (BatchNorm moving averages). */
  updates: Operation[];
  /** Counter that gives each random op of a call its own stream. */
  nextStream: () => number;
  /** Element type to compute in ("float32", or "bfloat16" for mixed precision). */
  computeDtype: "float32" | "bfloat16";
}

/** Makes a {@linkcode CallContext}. Streams start at `firstStream`, so separate calls can use disjoint ones. */
export function callContext(
  options: {
    training: boolean;
    seed?: Output;
    computeDtype?: "float32" | "bfloat16";
    firstStream?: number;
  },
): CallContext {
  let stream = options.firstStream ?? 0;
  return {
    training: options.training,
    seed: options.seed,
    updates: [],
    nextStream: () => stream++,
    computeDtype: options.computeDtype ?? "float32",
  };
}

/**
 * A per-stream seed: [seed0, seed1 * 64 + stream]. The step number is
 * seed1, so every (step, stream) pair draws its own numbers.
 */
export function streamSeed(g: Graph, seed: Output, stream: number): Output {
  if (stream >= 64) throw new RangeError("at most 64 random streams per step");
  return ops.add(
    ops.mul(seed, ops.constant(g, "int64", [2], [1, 64])),
    ops.constant(g, "int64", [2], [0, stream]),
  );
}

/** A layer: weights made once, applied any number of times. */
export interface Layer {
  /** Name (the variables' scope). */
  readonly name: string;
  /** Creates the weights for inputs of `inputShape` (batch dimension excluded); returns the output shape. */
  build(g: Graph, inputShape: readonly number[], seed: Seed): number[];
  /** Maps `x` to the output. */
  call(x: Output, ctx: CallContext): Output;
  /** Weights, trainable and not, in a fixed order. */
  readonly variables: Variable[];
}

/** Reads a variable's value in the compute type (float32 weights, bf16 maths when asked). */
export function weight(v: Variable, ctx: CallContext): Output {
  return ctx.computeDtype === "float32" ? v.value : ops.cast(v.value, ctx.computeDtype);
}
