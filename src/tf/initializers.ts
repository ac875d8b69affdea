/**
 * Weight initialisers as in Keras, drawn from stateless random ops so that a
 * seed fully determines the initial weights.
 *
 * @module
 */

import type { DType } from "./dtype.ts";
import type { Graph, Output } from "./graph.ts";
import * as ops from "./ops.ts";
import type { Initializer } from "./variables.ts";

/** A seed for the stateless generators: two 64-bit integers. */
export type Seed = readonly [number, number];

function seedConstant(g: Graph, seed: Seed): Output {
  return ops.constant(g, "int64", [2], [seed[0], seed[1]], "seed");
}

/** Keras's fan computation: last two dims are (in, out), the rest is the receptive field. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape.at(-2)! * receptive, fanOut: shape.at(-1)! * receptive };
}

/** Glorot (Xavier) uniform: U(-l, l) with l = √(6 / (fanIn + fanOut)). Keras's default kernel initialiser. */
export function glorotUniform(seed: Seed): Initializer {
  return (g: Graph, shape: readonly number[], dtype: DType) => {
    const { fanIn, fanOut } = fans(shape);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const u = ops.statelessUniform(g, shape, seedConstant(g, seed), dtype);
    return ops.sub(ops.mul(u, ops.scalar(g, 2 * limit, dtype)), ops.scalar(g, limit, dtype));
  };
}

/** Normal with mean `mean` and standard deviation `stddev`. */
export function randomNormal(seed: Seed, stddev = 0.05, mean = 0): Initializer {
  return (g: Graph, shape: readonly number[], dtype: DType) =>
    ops.add(
      ops.mul(
        ops.statelessNormal(g, shape, seedConstant(g, seed), dtype),
        ops.scalar(g, stddev, dtype),
      ),
      ops.scalar(g, mean, dtype),
    );
}

/** A constant fill. */
export function constantFill(value: number): Initializer {
  return (g: Graph, shape: readonly number[], dtype: DType) =>
    g.addOp({
      type: "Fill",
      name: "fill",
      inputs: [ops.int32s(g, shape), ops.scalar(g, value, dtype)],
    }).output(0);
}

/** All zeros (biases, BatchNorm beta and moving mean, optimizer slots). */
export const zeros = (): Initializer => constantFill(0);
/** All ones (BatchNorm gamma and moving variance). */
export const ones = (): Initializer => constantFill(1);
