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

abstract class Stateless implements Layer {
  readonly variables: Variable[] = [];
  constructor(readonly name: string) {}
  build(_g: Graph, inputShape: readonly number[], _seed: Seed): number[] {
    return this.outputShape(inputShape);
  }
  protected outputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }
  abstract call(x: Output, ctx: CallContext): Output;
}

/** `LeakyReLU(alpha)`. */
export class LeakyReLU extends Stateless {
  constructor(name: string, readonly alpha = 0.2) {
    super(name);
  }
  call(x: Output): Output {
    return ops.leakyRelu(x, this.alpha);
  }
}

/** tanh activation (the generator's output, in [-1, 1]). */
export class Tanh extends Stateless {
  call(x: Output): Output {
    return ops.tanh(x);
  }
}

/** `Dropout(rate)`: active in training only, mask from the call's seed stream. */
export class Dropout extends Stateless {
  constructor(name: string, readonly rate: number) {
    super(name);
  }
  call(x: Output, ctx: CallContext): Output {
    if (!ctx.training || this.rate === 0) return x;
    if (!ctx.seed) throw new Error(`${this.name}: dropout in training needs a seed`);
    const stream = ctx.nextStream();
    return ops.dropout(x, this.rate, streamSeed(x.graph, ctx.seed, stream));
  }
}

/** `Reshape(shape)` (batch dimension kept). */
export class Reshape extends Stateless {
  constructor(name: string, readonly shape: readonly number[]) {
    super(name);
  }
  protected override outputShape(): number[] {
    return [...this.shape];
  }
  call(x: Output): Output {
    return ops.reshape(x, [-1, ...this.shape]);
  }
}

/** `Flatten()`. */
export class Flatten extends Stateless {
  #size = 0;
  protected override outputShape(inputShape: readonly number[]): number[] {
    this.#size = inputShape.reduce((a, b) => a * b, 1);
    return [this.#size];
  }
  call(x: Output): Output {
    return ops.reshape(x, [-1, this.#size]);
  }
}
