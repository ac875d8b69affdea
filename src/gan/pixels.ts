/**
 * From the generator's tanh output to pixels, and from pixels to pictures a
 * person looks at: image grids, the progress GIF, the loss curve.
 *
 * @module
 */

import { Frame, GIF } from "imagescript";
import { drawText } from "../util/font.ts";
import type { RgbImage } from "../data/resize.ts";

/** Maps tanh output to a byte: round((x + 1) · 127.5), clamped to 0..255. */
export function tanhToByte(x: number): number {
  const v = Math.round((x + 1) * 127.5);
  return v <= 0 ? 0 : v > 255 ? 255 : v; // "<=" also turns -0 into 0
}

/** Converts a float batch in [-1, 1] (NHWC) to bytes. */
export function tanhToBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = tanhToByte(values[i]);
  return out;
}

/** Image `i` of an NHWC byte batch. */
export function imageAt(batch: Uint8Array, size: number, i: number): RgbImage {
  const n = size * size * 3;
  return { width: size, height: size, data: batch.slice(i * n, (i + 1) * n) };
}

/** Lays out `count` square images of `size` px in a grid with a 2 px gap. */
export function imageGrid(
  batch: Uint8Array,
  size: number,
  count: number,
  columns?: number,
): RgbImage {
  const cols = columns ?? Math.ceil(Math.sqrt(count));
  const rows = Math.ceil(count / cols);
  const gap = 2;
  const width = cols * size + (cols + 1) * gap;
  const height = rows * size + (rows + 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(24);
  for (let i = 0; i < count; i++) {
    const ox = gap + (i % cols) * (size + gap);
    const oy = gap + Math.floor(i / cols) * (size + gap);
    for (let y = 0; y < size; y++) {
      const src = (i * size * size + y * size) * 3;
      data.set(batch.subarray(src, src + size * 3), ((oy + y) * width + ox) * 3);
    }
  }
  return { width, height, data };
}

function toFrame(img: RgbImage, durationMs: number): Frame {
  const frame = new Frame(img.width, img.height, durationMs);
  const bm = frame.bitmap;
  for (let i = 0, o = 0; i < img.data.length; i += 3, o += 4) {
    bm[o] = img.data[i];
    bm[o + 1] = img.data[i + 1];
    bm[o + 2] = img.data[i + 2];
    bm[o + 3] = 255;
  }
  return frame;
}

/** An animated GIF of `frames` (same size), looping forever. */
export async function encodeGif(frames: RgbImage[], durationMs = 250): Promise<Uint8Array> {
  const gif = new GIF(frames.map((f) => toFrame(f, durationMs)), -1);
  return await gif.encode(95);
}

/** A line chart of named series against x, with the axis range printed, as an RGB picture. */
export function lineChart(
  xs: number[],
  series: Array<{ label: string; values: number[]; color: readonly [number, number, number] }>,
  options: { width?: number; height?: number; title?: string } = {},
): RgbImage {
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const data = new Uint8Array(width * height * 3).fill(255);
  const img: RgbImage = { width, height, data };
  const left = 50, right = width - 10, top = 30, bottom = height - 30;
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const lo = Math.min(0, ...all);
  const hi = Math.max(1e-6, ...all);
  const x0 = xs[0] ?? 0;
  const x1 = Math.max(x0 + 1, xs.at(-1) ?? 1);
  const px = (x: number) => left + ((x - x0) / (x1 - x0)) * (right - left);
  const py = (y: number) => bottom - ((y - lo) / (hi - lo)) * (bottom - top);
  const plot = (x: number, y: number, c: readonly number[]) => {
    const xi = Math.round(x), yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
    data.set(c, (yi * width + xi) * 3);
  };
  for (let x = left; x <= right; x++) plot(x, bottom, [0, 0, 0]);
  for (let y = top; y <= bottom; y++) plot(left, y, [0, 0, 0]);
  for (const s of series) {
    for (let i = 1; i < s.values.length; i++) {
      const [ax, ay, bx, by] = [px(xs[i - 1]), py(s.values[i - 1]), px(xs[i]), py(s.values[i])];
      const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay)));
      for (let k = 0; k <= steps; k++) {
        plot(ax + ((bx - ax) * k) / steps, ay + ((by - ay) * k) / steps, s.color);
      }
    }
  }
  if (options.title) drawText(img, options.title, left, 8, [0, 0, 0], 2);
  drawText(img, hi.toFixed(2), 4, top, [0, 0, 0]);
  drawText(img, lo.toFixed(2), 4, bottom - 6, [0, 0, 0]);
  drawText(img, `step ${x0}`, left, bottom + 8, [0, 0, 0]);
  drawText(img, `step ${x1}`, right - 70, bottom + 8, [0, 0, 0]);
  // The legend sits in the top margin, beside the title, clear of the curves.
  series.forEach((s, i) => drawText(img, s.label, right - 90 * (series.length - i), 8, s.color, 2));
  return img;
}
