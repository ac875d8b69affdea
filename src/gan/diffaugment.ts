/**
 * DiffAugment (Zhao et al. 2020) placeholder policy parsing; the transforms
 * live in `diffaugment_ops.ts`.
 *
 * @module
 */

import type { Output } from "../tf/graph.ts";
import { UserError } from "../util/errors.ts";

/** The transforms DiffAugment knows. */
export const DIFFAUGMENT_TRANSFORMS = ["color", "translation", "cutout"] as const;

/** One DiffAugment transform name. */
export type DiffAugmentTransform = typeof DIFFAUGMENT_TRANSFORMS[number];

/** Parses "color,translation,cutout" (or "" for none). */
export function parseDiffAugmentPolicy(policy: string): DiffAugmentTransform[] {
  if (!policy) return [];
  const parts = policy.split(",").map((p) => p.trim()).filter(Boolean);
  for (const p of parts) {
    if (!(DIFFAUGMENT_TRANSFORMS as readonly string[]).includes(p)) {
      throw new UserError(
        `unknown DiffAugment transform '${p}': use a comma-separated list of ${
          DIFFAUGMENT_TRANSFORMS.join(", ")
        }`,
        { exitCode: 2 },
      );
    }
  }
  return parts as DiffAugmentTransform[];
}

/** Applies `policy` to a batch in [-1, 1]. */
export function diffAugment(
  _x: Output,
  _policy: DiffAugmentTransform[],
  _seed: Output,
  _stepSeed: Output,
  _stream: number,
): Output {
  throw new UserError("DiffAugment is not available yet");
}
