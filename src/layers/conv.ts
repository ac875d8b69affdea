/**
 * Convolutions (Keras `Conv2D` and `Conv2DTranspose`), NHWC, `SAME` padding.
 *
 * @module
 */

import type { Graph, Output } from "../tf/graph.ts";
import { glorotUniform, type Seed, zeros } from "../tf/initializers.ts";
import * as ops from "../tf/ops.ts";
import { Variable } from "../tf/variables.ts";
import { type CallContext, type Layer, weight } from "./layer.ts";

/** Settings shared by both convolutions. */
export interface ConvOptions {
  /** Output channels. */
  filters: number;
  /** Square kernel size. */
  kernel: number;
  /** Square stride. */
  stride: number;
  /** Add a bias (Keras default true; the generator's layers use false). */
  useBias?: boolean;
}

/** `Conv2D`: kernel [k, k, in, filters]. */
export class Conv2D implements Layer {
  readonly variables: Variable[] = [];
  #kernel?: Variable;
  #bias?: Variable;
  /** Creates the layer; `name` scopes its weights. Output size is `ceil(input / stride)`. */
  constructor(readonly name: string, readonly options: ConvOptions) {}

  build(g: Graph, inputShape: readonly number[], seed: Seed): number[] {
    const [h, w, c] = inputShape;
    const { filters, kernel, stride } = this.options;
    g.withScope(this.name, () => {
      this.#kernel = new Variable(g, "kernel", [kernel, kernel, c, filters], glorotUniform(seed));
      this.variables.push(this.#kernel);
      if (this.options.useBias ?? true) {
        this.#bias = new Variable(g, "bias", [filters], zeros());
        this.variables.push(this.#bias);
      }
    });
    return [Math.ceil(h / stride), Math.ceil(w / stride), filters];
  }

  call(x: Output, ctx: CallContext): Output {
    const s = this.options.stride;
    let y = ops.conv2d(x, weight(this.#kernel!, ctx), [s, s], "SAME");
    if (this.#bias) y = ops.biasAdd(y, weight(this.#bias, ctx));
    return y;
  }
}

/** `Conv2DTranspose`: kernel [k, k, filters, in]; output size = input size × stride. */
export class Conv2DTranspose implements Layer {
  readonly variables: Variable[] = [];
  #kernel?: Variable;
  #bias?: Variable;
  #outShape: number[] = [];
  /** Creates the layer; `name` scopes its kernel and bias. Output size is `input * stride`. */
  constructor(readonly name: string, readonly options: ConvOptions) {}

  build(g: Graph, inputShape: readonly number[], seed: Seed): number[] {
    const [h, w, c] = inputShape;
    const { filters, kernel, stride } = this.options;
    g.withScope(this.name, () => {
      this.#kernel = new Variable(g, "kernel", [kernel, kernel, filters, c], glorotUniform(seed));
      this.variables.push(this.#kernel);
      if (this.options.useBias ?? true) {
        this.#bias = new Variable(g, "bias", [filters], zeros());
        this.variables.push(this.#bias);
      }
    });
    this.#outShape = [h * stride, w * stride, filters];
    return [...this.#outShape];
  }

  call(x: Output, ctx: CallContext): Output {
    const g = x.graph;
    const s = this.options.stride;
    // The batch size is only known at run time, so the output shape is built in the graph.
    const batch = ops.slice(ops.shapeOf(x), [0], [1]);
    const outShape = ops.concat([batch, ops.int32s(g, this.#outShape)], 0);
    let y = ops.conv2dTranspose(x, weight(this.#kernel!, ctx), outShape, [s, s], "SAME");
    if (this.#bias) y = ops.biasAdd(y, weight(this.#bias, ctx));
    return y;
  }
}
