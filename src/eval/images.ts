/**
 * Image containers for the evaluation metrics: a single 8-bit RGB image
 * (rows top to bottom, 3 interleaved bytes a pixel, HWC) and a batch of
 * equally sized ones stored back to back (NHWC), plus an area resize.
 *
 * @example
 * ```ts
 * import { batchFromImages, imageAt } from "./images.ts";
 * const a = { width: 2, height: 2, data: new Uint8Array(12) };
 * const batch = batchFromImages([a, a]);
 * imageAt(batch, 1).data.length; // 12
 * ```
 * @module
 */

/** An 8-bit RGB image, HWC interleaved: `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** `count` RGB images of one size stored back to back: `data.length === count * height * width * 3`. */
export interface ImageBatch {
  /** Number of images. */
  count: number;
  /** Height of every image in pixels. */
  height: number;
  /** Width of every image in pixels. */
  width: number;
  /** The pixels, uint8 NHWC RGB; must be exactly `count * height * width * 3` bytes. */
  data: Uint8Array;
}

/** Throws unless `batch.data` has exactly `count * height * width * 3` bytes. */
export function checkBatch(batch: ImageBatch, name = "batch"): void {
  const { count, height, width, data } = batch;
  if (!Number.isInteger(count) || !Number.isInteger(height) || !Number.isInteger(width)) {
    throw new RangeError(`${name}: count, height and width must be integers`);
  }
  if (data.length !== count * height * width * 3) {
    throw new RangeError(
      `${name}: data has ${data.length} bytes, expected ${count}x${height}x${width}x3`,
    );
  }
}

/** Image `i` of `batch` as a view (no copy): writing to its `data` writes into the batch. */
export function imageAt(batch: ImageBatch, i: number): RgbImage {
  if (!(i >= 0 && i < batch.count)) throw new RangeError(`image ${i} of ${batch.count}`);
  const n = batch.height * batch.width * 3;
  return {
    width: batch.width,
    height: batch.height,
    data: batch.data.subarray(i * n, (i + 1) * n),
  };
}

/** Copies images of one size into a new batch; throws if any size differs (resize them first). */
export function batchFromImages(images: readonly RgbImage[]): ImageBatch {
  if (images.length === 0) throw new RangeError("batchFromImages: no images");
  const { width, height } = images[0];
  const n = width * height * 3;
  const data = new Uint8Array(images.length * n);
  images.forEach((img, i) => {
    if (img.width !== width || img.height !== height || img.data.length !== n) {
      throw new RangeError(
        `batchFromImages: image ${i} is ${img.width}x${img.height}, expected ${width}x${height}`,
      );
    }
    data.set(img.data, i * n);
  });
  return { count: images.length, height, width, data };
}

/** Images `start..end-1` of `batch` as a view batch (no copy). */
export function sliceBatch(batch: ImageBatch, start: number, end: number): ImageBatch {
  const n = batch.height * batch.width * 3;
  const s = Math.max(0, Math.min(start, batch.count));
  const e = Math.max(s, Math.min(end, batch.count));
  return {
    count: e - s,
    height: batch.height,
    width: batch.width,
    data: batch.data.subarray(s * n, e * n),
  };
}

/** Per output index along one axis: the source pixels it covers and their area weights. */
interface AreaAxis {
  start: Int32Array;
  len: Int32Array;
  weights: Float32Array; // len[i] weights per output, concatenated; each group sums to 1
  offset: Int32Array;
}

function areaAxis(src: number, dst: number): AreaAxis {
  const scale = src / dst;
  const start = new Int32Array(dst);
  const len = new Int32Array(dst);
  const offset = new Int32Array(dst);
  const w: number[] = [];
  for (let i = 0; i < dst; i++) {
    const a = i * scale;
    const b = (i + 1) * scale;
    const s = Math.floor(a);
    const e = Math.min(src, Math.ceil(b - 1e-9));
    start[i] = s;
    len[i] = e - s;
    offset[i] = w.length;
    for (let x = s; x < e; x++) w.push((Math.min(b, x + 1) - Math.max(a, x)) / scale);
  }
  return { start, len, weights: Float32Array.from(w), offset };
}

/**
 * Area-average (box) resize of one RGB image to `width`x`height` as float
 * values in 0..255, written into `out` (length `width * height * 3`) if given.
 * Each output pixel is the exact area-weighted mean of the source pixels it
 * covers, so integer factors give plain block means; upscaling works but is
 * just nearest-ish box interpolation, meant for shrinking.
 */
export function resizeAreaFloat(
  img: RgbImage,
  width: number,
  height: number,
  out = new Float32Array(width * height * 3),
): Float32Array {
  const ax = areaAxis(img.width, width);
  const ay = areaAxis(img.height, height);
  const row = new Float32Array(width * 3); // horizontal pass of one source row
  out.fill(0);
  const src = img.data;
  for (let oy = 0; oy < height; oy++) {
    for (let k = 0; k < ay.len[oy]; k++) {
      const sy = ay.start[oy] + k;
      const wy = ay.weights[ay.offset[oy] + k];
      row.fill(0);
      const rowBase = sy * img.width * 3;
      for (let ox = 0; ox < width; ox++) {
        let r = 0, g = 0, b = 0;
        for (let j = 0; j < ax.len[ox]; j++) {
          const p = rowBase + (ax.start[ox] + j) * 3;
          const wx = ax.weights[ax.offset[ox] + j];
          r += src[p] * wx;
          g += src[p + 1] * wx;
          b += src[p + 2] * wx;
        }
        row[ox * 3] = r;
        row[ox * 3 + 1] = g;
        row[ox * 3 + 2] = b;
      }
      const o = oy * width * 3;
      for (let x = 0; x < width * 3; x++) out[o + x] += row[x] * wy;
    }
  }
  return out;
}

/** Area-average resize of one RGB image, rounded back to 8-bit (see {@linkcode resizeAreaFloat}). */
export function resizeArea(img: RgbImage, width: number, height: number): RgbImage {
  const f = resizeAreaFloat(img, width, height);
  const data = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(f[i])));
  return { width, height, data };
}
