/**
 * Layers without weights: activations, dropout, reshaping.
 *
 * @module
 */

import type { Graph, Output } from "../tf/graph.ts";
import type { Seed } from "../tf/initializers.ts";
import * as ops from "../tf/ops.ts";
import type { Variable } from "../tf/variables.ts";
import { type CallContext, type Layer, streamSeed } from "./layer.ts";

/**
 * Base class for a layer without weights: `build` creates nothing and only
 * works out the output shape. Subclass it for a custom activation.
 */
export abstract class Stateless implements Layer {
  /** Always empty: these layers own no weights. */
  readonly variables: Variable[] = [];
  /** Creates the layer; `name` is its scope in the graph. */
  constructor(readonly name: string) {}
  /** Creates no weights; returns {@linkcode Stateless.prototype.outputShape} of `inputShape`. */
  build(_g: Graph, inputShape: readonly number[], _seed: Seed): number[] {
    return this.outputShape(inputShape);
  }
  /** The output shape (batch excluded) for `inputShape`; by default the same shape. */
  protected outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
  /** Maps `x` to the output. */
  abstract call(x: Output, ctx: CallContext): Output;
}

/** `LeakyReLU(alpha)`. */
export class LeakyReLU extends Stateless {
  /** Creates the layer; `alpha` is the slope below zero (default 0.2, unlike Keras's 0.3). */
  constructor(name: string, readonly alpha = 0.2) {
    super(name);
  }
  /** `max(x, alpha * x)`. */
  call(x: Output): Output {
    return ops.leakyRelu(x, this.alpha);
  }
}

/** tanh activation (the generator's output, in [-1, 1]). */
export class Tanh extends Stateless {
  /** Element-wise `tanh(x)`. */
  call(x: Output): Output {
    return ops.tanh(x);
  }
}

/** `Dropout(rate)`: active in training only, mask from the call's seed stream. */
export class Dropout extends Stateless {
  /** Creates the layer; `rate` is the fraction of units dropped in training (0 disables it). */
  constructor(name: string, readonly rate: number) {
    super(name);
  }
  /**
   * Returns `x` unchanged in inference; in training drops units and scales the
   * rest by `1 / (1 - rate)`, and throws when `ctx.seed` is missing.
   */
  call(x: Output, ctx: CallContext): Output {
    if (!ctx.training || this.rate === 0) return x;
    if (!ctx.seed) throw new Error(`${this.name}: dropout in training needs a seed`);
    const stream = ctx.nextStream();
    return ops.dropout(x, this.rate, streamSeed(x.graph, ctx.seed, stream));
  }
}

/** `Reshape(shape)` (batch dimension kept). */
export class Reshape extends Stateless {
  /** Creates the layer; `shape` excludes the batch and must match the input's element count. */
  constructor(name: string, readonly shape: readonly number[]) {
    super(name);
  }
  /** Always {@linkcode Reshape.prototype.shape}. */
  protected override outputShape(): number[] {
    return [...this.shape];
  }
  /** Reshapes `x` to `[batch, ...shape]`. */
  call(x: Output): Output {
    return ops.reshape(x, [-1, ...this.shape]);
  }
}

/** `Flatten()`. */
export class Flatten extends Stateless {
  #size = 0;
  /** The product of the input dimensions, as a one-element shape; remembered for `call`. */
  protected override outputShape(inputShape: readonly number[]): number[] {
    this.#size = inputShape.reduce((a, b) => a * b, 1);
    return [this.#size];
  }
  /** Reshapes `x` to `[batch, size]`; only valid after `build`. */
  call(x: Output): Output {
    return ops.reshape(x, [-1, this.#size]);
  }
}
