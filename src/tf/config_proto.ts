/**
 * A serialized `tensorflow.ConfigProto`, written by hand so that no protobuf
 * library is needed. `TF_SetConfig` only checks that the bytes parse, so a
 * wrong field number would be accepted silently: the field numbers below are
 * those of TensorFlow 2.21's config.proto, and tests check the effect.
 *
 * @example
 * ```ts
 * import { encodeConfigProto } from "./config_proto.ts";
 * const bytes = encodeConfigProto({ intraOpThreads: 2, interOpThreads: 1, allowGrowth: true, jitLevel: "on1" });
 * ```
 * @module
 */

/** Session settings that the toolkit exposes. */
export interface SessionConfig {
  /** Threads inside one op (ConfigProto field 2); 0 lets TensorFlow choose. */
  intraOpThreads?: number;
  /** Ops run in parallel (field 5); 0 lets TensorFlow choose. */
  interOpThreads?: number;
  /** Place ops on another device when the requested one cannot run them (field 7). */
  allowSoftPlacement?: boolean;
  /** Log where each op runs (field 8). */
  logDevicePlacement?: boolean;
  /** GPU memory grows on demand instead of taking all of it up front (GPUOptions field 4). */
  allowGrowth?: boolean;
  /** Which GPUs this process may use, e.g. "0" or "0,1" (GPUOptions field 5). */
  visibleDevices?: string;
  /** Fraction of GPU memory to reserve (GPUOptions field 1). */
  gpuMemoryFraction?: number;
  /** Number of devices by type, e.g. `{ GPU: 0 }` to hide GPUs (field 1). */
  deviceCount?: Record<string, number>;
  /** XLA JIT auto-clustering (OptimizerOptions.global_jit_level). */
  jitLevel?: "off" | "default" | "on1" | "on2";
}

const JIT_LEVELS = { off: -1, default: 0, on1: 1, on2: 2 } as const;

class ProtoWriter {
  bytes: number[] = [];
  varint(value: bigint | number): this {
    // Negative enums are sign-extended to 64 bits: a 10-byte varint.
    let v = BigInt.asUintN(64, BigInt(value));
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.bytes.push(byte);
    } while (v !== 0n);
    return this;
  }
  tag(field: number, wireType: number): this {
    return this.varint((field << 3) | wireType);
  }
  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(value);
  }
  bool(field: number, value: boolean): this {
    return this.int(field, value ? 1 : 0);
  }
  bytesField(field: number, data: ArrayLike<number>): this {
    this.tag(field, 2).varint(data.length);
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]);
    return this;
  }
  string(field: number, text: string): this {
    return this.bytesField(field, new TextEncoder().encode(text));
  }
  double(field: number, value: number): this {
    this.tag(field, 1);
    const b = new Uint8Array(new Float64Array([value]).buffer);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  get length(): number {
    return this.bytes.length;
  }
}

/** Serializes `config` as ConfigProto bytes for `TF_SetConfig`. */
export function encodeConfigProto(config: SessionConfig): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  for (const [device, count] of Object.entries(config.deviceCount ?? {})) {
    const entry = new ProtoWriter().string(1, device).int(2, count);
    w.bytesField(1, entry.bytes);
  }
  if (config.intraOpThreads) w.int(2, config.intraOpThreads);
  if (config.interOpThreads) w.int(5, config.interOpThreads);
  const gpu = new ProtoWriter();
  if (config.gpuMemoryFraction !== undefined) gpu.double(1, config.gpuMemoryFraction);
  if (config.allowGrowth) gpu.bool(4, true);
  if (config.visibleDevices !== undefined) gpu.string(5, config.visibleDevices);
  if (gpu.length) w.bytesField(6, gpu.bytes);
  if (config.allowSoftPlacement) w.bool(7, true);
  if (config.logDevicePlacement) w.bool(8, true);
  if (config.jitLevel !== undefined) {
    const optimizer = new ProtoWriter().int(5, JIT_LEVELS[config.jitLevel]);
    const graph = new ProtoWriter().bytesField(3, optimizer.bytes);
    w.bytesField(10, graph.bytes);
  }
  return new Uint8Array(w.bytes);
}
