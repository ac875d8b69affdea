/**
 * Contact sheets: grids of numbered thumbnails for reviewing a dataset by eye.
 * Each cell shows the picture, its number (`#n`, manifest order from 1) and
 * its id, drawn with a tiny built-in 3x5 pixel font (no font files needed) in
 * lower case, exactly as it is typed into `exclude.txt`.
 * Excluded ids get a red frame so the review state is visible.
 *
 * @example
 * ```ts
 * import { renderContactSheet } from "./contact.ts";
 * const sheet = renderContactSheet([{ n: 1, id: "abc", image }], 160);
 * ```
 * @module
 */

import { drawText, textWidth } from "../util/font.ts";
import { resizeBilinear, type RgbImage } from "./resize.ts";

function fillRect(
  c: RgbImage,
  x: number,
  y: number,
  w: number,
  h: number,
  color: readonly [number, number, number],
): void {
  for (let yy = Math.max(0, y); yy < Math.min(c.height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(c.width, x + w); xx++) {
      const o = (yy * c.width + xx) * 3;
      c.data[o] = color[0];
      c.data[o + 1] = color[1];
      c.data[o + 2] = color[2];
    }
  }
}

/** One thumbnail on a sheet. */
export interface SheetItem {
  n: number;
  id: string;
  image: RgbImage;
  excluded?: boolean;
}

/** Layout of a sheet: 8 columns x 6 rows of 96-pixel thumbnails. */
export const SHEET = { columns: 8, rows: 6, thumb: 96, cellWidth: 104, cellHeight: 130 } as const;

/** Items per sheet. */
export const PER_SHEET: number = SHEET.columns * SHEET.rows;

/** Room for the id under a thumbnail: the thumbnail's width plus most of the gap to the next cell. */
const ID_ROOM = SHEET.thumb + 4;

/**
 * Scale and character gap for drawing `id` under a thumbnail: large where it
 * fits (a 12-digit id), large and tighter for an augmented `<id>-<k>`, small
 * otherwise. Ids are drawn exactly as they are typed into exclude.txt.
 */
export function idLayout(id: string): [scale: number, gap: number] {
  for (const [scale, gap] of [[2, 2], [2, 1]] as const) {
    if (textWidth(id, scale, gap) <= ID_ROOM) return [scale, gap];
  }
  return [1, 1];
}

/** Renders one contact sheet (up to {@linkcode PER_SHEET} items). */
export function renderContactSheet(items: SheetItem[]): RgbImage {
  const rows = Math.max(1, Math.ceil(items.length / SHEET.columns));
  const canvas: RgbImage = {
    width: SHEET.columns * SHEET.cellWidth,
    height: rows * SHEET.cellHeight,
    data: new Uint8Array(SHEET.columns * SHEET.cellWidth * rows * SHEET.cellHeight * 3).fill(40),
  };
  items.forEach((item, k) => {
    const x0 = (k % SHEET.columns) * SHEET.cellWidth + 4;
    const y0 = Math.floor(k / SHEET.columns) * SHEET.cellHeight + 4;
    if (item.excluded) {
      fillRect(canvas, x0 - 3, y0 - 3, SHEET.thumb + 6, SHEET.thumb + 6, [220, 30, 30]);
    }
    const t = resizeBilinear(item.image, SHEET.thumb, SHEET.thumb);
    for (let y = 0; y < SHEET.thumb; y++) {
      canvas.data.set(
        t.data.subarray(y * SHEET.thumb * 3, (y + 1) * SHEET.thumb * 3),
        ((y0 + y) * canvas.width + x0) * 3,
      );
    }
    drawText(canvas, `#${item.n}`, x0, y0 + SHEET.thumb + 4, [255, 255, 255], 2);
    const [scale, gap] = idLayout(item.id);
    drawText(canvas, item.id, x0, y0 + SHEET.thumb + 17, [200, 200, 200], scale, gap);
  });
  return canvas;
}
