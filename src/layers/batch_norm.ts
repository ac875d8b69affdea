/**
 * Batch normalisation (Keras `BatchNormalization`: momentum 0.99, ε 1e-3,
 * γ = 1, β = 0) over the last axis, through `FusedBatchNormV3`.
 *
 * In training the batch statistics normalise and the moving averages are
 * updated by ops added to `ctx.updates`; in inference the moving averages
 * normalise. The moving variance follows the fused kernel, which reports the
 * Bessel-corrected batch variance (as Keras 2's fused path did).
 *
 * @module
 */

import type { Graph, Output } from "../tf/graph.ts";
import { ones, type Seed, zeros } from "../tf/initializers.ts";
import * as ops from "../tf/ops.ts";
import { Variable } from "../tf/variables.ts";
import type { CallContext, Layer } from "./layer.ts";

/** BatchNorm settings (Keras defaults). */
export interface BatchNormOptions {
  /** Moving-average momentum. Default 0.99. */
  momentum?: number;
  /** Added to the variance. Default 1e-3. */
  epsilon?: number;
}

/** `BatchNormalization()` over the channel (last) axis, for rank 2 or 4 inputs. */
export class BatchNorm implements Layer {
  readonly variables: Variable[] = [];
  /** Moving-average momentum in use (default 0.99). */
  readonly momentum: number;
  /** Variance epsilon in use (default 1e-3). */
  readonly epsilon: number;
  #gamma?: Variable;
  #beta?: Variable;
  #movingMean?: Variable;
  #movingVariance?: Variable;
  #rank = 0;
  /** Creates the layer; `name` scopes its gamma, beta and moving statistics. */
  constructor(readonly name: string, options: BatchNormOptions = {}) {
    this.momentum = options.momentum ?? 0.99;
    this.epsilon = options.epsilon ?? 1e-3;
  }

  build(g: Graph, inputShape: readonly number[], _seed: Seed): number[] {
    const channels = inputShape.at(-1)!;
    this.#rank = inputShape.length + 1;
    g.withScope(this.name, () => {
      this.#gamma = new Variable(g, "gamma", [channels], ones());
      this.#beta = new Variable(g, "beta", [channels], zeros());
      this.#movingMean = new Variable(g, "moving_mean", [channels], zeros(), { trainable: false });
      this.#movingVariance = new Variable(g, "moving_variance", [channels], ones(), {
        trainable: false,
      });
    });
    this.variables.push(this.#gamma!, this.#beta!, this.#movingMean!, this.#movingVariance!);
    return [...inputShape];
  }

  call(x: Output, ctx: CallContext): Output {
    const g = x.graph;
    // The fused kernel wants NHWC: a [N, C] input becomes [N, 1, 1, C] and back.
    const flat = this.#rank === 2;
    const c = this.#gamma!.shape[0];
    const input = flat ? ops.reshape(x, [-1, 1, 1, c]) : x;
    const result = ops.fusedBatchNorm(
      input,
      this.#gamma!.value,
      this.#beta!.value,
      this.#movingMean!.value,
      this.#movingVariance!.value,
      { epsilon: this.epsilon, training: ctx.training },
    );
    if (ctx.training) {
      const m = ops.scalar(g, this.momentum);
      const oneMinus = ops.scalar(g, 1 - this.momentum);
      const average = (v: Variable, batch: Output) =>
        v.assign(
          ops.add(ops.mul(v.value, m), ops.mul(ops.stopGradient(batch), oneMinus)),
          "update",
        );
      g.withScope(this.name, () => {
        ctx.updates.push(average(this.#movingMean!, result.mean));
        ctx.updates.push(average(this.#movingVariance!, result.variance));
      });
    }
    return flat ? ops.reshape(result.y, [-1, c]) : result.y;
  }
}
