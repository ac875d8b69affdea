/**
 * smartResize() against TensorFlow's own crop and bilinear resize, through
 * the binding, on the real People-Art paintings.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { decodeImage } from "../src/data/decode.ts";
import { smartCropBox, smartResize } from "../src/data/resize.ts";
import { Graph } from "../src/tf/graph.ts";
import * as ops from "../src/tf/ops.ts";
import { Session } from "../src/tf/session.ts";
import { Tensor } from "../src/tf/tensor.ts";
import { PEOPLE_ART } from "./helpers/dataset.ts";
import { loadTensorFlow } from "./helpers/tf.ts";

await loadTensorFlow();

/** TensorFlow's Slice + ResizeBilinear(half_pixel_centers) + round + clamp, as Keras's smart_resize does it. */
function tensorFlowSmartResize(g: Graph) {
  const image = ops.placeholder(g, "uint8", [-1, -1, 3], "image");
  const begin = ops.placeholder(g, "int32", [3], "begin");
  const size = ops.placeholder(g, "int32", [3], "size");
  const crop = g.addOp({ type: "Slice", inputs: [image, begin, size] }).output(0);
  const batch = g.addOp({
    type: "ExpandDims",
    inputs: [ops.cast(crop, "float32"), ops.scalar(g, 0, "int32")],
  }).output(0);
  const resized = g.addOp({
    type: "ResizeBilinear",
    inputs: [batch, ops.int32s(g, [160, 160])],
    attrs: { align_corners: false, half_pixel_centers: true },
  }).output(0);
  const rounded = g.addOp({ type: "Round", inputs: [resized] }).output(0);
  const out = ops.cast(
    ops.minimum(ops.maximum(rounded, ops.scalar(g, 0)), ops.scalar(g, 255)),
    "uint8",
  );
  return { image, begin, size, out };
}

Deno.test("smartResize() is within 1 level of TensorFlow's crop + bilinear resize on every People-Art painting", async () => {
  const names: string[] = [];
  for await (const e of Deno.readDir(PEOPLE_ART)) if (e.isFile) names.push(e.name);
  names.sort();
  assert.ok(names.length >= 200, `People-Art holds ${names.length} files`);
  using g = new Graph();
  const tfOps = tensorFlowSmartResize(g);
  using session = new Session(g, { intraOpThreads: 2, interOpThreads: 1 });
  let worst = 0, compared = 0, exact = 0;
  for (const name of names) {
    const { image } = await decodeImage(await Deno.readFile(join(PEOPLE_ART, name)));
    const ours = smartResize(image, 160, 160);
    const box = smartCropBox(image.width, image.height, 160, 160);
    assert.deepEqual(ours.crop, box);
    using img = Tensor.from("uint8", [image.height, image.width, 3], image.data);
    using begin = Tensor.from("int32", [3], [box.y, box.x, 0]);
    using size = Tensor.from("int32", [3], [box.height, box.width, 3]);
    const [theirs] = session.run({
      feeds: [[tfOps.image, img], [tfOps.begin, begin], [tfOps.size, size]],
      fetches: [tfOps.out],
    });
    using _ = theirs;
    const t = theirs.values() as Uint8Array;
    assert.equal(t.length, ours.data.length);
    let same = true;
    for (let i = 0; i < t.length; i++) {
      const d = Math.abs(t[i] - ours.data[i]);
      if (d > worst) worst = d;
      if (d) same = false;
    }
    if (same) exact++;
    compared++;
  }
  assert.equal(compared, names.length);
  assert.ok(worst <= 1, `largest difference ${worst} levels`);
  console.log(`${compared} paintings, largest difference ${worst}, ${exact} identical`);
});
