import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
} from "node:assert/strict";
import {
  addToHueAndSaturation,
  flipHorizontal,
  hsvToRgb,
  hueToOpenCv,
  rgbToHsv,
} from "../src/data/color.ts";
import { augmentImage, drawTransform } from "../src/data/augment.ts";
import { Xoshiro128 } from "../src/util/random.ts";

Deno.test("addToHueAndSaturation(): pure red shifted by 85 becomes pure green", () => {
  assertEquals(Array.from(addToHueAndSaturation(new Uint8Array([255, 0, 0]), 85, 0)), [0, 255, 0]);
  // 255 is a full turn: red stays red.
  assertEquals(Array.from(addToHueAndSaturation(new Uint8Array([255, 0, 0]), 255, 0)), [255, 0, 0]);
  // Wrapping the other way: -85 goes to blue.
  assertEquals(Array.from(addToHueAndSaturation(new Uint8Array([255, 0, 0]), -85, 0)), [0, 0, 255]);
});

Deno.test("addToHueAndSaturation(): saturation is clipped, never wrapped", () => {
  assertEquals(
    Array.from(addToHueAndSaturation(new Uint8Array([200, 150, 100]), 0, 255)),
    [200, 100, 0],
  );
  // -255 removes all colour: gray at the value (max channel).
  assertEquals(
    Array.from(addToHueAndSaturation(new Uint8Array([200, 150, 100]), 0, -255)),
    [200, 200, 200],
  );
});

Deno.test("rgbToHsv() matches OpenCV's 8-bit conversion", () => {
  assertEquals(rgbToHsv(255, 0, 0), [0, 255, 255]);
  assertEquals(rgbToHsv(0, 255, 0), [60, 255, 255]);
  assertEquals(rgbToHsv(200, 150, 100), [15, 127, 200]);
  assertEquals(rgbToHsv(10, 10, 10), [0, 0, 10]);
  assertEquals(hsvToRgb(0, 0, 77), [77, 77, 77]);
  assertEquals(hueToOpenCv(85), 60);
  assertEquals(hueToOpenCv(-20), -14);
});

Deno.test("flipHorizontal() mirrors rows", () => {
  const img = new Uint8Array([1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
  assertEquals(Array.from(flipHorizontal(img, 2, 2)), [2, 2, 2, 1, 1, 1, 4, 4, 4, 3, 3, 3]);
});

Deno.test("Xoshiro128 is deterministic per seed and item", () => {
  const a = Xoshiro128.forItem(5, 3), b = Xoshiro128.forItem(5, 3), c = Xoshiro128.forItem(6, 3);
  const xs = [a.nextU32(), a.nextU32()], ys = [b.nextU32(), b.nextU32()];
  assertEquals(xs, ys);
  assertNotEquals(xs[0], c.nextU32());
  const r = new Xoshiro128(1);
  for (let i = 0; i < 1000; i++) {
    const v = r.intInclusive(-20, 20);
    if (v < -20 || v > 20 || !Number.isInteger(v)) throw new Error(`out of range ${v}`);
  }
});

Deno.test("drawTransform() flips about half the time and stays in range", () => {
  const s = {
    flip: 0.5,
    hue: [-20, 20] as [number, number],
    saturation: [-5, 5] as [number, number],
    mulHue: [1, 1] as [number, number],
    mulSaturation: [0.5, 1.5] as [number, number],
  };
  let flips = 0;
  for (let i = 0; i < 400; i++) {
    const t = drawTransform(1, i, 1, s);
    if (t.flip) flips++;
    if (t.hue! < -20 || t.hue! > 20 || t.saturation! < -5 || t.saturation! > 5) {
      throw new Error("range");
    }
    if (t.mulSaturation !== undefined && (t.mulSaturation < 0.5 || t.mulSaturation > 1.5)) {
      throw new Error("mul");
    }
  }
  if (flips < 150 || flips > 250) throw new Error(`flip rate ${flips}/400`);
  const img = new Uint8Array([255, 0, 0, 0, 0, 255]);
  assertEquals(Array.from(augmentImage(img, 1, { flip: false, hue: 85 })), [0, 255, 0, 255, 0, 0]);
});
