/**
 * Finding libtensorflow: TF_LIBRARY_PATH (file, tarball folder, wheel-libs
 * folder, and every wrong shape giving a clear error), the cache folder, the
 * cache root from XDG_CACHE_HOME/HOME, and the GPU environment. Uses fake
 * files only (nothing is dlopened) and temporary folders only.
 */

import nodeAssert from "node:assert/strict";
import {
  cacheDirFor,
  ensureTensorFlow,
  findTensorFlow,
  libraryEnvironment,
  type LibraryLocation,
  needsLibraryEnvironment,
  TENSORFLOW_VERSION,
} from "../ffi/locate.ts";
import { UserError } from "../src/util/errors.ts";

const assert = (condition: unknown, message?: string) => nodeAssert.ok(condition, message);
const assertEquals = (actual: unknown, expected: unknown) =>
  nodeAssert.deepStrictEqual(actual, expected);

/** The UserError `fn` throws (fails when it throws nothing or something else). */
function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    assert(error instanceof UserError, `expected a UserError, got ${error}`);
    return error as UserError;
  }
  throw new Error("expected a UserError, but nothing was thrown");
}

async function withTemp(fn: (dir: string) => Promise<void> | void) {
  const dir = await Deno.makeTempDir({ prefix: "pg-locate-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const touch = (path: string) => Deno.writeFileSync(path, new Uint8Array([0x7f, 0x45, 0x4c, 0x46]));

Deno.test("TF_LIBRARY_PATH: a libtensorflow.so.2 or libtensorflow_cc.so.2 file", () =>
  withTemp((dir) => {
    touch(`${dir}/libtensorflow.so.2`);
    touch(`${dir}/libtensorflow_cc.so.2`);
    touch(`${dir}/libtensorflow_framework.so.2`);
    for (const name of ["libtensorflow.so.2", "libtensorflow_cc.so.2"]) {
      const loc = findTensorFlow({ libraryPath: `${dir}/${name}`, cacheRoot: dir })!;
      assertEquals(loc.main, `${dir}/${name}`);
      assertEquals(loc.framework, `${dir}/libtensorflow_framework.so.2`);
      assertEquals(loc.source, "env");
      assertEquals(loc.version, "unknown");
      assertEquals(loc.extraLibraryDirs, []);
    }
  }));

Deno.test("TF_LIBRARY_PATH: the folder of an official tarball, or a folder with the wheel's libraries", () =>
  withTemp((dir) => {
    Deno.mkdirSync(`${dir}/tarball/lib`, { recursive: true });
    Deno.mkdirSync(`${dir}/tarball/include`);
    touch(`${dir}/tarball/lib/libtensorflow.so.2`);
    touch(`${dir}/tarball/lib/libtensorflow_framework.so.2`);
    const a = findTensorFlow({ libraryPath: `${dir}/tarball/`, cacheRoot: dir })!;
    assertEquals(a.main, `${dir}/tarball/lib/libtensorflow.so.2`);
    assertEquals(a.framework, `${dir}/tarball/lib/libtensorflow_framework.so.2`);

    Deno.mkdirSync(`${dir}/wheel`);
    touch(`${dir}/wheel/libtensorflow_cc.so.2`);
    touch(`${dir}/wheel/libtensorflow_framework.so.2`);
    const b = findTensorFlow({ libraryPath: `${dir}/wheel`, cacheRoot: dir })!;
    assertEquals(b.main, `${dir}/wheel/libtensorflow_cc.so.2`);
    assertEquals(b.source, "env");
  }));

Deno.test("TF_LIBRARY_PATH set but wrong: a clear error naming the path and what is missing", () =>
  withTemp((dir) => {
    // A valid cache must not be used instead: the user asked for that library.
    const cache = cacheDirFor("cpu", TENSORFLOW_VERSION, dir);
    Deno.mkdirSync(cache, { recursive: true });
    touch(`${cache}/libtensorflow_cc.so.2`);
    touch(`${cache}/libtensorflow_framework.so.2`);
    assertEquals(findTensorFlow({ libraryPath: null, cacheRoot: dir })?.source, "cache");

    let e = userError(() => findTensorFlow({ libraryPath: `${dir}/nope.so.2`, cacheRoot: dir }));
    assert(
      e.message.includes(`TF_LIBRARY_PATH=${dir}/nope.so.2: no such file or folder`),
      e.message,
    );

    Deno.mkdirSync(`${dir}/alone`);
    touch(`${dir}/alone/libtensorflow.so.2`);
    e = userError(() =>
      findTensorFlow({ libraryPath: `${dir}/alone/libtensorflow.so.2`, cacheRoot: dir })
    );
    assert(e.message.includes(`${dir}/alone/libtensorflow_framework.so.2 is missing`), e.message);

    e = userError(() => findTensorFlow({ libraryPath: `${dir}/alone`, cacheRoot: dir }));
    assert(e.message.includes(`${dir}/alone/libtensorflow_framework.so.2`), e.message);

    Deno.mkdirSync(`${dir}/empty`);
    e = userError(() => findTensorFlow({ libraryPath: `${dir}/empty`, cacheRoot: dir }));
    assert(
      e.message.includes(`TF_LIBRARY_PATH=${dir}/empty: this folder has no TensorFlow library`),
      e.message,
    );
    assert(e.message.includes(`${dir}/empty/lib`), e.message);

    touch(`${dir}/alone/libtensorflow_framework.so.2`);
    e = userError(() =>
      findTensorFlow({ libraryPath: `${dir}/alone/libtensorflow_framework.so.2`, cacheRoot: dir })
    );
    assert(e.message.includes("is the framework library"), e.message);
  }));

Deno.test("ensureTensorFlow with a wrong TF_LIBRARY_PATH fails at once (no install attempt)", () =>
  withTemp(async (dir) => {
    let error: unknown;
    await ensureTensorFlow({
      libraryPath: `${dir}/missing`,
      cacheRoot: dir,
      usePip: false,
      indexUrl: "http://127.0.0.1:9/simple",
    })
      .catch((e) => (error = e));
    assert(
      error instanceof UserError && error.message.includes(`TF_LIBRARY_PATH=${dir}/missing`),
      String(error),
    );
    assertEquals([...Deno.readDirSync(dir)], []);
  }));

Deno.test("the cache folder: complete copies are found, incomplete ones are not", () =>
  withTemp((dir) => {
    const cache = cacheDirFor("cpu", TENSORFLOW_VERSION, dir);
    assertEquals(cache, `${dir}/libtensorflow-${TENSORFLOW_VERSION}-cpu`);
    assertEquals(findTensorFlow({ libraryPath: null, cacheRoot: dir }), null);
    Deno.mkdirSync(cache);
    touch(`${cache}/libtensorflow_cc.so.2`);
    assertEquals(findTensorFlow({ libraryPath: null, cacheRoot: dir }), null);
    touch(`${cache}/libtensorflow_framework.so.2`);
    assertEquals(findTensorFlow({ libraryPath: null, cacheRoot: dir }), {
      main: `${cache}/libtensorflow_cc.so.2`,
      framework: `${cache}/libtensorflow_framework.so.2`,
      source: "cache",
      build: "cpu",
      version: TENSORFLOW_VERSION,
      extraLibraryDirs: [],
    });
    // The GPU build has its own folder.
    assertEquals(findTensorFlow({ gpu: true, libraryPath: null, cacheRoot: dir }), null);
  }));

Deno.test("GPU locations: CUDA folder and the environment the process must start with", () =>
  withTemp((dir) => {
    const cache = cacheDirFor("gpu", TENSORFLOW_VERSION, dir);
    Deno.mkdirSync(`${cache}/cuda/bin`, { recursive: true });
    Deno.mkdirSync(`${cache}/cuda/nvvm/libdevice`, { recursive: true });
    touch(`${cache}/libtensorflow_cc.so.2`);
    touch(`${cache}/libtensorflow_framework.so.2`);
    Deno.writeTextFileSync(
      `${cache}/install.json`,
      JSON.stringify({ version: TENSORFLOW_VERSION, build: "gpu" }),
    );
    const loc = findTensorFlow({ gpu: true, libraryPath: null, cacheRoot: dir })!;
    assertEquals(loc.build, "gpu");
    assertEquals(loc.extraLibraryDirs, [`${cache}/cuda`]);
    const env = libraryEnvironment(loc);
    assert(env.LD_LIBRARY_PATH.split(":")[0] === `${cache}/cuda`, env.LD_LIBRARY_PATH);
    assert(env.PATH.split(":")[0] === `${cache}/cuda/bin`, env.PATH);
    assert(env.XLA_FLAGS.includes(`--xla_gpu_cuda_data_dir=${cache}/cuda`), env.XLA_FLAGS);
    assert(needsLibraryEnvironment(loc));

    const cpu: LibraryLocation = { ...loc, build: "cpu", extraLibraryDirs: [] };
    assertEquals(libraryEnvironment(cpu), {});
    assertEquals(needsLibraryEnvironment(cpu), false);
  }));

Deno.test("the real environment variables: TF_LIBRARY_PATH, XDG_CACHE_HOME and HOME (in a child process)", () =>
  withTemp(async (dir) => {
    // A child process, because Deno.env is shared with test files running in parallel.
    const script = `
      import { cacheRoot, findTensorFlow } from ${
      JSON.stringify(new URL("../ffi/locate.ts", import.meta.url).href)
    };
      let found = null, error = null;
      try { found = findTensorFlow(); } catch (e) { error = e.message; }
      console.log(JSON.stringify({ root: cacheRoot(), main: found?.main ?? null, source: found?.source ?? null, error }));
    `;
    const run = async (env: Record<string, string>) => {
      // Keep Deno's own cache (it would otherwise move with HOME/XDG_CACHE_HOME).
      const denoDir = Deno.env.get("DENO_DIR") ??
        `${Deno.env.get("XDG_CACHE_HOME") || `${Deno.env.get("HOME")}/.cache`}/deno`;
      const clean = { PATH: Deno.env.get("PATH") ?? "", DENO_DIR: denoDir, ...env };
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--config", new URL("../deno.json", import.meta.url).pathname, script],
        env: clean,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(out.success, new TextDecoder().decode(out.stderr));
      return JSON.parse(new TextDecoder().decode(out.stdout));
    };
    touch(`${dir}/libtensorflow.so.2`);
    touch(`${dir}/libtensorflow_framework.so.2`);
    assertEquals(
      await run({
        HOME: dir,
        XDG_CACHE_HOME: `${dir}/xdg`,
        TF_LIBRARY_PATH: `${dir}/libtensorflow.so.2`,
      }),
      {
        root: `${dir}/xdg/portrait-gan`,
        main: `${dir}/libtensorflow.so.2`,
        source: "env",
        error: null,
      },
    );
    // A relative XDG_CACHE_HOME is ignored (XDG spec); empty TF_LIBRARY_PATH means unset.
    assertEquals(await run({ HOME: dir, XDG_CACHE_HOME: "rel", TF_LIBRARY_PATH: "" }), {
      root: `${dir}/.cache/portrait-gan`,
      main: null,
      source: null,
      error: null,
    });
    const wrong = await run({ HOME: dir, TF_LIBRARY_PATH: `${dir}/nothing-here` });
    assert(
      String(wrong.error).includes(`TF_LIBRARY_PATH=${dir}/nothing-here`),
      JSON.stringify(wrong),
    );
  }));
