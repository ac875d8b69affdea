/**
 * Resource variables: a handle, a read of its value, assignment, and an
 * initialiser built from stateless random ops with explicit seeds.
 *
 * @example
 * ```ts
 * import { Graph } from "./graph.ts";
 * import { Variable } from "./variables.ts";
 * import { glorotUniform } from "./initializers.ts";
 * using g = new Graph();
 * const w = new Variable(g, "kernel", [3, 4], glorotUniform([1, 2]));
 * ```
 * @module
 */

import { shape as shapeAttr, type } from "./attrs.ts";
import type { DType } from "./dtype.ts";
import type { Graph, Operation, Output } from "./graph.ts";
import * as ops from "./ops.ts";

/** Builds an initial value of `shape` in graph `g`. */
export type Initializer = (g: Graph, shape: readonly number[], dtype: DType) => Output;

/** A resource variable with a fixed shape. */
export class Variable {
  /** The graph. */
  readonly graph: Graph;
  /** Full name (scope included): the checkpoint key. */
  readonly name: string;
  /** Fixed shape. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
  /** The resource handle (VarHandleOp). */
  readonly handle: Output;
  /** A read of the value; take gradients with respect to this. */
  readonly value: Output;
  /** Assigns the initial value. */
  readonly initializer: Operation;
  /** Whether an optimizer should train it (false for BatchNorm statistics, counters). */
  readonly trainable: boolean;

  /**
   * Creates the variable's ops in `g` (not its value: run `initializer`);
   * `name` is prefixed with the current scope and made unique, giving
   * {@linkcode Variable.prototype.name}.
   */
  constructor(
    g: Graph,
    name: string,
    shape: readonly number[],
    init: Initializer,
    options: { dtype?: DType; trainable?: boolean } = {},
  ) {
    this.graph = g;
    this.shape = shape;
    this.dtype = options.dtype ?? "float32";
    this.trainable = options.trainable ?? true;
    // An empty shared_name would make every variable of a session one and the
    // same resource: use the unique, scoped op name.
    this.name = g.uniqueName(name);
    const op = g.addOp({
      type: "VarHandleOp",
      name: this.name,
      exactName: true,
      attrs: {
        dtype: type(this.dtype),
        shape: shapeAttr(shape),
        container: "",
        shared_name: this.name,
      },
    });
    this.handle = op.output(0);
    this.initializer = g.withScope(
      `${leaf(this.name)}_init`,
      () => this.assign(init(g, shape, this.dtype)),
    );
    this.value = this.read(`${leaf(this.name)}_read`);
  }

  /** A fresh read, ordered after `control` when given. */
  read(name = "read", control: ReadonlyArray<Operation> = []): Output {
    return this.graph.addOp({
      type: "ReadVariableOp",
      name,
      inputs: [this.handle],
      attrs: { dtype: type(this.dtype) },
      control,
    }).output(0);
  }

  /** An op that sets the variable to `value`. */
  assign(value: Output, name = "assign"): Operation {
    return this.graph.addOp({
      type: "AssignVariableOp",
      name,
      inputs: [this.handle, value],
      attrs: { dtype: type(this.dtype) },
    });
  }

  /** An op that adds `delta` to the variable. */
  assignAdd(delta: Output, name = "assign_add"): Operation {
    return this.graph.addOp({
      type: "AssignAddVariableOp",
      name,
      inputs: [this.handle, delta],
      attrs: { dtype: type(this.dtype) },
    });
  }

  /** Number of elements. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

function leaf(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

/** One op that runs every variable's initialiser. */
export function initializeAll(g: Graph, variables: ReadonlyArray<Variable>): Operation {
  return ops.group(g, variables.map((v) => v.initializer), "init_all");
}
