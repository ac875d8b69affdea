import assert from "node:assert/strict";
import { epochOrder, noiseVectors, slerp } from "../src/gan/noise.ts";
import { imageGrid, tanhToByte, tanhToBytes } from "../src/gan/pixels.ts";

Deno.test("tanhToByte() maps round((x + 1) * 127.5), clamped", () => {
  const xs = [-1, -0.5, 0, 0.999, 1, -1.0001, 1.0001];
  assert.deepEqual(xs.map(tanhToByte), [0, 64, 128, 255, 255, 0, 255]);
  assert.deepEqual(Array.from(tanhToBytes(new Float32Array(xs))), [0, 64, 128, 255, 255, 0, 255]);
});

Deno.test("noiseVectors() depends only on (seed, index)", () => {
  const batch = noiseVectors(5, 0, 64, 100);
  const alone = noiseVectors(5, 10, 1, 100);
  assert.deepEqual(alone, batch.slice(1000, 1100));
  assert.notDeepEqual(noiseVectors(6, 10, 1, 100), alone);
  // Roughly standard normal over 6400 draws.
  const mean = batch.reduce((a, b) => a + b, 0) / batch.length;
  const sd = Math.sqrt(batch.reduce((a, b) => a + (b - mean) ** 2, 0) / batch.length);
  assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`);
  assert.ok(Math.abs(sd - 1) < 0.05, `sd ${sd}`);
});

Deno.test("slerp() starts and ends at its endpoints", () => {
  const a = noiseVectors(1, 0, 1, 100), b = noiseVectors(2, 0, 1, 100);
  slerp(a, b, 0).forEach((v, i) => assert.ok(Math.abs(v - a[i]) < 1e-5));
  slerp(a, b, 1).forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5));
});

Deno.test("epochOrder() is a seeded permutation that changes per epoch", () => {
  const o = epochOrder(1, 0, 100);
  assert.deepEqual([...o].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(epochOrder(1, 0, 100), o);
  assert.notDeepEqual(epochOrder(1, 1, 100), o);
});

Deno.test("imageGrid() places image i at its cell", () => {
  const size = 2, count = 4;
  const batch = new Uint8Array(count * size * size * 3);
  for (let i = 0; i < count; i++) batch.fill(50 + i, i * 12, (i + 1) * 12);
  const grid = imageGrid(batch, size, count, 2);
  assert.equal(grid.width, 2 * 2 + 3 * 2);
  const at = (x: number, y: number) => grid.data[(y * grid.width + x) * 3];
  assert.equal(at(2, 2), 50);
  assert.equal(at(6, 2), 51);
  assert.equal(at(2, 6), 52);
  assert.equal(at(7, 7), 53);
  assert.equal(at(0, 0), 24); // the gap
});
