/**
 * Loading libtensorflow: a wrong library path gives a clear error (exit code
 * 1, the path named), never a crash; the loaded library is 2.21.0.
 */

import { openTensorFlow, tensorFlow, tf } from "../ffi/library.ts";
import { readCString } from "../ffi/c.ts";
import { assert, assertEquals, loadTensorFlow } from "./helpers/tf.ts";

const opened = await loadTensorFlow();

const repo = new URL("..", import.meta.url);
const libraryUrl = new URL("ffi/library.ts", repo).href;

/** Runs `code` in a fresh Deno process with `env` added and returns what it did. */
async function runDeno(code: string, env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: repo,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    signal: out.signal,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

const LOAD = `import { tensorFlow } from ${JSON.stringify(libraryUrl)};
console.log("loaded", tensorFlow().version);`;

/** Asserts a clean failure: exit code 1, no signal, no "loaded", stderr mentions each of `needles`. */
function assertCleanFailure(r: Awaited<ReturnType<typeof runDeno>>, needles: string[]): void {
  const context = `exit ${r.code}, signal ${r.signal}\nstderr: ${r.stderr}`;
  assertEquals(r.signal, null, `killed by a signal: ${context}`);
  assertEquals(r.code, 1, context);
  assert(!r.stdout.includes("loaded"), `it loaded something: ${r.stdout}`);
  assert(!/panicked|Segmentation|core dumped/i.test(r.stderr), context);
  for (const needle of needles) assert(r.stderr.includes(needle), `"${needle}" not in ${context}`);
}

Deno.test("TF_LIBRARY_PATH=/nonexistent/libtensorflow.so.2 fails with a message naming the path", async () => {
  const r = await runDeno(LOAD, { TF_LIBRARY_PATH: "/nonexistent/libtensorflow.so.2" });
  assertCleanFailure(r, ["/nonexistent/libtensorflow.so.2", "TF_LIBRARY_PATH"]);
});

Deno.test("a folder with a main library but no libtensorflow_framework.so.2 names the missing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tf_lib_test_" });
  try {
    await Deno.writeTextFile(`${dir}/libtensorflow.so.2`, "not a shared library\n");
    for (const path of [`${dir}/libtensorflow.so.2`, dir]) {
      const r = await runDeno(LOAD, { TF_LIBRARY_PATH: path });
      assertCleanFailure(r, [dir, "libtensorflow_framework.so.2"]);
    }
    // openTensorFlow itself checks it too (a fresh process: the first open is kept).
    const direct = await runDeno(
      `import { openTensorFlow } from ${JSON.stringify(libraryUrl)};
openTensorFlow({ main: ${JSON.stringify(`${dir}/libtensorflow.so.2`)},
  framework: ${JSON.stringify(`${dir}/libtensorflow_framework.so.2`)} });
console.log("loaded");`,
      {},
    );
    assertCleanFailure(direct, ["LibraryLoadError", "libtensorflow_framework.so.2"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a library file that is not a shared object is refused with the path in the message", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tf_lib_test_" });
  try {
    await Deno.writeTextFile(`${dir}/libtensorflow.so.2`, "garbage\n");
    await Deno.writeTextFile(`${dir}/libtensorflow_framework.so.2`, "garbage\n");
    const r = await runDeno(LOAD, { TF_LIBRARY_PATH: `${dir}/libtensorflow.so.2` });
    assertCleanFailure(r, ["LibraryLoadError", `could not open ${dir}/libtensorflow.so.2`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the opened library is TensorFlow 2.21.0, opened once", () => {
  assertEquals(tensorFlow().version, "2.21.0");
  assertEquals(readCString(tf().TF_Version()), "2.21.0");
  assert(tensorFlow() === opened, "tensorFlow() returns the library loadTensorFlow opened");
  assert(openTensorFlow(opened.location) === opened, "a second open returns the first library");
  assert(opened.location.framework.endsWith("libtensorflow_framework.so.2"));
});
