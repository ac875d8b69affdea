import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { BACKGROUND, DecodeError, decodeImage } from "../src/data/decode.ts";
import { sniffImage } from "../src/data/sniff.ts";

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

const FIX = new URL("../../shared/fixtures/images/", import.meta.url);
const read = (p: string) => Deno.readFile(new URL(p, FIX));
const dec = async (p: string) => (await decodeImage(await read(p))).image;
const px = (img: { width: number; data: Uint8Array }, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const meanAbs = (a: Uint8Array, b: Uint8Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
};
const near = (a: number[], b: number[], tol: number) =>
  a.every((v, i) => Math.abs(v - b[i]) <= tol);

Deno.test("decodeImage(): CMYK JPEGs come out within 3 levels of tree-rgb", async () => {
  const rgb = await dec("jpeg-js/tree-rgb.jpg");
  for (const f of ["jpeg-js/tree-cmyk.jpg", "jpeg-js/tree-cmyk-notransform.jpg"]) {
    const img = await dec(f);
    assertEquals([img.width, img.height], [400, 250]);
    const d = meanAbs(img.data, rgb.data);
    assert(d <= 3, `${f}: mean difference ${d}`);
  }
  const cmyk = await dec("jpeg-js/cmyktest.jpg");
  assertEquals([cmyk.width, cmyk.height], [300, 111]);
});

Deno.test("decodeImage(): generated fixtures decode to the base picture", async () => {
  const base = await dec("generated/base.png");
  assertEquals([base.width, base.height], [64, 48]);
  assertEquals(px(base, 0, 0), [255, 0, 0]);
  assertEquals(px(base, 63, 0), [0, 128, 0]);
  assertEquals(px(base, 63, 47), [0, 0, 255]);
  assertEquals(px(base, 0, 47), [255, 255, 255]);
  for (
    const f of [
      "rgb-baseline.jpg",
      "rgb-progressive.jpg",
      "cmyk-imagemagick.jpg",
      "png-named.jpg",
      "gif-named.jpg",
      "interlaced-rgb.png",
      "rgb16.png",
    ]
  ) {
    const img = await dec(`generated/${f}`);
    assertEquals([img.width, img.height], [64, 48], f);
    assert(meanAbs(img.data, base.data) <= 3, `${f} differs from base`);
  }
});

Deno.test("decodeImage(): exif-orient6 is upright 48x64", async () => {
  const img = await dec("generated/exif-orient6.jpg");
  assertEquals([img.width, img.height], [48, 64]);
  // Rotated 90 degrees clockwise: red (was top-left) is now top-right, blue bottom-left.
  assert(near(px(img, 47, 0), [255, 0, 0], 6), `top-right ${px(img, 47, 0)}`);
  assert(near(px(img, 0, 63), [0, 0, 255], 6), `bottom-left ${px(img, 0, 63)}`);
  assertEquals(sniffImage(await read("generated/exif-orient6.jpg")).orientation, 6);
});

Deno.test("decodeImage(): 16-bit samples are rounded to 8 bits (0x10FF -> 17)", async () => {
  const img = await dec("generated/gray16-1x1-0x10FF.png");
  assertEquals(Array.from(img.data), [17, 17, 17]);
});

Deno.test("decodeImage(): grayscale, palette, alpha and 16-bit all come out as RGB", async () => {
  for (
    const f of [
      "generated/gray.jpg",
      "generated/gray8.png",
      "generated/graya8.png",
      "generated/gray16.png",
    ]
  ) {
    const img = await dec(f);
    assertEquals(img.data.length, img.width * img.height * 3, f);
  }
  const names = [
    "basn0g16",
    "basn2c16",
    "basn6a16",
    "basi0g08",
    "basi2c08",
    "basi3p08",
    "s01i3p01",
    "basn3p01",
    "basn3p02",
    "basn3p04",
    "basn3p08",
    "tbbn3p08",
    "tp1n3p08",
    "tm3n3p02",
    "basn0g01",
    "basn0g08",
    "basn4a08",
    "basn6a08",
  ];
  for (const n of names) {
    const img = await dec(`pngsuite/${n}.png`);
    assertEquals(img.data.length, img.width * img.height * 3, n);
  }
  // gAMA is ignored: basn0g08 is a gray ramp starting 0, 1, 2 as stored.
  const ramp = await dec("pngsuite/basn0g08.png");
  assertEquals([ramp.data[0], ramp.data[3], ramp.data[6]], [0, 1, 2]);
  // Fully transparent pixels become the documented white background.
  const t = await dec("pngsuite/tbbn3p08.png");
  assertEquals(px(t, 0, 0), [...BACKGROUND]);
  // Half-transparent gray 54 over white: round((54*128 + 255*127)/255) = 154.
  assertEquals(px(await dec("generated/graya8.png"), 0, 0), [154, 154, 154]);
});

Deno.test("decodeImage(): DNL-marker JPEG falls back to jpeg-js; other JPEGs decode", async () => {
  const r = await decodeImage(await read("jpeg-js/marker-ffdc.jpg"));
  assertEquals(r.decoder, "jpeg-js");
  assert(r.image.width > 0 && r.image.height > 0);
  for (
    const f of [
      "redbox.jpg",
      "redbox-with-rst.jpg",
      "redbox-with-trailing-bytes.jpg",
      "grumpycat.jpg",
    ]
  ) {
    const img = await dec(`jpeg-js/${f}`);
    assert(img.width > 0, f);
  }
  const a = await dec("jpeg-js/skater.jpg"), b = await dec("jpeg-js/skater-progressive.jpg");
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
  assert(max <= 2, `baseline vs progressive differ by ${max}`);
});

Deno.test("decodeImage(): the 30000x30000 claim is refused from the header", async () => {
  const bytes = await read("generated/sof-claims-30000x30000.jpg");
  assertEquals(bytes.length, 161);
  const info = sniffImage(bytes);
  assertEquals([info.width, info.height], [30000, 30000]);
  const e = await assertRejects(() => decodeImage(bytes), DecodeError);
  assert(e.message.includes("30000x30000"), e.message);
  // A lower limit refuses ordinary images too.
  await assertRejects(() => decodeImage(bytes, { maxPixels: 10 }), DecodeError, "limit");
});

Deno.test("decodeImage(): damaged and unsupported files give clear per-file errors", async () => {
  const cases: [string, RegExp][] = [
    ["pngsuite/xs1n0g01.png", /not a recognised image/],
    ["pngsuite/xcrn0g04.png", /signature damaged/],
    ["pngsuite/xhdn0g08.png", /IHDR fails its checksum/],
    ["pngsuite/xc9n2c08.png", /colour type 9/],
    ["pngsuite/xd0n2c08.png", /bit depth 0/],
    ["pngsuite/xdtn0g01.png", /no image data/],
    ["pngsuite/xcsn0g01.png", /checksum/],
    ["generated/truncated.jpg", /truncated/],
    ["generated/truncated.png", /PNG/],
    ["generated/webp-named.jpg", /WEBP images are not supported/],
  ];
  for (const [f, re] of cases) {
    const e = await assertRejects(async () => await decodeImage(await read(f)), DecodeError);
    assert(re.test(e.message), `${f}: ${e.message}`);
  }
});
