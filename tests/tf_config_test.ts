/**
 * Session configuration, tensors of every dtype, string tensors and the
 * `TF_Output` packing that every graph call depends on.
 */

import { packOutputs, TF_OUTPUT_SIZE, unpackOutputs } from "../ffi/c.ts";
import { encodeConfigProto } from "../src/tf/config_proto.ts";
import type { NumericDType } from "../src/tf/dtype.ts";
import { Graph } from "../src/tf/graph.ts";
import * as ops from "../src/tf/ops.ts";
import { Session } from "../src/tf/session.ts";
import { Tensor } from "../src/tf/tensor.ts";
import { assert, assertEquals, loadTensorFlow, runValues } from "./helpers/tf.ts";

await loadTensorFlow();

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

Deno.test("encodeConfigProto: intra 2, inter 1, allow_growth, JIT ON_1 gives the bytes from the notes", () => {
  const bytes = encodeConfigProto({
    intraOpThreads: 2,
    interOpThreads: 1,
    allowGrowth: true,
    jitLevel: "on1",
  });
  assertEquals(hex(bytes), "10 02 28 01 32 02 20 01 52 04 1a 02 28 01");
});

Deno.test("encodeConfigProto: JIT OFF (-1) is a 10-byte varint inside graph_options.optimizer_options", () => {
  const bytes = encodeConfigProto({ jitLevel: "off" });
  // 52 0d: graph_options (10), 13 bytes; 1a 0b: optimizer_options (3), 11 bytes;
  // 28: global_jit_level (5), then -1 sign-extended to 64 bits.
  assertEquals(hex(bytes), "52 0d 1a 0b 28 ff ff ff ff ff ff ff ff ff 01");
  assertEquals(bytes.length - 5, 10);
  assertEquals(encodeConfigProto({}).length, 0);
  assertEquals(hex(encodeConfigProto({ jitLevel: "default" })), "52 04 1a 02 28 00");
});

Deno.test("a session made with a config runs a graph and lists a CPU device", () => {
  for (
    const config of [
      { intraOpThreads: 2, interOpThreads: 1, allowGrowth: true, jitLevel: "on1" as const },
      { intraOpThreads: 1, interOpThreads: 1, jitLevel: "off" as const },
    ]
  ) {
    using g = new Graph();
    const x = ops.placeholder(g, "float32", [3], "x");
    const y = ops.add(ops.mul(x, x), ops.scalar(g, 1));
    using s = new Session(g, config);
    const devices = s.devices();
    const cpu = devices.find((d) => d.type === "CPU");
    assert(cpu !== undefined, `no CPU among ${JSON.stringify(devices)}`);
    assert(/device:CPU:0$/.test(cpu.name), cpu.name);
    assert(cpu.memoryBytes > 0, `CPU memory ${cpu.memoryBytes}`);
    using xt = Tensor.from("float32", [3], [1, 2, -3]);
    assertEquals(runValues(s, [y], [[x, xt]]), [[2, 5, 10]]);
  }
});

Deno.test("string tensors round-trip, directly and through a graph", () => {
  const values = ["", "a", "héllo wörld ✓", "x".repeat(23), "long ".repeat(40), "nul\0inside"];
  using t = Tensor.from("string", [2, 3], values);
  assertEquals(t.dtype, "string");
  assertEquals(t.shape, [2, 3]);
  assertEquals(t.strings(), values);
  using scalar = Tensor.scalar("string", "one");
  assertEquals(scalar.shape, []);
  assertEquals(scalar.strings(), ["one"]);
  using g = new Graph();
  const x = ops.placeholder(g, "string", [2, 3], "x");
  const y = g.addOp({ type: "Identity", inputs: [x] }).output(0);
  using s = new Session(g);
  const [out] = s.run({ feeds: [[x, t]], fetches: [y] });
  using fetched = out;
  assertEquals(fetched.dtype, "string");
  assertEquals(fetched.shape, [2, 3]);
  assertEquals(fetched.strings(), values);
  // Identity hands back the fed buffer itself: disposing the fed tensor
  // first must leave the fetched one's strings intact (it used to empty the
  // long ones, whose heap part the fed tensor's dispose freed).
  const fed = Tensor.from("string", [2, 3], values);
  const [second] = s.run({ feeds: [[x, fed]], fetches: [y] });
  using again = second;
  fed.dispose();
  assertEquals(again.strings(), values);
});

const CASES: Array<{ dtype: NumericDType; shape: number[]; values: ArrayLike<unknown> }> = [
  { dtype: "float32", shape: [2, 3], values: [0, -1.5, 3.25, 1e-30, -1e30, 0.1] },
  { dtype: "float64", shape: [3, 1, 2], values: [Math.PI, -Math.E, 1e-300, 1e300, 0.1, -0] },
  { dtype: "int32", shape: [4], values: [0, -1, 2 ** 31 - 1, -(2 ** 31)] },
  { dtype: "int64", shape: [2, 2], values: [0, -1, 2 ** 53 - 1, -(2 ** 40) - 7] },
  { dtype: "uint8", shape: [1, 5], values: [0, 1, 127, 128, 255] },
  { dtype: "bool", shape: [2, 2], values: [true, false, false, true] },
  { dtype: "float32", shape: [], values: [42.5] },
  { dtype: "int32", shape: [2, 0, 3], values: [] },
];

Deno.test("every dtype round-trips with its shape, directly and through a session", () => {
  for (const c of CASES) {
    const what = `${c.dtype}[${c.shape}]`;
    const expected = Array.from(c.values, (v) => (typeof v === "boolean" ? (v ? 1 : 0) : v));
    using t = Tensor.from(c.dtype, c.shape, c.values as ArrayLike<number>);
    assertEquals(t.dtype, c.dtype, what);
    assertEquals(t.shape, c.shape, what);
    assertEquals(t.size, expected.length, what);
    const expectedValues = c.dtype === "float32"
      ? expected.map((v) => Math.fround(v as number))
      : expected;
    assertEquals(t.numbers(), expectedValues, what);
    using g = new Graph();
    const x = ops.placeholder(g, c.dtype, c.shape, "x");
    const y = g.addOp({ type: "Identity", inputs: [x] }).output(0);
    assertEquals(y.dtype, c.dtype, `${what}: graph output dtype`);
    assertEquals(y.shape, c.shape, `${what}: static shape`);
    using s = new Session(g);
    const [out] = s.run({ feeds: [[x, t]], fetches: [y] });
    using fetched = out;
    assertEquals(fetched.dtype, c.dtype, `${what}: fetched dtype`);
    assertEquals(fetched.shape, c.shape, `${what}: fetched shape`);
    assertEquals(fetched.numbers(), expectedValues, `${what}: fetched values`);
  }
  // Typed arrays come back as the matching typed array.
  using i64 = Tensor.from("int64", [2], new BigInt64Array([-(2n ** 62n), 2n ** 62n]));
  assertEquals(Array.from(i64.values() as BigInt64Array), [-(2n ** 62n), 2n ** 62n]);
  using f64 = Tensor.from("float64", [2], new Float64Array([0.1, 0.2]));
  assert(f64.values() instanceof Float64Array);
  assertEquals(Array.from(f64.values() as Float64Array), [0.1, 0.2]);
  // A wrong number of values is refused before anything native happens.
  let error: unknown;
  try {
    Tensor.from("float32", [2, 2], [1, 2, 3]);
  } catch (e) {
    error = e;
  }
  assert(error instanceof RangeError, `expected a RangeError, got ${error}`);
});

Deno.test("TF_Output arrays are packed at a 16-byte stride: pointer, int32, zero padding", () => {
  assertEquals(TF_OUTPUT_SIZE, 16);
  const a = Deno.UnsafePointer.create(0x1122334455667788n);
  const b = Deno.UnsafePointer.create(0x0000_7fff_0000_1000n);
  const c = Deno.UnsafePointer.create(0x10n);
  const bytes = packOutputs([[a, 0], [b, 3], [c, -1]]);
  assertEquals(bytes.length, 48);
  const view = new DataView(bytes.buffer);
  assertEquals(view.getBigUint64(0, true), 0x1122334455667788n);
  assertEquals(view.getInt32(8, true), 0);
  assertEquals(view.getBigUint64(16, true), 0x0000_7fff_0000_1000n);
  assertEquals(view.getInt32(24, true), 3);
  assertEquals(view.getBigUint64(32, true), 0x10n);
  assertEquals(view.getInt32(40, true), -1);
  for (const offset of [12, 28, 44]) {
    assertEquals(view.getUint32(offset, true), 0, `padding at ${offset}`);
  }
  const back = unpackOutputs(bytes, 3);
  assertEquals(back.map(([p, i]) => [Deno.UnsafePointer.value(p), i]), [
    [0x1122334455667788n, 0],
    [0x0000_7fff_0000_1000n, 3],
    [0x10n, -1],
  ]);
  // An empty list still gets one (zeroed) slot, so FFI never passes NULL.
  assertEquals(packOutputs([]).length, 16);
  // And a real graph call through the packing: three outputs of one op.
  using g = new Graph();
  const x = ops.placeholder(g, "float32", [2, 1, 1, 2], "x");
  const one = ops.constant(g, "float32", [2], [1, 1]);
  const bn = ops.fusedBatchNorm(x, one, ops.constant(g, "float32", [2], [0, 0]), one, one, {
    epsilon: 0.001,
    training: true,
  });
  using s = new Session(g);
  using xt = Tensor.from("float32", [2, 1, 1, 2], [1, 10, 3, 30]);
  const [y, mean, variance] = runValues(s, [bn.y, bn.mean, bn.variance], [[x, xt]]);
  assertEquals(mean, [2, 20]);
  assertEquals(variance, [2, 200]); // Bessel-corrected: ((1-2)² + (3-2)²)/1
  assertEquals(y.length, 4);
});
