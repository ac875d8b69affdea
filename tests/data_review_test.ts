// Reviewing a dataset: exclude.txt ids in any case, ids that match nothing,
// and contact-sheet ids printed in lower case exactly as they are typed.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { prepareDataset } from "../src/data/prepare.ts";
import { augmentDataset } from "../src/data/augment.ts";
import { openDataset } from "../src/data/dataset.ts";
import { decodeImage, encodePng } from "../src/data/decode.ts";
import { readExcludes } from "../src/data/format.ts";
import { idLayout, renderContactSheet, SHEET } from "../src/data/contact.ts";
import { drawText, textWidth } from "../src/util/font.ts";

const quiet = { quiet: true, workers: 2 };

/** A folder of `n` small solid-colour PNGs, each a different colour (so a different id). */
async function solidFolder(n: number): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(24 * 24 * 3);
    for (let p = 0; p < data.length; p += 3) data.set([(i * 37) % 256, (i * 91) % 256, 200], p);
    await Deno.writeFile(
      join(dir, `p${i}.png`),
      await encodePng({ width: 24, height: 24, data }),
    );
  }
  return dir;
}

/** Renders `text` at scale 1 and returns the lit pixels as a string of 0/1. */
function bitmap(text: string, scale = 1): string {
  const width = Math.max(1, textWidth(text, scale)), height = 5 * scale;
  const img = { width, height, data: new Uint8Array(width * height * 3) };
  drawText(img, text, 0, 0, [255, 255, 255], scale);
  let s = "";
  for (let i = 0; i < img.data.length; i += 3) s += img.data[i] ? "1" : "0";
  return s;
}

Deno.test("exclude.txt: ids are matched in any case; ids that match nothing are reported", async () => {
  const input = await solidFolder(6);
  const out = join(await Deno.makeTempDir(), "ds");
  await prepareDataset({ input, out, size: 8, ...quiet });
  const ids = (await openDataset(out)).ids;
  assert(ids.every((id) => /^[0-9a-f]{12}$/.test(id)));
  await Deno.writeTextFile(
    join(out, "exclude.txt"),
    `# as read off the contact sheet\n${ids[0].toUpperCase()}\n  ${ids[3]}  # fine\r\n` +
      `68823B68A6A3\ndeadbeef0000\n`,
  );
  assertEquals(
    [...await readExcludes(out)],
    [ids[0], ids[3], "68823b68a6a3", "deadbeef0000"],
  );
  const ds = await openDataset(out);
  assertEquals(ds.excluded, [ids[0], ids[3]]);
  assertEquals(ds.count, 4);
  assertEquals(ds.unknownExcludes, ["68823b68a6a3", "deadbeef0000"]);

  // augment skips the excluded ones, reports the unknown ones in its summary and log.
  const aug = join(await Deno.makeTempDir(), "aug");
  const lines: string[] = [];
  const s = await augmentDataset({
    input: out,
    out: aug,
    copies: 1,
    workers: 2,
    log: (l) => lines.push(l),
  });
  assertEquals([s.originals, s.excludedSkipped, s.count], [4, 2, 8]);
  assertEquals(s.unknownExcludes, ["68823b68a6a3", "deadbeef0000"]);
  assertEquals(
    JSON.parse(await Deno.readTextFile(join(aug, "summary.json"))).unknownExcludes,
    s.unknownExcludes,
  );
  const warning = lines.find((l) => l.startsWith("warning:")) ?? "";
  assert(
    warning.startsWith(
      `warning: exclude.txt names 2 ids that are not in ${out}: 68823b68a6a3, deadbeef0000`,
    ),
    lines.join("\n"),
  );
  assert(warning.includes(join(out, "exclude.txt")), warning);

  // In the augmented dataset, an upper-case variant id and a parent id (all its variants) work.
  const a = await openDataset(aug);
  assertEquals(a.unknownExcludes, []);
  await Deno.writeTextFile(
    join(aug, "exclude.txt"),
    `${ids[1].toUpperCase()}-1\n${ids[2].toUpperCase()}\n${ids[0]}\n`,
  );
  const b = await openDataset(aug);
  assertEquals(b.excluded, [`${ids[1]}-1`, ids[2], `${ids[2]}-1`]);
  assertEquals(b.unknownExcludes, [ids[0]]); // excluded in the input, so not in this dataset

  // prepare reports them too, and the contact sheet frames the upper-case exclusion in red.
  const prepLines: string[] = [];
  const again = await prepareDataset({
    input,
    out,
    size: 8,
    workers: 2,
    log: (l) => prepLines.push(l),
  });
  assertEquals(again.unknownExcludes, ["68823b68a6a3", "deadbeef0000"]);
  assert(prepLines.some((l) => l.startsWith("warning: exclude.txt names 2 ids")), prepLines[0]);
  const sheet = await decodeImage(await Deno.readFile(join(out, "contact", "sheet_001.png")));
  // Cell 1 holds ids[0], excluded by its upper-case id; cell 2 holds ids[1], not excluded.
  const frame = (x: number, y: number) => {
    const o = (y * sheet.image.width + x) * 3;
    return [...sheet.image.data.subarray(o, o + 3)];
  };
  assertEquals(frame(2, 2), [220, 30, 30]);
  assertEquals(frame(SHEET.cellWidth + 2, 2), [40, 40, 40]);
  for (const d of [input, join(out, ".."), join(aug, "..")]) {
    await Deno.remove(d, { recursive: true });
  }
});

Deno.test("font: lower-case a-f are their own glyphs, unlike the digits and the capitals", () => {
  const digits = "0123456789".split("").map((d) => bitmap(d));
  for (const ch of "abcdef") {
    const g = bitmap(ch);
    assert(g !== bitmap(ch.toUpperCase()), `${ch} is drawn as ${ch.toUpperCase()}`);
    for (let d = 0; d < 10; d++) assert(g !== digits[d], `${ch} looks like ${d}`);
    for (const other of "abcdef") if (other !== ch) assert(g !== bitmap(other), `${ch} ${other}`);
  }
  // The tester read the 8 of an id as B: the id prints in lower case, with b unlike 8.
  assert(bitmap("68823b68a6a3") !== bitmap("68823B68A6A3"));
  assert(bitmap("b") !== bitmap("8") && bitmap("d") !== bitmap("0"));
  // Capitals and digits stay as they were.
  assertEquals(bitmap("B"), "110101110101110");
  assertEquals(bitmap("8"), "111101111101111");
  // Every lower-case letter has a glyph (none falls back to a capital or a blank).
  for (const ch of "abcdefghijklmnopqrstuvwxyz") {
    assert(bitmap(ch).includes("1"), ch);
    if (ch !== "p") assert(bitmap(ch) !== bitmap(ch.toUpperCase()), ch);
  }
  assertEquals(textWidth("ab", 2), 14);
  assertEquals(textWidth("ab", 2, 1), 13);
});

Deno.test("contact sheet: ids are drawn in lower case, large enough to read, inside their cell", () => {
  const image = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(128) };
  assertEquals(idLayout("68823b68a6a3"), [2, 2]);
  assertEquals(idLayout("68823b68a6a3-5"), [2, 1]); // augmented ids stay large
  assertEquals(idLayout("68823b68a6a3-1000"), [1, 1]);
  for (const id of ["68823b68a6a3", "68823b68a6a3-5", "68823b68a6a3-1000"]) {
    const [scale, gap] = idLayout(id);
    assert(textWidth(id, scale, gap) <= SHEET.cellWidth - 4, id);
  }
  const lower = renderContactSheet([{ n: 1, id: "68823b68a6a3", image }]);
  const upper = renderContactSheet([{ n: 1, id: "68823B68A6A3", image }]);
  assert(lower.data.some((v, i) => v !== upper.data[i]), "ids drawn in upper case");
  // Nothing of cell 1's label spills into cell 2.
  const two = renderContactSheet([{ n: 1, id: "68823b68a6a3-5", image }]);
  const y0 = 4 + SHEET.thumb + 17;
  for (let y = y0; y < y0 + 10; y++) {
    for (let x = SHEET.cellWidth; x < SHEET.cellWidth + 4; x++) {
      assertEquals(two.data[(y * two.width + x) * 3], 40, `pixel ${x},${y}`);
    }
  }
});
