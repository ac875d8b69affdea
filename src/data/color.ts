/**
 * imgaug's colour augmentation, reproduced exactly: `AddToHueAndSaturation`
 * converts RGB to OpenCV's 8-bit HSV (hue 0..179), adds
 * `trunc(hue / 255 * 180)` to H modulo 180 and adds the saturation shift to S
 * clipped to 0..255, then converts back with OpenCV's HSV2RGB. So hue is in
 * imgaug units where 255 is a full turn (pure red +85 -> pure green) and
 * saturation is clipped, never wrapped ((200,150,100) +255 -> (200,100,0)).
 *
 * @example
 * ```ts
 * import { addToHueAndSaturation } from "./color.ts";
 * addToHueAndSaturation(new Uint8Array([255, 0, 0]), 85, 0); // [0, 255, 0]
 * ```
 * @module
 */

const SHIFT = 12;
const f = Math.fround;

// cvRound: round half to even, as saturate_cast<int>(double) does.
function cvRound(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const SDIV = new Int32Array(256);
const HDIV = new Int32Array(256);
for (let i = 1; i < 256; i++) {
  SDIV[i] = cvRound((255 << SHIFT) / i);
  HDIV[i] = cvRound((180 << SHIFT) / (6 * i));
}

/** OpenCV `COLOR_RGB2HSV` for one 8-bit pixel: [h 0..179, s, v]. */
export function rgbToHsv(r: number, g: number, b: number): [number, number, number] {
  const v = Math.max(r, g, b);
  const vmin = Math.min(r, g, b);
  const diff = v - vmin;
  const s = (diff * SDIV[v] + (1 << (SHIFT - 1))) >> SHIFT;
  let h: number;
  if (v === r) h = g - b;
  else if (v === g) h = b - r + 2 * diff;
  else h = r - g + 4 * diff;
  h = (h * HDIV[diff] + (1 << (SHIFT - 1))) >> SHIFT;
  if (h < 0) h += 180;
  return [h, s, v];
}

const SECTORS = [[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]];

/** OpenCV `COLOR_HSV2RGB` for one 8-bit pixel (float32 maths as in OpenCV's HSV2RGB_b). */
export function hsvToRgb(h8: number, s8: number, v8: number): [number, number, number] {
  let h = h8;
  const s = f(s8 * f(1 / 255));
  const v = f(v8 * f(1 / 255));
  let r: number, g: number, b: number;
  if (s === 0) r = g = b = v;
  else {
    h = f(h * f(6 / 180));
    while (h < 0) h = f(h + 6);
    while (h >= 6) h = f(h - 6);
    let sector = Math.floor(h);
    h = f(h - sector);
    if (sector < 0 || sector >= 6) {
      sector = 0;
      h = 0;
    }
    const tab = [v, f(v * f(1 - s)), f(v * f(1 - f(s * h))), f(v * f(1 - f(s * f(1 - h))))];
    b = tab[SECTORS[sector][0]];
    g = tab[SECTORS[sector][1]];
    r = tab[SECTORS[sector][2]];
  }
  const q = (x: number) => Math.min(255, Math.max(0, cvRound(f(x * 255))));
  return [q(r), q(g), q(b)];
}

/** imgaug's projection of a hue shift in [-255, 255] to OpenCV units (float32, truncated). */
export function hueToOpenCv(hue: number): number {
  return Math.trunc(f(f(hue / 255) * 180));
}

/** Colour transform applied per pixel in HSV space; all fields optional (identity by default). */
export interface ColorTransform {
  /** Hue shift in imgaug units (-255..255, 255 = full turn). */
  hue?: number;
  /** Saturation shift (-255..255), clipped. */
  saturation?: number;
  /** Multiplicative hue factor (applied to OpenCV hue, wrapped modulo 180), after the shift. */
  mulHue?: number;
  /** Multiplicative saturation factor, clipped, after the shift. */
  mulSaturation?: number;
}

/** Applies {@linkcode ColorTransform} to interleaved RGB in place-free fashion; returns a new array. */
export function applyColor(rgb: Uint8Array, t: ColorTransform): Uint8Array {
  const dh = hueToOpenCv(t.hue ?? 0);
  const ds = t.saturation ?? 0;
  const mh = t.mulHue ?? 1, ms = t.mulSaturation ?? 1;
  if (dh === 0 && ds === 0 && mh === 1 && ms === 1) return rgb.slice();
  // Lookup tables per channel: the transform only depends on h and s separately.
  const hueLut = new Uint8Array(256), satLut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    let h = (((i + dh) % 180) + 180) % 180;
    if (mh !== 1) h = ((Math.round(h * mh) % 180) + 180) % 180;
    hueLut[i] = h;
    let s = Math.min(255, Math.max(0, i + ds));
    if (ms !== 1) s = Math.min(255, Math.max(0, Math.round(s * ms)));
    satLut[i] = s;
  }
  const out = new Uint8Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    const [h, s, v] = rgbToHsv(rgb[i], rgb[i + 1], rgb[i + 2]);
    const [r, g, b] = hsvToRgb(hueLut[h], satLut[s], v);
    out[i] = r;
    out[i + 1] = g;
    out[i + 2] = b;
  }
  return out;
}

/** imgaug `AddToHueAndSaturation` on interleaved RGB. */
export function addToHueAndSaturation(
  rgb: Uint8Array,
  hue: number,
  saturation: number,
): Uint8Array {
  return applyColor(rgb, { hue, saturation });
}

/** Mirrors an interleaved RGB image left to right (imgaug `Fliplr`). */
export function flipHorizontal(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const s = row + x * 3, d = row + (width - 1 - x) * 3;
      out[d] = rgb[s];
      out[d + 1] = rgb[s + 1];
      out[d + 2] = rgb[s + 2];
    }
  }
  return out;
}
