/**
 * Operation attributes. Plain strings, booleans and tensors stand for
 * themselves; numbers, types and shapes are wrapped so that an int is never
 * mistaken for a float (TensorFlow refuses the wrong kind).
 *
 * @example
 * ```ts
 * import { float, int, ints } from "./attrs.ts";
 * const attrs = { strides: ints([1, 2, 2, 1]), padding: "SAME", alpha: float(0.2), N: int(2) };
 * ```
 * @module
 */

import type { DType } from "./dtype.ts";
import type { Tensor } from "./tensor.ts";

/** One attribute value. */
export type AttrValue =
  | string
  | boolean
  | Tensor
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "float"; readonly value: number }
  | { readonly kind: "type"; readonly value: DType }
  | { readonly kind: "shape"; readonly value: readonly number[] | null }
  | { readonly kind: "ints"; readonly value: readonly number[] }
  | { readonly kind: "floats"; readonly value: readonly number[] }
  | { readonly kind: "types"; readonly value: readonly DType[] }
  | { readonly kind: "strings"; readonly value: readonly string[] };

/** An `int` attribute. */
export const int = (value: number): AttrValue => ({ kind: "int", value });
/** A `float` attribute. */
export const float = (value: number): AttrValue => ({ kind: "float", value });
/** A `type` attribute. */
export const type = (value: DType): AttrValue => ({ kind: "type", value });
/** A `shape` attribute; -1 for an unknown dimension, null for unknown rank. */
export const shape = (value: readonly number[] | null): AttrValue => ({ kind: "shape", value });
/** A `list(int)` attribute. */
export const ints = (value: readonly number[]): AttrValue => ({ kind: "ints", value });
/** A `list(float)` attribute. */
export const floats = (value: readonly number[]): AttrValue => ({ kind: "floats", value });
/** A `list(type)` attribute. */
export const types = (value: readonly DType[]): AttrValue => ({ kind: "types", value });
/** A `list(string)` attribute. */
export const strings = (value: readonly string[]): AttrValue => ({ kind: "strings", value });
