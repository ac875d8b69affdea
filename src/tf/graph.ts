/**
 * Graphs, operations and the one generic way to add an operation.
 *
 * @example
 * ```ts
 * import { Graph } from "./graph.ts";
 * import { type } from "./attrs.ts";
 * using g = new Graph();
 * const x = g.addOp({ type: "Placeholder", name: "x", attrs: { dtype: type("float32") } }).output(0);
 * const y = g.addOp({ type: "Tanh", inputs: [x] }).output(0);
 * ```
 * @module
 */

import {
  cString,
  packInt64s,
  packOutput,
  packOutputs,
  type Pointer,
  readCString,
} from "../../ffi/c.ts";
import { tf } from "../../ffi/library.ts";
import type { AttrValue } from "./attrs.ts";
import { type DType, DTYPE_CODES, dtypeFromCode } from "./dtype.ts";
import { NativeHandle } from "./native.ts";
import { Status, withStatus } from "./status.ts";
import { Tensor } from "./tensor.ts";

/** One output of an operation: the unit that feeds, fetches and inputs speak in. */
export class Output {
  /** Refers to output `index` of `op`; does not check that the output exists. */
  constructor(
    /** The operation that produces it. */
    readonly op: Operation,
    /** Which of the operation's outputs. */
    readonly index: number,
  ) {}

  /** The graph it belongs to. */
  get graph(): Graph {
    return this.op.graph;
  }

  /** Element type. */
  get dtype(): DType {
    return dtypeFromCode(tf().TF_OperationOutputType(packOutput(this.op.pointer, this.index)));
  }

  /** Static shape as far as the graph knows it (-1 for unknown dimensions; null for unknown rank). */
  get shape(): number[] | null {
    return withStatus(`shape of ${this.name}`, (status) => {
      const g = this.graph.pointer;
      const out = packOutput(this.op.pointer, this.index);
      const rank = tf().TF_GraphGetTensorNumDims(g, out, status);
      if (rank < 0) return null;
      const dims = new BigInt64Array(Math.max(1, rank));
      tf().TF_GraphGetTensorShape(g, out, dims, rank, status);
      return Array.from(dims.subarray(0, rank), Number);
    });
  }

  /** "op_name:index", TensorFlow's own way of naming a tensor. */
  get name(): string {
    return `${this.op.name}:${this.index}`;
  }
}

/** A graph operation. Owned by its graph: it lives as long as the graph does. */
export class Operation {
  /** Wraps an operation pointer of `graph`; normally made by {@linkcode Graph.prototype.addOp}. */
  constructor(
    /** The graph holding it. */
    readonly graph: Graph,
    /** The `TF_Operation*` (not separately freed). */
    readonly pointer: NonNullable<Pointer>,
  ) {}

  /** The unique name in the graph. */
  get name(): string {
    return readCString(tf().TF_OperationName(this.pointer));
  }

  /** The op type, e.g. "MatMul". */
  get type(): string {
    return readCString(tf().TF_OperationOpType(this.pointer));
  }

  /** The requested device ("" when unset). */
  get device(): string {
    return readCString(tf().TF_OperationDevice(this.pointer));
  }

  /** Number of outputs. */
  get numOutputs(): number {
    return tf().TF_OperationNumOutputs(this.pointer);
  }

  /** Output `index`. */
  output(index = 0): Output {
    return new Output(this, index);
  }

  /** All outputs. */
  outputs(): Output[] {
    return Array.from({ length: this.numOutputs }, (_, i) => new Output(this, i));
  }
}

/** Everything needed to add one operation. */
export interface OpSpec {
  /** Op type as registered in TensorFlow ("Conv2D"). */
  type: string;
  /** Name; made unique within the current name scope. Defaults to the type. */
  name?: string;
  /** Use `name` exactly as given (already scoped and unique, see `Graph.uniqueName`). */
  exactName?: boolean;
  /** Inputs in order; an array stands for a list input (e.g. `ConcatV2`'s values). */
  inputs?: ReadonlyArray<Output | ReadonlyArray<Output>>;
  /** Attributes by name. */
  attrs?: Record<string, AttrValue | undefined>;
  /** Operations that must run before this one. */
  control?: ReadonlyArray<Operation>;
  /** Device, e.g. "/device:GPU:0"; defaults to the graph's current device scope. */
  device?: string;
}

/** A `TF_Graph`, with name scopes, device scopes and unique names. */
export class Graph extends NativeHandle {
  #names = new Map<string, number>();
  #scopes: string[] = [];
  #devices: string[] = [];
  #controls: Operation[][] = [];

  constructor() {
    super("Graph", tf().TF_NewGraph()!, (p) => tf().TF_DeleteGraph(p));
  }

  /** Runs `fn` with names prefixed by `scope/`. */
  withScope<T>(scope: string, fn: () => T): T {
    // Scopes hold full paths: re-entering a scope name gives "name_1", as in TensorFlow.
    this.#scopes.push(this.uniqueName(scope));
    try {
      return fn();
    } finally {
      this.#scopes.pop();
    }
  }

  /** Runs `fn` with operations placed on `device` unless they name their own. */
  withDevice<T>(device: string, fn: () => T): T {
    this.#devices.push(device);
    try {
      return fn();
    } finally {
      this.#devices.pop();
    }
  }

  /** Runs `fn` with every new operation depending on `ops`. */
  withControlDependencies<T>(ops: ReadonlyArray<Operation>, fn: () => T): T {
    this.#controls.push([...ops]);
    try {
      return fn();
    } finally {
      this.#controls.pop();
    }
  }

  /** The current scope prefix ("" at the top). */
  get scope(): string {
    return this.#scopes.at(-1) ?? "";
  }

  /** A name not yet used in this graph, within the current scope: "x", then "x_1", "x_2"... */
  uniqueName(name: string): string {
    const full = this.#scopes.length ? `${this.scope}/${name}` : name;
    let candidate = full;
    let n = this.#names.get(full) ?? 0;
    while (this.#names.has(candidate) || this.operation(candidate)) {
      n += 1;
      candidate = `${full}_${n}`;
    }
    this.#names.set(full, n);
    this.#names.set(candidate, 0);
    return candidate;
  }

  /** The operation called `name`, if any. */
  operation(name: string): Operation | undefined {
    const p = tf().TF_GraphOperationByName(this.pointer, cString(name));
    return p === null ? undefined : new Operation(this, p);
  }

  /** Adds an operation; throws a `TensorFlowError` naming the op when TensorFlow refuses it. */
  addOp(spec: OpSpec): Operation {
    const lib = tf();
    const name = spec.exactName && spec.name ? spec.name : this.uniqueName(spec.name ?? spec.type);
    const desc = lib.TF_NewOperation(this.pointer, cString(spec.type), cString(name));
    // Buffers handed to TF_NewOperation's setters only need to live for the
    // call: TensorFlow copies attribute values.
    const device = spec.device ?? this.#devices.at(-1);
    if (device) lib.TF_SetDevice(desc, cString(device));
    for (const input of spec.inputs ?? []) {
      if (input instanceof Output) {
        lib.TF_AddInput(desc, packOutput(input.op.pointer, input.index));
      } else {
        const list = input as ReadonlyArray<Output>;
        lib.TF_AddInputList(
          desc,
          packOutputs(list.map((o) => [o.op.pointer, o.index])),
          list.length,
        );
      }
    }
    const controls = [...this.#controls.flat(), ...(spec.control ?? [])];
    for (const op of controls) lib.TF_AddControlInput(desc, op.pointer);
    using status = new Status();
    for (const [attrName, value] of Object.entries(spec.attrs ?? {})) {
      if (value !== undefined) setAttr(desc, attrName, value, status);
    }
    const op = lib.TF_FinishOperation(desc, status.pointer);
    status.check(`adding ${spec.type} '${name}'`);
    return new Operation(this, op!);
  }
}

function setAttr(desc: Pointer, name: string, value: AttrValue, status: Status): void {
  const lib = tf();
  const n = cString(name);
  if (typeof value === "string") {
    const bytes = new TextEncoder().encode(value);
    lib.TF_SetAttrString(desc, n, bytes.length ? bytes : new Uint8Array(1), BigInt(bytes.length));
    return;
  }
  if (typeof value === "boolean") return lib.TF_SetAttrBool(desc, n, value ? 1 : 0);
  if (value instanceof Tensor) {
    lib.TF_SetAttrTensor(desc, n, value.pointer, status.pointer);
    status.check(`attribute ${name}`);
    return;
  }
  switch (value.kind) {
    case "int":
      return lib.TF_SetAttrInt(desc, n, BigInt(value.value));
    case "float":
      return lib.TF_SetAttrFloat(desc, n, value.value);
    case "type":
      return lib.TF_SetAttrType(desc, n, DTYPE_CODES[value.value]);
    case "shape":
      if (value.value === null) return lib.TF_SetAttrShape(desc, n, new BigInt64Array(1), -1);
      return lib.TF_SetAttrShape(desc, n, packInt64s(value.value), value.value.length);
    case "ints":
      return lib.TF_SetAttrIntList(desc, n, packInt64s(value.value), value.value.length);
    case "floats":
      return lib.TF_SetAttrFloatList(
        desc,
        n,
        new Float32Array(Math.max(1, value.value.length)).map((_, i) => value.value[i] ?? 0),
        value.value.length,
      );
    case "types":
      return lib.TF_SetAttrTypeList(
        desc,
        n,
        new Int32Array(Math.max(1, value.value.length)).map((_, i) =>
          DTYPE_CODES[value.value[i]] ?? 0
        ),
        value.value.length,
      );
    case "strings":
      throw new Error(`list(string) attributes are not needed by the toolkit (attribute ${name})`);
  }
}
