/**
 * smart-resize exactly as Keras's `keras.preprocessing.image.smart_resize`:
 * take the largest centred crop with the target's aspect ratio (computed with
 * Keras's truncating integer arithmetic), then resample it bilinearly with
 * half-pixel centres and no antialiasing (TensorFlow's
 * `ResizeBilinear(half_pixel_centers=True)`), then round and clamp to 0..255.
 *
 * Written in plain TypeScript because imagescript only resizes with nearest
 * neighbour and its crop wraps into the next row when out of bounds.
 *
 * @example
 * ```ts
 * import { smartResize } from "./resize.ts";
 * const rgb = new Uint8Array(300 * 100 * 3);
 * const out = smartResize({ width: 300, height: 100, data: rgb }, 160, 160);
 * out.crop; // { x: 100, y: 0, width: 100, height: 100 }
 * ```
 * @module
 */

/** An 8-bit RGB image, rows top to bottom, 3 bytes a pixel. */
export interface RgbImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** `width * height * 3` bytes, interleaved R, G, B. */
  data: Uint8Array;
}

/** A crop rectangle in source pixels. */
export interface CropBox {
  /** Left edge (first column inside the box). */
  x: number;
  /** Top edge (first row inside the box). */
  y: number;
  /** Width of the box in pixels. */
  width: number;
  /** Height of the box in pixels. */
  height: number;
}

/**
 * Keras's crop box for resizing `width`x`height` to `targetWidth`x`targetHeight`.
 * Keras computes in float32 and truncates to int32; `Math.fround` reproduces that.
 */
export function smartCropBox(
  width: number,
  height: number,
  targetWidth: number,
  targetHeight: number,
): CropBox {
  const f = Math.fround;
  let cropHeight = Math.trunc(f(f(width * targetHeight) / targetWidth));
  cropHeight = Math.min(height, cropHeight);
  let cropWidth = Math.trunc(f(f(height * targetWidth) / targetHeight));
  cropWidth = Math.min(width, cropWidth);
  const y = Math.trunc(f(height - cropHeight) / 2);
  const x = Math.trunc(f(width - cropWidth) / 2);
  return { x, y, width: cropWidth, height: cropHeight };
}

interface Axis {
  lower: Int32Array;
  upper: Int32Array;
  lerp: Float32Array;
}

/** TensorFlow's `compute_interpolation_weights` with the half-pixel scaler, in float32. */
function axisWeights(outSize: number, inSize: number): Axis {
  const f = Math.fround;
  const scale = f(inSize / outSize);
  const lower = new Int32Array(outSize);
  const upper = new Int32Array(outSize);
  const lerp = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const pos = f(f(f(i + 0.5) * scale) - 0.5);
    const floor = Math.floor(pos);
    lower[i] = Math.max(floor, 0);
    upper[i] = Math.min(Math.ceil(pos), inSize - 1);
    lerp[i] = f(pos - floor);
  }
  return { lower, upper, lerp };
}

/**
 * Bilinear resampling of a region of `src` (half-pixel centres, no antialias)
 * returning float values, before rounding. Channels are interleaved; `channels`
 * is usually 3.
 */
export function resizeBilinearFloat(
  src: Uint8Array,
  srcWidth: number,
  box: CropBox,
  outWidth: number,
  outHeight: number,
  channels = 3,
): Float32Array {
  const xs = axisWeights(outWidth, box.width);
  const ys = axisWeights(outHeight, box.height);
  const out = new Float32Array(outWidth * outHeight * channels);
  const f = Math.fround;
  let o = 0;
  for (let y = 0; y < outHeight; y++) {
    const top = (box.y + ys.lower[y]) * srcWidth;
    const bottom = (box.y + ys.upper[y]) * srcWidth;
    const yl = ys.lerp[y];
    for (let x = 0; x < outWidth; x++) {
      const left = (box.x + xs.lower[x]) * channels;
      const right = (box.x + xs.upper[x]) * channels;
      const xl = xs.lerp[x];
      for (let c = 0; c < channels; c++) {
        const tl = src[top * channels + left + c];
        const tr = src[top * channels + right + c];
        const bl = src[bottom * channels + left + c];
        const br = src[bottom * channels + right + c];
        const t = f(tl + f(f(tr - tl) * xl));
        const b = f(bl + f(f(br - bl) * xl));
        out[o++] = f(t + f(f(b - t) * yl));
      }
    }
  }
  return out;
}

/** Rounds (half away from zero, as values are non-negative) and clamps floats to 0..255. */
export function toUint8(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round(values[i]);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}

/** The result of {@linkcode smartResize}: the resized image and the crop box it came from. */
export interface ResizeResult extends RgbImage {
  /** The region of the source image that was resampled. */
  crop: CropBox;
}

/** Keras `smart_resize` of an RGB image to `targetWidth`x`targetHeight`, rounded to uint8. */
export function smartResize(
  image: RgbImage,
  targetWidth: number,
  targetHeight: number,
): ResizeResult {
  const crop = smartCropBox(image.width, image.height, targetWidth, targetHeight);
  const data = toUint8(
    resizeBilinearFloat(image.data, image.width, crop, targetWidth, targetHeight),
  );
  return { width: targetWidth, height: targetHeight, data, crop };
}

/** Plain bilinear resize of a whole image (used for contact-sheet thumbnails). */
export function resizeBilinear(image: RgbImage, width: number, height: number): RgbImage {
  const box = { x: 0, y: 0, width: image.width, height: image.height };
  return {
    width,
    height,
    data: toUint8(resizeBilinearFloat(image.data, image.width, box, width, height)),
  };
}
