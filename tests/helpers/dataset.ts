/**
 * Small real datasets for tests: the first N People-Art paintings prepared
 * at 64 px into a temporary folder (once per process and size).
 *
 * @module
 */

import { join } from "node:path";
import { prepareDataset } from "../../src/data/prepare.ts";

/** The shared People-Art originals (228 real paintings, tests only). */
export const PEOPLE_ART =
  new URL("../../../shared/data/peopleart/originals/", import.meta.url).pathname;

const made = new Map<string, Promise<string>>();

/** A dataset folder holding `count` People-Art paintings at `size` px. */
export function peopleArtDataset(count = 16, size = 64): Promise<string> {
  const key = `${count}x${size}`;
  let p = made.get(key);
  if (!p) {
    p = (async () => {
      const root = await Deno.makeTempDir({ prefix: "pgan-data-" });
      const input = join(root, "input");
      await Deno.mkdir(input);
      const names: string[] = [];
      for await (const e of Deno.readDir(PEOPLE_ART)) if (e.isFile) names.push(e.name);
      names.sort();
      if (names.length < count) {
        throw new Error(`need ${count} People-Art images in ${PEOPLE_ART}, found ${names.length}`);
      }
      for (const name of names.slice(0, count)) {
        await Deno.copyFile(join(PEOPLE_ART, name), join(input, name));
      }
      const out = join(root, "dataset");
      await prepareDataset({ input, out, size, quiet: true, workers: 2 });
      return out;
    })();
    made.set(key, p);
  }
  return p;
}
