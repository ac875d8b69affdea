/**
 * Tensors: typed arrays with a shape, held in TensorFlow-owned memory.
 *
 * A tensor is always created with `TF_AllocateTensor` and the data copied in:
 * `TF_NewTensor` would keep pointers into JavaScript memory and call its
 * deallocator from TensorFlow threads, which deadlocks Deno's FFI.
 *
 * @example
 * ```ts
 * import { Tensor } from "./tensor.ts";
 * using t = Tensor.from("float32", [2, 2], [1, 2, 3, 4]);
 * console.log(t.shape, t.values());
 * ```
 * @module
 */

import { copyFromNative, nativeBytes, packInt64s, type Pointer, toNumber } from "../../ffi/c.ts";
import { tf } from "../../ffi/library.ts";
import {
  type DType,
  DTYPE_CODES,
  DTYPE_SIZES,
  dtypeFromCode,
  type NumericDType,
  type TypedArrayFor,
  typedArrayOf,
} from "./dtype.ts";
import { NativeHandle } from "./native.ts";

/** Size of one `TF_TString` element in a string tensor. */
const TSTRING_SIZE = 24;

/** Values accepted for a tensor of type `D`. */
export type TensorInput<D extends DType> = D extends NumericDType
  ? TypedArrayFor[D] | ArrayLike<number> | ArrayLike<bigint> | ArrayLike<boolean>
  : D extends "string" ? ReadonlyArray<string | Uint8Array>
  : never;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bfloat16 bits of `x`: the top half of its float32, rounded to nearest even (NaN stays NaN). */
export function toBfloat16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  if (Number.isNaN(x)) return 0x7fc0;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The number that bfloat16 bits stand for. */
export function fromBfloat16Bits(bits: number): number {
  u32[0] = bits << 16;
  return f32[0];
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function freeTensor(pointer: NonNullable<Pointer>): void {
  tf().TF_DeleteTensor(pointer);
}

/** A `TF_Tensor`, owned by this object. */
export class Tensor<D extends DType = DType> extends NativeHandle {
  /** Element type. */
  readonly dtype: D;
  /** Dimensions (empty for a scalar). */
  readonly shape: readonly number[];

  /**
   * Wraps a tensor pointer that the caller owns (e.g. a session output).
   *
   * `TF_DeleteTensor` also frees the heap part of a string tensor's elements,
   * and only when no other tensor shares the buffer. Freeing them here
   * (`TF_StringDealloc`) would be wrong: a fetched tensor can share a fed
   * tensor's buffer (through Identity), and disposing the fed one first
   * would empty the strings the fetched one still holds.
   */
  constructor(pointer: NonNullable<Pointer>) {
    const dtype = dtypeFromCode(tf().TF_TensorType(pointer)) as D;
    super("Tensor", pointer, freeTensor);
    this.dtype = dtype;
    const dims = tf().TF_NumDims(pointer);
    const shape: number[] = [];
    for (let i = 0; i < dims; i++) shape.push(toNumber(tf().TF_Dim(pointer, i)));
    this.shape = shape;
  }

  /** Makes a tensor of `dtype` and `shape` holding a copy of `values`. */
  static from<D extends DType>(
    dtype: D,
    shape: readonly number[],
    values: TensorInput<D>,
  ): Tensor<D> {
    const count = elementCount(shape);
    if (values.length !== count) {
      throw new RangeError(`shape [${shape}] needs ${count} values, got ${values.length}`);
    }
    if (dtype === "string") {
      return Tensor.#strings(shape, values as ReadonlyArray<string | Uint8Array>) as Tensor<D>;
    }
    const size = DTYPE_SIZES[dtype];
    if (size === undefined) {
      throw new Error(`cannot make a tensor of type ${dtype} from JavaScript values`);
    }
    const bytes = count * size;
    const pointer = tf().TF_AllocateTensor(
      DTYPE_CODES[dtype],
      packInt64s(shape),
      shape.length,
      BigInt(bytes),
    );
    if (pointer === null) throw new Error(`TF_AllocateTensor failed for ${dtype}[${shape}]`);
    const tensor = new Tensor<D>(pointer);
    if (bytes > 0) {
      const target = typedArrayOf(
        dtype as NumericDType,
        nativeBytes(tf().TF_TensorData(pointer), bytes).buffer,
      );
      if (dtype === "int64" && !(values instanceof BigInt64Array)) {
        const t = target as BigInt64Array;
        for (let i = 0; i < count; i++) t[i] = BigInt((values as ArrayLike<number | bigint>)[i]);
      } else if (dtype === "bool") {
        const t = target as Uint8Array;
        for (let i = 0; i < count; i++) t[i] = (values as ArrayLike<unknown>)[i] ? 1 : 0;
      } else if (dtype === "bfloat16" && !(values instanceof Uint16Array)) {
        // Numbers become bfloat16 bit patterns; a Uint16Array is taken as bits already.
        const t = target as Uint16Array;
        for (let i = 0; i < count; i++) {
          t[i] = toBfloat16Bits(Number((values as ArrayLike<number>)[i]));
        }
      } else {
        (target as Float32Array).set(values as ArrayLike<number>);
      }
    }
    return tensor;
  }

  /** A scalar tensor. */
  static scalar<D extends DType>(dtype: D, value: number | bigint | boolean | string): Tensor<D> {
    return Tensor.from(dtype, [], [value] as unknown as TensorInput<D>);
  }

  static #strings(
    shape: readonly number[],
    values: ReadonlyArray<string | Uint8Array>,
  ): Tensor<"string"> {
    const count = values.length;
    const pointer = tf().TF_AllocateTensor(
      DTYPE_CODES.string,
      packInt64s(shape),
      shape.length,
      BigInt(count * TSTRING_SIZE),
    );
    if (pointer === null) throw new Error(`TF_AllocateTensor failed for string[${shape}]`);
    const data = tf().TF_TensorData(pointer)!;
    const encoder = new TextEncoder();
    for (let i = 0; i < count; i++) {
      const element = Deno.UnsafePointer.offset(data, i * TSTRING_SIZE);
      const value = values[i];
      const bytes = typeof value === "string" ? encoder.encode(value) : value;
      tf().TF_StringInit(element);
      tf().TF_StringCopy(
        element,
        bytes.length ? bytes as Uint8Array<ArrayBuffer> : new Uint8Array(1),
        BigInt(bytes.length),
      );
    }
    return new Tensor<"string">(pointer);
  }

  /** Number of elements. */
  get size(): number {
    return elementCount(this.shape);
  }

  /** Size of the data in bytes. */
  get byteLength(): number {
    return toNumber(tf().TF_TensorByteSize(this.pointer));
  }

  /** A copy of the data as a typed array (booleans as 0/1 bytes). */
  values(): D extends NumericDType ? TypedArrayFor[D] : never {
    if (this.dtype === "string" || this.dtype === "resource") {
      throw new Error(`values() is not available for ${this.dtype} tensors; use strings()`);
    }
    const bytes = copyFromNative(tf().TF_TensorData(this.pointer), this.byteLength);
    return typedArrayOf(this.dtype as NumericDType, bytes.buffer) as D extends NumericDType
      ? TypedArrayFor[D]
      : never;
  }

  /** Values as plain numbers (int64 converted, which must fit in 2^53). */
  numbers(): number[] {
    const v = this.values() as ArrayLike<number | bigint>;
    return Array.from(v, (x) => toNumber(x));
  }

  /** The single value of a scalar (or one-element) tensor. */
  scalarValue(): number {
    if (this.size !== 1) throw new Error(`tensor of shape [${this.shape}] is not a scalar`);
    return this.numbers()[0];
  }

  /** The strings of a string tensor. */
  strings(): string[] {
    if (this.dtype !== "string") {
      throw new Error(`strings() needs a string tensor, not ${this.dtype}`);
    }
    const data = tf().TF_TensorData(this.pointer)!;
    const out: string[] = [];
    const decoder = new TextDecoder();
    for (let i = 0; i < this.size; i++) {
      const element = Deno.UnsafePointer.offset(data, i * TSTRING_SIZE);
      const length = toNumber(tf().TF_StringGetSize(element));
      out.push(decoder.decode(copyFromNative(tf().TF_StringGetDataPointer(element), length)));
    }
    return out;
  }
}
