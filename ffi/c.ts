/**
 * C-level helpers: strings, pointer arrays, `TF_Output` packing and the one
 * place where 64-bit integers coming back from C become JavaScript numbers.
 *
 * @module
 */

const encoder = new TextEncoder();

/** A pointer-sized address as a JavaScript number or bigint, or null. */
export type Pointer = Deno.PointerValue;

/** A NUL-terminated UTF-8 copy of `text`, for `const char*` parameters. */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Reads a NUL-terminated C string; a null pointer reads as "". */
export function readCString(pointer: Pointer): string {
  if (pointer === null) return "";
  return new Deno.UnsafePointerView(pointer).getCString();
}

/**
 * Converts a 64-bit C result (`int64_t`, `size_t`) to a number. Every TF
 * size or dimension the toolkit meets fits in 2^53; anything larger is a bug
 * and throws rather than silently losing precision.
 */
export function toNumber(value: number | bigint): number {
  if (typeof value === "number") return value;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`64-bit value ${value} does not fit in a JavaScript number`);
  }
  return Number(value);
}

/** The numeric address of a pointer (0 for null). */
export function addressOf(pointer: Pointer): bigint {
  return BigInt(Deno.UnsafePointer.value(pointer));
}

/** Size in bytes of one `TF_Output` in an array: pointer, int32, 4 bytes of padding. */
export const TF_OUTPUT_SIZE = 16;

/** One `TF_Output` by value (for `TF_AddInput`, `TF_OperationOutputType`). */
export function packOutput(operation: Pointer, index: number): Uint8Array<ArrayBuffer> {
  return packOutputs([[operation, index]]);
}

/** An array of `TF_Output` packed at a 16-byte stride, as C expects. */
export function packOutputs(
  outputs: ReadonlyArray<readonly [Pointer, number]>,
): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(Math.max(1, outputs.length) * TF_OUTPUT_SIZE);
  const view = new DataView(bytes.buffer);
  outputs.forEach(([operation, index], i) => {
    view.setBigUint64(i * TF_OUTPUT_SIZE, addressOf(operation), true);
    view.setInt32(i * TF_OUTPUT_SIZE + 8, index, true);
  });
  return bytes;
}

/** Reads `count` `TF_Output`s back from a packed array. */
export function unpackOutputs(bytes: Uint8Array, count: number): Array<[Pointer, number]> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const result: Array<[Pointer, number]> = [];
  for (let i = 0; i < count; i++) {
    const address = view.getBigUint64(i * TF_OUTPUT_SIZE, true);
    result.push([Deno.UnsafePointer.create(address), view.getInt32(i * TF_OUTPUT_SIZE + 8, true)]);
  }
  return result;
}

/**
 * An array of pointers (`T* const*`). Never empty: FFI passes an empty
 * buffer as NULL, which some C functions reject even with a count of 0.
 */
export function packPointers(pointers: ReadonlyArray<Pointer>): BigUint64Array<ArrayBuffer> {
  const array = new BigUint64Array(Math.max(1, pointers.length));
  pointers.forEach((p, i) => (array[i] = addressOf(p)));
  return array;
}

/** Reads pointer `i` from an array that C filled in. */
export function pointerAt(array: BigUint64Array, i: number): Pointer {
  return Deno.UnsafePointer.create(array[i]);
}

/** A `int64_t[]` from numbers (never empty, see {@linkcode packPointers}). */
export function packInt64s(values: ReadonlyArray<number>): BigInt64Array<ArrayBuffer> {
  const array = new BigInt64Array(Math.max(1, values.length));
  values.forEach((v, i) => (array[i] = BigInt(v)));
  return array;
}

/** Copies `length` bytes from native memory at `pointer` into a new array. */
export function copyFromNative(pointer: Pointer, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  if (length > 0 && pointer !== null) {
    out.set(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, length)));
  }
  return out;
}

/** A view onto native memory (valid only while the native owner lives). */
export function nativeBytes(pointer: Pointer, length: number): Uint8Array<ArrayBuffer> {
  if (length === 0 || pointer === null) return new Uint8Array(0);
  return new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(pointer, length));
}
