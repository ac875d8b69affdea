/**
 * Adam as in Keras (learning rate, β1, β2, ε = 1e-7), applied with
 * TensorFlow's own `ResourceApplyAdam` kernel.
 *
 * @example
 * ```ts
 * // const adam = new Adam(graph, { learningRate: 1e-4, name: "g_adam" });
 * // const step = adam.minimize(loss, variables);
 * ```
 * @module
 */

import { type } from "./attrs.ts";
import type { Graph, Operation, Output } from "./graph.ts";
import { gradients } from "./gradients.ts";
import { zeros } from "./initializers.ts";
import * as ops from "./ops.ts";
import { Variable } from "./variables.ts";

/** Adam's settings; Keras's defaults apart from the learning rate. */
export interface AdamOptions {
  /** Step size. Default 1e-3. */
  learningRate?: number;
  /** Decay of the first moment. Default 0.9. */
  beta1?: number;
  /** Decay of the second moment. Default 0.999. */
  beta2?: number;
  /** Keras's ε (added to √v). Default 1e-7. */
  epsilon?: number;
  /** Scope for the optimizer's variables ("adam"). */
  name?: string;
}

/** An Adam optimizer with its own step counter and per-variable moments. */
export class Adam {
  /** Resolved settings. */
  readonly options: Required<AdamOptions>;
  /** Number of updates applied so far (int64). */
  readonly iterations: Variable;
  /** Every variable the optimizer owns (counter, then m and v per trained variable). */
  readonly variables: Variable[] = [];
  readonly #graph: Graph;

  /** Creates the optimizer and its iteration counter in `graph`; options default as in Keras. */
  constructor(graph: Graph, options: AdamOptions = {}) {
    this.#graph = graph;
    this.options = {
      learningRate: options.learningRate ?? 1e-3,
      beta1: options.beta1 ?? 0.9,
      beta2: options.beta2 ?? 0.999,
      epsilon: options.epsilon ?? 1e-7,
      name: options.name ?? "adam",
    };
    this.iterations = graph.withScope(
      this.options.name,
      () => new Variable(graph, "iterations", [], zeros(), { dtype: "int64", trainable: false }),
    );
    this.variables.push(this.iterations);
  }

  /**
   * One op that applies `grads` to `vars` and then counts the step. Updates
   * wait for `after` (e.g. every gradient of a GAN step) so that no update
   * changes a weight another gradient still has to read.
   */
  apply(
    vars: ReadonlyArray<Variable>,
    grads: ReadonlyArray<Output>,
    after: ReadonlyArray<Operation> = [],
  ): Operation {
    const g = this.#graph;
    const o = this.options;
    return g.withScope(this.options.name, () => {
      const t = ops.add(ops.cast(this.iterations.value, "float32"), ops.scalar(g, 1));
      const beta1Power = ops.pow(ops.scalar(g, o.beta1), t, "beta1_power");
      const beta2Power = ops.pow(ops.scalar(g, o.beta2), t, "beta2_power");
      const lr = ops.scalar(g, o.learningRate, "float32", "learning_rate");
      const b1 = ops.scalar(g, o.beta1, "float32", "beta1");
      const b2 = ops.scalar(g, o.beta2, "float32", "beta2");
      const eps = ops.scalar(g, o.epsilon, "float32", "epsilon");
      const updates = vars.map((v, i) => {
        const slotName = v.name.replace(/\//g, "_");
        const m = new Variable(g, `${slotName}_m`, v.shape, zeros(), { trainable: false });
        const s = new Variable(g, `${slotName}_v`, v.shape, zeros(), { trainable: false });
        this.variables.push(m, s);
        return g.addOp({
          type: "ResourceApplyAdam",
          name: `apply_${slotName}`,
          inputs: [v.handle, m.handle, s.handle, beta1Power, beta2Power, lr, b1, b2, eps, grads[i]],
          attrs: { T: type("float32"), use_locking: false, use_nesterov: false },
          control: after,
        });
      });
      const count = g.withControlDependencies(
        updates,
        () => this.iterations.assignAdd(ops.constant(g, "int64", [], [1]), "count_step"),
      );
      return ops.group(g, [...updates, count], "update");
    });
  }

  /** Gradients of `loss` for `vars`, then {@linkcode Adam.apply}. */
  minimize(loss: Output, vars: ReadonlyArray<Variable>): Operation {
    const grads = gradients(this.#graph, [loss], vars.map((v) => v.value), {
      prefix: `${this.options.name}_gradients`,
    });
    return this.apply(vars, grads, grads.map((x) => x.op));
  }
}
