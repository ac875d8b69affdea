import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { prepareDataset } from "../src/data/prepare.ts";
import { augmentDataset } from "../src/data/augment.ts";
import { openDataset, trainingIndices } from "../src/data/dataset.ts";
import { encodePng } from "../src/data/decode.ts";
import { WorkerPool } from "../src/data/pool.ts";
import { UsageError, UserError } from "../src/util/errors.ts";
import { parseArtists } from "../src/cli/commands/prepare.ts";

// deno-lint-ignore no-explicit-any
async function assertRejects(fn: () => unknown, cls?: any, includes?: string): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    if (cls && !(e instanceof cls)) throw e;
    if (includes && !String((e as Error).message).includes(includes)) throw e;
    return e as Error;
  }
  throw new Error("expected a rejection");
}

const SHARED = new URL("../../shared/", import.meta.url);
const FIXTURES = new URL("fixtures/images/", SHARED).pathname;
const PEOPLEART = new URL("data/peopleart/originals", SHARED).pathname;
const quiet = { quiet: true, workers: 2 };

async function solid(w: number, h: number, rgb: [number, number, number]): Promise<Uint8Array> {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return await encodePng({ width: w, height: h, data });
}

Deno.test("prepare: every fixture is kept or skipped with its reason, and the run carries on", async () => {
  const out = await Deno.makeTempDir();
  const s = await prepareDataset({ input: FIXTURES, out, size: 32, ...quiet });
  const reasons = new Map(s.skippedFiles.map((f) => [f.source.split("/").pop()!, f.reason]));
  for (
    const bad of [
      "xs1n0g01.png",
      "xcrn0g04.png",
      "xhdn0g08.png",
      "xc9n2c08.png",
      "xd0n2c08.png",
      "xdtn0g01.png",
      "xcsn0g01.png",
      "truncated.jpg",
      "truncated.png",
      "webp-named.jpg",
      "sof-claims-30000x30000.jpg",
    ]
  ) {
    assert(reasons.has(bad), `${bad} should be skipped`);
  }
  assert(/30000x30000/.test(reasons.get("sof-claims-30000x30000.jpg")!));
  for (const [name, reason] of reasons) assert(!/LICENSE|README/.test(name), `${name}: ${reason}`);
  assertEquals(s.read, s.kept + s.skippedFiles.length);
  assertEquals(Object.values(s.skipped).reduce((a, b) => a + b, 0), s.skippedFiles.length);
  const manifest = (await Deno.readTextFile(join(out, "manifest.jsonl"))).trim().split("\n").map((
    l,
  ) => JSON.parse(l));
  const orient = manifest.find((r) => r.source.endsWith("exif-orient6.jpg"));
  assertEquals([orient.width, orient.height], [48, 64]);
  const wide = manifest.find((r) => r.source.endsWith("wide-300x100.png"));
  assertEquals(wide.crop, { x: 100, y: 0, width: 100, height: 100 });
  const summary = JSON.parse(await Deno.readTextFile(join(out, "summary.json")));
  assertEquals(summary.kept, s.kept);
  await Deno.remove(out, { recursive: true });
});

Deno.test("prepare: People-Art makes a complete dataset; re-run redoes nothing; exclude.txt is honoured", async () => {
  const out = await Deno.makeTempDir();
  const s = await prepareDataset({ input: PEOPLEART, out, size: 64, holdout: 0.1, ...quiet });
  assertEquals([s.read, s.kept], [228, 228]);
  assert(s.heldOut > 5 && s.heldOut < 45, `held out ${s.heldOut}`);
  for (
    const f of [
      "manifest.jsonl",
      "images.u8",
      "summary.json",
      "contact/sheet_001.png",
      "contact/sheet_005.png",
    ]
  ) {
    await Deno.stat(join(out, f));
  }
  const ds = await openDataset(out);
  assertEquals([ds.size, ds.count, ds.images.length], [64, 228, 228 * 64 * 64 * 3]);
  assertEquals(ds.fingerprint, s.fingerprint);
  assertEquals(trainingIndices(ds).length, 228 - s.heldOut);

  const packedBefore = (await Deno.stat(join(out, "images.u8"))).mtime;
  const again = await prepareDataset({ input: PEOPLEART, out, size: 64, holdout: 0.1, ...quiet });
  assertEquals([again.decoded, again.reused, again.fingerprint], [0, 228, s.fingerprint]);
  assertEquals((await Deno.stat(join(out, "images.u8"))).mtime, packedBefore);

  await Deno.writeTextFile(join(out, "exclude.txt"), `# reviewed\n${ds.ids[0]}\n${ds.ids[5]}\n`);
  const ex = await openDataset(out);
  assertEquals(ex.count, 226);
  assertEquals(ex.excluded, [ds.ids[0], ds.ids[5]]);
  assert(!ex.ids.includes(ds.ids[0]));

  // augment: skips excluded, same seed gives byte-identical output.
  const a1 = await Deno.makeTempDir(), a2 = await Deno.makeTempDir();
  const r1 = await augmentDataset({ input: out, out: a1, copies: 1, seed: 7, ...quiet });
  await augmentDataset({ input: out, out: a2, copies: 1, seed: 7, ...quiet });
  const held = ex.heldOut.length;
  assertEquals(r1.count, 226 + (226 - held));
  for (const f of ["images.u8", "manifest.jsonl", "contact/sheet_001.png"]) {
    assertEquals(await Deno.readFile(join(a1, f)), await Deno.readFile(join(a2, f)), f);
  }
  const recs = (await Deno.readTextFile(join(a1, "manifest.jsonl"))).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  const copy = recs.find((r) => r.parent);
  assert(copy.id.startsWith(copy.parent + "-"));
  assert(typeof copy.transform.flip === "boolean" && Number.isInteger(copy.transform.hue));
  assert(!recs.some((r) => r.id === ds.ids[0] || r.parent === ds.ids[0]));
  const aug = await openDataset(a1);
  assertEquals(aug.count, r1.count);
  for (const d of [out, a1, a2]) await Deno.remove(d, { recursive: true });
});

Deno.test("prepare: Kaggle layout with artists.csv, mojibake folders and --artists", async () => {
  const input = await Deno.makeTempDir();
  const root = join(input, "best-artworks", "images", "images");
  const csv = "id,name,years,genre,nationality,bio,wikipedia,paintings\n" +
    '0,Vincent van Gogh,1853 - 1890,Post-Impressionism,Dutch,"Born in Zundert, he painted.\nMany works, many letters.",http://a,2\n' +
    '1,Albrecht Dürer,1471 - 1528,"Northern Renaissance,Renaissance",German,"Painter, printmaker",http://b,1\n' +
    '2,Claude Monet,1840 - 1926,Impressionism,French,"Water lilies, etc.",http://c,1\n';
  await Deno.mkdir(join(input, "best-artworks"), { recursive: true });
  await Deno.writeTextFile(join(input, "best-artworks", "artists.csv"), csv);
  const files: [string, Uint8Array][] = [
    ["Vincent_van_Gogh/Vincent_van_Gogh_1.jpg", await solid(40, 30, [200, 180, 20])],
    ["Vincent_van_Gogh/Vincent_van_Gogh_2.jpg", await solid(30, 40, [20, 80, 200])],
    ["Albrecht_Du╠êrer/Albrecht_Du╠êrer_1.jpg", await solid(20, 20, [90, 60, 30])],
    ["Albrecht_DuΓòá├¬rer/Albrecht_DuΓòá├¬rer_1.jpg", await solid(20, 20, [90, 60, 30])],
    ["Claude_Monet/Claude_Monet_1.jpg", await solid(50, 20, [10, 160, 90])],
  ];
  for (const [p, b] of files) {
    await Deno.mkdir(join(root, p.split("/")[0]), { recursive: true });
    await Deno.writeFile(join(root, p), b);
  }
  const out = join(await Deno.makeTempDir(), "ds");
  const s = await prepareDataset({
    input,
    out,
    size: 16,
    artists: ["Van Gogh", "Dürer"],
    ...quiet,
  });
  assertEquals(s.layout, "kaggle-images");
  assertEquals(s.kept, 3);
  assertEquals(s.artists, { "Albrecht Dürer": 1, "Vincent van Gogh": 2 });
  assertEquals(s.skipped, { duplicate: 1 });
  const e = await assertRejects(
    () => prepareDataset({ input, out, size: 16, artists: ["Van Gosh"], ...quiet }),
    UsageError,
  );
  assert(e.message.includes("Vincent van Gogh"), e.message);
  const seed = await prepareDataset({ input, out, size: 16, artists: "seed", ...quiet });
  assertEquals(seed.kept, 3); // Van Gogh and Monet are seed artists; Dürer is not
  assertEquals(seed.artists, { "Claude Monet": 1, "Vincent van Gogh": 2 });
  await Deno.remove(input, { recursive: true });
});

Deno.test('prepare: --artists "  ,  " (no names) is wrong usage, not "none of the seed artists"', async () => {
  const out = join(await Deno.makeTempDir(), "ds");
  for (const artists of [parseArtists("  ,  "), [], ["", "  "]]) {
    const e = await assertRejects(
      () => prepareDataset({ input: FIXTURES + "generated", out, artists, ...quiet }),
      UsageError,
    );
    assertEquals(e.message, '--artists needs at least one name (or "seed")');
    assertEquals((e as UsageError).exitCode, 2);
  }
  await assertRejects(() => Deno.stat(out), Deno.errors.NotFound); // nothing written
  await Deno.remove(join(out, ".."), { recursive: true });
});

Deno.test("prepare: re-running with another --size or --holdout says it rebuilds the dataset", async () => {
  const input = FIXTURES + "generated";
  const out = join(await Deno.makeTempDir(), "ds");
  const run = async (size: number, holdout: number) => {
    const lines: string[] = [];
    const s = await prepareDataset({
      input,
      out,
      size,
      holdout,
      workers: 2,
      log: (l) => lines.push(l),
    });
    return { s, notes: lines.filter((l) => l.startsWith("note:")) };
  };
  const first = await run(16, 0);
  assertEquals(first.notes, []);
  assertEquals((await run(16, 0)).notes, []);
  const r = await run(8, 0);
  assertEquals(r.notes, [`note: ${out} was prepared at 16 px; rebuilding it at 8 px`]);
  assertEquals((await openDataset(out)).size, 8);
  assertEquals((await run(8, 0.5)).notes, [
    `note: ${out} was prepared with --holdout 0; rebuilding it with --holdout 0.5`,
  ]);
  assertEquals((await run(12, 0.25)).notes, [
    `note: ${out} was prepared at 8 px; rebuilding it at 12 px`,
    `note: ${out} was prepared with --holdout 0.5; rebuilding it with --holdout 0.25`,
  ]);
  // Back to a size used before: its cached results are reused, but not the 12 px images.
  const back = await run(16, 0.25);
  assertEquals(back.notes, [`note: ${out} was prepared at 12 px; rebuilding it at 16 px`]);
  const ds = await openDataset(out);
  assertEquals([ds.size, ds.images.length], [16, back.s.kept * 16 * 16 * 3]);
  assertEquals(back.s.fingerprint, first.s.fingerprint);
  await Deno.remove(join(out, ".."), { recursive: true });
});

Deno.test("prepare: bad input and output give one-line errors naming the path", async () => {
  const tmp = await Deno.makeTempDir();
  const out = join(tmp, "out");
  let e = await assertRejects(
    () => prepareDataset({ input: join(tmp, "nope"), out, ...quiet }),
    UserError,
  );
  assert(e.message.includes(join(tmp, "nope")) && !e.message.includes("\n"));
  await Deno.mkdir(join(tmp, "empty"));
  e = await assertRejects(
    () => prepareDataset({ input: join(tmp, "empty"), out, ...quiet }),
    UserError,
    "empty",
  );
  await Deno.mkdir(join(tmp, "notes"));
  await Deno.writeTextFile(join(tmp, "notes", "readme.txt"), "hi");
  e = await assertRejects(
    () => prepareDataset({ input: join(tmp, "notes"), out, ...quiet }),
    UserError,
    "no images",
  );
  await Deno.mkdir(join(tmp, "junk"));
  await Deno.writeTextFile(join(tmp, "junk", "a.jpg"), "not really");
  e = await assertRejects(
    () => prepareDataset({ input: join(tmp, "junk"), out, ...quiet }),
    UserError,
    "no readable",
  );
  const other = join(tmp, "other");
  await Deno.mkdir(other);
  await Deno.writeTextFile(join(other, "thesis.docx"), "precious");
  e = await assertRejects(
    () => prepareDataset({ input: FIXTURES + "generated", out: other, ...quiet }),
    UserError,
  );
  assert(e.message.includes(other) && /not a portrait-gan dataset/.test(e.message));
  assertEquals(await Deno.readTextFile(join(other, "thesis.docx")), "precious");
  await assertRejects(
    () => prepareDataset({ input: FIXTURES, out, size: 0, ...quiet }),
    UsageError,
  );
  // A corrupted packed file is reported by openDataset.
  const ds = join(tmp, "ds");
  await prepareDataset({ input: FIXTURES + "generated", out: ds, size: 8, ...quiet });
  const f = await Deno.open(join(ds, "images.u8"), { write: true });
  await f.truncate(100);
  f.close();
  e = await assertRejects(() => openDataset(ds), UserError, "corrupted");
  assert(e.message.includes("images.u8"));
  await Deno.remove(tmp, { recursive: true });
});

Deno.test("WorkerPool: a crash or WebAssembly trap fails one job and a fresh worker takes over", async () => {
  const pool = new WorkerPool({ workers: 1 });
  const png = await solid(10, 10, [1, 2, 3]);
  const crash = await pool.run({ op: "crash" });
  assert(!crash.ok && /crash/.test(crash.reason), JSON.stringify(crash));
  const trap = await pool.run({ op: "trap" });
  assert(!trap.ok && /memory access out of bounds/.test(trap.reason));
  const good = await pool.run({ op: "prepare", bytes: png, size: 4, maxPixels: 1e6 });
  assert(good.ok && good.rgb![0] === 1);
  assertEquals(pool.restarts, 2);
  pool.close();
});
