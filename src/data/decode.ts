/**
 * Decodes any supported image file into 8-bit RGB, whatever it is inside:
 * format detected from content; size claims checked before decoding; EXIF
 * orientation applied; CMYK/YCCK, grayscale, palette, 16-bit and alpha all
 * normalised. imagescript (WebAssembly) does most of the work; jpeg-js and
 * pngjs take over where imagescript gets a valid file wrong or refuses it.
 *
 * Pinned conversions:
 * - 16-bit samples become 8-bit by rounding: `round(v * 255 / 65535)`
 *   (0x10FF = 4351 -> 17, not the truncated 16).
 * - Alpha is composited over {@linkcode BACKGROUND} (white, like paper).
 * - PNG gAMA chunks are ignored (samples are taken as stored), like most decoders.
 *
 * @example
 * ```ts
 * import { decodeImage } from "./decode.ts";
 * const { image } = await decodeImage(await Deno.readFile("painting.jpg"));
 * image.width; image.data.length; // width * height * 3
 * ```
 * @module
 */

import { decode as isDecode, GIF, type Image } from "imagescript";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { Buffer } from "node:buffer";
import { type HeaderInfo, sniffImage } from "./sniff.ts";
import type { RgbImage } from "./resize.ts";

/** Background that transparent pixels are composited over: white. */
export const BACKGROUND = [255, 255, 255] as const;

/** Default refusal threshold for claimed pixel counts (50 megapixels). */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** A file that cannot be turned into an image; `message` is the per-file reason. */
export class DecodeError extends Error {
  /** Creates the error; `message` should be a one-line reason without the file name. */
  constructor(message: string) {
    super(message);
    this.name = "DecodeError";
  }
}

/** Options for {@linkcode decodeImage}. */
export interface DecodeOptions {
  /** Refuse images whose header claims more pixels than this (default 50 MP). */
  maxPixels?: number;
}

/** A decoded image plus how it was obtained. */
export interface Decoded {
  /** The pixels, already rotated upright by the EXIF orientation. */
  image: RgbImage;
  /** The format detected from the content: "jpeg", "png" or "gif". */
  format: string;
  /** Which decoder produced it: "imagescript", "jpeg-js" or "pngjs". */
  decoder: string;
  /** The EXIF orientation (1..8, 1 when absent) that was applied to `image`. */
  orientation: number;
}

/** Decodes `bytes` to upright 8-bit RGB or throws {@linkcode DecodeError} with a one-line reason. */
export async function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<Decoded> {
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  const info = sniffImage(bytes);
  if (info.format === "unknown") {
    if (bytes.length >= 4 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e) {
      throw new DecodeError("PNG signature damaged (was the file transferred in text mode?)");
    }
    throw new DecodeError("not a recognised image format (content is not JPEG, PNG or GIF)");
  }
  if (info.format === "webp" || info.format === "bmp" || info.format === "tiff") {
    throw new DecodeError(
      `${info.format.toUpperCase()} images are not supported (convert to PNG or JPEG)`,
    );
  }
  if (info.width * info.height > maxPixels) {
    throw new DecodeError(
      `header claims ${info.width}x${info.height} pixels, more than the limit of ${maxPixels} (raise --max-pixels to allow)`,
    );
  }
  if (info.problem) throw new DecodeError(info.problem);

  let decoded: { image: RgbImage; decoder: string };
  if (info.format === "jpeg") decoded = await decodeJpeg(bytes, info, maxPixels);
  else if (info.format === "png") decoded = await decodePng(bytes, info);
  else decoded = { image: await decodeWithImagescript(bytes), decoder: "imagescript" };

  const image = orient(decoded.image, info.orientation);
  return { image, format: info.format, decoder: decoded.decoder, orientation: info.orientation };
}

/** imagescript decode to RGB (first frame of a GIF); errors propagate. */
async function decodeWithImagescript(bytes: Uint8Array): Promise<RgbImage> {
  const result = await isDecode(bytes) as Image | GIF;
  const img: { width: number; height: number; bitmap: Uint8ClampedArray } = result instanceof GIF
    ? result[0]
    : result;
  const bm = img.bitmap;
  return rgbaToRgb(new Uint8Array(bm.buffer, bm.byteOffset, bm.length), img.width, img.height);
}

async function decodeJpeg(
  bytes: Uint8Array,
  info: HeaderInfo,
  maxPixels: number,
): Promise<{ image: RgbImage; decoder: string }> {
  // imagescript gets four-component JPEGs wrong for Adobe transform 0; jpeg-js handles CMYK.
  if (info.components !== 4) {
    try {
      return { image: await decodeWithImagescript(bytes), decoder: "imagescript" };
    } catch (error) {
      if (isFatalWasmError(error)) throw error;
      // fall through: jpeg-js reads some valid files imagescript refuses (DNL marker)
    }
  }
  const run = (colorTransform?: boolean) => {
    try {
      const r = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        colorTransform,
        maxResolutionInMP: maxPixels / 1e6,
        maxMemoryUsageInMB: Math.max(512, Math.ceil((maxPixels * 4 * 3) / 1e6)),
      });
      return { width: r.width, height: r.height, data: r.data as Uint8Array };
    } catch (error) {
      throw new DecodeError(jpegReason(error));
    }
  };
  if (info.components === 4 && info.adobeTransform === 0) {
    // Transform 0 says "plain CMYK", yet files in the wild carry YCCK data under it.
    // Misread YCCK leaves one output channel almost flat (the chroma planes are near 128):
    // when that happens, decode again as YCCK.
    const plain = run(false);
    const stds = channelStd(plain.data);
    if (Math.min(...stds) < 0.15 * Math.max(...stds)) {
      return { image: run(true), decoder: "jpeg-js" };
    }
    return { image: plain, decoder: "jpeg-js" };
  }
  return { image: run(undefined), decoder: "jpeg-js" };
}

function jpegReason(error: unknown): string {
  const m = String((error as Error)?.message ?? error);
  if (/marker was not found|eof|end of/i.test(m)) return `JPEG is truncated or damaged (${m})`;
  return `JPEG cannot be decoded (${m})`;
}

function channelStd(data: Uint8Array): number[] {
  const s = [0, 0, 0], q = [0, 0, 0];
  const n = data.length / 3;
  for (let i = 0; i < data.length; i += 3) {
    for (let c = 0; c < 3; c++) {
      s[c] += data[i + c];
      q[c] += data[i + c] * data[i + c];
    }
  }
  return s.map((v, c) => Math.sqrt(Math.max(0, q[c] / n - (v / n) ** 2)));
}

async function decodePng(
  bytes: Uint8Array,
  info: HeaderInfo,
): Promise<{ image: RgbImage; decoder: string }> {
  // 16-bit goes through pngjs with the raw samples so that the rounding rule is ours.
  if (info.bitDepth !== 16) {
    try {
      return { image: await decodeWithImagescript(bytes), decoder: "imagescript" };
    } catch (error) {
      if (isFatalWasmError(error)) throw error;
    }
  }
  let png: { width: number; height: number; data: Uint8Array | Uint16Array; depth?: number };
  try {
    png = PNG.sync.read(Buffer.from(bytes), { skipRescale: true }) as any;
  } catch (error) {
    const m = String((error as Error)?.message ?? error);
    if (/check|adler|crc/i.test(m)) throw new DecodeError(`PNG image data checksum failed (${m})`);
    if (/unexpected end|truncat/i.test(m)) throw new DecodeError(`PNG is truncated (${m})`);
    throw new DecodeError(`PNG cannot be decoded (${m})`);
  }
  const { width, height } = png;
  const px = width * height;
  const rgba = new Uint8Array(px * 4);
  const src = png.data;
  if (png.depth === 16 || src instanceof Uint16Array) {
    for (let i = 0; i < px * 4; i++) rgba[i] = Math.round((src[i] * 255) / 65535);
  } else rgba.set(src.subarray(0, px * 4));
  return { image: rgbaToRgb(rgba, width, height), decoder: "pngjs" };
}

/** WebAssembly traps leave imagescript's instance unusable: the worker must be restarted. */
export function isFatalWasmError(error: unknown): boolean {
  const m = String((error as Error)?.message ?? error);
  return error instanceof WebAssembly.RuntimeError ||
    /memory access out of bounds|unreachable/i.test(m);
}

/** RGBA to RGB, compositing alpha over {@linkcode BACKGROUND} with rounding. */
export function rgbaToRgb(rgba: Uint8Array, width: number, height: number): RgbImage {
  const px = width * height;
  const out = new Uint8Array(px * 3);
  for (let i = 0, o = 0; i < px * 4; i += 4, o += 3) {
    const a = rgba[i + 3];
    if (a === 255) {
      out[o] = rgba[i];
      out[o + 1] = rgba[i + 1];
      out[o + 2] = rgba[i + 2];
    } else {
      const ia = 255 - a;
      out[o] = Math.round((rgba[i] * a + BACKGROUND[0] * ia) / 255);
      out[o + 1] = Math.round((rgba[i + 1] * a + BACKGROUND[1] * ia) / 255);
      out[o + 2] = Math.round((rgba[i + 2] * a + BACKGROUND[2] * ia) / 255);
    }
  }
  return { width, height, data: out };
}

/** Applies EXIF orientation 1..8 so the image is upright. */
export function orient(img: RgbImage, orientation: number): RgbImage {
  if (orientation <= 1 || orientation > 8) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const ow = swap ? h : w, oh = swap ? w : h;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // (sx, sy): the stored pixel that lands at upright (x, y).
      let sx: number, sy: number;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          sy = y;
          break;
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break;
        case 4:
          sx = x;
          sy = h - 1 - y;
          break;
        case 5:
          sx = y;
          sy = x;
          break;
        case 6:
          sx = y;
          sy = h - 1 - x;
          break;
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break;
        default:
          sx = w - 1 - y;
          sy = x;
          break; // 8
      }
      const s = (sy * w + sx) * 3, o = (y * ow + x) * 3;
      out[o] = data[s];
      out[o + 1] = data[s + 1];
      out[o + 2] = data[s + 2];
    }
  }
  return { width: ow, height: oh, data: out };
}

/**
 * Encodes RGB as an 8-bit RGB PNG with pngjs (zlib): byte-identical output for
 * the same pixels, which imagescript's encoder does not guarantee for large images.
 */
export function encodePng(img: RgbImage): Promise<Uint8Array> {
  const png = new PNG({ width: img.width, height: img.height, colorType: 2, inputHasAlpha: false });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length);
  const out = PNG.sync.write(png, { colorType: 2, inputHasAlpha: false, deflateLevel: 6 } as any);
  return Promise.resolve(new Uint8Array(out.buffer, out.byteOffset, out.length));
}
