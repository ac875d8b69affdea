/**
 * A model as a list of layers (Keras `Sequential`).
 *
 * @module
 */

import type { Graph, Output } from "../tf/graph.ts";
import type { Variable } from "../tf/variables.ts";
import type { CallContext, Layer } from "./layer.ts";

/** Layers applied in order, weights created under one name scope. */
export class Sequential {
  #built = false;
  /** Output shape (batch excluded), known after build. */
  outputShape: number[] = [];
  /** Creates the model; `name` is the scope its layers' weights are created under. */
  constructor(readonly name: string, readonly layers: Layer[]) {}

  /**
   * Creates every layer's weights. Layer i's kernel seed is
   * [seed, seedOffset + i], so initial weights depend only on the run's seed.
   */
  build(g: Graph, inputShape: readonly number[], seed: number, seedOffset: number): this {
    if (this.#built) throw new Error(`${this.name} is already built`);
    let shape = [...inputShape];
    g.withScope(this.name, () => {
      this.layers.forEach((layer, i) => {
        shape = layer.build(g, shape, [seed, seedOffset + i]);
      });
    });
    this.outputShape = shape;
    this.#built = true;
    return this;
  }

  /** Applies the layers to `x`. */
  call(x: Output, ctx: CallContext): Output {
    if (!this.#built) throw new Error(`${this.name} must be built before it is called`);
    return x.graph.withScope(
      this.name,
      () => this.layers.reduce((y, layer) => layer.call(y, ctx), x),
    );
  }

  /** All weights, in layer order. */
  get variables(): Variable[] {
    return this.layers.flatMap((l) => l.variables);
  }

  /** Weights an optimizer trains. */
  get trainableVariables(): Variable[] {
    return this.variables.filter((v) => v.trainable);
  }

  /** Number of trainable and non-trainable parameters. */
  countParameters(): { trainable: number; nonTrainable: number } {
    let trainable = 0;
    let nonTrainable = 0;
    for (const v of this.variables) {
      if (v.trainable) trainable += v.size;
      else nonTrainable += v.size;
    }
    return { trainable, nonTrainable };
  }
}
