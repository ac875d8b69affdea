/**
 * Reads what an image file claims about itself from its first bytes, without
 * decoding: the format (from the content, never the file name), the size the
 * header claims (so huge claims are refused before any allocation), JPEG
 * colour components and Adobe transform, and the EXIF orientation.
 *
 * @example
 * ```ts
 * import { sniffImage } from "./sniff.ts";
 * const info = sniffImage(await Deno.readFile("photo.jpg"));
 * info.format; // "jpeg"
 * ```
 * @module
 */

/** Formats recognised from their signatures. */
export type ImageFormat = "jpeg" | "png" | "gif" | "webp" | "bmp" | "tiff" | "unknown";

/** What the header says. Width/height are 0 when the header does not tell (e.g. a JPEG with a DNL marker). */
export interface HeaderInfo {
  format: ImageFormat;
  width: number;
  height: number;
  /** JPEG: number of colour components (1 gray, 3 YCbCr/RGB, 4 CMYK/YCCK). */
  components?: number;
  /** JPEG: Adobe APP14 transform byte (0 none/CMYK, 1 YCbCr, 2 YCCK), if present. */
  adobeTransform?: number;
  /** EXIF orientation 1..8 (1 when absent). */
  orientation: number;
  /** PNG: bit depth and colour type from IHDR. */
  bitDepth?: number;
  colorType?: number;
  /** A problem found in the header alone (damaged PNG chunk, bad colour type...). */
  problem?: string;
}

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Detects the format from the leading bytes. */
export function detectFormat(b: Uint8Array): ImageFormat {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 8 && PNG_SIG.every((v, i) => b[i] === v)) return "png";
  if (
    b.length >= 6 && ascii(b, 0, 3) === "GIF" &&
    (ascii(b, 3, 6) === "87a" || ascii(b, 3, 6) === "89a")
  ) {
    return "gif";
  }
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return "webp";
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return "bmp";
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a))
  ) return "tiff";
  return "unknown";
}

function ascii(b: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...b.subarray(start, end));
}

/** Parses the header of any supported format. Never throws on damaged input; reports `problem` instead. */
export function sniffImage(b: Uint8Array): HeaderInfo {
  const format = detectFormat(b);
  const info: HeaderInfo = { format, width: 0, height: 0, orientation: 1 };
  try {
    if (format === "jpeg") sniffJpeg(b, info);
    else if (format === "png") sniffPng(b, info);
    else if (format === "gif" && b.length >= 10) {
      info.width = b[6] | (b[7] << 8);
      info.height = b[8] | (b[9] << 8);
    } else if (format === "webp") sniffWebp(b, info);
  } catch (error) {
    info.problem ??= `damaged header (${(error as Error).message})`;
  }
  return info;
}

function sniffJpeg(b: Uint8Array, info: HeaderInfo): void {
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) {
      info.problem ??= "JPEG marker structure damaged before the frame header";
      return;
    }
    const marker = b[i + 1];
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    const seg = i + 4;
    if (marker === 0xda || marker === 0xd9) return; // start of scan / end: frame header must precede
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 &&
      marker !== 0xcc;
    if (isSof && seg + 6 <= b.length) {
      info.height = (b[seg + 1] << 8) | b[seg + 2];
      info.width = (b[seg + 3] << 8) | b[seg + 4];
      info.components = b[seg + 5];
    } else if (marker === 0xee && length >= 12 && ascii(b, seg, seg + 5) === "Adobe") {
      info.adobeTransform = b[seg + 11];
    } else if (marker === 0xe1 && ascii(b, seg, seg + 4) === "Exif") {
      info.orientation = exifOrientation(b.subarray(seg + 6, i + 2 + length));
    }
    i += 2 + length;
  }
}

/** Reads tag 0x0112 from a TIFF-structured EXIF block; 1 when absent or malformed. */
export function exifOrientation(t: Uint8Array): number {
  if (t.length < 8) return 1;
  const le = t[0] === 0x49;
  const u16 = (o: number) => (le ? t[o] | (t[o + 1] << 8) : (t[o] << 8) | t[o + 1]);
  const u32 = (o: number) =>
    le
      ? (t[o] | (t[o + 1] << 8) | (t[o + 2] << 16) | (t[o + 3] << 24)) >>> 0
      : ((t[o] << 24) | (t[o + 1] << 16) | (t[o + 2] << 8) | t[o + 3]) >>> 0;
  const ifd = u32(4);
  if (ifd + 2 > t.length) return 1;
  const n = u16(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > t.length) break;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

const VALID_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function sniffPng(b: Uint8Array, info: HeaderInfo): void {
  // Walk the chunks: checks IHDR sanity and CRCs, so damaged files get a precise reason.
  let i = 8;
  let sawIdat = false;
  let first = true;
  while (i + 12 <= b.length) {
    const len = ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;
    const type = ascii(b, i + 4, i + 8);
    if (i + 12 + len > b.length) {
      info.problem ??= `PNG is truncated (chunk ${type} runs past the end of the file)`;
      break;
    }
    const crc = ((b[i + 8 + len] << 24) | (b[i + 9 + len] << 16) | (b[i + 10 + len] << 8) |
      b[i + 11 + len]) >>> 0;
    if (crc32(b.subarray(i + 4, i + 8 + len)) !== crc) {
      info.problem ??= `PNG chunk ${type} fails its checksum (file damaged)`;
    }
    if (first) {
      if (type !== "IHDR") info.problem ??= "PNG does not start with an IHDR header chunk";
      first = false;
    }
    if (type === "IHDR") {
      const d = i + 8;
      info.width = ((b[d] << 24) | (b[d + 1] << 16) | (b[d + 2] << 8) | b[d + 3]) >>> 0;
      info.height = ((b[d + 4] << 24) | (b[d + 5] << 16) | (b[d + 6] << 8) | b[d + 7]) >>> 0;
      info.bitDepth = b[d + 8];
      info.colorType = b[d + 9];
      const depths = VALID_DEPTHS[info.colorType];
      if (!depths) info.problem ??= `invalid PNG colour type ${info.colorType}`;
      else if (!depths.includes(info.bitDepth)) {
        info.problem ??= `invalid PNG bit depth ${info.bitDepth} for colour type ${info.colorType}`;
      }
    } else if (type === "IDAT") sawIdat = true;
    else if (type === "IEND") break;
    i += 12 + len;
  }
  if (!sawIdat) info.problem ??= "PNG has no image data (no IDAT chunk)";
}

function sniffWebp(b: Uint8Array, info: HeaderInfo): void {
  const chunk = ascii(b, 12, 16);
  if (chunk === "VP8X" && b.length >= 30) {
    info.width = 1 + (b[24] | (b[25] << 8) | (b[26] << 16));
    info.height = 1 + (b[27] | (b[28] << 8) | (b[29] << 16));
  } else if (chunk === "VP8 " && b.length >= 30) {
    info.width = (b[26] | (b[27] << 8)) & 0x3fff;
    info.height = (b[28] | (b[29] << 8)) & 0x3fff;
  } else if (chunk === "VP8L" && b.length >= 25) {
    const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
    info.width = (bits & 0x3fff) + 1;
    info.height = ((bits >>> 14) & 0x3fff) + 1;
  }
}

let crcTable: Uint32Array | undefined;

/** CRC-32 as used by PNG chunks. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
