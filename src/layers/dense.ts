/**
 * Fully connected layer (Keras `Dense`): glorot-uniform kernel, zero bias.
 *
 * @module
 */

import type { Graph, Output } from "../tf/graph.ts";
import { glorotUniform, type Seed, zeros } from "../tf/initializers.ts";
import * as ops from "../tf/ops.ts";
import { Variable } from "../tf/variables.ts";
import { type CallContext, type Layer, weight } from "./layer.ts";

/** `Dense(units)` on a flat input. */
export class Dense implements Layer {
  readonly variables: Variable[] = [];
  #kernel?: Variable;
  #bias?: Variable;
  /** Creates the layer with `units` outputs; `name` scopes its kernel and optional bias. */
  constructor(readonly name: string, readonly units: number, readonly useBias = true) {}

  build(g: Graph, inputShape: readonly number[], seed: Seed): number[] {
    const inputs = inputShape.reduce((a, b) => a * b, 1);
    g.withScope(this.name, () => {
      this.#kernel = new Variable(g, "kernel", [inputs, this.units], glorotUniform(seed));
      this.variables.push(this.#kernel);
      if (this.useBias) {
        this.#bias = new Variable(g, "bias", [this.units], zeros());
        this.variables.push(this.#bias);
      }
    });
    return [this.units];
  }

  call(x: Output, ctx: CallContext): Output {
    let y = ops.matMul(x, weight(this.#kernel!, ctx));
    if (this.#bias) y = ops.biasAdd(y, weight(this.#bias, ctx));
    return y;
  }
}
