/**
 * A tiny hand-assembled WebAssembly SIMD kernel for the one hot loop of the
 * SWD: projecting descriptors onto directions (a float32 matrix product).
 * V8 does not vectorise plain TypeScript loops, and the projections are
 * ~60 G multiply-adds for 1000 images, so f32x4 lanes give a ~3-4x speed-up.
 * The module bytes are built here from readable opcodes rather than shipped
 * as an opaque blob; {@linkcode projectKernel} returns null where
 * WebAssembly SIMD is unavailable and callers fall back to TypeScript.
 *
 * @example
 * ```ts
 * import { projectKernel } from "./simd.ts";
 * const k = projectKernel(1 << 20); // bytes of linear memory needed
 * if (k) new Float32Array(k.memory.buffer).fill(0);
 * ```
 * @module
 */

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

// Opcodes used below (WebAssembly core + SIMD proposal).
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const i32 = (v: number) => [0x41, ...sleb(v)];
const ADD = 0x6a, MUL = 0x6c, SHL = 0x74, LT_U = 0x49;
const f32load = [0x2a, 2, 0];
const v128load = (off: number) => [0xfd, ...uleb(0), 4, ...uleb(off)];
const v128store = (off: number) => [0xfd, ...uleb(11), 4, ...uleb(off)];
const SPLAT = [0xfd, ...uleb(19)];
const FADD = [0xfd, ...uleb(228)];
const FMUL = [0xfd, ...uleb(230)];
const ZERO = [0xfd, ...uleb(12), ...new Array(16).fill(0)];
const LOOP = [0x03, 0x40], END = 0x0b, BR_IF0 = [0x0d, 0];

// Parameters: aPtr, n8, stride, k, dirsPtr, nd, outPtr (all i32).
const P_A = 0, P_N8 = 1, P_STRIDE = 2, P_K = 3, P_DIRS = 4, P_ND = 5, P_OUT = 6;
// i32 locals.
const L_I = 7, L_D = 8, L_J = 9, L_PA = 10, L_PD = 11, L_SB = 15, L_K4 = 16, L_T = 17;
// v128 locals: 8 accumulators, two descriptor vectors, one splatted weight.
const V_ACC = 18, V_A0 = 26, V_A1 = 27, V_W = 28;

/**
 * out[d * stride + i] = sum_j aT[j * stride + i] * dirs[d * k + j] for
 * i < n8 (multiple of 8) and d < nd (multiple of 4): 8 descriptors (two
 * f32x4 lanes) by 4 directions per block, 8 vector accumulators.
 */
function body(): number[] {
  const c: number[] = [];
  const e = (...xs: (number | number[])[]) =>
    xs.forEach((x) => Array.isArray(x) ? c.push(...x) : c.push(x));
  e(get(P_K), i32(2), SHL, set(L_K4));
  e(get(P_STRIDE), i32(2), SHL, set(L_SB));
  // Descriptors outer, directions inner: a block of 8 descriptors (8 x k
  // floats) stays in L1 while every direction of the chunk passes over it,
  // instead of streaming all descriptors from RAM once per 4 directions.
  e(i32(0), set(L_I));
  e(LOOP); // descriptors
  e(i32(0), set(L_D));
  e(LOOP); // directions
  e(get(P_DIRS), get(L_D), get(L_K4), MUL, ADD, set(L_PD));
  for (let m = 1; m < 4; m++) e(get(L_PD + m - 1), get(L_K4), ADD, set(L_PD + m));
  e(get(P_A), get(L_I), i32(2), SHL, ADD, set(L_PA));
  for (let m = 0; m < 8; m++) e(ZERO, set(V_ACC + m));
  e(i32(0), set(L_J));
  e(LOOP); // components
  e(get(L_PA), v128load(0), set(V_A0));
  e(get(L_PA), v128load(16), set(V_A1));
  for (let m = 0; m < 4; m++) {
    e(get(L_PD + m), f32load, SPLAT, set(V_W));
    e(get(V_ACC + 2 * m), get(V_A0), get(V_W), FMUL, FADD, set(V_ACC + 2 * m));
    e(get(V_ACC + 2 * m + 1), get(V_A1), get(V_W), FMUL, FADD, set(V_ACC + 2 * m + 1));
    e(get(L_PD + m), i32(4), ADD, set(L_PD + m));
  }
  e(get(L_PA), get(L_SB), ADD, set(L_PA));
  e(get(L_J), i32(1), ADD, set(L_J));
  e(get(L_J), get(P_K), LT_U, BR_IF0, END);
  e(get(P_OUT), get(L_D), get(L_SB), MUL, ADD, get(L_I), i32(2), SHL, ADD, set(L_T));
  for (let m = 0; m < 4; m++) {
    e(get(L_T), get(V_ACC + 2 * m), v128store(0));
    e(get(L_T), get(V_ACC + 2 * m + 1), v128store(16));
    e(get(L_T), get(L_SB), ADD, set(L_T));
  }
  e(get(L_D), i32(4), ADD, set(L_D));
  e(get(L_D), get(P_ND), LT_U, BR_IF0, END);
  e(get(L_I), i32(8), ADD, set(L_I));
  e(get(L_I), get(P_N8), LT_U, BR_IF0, END);
  e(END);
  const locals = [2, ...uleb(11), 0x7f, ...uleb(11), 0x7b];
  return [...locals, ...c];
}

function moduleBytes(): Uint8Array {
  const type = section(1, [1, 0x60, 7, ...new Array(7).fill(0x7f), 0]);
  const imp = section(2, [1, 1, 0x65, 1, 0x6d, 0x02, 0x00, 1]); // import "e" "m" memory, min 1 page
  const func = section(3, [1, 0]);
  const exp = section(7, [1, 1, 0x70, 0x00, 0]); // export "p" = func 0
  const b = body();
  const code = section(10, [1, ...uleb(b.length), ...b]);
  return new Uint8Array([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...type,
    ...imp,
    ...func,
    ...exp,
    ...code,
  ]);
}

/** The SIMD projection kernel bound to its own linear memory. */
export interface ProjectKernel {
  /** The kernel's linear memory, at least the bytes asked for; take views of its buffer. */
  memory: WebAssembly.Memory;
  /**
   * Projects with byte offsets into `memory`: `aT` is component-major
   * (`aT[j * stride + i]`), `dirs` direction-major (`dirs[d * k + j]`), output
   * `out[d * stride + i]`. `n8` must be a multiple of 8 and `nd` of 4, both > 0.
   */
  project(
    aPtr: number,
    n8: number,
    stride: number,
    k: number,
    dirsPtr: number,
    nd: number,
    outPtr: number,
  ): void;
}

let compiled: WebAssembly.Module | null | undefined;

/**
 * A fresh kernel instance with `bytes` of linear memory (its own, so it is
 * garbage-collected with the instance), or null if this runtime cannot
 * compile WebAssembly SIMD - callers must then fall back to TypeScript.
 */
export function projectKernel(bytes: number): ProjectKernel | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(moduleBytes() as BufferSource);
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return null;
  const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / 65536)) });
  const inst = new WebAssembly.Instance(compiled, { e: { m: memory } });
  return { memory, project: inst.exports.p as ProjectKernel["project"] };
}
