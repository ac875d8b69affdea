/**
 * A minimal 3x5 bitmap font (digits, upper- and lower-case letters, a little
 * punctuation) for labelling report pictures without a font file. Lower-case
 * letters are short (three or four rows; b, d, f, h, k, l, t rise above them) so that
 * hex ids such as `68823b68a6a3` read exactly as they must be typed, with
 * `b` unlike `8` and `d` unlike `0`; g, j, p, q and y, which have no room for
 * a descender, sit raised. Unknown characters are drawn as blanks.
 *
 * @example
 * ```ts
 * import { drawText } from "./font.ts";
 * const img = { width: 40, height: 7, data: new Uint8Array(40 * 7 * 3) };
 * drawText(img, "SWD 1.5", 1, 1, [255, 255, 255]);
 * ```
 * @module
 */

/** Any interleaved RGB picture (the data, GAN and evaluation images all have this shape). */
export interface RgbCanvas {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** width × height × 3 bytes, row by row. */
  data: Uint8Array;
}

// Each glyph: five rows of three pixels, "#" on.
const GLYPHS: Record<string, string> = {
  "0": "### #-# #-# #-# ###",
  "1": "-#- ##- -#- -#- ###",
  "2": "### --# ### #-- ###",
  "3": "### --# -## --# ###",
  "4": "#-# #-# ### --# --#",
  "5": "### #-- ### --# ###",
  "6": "### #-- ### #-# ###",
  "7": "### --# -#- -#- -#-",
  "8": "### #-# ### #-# ###",
  "9": "### #-# ### --# ###",
  "A": "-#- #-# ### #-# #-#",
  "B": "##- #-# ##- #-# ##-",
  "C": "-## #-- #-- #-- -##",
  "D": "##- #-# #-# #-# ##-",
  "E": "### #-- ##- #-- ###",
  "F": "### #-- ##- #-- #--",
  "G": "-## #-- #-# #-# -##",
  "H": "#-# #-# ### #-# #-#",
  "I": "### -#- -#- -#- ###",
  "J": "--# --# --# #-# -#-",
  "K": "#-# #-# ##- #-# #-#",
  "L": "#-- #-- #-- #-- ###",
  "M": "#-# ### ### #-# #-#",
  "N": "##- #-# #-# #-# #-#",
  "O": "-#- #-# #-# #-# -#-",
  "P": "##- #-# ##- #-- #--",
  "Q": "-#- #-# #-# ##- -##",
  "R": "##- #-# ##- #-# #-#",
  "S": "-## #-- -#- --# ##-",
  "T": "### -#- -#- -#- -#-",
  "U": "#-# #-# #-# #-# ###",
  "V": "#-# #-# #-# #-# -#-",
  "W": "#-# #-# ### ### #-#",
  "X": "#-# #-# -#- #-# #-#",
  "Y": "#-# #-# -#- -#- -#-",
  "Z": "### --# -#- #-- ###",
  ".": "--- --- --- --- -#-",
  "-": "--- --- ### --- ---",
  ":": "--- -#- --- -#- ---",
  "%": "#-# --# -#- #-- #-#",
  "/": "--# --# -#- #-- #--",
  "=": "--- ### --- ### ---",
  "(": "-#- #-- #-- #-- -#-",
  ")": "-#- --# --# --# -#-",
  "#": "#-# ### #-# ### #-#",
  " ": "--- --- --- --- ---",
  // Lower case: short letters three rows high (a, c and e four, to read clearly),
  // ascenders from the top row.
  "a": "--- ##- -## #-# -##",
  "b": "#-- #-- ##- #-# ##-",
  "c": "--- -## #-- #-- -##",
  "d": "--# --# -## #-# -##",
  "e": "--- -#- #-# ##- -##",
  "f": "-## -#- ### -#- -#-",
  "g": "-## #-# -## --# ##-",
  "h": "#-- #-- ##- #-# #-#",
  "i": "-#- --- -#- -#- -#-",
  "j": "--# --- --# --# ##-",
  "k": "#-- #-- #-# ##- #-#",
  "l": "-#- -#- -#- -#- --#",
  "m": "--- --- ### ### #-#",
  "n": "--- --- ##- #-# #-#",
  "o": "--- --- -#- #-# -#-",
  "p": "##- #-# ##- #-- #--",
  "q": "-## #-# -## --# --#",
  "r": "--- --- -## #-- #--",
  "s": "--- --- -## -#- ##-",
  "t": "-#- ### -#- -#- --#",
  "u": "--- --- #-# #-# -##",
  "v": "--- --- #-# #-# -#-",
  "w": "--- --- #-# ### ###",
  // "x" also serves as the multiplication sign (one row higher than the other short letters).
  "x": "--- #-# -#- #-# ---",
  "y": "#-# #-# -## --# ##-",
  "z": "--- --- ##- -#- -##",
};

/** Glyph width and height in pixels at scale 1; each character advances 4 px (times `scale`) by default. */
export const GLYPH_WIDTH = 3;
/** See {@linkcode GLYPH_WIDTH}. */
export const GLYPH_HEIGHT = 5;

/**
 * Width in pixels of `text` drawn at `scale` (no trailing gap); `gap` is the
 * space between characters in pixels (default `scale`).
 */
export function textWidth(text: string, scale = 1, gap = scale): number {
  const n = [...text].length;
  return n ? n * (3 * scale + gap) - gap : 0;
}

/**
 * Draws `text` with its top-left corner at (`x`, `y`) in `color`, each font
 * pixel a `scale`x`scale` block, characters `gap` pixels apart (default
 * `scale`); pixels outside the image are clipped, not an error.
 */
export function drawText(
  img: RgbCanvas,
  text: string,
  x: number,
  y: number,
  color: readonly [number, number, number],
  scale = 1,
  gap = scale,
): void {
  let cx = x;
  for (const ch of text) {
    const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS[" "];
    const rows = g.split(" ");
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 3; c++) {
        if (rows[r][c] !== "#") continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = cx + c * scale + dx, py = y + r * scale + dy;
            if (px < 0 || py < 0 || px >= img.width || py >= img.height) continue;
            const o = (py * img.width + px) * 3;
            img.data[o] = color[0];
            img.data[o + 1] = color[1];
            img.data[o + 2] = color[2];
          }
        }
      }
    }
    cx += 3 * scale + gap;
  }
}
