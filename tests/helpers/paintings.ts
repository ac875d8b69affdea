/**
 * People-Art paintings as small square batches for the metric tests:
 * centre-cropped and area-resized, decoded with imagescript directly so the
 * metrics are tested apart from the data pipeline.
 *
 * @module
 */

import { decode, Image } from "imagescript";
import {
  batchFromImages,
  type ImageBatch,
  resizeArea,
  type RgbImage,
} from "../../src/eval/images.ts";
import { PEOPLE_ART } from "./dataset.ts";

/** Paintings `skip..skip+n-1` (sorted by name), centre-cropped square and area-resized to `size`. */
export async function loadPaintings(n: number, size = 64, skip = 0): Promise<ImageBatch> {
  const names = [...Deno.readDirSync(PEOPLE_ART)].map((e) => e.name).sort().slice(skip, skip + n);
  const out: RgbImage[] = [];
  for (const name of names) {
    const img = await decode(await Deno.readFile(`${PEOPLE_ART}/${name}`));
    if (!(img instanceof Image)) throw new Error(`${name} is not a still image`);
    const s = Math.min(img.width, img.height);
    const x0 = (img.width - s) >> 1, y0 = (img.height - s) >> 1;
    const rgb = new Uint8Array(s * s * 3);
    for (let y = 0; y < s; y++) {
      for (let x = 0; x < s; x++) {
        const p = ((y + y0) * img.width + x + x0) * 4, q = (y * s + x) * 3;
        rgb[q] = img.bitmap[p], rgb[q + 1] = img.bitmap[p + 1], rgb[q + 2] = img.bitmap[p + 2];
      }
    }
    out.push(resizeArea({ width: s, height: s, data: rgb }, size, size));
  }
  return batchFromImages(out);
}
