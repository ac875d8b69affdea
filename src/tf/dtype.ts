/**
 * Data types: names, TF_DataType numbers, element sizes and typed arrays.
 *
 * @module
 */

/** The element types the toolkit moves between JavaScript and TensorFlow. */
export type DType =
  | "float32"
  | "float64"
  | "int32"
  | "int64"
  | "uint8"
  | "bool"
  | "string"
  | "bfloat16"
  | "resource";

/** TF_DataType numbers. */
export const DTYPE_CODES: Record<DType, number> = {
  float32: 1,
  float64: 2,
  int32: 3,
  uint8: 4,
  string: 7,
  int64: 9,
  bool: 10,
  bfloat16: 14,
  resource: 20,
};

/** Bytes per element for the fixed-size types. */
export const DTYPE_SIZES: Partial<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
  uint8: 1,
  bool: 1,
  bfloat16: 2,
};

/** The typed array used for each fixed-size type. */
export interface TypedArrayFor {
  /** 32-bit floats. */
  float32: Float32Array<ArrayBuffer>;
  /** 64-bit floats. */
  float64: Float64Array<ArrayBuffer>;
  /** 32-bit signed integers. */
  int32: Int32Array<ArrayBuffer>;
  /** 64-bit signed integers, as bigints. */
  int64: BigInt64Array<ArrayBuffer>;
  /** 8-bit unsigned integers. */
  uint8: Uint8Array<ArrayBuffer>;
  /** Booleans, one byte each (0 or 1). */
  bool: Uint8Array<ArrayBuffer>;
  /** bfloat16 values as their raw 16-bit patterns, not as numbers. */
  bfloat16: Uint16Array<ArrayBuffer>;
}

/** A dtype that has a typed-array representation. */
export type NumericDType = keyof TypedArrayFor;

/** The DType for a TF_DataType number. */
export function dtypeFromCode(code: number): DType {
  for (const [name, value] of Object.entries(DTYPE_CODES)) if (value === code) return name as DType;
  throw new Error(`unsupported TensorFlow data type ${code}`);
}

/** Makes an empty typed array of `length` elements for `dtype`. */
export function typedArrayOf<D extends NumericDType>(
  dtype: D,
  buffer: ArrayBuffer,
): TypedArrayFor[D] {
  switch (dtype) {
    case "float32":
      return new Float32Array(buffer) as TypedArrayFor[D];
    case "float64":
      return new Float64Array(buffer) as TypedArrayFor[D];
    case "int32":
      return new Int32Array(buffer) as TypedArrayFor[D];
    case "int64":
      return new BigInt64Array(buffer) as TypedArrayFor[D];
    case "bfloat16":
      return new Uint16Array(buffer) as TypedArrayFor[D];
    default:
      return new Uint8Array(buffer) as TypedArrayFor[D];
  }
}
