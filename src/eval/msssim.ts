/**
 * MS-SSIM (Wang, Simoncelli & Bovik 2003) as computed by Progressive GAN's
 * `metrics/ms_ssim.py` (itself the TensorFlow models port of Wang's MATLAB
 * code), and the MS-SSIM "diversity" of an image set (Odena et al. 2017):
 * the mean MS-SSIM of random pairs; higher means less diverse.
 *
 * Per scale: an 11x11 Gaussian window (sigma 1.5), "valid" filtering (no
 * padding), K1 0.01, K2 0.03, L 255; five scales with weights 0.0448, 0.2856,
 * 0.3001, 0.2363, 0.1333 and 2x2 average pooling between them (an odd last
 * row or column is dropped). Scales 1-4 contribute contrast-structure `cs`,
 * the coarsest contributes luminance x cs (the full SSIM); negative means
 * are clipped to 0 before the fractional powers (else NaN), as in the reference.
 *
 * Small images: where a scale is smaller than 11 px the window shrinks to
 * `size = min(11, height, width)` and sigma shrinks with it
 * (`sigma = 1.5 * size / 11`), the reference's rule; an even size puts the
 * taps at half-integer offsets. For 64x64 the scales are 64, 32, 16, 8, 4, so
 * scale 4 uses an 8x8 window (sigma 1.09) and scale 5 a 4x4 one (sigma 0.55),
 * each giving a single output position.
 *
 * Colour: the SSIM maps of the R, G and B channels are averaged together
 * with the spatial positions at each scale (the reference's 4D mean) before
 * the scales are combined - not luminance, and not per-channel MS-SSIM.
 *
 * @example
 * ```ts
 * import { msssim, msssimDiversity } from "./msssim.ts";
 * declare const a: import("./images.ts").RgbImage, b: typeof a;
 * declare const batch: import("./images.ts").ImageBatch;
 * msssim(a, a); // 1
 * msssimDiversity(batch, 500, 1); // mean over 500 random pairs
 * ```
 * @module
 */

import { checkBatch, imageAt, type ImageBatch, type RgbImage } from "./images.ts";
import { Xoshiro128 } from "../util/random.ts";

/** The five scale weights of Wang et al. 2003 (they sum to 1.0001, as published). */
export const MSSSIM_WEIGHTS: readonly number[] = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333];

/** Options for SSIM and MS-SSIM; defaults are the paper's. */
export interface SsimOptions {
  /** Dynamic range L (255 for 8-bit images; use 1 only for images scaled to 0..1). */
  maxVal?: number;
  /** Window size before shrinking for small scales (11). */
  filterSize?: number;
  /** Gaussian sigma for the full window (1.5); shrinks proportionally with the window. */
  filterSigma?: number;
  k1?: number;
  k2?: number;
  /** Scale weights, finest first; their count is the number of scales (5). */
  weights?: readonly number[];
}

/** A float image in channel-planar layout (`data[(c * height + y) * width + x]`). */
export interface FloatImage {
  width: number;
  height: number;
  channels: number;
  data: Float64Array;
}

/** An 8-bit HWC RGB image as a channel-planar float image (values unscaled, 0..255). */
export function toFloatImage(img: RgbImage): FloatImage {
  const n = img.width * img.height;
  const data = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    data[i] = img.data[3 * i];
    data[n + i] = img.data[3 * i + 1];
    data[2 * n + i] = img.data[3 * i + 2];
  }
  return { width: img.width, height: img.height, channels: 3, data };
}

/**
 * The 1D Gaussian whose outer product with itself is MATLAB's
 * `fspecial('gaussian', size, sigma)` (normalised to sum 1); for an even size
 * the taps sit at half-integer offsets, e.g. size 2 gives [0.5, 0.5].
 */
export function gaussianWindow1d(size: number, sigma: number): Float64Array {
  const g = new Float64Array(size);
  const c = (size - 1) / 2;
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const x = i - c;
    g[i] = Math.exp(-(x * x) / (2 * sigma * sigma));
    sum += g[i];
  }
  for (let i = 0; i < size; i++) g[i] /= sum;
  return g;
}

/** Mean SSIM and mean contrast-structure of one scale. */
export interface SsimStats {
  ssim: number;
  cs: number;
}

/**
 * Single-scale SSIM statistics of two same-size float images: Gaussian-
 * weighted local means, variances and covariance over "valid" window
 * positions (window shrunk to the image if smaller), averaged over positions
 * and channels. Throws if the sizes differ.
 */
export function ssimStats(a: FloatImage, b: FloatImage, opts: SsimOptions = {}): SsimStats {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) {
    throw new RangeError(`SSIM: sizes differ (${a.width}x${a.height} vs ${b.width}x${b.height})`);
  }
  const L = opts.maxVal ?? 255;
  const fs = opts.filterSize ?? 11;
  const c1 = ((opts.k1 ?? 0.01) * L) ** 2;
  const c2 = ((opts.k2 ?? 0.03) * L) ** 2;
  const { width: w, height: h, channels } = a;
  const size = Math.min(fs, h, w);
  const g = gaussianWindow1d(size, (size * (opts.filterSigma ?? 1.5)) / fs);
  const ow = w - size + 1, oh = h - size + 1;
  // Horizontal pass of the five local sums for one channel: x, y, x^2, y^2, xy.
  const hx = new Float64Array(h * ow), hy = new Float64Array(h * ow);
  const hxx = new Float64Array(h * ow),
    hyy = new Float64Array(h * ow),
    hxy = new Float64Array(h * ow);
  let ssimSum = 0, csSum = 0;
  for (let ch = 0; ch < channels; ch++) {
    const base = ch * h * w;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < ow; x++) {
        let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
        const p = base + y * w + x;
        for (let k = 0; k < size; k++) {
          const wk = g[k], u = a.data[p + k], v = b.data[p + k];
          sx += wk * u;
          sy += wk * v;
          sxx += wk * u * u;
          syy += wk * v * v;
          sxy += wk * u * v;
        }
        const o = y * ow + x;
        hx[o] = sx, hy[o] = sy, hxx[o] = sxx, hyy[o] = syy, hxy[o] = sxy;
      }
    }
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let mx = 0, my = 0, exx = 0, eyy = 0, exy = 0;
        for (let k = 0; k < size; k++) {
          const wk = g[k], o = (y + k) * ow + x;
          mx += wk * hx[o];
          my += wk * hy[o];
          exx += wk * hxx[o];
          eyy += wk * hyy[o];
          exy += wk * hxy[o];
        }
        const vx = exx - mx * mx, vy = eyy - my * my, cov = exy - mx * my;
        const v1 = 2 * cov + c2, v2 = vx + vy + c2;
        const cs = v1 / v2;
        csSum += cs;
        ssimSum += ((2 * mx * my + c1) / (mx * mx + my * my + c1)) * cs;
      }
    }
  }
  const n = oh * ow * channels;
  return { ssim: ssimSum / n, cs: csSum / n };
}

/** Single-scale SSIM of two same-size 8-bit RGB images (the mean of the SSIM map). */
export function ssim(a: RgbImage, b: RgbImage, opts: SsimOptions = {}): number {
  return ssimStats(toFloatImage(a), toFloatImage(b), opts).ssim;
}

/** 2x2 average pooling; an odd last row or column is dropped. */
export function halve(img: FloatImage): FloatImage {
  const w = img.width >> 1, h = img.height >> 1;
  const data = new Float64Array(img.channels * w * h);
  const W = img.width, H = img.height;
  for (let c = 0; c < img.channels; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = (c * H + 2 * y) * W + 2 * x;
        data[(c * h + y) * w + x] =
          (img.data[p] + img.data[p + 1] + img.data[p + W] + img.data[p + W + 1]) *
          0.25;
      }
    }
  }
  return { width: w, height: h, channels: img.channels, data };
}

/**
 * MS-SSIM of two same-size float images (see the module notes). Throws if
 * the image is too small for the number of scales (each scale needs >= 1 px;
 * for 5 scales at least 16x16).
 */
export function msssimFloat(a: FloatImage, b: FloatImage, opts: SsimOptions = {}): number {
  const weights = opts.weights ?? MSSSIM_WEIGHTS;
  const s = weights.length;
  if (Math.min(a.width, a.height) >> (s - 1) < 1) {
    throw new RangeError(`MS-SSIM: ${a.width}x${a.height} is too small for ${s} scales`);
  }
  let result = 1;
  for (let i = 0; i < s; i++) {
    const st = ssimStats(a, b, opts);
    const v = i === s - 1 ? st.ssim : st.cs;
    result *= Math.max(0, v) ** weights[i];
    if (i < s - 1) {
      a = halve(a);
      b = halve(b);
    }
  }
  return result;
}

/** MS-SSIM of two same-size 8-bit RGB images, in [0, 1]; identical images give exactly 1. */
export function msssim(a: RgbImage, b: RgbImage, opts: SsimOptions = {}): number {
  return msssimFloat(toFloatImage(a), toFloatImage(b), opts);
}

/**
 * Mean MS-SSIM over `pairs` random pairs of distinct images of `batch`
 * (indices drawn with replacement across pairs, never an image with itself).
 * Compare it with the same number for real images: a higher value means less
 * diverse. Needs at least 2 images; identical images at different indices
 * still count as a pair (a set of copies scores 1).
 */
export function msssimDiversity(
  batch: ImageBatch,
  pairs: number,
  seed: number,
  opts: SsimOptions = {},
): number {
  checkBatch(batch);
  if (batch.count < 2) throw new RangeError("msssimDiversity needs at least 2 images");
  if (!(pairs >= 1)) throw new RangeError("msssimDiversity needs pairs >= 1");
  const rng = Xoshiro128.derive(seed, 0x55);
  let sum = 0;
  for (let p = 0; p < pairs; p++) {
    const i = rng.below(batch.count);
    let j = rng.below(batch.count - 1);
    if (j >= i) j++;
    sum += msssim(imageAt(batch, i), imageAt(batch, j), opts);
  }
  return sum / pairs;
}
