import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { resizeBilinearFloat, smartCropBox, smartResize } from "../src/data/resize.ts";
import { decodeImage } from "../src/data/decode.ts";

const FIX = new URL("../../shared/fixtures/images/", import.meta.url);

Deno.test("resizeBilinear() with half-pixel centres maps 2x2 [[6,7],[11,12]] to Keras's 4x4", () => {
  const src = new Uint8Array([6, 7, 11, 12]);
  const out = resizeBilinearFloat(src, 2, { x: 0, y: 0, width: 2, height: 2 }, 4, 4, 1);
  assertEquals(Array.from(out), [
    6,
    6.25,
    6.75,
    7,
    7.25,
    7.5,
    8,
    8.25,
    9.75,
    10,
    10.5,
    10.75,
    11,
    11.25,
    11.75,
    12,
  ]);
});

Deno.test("smartCropBox() keeps x 100..200 of a 300x100 image at 160x160", () => {
  assertEquals(smartCropBox(300, 100, 160, 160), { x: 100, y: 0, width: 100, height: 100 });
  // Truncating arithmetic on odd sizes: 501x333 -> 333 wide, starting at trunc(168/2) = 84.
  assertEquals(smartCropBox(501, 333, 160, 160), { x: 84, y: 0, width: 333, height: 333 });
  assertEquals(smartCropBox(100, 301, 160, 160), { x: 0, y: 100, width: 100, height: 100 });
  // Non-square target: crop height = trunc(width * th / tw).
  assertEquals(smartCropBox(200, 200, 160, 120), { x: 0, y: 25, width: 200, height: 150 });
});

Deno.test("smartResize() keeps the centre of the wide-300x100 fixture", async () => {
  const { image } = await decodeImage(
    await Deno.readFile(new URL("generated/wide-300x100.png", FIX)),
  );
  const r = smartResize(image, 160, 160);
  assertEquals(r.crop, { x: 100, y: 0, width: 100, height: 100 });
  // The result equals resizing the explicitly cropped centre.
  const centre = new Uint8Array(100 * 100 * 3);
  for (let y = 0; y < 100; y++) {
    centre.set(image.data.subarray((y * 300 + 100) * 3, (y * 300 + 200) * 3), y * 300);
  }
  const direct = smartResize({ width: 100, height: 100, data: centre }, 160, 160);
  assertEquals(r.data, direct.data);
});

Deno.test("smartResize() rounds and clamps to 0..255", () => {
  const src = {
    width: 2,
    height: 2,
    data: new Uint8Array([0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]),
  };
  const r = smartResize(src, 4, 4);
  // Row 0: 0, 63.75 -> 64, 191.25 -> 191, 255.
  assertEquals([r.data[0], r.data[3], r.data[6], r.data[9]], [0, 64, 191, 255]);
});
