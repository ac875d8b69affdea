/**
 * Symbolic gradients through `TF_AddGradientsWithPrefix`.
 *
 * @module
 */

import { cString, packOutputs, unpackOutputs } from "../../ffi/c.ts";
import { tf } from "../../ffi/library.ts";
import { type Graph, Operation, Output } from "./graph.ts";
import { withStatus } from "./status.ts";

/**
 * Adds d(sum of `ys`)/d`xs` to the graph and returns one output per x.
 * `xs` must be an explicit list: a GAN trains two disjoint sets, and asking
 * for a variable that no y depends on fails.
 */
export function gradients(
  graph: Graph,
  ys: ReadonlyArray<Output>,
  xs: ReadonlyArray<Output>,
  options: { dys?: ReadonlyArray<Output>; prefix?: string } = {},
): Output[] {
  const prefix = graph.uniqueName(options.prefix ?? "gradients");
  const dx = new Uint8Array(16 * Math.max(1, xs.length));
  withStatus(`gradients '${prefix}'`, (status) =>
    tf().TF_AddGradientsWithPrefix(
      graph.pointer,
      cString(prefix),
      packOutputs(ys.map((y) => [y.op.pointer, y.index])),
      ys.length,
      packOutputs(xs.map((x) => [x.op.pointer, x.index])),
      xs.length,
      options.dys
        ? packOutputs(options.dys.map((d) => [d.op.pointer, d.index]))
        : null as unknown as Uint8Array<ArrayBuffer>,
      status,
      dx,
    ));
  return unpackOutputs(dx, xs.length).map(([p, index], i) => {
    if (p === null) throw new Error(`no gradient path from the loss to ${xs[i].name}`);
    return new Output(new Operation(graph, p), index);
  });
}
