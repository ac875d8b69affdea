/**
 * The no-pip install path end to end against a small local package index
 * (served on 127.0.0.1 by `Deno.serve`, laid out like the Python simple
 * index, holding wheels this test builds with yazl), plus the pure wheel and
 * index helpers. Everything goes into temporary cache roots; ~/.cache is
 * never touched and no outside network is used.
 */

import nodeAssert from "node:assert/strict";
import yazl from "yazl";
import { createHash } from "node:crypto";
import { Buffer } from "node:buffer";
import { cacheDirFor, ensureTensorFlow, TENSORFLOW_VERSION } from "../ffi/locate.ts";
import { UserError } from "../src/util/errors.ts";
import {
  chooseWheel,
  compareVersions,
  type IndexFile,
  parseSimpleHtml,
  parseSimpleJson,
  parseWheelName,
  requirementsForExtra,
  satisfies,
} from "../ffi/install/wheels.ts";
import { cudaDestination } from "../ffi/install/install.ts";

// Small assertion helpers over node:assert (the JSR registry is not reachable here).
const assert = (condition: unknown, message?: string) => nodeAssert.ok(condition, message);
const assertEquals = (actual: unknown, expected: unknown) =>
  nodeAssert.deepStrictEqual(actual, expected);
async function assertRejects<E extends Error>(
  fn: () => Promise<unknown>,
  kind: new (...args: any[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    assert(error instanceof kind, `expected ${kind.name}, got ${error}`);
    return error as E;
  }
  throw new Error(`expected a ${kind.name}, but nothing was thrown`);
}

const ARCH = Deno.build.arch;
const ELF = [0x7f, 0x45, 0x4c, 0x46];

/** Deterministic pseudo-random bytes that start with the ELF magic number. */
function fakeLibrary(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  out.set(ELF);
  let x = seed >>> 0 || 1;
  for (let i = 4; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const sha256 = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");
const recordHash = (data: Uint8Array) =>
  createHash("sha256").update(data).digest("base64").replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");

/** Builds a wheel with yazl; a RECORD is added (optionally with wrong entries via `recordOverride`). */
async function buildWheel(
  path: string,
  distInfo: string,
  files: Record<string, Uint8Array>,
  recordOverride: Record<string, Uint8Array> = {},
): Promise<Uint8Array> {
  const zip = new (yazl as any).ZipFile();
  const record: string[] = [];
  for (const [name, data] of Object.entries(files)) {
    zip.addBuffer(Buffer.from(data), name); // yazl wants Node Buffers
    const r = recordOverride[name] ?? data;
    record.push(`${name},sha256=${recordHash(r)},${r.length}`);
  }
  record.push(`${distInfo}/RECORD,,`);
  zip.addBuffer(Buffer.from(record.join("\n") + "\n"), `${distInfo}/RECORD`);
  zip.end();
  const chunks: Uint8Array[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Uint8Array>) chunks.push(chunk);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  await Deno.writeFile(path, bytes);
  return bytes;
}

/** A local index: files under `root` served as-is, `dir/` mapped to `dir/index.html`. */
function serveIndex(root: string, options: { json?: unknown } = {}) {
  const requests: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      requests.push(url.pathname);
      if (options.json && url.pathname === "/simple/tensorflow-cpu/") {
        return new Response(JSON.stringify(options.json), {
          headers: { "content-type": "application/vnd.pypi.simple.v1+json" },
        });
      }
      let path = `${root}${decodeURIComponent(url.pathname)}`;
      if (path.endsWith("/")) path += "index.html";
      if (path.includes("..")) return new Response("bad path", { status: 400 });
      try {
        const file = await Deno.open(path);
        const { size } = await file.stat();
        return new Response(file.readable, { headers: { "content-length": String(size) } });
      } catch {
        return new Response("not found", { status: 404 });
      }
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}/simple`;
  return { server, base, requests };
}

interface Fixture {
  indexRoot: string;
  cacheRoot: string;
  main: Uint8Array;
  framework: Uint8Array;
  wheelName: string;
  wheelSha: string;
}

/**
 * Lays out an index folder with one good wheel plus decoys that must not be
 * chosen (older version, other platforms, musl, non-wheel), whose links point
 * at files that do not exist.
 */
async function makeFixture(
  opts: { publishedHash?: (real: string) => string; recordOverride?: boolean } = {},
): Promise<Fixture> {
  const indexRoot = await Deno.makeTempDir({ prefix: "pg-index-" });
  const cacheRoot = await Deno.makeTempDir({ prefix: "pg-cache-" });
  await Deno.mkdir(`${indexRoot}/simple/tensorflow-cpu`, { recursive: true });
  await Deno.mkdir(`${indexRoot}/files`);
  const main = fakeLibrary(3_000_123, 7);
  const framework = fakeLibrary(200_001, 11);
  const wheelName = `tensorflow_cpu-${TENSORFLOW_VERSION}-cp312-cp312-` +
    `manylinux_2_17_${ARCH}.manylinux2014_${ARCH}.whl`;
  const bytes = await buildWheel(
    `${indexRoot}/files/${wheelName}`,
    `tensorflow_cpu-${TENSORFLOW_VERSION}.dist-info`,
    {
      "tensorflow/__init__.py": new TextEncoder().encode("# must not be extracted\n"),
      "tensorflow/libtensorflow_cc.so.2": main,
      "tensorflow/libtensorflow_framework.so.2": framework,
      "tensorflow/python/_pywrap_tensorflow_internal.so": fakeLibrary(1000, 3),
      "tensorflow/include/tensorflow/c/c_api.h": new TextEncoder().encode("/* header */\n"),
      [`tensorflow_cpu-${TENSORFLOW_VERSION}.dist-info/METADATA`]: new TextEncoder().encode(
        `Metadata-Version: 2.1\nName: tensorflow-cpu\nVersion: ${TENSORFLOW_VERSION}\n\n`,
      ),
    },
    opts.recordOverride ? { "tensorflow/libtensorflow_cc.so.2": fakeLibrary(3_000_123, 8) } : {},
  );
  const wheelSha = sha256(bytes);
  const published = opts.publishedHash ? opts.publishedHash(wheelSha) : wheelSha;
  const other = ARCH === "x86_64" ? "aarch64" : "x86_64";
  const decoys = [
    `tensorflow_cpu-2.20.0-cp312-cp312-manylinux_2_17_${ARCH}.whl`,
    `tensorflow_cpu-${TENSORFLOW_VERSION}-cp313-cp313-manylinux_2_17_${other}.whl`,
    `tensorflow_cpu-${TENSORFLOW_VERSION}-cp313-cp313-musllinux_1_2_${ARCH}.whl`,
    `tensorflow_cpu-${TENSORFLOW_VERSION}-cp313-cp313-win_amd64.whl`,
    `tensorflow_cpu-${TENSORFLOW_VERSION}rc1-cp313-cp313-manylinux_2_17_${ARCH}.whl`,
    `tensorflow_cpu-${TENSORFLOW_VERSION}.tar.gz`,
  ];
  const links = [
    ...decoys.map((d) => `<a href="../../files/${d}#sha256=${"0".repeat(64)}">${d}</a>`),
    `<a href="../../files/${wheelName}#sha256=${published}" data-requires-python="&gt;=3.9">` +
    `${wheelName}</a>`,
  ];
  await Deno.writeTextFile(
    `${indexRoot}/simple/tensorflow-cpu/index.html`,
    `<!DOCTYPE html><html><body>\n${links.join("<br/>\n")}\n</body></html>\n`,
  );
  return { indexRoot, cacheRoot, main, framework, wheelName, wheelSha };
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(path)) names.push(e.name);
  return names.sort();
}

async function cleanup(...dirs: string[]) {
  for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
}

Deno.test("no-pip install from a local simple index: extracts only the two libraries, atomically", async () => {
  const fx = await makeFixture();
  const { server, base, requests } = serveIndex(fx.indexRoot);
  // A temporary folder left by a killed install (pid that cannot exist) is cleaned up.
  const stale = `${fx.cacheRoot}/.tmp-libtensorflow-${TENSORFLOW_VERSION}-cpu-999999999-abc123`;
  await Deno.mkdir(stale);
  try {
    const lines: string[] = [];
    const loc = await ensureTensorFlow({
      usePip: false,
      indexUrl: base,
      cacheRoot: fx.cacheRoot,
      libraryPath: null,
      log: (l) => lines.push(l),
    });
    const dir = cacheDirFor("cpu", TENSORFLOW_VERSION, fx.cacheRoot);
    assertEquals(dir, `${fx.cacheRoot}/libtensorflow-${TENSORFLOW_VERSION}-cpu`);
    assertEquals(loc.source, "installed");
    assertEquals(loc.build, "cpu");
    assertEquals(loc.version, TENSORFLOW_VERSION);
    assertEquals(loc.main, `${dir}/libtensorflow_cc.so.2`);
    assertEquals(loc.framework, `${dir}/libtensorflow_framework.so.2`);
    assertEquals(loc.extraLibraryDirs, []);
    assertEquals(await Deno.readFile(loc.main), fx.main);
    assertEquals(await Deno.readFile(loc.framework), fx.framework);
    // Nothing else from the wheel, and no temporary folders or wheel left anywhere.
    assertEquals(await listDir(dir), [
      "install.json",
      "libtensorflow_cc.so.2",
      "libtensorflow_framework.so.2",
    ]);
    assertEquals(await listDir(fx.cacheRoot), [`libtensorflow-${TENSORFLOW_VERSION}-cpu`]);

    const record = JSON.parse(await Deno.readTextFile(`${dir}/install.json`));
    assertEquals(record.version, TENSORFLOW_VERSION);
    assertEquals(record.build, "cpu");
    assertEquals(record.wheel, fx.wheelName);
    assertEquals(record.sha256, fx.wheelSha);
    assertEquals(record.indexSha256, fx.wheelSha);
    assertEquals(record.source, "index");
    assertEquals(record.url, `${base.replace(/\/simple$/, "")}/files/${fx.wheelName}`);
    assertEquals(record.files["libtensorflow_cc.so.2"], {
      size: fx.main.length,
      sha256: sha256(fx.main),
    });
    assertEquals(record.files["libtensorflow_framework.so.2"], {
      size: fx.framework.length,
      sha256: sha256(fx.framework),
    });
    // Only the page and the chosen wheel were requested (no decoy).
    assertEquals(requests, ["/simple/tensorflow-cpu/", `/files/${fx.wheelName}`]);
    assert(lines.some((l) => l.includes(`downloading ${fx.wheelName}`)), lines.join("\n"));

    // Second call: found in the cache, with the server gone.
    await server.shutdown();
    const again = await ensureTensorFlow({
      usePip: false,
      indexUrl: base,
      cacheRoot: fx.cacheRoot,
      libraryPath: null,
      quiet: true,
    });
    assertEquals(again.source, "cache");
    assertEquals(again.main, loc.main);
    assertEquals(requests.length, 2);
  } finally {
    await server.shutdown().catch(() => {});
    await cleanup(fx.indexRoot, fx.cacheRoot);
  }
});

/** Installs from a local index serving `fx` without pip; returns the UserError it must refuse with. */
async function refusedInstall(fx: Awaited<ReturnType<typeof makeFixture>>): Promise<UserError> {
  const { server, base } = serveIndex(fx.indexRoot);
  try {
    return await assertRejects(
      () =>
        ensureTensorFlow({
          usePip: false,
          indexUrl: base,
          cacheRoot: fx.cacheRoot,
          libraryPath: null,
          quiet: true,
        }),
      UserError,
    );
  } finally {
    await server.shutdown().catch(() => {});
  }
}

Deno.test("a wheel whose hash differs from the index's is refused and nothing is left", async () => {
  const fx = await makeFixture({ publishedHash: (h) => (h[0] === "a" ? "b" : "a") + h.slice(1) });
  try {
    const error = await refusedInstall(fx);
    assert(error.message.includes("refusing"), error.message);
    assert(error.message.includes(fx.wheelSha), error.message);
    assert(error.message.includes(fx.wheelName), error.message);
    assertEquals(await listDir(fx.cacheRoot), []);
  } finally {
    await cleanup(fx.indexRoot, fx.cacheRoot);
  }
});

Deno.test("a library that does not match the wheel's RECORD is refused and nothing is left", async () => {
  const fx = await makeFixture({ recordOverride: true });
  try {
    const error = await refusedInstall(fx);
    assert(error.message.includes("RECORD"), error.message);
    assertEquals(await listDir(fx.cacheRoot), []);
  } finally {
    await cleanup(fx.indexRoot, fx.cacheRoot);
  }
});

Deno.test("when nothing works the error names the three ways to fix it", async () => {
  const indexRoot = await Deno.makeTempDir({ prefix: "pg-index-" });
  const cacheRoot = await Deno.makeTempDir({ prefix: "pg-cache-" });
  const { server, base } = serveIndex(indexRoot); // empty: every page is a 404
  try {
    const error = await assertRejects(
      () =>
        ensureTensorFlow({
          usePip: false,
          indexUrl: base,
          cacheRoot,
          libraryPath: null,
          quiet: true,
        }),
      UserError,
    );
    const dir = cacheDirFor("cpu", TENSORFLOW_VERSION, cacheRoot);
    assert(error.message.includes("404"), error.message);
    assert(error.message.includes("1. set TF_LIBRARY_PATH"), error.message);
    assert(
      error.message.includes(`2. put libtensorflow_cc.so.2 and libtensorflow_framework.so.2`),
      error.message,
    );
    assert(error.message.includes(dir), error.message);
    assert(error.message.includes("3. make pip or the package index reachable"), error.message);
    assert(error.message.includes("deno task setup"), error.message);
    assertEquals(await listDir(cacheRoot), []);
  } finally {
    await server.shutdown();
    await cleanup(indexRoot, cacheRoot);
  }
});

Deno.test("PEP 691 JSON index pages work too", async () => {
  const fx = await makeFixture();
  const json = {
    meta: { "api-version": "1.0" },
    name: "tensorflow-cpu",
    files: [
      {
        filename: fx.wheelName,
        url: `../../files/${fx.wheelName}`,
        hashes: { sha256: fx.wheelSha },
      },
      {
        filename: `tensorflow_cpu-${TENSORFLOW_VERSION}-cp313-cp313-manylinux_2_28_${ARCH}.whl`,
        url: "../../files/yanked.whl",
        hashes: { sha256: "0".repeat(64) },
        yanked: "broken",
      },
    ],
  };
  const { server, base } = serveIndex(fx.indexRoot, { json });
  try {
    const loc = await ensureTensorFlow({
      usePip: false,
      indexUrl: base,
      cacheRoot: fx.cacheRoot,
      libraryPath: null,
      quiet: true,
    });
    assertEquals(await Deno.readFile(loc.main), fx.main);
  } finally {
    await server.shutdown();
    await cleanup(fx.indexRoot, fx.cacheRoot);
  }
});

Deno.test("concurrent installs into one cache do not corrupt it", async () => {
  const fx = await makeFixture();
  const { server, base } = serveIndex(fx.indexRoot);
  try {
    const lines: string[] = [];
    const opts = {
      usePip: false,
      indexUrl: base,
      cacheRoot: fx.cacheRoot,
      libraryPath: null,
      log: (l: string) => lines.push(l),
    };
    // All three miss the cache (the look-up is synchronous), so all three install and race.
    const [a, b, c] = await Promise.all([
      ensureTensorFlow(opts),
      ensureTensorFlow(opts),
      ensureTensorFlow(opts),
    ]);
    assertEquals(lines.filter((l) => l.includes("another process finished installing")).length, 2);
    assertEquals(a.main, b.main);
    assertEquals(b.main, c.main);
    assertEquals(await Deno.readFile(a.main), fx.main);
    assertEquals(await Deno.readFile(a.framework), fx.framework);
    assertEquals(await listDir(fx.cacheRoot), [`libtensorflow-${TENSORFLOW_VERSION}-cpu`]);
    assertEquals(await listDir(`${fx.cacheRoot}/libtensorflow-${TENSORFLOW_VERSION}-cpu`), [
      "install.json",
      "libtensorflow_cc.so.2",
      "libtensorflow_framework.so.2",
    ]);
  } finally {
    await server.shutdown();
    await cleanup(fx.indexRoot, fx.cacheRoot);
  }
});

Deno.test("wheel names, tags and choice of wheel", () => {
  assertEquals(parseWheelName("tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl"), {
    name: "tensorflow-cpu",
    version: "2.21.0",
    pythonTags: ["cp311"],
    abiTags: ["cp311"],
    platformTags: ["manylinux_2_27_x86_64"],
  });
  assertEquals(parseWheelName("x-1.0.tar.gz"), null);
  const f = (filename: string, yanked = false): IndexFile => ({
    filename,
    url: `https://h/${filename}`,
    yanked,
  });
  const files = [
    f("tensorflow_cpu-2.21.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
    f("tensorflow_cpu-2.21.0-cp313-cp313-manylinux_2_27_x86_64.whl"),
    f("tensorflow_cpu-2.21.0-cp313-cp313-manylinux_2_17_x86_64.whl"),
    f("tensorflow_cpu-2.21.0-cp314-cp314-manylinux_2_17_x86_64.whl", true),
    f("tensorflow_cpu-2.21.0-cp314-cp314-manylinux_2_17_aarch64.whl"),
    f("tensorflow_cpu-2.21.0-cp314-cp314-macosx_12_0_arm64.whl"),
    f("tensorflow_cpu-2.22.0-cp314-cp314-manylinux_2_17_x86_64.whl"),
  ];
  // Newest python tag among non-yanked, then the lowest glibc requirement.
  assertEquals(
    chooseWheel(files, "tensorflow-cpu", "==2.21.0", "x86_64")?.filename,
    "tensorflow_cpu-2.21.0-cp313-cp313-manylinux_2_17_x86_64.whl",
  );
  assertEquals(
    chooseWheel(files, "Tensorflow_CPU", "==2.21.0", "aarch64")?.filename,
    "tensorflow_cpu-2.21.0-cp314-cp314-manylinux_2_17_aarch64.whl",
  );
  assertEquals(chooseWheel(files, "tensorflow", "==2.21.0", "x86_64"), null);
  // py3-none wheels (the nvidia-* CUDA wheels), newest version in range.
  const nv = [
    f("nvidia_cublas_cu12-12.5.3.2-py3-none-manylinux2014_x86_64.whl"),
    f("nvidia_cublas_cu12-12.9.1.4-py3-none-manylinux_2_27_x86_64.whl"),
    f("nvidia_cublas_cu12-13.0.0.1-py3-none-manylinux_2_27_x86_64.whl"),
    f("nvidia_cublas_cu12-12.9.1.4-py3-none-win_amd64.whl"),
  ];
  assertEquals(
    chooseWheel(nv, "nvidia-cublas-cu12", "<13.0,>=12.5.3.2", "x86_64")?.filename,
    "nvidia_cublas_cu12-12.9.1.4-py3-none-manylinux_2_27_x86_64.whl",
  );
});

Deno.test("version specifiers", () => {
  assert(satisfies("2.21.0", "==2.21.0"));
  assert(satisfies("2.21", "==2.21.0"));
  assert(!satisfies("2.21.1", "==2.21.0"));
  assert(!satisfies("2.21.0rc1", "==2.21.0"));
  assert(satisfies("12.9.1.4", "<13.0,>=12.5.3.2"));
  assert(!satisfies("13.0", "<13.0,>=12.5.3.2"));
  assert(!satisfies("12.5.3.1", "<13.0,>=12.5.3.2"));
  assert(satisfies("2.21.3", "~=2.21.1"));
  assert(!satisfies("2.22.0", "~=2.21.1"));
  assert(satisfies("2.21.7", "==2.21.*"));
  assert(!satisfies("0.5.1", "!=0.5.0,!=0.5.1,>=0.2.1"));
  assert(compareVersions("2.21.0.post1", "2.21.0") > 0);
});

Deno.test("CUDA requirements from METADATA (both spellings) and where their files go", () => {
  const metadata = [
    "Metadata-Version: 2.1",
    "Name: tensorflow",
    "Requires-Dist: numpy>=1.26.0",
    'Requires-Dist: nvidia-cublas-cu12<13.0,>=12.5.3.2; extra == "and-cuda"',
    "Requires-Dist: nvidia-cudnn-cu12 (==9.3.0.75) ; extra == 'and-cuda'",
    'Requires-Dist: tensorflow-io-gcs-filesystem>=0.23.1; (sys_platform != "win32") and extra == "gcs-filesystem"',
    "",
    'Requires-Dist: not-a-header; extra == "and-cuda"',
  ].join("\n");
  assertEquals(requirementsForExtra(metadata, "and-cuda"), [
    { name: "nvidia-cublas-cu12", specifiers: "<13.0,>=12.5.3.2" },
    { name: "nvidia-cudnn-cu12", specifiers: "==9.3.0.75" },
  ]);
  assertEquals(cudaDestination("nvidia/cudnn/lib/libcudnn.so.9"), "libcudnn.so.9");
  assertEquals(cudaDestination("nvidia/cublas/lib/libcublasLt.so.12"), "libcublasLt.so.12");
  assertEquals(cudaDestination("nvidia/cuda_nvcc/bin/ptxas"), "bin/ptxas");
  assertEquals(cudaDestination("nvidia/cublas/include/cublas.h"), null);
  assertEquals(cudaDestination("nvidia/cublas/lib/../../../etc/passwd"), null);
  assertEquals(cudaDestination("nvidia/__init__.py"), null);
});

Deno.test("simple index HTML and JSON parsing", () => {
  const html = `<a href="../../files/a-1.0-py3-none-any.whl#sha256=${
    "AB".repeat(32)
  }" data-yanked="">a-1.0-py3-none-any.whl</a>
    <a href='https://cdn.example/b/a-2.0-py3-none-any.whl?x=1&amp;y=2#sha256=${
    "cd".repeat(32)
  }'>a-2.0-py3-none-any.whl</a>`;
  assertEquals(parseSimpleHtml(html, "https://idx.example/simple/a/"), [
    {
      filename: "a-1.0-py3-none-any.whl",
      url: "https://idx.example/files/a-1.0-py3-none-any.whl",
      sha256: "ab".repeat(32),
      yanked: true,
    },
    {
      filename: "a-2.0-py3-none-any.whl",
      url: "https://cdn.example/b/a-2.0-py3-none-any.whl?x=1&y=2",
      sha256: "cd".repeat(32),
      yanked: false,
    },
  ]);
  assertEquals(
    parseSimpleJson({
      files: [{ filename: "a.whl", url: "/f/a.whl", hashes: { sha256: "EF".repeat(32) } }],
    }, "https://i.example/simple/a/"),
    [{
      filename: "a.whl",
      url: "https://i.example/f/a.whl",
      sha256: "ef".repeat(32),
      yanked: false,
    }],
  );
});
