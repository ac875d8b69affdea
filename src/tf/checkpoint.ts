/**
 * Save and restore variables in TensorFlow's own checkpoint format
 * (SaveV2/RestoreV2: `<prefix>.index` + `<prefix>.data-00000-of-00001`), so
 * that TensorFlow's tools (`tf.train.load_checkpoint`) can read them.
 *
 * @example
 * ```ts
 * // const saver = new Saver(graph, variables);
 * // await saver.save(session, "/tmp/run/ckpt");
 * // await saver.restore(session, "/tmp/run/ckpt");
 * ```
 * @module
 */

import { types } from "./attrs.ts";
import type { Graph, Operation, Output } from "./graph.ts";
import * as ops from "./ops.ts";
import type { Session } from "./session.ts";
import { Tensor } from "./tensor.ts";
import type { Variable } from "./variables.ts";

/** Saves and restores a fixed list of variables, keyed by their names. */
export class Saver {
  /** The variables, in checkpoint order. */
  readonly variables: ReadonlyArray<Variable>;
  readonly #prefix: Output;
  readonly #save: Operation;
  readonly #restore: Operation;

  /** Adds save and restore ops for `variables` to `graph`; throws if two of them share a name. */
  constructor(graph: Graph, variables: ReadonlyArray<Variable>, name = "saver") {
    this.variables = variables;
    const names = variables.map((v) => v.name);
    if (new Set(names).size !== names.length) {
      throw new Error("two variables share a checkpoint name");
    }
    const built = graph.withScope(name, () => {
      const prefix = ops.placeholder(graph, "string", [], "prefix");
      const keys = ops.constant(graph, "string", [names.length], names, "tensor_names");
      const slices = ops.constant(
        graph,
        "string",
        [names.length],
        names.map(() => ""),
        "shape_and_slices",
      );
      const save = graph.addOp({
        type: "SaveV2",
        name: "save",
        inputs: [prefix, keys, slices, variables.map((v) => v.value)],
        attrs: { dtypes: types(variables.map((v) => v.dtype)) },
      });
      const restored = graph.addOp({
        type: "RestoreV2",
        name: "restore_v2",
        inputs: [prefix, keys, slices],
        attrs: { dtypes: types(variables.map((v) => v.dtype)) },
      });
      const assigns = variables.map((v, i) => v.assign(restored.output(i), "restore_assign"));
      const restore = ops.group(graph, assigns, "restore");
      return { prefix, save, restore };
    });
    this.#prefix = built.prefix;
    this.#save = built.save;
    this.#restore = built.restore;
  }

  /** Writes the variables' current values under `prefix`. */
  async save(session: Session, prefix: string): Promise<void> {
    using p = Tensor.from("string", [], [prefix]);
    await session.runAsync({ feeds: [[this.#prefix, p]], targets: [this.#save] });
  }

  /** Sets the variables from the checkpoint at `prefix`. */
  async restore(session: Session, prefix: string): Promise<void> {
    using p = Tensor.from("string", [], [prefix]);
    await session.runAsync({ feeds: [[this.#prefix, p]], targets: [this.#restore] });
  }
}
