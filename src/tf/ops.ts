/**
 * Typed wrappers over the TensorFlow ops the toolkit uses. Each takes and
 * returns {@linkcode Output}s; the graph comes from the first input (or is
 * passed explicitly for ops without inputs).
 *
 * @example
 * ```ts
 * import { Graph } from "./graph.ts";
 * import * as ops from "./ops.ts";
 * using g = new Graph();
 * const x = ops.placeholder(g, "float32", [-1, 3], "x");
 * const y = ops.tanh(ops.matMul(x, ops.constant(g, "float32", [3, 1], [1, 2, 3])));
 * ```
 * @module
 */

import { float, int, ints, shape as shapeAttr, type } from "./attrs.ts";
import type { DType } from "./dtype.ts";
import type { Graph, Operation, Output } from "./graph.ts";
import { Tensor, type TensorInput } from "./tensor.ts";

function unary(opType: string, x: Output, name?: string): Output {
  return x.graph.addOp({ type: opType, name, inputs: [x] }).output(0);
}
function binary(opType: string, a: Output, b: Output, name?: string): Output {
  return a.graph.addOp({ type: opType, name, inputs: [a, b] }).output(0);
}

/** A value fed at run time. Use -1 for unknown dimensions, omit `shape` for unknown rank. */
export function placeholder(
  g: Graph,
  dtype: DType,
  shape?: readonly number[],
  name = "placeholder",
): Output {
  return g.addOp({
    type: "Placeholder",
    name,
    attrs: { dtype: type(dtype), shape: shape ? shapeAttr(shape) : undefined },
  }).output(0);
}

/** A constant tensor baked into the graph. */
export function constant<D extends DType>(
  g: Graph,
  dtype: D,
  shape: readonly number[],
  values: TensorInput<D>,
  name = "Const",
): Output {
  using value = Tensor.from(dtype, shape, values);
  return g.addOp({ type: "Const", name, attrs: { value, dtype: type(dtype) } }).output(0);
}

/** A scalar constant. */
export function scalar(g: Graph, value: number, dtype: DType = "float32", name = "Const"): Output {
  return constant(g, dtype as "float32", [], [value], name);
}

/** An int32 vector constant (shapes, axes, strides). */
export function int32s(g: Graph, values: readonly number[], name = "Const"): Output {
  return constant(g, "int32", [values.length], values, name);
}

/** Does nothing; runs `control` first. Useful as a single training target. */
export function group(g: Graph, control: ReadonlyArray<Operation>, name = "group"): Operation {
  return g.addOp({ type: "NoOp", name, control });
}

/** Passes `x` through; with `control`, only after those ops ran. */
export function identity(x: Output, control: ReadonlyArray<Operation> = [], name?: string): Output {
  return x.graph.addOp({ type: "Identity", name, inputs: [x], control }).output(0);
}

/** Stops gradients flowing through `x`. */
export function stopGradient(x: Output, name?: string): Output {
  return unary("StopGradient", x, name);
}

/** Matrix product. */
export function matMul(
  a: Output,
  b: Output,
  options: { transposeA?: boolean; transposeB?: boolean; name?: string } = {},
): Output {
  return a.graph.addOp({
    type: "MatMul",
    name: options.name,
    inputs: [a, b],
    attrs: { transpose_a: options.transposeA ?? false, transpose_b: options.transposeB ?? false },
  }).output(0);
}

/** Adds a bias vector along the last axis (NHWC). */
export function biasAdd(x: Output, bias: Output, name?: string): Output {
  return x.graph.addOp({ type: "BiasAdd", name, inputs: [x, bias], attrs: { data_format: "NHWC" } })
    .output(0);
}

/** 2-D convolution, NHWC input, HWIO filter. */
export function conv2d(
  x: Output,
  filter: Output,
  strides: readonly [number, number],
  padding: "SAME" | "VALID" = "SAME",
  name?: string,
): Output {
  return x.graph.addOp({
    type: "Conv2D",
    name,
    inputs: [x, filter],
    attrs: { strides: ints([1, strides[0], strides[1], 1]), padding, data_format: "NHWC" },
  }).output(0);
}

/**
 * Transposed convolution (Keras `Conv2DTranspose`): the input gradient of a
 * convolution. `filter` is [kh, kw, outChannels, inChannels]; `outputShape`
 * is the full NHWC shape, as an int32 output (the batch can vary).
 */
export function conv2dTranspose(
  x: Output,
  filter: Output,
  outputShape: Output,
  strides: readonly [number, number],
  padding: "SAME" | "VALID" = "SAME",
  name?: string,
): Output {
  return x.graph.addOp({
    type: "Conv2DBackpropInput",
    name,
    inputs: [outputShape, filter, x],
    attrs: { strides: ints([1, strides[0], strides[1], 1]), padding, data_format: "NHWC" },
  }).output(0);
}

/** The outputs of {@linkcode fusedBatchNorm}. */
export interface BatchNormOutputs {
  /** Normalised values. */
  y: Output;
  /** Batch mean (training) or the given mean (inference). */
  mean: Output;
  /** Batch variance, Bessel-corrected as Keras uses it for the moving average (training). */
  variance: Output;
}

/** FusedBatchNormV3 over the last axis (the version whose gradient is registered). */
export function fusedBatchNorm(
  x: Output,
  scale: Output,
  offset: Output,
  mean: Output,
  variance: Output,
  options: { epsilon: number; training: boolean; name?: string },
): BatchNormOutputs {
  const op = x.graph.addOp({
    type: "FusedBatchNormV3",
    name: options.name,
    inputs: [x, scale, offset, mean, variance],
    attrs: {
      epsilon: float(options.epsilon),
      is_training: options.training,
      data_format: "NHWC",
      exponential_avg_factor: float(1),
      T: type(x.dtype),
      U: type("float32"),
    },
  });
  return { y: op.output(0), mean: op.output(1), variance: op.output(2) };
}

/** LeakyReLU with slope `alpha` below zero. */
export function leakyRelu(x: Output, alpha: number, name?: string): Output {
  return x.graph.addOp({ type: "LeakyRelu", name, inputs: [x], attrs: { alpha: float(alpha) } })
    .output(0);
}

/** max(x, 0). */
export const relu = (x: Output, name?: string): Output => unary("Relu", x, name);
/** Hyperbolic tangent. */
export const tanh = (x: Output, name?: string): Output => unary("Tanh", x, name);
/** Logistic sigmoid. */
export const sigmoid = (x: Output, name?: string): Output => unary("Sigmoid", x, name);
/** log(1 + exp(x)), computed stably by TensorFlow. */
export const softplus = (x: Output, name?: string): Output => unary("Softplus", x, name);
/** -x. */
export const neg = (x: Output, name?: string): Output => unary("Neg", x, name);
/** |x|. */
export const abs = (x: Output, name?: string): Output => unary("Abs", x, name);
/** x². */
export const square = (x: Output, name?: string): Output => unary("Square", x, name);
/** √x. */
export const sqrt = (x: Output, name?: string): Output => unary("Sqrt", x, name);
/** eˣ. */
export const exp = (x: Output, name?: string): Output => unary("Exp", x, name);
/** Natural logarithm. */
export const log = (x: Output, name?: string): Output => unary("Log", x, name);
/** floor(x). */
export const floor = (x: Output, name?: string): Output => unary("Floor", x, name);
/** Element-wise a + b (broadcasting). */
export const add = (a: Output, b: Output, name?: string): Output => binary("AddV2", a, b, name);
/** Element-wise a - b. */
export const sub = (a: Output, b: Output, name?: string): Output => binary("Sub", a, b, name);
/** Element-wise a * b. */
export const mul = (a: Output, b: Output, name?: string): Output => binary("Mul", a, b, name);
/** Element-wise a / b. */
export const div = (a: Output, b: Output, name?: string): Output => binary("RealDiv", a, b, name);
/** Element-wise maximum. */
export const maximum = (a: Output, b: Output, name?: string): Output =>
  binary("Maximum", a, b, name);
/** Element-wise minimum. */
export const minimum = (a: Output, b: Output, name?: string): Output =>
  binary("Minimum", a, b, name);
/** aᵇ. */
export const pow = (a: Output, b: Output, name?: string): Output => binary("Pow", a, b, name);
/** a >= b as bool. */
export const greaterEqual = (a: Output, b: Output, name?: string): Output =>
  binary("GreaterEqual", a, b, name);
/** a < b as bool. */
export const less = (a: Output, b: Output, name?: string): Output => binary("Less", a, b, name);

/** Converts element type. */
export function cast(x: Output, dtype: DType, name?: string): Output {
  return x.graph.addOp({ type: "Cast", name, inputs: [x], attrs: { DstT: type(dtype) } }).output(0);
}

/** Reshapes to `shape` (one dimension may be -1). */
export function reshape(x: Output, shape: readonly number[] | Output, name?: string): Output {
  const s = Array.isArray(shape) ? int32s(x.graph, shape as number[]) : shape as Output;
  return binary("Reshape", x, s, name);
}

/** The dynamic shape of `x` as int32. */
export function shapeOf(x: Output, name?: string): Output {
  return x.graph.addOp({ type: "Shape", name, inputs: [x], attrs: { out_type: type("int32") } })
    .output(0);
}

/** Mean over `axes` (all axes when omitted). */
export function mean(x: Output, axes?: readonly number[], keepDims = false, name?: string): Output {
  const rank = x.shape?.length ?? 0;
  const a = int32s(x.graph, axes ?? Array.from({ length: rank }, (_, i) => i));
  return x.graph.addOp({ type: "Mean", name, inputs: [x, a], attrs: { keep_dims: keepDims } })
    .output(0);
}

/** Sum over `axes` (all axes when omitted). */
export function sum(x: Output, axes?: readonly number[], keepDims = false, name?: string): Output {
  const rank = x.shape?.length ?? 0;
  const a = int32s(x.graph, axes ?? Array.from({ length: rank }, (_, i) => i));
  return x.graph.addOp({ type: "Sum", name, inputs: [x, a], attrs: { keep_dims: keepDims } })
    .output(0);
}

/** Stacks same-shaped tensors along a new axis. */
export function pack(values: ReadonlyArray<Output>, axis = 0, name?: string): Output {
  return values[0].graph.addOp({
    type: "Pack",
    name,
    inputs: [values],
    attrs: { N: int(values.length), axis: int(axis) },
  }).output(0);
}

/** Joins tensors along `axis`. */
export function concat(values: ReadonlyArray<Output>, axis: number, name?: string): Output {
  const g = values[0].graph;
  return g.addOp({
    type: "ConcatV2",
    name,
    inputs: [values, scalar(g, axis, "int32")],
    attrs: { N: int(values.length) },
  }).output(0);
}

/** A slice `[begin, begin + size)`; a size of -1 means "to the end". */
export function slice(
  x: Output,
  begin: readonly number[],
  size: readonly number[],
  name?: string,
): Output {
  return x.graph.addOp({
    type: "Slice",
    name,
    inputs: [x, int32s(x.graph, begin), int32s(x.graph, size)],
  }).output(0);
}

function statelessRandom(
  opType: string,
  g: Graph,
  shape: Output | readonly number[],
  seed: Output,
  dtype: DType,
  name: string,
): Output {
  const s = Array.isArray(shape) ? int32s(g, shape as number[]) : shape as Output;
  return g.addOp({ type: opType, name, inputs: [s, seed], attrs: { dtype: type(dtype) } }).output(
    0,
  );
}

/**
 * Uniform [0, 1) values from a stateless generator: the same `seed` (int64[2]
 * output) gives the same values, whatever ran before.
 */
export function statelessUniform(
  g: Graph,
  shape: Output | readonly number[],
  seed: Output,
  dtype: DType = "float32",
  name = "stateless_uniform",
): Output {
  return statelessRandom("StatelessRandomUniform", g, shape, seed, dtype, name);
}

/** Standard normal values from a stateless generator (see {@linkcode statelessUniform}). */
export function statelessNormal(
  g: Graph,
  shape: Output | readonly number[],
  seed: Output,
  dtype: DType = "float32",
  name = "stateless_normal",
): Output {
  return statelessRandom("StatelessRandomNormal", g, shape, seed, dtype, name);
}

/**
 * Binary cross-entropy on logits, per element, in the stable form
 * max(x, 0) - x·z + log(1 + exp(-|x|)): logit 100 with label 0 gives 100,
 * not infinity.
 */
export function sigmoidCrossEntropyWithLogits(
  logits: Output,
  labels: Output,
  name = "bce",
): Output {
  const g = logits.graph;
  return g.withScope(
    name,
    () => add(sub(relu(logits), mul(logits, labels)), softplus(neg(abs(logits)))),
  );
}

/**
 * Inverted dropout: zeroes each element with probability `rate` and scales
 * the rest by 1/(1 - rate), with a mask drawn from `seed` (int64[2]).
 */
export function dropout(x: Output, rate: number, seed: Output, name = "dropout"): Output {
  const g = x.graph;
  return g.withScope(name, () => {
    // The mask is drawn in float32 whatever x's type, so a bfloat16 model drops
    // exactly the units its float32 twin drops.
    const u = statelessUniform(g, shapeOf(x), seed, "float32");
    const keep = cast(greaterEqual(u, scalar(g, rate, "float32")), x.dtype);
    return mul(x, mul(keep, scalar(g, 1 / (1 - rate), x.dtype)));
  });
}
